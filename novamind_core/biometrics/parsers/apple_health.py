"""Apple Health ``export.xml``, streamed: steps, heart rate, resting heart rate, HRV (SDNN) and sleep analysis.

The file is read with :func:`xml.etree.ElementTree.iterparse` and every top-level element is cleared once read,
so a 1 GB export never sits in memory as a tree. Wanted records are kept as compact columns (int64 times, float
values, small integer device codes), built in chunks of ``CHUNK_RECORDS`` so the text of at most one chunk is
held at a time; memory grows with the number of *wanted* records (about 30 bytes each), not with the file.

Apple's HRV type is ``HeartRateVariabilitySDNN``: it is stored with ``metric = "sdnn"`` and never as RMSSD.
Expat (Python >= 3.11 bundles expat >= 2.4) refuses entity-expansion ("billion laughs") attacks.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from novamind_core.biometrics.daily import WearableRecords
from novamind_core.biometrics.problems import ProblemCollector

QUANTITY_TYPES = {
    "HKQuantityTypeIdentifierStepCount": ("steps", {"count"}),
    "HKQuantityTypeIdentifierHeartRate": ("heart_rate", {"count/min"}),
    "HKQuantityTypeIdentifierRestingHeartRate": ("resting_hr", {"count/min"}),
    "HKQuantityTypeIdentifierHeartRateVariabilitySDNN": ("hrv", {"ms"}),
}
SLEEP_TYPE = "HKCategoryTypeIdentifierSleepAnalysis"
SLEEP_VALUES = {
    "HKCategoryValueSleepAnalysisInBed": "in_bed",
    "HKCategoryValueSleepAnalysisAsleep": "asleep",
    "HKCategoryValueSleepAnalysisAsleepUnspecified": "asleep",
    "HKCategoryValueSleepAnalysisAsleepCore": "core",
    "HKCategoryValueSleepAnalysisAsleepDeep": "deep",
    "HKCategoryValueSleepAnalysisAsleepREM": "rem",
    "HKCategoryValueSleepAnalysisAwake": "awake",
}
APPLE_DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"
CHUNK_RECORDS = 10_000
KINDS = ("steps", "heart_rate", "resting_hr", "hrv", "sleep")


class _Columns:
    """Chunked columnar store for one record kind."""

    def __init__(self) -> None:
        self.start: list[str] = []
        self.end: list[str] = []
        self.value: list[str] = []
        self.device: list[int] = []
        self.record_no: list[int] = []
        self.chunks: list[tuple[np.ndarray, ...]] = []

    def add(self, start: str, end: str, value: str, device: int, record_no: int) -> None:
        self.start.append(start)
        self.end.append(end)
        self.value.append(value)
        self.device.append(device)
        self.record_no.append(record_no)

    def flush(self, kind: str, problems: ProblemCollector) -> None:
        if not self.start:
            return
        rec = np.asarray(self.record_no, dtype=np.int64)
        start = pd.to_datetime(pd.Series(self.start), format=APPLE_DATE_FORMAT, utc=True, errors="coerce")
        end = pd.to_datetime(pd.Series(self.end), format=APPLE_DATE_FORMAT, utc=True, errors="coerce")
        for col, parsed, raw in (("startDate", start, self.start), ("endDate", end, self.end)):
            for i in np.flatnonzero(parsed.isna().to_numpy()):
                problems.add("not an Apple Health date (YYYY-MM-DD HH:MM:SS +HHMM)", row=int(rec[i]), column=col,
                             value=raw[i])
        backwards = (end < start).to_numpy()
        for i in np.flatnonzero(backwards):
            problems.add("endDate is before startDate", row=int(rec[i]), column="endDate", value=self.end[i])
        if kind == "sleep":
            codes = pd.Series(self.value).map(SLEEP_VALUES)
            for i in np.flatnonzero(codes.isna().to_numpy()):
                problems.add(f"unknown sleep analysis value; expected one of {sorted(SLEEP_VALUES)}",
                             row=int(rec[i]), column="value", value=self.value[i])
            value = codes.fillna("").to_numpy(dtype=object)
        else:
            num = pd.to_numeric(pd.Series(self.value), errors="coerce").to_numpy(dtype=np.float64)
            for i in np.flatnonzero(np.isnan(num) | (num < 0)):
                problems.add("not a non-negative number", row=int(rec[i]), column="value", value=self.value[i])
            value = num
        self.chunks.append(
            (start.to_numpy(dtype="datetime64[ns]"), end.to_numpy(dtype="datetime64[ns]"), value,
             np.asarray(self.device, dtype=np.int32))
        )
        self.start, self.end, self.value, self.device, self.record_no = [], [], [], [], []

    def frame(self, kind: str, devices: list[str], tz: str) -> pd.DataFrame:
        if self.chunks:
            start, end, value, device = (np.concatenate(parts) for parts in zip(*self.chunks, strict=True))
        else:
            start = end = np.empty(0, "datetime64[ns]")
            value = np.empty(0, object if kind == "sleep" else np.float64)
            device = np.empty(0, np.int32)
        start_t = pd.Series(start).dt.tz_localize("UTC").dt.tz_convert(tz)
        end_t = pd.Series(end).dt.tz_localize("UTC").dt.tz_convert(tz)
        dev = pd.Categorical.from_codes(device, categories=devices) if devices else pd.Categorical([])
        dev_s = pd.Series(dev, dtype="category") if len(device) else pd.Series([], dtype="object")
        if kind == "steps":
            return pd.DataFrame({"start": start_t, "end": end_t, "steps": value, "device": dev_s})
        if kind == "heart_rate":
            return pd.DataFrame({"timestamp": start_t, "bpm": value, "device": dev_s})
        if kind == "resting_hr":
            return pd.DataFrame({"date": start_t.dt.date, "bpm": value, "device": dev_s})
        if kind == "hrv":
            return pd.DataFrame({"timestamp": start_t, "value_ms": value, "metric": "sdnn", "device": dev_s})
        return pd.DataFrame({"start": start_t, "end": end_t, "stage": value, "device": dev_s})


def read_apple_health(
    source: str | os.PathLike,
    tz: str = "UTC",
    *,
    progress: Callable[[int, int], None] | None = None,
) -> WearableRecords:
    """Stream an Apple Health ``export.xml`` into :class:`WearableRecords` (times converted to ``tz``).

    Parameters
    ----------
    source : path
        The export file (unzipped ``apple_health_export/export.xml``).
    tz : str
        Time zone for the returned timestamps (Apple stores each with its own UTC offset).
    progress : callable(bytes_read, total_bytes), optional
        Called after each chunk, for a progress bar.

    Raises
    ------
    ImportProblems
        Every bad record (record number counted over all ``Record`` elements, attribute, value), an unexpected
        unit, or XML that is not well formed (with its line and column).
    """
    path = Path(source)
    problems = ProblemCollector(path.name)
    total = path.stat().st_size
    cols = {k: _Columns() for k in KINDS}
    device_codes: dict[str, int] = {}
    pending = 0
    record_no = 0
    depth = 0
    root = None
    with open(path, "rb") as fh:
        try:
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                if event == "start":
                    if root is None:
                        root = elem
                    depth += 1
                    continue
                depth -= 1
                if elem.tag == "Record":
                    record_no += 1
                    a = elem.attrib
                    rtype = a.get("type", "")
                    kind = None
                    if rtype in QUANTITY_TYPES:
                        kind, units = QUANTITY_TYPES[rtype]
                        unit = a.get("unit")
                        if unit not in units:
                            problems.add(f"unexpected unit for {rtype}; expected {sorted(units)}", row=record_no,
                                         column="unit", value=unit)
                            kind = None
                    elif rtype == SLEEP_TYPE:
                        kind = "sleep"
                    if kind is not None:
                        dev_name = a.get("sourceName", "unknown")
                        code = device_codes.setdefault(dev_name, len(device_codes))
                        cols[kind].add(a.get("startDate", ""), a.get("endDate", a.get("startDate", "")),
                                       a.get("value", ""), code, record_no)
                        pending += 1
                if depth == 1:
                    elem.clear()
                    if root is not None:
                        root.clear()
                if pending >= CHUNK_RECORDS:
                    for k in KINDS:
                        cols[k].flush(k, problems)
                    pending = 0
                    if progress is not None:
                        progress(fh.tell(), total)
        except ET.ParseError as exc:
            line, column = exc.position
            problems.add(f"the XML is not well formed ({exc.msg if hasattr(exc, 'msg') else exc})", row=line,
                         column=f"character {column}")
    for k in KINDS:
        cols[k].flush(k, problems)
    if progress is not None:
        progress(total, total)
    if root is not None and root.tag != "HealthData" and not problems:
        problems.add(f"not an Apple Health export: the root element is <{root.tag}>, expected <HealthData>")
    problems.raise_if_any()
    devices = [name for name, _ in sorted(device_codes.items(), key=lambda kv: kv[1])]
    return WearableRecords(**{k: cols[k].frame(k, devices, tz) for k in KINDS})
