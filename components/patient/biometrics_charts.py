"""Pure Plotly builders for wearable data (data -> ``go.Figure``): actogram, sleep timeline, daily metric trends.

No Streamlit; tested directly. Inputs are what :class:`novamind_core.services.wearables.WearableService` returns
(``MinuteActivity``: days and a ``(n_days, 1440)`` counts array, NaN = no data; ``DailySummary`` rows) and the
``NightSleep`` records of :func:`novamind_core.biometrics.actigraphy_report`.

Actogram (day x hour): each cell is the mean activity count per minute in that clock hour,
``hourly[d, h] = mean(counts[d, 60h : 60h + 60])`` over the minutes with data; an hour with no data stays blank
(never drawn as rest). Rows run top to bottom from the first day, as in a paper actogram.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.shared.theme import COLOURWAY, TEMPLATE_NAME, format_date
from novamind_core.biometrics.sleep import NightSleep
from novamind_core.domain.wearables import DailySummary

MINUTES_PER_DAY = 1440
ACTOGRAM_SCALE = [[0.0, "#f5f7fa"], [0.15, "#c6dbef"], [0.45, "#4292c6"], [1.0, "#08306b"]]
SLEEP_COLOUR = "#283593"
IN_BED_COLOUR = "#c5cae9"


def hourly_grid(counts: np.ndarray) -> np.ndarray:
    """``(n_days, 1440)`` minute counts -> ``(n_days, 24)`` mean counts/min per clock hour (NaN where no data)."""
    x = np.asarray(counts, dtype=float).reshape(-1, 24, 60)
    have = np.sum(~np.isnan(x), axis=2)
    total = np.nansum(x, axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(have > 0, total / np.maximum(have, 1), np.nan)


def minute_series(days: Sequence[date], counts: np.ndarray) -> pd.Series:
    """Stored days -> one regular 1-minute series from the first to the last day (missing days as NaN).

    The series is what :func:`novamind_core.biometrics.actigraphy_report` expects (naive local clock times).
    """
    if not len(days):
        return pd.Series([], dtype=float, index=pd.DatetimeIndex([]), name="counts")
    first, last = min(days), max(days)
    n_days = (last - first).days + 1
    grid = np.full((n_days, MINUTES_PER_DAY), np.nan)
    offsets = np.array([(d - first).days for d in days], dtype=np.int64)
    grid[offsets] = np.asarray(counts, dtype=float)
    idx = pd.date_range(pd.Timestamp(first), periods=n_days * MINUTES_PER_DAY, freq="min")
    return pd.Series(grid.ravel(), index=idx, name="counts")


def actogram_figure(days: Sequence[date], counts: np.ndarray) -> go.Figure:
    """Heatmap of mean counts/min by day (rows) and clock hour (columns)."""
    hourly = hourly_grid(counts) if len(days) else np.empty((0, 24))
    labels = [format_date(d) for d in days]
    fig = go.Figure(go.Heatmap(
        z=hourly, x=[f"{h:02d}:00" for h in range(24)], y=labels, colorscale=ACTOGRAM_SCALE, zmin=0,
        hoverongaps=False, colorbar=dict(title=dict(text="counts/min")),
        hovertemplate="%{y} %{x}<br>%{z:.0f} counts/min<extra></extra>",
    ))
    fig.update_layout(template=TEMPLATE_NAME, height=max(260, 60 + 14 * len(days)), hovermode="closest",
                      title=dict(text="Actogram: mean activity per clock hour, one row per day"))
    fig.update_xaxes(title_text="clock hour (local time)", showgrid=False)
    fig.update_yaxes(title_text="day", autorange="reversed", showgrid=False, type="category")
    return fig


def _hours_after_noon(moment: pd.Timestamp, night: date) -> float:
    """Hours from noon of the evening's date (18.0 = 06:00 next morning), for a timeline from noon to noon."""
    noon = pd.Timestamp(datetime.combine(night, datetime.min.time())) + pd.Timedelta(hours=12)
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return (stamp - noon) / pd.Timedelta(hours=1)


def sleep_timeline_figure(nights: Sequence[NightSleep]) -> go.Figure:
    """One row per night: time in bed (light) and sleep onset to final awakening (dark), noon to noon.

    ``nights`` are ``NightSleep``-like: ``night`` (date of the evening), ``in_bed``, ``out_of_bed``,
    ``sleep_onset``, ``final_awakening``, ``total_sleep_min``, ``sleep_efficiency_percent``, ``waso_min``.
    """
    fig = go.Figure()
    rows = [n for n in nights if n.sleep_onset is not None and n.final_awakening is not None]
    labels = [format_date(n.night) for n in rows]
    for name, start_attr, end_attr, colour, width in (("In bed", "in_bed", "out_of_bed", IN_BED_COLOUR, 0.8),
                                                      ("Asleep", "sleep_onset", "final_awakening", SLEEP_COLOUR, 0.45)):
        starts = [_hours_after_noon(getattr(n, start_attr), n.night) for n in rows]
        ends = [_hours_after_noon(getattr(n, end_attr), n.night) for n in rows]
        fig.add_trace(go.Bar(
            y=labels, x=[e - s for s, e in zip(starts, ends, strict=True)], base=starts, orientation="h",
            name=name, marker_color=colour, width=width,
            customdata=[[pd.Timestamp(getattr(n, start_attr)).strftime("%H:%M"),
                         pd.Timestamp(getattr(n, end_attr)).strftime("%H:%M"), n.total_sleep_min,
                         n.sleep_efficiency_percent, n.waso_min] for n in rows],
            hovertemplate=(f"%{{y}} {name.lower()} %{{customdata[0]}}-%{{customdata[1]}}<br>total sleep "
                           "%{customdata[2]:.0f} min, efficiency %{customdata[3]:.0f}%, WASO %{customdata[4]:.0f} min"
                           "<extra></extra>"),
        ))
    ticks = list(range(6, 25, 2))
    fig.update_layout(template=TEMPLATE_NAME, barmode="overlay", hovermode="closest",
                      height=max(260, 80 + 18 * len(rows)),
                      title=dict(text="Sleep timeline: time in bed and sleep period, one row per night"))
    fig.update_xaxes(title_text="clock time (local)", range=[6, 24], tickvals=ticks,
                     ticktext=[f"{(12 + t) % 24:02d}:00" for t in ticks])
    fig.update_yaxes(title_text="night of", autorange="reversed", type="category")
    return fig


