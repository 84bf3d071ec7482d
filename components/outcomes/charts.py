"""Pure Plotly builders for the clinic outcomes page (data -> ``go.Figure``); no Streamlit, tested directly.

Inputs are the clinic's aggregate figures (no PHI): :class:`~novamind_core.analytics.outcome_stats.OutcomeRate` rows
whose ``label`` names the period or the group. Conventions (docs/ux.md §1): one template, titles that say what is
shown, axes with units, rates in % with their Wilson 95% intervals, legends below the plot so they never sit on the
title, and a cell that official statistics would hide (a count from 1 to 4) drawn as the text "<5" with no bar or
point, never as its value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import plotly.graph_objects as go

from components.shared.theme import COLOURWAY, LEGEND_AT_FOOT, OBSERVED, SECONDARY, TEMPLATE_NAME
from components.shared.ui import tint
from novamind_core.analytics.outcome_stats import SUPPRESSION_MIN_COUNT, OutcomeRate

SUPPRESSED_TEXT = "<5"
SUPPRESSED_HOVER = ("Suppressed: fewer than 5 episodes in this cell, or hidden so that a total cannot reveal one "
                    "(official-statistics practice)")
LEGEND_BELOW = LEGEND_AT_FOOT
"""Legends go under the plot area, at the figure's foot (the template's rule, components/shared/theme.py)."""
MUTED = "#546e7a"


def pct(value: float | None) -> float | None:
    """A fraction as a percentage (None stays None)."""
    return None if value is None else 100.0 * value


def hidden_count(count: int) -> bool:
    """Whether a count is published as "<5" (from 1 to 4; zero is shown)."""
    return 0 < count < SUPPRESSION_MIN_COUNT


def shown_count(count: int) -> str:
    """A count as published: the number, or "<5"."""
    return SUPPRESSED_TEXT if hidden_count(count) else f"{count:,}"


def finish(fig: go.Figure, title: str, *, legend: bool = True, height: int | None = None) -> go.Figure:
    """Shared layout: the template, the title, a legend below the plot (or none), hover on the nearest point."""
    top = 84 if fig.layout.title.subtitle.text else 60
    fig.update_layout(template=TEMPLATE_NAME, title_text=title, hovermode="closest", showlegend=legend,
                      legend=LEGEND_BELOW, margin=dict(t=top, b=110 if legend else 60), height=height)
    return fig


def note(fig: go.Figure, text: str) -> None:
    """A short note under the title (a subtitle), so it can never overlap the title, the legend or the data."""
    current = fig.layout.title.subtitle.text
    fig.update_layout(title_subtitle=dict(text=f"{current} · {text}" if current else text,
                                          font=dict(size=12, color=MUTED)),
                      margin_t=84)


def empty(fig: go.Figure, message: str) -> None:
    """Say, in the plot area, why nothing is drawn (docs/ux.md §3, Empty)."""
    fig.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                       font=dict(size=13, color=MUTED))


def _whiskers(rates: Sequence[OutcomeRate]) -> tuple[list[float], list[float]]:
    upper = [0.0 if r.suppressed or r.rate.estimate is None else 100.0 * ((r.rate.upper or 0) - r.rate.estimate)
             for r in rates]
    lower = [0.0 if r.suppressed or r.rate.estimate is None else 100.0 * (r.rate.estimate - (r.rate.lower or 0))
             for r in rates]
    return upper, lower


def _hover_rows(rates: Sequence[OutcomeRate]) -> list[str]:
    out = []
    for r in rates:
        p = r.rate
        if r.suppressed:
            out.append(SUPPRESSED_HOVER)
        elif p.estimate is None:
            out.append("no eligible episodes")
        else:
            out.append(f"{100 * p.estimate:.0f}% ({p.successes} of {p.n} episodes), 95% CI "
                       f"{100 * (p.lower or 0):.0f}-{100 * (p.upper or 0):.0f}%")
    return out


# ================================================================================================ rates over time
def rates_over_time_figure(series: Mapping[str, Sequence[OutcomeRate]], *, period: str = "month",
                           title: str | None = None) -> go.Figure:
    """One line per measure (or group) of its rate (%) per period, with Wilson 95% whiskers.

    ``series`` maps a legend name (e.g. ``"Recovery"``) to its rates in period order; each rate's ``label`` is the
    period as written on the axis (``"Jan 2026"``, ``"Q1 2026"``). Suppressed periods leave a gap in the line and
    show "<5" at the foot of the axis; periods with no eligible episode leave a gap only.
    """
    fig = go.Figure()
    order: list[str] = []
    for rates in series.values():
        order += [r.label for r in rates if r.label not in order]
    for i, (name, rates) in enumerate(series.items()):
        colour = COLOURWAY[i % len(COLOURWAY)]
        upper, lower = _whiskers(rates)
        fig.add_scatter(x=[r.label for r in rates], y=[pct(r.shown_estimate) for r in rates], mode="lines+markers",
                        name=name, legendgroup=name, offsetgroup=name, line=dict(color=colour, width=2),
                        marker=dict(size=8),
                        error_y=dict(type="data", symmetric=False, array=upper, arrayminus=lower, thickness=1,
                                     color=tint(colour, 0.6)),
                        text=_hover_rows(rates), hovertemplate="%{x}: %{text}<extra>" + name + "</extra>")
        hidden = [r for r in rates if r.suppressed]
        if hidden:
            fig.add_scatter(x=[r.label for r in hidden], y=[2.0 + 4.0 * i] * len(hidden), mode="text",
                            text=[SUPPRESSED_TEXT] * len(hidden), textfont=dict(color=colour, size=12),
                            name=f"{name}: suppressed", legendgroup=name, offsetgroup=name, showlegend=False,
                            hovertext=[SUPPRESSED_HOVER] * len(hidden), hoverinfo="text")
    word = "quarter" if period == "quarter" else "month"
    finish(fig, title or f"Outcome rates by {word} (closed episodes)")
    fig.update_layout(scattermode="group", scattergap=0.75, yaxis=dict(title="Closed episodes (%)", range=[0, 100]),
                      xaxis=dict(title=f"{word.capitalize()} the episode closed", type="category",
                                 categoryorder="array", categoryarray=order))
    if not order:
        empty(fig, "No closed episodes in this period. Widen the period, or check that discharges are recorded.")
    return fig


# =================================================================================================== rates by group
def eligible_text(rate: OutcomeRate) -> str:
    """The episodes a measure's rate rests on ("n=28 eligible"): the closed episodes that qualify for the measure
    (a baseline and a final score, and caseness for recovery), which can be fewer than the group's episodes. The
    chart and the table by group both label it with this text, so the same number always reads the same."""
    return f"n={rate.denominator} eligible"


def rates_by_group_figure(rates: Sequence[OutcomeRate], *, measure: str, group: str,
                          overall: OutcomeRate | None = None, title: str | None = None) -> go.Figure:
    """Horizontal bars of one measure's rate (%) per group (clinician, drug, diagnosis) with Wilson 95% whiskers.

    Each bar is labelled with its group and the eligible episodes it rests on (:func:`eligible_text`); a
    suppressed group shows "<5" and no bar (its value in the figure is 0, never the hidden rate). ``overall`` (the
    clinic's rate) is a dashed vertical line for reference.
    """
    shown = list(rates)[::-1]  # first group at the top
    labels = [r.label if r.suppressed else f"{r.label} ({eligible_text(r)})" for r in shown]
    upper, lower = _whiskers(shown)
    fig = go.Figure(go.Bar(x=[0.0 if r.suppressed else pct(r.shown_estimate) for r in shown], y=labels,
                           orientation="h", name=measure, marker_color=OBSERVED,
                           error_x=dict(type="data", symmetric=False, array=upper, arrayminus=lower,
                                        color="#37474f", thickness=1.2),
                           text=[SUPPRESSED_TEXT if r.suppressed else "" for r in shown], textposition="outside",
                           cliponaxis=False, customdata=_hover_rows(shown),
                           hovertemplate="%{y}: %{customdata}<extra>" + measure + "</extra>"))
    finish(fig, title or f"{measure} by {group}", legend=False, height=140 + 34 * max(len(shown), 2))
    fig.update_layout(xaxis=dict(title=f"{measure}, % of eligible closed episodes", range=[0, 100]),
                      yaxis=dict(title=None, automargin=True))
    if overall is not None and overall.shown_estimate is not None:
        fig.add_vline(x=100.0 * overall.shown_estimate, line=dict(color=SECONDARY, dash="dash"),
                      annotation_text=f"clinic {100 * overall.shown_estimate:.0f}%",
                      annotation_position="bottom right")
    if not shown:
        empty(fig, f"No closed episodes to compare by {group} in this period.")
    return fig


# ============================================================================================ measurement completion
class CompletionCounts(Protocol):
    """What the completion figure needs of one period (any frozen type with these attributes fits)."""

    @property
    def label(self) -> str: ...
    @property
    def requested(self) -> int: ...
    @property
    def completed(self) -> int: ...
    @property
    def clinician_entered(self) -> int: ...


def completion_figure(periods: Sequence[CompletionCounts], title: str = "Measurement completion") -> go.Figure:
    """Grouped bars per period: questionnaires sent to patients, completed by patients, and scores entered by
    clinicians (counts). A count from 1 to 4 is drawn as "<5" with no bar (value 0 in the figure); hover gives the
    completion rate."""
    fig = go.Figure()
    x = [p.label for p in periods]
    kinds = (("Sent to patients", "requested", tint(OBSERVED, 0.35)), ("Completed by patients", "completed", OBSERVED),
             ("Entered by clinicians", "clinician_entered", SECONDARY))
    for name, attr, colour in kinds:
        counts = [int(getattr(p, attr)) for p in periods]
        fig.add_bar(x=x, y=[0 if hidden_count(c) else c for c in counts], name=name, marker_color=colour,
                    text=[SUPPRESSED_TEXT if hidden_count(c) else "" for c in counts], textposition="outside",
                    cliponaxis=False, customdata=[_completion_hover(p) for p in periods],
                    hovertemplate="%{x}: %{customdata}<extra>" + name + "</extra>")
    finish(fig, title)
    fig.update_layout(barmode="group", yaxis=dict(title="Questionnaires", rangemode="tozero"),
                      xaxis=dict(title=None, type="category"))
    if not periods or all(p.requested == 0 and p.clinician_entered == 0 for p in periods):
        empty(fig, "No questionnaires sent or scores entered in this period. Measurement plans are set on each "
                   "patient's chart.")
    return fig


def _completion_hover(p: CompletionCounts) -> str:
    if hidden_count(p.requested) or hidden_count(p.completed):
        return f"sent {shown_count(p.requested)}, completed {shown_count(p.completed)}"
    if p.requested == 0:
        return "none sent"
    return f"{p.completed} of {p.requested} completed ({100 * p.completed / p.requested:.0f}%)"


__all__ = ["LEGEND_BELOW", "SUPPRESSED_TEXT", "CompletionCounts", "completion_figure", "eligible_text",
           "rates_by_group_figure",
           "rates_over_time_figure"]
