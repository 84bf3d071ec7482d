"""Pure Plotly builders for the timelines and simulation pages (data -> ``go.Figure``); no Streamlit, tested on their
figure data.

Conventions (docs/ux.md §1): observed data solid; predictions dashed with 50% and 90% bands; therapeutic ranges and
severity bands as light shaded rectangles; medication events as vertical markers with drug and dose; titles say what the
figure shows, axes carry units. Inputs are the twin service's frozen results (``TimelineData``, ``ScenarioRun``),
read by attribute. The twin-state figures are in :mod:`components.twin.state_charts`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.shared.theme import COLOURWAY, DISCLAIMER, OBSERVED, TEMPLATE_NAME, severity_colour, translucent
from components.shared.ui import tint
from components.twin.state_charts import MODELLED
from novamind_core.domain.brain import Neurotransmitter, Region
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.scenario_limits import PHQ9_REMISSION_MAX_TOTAL
from novamind_core.interop.spreadsheet import safe_frame
from novamind_core.services.twin_types import Band, ScenarioRun, TimelineData
from novamind_core.twin.types import ModelBasis, ScenarioResult

#: PHQ-9 severity bands (Kroenke et al. 2001), from the instrument's definition.
PHQ9_BANDS = Instrument.PHQ9.spec.bands
MEDICATION_COLOUR = "#5d4037"
OCCUPANCY_COLOURS = ("#00838f", "#ef6c00", "#2e7d32", "#ad1457", "#546e7a")
LEVEL_COLOURS = ("#c62828", "#1565c0", "#6a1b9a", "#f9a825", "#2e7d32", "#5d4037", "#00838f", "#ef6c00")
PLAN_COLOUR = "#6a1b9a"


# ---------------------------------------------------------------------------------------------- timelines
def _day_dates(origin: date, days: Sequence[float]) -> list[datetime]:
    base = datetime(origin.year, origin.month, origin.day)
    return [base + timedelta(days=float(d)) for d in days]


def _band_traces(fig: go.Figure, x: list, band: Band, split: int | None, colour: str, name: str, row: int,
                 unit: str) -> None:
    """Past (to index ``split``) solid without band; future dashed with its 90% band."""
    end = len(x) if split is None else split + 1
    fig.add_trace(go.Scatter(x=x[:end], y=list(band.p50[:end]), name=name, legendgroup=name, mode="lines",
                             line=dict(color=colour, width=2),
                             hovertemplate=f"{name}: %{{y:.3g}} {unit}<extra></extra>"), row=row, col=1)
    if split is not None and split + 1 < len(x):
        fx = x[split:]
        fig.add_trace(go.Scatter(x=fx + fx[::-1], y=list(band.p95[split:]) + list(band.p05[split:])[::-1],
                                 fill="toself", fillcolor=tint(colour, 0.25), line=dict(width=0), hoverinfo="skip",
                                 name=f"{name} 90% interval", legendgroup=name, showlegend=False), row=row, col=1)
        fig.add_trace(go.Scatter(x=fx, y=list(band.p50[split:]), name=f"{name} (plan)", legendgroup=name,
                                 mode="lines", line=dict(color=colour, width=2, dash="dash"), showlegend=False,
                                 hovertemplate=f"{name} (plan): %{{y:.3g}} {unit}<extra></extra>"), row=row, col=1)


def timelines_figure(data: TimelineData) -> go.Figure:
    """Plasma concentration, target occupancy and regional neurotransmitter levels in three linked panels.

    Past (real medication history) solid; a saved scenario after today dashed with its 90% interval across virtual
    PK patients. Therapeutic reference ranges (AGNP consensus, in the drug catalogue) shaded on the plasma panel;
    medication events and planned steps as vertical markers; a range selector zooms all panels together.
    """
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07, row_heights=[0.36, 0.28, 0.36],
                        subplot_titles=["Plasma concentration (ng/mL)", "Target occupancy (%)",
                                        "Neurotransmitter level (× the patient's baseline)"])
    future = data.scenario_name is not None
    px = _day_dates(data.origin, data.plasma_days)
    split_p = next((k for k, d in enumerate(data.plasma_days) if d >= data.today_day + 1), None) if future else None
    for k, (label, band) in enumerate(data.plasma.items()):
        colour = COLOURWAY[k % len(COLOURWAY)]
        _band_traces(fig, px, band, split_p, colour, label, 1, "ng/mL")
        rng = data.therapeutic_ranges.get(label)
        if rng:
            fig.add_hrect(y0=rng[0], y1=rng[1], fillcolor=tint(colour, 0.10), line=dict(color=tint(colour, 0.5),
                          width=1, dash="dot"), layer="below", row=1, col=1,
                          annotation_text=f"{label} reference range {rng[0]:g}–{rng[1]:g} ng/mL (AGNP)",
                          annotation_position="top right", annotation_font=dict(size=10, color=colour))
    if not data.plasma:
        fig.add_annotation(x=0.5, y=0.5, xref="x domain", yref="y domain", showarrow=False,
                           text="No simulated drug in this period.")
    dx = _day_dates(data.origin, data.daily_days)
    split_d = data.today_day if future else None
    for k, (target, band) in enumerate(data.occupancy.items()):
        _band_traces(fig, dx, band, split_d, OCCUPANCY_COLOURS[k % len(OCCUPANCY_COLOURS)], target, 2, "%")
    k = 0
    for region, by_nt in data.levels.items():
        for nt, band in by_nt.items():
            name = f"{Neurotransmitter(nt).label} · {Region(region).label}"
            _band_traces(fig, dx, band, split_d, LEVEL_COLOURS[k % len(LEVEL_COLOURS)], name, 3, "×")
            k += 1
    fig.add_hline(y=1.0, line=dict(color="#90a4ae", dash="dot", width=1), row=3, col=1)
    for events, colour in ((data.events, MEDICATION_COLOUR), (data.planned_events, PLAN_COLOUR)):
        for e in events:
            fig.add_vline(x=datetime(e.on.year, e.on.month, e.on.day), line=dict(color=colour, dash="dot",
                                                                                  width=1.2))
        if events:
            fig.add_trace(go.Scatter(
                x=[datetime(e.on.year, e.on.month, e.on.day) for e in events], y=[1.0] * len(events),
                yaxis="y", mode="markers", marker=dict(symbol="triangle-down", size=10, color=colour),
                text=[e.label for e in events], name="planned step" if colour == PLAN_COLOUR else "medication change",
                hovertemplate="%{x|%-d %b %Y}: %{text}<extra></extra>"), row=1, col=1)
            for e in events:
                fig.add_annotation(x=datetime(e.on.year, e.on.month, e.on.day), y=1.0, yref="y domain",
                                   text=e.label, showarrow=False, textangle=-90, xanchor="left", yanchor="top",
                                   font=dict(size=9, color=colour))
    today = _day_dates(data.origin, [data.today_day])[0]
    fig.add_vline(x=today, line=dict(color="#263238", width=1.5))
    fig.add_annotation(x=today, y=1.0, yref="y domain", text="<b>today</b>", showarrow=False, xanchor="right",
                       yanchor="top", font=dict(size=11, color="#263238"))
    fig.update_yaxes(title_text="ng/mL", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="%", range=[0, 100], row=2, col=1)
    fig.update_yaxes(title_text="× baseline", row=3, col=1)
    fig.update_xaxes(title_text="date", row=3, col=1, rangeselector=dict(buttons=[
        dict(count=1, label="1 month", step="month", stepmode="backward"),
        dict(count=3, label="3 months", step="month", stepmode="backward"),
        dict(count=6, label="6 months", step="month", stepmode="backward"), dict(step="all", label="all")],
        y=1.0, x=0.0, yanchor="bottom", xanchor="left"))  # above the top panel: the legend owns the foot
    what = f"history and the saved plan '{data.scenario_name}'" if future else "the medication history to today"
    fig.update_layout(template=TEMPLATE_NAME, height=820, hovermode="x unified", margin=dict(t=110),
                      title=dict(text=f"Plasma levels, occupancy and neurotransmitter levels over {what}"))
    return fig


# ---------------------------------------------------------------------------------------------- simulation
def _week_dates(week0: date, weeks: Sequence[int]) -> list[date]:
    return [week0 + timedelta(weeks=int(w)) for w in weeks]


def fan_chart(run: ScenarioRun, instrument: str = "phq9") -> go.Figure:
    """Predicted PHQ-9 (or GAD-7) per scenario: median dashed, 50% and 90% bands, against the observed history.

    Severity bands (Kroenke et al. 2001) shaded; week 0 is the latest PHQ-9, where the patient's posterior ends.
    """
    title = "PHQ-9" if instrument == "phq9" else "GAD-7"
    top = 27 if instrument == "phq9" else 21
    fig = go.Figure()
    if instrument == "phq9":
        for band in PHQ9_BANDS:
            lo, hi, word = band.min_total, band.max_total, band.name
            fig.add_hrect(y0=lo - 0.5 if lo else 0, y1=hi + 0.5, fillcolor=tint(severity_colour(word), 0.16),
                          line_width=0, layer="below")
            fig.add_annotation(x=1.0, xref="paper", xanchor="right", y=(lo + hi) / 2, text=word, showarrow=False,
                               font=dict(size=10, color="#455a64"))
    for k, r in enumerate(run.results):
        colour = COLOURWAY[(k + 1) % len(COLOURWAY)]
        q = r.phq9 if instrument == "phq9" else r.gad7
        x = _week_dates(run.week0, r.weeks)
        for lo, hi, alpha, label in (("p05", "p95", 0.12, "90%"), ("p25", "p75", 0.26, "50%")):
            fig.add_trace(go.Scatter(x=x + x[::-1], y=list(q[hi]) + list(q[lo])[::-1], fill="toself",
                                     fillcolor=translucent(colour, alpha), line=dict(width=0), hoverinfo="skip",
                                     name=f"{r.name} {label} interval", legendgroup=r.name, showlegend=False))
        fig.add_trace(go.Scatter(x=x, y=list(q.p50), name=f"{r.name} (median, 50% and 90% bands)", legendgroup=r.name,
                                 mode="lines", line=dict(color=colour, width=2.5, dash="dash"),
                                 customdata=list(zip(q.p25, q.p75, q.p05, q.p95, strict=True)),
                                 hovertemplate=(f"{r.name}: %{{y:.1f}} (50% %{{customdata[0]:.0f}}–"
                                                "%{customdata[1]:.0f}, 90% %{customdata[2]:.0f}–%{customdata[3]:.0f})"
                                                "<extra></extra>")))
    if instrument == "phq9" and run.observed_phq9:
        fig.add_trace(go.Scatter(x=[d for d, _ in run.observed_phq9], y=[t for _, t in run.observed_phq9],
                                 name="observed PHQ-9", mode="lines+markers",
                                 line=dict(color=OBSERVED, width=2.5), marker=dict(size=7),
                                 hovertemplate="observed %{x|%-d %b %Y}: %{y}<extra></extra>"))
    w0 = datetime(run.week0.year, run.week0.month, run.week0.day)
    fig.add_vline(x=w0, line=dict(color="#263238", width=1.2, dash="dot"))
    fig.add_annotation(x=w0, y=top, text="week 0 (date of the latest PHQ-9; the model's estimate)", showarrow=False,
                       xanchor="left",
                       font=dict(size=10))
    for week in (8, 12):
        d = run.week0 + timedelta(weeks=week)
        fig.add_vline(x=datetime(d.year, d.month, d.day), line=dict(color="#90a4ae", width=1, dash="dot"))
        fig.add_annotation(x=datetime(d.year, d.month, d.day), y=top - 1.5, text=f"week {week}", showarrow=False,
                           xanchor="left", font=dict(size=10, color="#546e7a"))
    fig.update_yaxes(range=[0, top + 0.5], title_text=f"{title} total (points)")
    fig.update_xaxes(title_text="date")
    fig.update_layout(template=TEMPLATE_NAME, height=480, hovermode="x unified",
                      title=dict(text=f"Predicted {title} under each scenario against the observed history"))
    return fig


def week0_sentence(run: ScenarioRun) -> str:
    """What week 0 of the fan is: the model's PHQ-9 on the day of the latest score (the posterior fitted to every
    score), said beside the score observed that day, so a fan that starts away from that score is explained."""
    when = f"{run.week0.day} {run.week0:%b %Y}"
    r = run.results[0]
    i = r.weeks.index(0) if 0 in r.weeks else 0
    model = f"{r.phq9.p50[i]:.0f} (90% {r.phq9.p05[i]:.0f}–{r.phq9.p95[i]:.0f})"
    if not run.observed_phq9:
        return f"Week 0 is {when}; no PHQ-9 is on record, so the fan starts at the population prior's {model}."
    on, score = run.observed_phq9[-1]
    text = (f"Week 0 is {when}, the date of the latest PHQ-9 ({score} observed); the fan starts at the model's "
            f"estimate for that day, {model}, fitted to all {len(run.observed_phq9)} PHQ-9 totals rather than "
            "copied from the last one.")
    if not r.phq9.p25[i] <= score <= r.phq9.p75[i]:
        text += (f" The latest score lies outside the middle half of that estimate: the fit weighs every score "
                 f"against its visit-to-visit noise, so one score away from the trend moves week 0 only partly; "
                 f"the next PHQ-9 will show whether {score} is the new level.")
    return text


def pk_panels(result: ScenarioResult, week0: date) -> go.Figure:
    """Plasma concentration (median PK patient) and occupancy per target for one scenario, from week 0."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                        subplot_titles=["Plasma concentration (ng/mL)", "Target occupancy (%)"])
    x = [week0 + timedelta(days=int(d)) for d in result.pk.days]
    conc = result.pk.concentration_ng_ml
    from novamind_core.pharmacology.simulate import plasma_for_display

    for k, (name, values) in enumerate(plasma_for_display(conc).items()):
        fig.add_trace(go.Scatter(x=x, y=list(values[:len(x)]), name=name, mode="lines",
                                 line=dict(color=COLOURWAY[k % len(COLOURWAY)], dash="dash")), row=1, col=1)
    for k, (target, values) in enumerate(result.pk.occupancy_percent.items()):
        fig.add_trace(go.Scatter(x=x, y=list(values[:len(x)]), name=target, mode="lines",
                                 line=dict(color=COLOURWAY[(k + 3) % len(COLOURWAY)], dash="dash")), row=2, col=1)
    fig.update_yaxes(title_text="ng/mL", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="%", range=[0, 100], row=2, col=1)
    fig.update_layout(template=TEMPLATE_NAME, height=460, hovermode="x unified",
                      title=dict(text=f"{result.name}: plasma levels and occupancy (median virtual patient)"))
    return fig


