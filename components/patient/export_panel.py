"""The chart's Export tab: CSV data, a printable HTML summary and a PDF, each prepared on request.

Preparing a file is a user action: ``record_export`` asks the patients service, which checks EXPORT_PHI and the care
team and audits the export, before the file is built and offered for download.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import streamlit as st

from components.shared.export import (
    chart_csv,
    export_file_stem,
    figure_png,
    html_to_pdf,
    pdf_unavailable_reason,
    record_export,
    summary_html,
)
from components.shared.text import plain
from novamind_core.domain.users import User
from novamind_core.services.charts import PatientChart

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services


def build_summary(view: PatientChart, figure: go.Figure, generated_by: str) -> str:
    """The printable summary (HTML) with the trajectory figure embedded when it can be drawn as a PNG."""
    try:
        png = figure_png(figure)
    except RuntimeError:
        png = None
    return summary_html(view.summary, view.assessments, view.medication_orders, figure=png,
                        generated_by=generated_by, generated_at=datetime.now())


def export_tab(services: Services, user: User, view: PatientChart, figure: go.Figure, today: date) -> None:
    """Each export is prepared on request: the service checks EXPORT_PHI and the care team and audits it first."""
    pid = view.patient.id
    stem = export_file_stem("chart")  # never the MRN in a file name (docs/security.md)
    makers = {
        "csv": ("Chart data (CSV)", "Every assessment with item answers, and every medication order.", "text/csv",
                ":material/table:", lambda: chart_csv(view.assessments, view.medication_orders)),
        "html": ("Printable summary (HTML)", "Opens in any browser; print it or save as PDF there.", "text/html",
                 ":material/article:", lambda: build_summary(view, figure, user.display_name)),
        "pdf": ("Summary with figure (PDF)", "The summary with the trajectory figure, ready to file.",
                "application/pdf", ":material/picture_as_pdf:",
                lambda: html_to_pdf(build_summary(view, figure, user.display_name))),
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
                        record_export(services, user, pid, kind)
                        st.session_state[key] = make()
                    except RuntimeError as exc:
                        st.error(f"{kind.upper()} not produced: {plain(exc)}.", icon=":material/error:")
            if st.session_state.get(key):
                st.download_button(f"Download {kind.upper()}", st.session_state[key], f"{stem}.{kind}", mime,
                                   icon=":material/download:", on_click="ignore", key=f"dl_{key}")
