"""Fair-comparison figures for the clinic outcomes page: funnel plots (raw and case-mix adjusted) and time to response.

Pure Plotly builders over the frozen results of :mod:`novamind_core.analytics.outcome_stats`. A funnel plot draws
each clinician's rate against the number of episodes it rests on, inside 95% and 99.8% control limits around the
clinic's rate (Spiegelhalter 2005, Stat Med 24:1185); the adjusted one draws observed / expected against the expected
count, the expectation coming from the twin's population model for each episode's baseline severity, drug and PGx.
A point outside the limits is marked by colour *and* by shape and named in the hover (colour is never the only
signal, docs/ux.md §1). Clinicians whose counts would be suppressed ("<5") are not plotted; a note says how many.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from components.outcomes.charts import empty, finish, hidden_count, note, pct, shown_count
from components.shared.theme import ALERT_RED, COLOURWAY, OBSERVED
from components.shared.ui import tint
from novamind_core.analytics.cohort_stats import KaplanMeierCurve
from novamind_core.analytics.outcome_stats import FunnelLimits, ObservedExpected, OutcomeRate, funnel_position

LIMIT_COLOUR = "#78909c"
POSITION_STYLE: dict[str, tuple[str, str]] = {
    "within": (OBSERVED, "circle"),
    "above 95%": ("#ef6c00", "triangle-up"),
    "above 99.8%": (ALERT_RED, "triangle-up"),
    "below 95%": ("#ef6c00", "triangle-down"),
    "below 99.8%": (ALERT_RED, "triangle-down"),
}
"""Marker colour and shape for where a point falls against the limits."""


def _limit_lines(fig: go.Figure, limits: FunnelLimits, scale: float) -> None:
    order = np.argsort(limits.x)
    x = np.asarray(limits.x, dtype=float)[order]
    keep = np.isfinite(x)
    x = x[keep]
    fig.add_scatter(x=x, y=np.full(x.size, scale * limits.target), mode="lines", name="clinic target",
                    line=dict(color="#37474f", width=1.5), hoverinfo="skip")
    for level, lower, upper, dash in (("95%", limits.lower_95, limits.upper_95, "dash"),
                                      ("99.8%", limits.lower_998, limits.upper_998, "dot")):
        for side, values in (("upper", upper), ("lower", lower)):
            fig.add_scatter(x=x, y=scale * np.asarray(values, dtype=float)[order][keep], mode="lines",
                            name=f"{level} limits", legendgroup=level, showlegend=side == "upper",
                            line=dict(color=LIMIT_COLOUR, width=1.2, dash=dash),
                            hovertemplate=f"{side} {level} limit: %{{y:.2f}}<extra></extra>" if scale == 1 else
                            f"{side} {level} limit: %{{y:.0f}}%<extra></extra>")


def _position_at(value: float, x: float, limits: FunnelLimits) -> str:
    order = np.argsort(limits.x)
    xs = np.asarray(limits.x, dtype=float)[order]
    keep = np.isfinite(xs)

    def at(values: np.ndarray) -> float:
        ys = np.asarray(values, dtype=float)[order][keep]
        return float(np.interp(x, xs[keep], ys))

    return funnel_position(value, at(limits.lower_95), at(limits.upper_95), at(limits.lower_998),
                           at(limits.upper_998))


def _points(fig: go.Figure, names: list[str], x: list[float], y: list[float], positions: list[str],
            hover: list[str]) -> None:
    fig.add_scatter(x=x, y=y, mode="markers+text", name="clinicians", text=names, textposition="middle right",
                    marker=dict(size=11, color=[POSITION_STYLE[p][0] for p in positions],
                                symbol=[POSITION_STYLE[p][1] for p in positions], line=dict(color="white", width=1)),
                    customdata=[[p, h] for p, h in zip(positions, hover, strict=True)],
                    hovertemplate="<b>%{text}</b><br>%{customdata[1]}<br>%{customdata[0]} the limits<extra></extra>")


def _not_plotted_note(fig: go.Figure, n_hidden: int) -> None:
    if n_hidden:
        note(fig, f"{n_hidden} clinician{'s' if n_hidden > 1 else ''} with fewer than 5 episodes or outcomes (<5) "
                  "not plotted")


def funnel_figure(rates: Sequence[OutcomeRate], limits: FunnelLimits, *, measure: str,
                  positions: Sequence[str] | None = None, title: str | None = None) -> go.Figure:
    """Raw funnel plot: each clinician's ``measure`` rate (%) against the number of closed episodes it rests on.

    ``limits`` are :func:`~novamind_core.analytics.outcome_stats.proportion_funnel_limits` around the clinic's rate,
    drawn as lines over ``limits.x``. ``positions`` (one per rate, e.g. from the service's exact limits) say where
    each point falls; without them each is read off the lines at its own n.
    """
    fig = go.Figure()
    _limit_lines(fig, limits, 100.0)
    keep = [not r.suppressed and r.denominator > 0 for r in rates]
    shown = [r for r, k in zip(rates, keep, strict=True) if k]
    where = ([p for p, k in zip(positions, keep, strict=True) if k] if positions is not None else
             [_position_at(r.rate.estimate or 0.0, r.denominator, limits) for r in shown])
    hover = [f"{100 * (r.rate.estimate or 0):.0f}% ({r.numerator} of {r.denominator} episodes)" for r in shown]
    _points(fig, [r.label for r in shown], [float(r.denominator) for r in shown],
            [pct(r.rate.estimate) or 0.0 for r in shown], where, hover)
    _not_plotted_note(fig, len(rates) - len(shown))
    finish(fig, title or f"{measure} by clinician against the clinic rate (funnel plot)")
    fig.update_layout(xaxis=dict(title="Closed episodes (number)", rangemode="tozero"),
                      yaxis=dict(title=f"{measure} (%)", range=[0, 100]))
    if not shown:
        empty(fig, "No clinician has enough closed episodes to plot (5 or more, with 5 or more outcomes).")
    return fig


def oe_funnel_figure(units: Sequence[ObservedExpected], limits: FunnelLimits, *, measure: str,
                     positions: Sequence[str] | None = None, title: str | None = None) -> go.Figure:
    """Case-mix-adjusted funnel plot: observed / expected ``measure`` per clinician against the expected count.

    1 means as many outcomes as the twin's population model expects for that clinician's patients; ``limits`` are
    :func:`~novamind_core.analytics.outcome_stats.oe_funnel_limits` around 1. ``positions`` as for
    :func:`funnel_figure` (the exact Poisson-binomial limits of each clinician's own episodes are best).
    """
    fig = go.Figure()
    _limit_lines(fig, limits, 1.0)
    keep = [u.ratio is not None and not hidden_count(u.observed) and not hidden_count(u.n) for u in units]
    shown = [u for u, k in zip(units, keep, strict=True) if k]
    where = ([p for p, k in zip(positions, keep, strict=True) if k] if positions is not None else
             [_position_at(u.ratio or 0.0, u.expected, limits) for u in shown])
    hover = [f"O/E {u.ratio:.2f} (95% CI {u.lower:.2f}-{u.upper:.2f}): {u.observed} observed, {u.expected:.1f} "
             f"expected, {u.n} episodes" for u in shown]
    _points(fig, [u.label for u in shown], [u.expected for u in shown], [u.ratio or 0.0 for u in shown], where, hover)
    _not_plotted_note(fig, len(units) - len(shown))
    finish(fig, title or f"{measure} by clinician, adjusted for case mix (observed / expected)")
    top = max([2.0, *[float(u.ratio or 0) * 1.15 for u in shown]])
    fig.update_layout(xaxis=dict(title="Expected outcomes (number, from the twin's population model)",
                                 rangemode="tozero"),
                      yaxis=dict(title="Observed / expected (ratio)", range=[0, top]))
    if not shown:
        empty(fig, "No clinician has enough closed episodes to plot (5 or more, with 5 or more outcomes).")
    return fig


def _steps(x: list[float], y: list[float]) -> tuple[list[float], list[float]]:
    """The corners of a right-continuous step function through ``(x[i], y[i])`` (for filled bands)."""
    step_x, step_y = x[:1], y[:1]
    for i in range(1, len(x)):
        step_x += [x[i], x[i]]
        step_y += [y[i - 1], y[i]]
    return step_x, step_y


def time_to_response_figure(curves: Sequence[KaplanMeierCurve],
                            title: str = "Time to response (Kaplan-Meier)") -> go.Figure:
    """Cumulative share of episodes reaching response (``1 - S(t)``, %) against weeks since the baseline PHQ-9, as
    steps with 95% bands; the legend gives each curve's episodes and responses ("<5" when small). A curve resting on
    fewer than 5 episodes is not drawn (its steps would reveal each one); a note says so."""
    fig = go.Figure()
    drawn = [c for c in curves if not hidden_count(c.n)]
    for i, c in enumerate(drawn):
        colour = "#37474f" if c.label in ("all", "clinic") else COLOURWAY[i % len(COLOURWAY)]
        weeks = [t / 7.0 for t in c.time_days]
        step_x, upper = _steps(weeks, [100.0 * (1 - lo) for lo in c.lower])
        _, lower = _steps(weeks, [100.0 * (1 - hi) for hi in c.upper])
        fig.add_scatter(x=step_x + step_x[::-1], y=upper + lower[::-1], fill="toself", mode="lines",
                        line=dict(width=0), fillcolor=tint(colour, 0.22), hoverinfo="skip", showlegend=False,
                        legendgroup=c.label, name=f"{c.label} 95% band")
        fig.add_scatter(x=weeks, y=[100.0 * v for v in c.cumulative_response], mode="lines", line_shape="hv",
                        line=dict(color=colour, width=2.5), legendgroup=c.label,
                        name=f"{c.label} ({shown_count(c.n)} episodes, {shown_count(c.n_events)} responded)",
                        hovertemplate="week %{x:.1f}: %{y:.0f}% responded<extra></extra>")
    finish(fig, title)
    fig.update_layout(xaxis=dict(title="Weeks since the baseline PHQ-9"),
                      yaxis=dict(title="Episodes reaching response (%, cumulative)", range=[0, 100]))
    if len(drawn) < len(curves):
        note(fig, f"Not drawn (<5 episodes): {', '.join(c.label for c in curves if c not in drawn)}")
    if not drawn or all(c.n == 0 for c in drawn):
        empty(fig, "No episodes with a baseline PHQ-9 of 10 or more and a later score in this period.")
    return fig


__all__ = ["POSITION_STYLE", "funnel_figure", "oe_funnel_figure", "time_to_response_figure"]
