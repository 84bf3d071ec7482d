"""The caseload page's at-a-glance strip: patients on this page by latest PHQ-9 band.

A small horizontal bar per band (mildest first, "No PHQ-9" last) in the severity palette, with the band's word on
the axis (never colour alone). It is also the caseload's only Plotly figure, so the browser has Plotly's JavaScript
loaded before the clinician opens a chart (measured in docs/load.md: the chart's first trajectory otherwise waits for
that ~4.7 MB chunk).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import plotly.graph_objects as go
import streamlit as st

from components.shared.theme import ACKNOWLEDGED_GREY, TEMPLATE_NAME, severity_colour
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.records import CaseloadRow

NO_SCORE = "No PHQ-9"


def page_severity_counts(rows: Sequence[CaseloadRow]) -> list[tuple[str, int]]:
    """``[(band label, patients)]`` for the rows shown, every PHQ-9 band in order (zeros kept), then "No PHQ-9"."""
    counts = Counter((r.phq9_severity or "").lower() if r.phq9_latest is not None else NO_SCORE for r in rows)
    out = [(band.name.capitalize(), counts.get(band.name.lower(), 0)) for band in Instrument.PHQ9.spec.bands]
    out.append((NO_SCORE, counts.get(NO_SCORE, 0)))
    return out


def page_severity_figure(rows: Sequence[CaseloadRow]) -> go.Figure:
    """Bars of :func:`page_severity_counts`, built in one pass (one trace, one layout)."""
    counts = page_severity_counts(rows)
    labels = [label for label, _ in counts]
    values = [n for _, n in counts]
    colours = [ACKNOWLEDGED_GREY if label == NO_SCORE else severity_colour(label) for label in labels]
    fig = go.Figure(
        go.Bar(x=values, y=labels, orientation="h", marker_color=colours, text=values, textposition="outside",
               hovertemplate="%{y}: %{x} patients<extra></extra>", cliponaxis=False),
        layout=dict(template=TEMPLATE_NAME, height=170, margin=dict(l=10, r=30, t=8, b=8), showlegend=False,
                    hovermode="closest",
                    xaxis=dict(visible=False, range=[0, max(values + [1]) * 1.25]),
                    yaxis=dict(autorange="reversed", showgrid=False, ticks="")))
    return fig


def page_severity_strip(rows: Sequence[CaseloadRow]) -> None:
    """Render the strip under a small heading; nothing when the page is empty."""
    if not rows:
        return
    with st.expander("This page by latest PHQ-9 severity", icon=":material/bar_chart:", expanded=True):
        st.plotly_chart(page_severity_figure(rows), key="nm_cl_severity_strip",
                        config={"displayModeBar": False, "staticPlot": False})
