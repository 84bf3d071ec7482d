"""CSV parsers: minute-level activity (timestamp, counts) and daily summaries.

Both read every row before judging, collect every problem (row, column, value, reason) and raise one
:class:`~novamind_core.biometrics.problems.ImportProblems`; a file with any problem yields nothing. Row numbers are
as a spreadsheet shows them: the header is row 1.

Time zones: a timestamp with an offset (``2024-01-01T08:00:00+01:00`` or ``...Z``) is converted to ``tz``; a naive
one is taken as wall-clock time in ``tz``. Local times that do not exist (spring-forward) are reported; repeated
ones (fall-back) are resolved by order when possible, else reported.
"""

from __future__ import annotations

import io
import os
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from novamind_core.biometrics.grid import to_minute_grid
from novamind_core.biometrics.problems import ProblemCollector

ACTIVITY_TIME_NAMES = ("timestamp", "time", "datetime", "date_time")
ACTIVITY_COUNT_NAMES = ("counts", "count", "activity", "counts_per_min", "counts_per_minute", "activity_counts")
DAILY_COLUMNS = {
    # canonical name: (accepted header names, lowest, highest, integer?) - plausibility limits, not clinical norms
    "steps": (("steps", "step_count"), 0, 100_000, True),
    "sleep_minutes": (("sleep_minutes", "sleep_min", "minutes_asleep"), 0, 1440, False),
    "resting_hr": (("resting_hr", "resting_hr_bpm", "resting_heart_rate"), 25, 220, False),
    "hrv_rmssd": (("hrv_rmssd", "hrv_rmssd_ms", "rmssd", "rmssd_ms"), 1, 300, False),
}
#: Headers that carry a wrong unit or a different statistic, with what to do instead.
WRONG_UNIT_HEADERS = {
    "sleep_hours": "sleep must be in minutes (column sleep_minutes); multiply hours by 60",
    "sleep_h": "sleep must be in minutes (column sleep_minutes); multiply hours by 60",
    "sleep_seconds": "sleep must be in minutes (column sleep_minutes); divide seconds by 60",
    "hrv_sdnn": "SDNN is a different HRV statistic from RMSSD; give RMSSD in ms (column hrv_rmssd)",
    "sdnn": "SDNN is a different HRV statistic from RMSSD; give RMSSD in ms (column hrv_rmssd)",
    "resting_hr_bps": "heart rate must be in beats per minute (column resting_hr)",
    "counts_per_second": "activity must be counts per 1-minute epoch (column counts)",
    "counts_per_15s": "activity must be counts per 1-minute epoch (column counts)",
    "counts_per_30s": "activity must be counts per 1-minute epoch (column counts)",
}
_AWARE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


