"""Patient chart: banner, outcome summary, trajectories, and tabs for assessments, medications, notes, visits,
alerts and export. ``/patient?mrn=...`` opens that patient (care-team check in the service).

Recipe: resolve the patient -> read through the services (each checks the care team and audits) -> render; every
write is one service call followed by a rerun with a confirmation.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from components.models.panels import insight_panel
from components.patient.assessment_entry import assessment_entry
from components.patient.biometrics_panel import biometrics_panel
from components.patient.charts import timeline_figure, trajectory_caption, trajectory_figure
from components.patient.sections import (
    alerts_section,
    medications_section,
    notes_section,
    outcome_cards,
    visits_section,
)
from components.shared.banner import patient_label
from components.shared.errors import error_boundary
from components.shared.export import (
    chart_csv,
    figure_png,
    html_to_pdf,
    pdf_unavailable_reason,
    record_export,
    summary_html,
)
from components.shared.session import page_guard, patient_banner, select_patient, selected_patient_id
from novamind_core.domain.errors import NotFoundError, PermissionDenied

ctx = page_guard("patient")


def resolve_patient() -> int | None:
    """``?mrn=`` first (deep link), else the selected patient. An MRN the user may not open says so once."""
    mrn = st.query_params.get("mrn")
    if mrn:
        try:
            patient = ctx.services.patients.find_by_mrn(ctx.user, mrn)
        except (NotFoundError, PermissionDenied):
            del st.query_params["mrn"]
            st.error("No patient with this MRN is on your care team.", icon=":material/lock:")
            return selected_patient_id()
        select_patient(patient.id, patient_label(patient))
        return patient.id
    return selected_patient_id()


def export_tab(chart, history, orders, figure) -> None:  # type: ignore[no-untyped-def]
    """Each export is prepared on request: the service checks EXPORT_PHI and the care team and audits it first."""
    pid = chart.patient.id
    stem = f"novamind-{chart.patient.mrn}-{ctx.today.isoformat()}"
    makers = {
        "csv": ("Chart data (CSV)", "Every assessment with item answers, and every medication order.", "text/csv",
                ":material/table:", lambda: chart_csv(history, orders)),
        "html": ("Printable summary (HTML)", "Opens in any browser; print it or save as PDF there.", "text/html",
                 ":material/article:", lambda: build_summary(chart, history, orders, figure)),
        "pdf": ("Summary with figure (PDF)", "The summary with the trajectory figure, ready to file.",
                "application/pdf", ":material/picture_as_pdf:",
                lambda: html_to_pdf(build_summary(chart, history, orders, figure))),
    }
    for column, (kind, (title, caption, mime, icon, make)) in zip(st.columns(3), makers.items(), strict=True):
        with column:
            st.markdown(f"**{title}**")
            st.caption(caption)
            reason = pdf_unavailable_reason() if kind == "pdf" else None
            key = f"nm_export_{kind}_{pid}"  # per patient: a file prepared for one chart never shows on another
            if reason:
                st.info(reason, icon=":material/picture_as_pdf:")
            elif st.button(f"Prepare {kind.upper()}", icon=icon, key=f"prep_{key}"):
                with st.spinner(f"Preparing the {kind.upper()} (a few seconds)…"):
                    try:
                        record_export(ctx.services, ctx.user, pid, kind)
                        st.session_state[key] = make()
                    except RuntimeError as exc:
                        st.error(f"{kind.upper()} not produced: {exc}.", icon=":material/error:")
            if st.session_state.get(key):
                st.download_button(f"Download {kind.upper()}", st.session_state[key], f"{stem}.{kind}", mime,
                                   icon=":material/download:", on_click="ignore", key=f"dl_{key}")


def build_summary(chart, history, orders, figure) -> str:  # type: ignore[no-untyped-def]
    try:
        png = figure_png(figure)
    except RuntimeError:
        png = None
    return summary_html(chart, history, orders, figure=png, generated_by=ctx.user.display_name,
                        generated_at=datetime.now())


def chart_page() -> None:
    chart = patient_banner(ctx, resolve_patient())
    pid = chart.patient.id
    if st.query_params.get("mrn") != chart.patient.mrn:
        st.query_params["mrn"] = chart.patient.mrn  # the address bar is a deep link to this chart
    services, user = ctx.services, ctx.user
    history = services.assessments.history(user, pid)
    orders = services.medications.history(user, pid)
    notes = services.notes.list(user, pid)
    outcome_cards(chart)
    figure = trajectory_figure(history, orders, note_dates=[n.note_date for n in notes])
    st.plotly_chart(figure, key="nm_trajectory", config={"displaylogo": False})
    st.caption(trajectory_caption(chart.outcomes, chart.latest) if not chart.outcomes else
               "Shaded bands are the severity ranges; dashed line: response (50% below baseline); dotted line: "
               "remission. Hover a point for the item-level answers.")
    alerts = services.alerts.list_for_patient(user, pid)
    n_open = sum(1 for a in alerts if a.open)
    tabs = st.tabs(["Assessments", "Medications", "Notes", "Visits", f"Alerts ({n_open} open)", "Wearables",
                    "Timeline", "Insight", "Export"])
    with tabs[0]:
        assessment_entry(services, user, pid, ctx.today)
    with tabs[1]:
        medications_section(services, user, pid, orders, ctx.today)
    with tabs[2]:
        notes_section(services, user, pid, notes, ctx.today)
    with tabs[3]:
        visits_section(services, user, pid, services.visits.list(user, pid), chart, ctx.today)
    with tabs[4]:
        alerts_section(services, user, alerts)
    with tabs[5]:
        biometrics_panel(services, user, pid, ctx.today)
    with tabs[6]:
        st.plotly_chart(timeline_figure(services.patients.timeline(user, pid)), key="nm_timeline")
        st.caption("Every dated event on this chart; hover for details.")
    with tabs[7]:
        insight_panel(services, user, pid, key="nm_patient_insight")
    with tabs[8]:
        export_tab(chart, history, orders, figure)


with error_boundary("patient"):
    chart_page()
