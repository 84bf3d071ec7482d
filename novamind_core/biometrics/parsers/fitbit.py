"""Fitbit JSON exports: heart rate, steps and sleep.

Two shapes are understood, and may be mixed across files:

- Web API responses: ``{"activities-heart": [...], "activities-heart-intraday": {"dataset": [...]}}``,
  ``{"activities-steps": [...], "activities-steps-intraday": {...}}`` and ``{"sleep": [...]}``.
- Account-export files (``heart_rate-YYYY-MM-DD.json``, ``steps-YYYY-MM-DD.json``, ``sleep-YYYY-MM-DD.json``):
  a list of ``{"dateTime": "01/31/24 08:00:05", "value": {...}}`` samples, or of sleep logs.

Fitbit times are local wall-clock times without an offset; they are taken in ``tz``. Sleep stages come from
``levels.data`` when present (``wake``/``awake``/``restless`` are wake, others asleep); a log without stages is one
``asleep`` interval from ``startTime`` to ``endTime``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from novamind_core.biometrics.daily import WearableRecords
from novamind_core.biometrics.problems import ProblemCollector

DEVICE = "Fitbit"
STAGE_MAP = {"wake": "awake", "awake": "awake", "restless": "awake", "light": "light", "deep": "deep", "rem": "rem",
             "asleep": "asleep"}


MAX_SLEEP_SEGMENT_S = 2 * 86_400
"""Longest sleep record or stage segment accepted (two days); anything longer is a corrupt export."""


def _local(times: list[str], tz: str, fmt: str | None, problems: ProblemCollector, where: list[tuple[int, str]]):
    # only text is a Fitbit date-time (a number would be read as nanoseconds since 1970); years outside
    # 1970-2100 are refused so later arithmetic cannot overflow
    text = pd.Series([t if isinstance(t, str) else None for t in times], dtype=object)
    parsed = pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce")
    parsed = parsed.where((parsed.dt.year >= 1970) & (parsed.dt.year <= 2100))
    for i in np.flatnonzero(parsed.isna().to_numpy()):
        row, col = where[i]
        problems.add("not a Fitbit date-time", row=row, column=col, value=times[i])
    return parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")


def _entries(value: object, field: str, name: str, problems: ProblemCollector) -> list[tuple[int, dict]]:
    """The objects of a JSON list as ``(1-based row, object)``; anything else is a problem naming row and value."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add("expected a list of entries", column=f"{name}:{field}", value=_shown(value))
        return []
    out = []
    for k, item in enumerate(value, 1):
        if isinstance(item, dict):
            out.append((k, item))
        else:
            problems.add("expected an object with dateTime and value", row=k, column=f"{name}:{field}",
                         value=_shown(item))
    return out


def _member(value: object, field: str, name: str, problems: ProblemCollector, row: int | None) -> dict:
    """A JSON object member (``{}`` when absent); any other value is a problem."""
    if value is None or isinstance(value, dict):
        return value or {}
    if field == "value" and isinstance(value, int | float | str) and not isinstance(value, bool):
        return {}  # a plain value where an object could be (e.g. steps "value": "123"): read elsewhere
    problems.add("expected an object", row=row, column=f"{name}:{field}", value=_shown(value))
    return {}


def _shown(value: object) -> object:
    """A bad value as the message shows it: short (a whole nested list is not echoed back)."""
    text = json.dumps(value)[:60] if not isinstance(value, str) else value[:60]
    return text


