"""Data quality of wearable recordings: coverage per day and per hour, gaps, devices, one completeness score.

Completeness score (what the twin uses to weight wearable evidence), in [0, 1]:

.. math:: C = \\frac{1}{D} \\sum_{d=1}^{D} \\min\\left(1, \\frac{w_d}{1440}\\right)

where :math:`D` is the number of expected days (the recording's days, or the span the caller expects) and
:math:`w_d` the minutes worn on day d (recorded and not non-wear). It is the share of expected minutes with a worn
device: 1 for round-the-clock wear, 0.5 for half the time, and days with no data at all count as 0. For daily
summaries, :func:`daily_completeness` is the share of expected (day, field) cells that hold a value.
A day is *valid* with at least 600 worn minutes (Troiano et al. 2008), reported separately.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from novamind_core.biometrics.grid import MINUTES_PER_DAY, check_minute_series, runs
from novamind_core.biometrics.wear import VALID_DAY_WEAR_MIN, _nonwear_mask


@dataclass(frozen=True)
class Gap:
    """A stretch without usable data: ``kind`` is ``"missing"`` (no samples) or ``"nonwear"`` (device off)."""

    start: pd.Timestamp
    end: pd.Timestamp  # exclusive
    minutes: int
    kind: str


@dataclass(frozen=True)
class DataQuality:
    """Quality of one minute-level recording (fractions in [0, 1])."""

    coverage_per_day: pd.Series  # worn minutes / 1440, indexed by date
    coverage_per_hour: pd.DataFrame  # rows dates, columns 0..23, worn minutes / 60
    gaps: tuple[Gap, ...]
    devices: tuple[str, ...]
    completeness: float
    valid_days: int
    expected_days: int

    def as_dict(self) -> dict:
        return {
            "completeness": self.completeness,
            "valid_days": self.valid_days,
            "expected_days": self.expected_days,
            "devices": list(self.devices),
            "coverage_per_day": {str(k): float(v) for k, v in self.coverage_per_day.items()},
            "gaps": [
                {"start": g.start.isoformat(), "end": g.end.isoformat(), "minutes": g.minutes, "kind": g.kind}
                for g in self.gaps
            ],
        }


def completeness_score(worn_minutes_per_day: Sequence[float] | np.ndarray, expected_days: int | None = None) -> float:
    """``C = sum_d min(1, w_d / 1440) / D`` (module docstring); missing days count 0. ``NaN`` when D = 0."""
    w = np.asarray(worn_minutes_per_day, dtype=np.float64)
    d = w.size if expected_days is None else int(expected_days)
    if d <= 0:
        return float("nan")
    return float(np.clip(np.nan_to_num(w) / MINUTES_PER_DAY, 0, 1).sum() / d)


def activity_quality(
    activity: pd.Series,
    *,
    nonwear: pd.Series | None = None,
    devices: Iterable[str] = (),
    expected_dates: Sequence[dt.date] | None = None,
    min_gap_min: int = 60,
) -> DataQuality:
    """Coverage, gaps (missing or non-wear runs of at least ``min_gap_min`` minutes) and completeness.

    Parameters
    ----------
    activity : pandas.Series
        Regular 1-minute counts (``NaN`` = missing).
    nonwear : pandas.Series of bool, optional
        Non-wear minutes; computed with :func:`novamind_core.biometrics.wear.detect_nonwear` defaults if omitted.
    expected_dates : sequence of datetime.date, optional
        Days the wearer was asked to wear the device; days without data count as zero coverage.
    """
    x, idx = check_minute_series(activity)
    missing = np.isnan(x)
    nw = _nonwear_mask(x) if nonwear is None else nonwear.to_numpy(dtype=bool)
    worn = ~missing & ~nw
    day = idx.normalize()
    codes, uniques = pd.factorize(day)
    n_days = len(uniques)
    hour = idx.hour.to_numpy()
    per_day = np.bincount(codes, weights=worn, minlength=n_days)
    per_hour = np.bincount(codes * 24 + hour, weights=worn, minlength=n_days * 24).reshape(n_days, 24)
    dates = pd.Index(uniques.date, name="date")
    cov_day = pd.Series(per_day / MINUTES_PER_DAY, index=dates, name="coverage")
    cov_hour = pd.DataFrame(per_hour / 60.0, index=dates, columns=range(24))
    if expected_dates is not None:
        expected = pd.Index(sorted(set(expected_dates)), name="date")
        cov_day = cov_day.reindex(expected, fill_value=0.0)
        cov_hour = cov_hour.reindex(expected, fill_value=0.0)
    gaps = []
    for kind, mask in (("missing", missing), ("nonwear", nw & ~missing)):
        starts, lengths = runs(mask)
        keep = lengths >= min_gap_min
        for s, n in zip(starts[keep], lengths[keep], strict=True):  # one per gap (few), not per epoch
            gaps.append(Gap(idx[s], idx[s] + pd.Timedelta(minutes=int(n)), int(n), kind))
    gaps.sort(key=lambda g: g.start)
    worn_by_day = cov_day.to_numpy() * MINUTES_PER_DAY
    return DataQuality(
        coverage_per_day=cov_day,
        coverage_per_hour=cov_hour,
        gaps=tuple(gaps),
        devices=tuple(sorted(set(devices))),
        completeness=completeness_score(worn_by_day),
        valid_days=int(np.sum(worn_by_day >= VALID_DAY_WEAR_MIN)),
        expected_days=len(cov_day),
    )


DAILY_FIELDS = ("steps", "sleep_minutes", "resting_hr", "hrv_rmssd")


def daily_completeness(daily: pd.DataFrame, expected_dates: Sequence[dt.date] | None = None,
                       fields: Sequence[str] = DAILY_FIELDS) -> float:
    """Share of expected (day, field) cells of a daily-summary table that hold a value (0..1).

    ``daily`` has a ``date`` column (or a date index) and the ``fields`` columns; absent fields count as empty.
    """
    df = daily.set_index("date") if "date" in daily.columns else daily
    df = df[~df.index.duplicated()]
    dates = pd.Index(sorted(set(expected_dates))) if expected_dates is not None else df.index
    if len(dates) == 0 or not fields:
        return float("nan")
    present = np.zeros((len(dates), len(fields)), bool)
    aligned = df.reindex(dates)
    for j, f in enumerate(fields):  # a few columns
        if f in aligned.columns:
            present[:, j] = aligned[f].notna().to_numpy()
    return float(present.mean())
