"""Pure Plotly builders for the learned models' outputs (data -> ``go.Figure``); no Streamlit, tested directly.

* :func:`treatment_ranking_figure` -- P(response) and P(remission) at week 8 per candidate drug with 80% intervals;
* :func:`forecast_fan_figure` -- the PHQ-9 forecast's median (dashed) with 50% and 90% bands after the observed
  scores (solid), PHQ-9 severity bands shaded (Kroenke et al. 2001);
* :func:`reliability_figure` -- a reliability diagram from a model card's stored calibration points;
* :func:`forecaster_comparison_figure` -- held-out pinball loss and 90% band coverage of the forecaster and its
  baselines.

Inputs are plain values or the service's frozen dataclasses (:class:`TreatmentOption`, :class:`ForecasterBaseline`),
so tests build them by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.shared.theme import ACKNOWLEDGED_GREY, COLOURWAY, OBSERVED, PREDICTED, TEMPLATE_NAME, severity_colour
from components.shared.ui import tint
from novamind_core.domain.instruments import Instrument
from novamind_core.services.model_cards import ForecasterBaseline
from novamind_core.services.prediction_types import TreatmentOption

#: PHQ-9 severity bands (Kroenke et al. 2001, J Gen Intern Med 16:606) as (low, high, word), from the instrument.
PHQ9_BANDS: tuple[tuple[int, int, str], ...] = tuple((b.min_total, b.max_total, b.name)
                                                     for b in Instrument.PHQ9.spec.bands)
RESPONSE_COLOUR = PREDICTED
REMISSION_COLOUR = COLOURWAY[2]


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100.0 * float(x), 1)


def treatment_ranking_figure(options: Sequence[TreatmentOption], outcome_week: int = 8,
                             interval_percent: int = 80) -> go.Figure:
    """Dots with interval whiskers: P(response) and P(remission) per drug, best predicted response at the top.

    ``options`` are the ranking's :class:`TreatmentOption` rows, probabilities in 0-1; shown in %.
    """
    rows = list(options)[::-1]  # plotly draws the first category at the bottom
    drugs = [o.drug for o in rows]
    fig = go.Figure()
    series = (("response", RESPONSE_COLOUR, "circle",
               [(o.p_response, o.p_response_low, o.p_response_high) for o in rows]),
              ("remission", REMISSION_COLOUR, "diamond",
               [(o.p_remission, o.p_remission_low, o.p_remission_high) for o in rows]))
    for name, colour, symbol, estimates in series:
        mid = [_pct(m) for m, _, _ in estimates]
        if all(m is None for m in mid):
            continue
        low = [_pct(lo) for _, lo, _ in estimates]
        high = [_pct(hi) for _, _, hi in estimates]
        fig.add_trace(go.Scatter(
            x=mid, y=drugs, mode="markers", name=f"P({name}) at week {outcome_week}",
            marker=dict(color=colour, size=11, symbol=symbol),
            error_x=dict(type="data", symmetric=False, color=colour, thickness=2, width=5,
                         array=[(h - m) if h is not None and m is not None else 0 for h, m in zip(high, mid,
                                                                                                  strict=True)],
                         arrayminus=[(m - lo) if lo is not None and m is not None else 0 for lo, m in zip(low, mid,
                                                                                                        strict=True)]),
            customdata=list(zip(low, high, strict=True)),
            hovertemplate=(f"%{{y}}: {name} %{{x:.0f}}% ({interval_percent}% interval %{{customdata[0]:.0f}}–"
                           "%{customdata[1]:.0f}%)<extra></extra>")))
    fig.update_xaxes(range=[0, 100], title_text=f"predicted probability at week {outcome_week} (%)", ticksuffix="%")
    fig.update_yaxes(title_text="candidate drug", type="category", categoryorder="array", categoryarray=drugs)
    fig.update_layout(template=TEMPLATE_NAME, height=max(260, 38 * len(drugs) + 140), hovermode="closest",
                      title=dict(text=f"Predicted response and remission at week {outcome_week} by drug "
                                      f"({interval_percent}% intervals)"))
    return fig


def _dt(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def forecast_fan_figure(observed: Sequence[tuple[date, float]], dates: Sequence[date],
                        quantiles: Mapping[str, Sequence[float]], method_label: str,
                        origin: date | None = None) -> go.Figure:
    """Observed PHQ-9 (solid) then the forecast: median dashed, 50% (p25-p75) and 90% (p05-p95) bands.

    The bands start at the last observed score (or at ``origin`` without one) so the fan opens from the data.
    """
    fig = go.Figure()
    for lo, hi, word in PHQ9_BANDS:
        fig.add_hrect(y0=lo - 0.5 if lo else 0, y1=hi + 0.5, fillcolor=tint(severity_colour(word), 0.14),
                      line_width=0, layer="below")
        fig.add_annotation(x=1.0, xref="paper", xanchor="right", y=(lo + hi) / 2, text=word, showarrow=False,
                           font=dict(size=10, color="#455a64"))
    if dates and quantiles:
        x = [_dt(d) for d in dates]
        q = {k: list(v) for k, v in quantiles.items()}
        if origin is not None:
            start = float(observed[-1][1]) if observed else q["p50"][0]
            x = [_dt(origin), *x]
            q = {k: [start, *v] for k, v in q.items()}
        for lo, hi, alpha, label in (("p05", "p95", 0.16, "90% band"), ("p25", "p75", 0.34, "50% band")):
            fig.add_trace(go.Scatter(x=x + x[::-1], y=q[hi] + q[lo][::-1], fill="toself",
                                     fillcolor=tint(PREDICTED, alpha), line=dict(width=0), hoverinfo="skip",
                                     name=f"forecast {label}"))
        fig.add_trace(go.Scatter(
            x=x, y=q["p50"], mode="lines", name=f"forecast median ({method_label})",
            line=dict(color=PREDICTED, width=2.5, dash="dash"),
            customdata=list(zip(q["p25"], q["p75"], q["p05"], q["p95"], strict=True)),
            hovertemplate=("forecast %{x|%-d %b %Y}: %{y:.1f} (50% %{customdata[0]:.0f}–%{customdata[1]:.0f}, "
                           "90% %{customdata[2]:.0f}–%{customdata[3]:.0f})<extra></extra>")))
    if observed:
        fig.add_trace(go.Scatter(x=[_dt(d) for d, _ in observed], y=[t for _, t in observed], mode="lines+markers",
                                 name="observed PHQ-9", line=dict(color=OBSERVED, width=2.5), marker=dict(size=7),
                                 hovertemplate="observed %{x|%-d %b %Y}: %{y}<extra></extra>"))
    if origin is not None:
        fig.add_vline(x=_dt(origin), line=dict(color="#263238", width=1.2, dash="dot"))
        fig.add_annotation(x=_dt(origin), y=27, text="today", showarrow=False, xanchor="left", font=dict(size=10))
    fig.update_yaxes(range=[0, 27.5], title_text="PHQ-9 total (points)")
    fig.update_xaxes(title_text="date")
    fig.update_layout(template=TEMPLATE_NAME, height=440, hovermode="x unified",
                      title=dict(text="PHQ-9 forecast if the current treatment continues (median, 50% and 90% bands)"))
    return fig


def reliability_figure(curves: Mapping[str, Sequence[tuple[float, float, int]]], model_title: str = "") -> go.Figure:
    """Reliability diagram: observed frequency against mean predicted probability per bin (both in %).

    Points on the diagonal are perfectly calibrated; marker area grows with the number of held-out cases in the bin
    (shown on hover). ``curves`` maps an outcome to ``(mean_predicted, observed, n)`` points from the model card.
    """
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 100], y=[0, 100], mode="lines", name="perfect calibration",
                             line=dict(color=ACKNOWLEDGED_GREY, dash="dot"), hoverinfo="skip"))
    for k, (outcome, pts) in enumerate(curves.items()):
        pts = list(pts)
        if not pts:
            continue
        n_max = max(max(n for _, _, n in pts), 1)
        fig.add_trace(go.Scatter(
            x=[round(100 * p, 2) for p, _, _ in pts], y=[round(100 * o, 2) for _, o, _ in pts], mode="lines+markers",
            name=outcome,
            line=dict(color=COLOURWAY[(k + 1) % len(COLOURWAY)], width=2),
            marker=dict(size=[6 + 14 * (n / n_max) ** 0.5 for _, _, n in pts]),
            customdata=[n for _, _, n in pts],
            hovertemplate=(f"{outcome}: predicted %{{x:.0f}}%, observed %{{y:.0f}}% (n=%{{customdata}})"
                           "<extra></extra>")))
    fig.update_xaxes(range=[0, 100], title_text="mean predicted probability (%)", ticksuffix="%")
    fig.update_yaxes(range=[0, 100], title_text="observed frequency on held-out data (%)", ticksuffix="%")
    title = "Calibration on held-out data (reliability diagram)"
    fig.update_layout(template=TEMPLATE_NAME, height=420, hovermode="closest",
                      title=dict(text=f"{model_title}: {title}" if model_title else title))
    return fig


def forecaster_comparison_figure(baselines: Sequence[ForecasterBaseline]) -> go.Figure:
    """Held-out mean pinball loss (lower is better) and 90%-band coverage (nominal 90%) per forecasting method."""
    names = [b.method + (" (default)" if b.default else "") for b in baselines]
    colours = [PREDICTED if b.default else ACKNOWLEDGED_GREY for b in baselines]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Mean pinball loss (PHQ-9 points; lower is better)",
                                                        "90% band coverage (%; nominal 90)"))
    fig.add_trace(go.Bar(x=names, y=[b.pinball_loss for b in baselines], marker_color=colours,
                         name="pinball loss", showlegend=False,
                         hovertemplate="%{x}: %{y:.3f}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=names, y=[b.coverage_90_percent for b in baselines], marker_color=colours,
                         name="90% coverage", showlegend=False,
                         hovertemplate="%{x}: %{y:.1f}%<extra></extra>"), row=1, col=2)
    fig.add_hline(y=90, line=dict(color="#263238", dash="dot", width=1), row=1, col=2)
    fig.update_yaxes(title_text="pinball loss (points)", row=1, col=1)
    fig.update_yaxes(title_text="coverage (%)", range=[0, 100], row=1, col=2)
    fig.update_layout(template=TEMPLATE_NAME, height=380, hovermode="closest",
                      title=dict(text="Forecaster against its baselines on held-out series"))
    return fig


__all__ = ["PHQ9_BANDS", "forecast_fan_figure", "forecaster_comparison_figure", "reliability_figure",
           "treatment_ranking_figure"]
