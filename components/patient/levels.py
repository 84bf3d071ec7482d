"""Measured drug levels on the chart: enter a level with its sample time, see it against the population band and the
individual fit, and the dose suggestion labelled as decision support. ``levels_figure`` is a pure Plotly builder.

The level entry keeps what was typed (``components.patient.form_state``): its fields are the user's draft for this
patient, saved when a field is committed and put back after a reload; "Save level" sends a submission token (a
double-click stores one level), and the fields are cleared only once the service stored the level; a refusal (a
sample time in the future, a concentration out of range) is shown under its field with every field kept."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import streamlit as st

from components.patient.form_state import (
    Field,
    clear,
    draft_restored_notice,
    errors_key,
    field_error,
    is_blank,
    keep,
    mark_saved,
    payload,
    restore_once,
    second_click,
    set_errors,
    submission_token,
)
from components.shared.session import flash, show_flash_at
from components.shared.theme import TEMPLATE_NAME
from novamind_core.domain.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services
    from novamind_core.services.drug_levels import LevelsView


FORM = FormName.DRUG_LEVEL
DEFAULT_TIME = time(8, 0)
SAVE_ERRORS = (ValidationError, ConflictError, NotFoundError, PermissionDenied)


def level_fields(patient_id: int, drugs: list[str], today: date) -> tuple[Field, ...]:
    """The level entry's fields, kept as the user's draft for this patient."""
    return (Field("drug", f"nm_level_drug_{patient_id}", "text", drugs[0]),
            Field("concentration_ng_ml", f"nm_level_conc_{patient_id}", "number", None),
            Field("day", f"nm_level_day_{patient_id}", "date", today),
            Field("at", f"nm_level_time_{patient_id}", "time", DEFAULT_TIME))


def _save(services: Services, user: User, patient_id: int, drugs: list[str], today: date) -> None:
    """"Save level": the service checks first; the fields are cleared only once the level is stored."""
    fields = level_fields(patient_id, drugs, today)
    values = payload(fields)
    state = st.session_state
    if second_click(FORM, patient_id, is_blank(values, fields)):
        return  # the second click of a double-click, after the first one saved and reset the form
    drug, conc, day = state.get(fields[0].key), state.get(fields[1].key), state.get(fields[2].key)
    if conc is None or day is None:
        which = "concentration_ng_ml" if conc is None else "sampled_at"
        state[errors_key(FORM, patient_id)] = {
            which: "Not saved: enter the measured concentration." if conc is None else "Not saved: choose the "
                                                                                       "sample date."}
        return
    at = state.get(fields[3].key) or DEFAULT_TIME
    try:
        level = services.drug_levels.record(user, patient_id, drug, float(conc),
                                            datetime.combine(day, at).replace(tzinfo=None),
                                            submission_token=submission_token(FORM, patient_id, values))
    except SAVE_ERRORS as exc:
        set_errors(FORM, patient_id, exc, "concentration_ng_ml")
        return
    clear(FORM, patient_id, fields)
    mark_saved(FORM, patient_id)
    flash(f"Saved a {level.drug} level of {level.concentration_ng_ml:g} ng/mL.", at="levels")


def level_entry_form(services: Services, user: User, patient_id: int, drugs: list[str], today: date) -> None:
    """One measured level (no ``st.form``: each field is kept as the user's draft when it is committed)."""
    fields = level_fields(patient_id, drugs, today)
    restore_once(services, user, patient_id, FORM, fields)
    if st.session_state.get(fields[0].key) not in drugs:  # a drug stopped since the draft was typed
        st.session_state[fields[0].key] = drugs[0]
    keep_args = (services, user, patient_id, FORM, fields)
    with st.container(border=True):
        st.markdown("**Enter a measured drug level**")
        draft_restored_notice(FORM, patient_id)
        st.selectbox("Drug", drugs, key=fields[0].key, on_change=keep, args=keep_args)
        field_error(FORM, patient_id, "drug")
        st.number_input("Concentration (ng/mL)", min_value=0.0, max_value=100_000.0, step=1.0, key=fields[1].key,
                        on_change=keep, args=keep_args, placeholder="as reported by the laboratory")
        field_error(FORM, patient_id, "concentration_ng_ml")
        left, right = st.columns(2)
        left.date_input("Sample date", format="DD/MM/YYYY", key=fields[2].key, on_change=keep, args=keep_args,
                        help="Today or earlier; a sample time in the future is refused, never changed.")
        right.time_input("Sample time (UTC)", key=fields[3].key, on_change=keep, args=keep_args)
        field_error(FORM, patient_id, "sampled_at", "submission_token")
        st.button("Save level", icon=":material/science:", key=f"nm_level_save_{patient_id}", on_click=_save,
                  args=(services, user, patient_id, drugs, today))


def levels_figure(view: LevelsView) -> go.Figure:
    """Population 90% band, individual (MAP) fit, measured levels and the reference range, over days on the regimen."""
    fig = go.Figure()
    curves = view.curves
    if curves is not None:
        days = curves.times_h / 24.0
        fig.add_trace(go.Scatter(x=days, y=curves.population_p95, line={"width": 0}, showlegend=False,
                                 hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=days, y=curves.population_p05, fill="tonexty", line={"width": 0},
                                 name="population 90% band", fillcolor="rgba(120,120,200,0.25)"))
        fig.add_trace(go.Scatter(x=days, y=curves.individual, name="individual fit", line={"color": "#1f4e9c"}))
    if view.forecast is not None and view.regimen_start is not None:
        f = view.forecast.forecast
        if f.levels:
            fig.add_trace(go.Scatter(x=[lv.time_h / 24.0 for lv in f.levels],
                                     y=[lv.concentration_ng_ml for lv in f.levels], mode="markers",
                                     name="measured", marker={"size": 10, "color": "#c0392b"}))
        rr = view.forecast.reference_range
        if rr is not None:
            fig.add_hrect(y0=rr.low_ng_ml, y1=rr.high_ng_ml, fillcolor="rgba(46,139,87,0.12)", line_width=0,
                          annotation_text=f"reference range ({rr.analyte})", annotation_position="top left")
    fig.update_layout(template=TEMPLATE_NAME, xaxis_title="days on the current regimen", yaxis_title="ng/mL",
                      height=380, title={"text": "Drug levels: measured, individual fit and population band"},
                      hovermode="closest")
    return fig


def forecast_summary(view: LevelsView) -> None:
    """The numbers, the dose suggestion labelled as decision support, and the assumptions."""
    if view.forecast is None:
        st.info(view.reason or "No forecast.", icon=":material/info:")
        return
    f = view.forecast.forecast
    t = f.predicted_trough_ng_ml
    ind, pop = f.individual.cl_l_per_h, f.population.cl_l_per_h
    st.markdown(f"**{f.drug}** {f.dose_mg:g} mg every {f.interval_h:g} h: steady-state trough "
                f"**{t.p50:.0f} ng/mL** (90% {t.p05:.0f}-{t.p95:.0f}); CL/F {ind.value:.1f} L/h "
                f"(population {pop.value:.1f}); shrinkage toward the population {f.shrinkage.cl:.2f} "
                "(1 = population alone).")
    if f.dose_for_target_mg is not None:
        st.warning(f"{view.label}: about **{f.dose_for_target_mg:.0f} mg** every {f.interval_h:g} h would put "
                   f"the trough at {f.target_trough_ng_ml:g} ng/mL, the middle of the reference range.",
                   icon=":material/lightbulb:")
    st.caption(f"{view.reason + '. ' if view.reason else ''}Assumes {view.assumption}. Method: {f.method}. "
               f"Reference range: {view.forecast.reference_range.source if view.forecast.reference_range else 'none'}.")


def levels_section(services: Services, user: User, patient_id: int, drugs: list[str], today: date) -> None:
    """Entry form plus, on request, the levels table, figure and forecast (one audited service call)."""
    if not drugs:
        return
    level_entry_form(services, user, patient_id, drugs, today)
    show_flash_at("levels")
    if st.toggle("Show drug levels and forecast (TDM)", key="nm_levels_show"):
        drug = st.selectbox("Forecast for", drugs, key="nm_levels_forecast_drug")
        view = services.drug_levels.view(user, patient_id, drug)
        if view.levels:
            st.dataframe([{"sampled (UTC)": lv.sampled_at.strftime("%Y-%m-%d %H:%M"), "drug": lv.drug,
                           "ng/mL": lv.concentration_ng_ml} for lv in view.levels], hide_index=True)
        st.plotly_chart(levels_figure(view), key="nm_levels_figure")
        forecast_summary(view)
