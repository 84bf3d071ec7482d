"""Clinic outcomes (clinic lead, admin): national outcome measures for a period with their 95% intervals and the data
completeness behind them, rates over time, by clinician, drug or diagnosis, a fair comparison of clinicians (funnel
plots, raw and adjusted for case mix with the twin), time to response, measurement completion, and CSV/PDF exports.

Recipe: controls -> one ``services.outcomes.report`` call (one transaction, one ``outcomes.view`` audit event) ->
cards, figures and tables. Aggregates only: no patient is named, and counts from 1 to 4 read "<5".
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from components.outcomes import report_view as rv
from components.outcomes.charts import shown_count
from components.outcomes.export import ReportFigure, report_csv, report_html
from components.outcomes.widgets import (
    controls,
    definitions_list,
    group_detail,
    group_picker,
    groups_table,
    headline_cards,
)
from components.shared.errors import error_boundary
from components.shared.export import figure_png, html_to_pdf, pdf_unavailable_reason
from components.shared.session import page_guard
from novamind_core.analytics.clinic_report_types import OutcomeReport

ctx = page_guard("outcomes")
PDF = "nm_oc_pdf"
CHART = {"config": {"displaylogo": False}}

st.title("Clinic outcomes")
st.caption("Outcomes of episodes of care, as the national programmes define them. Aggregate figures only; counts from "
           "1 to 4 are shown as \"<5\", as official statistics do.")


def comparison_section(report: OutcomeReport) -> None:
    figures = rv.funnel_figures(report)
    if figures is None or report.funnel is None:
        st.info(report.funnel_note or "Not enough clinicians with episodes to compare.", icon=":material/info:")
        return
    raw, adjusted = figures
    st.plotly_chart(raw, key="nm_oc_funnel", **CHART)
    st.caption("Each point is a clinician: their rate against the number of closed episodes it rests on. Inside the "
               "funnel a difference from the clinic's rate is what chance alone produces at that size; outside the "
               "95% limits it happens by chance 1 time in 20, outside 99.8% 1 time in 500 (Spiegelhalter 2005).")
    st.plotly_chart(adjusted, key="nm_oc_funnel_oe", **CHART)
    st.markdown(f"**What the adjustment assumes.** {report.funnel.assumptions}")


def export_section(report: OutcomeReport) -> None:
    st.markdown("The report's figures as CSV (one row per figure, \"<5\" where suppressed), or as a PDF with the "
                "figures, the period and the definitions used.")
    csv_bytes = report_csv(rv.report_rows(report), rv.header_lines(report)).encode()
    st.download_button("Download CSV", csv_bytes, rv.filename(report, "csv"), "text/csv", icon=":material/download:",
                       key="nm_oc_csv")
    reason = pdf_unavailable_reason()
    if reason:
        st.info(reason, icon=":material/picture_as_pdf:")
        return
    if st.button("Prepare PDF report", icon=":material/picture_as_pdf:", key="nm_oc_pdf_prepare"):
        with st.spinner("Drawing the figures and printing the PDF…"):
            st.session_state[PDF] = (rv.filename(report, "pdf"), html_to_pdf(printable(report)))
    ready = st.session_state.get(PDF)
    if ready is not None and ready[0] == rv.filename(report, "pdf"):
        st.download_button(f"Download {ready[0]}", ready[1], ready[0], "application/pdf", icon=":material/download:",
                           key="nm_oc_pdf_download")


def printable(report: OutcomeReport) -> str:
    figures = [("Outcomes over time", rv.over_time_figure(report)), ("Time to response", rv.km_figure(report)),
               ("Measurement completion", rv.measurement_figure(report))]
    key = rv.headline_measure(report)
    if report.groups and key is not None:
        figures.insert(1, (f"By {report.by}", rv.group_figure(report, key.key)))
    funnels = rv.funnel_figures(report)
    if funnels is not None:
        figures[2:2] = [("Funnel plot", funnels[0]), ("Funnel plot, adjusted for case mix", funnels[1])]
    shots = []
    for title, fig in figures:
        try:
            png: bytes | None = figure_png(fig, width=1000, height=520)
        except RuntimeError:
            png = None
        shots.append(ReportFigure(title, png, fig.layout.title.text or title))
    return report_html(clinic=report.clinic_name, title=f"{rv.standard_name(report)} outcomes",
                       period=rv.period_text(report), rows=rv.report_rows(report), figures=shots,
                       definitions=rv.definitions(report),
                       notes=[rv.SYNTHETIC_NOTE] if report.synthetic_data else [],
                       generated_by=ctx.user.display_name, generated_at=datetime.now())


def outcomes_page() -> None:
    choice = controls()
    if choice.start > choice.end:
        st.warning("'From' must be on or before 'To'.", icon=":material/event_busy:")
        return
    with st.spinner("Counting episodes and outcomes…"):
        report = ctx.services.outcomes.report(ctx.user, standard=choice.standard, start=choice.start, end=choice.end,
                                              by=choice.by, period=choice.period)
    if report.synthetic_data:
        st.info(rv.SYNTHETIC_NOTE, icon=":material/science:")
    scope = "your own episodes" if report.scope == "own" else "every clinician of the clinic"
    st.subheader(f"{rv.standard_name(report)} · {rv.period_text(report)}")
    st.caption(f"{report.clinic_name} · {scope} · {report.overall.episodes:,} episodes counted.")
    headline_cards(rv.headline(report.overall, report))
    if report.overall.episodes == 0:
        st.info("No episodes in this period. Widen the period, or check that referrals, assessments and discharges "
                "are recorded on the patients' charts.", icon=":material/event_busy:")
        return
    word = rv.GROUP_WORDS[choice.by]
    tabs = st.tabs(["Over time", f"By {word}", "Fair comparison", "Time to response", "Measurement completion",
                    "Definitions", "Export"], key="nm_oc_tabs")  # keyed: a rerun keeps the open tab
    with tabs[0]:
        st.plotly_chart(rv.over_time_figure(report), key="nm_oc_time", **CHART)
        st.caption("Points: share of the period's episodes with each outcome; whiskers: Wilson 95% intervals.")
    with tabs[1]:
        key = rv.headline_measure(report)
        if key is not None:
            st.plotly_chart(rv.group_figure(report, key.key), key="nm_oc_groups", **CHART)
        st.dataframe(groups_table(report), hide_index=True, width="stretch", key="nm_oc_groups_table")
        chosen = group_picker(report)
        if chosen is not None:
            group_detail(report, chosen)
    with tabs[2]:
        comparison_section(report)
    with tabs[3]:
        st.plotly_chart(rv.km_figure(report), key="nm_oc_km", **CHART)
        st.caption("Kaplan-Meier: share of episodes (baseline PHQ-9 of 10 or more) reaching response, a PHQ-9 at "
                   "half the baseline or less, by each week; episodes without response count until their last score.")
    with tabs[4]:
        st.plotly_chart(rv.measurement_figure(report), key="nm_oc_measure", **CHART)
        patient = shown_count(sum(m.patient_entered for m in report.measurement))
        st.caption(f"Questionnaires sent to patients and completed by them, and scores entered by clinicians. "
                   f"{patient} scores in the period were entered by patients themselves (remote link or kiosk).")
    with tabs[5]:
        definitions_list(report)
    with tabs[6]:
        export_section(report)


with error_boundary("outcomes"):
    outcomes_page()
