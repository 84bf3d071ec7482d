"""Pure Plotly builders for the analyst cohort page (data -> ``go.Figure``); no Streamlit, tested directly.

Inputs are the de-identified results of :class:`novamind_core.services.cohort.CohortService` (no PHI). Conventions
(docs/ux.md): one template, titles that say what is shown, axes with units, rates with their 95% intervals as error bars
or bands, severity in the shared palette and always named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from components.shared.theme import COLOURWAY, OBSERVED, PREDICTED, TEMPLATE_NAME, severity_colour
from components.shared.ui import tint
from novamind_core.analytics.cohort_stats import KaplanMeierCurve
from novamind_core.analytics.cohort_types import (
    CompletenessItem,
    DeidentifiedPatient,
    DrugOutcome,
    PopulationWhatIf,
    TrajectoryClusters,
)
from novamind_core.domain.instruments import Instrument

CLUSTER_COLOURS: dict[str, str] = {"early responders": "#2e7d32", "responders": "#558b2f",
                                   "partial responders": "#f9a825", "relapse": "#ad1457", "non-responders": "#c62828"}


def _pct(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


def rates_figure(outcomes: Sequence[DrugOutcome],
                 title: str = "Response and remission by drug (index course)") -> go.Figure:
    """Grouped bars of response and remission rates (%) per drug with Wilson 95% intervals; ``n`` in the labels.

    ``outcomes``: :class:`DrugOutcome` rows (drug, n_evaluable, response, remission Proportions).
    """
    fig = go.Figure()
    shown = [o for o in outcomes if o.n_evaluable > 0]
    labels = [f"{o.drug}<br>n={o.n_evaluable}" for o in shown]
    for name, attr, colour in (("Response (>= 50% reduction)", "response", OBSERVED),
                               ("Remission (PHQ-9 <= 4)", "remission", "#2e7d32")):
        props = [getattr(o, attr) for o in shown]
        fig.add_bar(name=name, x=labels, y=[_pct(p.estimate) for p in props], marker_color=colour,
                    error_y=dict(type="data", symmetric=False,
                                 array=[100.0 * ((p.upper or 0) - (p.estimate or 0)) for p in props],
                                 arrayminus=[100.0 * ((p.estimate or 0) - (p.lower or 0)) for p in props]),
                    customdata=[[p.successes, p.n, _pct(p.lower), _pct(p.upper)] for p in props],
                    hovertemplate="%{y:.0f}% (%{customdata[0]} of %{customdata[1]}), 95% CI %{customdata[2]:.0f}-"
                                  "%{customdata[3]:.0f}%<extra>" + name + "</extra>")
    fig.update_layout(template=TEMPLATE_NAME, title=title, barmode="group", hovermode="closest",
                      yaxis=dict(title="Patients (%)", range=[0, 100]), xaxis=dict(title="Drug of the index course"))
    if not shown:
        _empty(fig, "No evaluable patients (baseline PHQ-9 >= 10 with a follow-up score) in this cohort.")
    return fig


MAX_KM_STRATA = 3
"""Strata (drugs) drawn beside "all": the largest by n; more overlapping steps cannot be read."""
MAX_KM_BANDS = 3
"""95% bands are drawn only when this many curves or fewer are shown (overlapping bands hide each other)."""


def km_curves_shown(curves: Sequence[KaplanMeierCurve]) -> list[KaplanMeierCurve]:
    """"all" (when present) and the :data:`MAX_KM_STRATA` largest strata by n (ties by label)."""
    overall = [c for c in curves if c.label == "all"]
    strata = sorted((c for c in curves if c.label != "all"), key=lambda c: (-c.n, c.label))[:MAX_KM_STRATA]
    return overall + strata


def km_figure(curves: Sequence[KaplanMeierCurve], title: str = "Time to response (Kaplan-Meier)") -> go.Figure:
    """Cumulative share who ever responded (``1 - S(t)``, %) against weeks since baseline, as steps.

    ``curves``: :class:`KaplanMeierCurve` objects; "all" and the largest strata are drawn (:func:`km_curves_shown`,
    the title says how many were left out), each with its colour and a hover with the number still at risk, and
    with a 95% band when at most :data:`MAX_KM_BANDS` curves are drawn. "Responded" here is *ever* reaching
    response during the course, not response at its end (the Response card).
    """
    fig = go.Figure()
    shown = km_curves_shown(curves)
    bands = len(shown) <= MAX_KM_BANDS
    hidden = sum(c.label != "all" for c in curves) - sum(c.label != "all" for c in shown)
    if hidden:
        title = f"{title}: the {MAX_KM_STRATA} largest drugs ({hidden} more in the table by drug)"
    for i, c in enumerate(shown):
        colour = "#37474f" if c.label == "all" else COLOURWAY[i % len(COLOURWAY)]
        weeks = [t / 7.0 for t in c.time_days]
        upper = [100.0 * (1 - lo) for lo in c.lower]
        lower = [100.0 * (1 - hi) for hi in c.upper]
        if bands:
            fig.add_scatter(x=weeks + weeks[::-1], y=upper + lower[::-1], fill="toself", line=dict(width=0),
                            fillcolor=tint(colour, 0.22), line_shape="hv", hoverinfo="skip", showlegend=False,
                            legendgroup=c.label)
        fig.add_scatter(x=weeks, y=[100.0 * v for v in c.cumulative_response], mode="lines", line_shape="hv",
                        line=dict(color=colour, width=3 if c.label == "all" else 2),
                        name=f"{c.label} (n={c.n}, {c.n_events} ever responded)", legendgroup=c.label,
                        customdata=list(c.at_risk),
                        hovertemplate="week %{x:.1f}: %{y:.0f}% responded, %{customdata} at risk<extra></extra>")
    fig.update_layout(template=TEMPLATE_NAME, title=title, hovermode="closest",
                      xaxis=dict(title="Weeks since baseline PHQ-9"),
                      yaxis=dict(title="Ever responded (%, cumulative)", range=[0, 100]))
    if not curves or all(c.n == 0 for c in curves):
        _empty(fig, "No evaluable patients for time to response.")
    return fig


def severity_shift_figure(baseline: Mapping[str, int], endpoint: Mapping[str, int],
                          title: str = "PHQ-9 severity at baseline and at the end of the index course") -> go.Figure:
    """Stacked horizontal bars: patients per PHQ-9 severity band at baseline and at endpoint (band colours + names)."""
    fig = go.Figure()
    for band in baseline:
        fig.add_bar(name=band, y=["Endpoint", "Baseline"], x=[endpoint.get(band, 0), baseline.get(band, 0)],
                    orientation="h", marker_color=severity_colour(band), text=[band, band], textposition="inside",
                    insidetextanchor="middle", hovertemplate="%{y}: %{x} patients<extra>" + band + "</extra>")
    fig.update_layout(template=TEMPLATE_NAME, title=title, barmode="stack", hovermode="closest", height=260,
                      xaxis=dict(title="Patients"), yaxis=dict(title=None))
    return fig


def change_histogram(patients: Sequence[DeidentifiedPatient],
                     title: str = "Change in PHQ-9 from baseline to endpoint") -> go.Figure:
    """Histogram of percent change (endpoint vs baseline); the response line at -50% is marked."""
    values = [p.percent_change for p in patients if p.percent_change is not None]
    fig = go.Figure(go.Histogram(x=values, xbins=dict(start=-100, end=100, size=10), marker_color=OBSERVED,
                                 hovertemplate="%{x}: %{y} patients<extra></extra>"))
    fig.add_vline(x=-50, line=dict(color="#2e7d32", dash="dash"), annotation_text="response (-50%)",
                  annotation_position="top left")
    fig.update_layout(template=TEMPLATE_NAME, title=title, hovermode="closest", bargap=0.05,
                      xaxis=dict(title="Change from baseline (%)", range=[-100, 100]), yaxis=dict(title="Patients"))
    if not values:
        _empty(fig, "No patient has both a baseline and a follow-up PHQ-9.")
    return fig


def clusters_figure(clusters: TrajectoryClusters,
                    title: str = "PHQ-9 trajectories by cluster (k-means on the relative course)") -> go.Figure:
    """Mean PHQ-9 (points) of each trajectory cluster over weeks since baseline, with severity bands shaded."""
    fig = go.Figure()
    bands = Instrument.PHQ9.spec.bands
    top = bands[-1].max_total
    for band in bands:
        fig.add_hrect(y0=band.min_total - 0.5 if band.min_total else 0,
                      y1=band.max_total + 0.5 if band.max_total < top else top,
                      fillcolor=severity_colour(band.name), opacity=0.07, line_width=0, layer="below")
    weeks = list(clusters.grid_weeks)
    for i, c in enumerate(clusters.clusters):
        colour = CLUSTER_COLOURS.get(c.shape, COLOURWAY[i % len(COLOURWAY)])
        shape = f", mean course: {c.shape}" if c.shape else ""
        fig.add_scatter(x=weeks, y=list(c.mean_phq9), mode="lines+markers", name=f"{c.label} (n={c.n}{shape})",
                        line=dict(color=colour, width=2.5), customdata=[c.description] * len(weeks),
                        hovertemplate="week %{x}: mean PHQ-9 %{y:.1f}<br>%{customdata}<extra>" + c.label
                                      + "</extra>")
    fig.update_layout(template=TEMPLATE_NAME, title=title, hovermode="closest",
                      xaxis=dict(title="Weeks since baseline"), yaxis=dict(title="PHQ-9 total (points)",
                                                                           range=[0, 27]))
    if not clusters.clusters:
        _empty(fig, "Not enough trajectories (3 or more PHQ-9 scores from baseline) to cluster.")
    return fig


def completeness_figure(items: Sequence[CompletenessItem], title: str = "Data completeness") -> go.Figure:
    """Horizontal bars: share of the cohort with each data element (%), labelled ``n of N``."""
    shown = list(items)[::-1]
    fig = go.Figure(go.Bar(x=[100.0 * (i.fraction or 0) for i in shown], y=[i.name for i in shown], orientation="h",
                           marker_color=[("#2e7d32" if (i.fraction or 0) >= 0.8 else "#f9a825"
                                          if (i.fraction or 0) >= 0.5 else "#c62828") for i in shown],
                           text=[f"{i.n_with} of {i.n_total}" for i in shown], textposition="auto",
                           hovertemplate="%{y}: %{x:.0f}%<extra></extra>"))
    fig.update_layout(template=TEMPLATE_NAME, title=title, hovermode="closest", height=80 + 38 * max(len(shown), 1),
                      xaxis=dict(title="Patients with the element (%)", range=[0, 100]), yaxis=dict(title=None))
    return fig


def what_if_figure(result: PopulationWhatIf, title: str | None = None) -> go.Figure:
    """Simulated (twin) vs observed response and remission (%) for each drug of a population what-if, with 95%
    intervals (Wilson; the simulated ones show Monte Carlo error only). Simulated bars are hatched (predictions)."""
    fig = go.Figure()
    x = [f"{arm.drug} {kind}" for arm in result.arms for kind in ("response", "remission")]
    sim = [getattr(arm, f"simulated_{kind}") for arm in result.arms for kind in ("response", "remission")]
    obs = [getattr(arm.observed, kind) if arm.observed else None for arm in result.arms
           for kind in ("response", "remission")]
    fig.add_bar(name=f"Twin, {result.n_virtual:,} virtual patients, week {result.weeks}", x=x,
                y=[_pct(p.estimate) for p in sim], marker=dict(color=PREDICTED, pattern_shape="/"),
                error_y=dict(type="data", symmetric=False, array=[100 * (p.upper - p.estimate) for p in sim],
                             arrayminus=[100 * (p.estimate - p.lower) for p in sim]),
                hovertemplate="%{x}: %{y:.0f}% predicted<extra></extra>")
    fig.add_bar(name="Observed in this cohort", x=x, y=[_pct(p.estimate) if p else None for p in obs],
                marker_color=OBSERVED,
                error_y=dict(type="data", symmetric=False,
                             array=[100 * ((p.upper or 0) - (p.estimate or 0)) if p else 0 for p in obs],
                             arrayminus=[100 * ((p.estimate or 0) - (p.lower or 0)) if p else 0 for p in obs]),
                customdata=[p.n if p else 0 for p in obs],
                hovertemplate="%{x}: %{y:.0f}% observed (n=%{customdata})<extra></extra>")
    fig.update_layout(template=TEMPLATE_NAME, barmode="group", hovermode="closest",
                      title=title or f"{' vs '.join(a.drug for a in result.arms)}: twin prediction vs observed",
                      yaxis=dict(title="Patients (%)", range=[0, 100]), xaxis=dict(title=None))
    return fig


def _empty(fig: go.Figure, message: str) -> None:
    fig.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                       font=dict(size=13, color="#546e7a"))


__all__ = ["MAX_KM_BANDS", "MAX_KM_STRATA", "change_histogram", "clusters_figure", "completeness_figure",
           "km_curves_shown", "km_figure", "rates_figure", "severity_shift_figure", "what_if_figure"]
