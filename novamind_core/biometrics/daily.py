"""Daily summaries from device records: steps, resting heart rate, HRV and sleep duration.

Input tables are the ones the parsers return (:class:`WearableRecords`); every timestamp is tz-aware or local.
Rules, chosen to avoid the usual double counting when a phone and a watch both record:

- Steps: per day, the total of the source (device) with the most steps, not the sum over sources (Apple Health
  stores the phone's and the watch's steps for the same walk).
- Resting heart rate: the device's own daily value when it reports one (Fitbit, Apple ``RestingHeartRate``),
  else the 5th percentile of that day's heart-rate samples. The fallback is a simple heuristic (the lowest
  sustained waking rate is not observable without posture data), not a validated definition.
- HRV: RMSSD in ms (Task Force of the ESC and NASPE. Heart rate variability: standards of measurement.
  Circulation. 1996;93(5):1043-1065. doi:10.1161/01.CIR.93.5.1043) as the daily mean of reported values.
  Apple reports SDNN, a different statistic, which is kept in its own column and never relabelled as RMSSD.
- Sleep duration: union of "asleep" intervals (overlaps between sources merged), assigned to the date the
  sleep ends (the wake-up date, as Fitbit's ``dateOfSleep``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

STEPS_COLUMNS = ("start", "end", "steps", "device")
HEART_RATE_COLUMNS = ("timestamp", "bpm", "device")
RESTING_HR_COLUMNS = ("date", "bpm", "device")
HRV_COLUMNS = ("timestamp", "value_ms", "metric", "device")  # metric: "rmssd" or "sdnn"
SLEEP_COLUMNS = ("start", "end", "stage", "device")  # stage: "asleep", "in_bed", "awake", "deep", "rem", "light"
ASLEEP_STAGES = frozenset({"asleep", "light", "deep", "rem", "core"})


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass(frozen=True)
class WearableRecords:
    """Records from one export, as tables (see the ``*_COLUMNS`` constants for their columns)."""

    steps: pd.DataFrame = field(default_factory=lambda: _empty(STEPS_COLUMNS))
    heart_rate: pd.DataFrame = field(default_factory=lambda: _empty(HEART_RATE_COLUMNS))
    resting_hr: pd.DataFrame = field(default_factory=lambda: _empty(RESTING_HR_COLUMNS))
    hrv: pd.DataFrame = field(default_factory=lambda: _empty(HRV_COLUMNS))
    sleep: pd.DataFrame = field(default_factory=lambda: _empty(SLEEP_COLUMNS))

    @property
    def devices(self) -> tuple[str, ...]:
        names: set[str] = set()
        for df in (self.steps, self.heart_rate, self.resting_hr, self.hrv, self.sleep):
            if "device" in df.columns and len(df):
                names.update(str(d) for d in df["device"].dropna().unique())
        return tuple(sorted(names))

    def counts(self) -> dict[str, int]:
        return {
            "steps": len(self.steps),
            "heart_rate": len(self.heart_rate),
            "resting_hr": len(self.resting_hr),
            "hrv": len(self.hrv),
            "sleep": len(self.sleep),
        }


def rmssd_ms(rr_intervals_ms: np.ndarray) -> float:
    r"""Root mean square of successive RR-interval differences (Task Force 1996), ms.

    .. math:: RMSSD = \sqrt{\frac{1}{N-1} \sum_{i=1}^{N-1} (RR_{i+1} - RR_i)^2}
    """
    rr = np.asarray(rr_intervals_ms, dtype=np.float64)
    rr = rr[~np.isnan(rr)]
    if rr.size < 2:
        return float("nan")
    return float(np.sqrt(np.mean(np.diff(rr) ** 2)))


def _local_dates(ts: pd.Series, tz: str | None) -> pd.Series:
    t = pd.to_datetime(ts)
    if tz is not None and getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_convert(tz)
    return t.dt.date


def merge_intervals(start: pd.Series, end: pd.Series) -> pd.DataFrame:
    """Union of possibly overlapping [start, end) intervals, sorted (vectorised: running maximum of ends)."""
    if len(start) == 0:
        return pd.DataFrame({"start": pd.Series(dtype="datetime64[ns]"), "end": pd.Series(dtype="datetime64[ns]")})
    df = pd.DataFrame({"start": pd.to_datetime(start).to_numpy(), "end": pd.to_datetime(end).to_numpy()})
    df = df.sort_values("start", kind="mergesort").reset_index(drop=True)
    running_end = df["end"].cummax()
    new = df["start"] > running_end.shift(1)
    new.iloc[0] = True
    group = new.cumsum()
    merged = df.groupby(group).agg(start=("start", "min"), end=("end", "max")).reset_index(drop=True)
    if getattr(pd.to_datetime(start).dt, "tz", None) is not None:
        tz = pd.to_datetime(start).dt.tz
        merged["start"] = pd.to_datetime(merged["start"], utc=True).dt.tz_convert(tz)
        merged["end"] = pd.to_datetime(merged["end"], utc=True).dt.tz_convert(tz)
    return merged


def daily_summaries(records: WearableRecords, tz: str | None = None) -> pd.DataFrame:
    """One row per local date: ``steps, resting_hr, hrv_rmssd, hrv_sdnn, sleep_minutes`` (see module rules).

    Parameters
    ----------
    records : WearableRecords
        Parsed device records.
    tz : str, optional
        Time zone whose calendar days are used for tz-aware timestamps (default: as stored).
    """
    parts = []
    s = records.steps
    if len(s):
        d = pd.DataFrame({"date": _local_dates(s["start"], tz), "device": s["device"].fillna("?"),
                          "steps": pd.to_numeric(s["steps"])})
        per_source = d.groupby(["date", "device"])["steps"].sum()
        parts.append(per_source.groupby(level="date").max().rename("steps"))
    hr_device = records.resting_hr
    resting = None
    if len(hr_device):
        resting = hr_device.groupby("date")["bpm"].mean()
    hr = records.heart_rate
    if len(hr):
        d = pd.DataFrame({"date": _local_dates(hr["timestamp"], tz), "bpm": pd.to_numeric(hr["bpm"])})
        fallback = d.groupby("date")["bpm"].quantile(0.05)
        resting = fallback if resting is None else resting.combine_first(fallback)
    if resting is not None:
        parts.append(resting.rename("resting_hr"))
    hrv = records.hrv
    if len(hrv):
        d = pd.DataFrame({"date": _local_dates(hrv["timestamp"], tz), "metric": hrv["metric"],
                          "value": pd.to_numeric(hrv["value_ms"])})
        by = d.groupby(["date", "metric"])["value"].mean().unstack("metric")
        for metric in ("rmssd", "sdnn"):
            if metric in by.columns:
                parts.append(by[metric].rename(f"hrv_{metric}"))
    sl = records.sleep
    if len(sl):
        asleep = sl[sl["stage"].isin(ASLEEP_STAGES)]
        if len(asleep):
            merged = merge_intervals(asleep["start"], asleep["end"])
            minutes = (merged["end"] - merged["start"]).dt.total_seconds() / 60
            d = pd.DataFrame({"date": _local_dates(merged["end"], tz), "minutes": minutes.to_numpy()})
            parts.append(d.groupby("date")["minutes"].sum().rename("sleep_minutes"))
    columns = ["steps", "resting_hr", "hrv_rmssd", "hrv_sdnn", "sleep_minutes"]
    if not parts:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="date"))
    out = pd.concat(parts, axis=1)
    out.index.name = "date"
    return out.reindex(columns=columns).sort_index()
