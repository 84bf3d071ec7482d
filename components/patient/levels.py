"""Measured drug levels on the chart: enter a level with its sample time, see it against the population band and the
individual fit, and the dose suggestion labelled as decision support. ``levels_figure`` is a pure Plotly builder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import streamlit as st

from components.shared.session import flash, show_flash_at
from components.shared.text import plain
from components.shared.theme import TEMPLATE_NAME
from novamind_core.domain.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services
    from novamind_core.services.drug_levels import LevelsView


@dataclass(frozen=True)
class LevelEntry:
    drug: str
    concentration_ng_ml: float
    sampled_at: datetime


def level_entry_form(drugs: list[str], today: date) -> LevelEntry | None:
    """A form for one measured level; returns the entry when submitted."""
    with st.form("nm_level_entry", clear_on_submit=True):
        st.markdown("**Enter a measured drug level**")
        drug = st.selectbox("Drug", drugs, key="nm_level_drug")
        conc = st.number_input("Concentration (ng/mL)", min_value=0.0, max_value=100_000.0, step=1.0,
                               key="nm_level_conc")
        left, right = st.columns(2)
        day = left.date_input("Sample date", value=today, max_value=today, key="nm_level_day")
        at = right.time_input("Sample time (UTC)", value=time(8, 0), key="nm_level_time")
        if st.form_submit_button("Save level", icon=":material/science:") and drug:
            return LevelEntry(drug, float(conc), datetime.combine(day, at).replace(tzinfo=None))
    return None


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
    entry = level_entry_form(drugs, today)
    if entry is not None:
        try:
            services.drug_levels.record(user, patient_id, entry.drug, entry.concentration_ng_ml, entry.sampled_at)
        except (ValidationError, ConflictError, NotFoundError, PermissionDenied) as exc:
            st.error(f"Not saved: {plain(exc)}.", icon=":material/error:")
        else:
            flash(f"Saved a {entry.drug} level of {entry.concentration_ng_ml:g} ng/mL.", at="levels")
            st.rerun()
    show_flash_at("levels")
    if st.toggle("Show drug levels and forecast (TDM)", key="nm_levels_show"):
        drug = st.selectbox("Forecast for", drugs, key="nm_levels_forecast_drug")
        view = services.drug_levels.view(user, patient_id, drug)
        if view.levels:
            st.dataframe([{"sampled (UTC)": lv.sampled_at.strftime("%Y-%m-%d %H:%M"), "drug": lv.drug,
                           "ng/mL": lv.concentration_ng_ml} for lv in view.levels], hide_index=True)
        st.plotly_chart(levels_figure(view), key="nm_levels_figure")
        forecast_summary(view)
