"""Wearable files -> :class:`ClinicalBatch`: minute activity CSV, daily summary CSV, Fitbit JSON, Apple Health XML.

The parsing and its checks live in :mod:`novamind_core.biometrics.parsers` (they raise ``ImportProblems`` with every
bad row, column and value). This module only shapes their output for storage:

* minute counts -> whole local days ``(n_days, 1440)``, NaN where the file has no sample. On a daylight-saving day
  the repeated hour (autumn) keeps its later samples and the skipped hour (spring) stays empty, so each stored day
  always has 1,440 slots indexed by wall-clock minute.
* daily summaries -> one :class:`DailyEntry` per date. Apple Health reports HRV as SDNN, a different statistic from
  RMSSD: it is not stored as RMSSD and the preview says so.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from novamind_core.biometrics.minute_counts import MINUTES_PER_DAY
from novamind_core.biometrics.problems import ImportProblems, Problem
from novamind_core.interop.records import ClinicalBatch, DailyEntry, MinuteDays


def minute_days(activity: pd.Series) -> MinuteDays:
    """A tz-aware 1-minute counts series -> whole local days of 1,440 minutes (vectorised scatter)."""
    idx = pd.DatetimeIndex(activity.index)
    local_days = idx.normalize().tz_localize(None) if idx.tz is not None else idx.normalize()
    first = local_days.min().date()
    day_index = ((local_days - pd.Timestamp(first)) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)
    slot = (idx.hour * 60 + idx.minute).to_numpy(dtype=np.int64)
    n_days = int(day_index.max()) + 1
    out = np.full((n_days, MINUTES_PER_DAY), np.nan)
    out[day_index, slot] = activity.to_numpy(dtype=float)
    return MinuteDays(first, out)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    v = float(value)
    return None if np.isnan(v) else v


def daily_entries(frame: pd.DataFrame) -> tuple[DailyEntry, ...]:
    """Rows of ``read_daily_csv`` or ``biometrics.daily_summaries`` (date column or index) -> entries."""
    df = frame.reset_index() if "date" not in frame.columns else frame
    out = []
    for i, rec in enumerate(df.to_dict("records")):
        day = rec["date"]
        day = day.date() if hasattr(day, "date") and not isinstance(day, date) else day
        if isinstance(day, pd.Timestamp):
            day = day.date()
        steps = _number(rec.get("steps"))
        out.append(DailyEntry(day, int(round(steps)) if steps is not None else None, _number(rec.get("sleep_minutes")),
                              _number(rec.get("resting_hr")), _number(rec.get("hrv_rmssd")), row=i + 2))
    return tuple(out)


def _future(days: list[date], today: date, source: str, column: str) -> None:
    late = [d for d in days if d > today]
    if late:
        raise ImportProblems(source, [Problem(None, column, min(late).isoformat(),
                                              f"{len(late)} day(s) are in the future (after {today.isoformat()})")])


def read_activity(source: Any, *, tz: str, today: date, name: str | None = None) -> ClinicalBatch:
    from novamind_core.biometrics.parsers.csv_files import read_activity_csv

    series = read_activity_csv(_readable(source), tz=tz)
    md = minute_days(series)
    label = name or _name(source)
    _future([md.last_day], today, label, "timestamp")
    return ClinicalBatch("activity", label, minute_days=md, device_source="csv")


def read_daily(source: Any, *, today: date, name: str | None = None) -> ClinicalBatch:
    from novamind_core.biometrics.parsers.csv_files import read_daily_csv

    entries = daily_entries(read_daily_csv(_readable(source)))
    label = name or _name(source)
    _future([e.day for e in entries], today, label, "date")
    return ClinicalBatch("daily", label, daily=entries, device_source="csv")


def _records_batch(kind: str, records: Any, tz: str, today: date, label: str) -> ClinicalBatch:
    from novamind_core.biometrics.daily import daily_summaries

    summary = daily_summaries(records, tz=tz)
    notes: list[Problem] = []
    if "hrv_sdnn" in summary.columns and summary["hrv_sdnn"].notna().any():
        notes.append(Problem(None, "hrv", None, "HRV in this file is SDNN, a different statistic from RMSSD: it is "
                                                "not stored as RMSSD"))
    entries = tuple(e for e in daily_entries(summary)
                    if any(v is not None for v in (e.steps, e.sleep_minutes, e.resting_hr, e.hrv_rmssd)))
    if not entries:
        raise ImportProblems(label, [Problem(None, None, None, "no steps, sleep, heart-rate or HRV records found")])
    _future([e.day for e in entries], today, label, "date")
    devices = ", ".join(records.devices) or kind
    notes.append(Problem(None, "device", devices, f"devices: {devices}"))
    return ClinicalBatch(kind, label, daily=entries, device_source=kind, notes=tuple(notes))


def read_fitbit(source: Any, *, tz: str, today: date, name: str | None = None) -> ClinicalBatch:
    from novamind_core.biometrics.parsers.fitbit import read_fitbit_json

    label = name or _name(source)
    with _as_path(source, ".json", label) as path:
        records = read_fitbit_json(path, tz=tz)
    return _records_batch("fitbit", records, tz, today, label)


def read_apple(source: Any, *, tz: str, today: date, name: str | None = None,
               progress: Callable[[int, int], None] | None = None) -> ClinicalBatch:
    from novamind_core.biometrics.parsers.apple_health import read_apple_health

    label = name or _name(source)
    with _as_path(source, ".xml", label) as path:
        records = read_apple_health(path, tz=tz, progress=progress)
    return _records_batch("apple_health", records, tz, today, label)


# ---------------------------------------------------------------------------------------------- file plumbing
def _name(source: Any) -> str:
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    return getattr(source, "name", "upload")


def _readable(source: Any) -> Any:
    import io

    if isinstance(source, bytes | bytearray):
        return io.BytesIO(bytes(source))
    return source


class _as_path:
    """Context manager: a path for parsers that stream from disk (uploads in memory are spooled to a temp file).

    The temporary file carries the upload's own name (made safe), in a private temporary folder, so the parsers'
    messages name the file the user chose rather than a random temporary name."""

    def __init__(self, source: Any, suffix: str, label: str | None = None):
        self.source, self.suffix, self.tmp = source, suffix, None
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(label or "upload").name)[:80]
        self.filename = safe.strip(".") or "upload"
        if not self.filename.lower().endswith(suffix):
            self.filename += suffix

    def __enter__(self) -> Path:
        if isinstance(self.source, str | os.PathLike):
            return Path(self.source)
        from novamind_core.security.spool import new_spool_folder

        folder = new_spool_folder()  # app-owned 0700 spool, never the system temp dir; crash leftovers are cleaned
        self.tmp = folder / self.filename
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            if isinstance(self.source, bytes | bytearray):
                fh.write(self.source)
            else:
                if hasattr(self.source, "seek"):
                    self.source.seek(0)
                while chunk := self.source.read(1 << 20):
                    fh.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
        return self.tmp

    def __exit__(self, *exc: object) -> None:
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self.tmp.parent.rmdir()


__all__ = ["daily_entries", "minute_days", "read_activity", "read_apple", "read_daily", "read_fitbit"]