def nt_panel(result: ScenarioResult, week0: date) -> go.Figure:
    """Key neurotransmitter timelines (median) for the scenario's regions, weekly from week 0."""
    fig = go.Figure()
    x = _week_dates(week0, result.weeks)
    k = 0
    for region, by_nt in result.neurotransmitters.items():
        for nt in MODELLED:
            values = by_nt.get(nt)
            if values is None or max(abs(v - 1.0) for v in values) < 1e-3:
                continue
            fig.add_trace(go.Scatter(x=x, y=list(values), mode="lines", line=dict(color=COLOURWAY[k % 8], dash="dash"),
                                     name=f"{Neurotransmitter(nt).label} · {Region(region).label}"))
            k += 1
    fig.add_hline(y=1.0, line=dict(color="#90a4ae", dash="dot", width=1))
    fig.update_yaxes(title_text="× baseline")
    fig.update_layout(template=TEMPLATE_NAME, height=380, hovermode="x unified",
                      title=dict(text=f"{result.name}: key neurotransmitter levels (× the patient's baseline)"))
    return fig


def outcomes_frame(run: ScenarioRun) -> pd.DataFrame:
    """The comparison table: median PHQ-9 at week 8 and at the end, response/remission probabilities, warnings."""
    rows = [{"Scenario": t.name, "PHQ-9 median wk 8": t.phq9_p50_week8, "PHQ-9 median at end": t.phq9_p50_end,
             "P(response) wk 8": t.p_response_week8, "P(remission) wk 8": t.p_remission_week8,
             "P(response) wk 12": t.p_response_week12, "P(remission) wk 12": t.p_remission_week12,
             "Warnings": t.n_warnings} for t in run.table]
    return pd.DataFrame(rows)


