"""Patient chart: a compact banner, then the tabs at once (Overview: outcome summary and trajectory; assessments,
questionnaires, medications, notes, visits, alerts and the rest), so the open tab's content is in the first screen.

``/patient?p=<opaque token>`` opens that patient (the address bar always names the open chart this way, never by
MRN, so a reload or a new tab lands on the same chart); ``/patient?alert=<id>`` (the urgent e-mail's link) opens
the chart of that alert's patient; a legacy ``?mrn=`` link still opens its patient and is replaced by ``?p=`` at
once (care-team check in the service for each); ``?tab=medications`` names the open tab.

Recipe: resolve the patient -> one ``services.charts.patient_chart`` call (one transaction, one audit event) ->
render. Every write is one service call followed by a rerun with a confirmation. The Wearables tab draws from the
chart view (its window control is read before the call); the Insight tab reads the predictions service only when its
button is pressed.

First useful paint: the banner, then the Overview tab (the outcome cards and the PHQ-9/GAD-7 trajectory). The tabs
remember which one is open (``key`` + ``on_change="rerun"``, and ``?tab=`` in the address bar, so a reload or a save's
rerun comes back to the same tab); each save's confirmation is shown beside the form that made it (``flash(at=)``). The
heavy ones (:data:`DRAWN_WHEN_OPEN`: three more Plotly charts, the insight and the export) are drawn only while
open, from the same view (no second read); docs/load.md.
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components.models.panels import insight_panel
from components.patient.assessment_entry import assessment_entry
from components.patient.biometrics_panel import chosen_window_days, draw_biometrics
from components.patient.charts import timeline_figure, trajectory_caption, trajectory_figure
from components.patient.episodes import episodes_section
from components.patient.export_panel import export_tab
from components.patient.flowsheet import flowsheet_section
from components.patient.form_state import prefetch_drafts
from components.patient.levels import levels_section
from components.patient.measurement import measurement_tab
from components.patient.notes import notes_section
from components.patient.risk_review import risk_section
from components.patient.sections import (
    alerts_section,
    assessment_list,
    medications_section,
    outcome_cards,
    visits_section,
)
from components.shared.banner import draw_banner, load_patient_chart
from components.shared.errors import error_boundary
from components.shared.patient_link import patient_from_url, put_patient_in_url
from components.shared.session import page_guard, selected_patient_id, show_flash_leftovers
from novamind_core.domain.errors import NotFoundError, PermissionDenied, ValidationError
from novamind_core.services.charts import PatientChart

ctx = page_guard("patient")

CHART_TAB_KEY = "nm_chart_tab"
TAB_PARAM = "tab"  # ?tab=medications: the open chart tab, so a reload comes back to it
# Tabs whose content is drawn only while the tab is open (the browser draws nothing hidden on opening a chart).
# (A comment, not a docstring: Streamlit's magic would draw a bare string on the page.)
DRAWN_WHEN_OPEN = ("Wearables", "Timeline", "Insight", "Export")

ALERT_REFUSED = ("This alert is for a patient who is not on your care team, or it no longer exists. If you were sent "
                 "it, ask the patient's clinician or the duty clinician to review it.")


def read_alert_chart(alert: str, window: int) -> PatientChart | None:
    """``?alert=<id>`` (the urgent e-mail's deep link): the chart of the alert's patient, on the user's care team."""
    del st.query_params["alert"]
    try:
        return ctx.services.charts.patient_chart(ctx.user, alert_id=int(alert), wearables_window_days=window)
    except (NotFoundError, PermissionDenied, ValidationError, ValueError):
        st.error(ALERT_REFUSED, icon=":material/lock:")
        return None


def read_chart() -> PatientChart:
    """``?alert=`` or ``?mrn=`` first (deep links), else the selected patient. A link the user may not open says so
    once."""
    mrn = st.query_params.get("mrn")
    window = chosen_window_days()
    alert = st.query_params.get("alert")
    if alert:
        view = read_alert_chart(alert, window)
        if view is not None:
            return view
        if mrn:
            del st.query_params["mrn"]
        mrn = None
    if mrn:
        del st.query_params["mrn"]  # never left in the address bar: replaced by the opaque ?p= below
        try:
            return ctx.services.charts.patient_chart(ctx.user, mrn=mrn, wearables_window_days=window)
        except (NotFoundError, PermissionDenied):
            st.error("No patient with this MRN is on your care team.", icon=":material/lock:")
    return load_patient_chart(ctx, patient_from_url() or selected_patient_id(), wearables_window_days=window)


def chart_tabs(labels: list[str]) -> dict[str, DeltaGenerator]:
    """The chart's tabs by name (the label up to " ("), remembering the open one across reruns (a save's rerun
    included) by its name, so a label whose count changes ("Alerts (2 open)" -> "(3 open)") keeps its tab open; a
    reload or a link opens the tab the address bar names (``?tab=``), and the address bar follows the open tab.

    The open tab's label is set before every ``st.tabs``: a changed label is a new widget to the browser, which
    would otherwise open the first tab."""
    names = [label.split(" (")[0] for label in labels]
    shown = st.session_state.get(CHART_TAB_KEY)  # the tab the user opened last (a click included), or None
    name = str(shown).split(" (")[0] if shown is not None else None
    if name is None:  # first run of this session (a reload, a new browser tab): the address bar names the tab
        asked = str(st.query_params.get(TAB_PARAM, "")).lower()
        name = next((n for n in names if n.lower() == asked), None)
    if name not in names:
        name = names[0]
    st.session_state[CHART_TAB_KEY] = labels[names.index(name)]
    tabs = dict(zip(names, st.tabs(labels, key=CHART_TAB_KEY, on_change="rerun"), strict=True))
    if st.query_params.get(TAB_PARAM) != name.lower():
        st.query_params[TAB_PARAM] = name.lower()
    return tabs


def drawn(tab: DeltaGenerator) -> bool:
    """Whether a :data:`DRAWN_WHEN_OPEN` tab is open now (``.open`` is None where tabs keep no state)."""
    return getattr(tab, "open", None) is not False


def chart_page() -> None:
    view = read_chart()
    chart, pid = view.summary, view.patient.id
    draw_banner(chart)
    put_patient_in_url(pid)  # the address bar is a deep link to this chart (opaque token, not the MRN)
    services, user = ctx.services, ctx.user
    prefetch_drafts(services, user, pid)  # every form's draft in one audited read, once per session and patient
    questionnaires = "Questionnaires" + (f" ({view.measurement.state.value})"
                                         if view.measurement is not None else "")
    tabs = chart_tabs(["Overview", "Assessments", questionnaires, "Medications", "Notes", "Visits",
                       f"Alerts ({view.open_alert_count} open)", *DRAWN_WHEN_OPEN])
    with tabs["Overview"]:
        outcome_cards(chart)
        figure = trajectory_figure(view.assessments, view.medication_orders,
                                   note_dates=[n.note_date for n in view.notes])
        st.plotly_chart(figure, key="nm_trajectory", config={"displaylogo": False})
        st.caption(trajectory_caption(chart.outcomes, chart.latest) if not chart.outcomes else
                   "Shaded bands are the severity ranges; dashed line: response (50% below baseline); dotted line: "
                   "remission. Hover a point for the item-level answers.")
        episodes_section(view.episodes)
    with tabs["Assessments"]:
        assessment_entry(services, user, pid, ctx.today)
        assessment_list(view.assessments)
    with tabs["Questionnaires"]:
        measurement_tab(services, user, view.measurement, ctx.today)
        if drawn(tabs["Questionnaires"]):  # a Plotly chart: drawn only while the tab is open
            flowsheet_section(view.assessments)
    with tabs["Medications"]:
        medications_section(services, user, pid, view.medication_orders, ctx.today)
        levels_section(services, user, pid, sorted({m.drug for m in view.medication_orders if m.active}), ctx.today)
    with tabs["Notes"]:
        notes_section(services, user, view, ctx.today)
    with tabs["Visits"]:
        visits_section(services, user, pid, view.visits, chart, ctx.today)
    with tabs["Alerts"]:
        alerts_section(services, user, view.alerts)
        risk_section(services, user, pid, view.alerts, ctx.today)
    with tabs["Wearables"]:
        if drawn(tabs["Wearables"]):
            draw_biometrics(view.biometrics)
    with tabs["Timeline"]:
        if drawn(tabs["Timeline"]):
            st.plotly_chart(timeline_figure(view.timeline), key="nm_timeline")
            st.caption("Every dated event on this chart; hover for details.")
    with tabs["Insight"]:
        if drawn(tabs["Insight"]):
            insight_panel(services, user, pid, key="nm_patient_insight")
    with tabs["Export"]:
        if drawn(tabs["Export"]):
            export_tab(services, user, view, figure, ctx.today)
    show_flash_leftovers()


with error_boundary("patient"):
    chart_page()