def read_fitbit_json(sources: str | os.PathLike | Iterable[str | os.PathLike], tz: str = "UTC") -> WearableRecords:
    """Read one or more Fitbit JSON files into :class:`WearableRecords` (times in ``tz``).

    Raises
    ------
    ImportProblems
        Every problem: unreadable JSON (with line and column), unknown layout, bad times or values (row = the
        1-based position of the entry in its list, column = ``file:field``).
    """
    paths = [Path(sources)] if isinstance(sources, (str, os.PathLike)) else [Path(s) for s in sources]
    problems = ProblemCollector(", ".join(p.name for p in paths) or "fitbit")
    hr_t, hr_v, hr_w = [], [], []
    st_t0, st_t1, st_v, st_w = [], [], [], []
    rest_d, rest_v = [], []
    sl_a, sl_b, sl_s, sl_w = [], [], [], []
    for path in paths:  # a handful of files
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            problems.add("the file is not UTF-8 text (a Fitbit JSON export was expected)", column=path.name)
            continue
        except json.JSONDecodeError as exc:
            problems.add(f"not valid JSON ({exc.msg}, column {exc.colno})", row=exc.lineno, column=path.name)
            continue
        name = path.name

        def entries(value, field: str, name: str = name) -> list[tuple[int, dict]]:  # noqa: ANN001 - any JSON
            return _entries(value, field, name, problems)

        def member(value, field: str, row: int | None = None, name: str = name) -> dict:  # noqa: ANN001
            return _member(value, field, name, problems, row)

        if isinstance(data, dict) and ("activities-heart" in data or "activities-heart-intraday" in data):
            heart_days = entries(data.get("activities-heart"), "activities-heart")
            for k, day in heart_days:
                rhr = member(day.get("value"), "value", k).get("restingHeartRate")
                if rhr is not None:
                    rest_d.append(day.get("dateTime"))
                    rest_v.append((rhr, k, f"{name}:restingHeartRate"))
            day0 = heart_days[0][1].get("dateTime") if heart_days else None
            intraday = member(data.get("activities-heart-intraday"), "activities-heart-intraday")
            for k, s in entries(intraday.get("dataset"), "activities-heart-intraday.dataset"):
                hr_t.append(f"{day0} {s.get('time')}")
                hr_v.append((s.get("value"), k, f"{name}:value"))
                hr_w.append((k, f"{name}:time"))
        elif isinstance(data, dict) and ("activities-steps" in data or "activities-steps-intraday" in data):
            intraday = entries(member(data.get("activities-steps-intraday"), "activities-steps-intraday")
                               .get("dataset"), "activities-steps-intraday.dataset")
            days = entries(data.get("activities-steps"), "activities-steps")
            if intraday:
                day0 = days[0][1].get("dateTime") if days else None
                for k, s in intraday:
                    st_t0.append(f"{day0} {s.get('time')}")
                    st_t1.append(60)
                    st_v.append((s.get("value"), k, f"{name}:value"))
                    st_w.append((k, f"{name}:time"))
            else:
                for k, s in days:
                    st_t0.append(f"{s.get('dateTime')} 00:00:00")
                    st_t1.append(86400)
                    st_v.append((s.get("value"), k, f"{name}:value"))
                    st_w.append((k, f"{name}:dateTime"))
        elif (isinstance(data, dict) and "sleep" in data) or (
            isinstance(data, list) and data and isinstance(data[0], dict) and "startTime" in data[0]
        ):
            logs = entries(data["sleep"] if isinstance(data, dict) else data, "sleep")
            for k, log in logs:
                segments = [seg for _, seg in entries(member(log.get("levels"), "levels", k).get("data"),
                                                      "levels.data")]
                if segments:
                    for seg in segments:
                        sl_a.append(seg.get("dateTime"))
                        sl_b.append(seg.get("seconds"))
                        sl_s.append((seg.get("level"), k, f"{name}:level"))
                        sl_w.append((k, f"{name}:dateTime"))
                else:
                    start, end = log.get("startTime"), log.get("endTime")
                    try:
                        if not isinstance(start, str) or not isinstance(end, str):
                            raise TypeError("a Fitbit time is text")
                        secs = (pd.Timestamp(end) - pd.Timestamp(start)).total_seconds()
                    except (ValueError, TypeError, OverflowError):
                        secs = None
                        problems.add("bad startTime/endTime", row=k, column=f"{name}:endTime", value=end)
                    sl_a.append(start)
                    sl_b.append(secs)
                    sl_s.append(("asleep", k, f"{name}:level"))
                    sl_w.append((k, f"{name}:startTime"))
        elif isinstance(data, list) and data and isinstance(data[0], dict) and "dateTime" in data[0]:
            is_hr = isinstance(data[0].get("value"), dict) and "bpm" in data[0]["value"]
            for k, s in entries(data, "samples"):
                if is_hr:
                    hr_t.append(s.get("dateTime"))
                    hr_v.append((member(s.get("value"), "value", k).get("bpm"), k, f"{name}:value.bpm"))
                    hr_w.append((k, f"{name}:dateTime"))
                else:
                    st_t0.append(s.get("dateTime"))
                    st_t1.append(60)
                    st_v.append((s.get("value"), k, f"{name}:value"))
                    st_w.append((k, f"{name}:dateTime"))
        else:
            problems.add("unknown Fitbit JSON layout: expected heart rate, steps or sleep data", column=name)

    def numbers(items, low, high):
        out = np.full(len(items), np.nan)
        for i, (v, row, col) in enumerate(items):  # per entry validation, reporting each bad value
            try:
                if isinstance(v, bool) or not isinstance(v, int | float | str):
                    raise TypeError("true/false, lists and objects are not numbers")
                x = float(v)
            except (TypeError, ValueError, OverflowError):
                problems.add("not a number", row=row, column=col, value=v)
                continue
            if not np.isfinite(x):
                problems.add("not a finite number", row=row, column=col, value=v)
                continue
            if not low <= x <= high:
                problems.add(f"out of range: allowed {low}..{high}", row=row, column=col, value=v)
            out[i] = x
        return out

    def fmt_of(times):
        sample = next((t for t in times if isinstance(t, str)), "")
        return "%m/%d/%y %H:%M:%S" if "/" in sample else None

    hr = pd.DataFrame({"timestamp": _local(hr_t, tz, fmt_of(hr_t), problems, hr_w),
                       "bpm": numbers(hr_v, 20, 250), "device": DEVICE})
    t0 = _local(st_t0, tz, fmt_of(st_t0), problems, st_w)
    steps = pd.DataFrame({"start": t0, "end": t0 + pd.to_timedelta(np.asarray(st_t1, dtype=float), unit="s"),
                          "steps": numbers(st_v, 0, 200_000), "device": DEVICE})
    resting = pd.DataFrame({"date": pd.to_datetime(pd.Series(rest_d, dtype=object), errors="coerce").dt.date,
                            "bpm": numbers(rest_v, 20, 250), "device": DEVICE})
    stages = []
    for level, row, col in sl_s:
        if level not in STAGE_MAP:
            problems.add(f"unknown sleep level; expected one of {sorted(STAGE_MAP)}", row=row, column=col,
                         value=level)
        stages.append(STAGE_MAP.get(level, ""))
    a = _local(sl_a, tz, None, problems, sl_w)
    secs = pd.to_numeric(pd.Series(sl_b, dtype=object), errors="coerce")
    for i in np.flatnonzero(((secs < 0) | (secs > MAX_SLEEP_SEGMENT_S)).to_numpy()):
        row, col = sl_w[i]
        problems.add(f"sleep segment length must be within 0-{MAX_SLEEP_SEGMENT_S} s", row=row, column=col,
                     value=sl_b[i])
    secs = secs.where((secs >= 0) & (secs <= MAX_SLEEP_SEGMENT_S))
    sleep = pd.DataFrame({"start": a, "end": a + pd.to_timedelta(secs.to_numpy(dtype=float), unit="s"),
                          "stage": stages, "device": DEVICE})
    problems.raise_if_any()
    return WearableRecords(steps=steps, heart_rate=hr, resting_hr=resting, sleep=sleep)