def comparison_csv(run: ScenarioRun) -> str:
    """CSV of the comparison: one block of outcomes per scenario, then weekly PHQ-9 quantiles, with provenance."""
    frame = outcomes_frame(run)
    weekly = []
    for r in run.results:
        for i, w in enumerate(r.weeks):
            weekly.append({"scenario": r.name, "week": w, "date": (run.week0 + timedelta(weeks=w)).isoformat(),
                           **{f"phq9_{k}": v[i] for k, v in r.phq9.items()},
                           **{f"gad7_{k}": v[i] for k, v in r.gad7.items()}})
    buf = io.StringIO()
    buf.write(f"# Novamind scenario comparison; week 0 = {run.week0.isoformat()}; draws={run.draws} seed={run.seed}; "
              f"{run.based_on}. {DISCLAIMER}\n")
    safe_frame(frame).to_csv(buf, index=False)  # scenario names are typed text: no spreadsheet formulae
    buf.write("\n")
    safe_frame(pd.DataFrame(weekly)).to_csv(buf, index=False)
    return buf.getvalue()


def remission_caption() -> str:
    """How response and remission are defined, for the caption under the fan chart."""
    return (f"Response = PHQ-9 at most half the baseline; remission = PHQ-9 ≤ {PHQ9_REMISSION_MAX_TOTAL}.")