#: The earliest day a wearable, questionnaire or medication record may carry; earlier dates are typing errors (and
#: out of range for nanosecond timestamps, which end in 1677 and 2262).
EARLIEST_RECORD_DATE = date(1900, 1, 1)
LATEST_RECORD_YEAR = 2200
#: Activity counts are whole numbers per 1-minute epoch; the ceiling is a plausibility limit far above any device's
#: output that also keeps every stored count inside the int32 the day is packed as.
MAX_COUNTS_PER_MINUTE = 1_000_000
_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def read_raw_csv(source: str | os.PathLike | io.IOBase, problems: ProblemCollector) -> pd.DataFrame | None:
    """Every cell as text with lower-case, trimmed column names; an unreadable or empty file becomes a problem.

    Rows keep their spreadsheet numbers (the index is ``row - 2``): wholly blank rows are dropped but not renumbered,
    a short row is padded with empty cells, and a row with more fields than the header is a problem naming that row
    (pandas would otherwise turn the extra fields into an index). A header that names a column twice is a problem.
    """
    try:
        df = pd.read_csv(source, dtype=str, keep_default_na=False, skipinitialspace=True, header=None,
                         skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        problems.add("the file is empty: expected a header row and data rows", row=1)
        return None
    except pd.errors.ParserError as exc:
        found = _FIELD_COUNT.search(str(exc))
        if found:
            expected, line, saw = (int(g) for g in found.groups())
            problems.add(f"this row has {saw} fields but the header has {expected} columns (an extra separator, or "
                         "a value with a comma that is not in quotes?)", row=line, value=saw)
        else:
            problems.add(f"not a readable CSV file ({str(exc).splitlines()[0]})")
        return None
    except (UnicodeDecodeError, ValueError, OverflowError) as exc:
        problems.add(f"not a readable CSV file ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})")
        return None
    if df.empty:
        problems.add("the file is empty: expected a header row and data rows", row=1)
        return None
    header = [str(c).strip().lower() for c in df.iloc[0].fillna("")]
    seen: set[str] = set()
    for col in header:
        if col in seen:
            problems.add("column appears more than once in the header", row=1, column=col)
        seen.add(col)
    if len(seen) < len(header):
        return None
    body = df.iloc[1:].fillna("")
    body.columns = header
    body.index = pd.RangeIndex(0, len(body))
    blank = (body == "").all(axis=1)
    return body[~blank] if blank.any() else body


def _source_name(source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    return getattr(source, "name", "upload")


def _check_header(df: pd.DataFrame, problems: ProblemCollector) -> None:
    for col in df.columns:
        if col in WRONG_UNIT_HEADERS:
            problems.add(WRONG_UNIT_HEADERS[col], row=1, column=col)
    if df.columns.has_duplicates:
        for col in df.columns[df.columns.duplicated()].unique():
            problems.add("column appears more than once in the header", row=1, column=col)


def _find(df: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    return next((c for c in df.columns if c in names), None)


def parse_timestamps(raw: pd.Series, tz: str, column: str, problems: ProblemCollector,
                     row_offset: int = 2) -> pd.Series:
    """Parse text timestamps to tz-aware ``tz`` times; bad cells are reported and come back as NaT."""
    text = raw.astype(str).str.strip()
    year = pd.to_numeric(text.str.extract(r"^(\d{4})-", expand=False), errors="coerce")
    too_far = (year < EARLIEST_RECORD_DATE.year) | (year > LATEST_RECORD_YEAR)
    for i in text.index[too_far]:
        problems.add(f"date out of range: expected a year from {EARLIEST_RECORD_DATE.year} to {LATEST_RECORD_YEAR}",
                     row=int(i) + row_offset, column=column, value=text[i])
    reported: set = set(text.index[too_far])
    text = text.where(~too_far, "")
    aware = text.str.contains(_AWARE)
    out = pd.Series(pd.NaT, index=text.index, dtype=f"datetime64[ns, {tz}]")
    if aware.any():
        parsed = pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce")
        out[aware] = parsed.dt.tz_convert(tz)
    naive = ~aware
    dst_bad: set = reported
    if naive.any():
        parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        ok = parsed.notna()
        try:
            local = parsed[ok].dt.tz_localize(tz, ambiguous="infer", nonexistent="NaT")
        except Exception:  # ambiguous times that order cannot resolve (pytz/zoneinfo raise different types)
            local = parsed[ok].dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        dst = local.isna()
        for i in local.index[dst]:  # only the (rare) bad cells
            dst_bad.add(i)
            problems.add(f"local time does not exist or is ambiguous in time zone {tz} (daylight-saving change)",
                         row=int(i) + row_offset, column=column, value=text[i])
        out[local.index] = local
    bad_format = out.isna() & ~text.index.isin(list(dst_bad))
    for i in text.index[bad_format]:
        problems.add("not a date-time (expected ISO 8601, e.g. 2024-03-01T08:15:00 or 2024-03-01 08:15:00+01:00)",
                     row=int(i) + row_offset, column=column, value=text[i])
    return out


def _parse_numbers(raw: pd.Series, column: str, low: float, high: float | None, integer: bool,
                   problems: ProblemCollector, allow_empty: bool = False, unit: str = "") -> pd.Series:
    text = raw.astype(str).str.strip()
    empty = text == ""
    values = pd.to_numeric(text.where(~empty), errors="coerce")
    bad = values.isna() & ~empty
    for i in text.index[bad]:
        problems.add("not a number", row=int(i) + 2, column=column, value=text[i])
    if not allow_empty:
        for i in text.index[empty]:
            problems.add("value is missing", row=int(i) + 2, column=column, value="")
    v = values.to_numpy(dtype=np.float64)
    unit_txt = f" {unit}" if unit else ""
    upper = np.inf if high is None else high
    out_of_range = ~np.isnan(v) & ~np.isinf(v) & ((v < low) | (v > upper))
    for i in np.flatnonzero(out_of_range):
        hi = f"..{high}" if high is not None else " or more"
        problems.add(f"out of range: allowed {low}{hi}{unit_txt}", row=int(text.index[i]) + 2, column=column,
                     value=text.iloc[i])
    non_finite = np.isinf(v)
    for i in np.flatnonzero(non_finite):
        problems.add("not a finite number", row=int(text.index[i]) + 2, column=column, value=text.iloc[i])
    if integer:
        frac = ~np.isnan(v) & ~np.isinf(v) & (v != np.round(v))
        for i in np.flatnonzero(frac):
            problems.add("must be a whole number", row=int(text.index[i]) + 2, column=column, value=text.iloc[i])
    return values


def read_activity_csv(source: str | os.PathLike | io.IOBase, tz: str = "UTC", *,
                      fill_grid: bool = True) -> pd.Series:
    """Read a minute-level activity CSV (columns ``timestamp, counts``) into a 1-minute counts series in ``tz``.

    Checks: both columns present (aliases in ``ACTIVITY_*_NAMES``), no wrong-unit headers, every timestamp a
    date-time, every count a whole number from 0 to ``MAX_COUNTS_PER_MINUTE``, no repeated timestamp
    (duplicate), no two rows in the same minute
    (overlapping epochs), and 1-minute epochs (the median step between rows must be 60 s).

    Raises
    ------
    ImportProblems
        With every problem found (row, column, value, message).
    """
    name = _source_name(source)
    problems = ProblemCollector(name)
    df = read_raw_csv(source, problems)
    if df is None:
        problems.raise_if_any()
    _check_header(df, problems)
    t_col = _find(df, ACTIVITY_TIME_NAMES)
    c_col = _find(df, ACTIVITY_COUNT_NAMES)
    if t_col is None:
        problems.add(f"missing column 'timestamp' (header has {list(df.columns)})", row=1, column="timestamp")
    if c_col is None:
        problems.add(f"missing column 'counts' (header has {list(df.columns)})", row=1, column="counts")
    if t_col is None or c_col is None or problems:
        problems.raise_if_any()
    if df.empty:
        problems.add("the file has a header but no data rows", row=2)
        problems.raise_if_any()
    times = parse_timestamps(df[t_col], tz, t_col, problems)
    counts = _parse_numbers(df[c_col], c_col, 0, MAX_COUNTS_PER_MINUTE, True, problems, unit="counts per minute")
    ok = times.notna()
    dup = times.duplicated(keep="first") & ok
    for i in times.index[dup]:
        first = int(times.index[(times == times[i]).to_numpy()][0]) + 2
        problems.add(f"duplicate timestamp (same as row {first})", row=int(i) + 2, column=t_col,
                     value=df[t_col][i])
    epoch_ok = True
    if ok.sum() >= 3:
        steps = times[ok].sort_values().diff().dt.total_seconds().to_numpy()[1:].round().astype(np.int64)
        positive = steps[steps > 0]
        epoch_s = int(np.median(positive)) if positive.size else 60  # the typical step; gaps are longer
        if epoch_s != 60:
            epoch_ok = False
            problems.add(f"epochs are {epoch_s} s apart; expected 1-minute (60 s) epochs", column=t_col,
                         value=epoch_s)
    minute = times.dt.floor("min")
    overlap = minute.duplicated(keep="first") & ok & ~dup & epoch_ok
    for i in times.index[overlap]:
        problems.add("overlaps another row in the same 1-minute epoch", row=int(i) + 2, column=t_col,
                     value=df[t_col][i])
    problems.raise_if_any()
    series = pd.Series(counts.to_numpy(dtype=np.float64), index=pd.DatetimeIndex(times), name="counts")
    return to_minute_grid(series) if fill_grid else series.sort_index()


def read_daily_csv(source: str | os.PathLike | io.IOBase) -> pd.DataFrame:
    """Read daily summaries (``date, steps, sleep_minutes, resting_hr, hrv_rmssd``; metric columns optional).

    Units: steps per day, sleep in minutes, resting heart rate in bpm, RMSSD in ms. Empty cells are allowed
    (device not worn) and become NaN. Checks: a ``date`` column and at least one metric column, no wrong-unit
    headers (``sleep_hours``, ``hrv_sdnn``, ...), unknown columns, ISO dates (YYYY-MM-DD), duplicate dates,
    numbers inside plausibility limits.

    Returns
    -------
    pandas.DataFrame
        Columns ``date`` (datetime.date) and the four metrics (float, NaN where empty), sorted by date.
    """
    name = _source_name(source)
    problems = ProblemCollector(name)
    df = read_raw_csv(source, problems)
    if df is None:
        problems.raise_if_any()
    _check_header(df, problems)
    if "date" not in df.columns:
        problems.add(f"missing column 'date' (header has {list(df.columns)})", row=1, column="date")
    found: dict[str, str] = {}
    known = {"date"} | set(WRONG_UNIT_HEADERS)
    for canon, (names, *_rest) in DAILY_COLUMNS.items():
        known.update(names)
        col = _find(df, names)
        if col is not None:
            found[canon] = col
    for col in df.columns:
        if col not in known:
            problems.add(f"unknown column; expected date, {', '.join(DAILY_COLUMNS)}", row=1, column=col)
    if not found:
        problems.add(f"no metric column; expected at least one of {', '.join(DAILY_COLUMNS)}", row=1)
    if problems:
        problems.raise_if_any()
    if df.empty:
        problems.add("the file has a header but no data rows", row=2)
        problems.raise_if_any()
    text = df["date"].astype(str).str.strip()
    iso = text.str.match(_ISO_DATE)
    year = pd.to_numeric(text.str.slice(0, 4).where(iso), errors="coerce")
    too_far = (year < EARLIEST_RECORD_DATE.year) | (year > LATEST_RECORD_YEAR)
    for i in text.index[too_far]:
        problems.add(f"date out of range: expected a year from {EARLIEST_RECORD_DATE.year} to {LATEST_RECORD_YEAR}",
                     row=int(i) + 2, column="date", value=text[i])
    dates = pd.to_datetime(text.where(iso & ~too_far), format="%Y-%m-%d", errors="coerce")
    for i in text.index[dates.isna() & ~too_far]:
        problems.add("not a date (expected YYYY-MM-DD)", row=int(i) + 2, column="date", value=text[i])
    dup = dates.duplicated(keep="first") & dates.notna()
    for i in text.index[dup]:
        first = int(text.index[(dates == dates[i]).to_numpy()][0]) + 2
        problems.add(f"duplicate date (same as row {first})", row=int(i) + 2, column="date", value=text[i])
    out = pd.DataFrame({"date": dates.dt.date})
    units = {"steps": "steps", "sleep_minutes": "min", "resting_hr": "bpm", "hrv_rmssd": "ms"}
    for canon, (_names, low, high, integer) in DAILY_COLUMNS.items():
        if canon in found:
            out[canon] = _parse_numbers(df[found[canon]], found[canon], low, high, integer, problems,
                                        allow_empty=True, unit=units[canon]).to_numpy(dtype=np.float64)
        else:
            out[canon] = np.nan
    problems.raise_if_any()
    return out.sort_values("date").reset_index(drop=True)
