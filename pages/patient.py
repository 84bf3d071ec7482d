"""Patient chart: banner, outcome summary, trajectories, and tabs for assessments, medications, notes, visits,
alerts and export. ``/patient?mrn=...`` opens that patient (care-team check in the service).

Recipe: resolve the patient -> read through the services (each checks the care team and audits) -> render; every
write is one service call followed by a rerun with a confirmation.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from components.assessment_entry import assessment_entry
from components.banner import patient_label
from components.charts import timeline_figure, trajectory_caption, trajectory_figure
from components.errors import error_boundary
from components.export import (
    chart_csv,
    figure_png,
    html_to_pdf,
    pdf_unavailable_reason,
    record_export,
    summary_html,
)
from components.patient_sections import (
    alerts_section,
    medications_section,
    notes_section,
    outcome_cards,
    visits_section,
)
from components.session import page_guard, patient_banner, select_patient, selected_patient_id
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
    pid = chart.patient.id
    stem = f"novamind-{chart.patient.mrn}-{ctx.today.isoformat()}"
    c1, c2, c3 = st.columns(3)
    with c1:
        st.markdown("**Chart data (CSV)**")
        st.caption("Every assessment with item answers, and every medication order.")
        if st.download_button("Download CSV", chart_csv(history, orders), f"{stem}.csv", "text/csv",
                              icon=":material/table:", on_click="ignore"):
            record_export(ctx.services, ctx.user, pid, "csv")
    with c2:
        st.markdown("**Printable summary (HTML)**")
        st.caption("Opens in any browser; print it or save as PDF there.")
        if st.button("Prepare HTML summary", icon=":material/article:"):
            st.session_state["nm_export_html"] = build_summary(chart, history, orders, figure)
        if st.session_state.get("nm_export_html"):
            st.download_button("Download HTML", st.session_state["nm_export_html"], f"{stem}.html", "text/html",
                               icon=":material/download:", on_click="ignore")
            record_export(ctx.services, ctx.user, pid, "html")
    with c3:
        st.markdown("**Summary with figure (PDF)**")
        reason = pdf_unavailable_reason()
        if reason:
            st.info(reason, icon=":material/picture_as_pdf:")
        elif st.button("Prepare PDF", icon=":material/picture_as_pdf:"):
            with st.spinner("Rendering the figure and printing the PDF (a few seconds)…"):
                try:
                    st.session_state["nm_export_pdf"] = html_to_pdf(build_summary(chart, history, orders, figure))
                except RuntimeError as exc:
                    st.error(f"PDF not produced: {exc}.", icon=":material/error:")
        if st.session_state.get("nm_export_pdf"):
            st.download_button("Download PDF", st.session_state["nm_export_pdf"], f"{stem}.pdf", "application/pdf",
                               icon=":material/download:", on_click="ignore")
            record_export(ctx.services, ctx.user, pid, "pdf")


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
    if st.session_state.get("nm_export_for") != pid:  # never offer one patient's export on another's chart
        st.session_state.update(nm_export_for=pid, nm_export_html=None, nm_export_pdf=None)
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
    tabs = st.tabs(["Assessments", "Medications", "Notes", "Visits", f"Alerts ({n_open} open)", "Timeline",
                    "Export"])
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
        st.plotly_chart(timeline_figure(services.patients.timeline(user, pid)), key="nm_timeline")
        st.caption("Every dated event on this chart; hover for details.")
    with tabs[6]:
        export_tab(chart, history, orders, figure)


with error_boundary("patient"):
    chart_page()