def model_statement(basis: ModelBasis | None, patient: str | None = None,
                    population_calibrated: bool | None = None, *, disclaimer: bool = True) -> str:
    """What the model is, its calibration status, and the disclaimer: the sentence under every result panel.

    ``patient`` replaces the part about the patient's posterior (e.g. for timelines, which use no symptom fit);
    ``population_calibrated`` is used where there is no ``basis``.
    """
    calibrated = basis.population_calibrated if basis is not None else bool(population_calibrated)
    pop = ("population parameters calibrated to published trial evidence (Cipriani 2018, STAR*D; docs/calibration.md)"
           if calibrated else "population parameters are uncalibrated code defaults")
    if patient is not None:
        pass
    elif basis is None or basis.is_prior:
        patient = "no PHQ-9 history, so this patient uses the population prior"
    else:
        patient = f"fitted to this patient's {basis.n_observations} PHQ-9 totals"
    draws = f"; {basis.draws:,} simulated patients" if basis is not None and basis.draws else ""
    return (f"Model: Novamind twin — pharmacokinetics → target occupancy → neurotransmitter dynamics with receptor "
            f"adaptation → PHQ-9/GAD-7 response; {pop}; {patient}{draws}. Intervals show uncertainty, not "
            f"certainty." + (f" {DISCLAIMER}" if disclaimer else ""))


def model_technicalities(basis: ModelBasis | None) -> list[str]:
    """The statistical details behind a result, for the page's "Advanced" expander (kept out of the clinical text)."""
    if basis is None:
        return []
    lines = [f"Patient fit: {'population prior (no PHQ-9 history)' if basis.is_prior else basis.method}"
             f"{'' if basis.is_prior else f' on {basis.n_observations} PHQ-9 totals'}."]
    if basis.draws:
        lines.append(f"Monte Carlo draws (simulated patients): {basis.draws:,}; random seed: {basis.seed}.")
    return lines