TREND_ROWS: tuple[tuple[str, str, str], ...] = (
    ("steps", "Steps per day", "steps"),
    ("sleep_minutes", "Sleep (device)", "hours"),
    ("resting_hr", "Resting heart rate", "bpm"),
    ("hrv_rmssd", "HRV (RMSSD)", "ms"),
)


def metric_trends_figure(summaries: Sequence[DailySummary], rolling_days: int = 7) -> go.Figure:
    """Daily steps, sleep, resting heart rate and HRV with a 7-day rolling mean; only metrics with data are drawn.

    ``summaries`` are ``DailySummary``-like (``day`` and the four metrics, None where not measured). Sleep is shown
    in hours (minutes / 60).
    """
    frame = pd.DataFrame([{"day": s.day, **{k: getattr(s, k) for k, _, _ in TREND_ROWS}} for s in summaries])
    present = [r for r in TREND_ROWS if len(frame) and frame[r[0]].notna().any()]
    fig = make_subplots(rows=max(1, len(present)), cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[f"{title} ({unit})" for _, title, unit in present] or None)
    if present:
        frame = frame.groupby("day", as_index=False).mean(numeric_only=True).sort_values("day")
        days = pd.to_datetime(frame["day"])
        for i, (key, title, unit) in enumerate(present, start=1):
            values = frame[key].astype(float) / (60.0 if key == "sleep_minutes" else 1.0)
            colour = COLOURWAY[(i - 1) % len(COLOURWAY)]
            fig.add_trace(go.Scatter(x=days, y=values, mode="markers", name=title, marker=dict(size=5, color=colour),
                                     opacity=0.55, hovertemplate=f"%{{x|%-d %b %Y}}: %{{y:.1f}} {unit}<extra></extra>"),
                          row=i, col=1)
            trend = values.set_axis(days).rolling(f"{rolling_days}D", min_periods=3).mean()
            fig.add_trace(go.Scatter(x=days, y=trend.to_numpy(), mode="lines", name=f"{title}, {rolling_days}-day mean",
                                     line=dict(color=colour, width=2), hoverinfo="skip"), row=i, col=1)
            fig.update_yaxes(title_text=unit, row=i, col=1)
    fig.update_layout(template=TEMPLATE_NAME, showlegend=False, height=140 + 170 * max(1, len(present)),
                      title=dict(text="Wearable trends: daily values (dots) and 7-day mean (line)"))
    fig.update_xaxes(title_text="date", row=max(1, len(present)), col=1)
    return fig


#: Names of the metrics in ``ActigraphyReport.not_computable``, in clinicians' words (M10/L5 share RA's reason).
METRIC_WORDS = {"sleep": "Sleep", "sleep_regularity_index": "Sleep regularity index",
                "interdaily_stability": "Interdaily stability", "intradaily_variability": "Intradaily variability",
                "cosinor": "Cosinor rhythm", "relative_amplitude": "Relative amplitude, M10 and L5"}


def not_computable_lines(reasons: dict[str, str]) -> list[str]:
    """``{metric: reason}`` -> one "<Metric>: not computable: <reason>." line per metric (a shared reason once per
    metric, M10 and L5 folded into relative amplitude)."""
    return [f"{words}: not computable: {reasons[key]}." for key, words in METRIC_WORDS.items() if key in reasons]


def sleep_caption(report: dict | None, days: int) -> str:
    """One sentence under the sleep charts, from ``ActigraphyReport.as_dict()``."""
    if not report or not report.get("sleep", {}).get("n_nights"):
        reason = (report or {}).get("not_computable", {}).get("sleep")
        if reason:
            return f"Sleep not computable: {reason} (last {days} days)."
        return f"No night with enough data in the last {days} days to score sleep."
    s = report["sleep"]
    return (f"Over {s['n_nights']} nights: mean total sleep {s['total_sleep_min'] / 60:.1f} h, efficiency "
            f"{s['sleep_efficiency_percent']:.0f}%, WASO {s['waso_min']:.0f} min, midpoint {s['sleep_midpoint']} "
            f"(scored with {s['scoring_method'].replace('_', '-').title()}).")


__all__ = ["actogram_figure", "hourly_grid", "metric_trends_figure", "minute_series", "not_computable_lines",
           "sleep_caption", "sleep_timeline_figure"]
