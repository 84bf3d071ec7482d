"""Minute grids and run-length helpers shared by the actigraphy metrics.

Convention used by every metric in this package: minute-level activity is a ``pandas.Series`` of counts per
epoch indexed by a regular :class:`pandas.DatetimeIndex` (1-minute steps) in the wearer's local time (tz-aware,
or naive meaning local wall-clock time). Missing minutes are ``NaN``. :func:`to_minute_grid` builds such a series
from irregular records; the metrics then work on plain numpy arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from novamind_core.domain.errors import ValidationError

MINUTES_PER_DAY = 1440
EPOCH = pd.Timedelta(minutes=1)


def to_minute_grid(activity: pd.Series) -> pd.Series:
    """Put activity counts on a complete 1-minute grid; minutes without data become ``NaN``.

    Parameters
    ----------
    activity : pandas.Series
        Counts per minute indexed by timestamps (any order, at most one value per minute after flooring).

    Returns
    -------
    pandas.Series
        ``float64`` counts from the first to the last minute, one row per minute.
    """
    if not isinstance(activity.index, pd.DatetimeIndex):
        raise ValidationError("activity needs a DatetimeIndex of minute timestamps", field="timestamp")
    if activity.empty:
        raise ValidationError("activity is empty: at least one minute of counts is needed", field="counts")
    s = activity.astype("float64")
    s.index = s.index.floor("min")
    if s.index.has_duplicates:
        dup = s.index[s.index.duplicated()][0]
        raise ValidationError(f"two values for the same minute {dup}", field="timestamp", value=str(dup))
    s = s.sort_index()
    full = pd.date_range(s.index[0], s.index[-1], freq="min")
    if len(full) == len(s):
        s.index = full
        return s
    return s.reindex(full)


def check_minute_series(activity: pd.Series) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Validate a regular 1-minute series and return ``(counts as float64 array, index)``."""
    if not isinstance(activity, pd.Series) or not isinstance(activity.index, pd.DatetimeIndex):
        raise ValidationError("activity must be a pandas Series indexed by minute timestamps", field="activity")
    idx = activity.index
    if len(idx) < 2:
        raise ValidationError("activity needs at least two minutes of data", field="activity", value=len(idx))
    steps = np.diff(idx.as_unit("ns").asi8)
    one_minute_ns = 60 * 10**9
    if not np.all(steps == one_minute_ns):
        raise ValidationError(
            "activity must be on a regular 1-minute grid (use to_minute_grid first)", field="timestamp"
        )
    x = activity.to_numpy(dtype="float64", na_value=np.nan)
    if np.any(x[~np.isnan(x)] < 0):
        raise ValidationError("activity counts cannot be negative", field="counts", value=float(np.nanmin(x)))
    return x, idx


def minute_of_day(idx: pd.DatetimeIndex) -> np.ndarray:
    """Wall-clock minute of the day (0..1439) of each timestamp."""
    return (idx.hour.to_numpy() * 60 + idx.minute.to_numpy()).astype(np.int64)


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start indices and lengths of the runs of ``True`` in a boolean array (vectorised)."""
    m = np.asarray(mask, dtype=bool)
    if m.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    padded = np.concatenate(([False], m, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[0::2], edges[1::2]
    return starts.astype(np.int64), (ends - starts).astype(np.int64)


def fill_runs(mask: np.ndarray, starts: np.ndarray, lengths: np.ndarray, value: bool = True) -> np.ndarray:
    """Set ``mask[start:start+length] = value`` for every run, without a Python loop (difference array)."""
    out = np.asarray(mask, dtype=bool).copy()
    if len(starts) == 0:
        return out
    diff = np.zeros(out.size + 1, np.int64)
    np.add.at(diff, starts, 1)
    np.add.at(diff, starts + lengths, -1)
    covered = np.cumsum(diff[:-1]) > 0
    out[covered] = value
    return out


def clock(minutes_after_midnight: float) -> str | None:
    """Format minutes after midnight (any real number; wraps at 24 h) as ``HH:MM``."""
    if minutes_after_midnight is None or not np.isfinite(minutes_after_midnight):
        return None
    m = int(round(float(minutes_after_midnight))) % MINUTES_PER_DAY
    return f"{m // 60:02d}:{m % 60:02d}"
