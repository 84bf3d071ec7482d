"""Measured drug levels on the timelines page's plasma panel, against the population band and the individual
(Bayesian MAP) fit of the current regimen, and the caption row with the safety figures (QTc, QT rules, reference
range and trough) of the current drug and dose.

``add_levels_overlay(fig, levels)`` adds traces to row 1 of :func:`components.simulation.charts.timelines_figure`
(pure Plotly; x in dates like the panel); ``levels_caption`` and ``safety_caption`` draw the text. The figures come
from the page's view model (``services.twin.timelines_view``: ``page.levels``, ``page.safety``), never recomputed here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import streamlit as st

from components.simulation.safety import safety_lines, safety_sources

if TYPE_CHECKING:
    from novamind_core.pharmacology.regimen_safety import RegimenSafety
    from novamind_core.services.drug_levels import LevelsView

BAND_COLOUR = "rgba(120,120,200,0.22)"
FIT_COLOUR = "#1f4e9c"
MEASURED_COLOUR = "#c0392b"


def _dates(start: datetime, hours: list[float]) -> list[datetime]:
    base = start.replace(tzinfo=None)  # the timelines panel's dates are naive (UTC days)
    return [base + timedelta(hours=float(h)) for h in hours]


def add_levels_overlay(fig: go.Figure, levels: LevelsView | None) -> go.Figure:
    """Population 90% band, individual fit and measured levels of the current regimen on the plasma panel."""
    if levels is None or levels.regimen_start is None:
        return fig
    start = levels.regimen_start
    curves = levels.curves
    name = levels.drug or "drug"
    if curves is not None:
        x = _dates(start, list(curves.times_h))
        fig.add_trace(go.Scatter(x=x, y=list(curves.population_p95), line={"width": 0}, showlegend=False,
                                 name=f"{name} population 95th percentile (TDM prior)",
                                 hoverinfo="skip", legendgroup="tdm"), row=1, col=1)
        fig.add_trace(go.Scatter(x=x, y=list(curves.population_p05), fill="tonexty", fillcolor=BAND_COLOUR,
                                 line={"width": 0}, name=f"{name} population 90% band (TDM prior)",
                                 legendgroup="tdm", hoverinfo="skip"), row=1, col=1)
        fig.add_trace(go.Scatter(x=x, y=list(curves.individual), name=f"{name} individual fit (Bayesian)",
                                 line={"color": FIT_COLOUR, "width": 2}, legendgroup="tdm",
                                 hovertemplate="%{x|%-d %b %Y %H:%M}: %{y:.0f} ng/mL<extra>individual fit</extra>"),
                      row=1, col=1)
    since = [lv for lv in levels.levels if lv.sampled_at >= start]
    if since:
        fig.add_trace(go.Scatter(
            x=[lv.sampled_at.replace(tzinfo=None) for lv in since], y=[lv.concentration_ng_ml for lv in since],
            mode="markers", name=f"{name} measured level", legendgroup="tdm",
            marker={"size": 11, "color": MEASURED_COLOUR, "symbol": "diamond", "line": {"width": 1, "color": "white"}},
            hovertemplate="%{x|%-d %b %Y %H:%M}: %{y:.0f} ng/mL<extra>measured</extra>"), row=1, col=1)
    return fig


def levels_caption(levels: LevelsView | None) -> None:
    """What the overlay shows, its assumption and method, and the decision-support label."""
    if levels is None:
        return
    n = len([lv for lv in levels.levels if levels.regimen_start and lv.sampled_at >= levels.regimen_start])
    if levels.forecast is None:
        st.caption(f"Measured levels: {levels.reason or 'no forecast'}.")
        return
    f = levels.forecast.forecast
    t = f.predicted_trough_ng_ml
    dose = (f" About {f.dose_for_target_mg:.0f} mg every {f.interval_h:g} h would put the trough at "
            f"{f.target_trough_ng_ml:g} ng/mL (middle of the reference range)." if f.dose_for_target_mg else "")
    st.caption(f"**{levels.label}.** Plasma panel, {levels.drug}: {n} measured level(s) since the current regimen "
               f"started (diamonds) against the population 90% band and the individual Bayesian fit; the TDM "
               f"model's forecast of the trough once at steady state on this dose (its prior has this patient's age, "
               f"sex and PGx; measured levels individualise it) {t.p50:.0f} ng/mL (90% {t.p05:.0f}–{t.p95:.0f}), "
               f"not today's trough from the dosing history below.{dose} "
               f"{levels.reason + '. ' if levels.reason else ''}Assumes {levels.assumption}. Method: {f.method}.")


def safety_caption(safety: RegimenSafety | None) -> None:
    """One caption row: QTc (or why not available), reference range and trough, covariates, QT rule findings."""
    if safety is None:
        return
    lines = safety_lines(safety)
    findings = [f"{f.message} ({f.source})" for f in safety.qt_findings if f.severity != "info"]
    rules = f" QT rules: {'; '.join(findings)}." if findings else ""
    st.caption(f"Current regimen: {lines[0]}; {lines[1]}; {lines[2]}.{rules} {safety_sources(safety)}. "
               "Decision support; not a medical device.")
