"""CSV imports of questionnaires and medications (pure; every problem reported with row, column and value).

Assessments: ``date, instrument, item1 .. item9`` (``q1``/``item_1`` also accepted; an optional ``total`` column is
checked against the sum). One row per completed questionnaire; items the instrument does not have stay empty
(GAD-7 and ISI use items 1-7).

Medications: ``drug, dose_mg, frequency, start_date`` with optional ``stop_date, reason, stop_reason``. One row per
dose period. Drugs must be in the Novamind catalogue (the twin and the pharmacology models only know those).
Frequency: daily, nightly, twice daily, three times daily, weekly, as needed (``bid``/``tds`` spellings accepted).

Rows are numbered as a spreadsheet shows them (header = row 1).
"""

from __future__ import annotations

import io
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from novamind_core.biometrics.parsers.csv_files import EARLIEST_RECORD_DATE, read_raw_csv
from novamind_core.biometrics.problems import ImportProblems, ProblemCollector
from novamind_core.domain.assessments import Instrument
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.medications import MAX_DOSE_MG, Frequency
from novamind_core.interop.records import AssessmentEntry, ClinicalBatch, MedicationEntry

_ITEM = re.compile(r"^(?:item|q|question)_?(\d{1,2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FREQUENCY_ALIASES = {
    "od": Frequency.DAILY, "once daily": Frequency.DAILY, "qd": Frequency.DAILY, "daily": Frequency.DAILY,
    "nocte": Frequency.NIGHTLY, "at night": Frequency.NIGHTLY, "qhs": Frequency.NIGHTLY, "nightly": Frequency.NIGHTLY,
    "bd": Frequency.TWICE_DAILY, "bid": Frequency.TWICE_DAILY, "twice daily": Frequency.TWICE_DAILY,
    "tds": Frequency.THREE_TIMES_DAILY, "tid": Frequency.THREE_TIMES_DAILY,
    "three times daily": Frequency.THREE_TIMES_DAILY, "weekly": Frequency.WEEKLY, "once weekly": Frequency.WEEKLY,
    "prn": Frequency.AS_NEEDED, "as needed": Frequency.AS_NEEDED,
}
MEDICATION_COLUMNS = ("drug", "dose_mg", "frequency", "start_date", "stop_date", "reason", "stop_reason")
WRONG_MEDICATION_HEADERS = {"dose": "give the dose in mg in a column named dose_mg",
                            "dose_g": "give the dose in mg (column dose_mg); multiply grams by 1000",
                            "dose_mcg": "give the dose in mg (column dose_mg); divide micrograms by 1000"}


def source_name(source: Any, default: str = "upload") -> str:
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    return getattr(source, "name", default)


def _read(source: Any, problems: ProblemCollector) -> pd.DataFrame | None:
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(bytes(source))
    df = read_raw_csv(source, problems)
    if df is None:
        return None
    if df.columns.has_duplicates:
        for col in df.columns[df.columns.duplicated()].unique():
            problems.add("column appears more than once in the header", row=1, column=col)
        return None
    if df.empty:
        problems.add("the file has a header but no data rows", row=2)
        return None
    return df.apply(lambda col: col.str.strip())


def _date(text: str, row: int, column: str, today: date, problems: ProblemCollector) -> date | None:
    if not _ISO_DATE.match(text):
        problems.add("not a date (expected YYYY-MM-DD)" if text else "value is missing", row=row, column=column,
                     value=text)
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        problems.add("not a calendar date", row=row, column=column, value=text)
        return None
    if day > today:
        problems.add("date is in the future", row=row, column=column, value=text)
        return None
    if day < EARLIEST_RECORD_DATE:
        problems.add(f"date out of range: expected {EARLIEST_RECORD_DATE.isoformat()} or later", row=row,
                     column=column, value=text)
        return None
    return day


def parse_assessments_csv(source: Any, *, today: date) -> tuple[ClinicalBatch, list]:
    """Read an assessments CSV; returns ``(batch, problems)`` (the batch holds only clean rows)."""
    name = source_name(source)
    problems = ProblemCollector(name)
    df = _read(source, problems)
    if df is None:
        return ClinicalBatch("assessments", name), problems.problems
    items: dict[int, str] = {}
    for col in df.columns:
        m = _ITEM.match(col)
        if m:
            items[int(m.group(1))] = col
        elif col not in ("date", "instrument", "total"):
            problems.add("unknown column; expected date, instrument, item1..item9 and optionally total", row=1,
                         column=col)
    for required in ("date", "instrument"):
        if required not in df.columns:
            problems.add(f"missing column '{required}' (header has {list(df.columns)})", row=1, column=required)
    if not items:
        problems.add("no item columns; expected item1, item2, ... (one per questionnaire item)", row=1)
    if problems:
        return ClinicalBatch("assessments", name), problems.problems
    out: list[AssessmentEntry] = []
    seen: dict[tuple, int] = {}
    for i, rec in zip(df.index, df.to_dict("records"), strict=True):  # index = spreadsheet row - 2
        row = i + 2
        try:
            instrument = Instrument.parse(rec["instrument"])
        except ValidationError as exc:
            problems.add(str(exc), row=row, column="instrument", value=rec["instrument"])
            continue
        day = _date(rec["date"], row, "date", today, problems)
        answers: list[int] = []
        bad = False
        for k in range(1, max([*items, instrument.item_count]) + 1):
            col = items.get(k)
            text = rec.get(col, "") if col else ""
            if k > instrument.item_count:
                if text:
                    problems.add(f"{instrument.value} has {instrument.item_count} items; leave item {k} empty",
                                 row=row, column=col, value=text)
                    bad = True
                continue
            if col is None:
                problems.add(f"missing column for {instrument.value} item {k}", row=1, column=f"item{k}")
                bad = True
                continue
            if not re.fullmatch(r"-?\d+", text):
                problems.add(f"item {k} must be a whole number {instrument.min_answer}-{instrument.max_answer}"
                             if text else f"{instrument.value} item {k} is missing", row=row, column=col, value=text)
                bad = True
                continue
            value = int(text)
            if not instrument.min_answer <= value <= instrument.max_answer:
                problems.add(f"out of range: {instrument.value} item {k} is scored "
                             f"{instrument.min_answer}-{instrument.max_answer}", row=row, column=col, value=text)
                bad = True
                continue
            answers.append(value)
        total_text = rec.get("total", "")
        if not bad and total_text and total_text != str(sum(answers)):
            problems.add(f"total does not equal the sum of the items ({sum(answers)})", row=row, column="total",
                         value=total_text)
            bad = True
        if bad or day is None:
            continue
        entry = AssessmentEntry(instrument, day, tuple(answers), row=row)
        key = (instrument, day)
        if key in seen:
            problems.add(f"{instrument.value} on {day.isoformat()} appears twice (same as row {seen[key]})", row=row,
                         column="date", value=rec["date"])
            continue
        seen[key] = row
        out.append(entry)
    return ClinicalBatch("assessments", name, assessments=tuple(out)), problems.problems


def _frequency(text: str) -> Frequency | None:
    return FREQUENCY_ALIASES.get(" ".join(text.lower().replace("_", " ").split()))


def parse_medications_csv(source: Any, *, today: date, known_drugs: frozenset[str]) -> tuple[ClinicalBatch, list]:
    """Read a medications CSV; returns ``(batch, problems)``. Overlapping periods of one drug are problems."""
    name = source_name(source)
    problems = ProblemCollector(name)
    df = _read(source, problems)
    if df is None:
        return ClinicalBatch("medications", name), problems.problems
    for col in df.columns:
        if col in WRONG_MEDICATION_HEADERS:
            problems.add(WRONG_MEDICATION_HEADERS[col], row=1, column=col)
        elif col not in MEDICATION_COLUMNS:
            problems.add(f"unknown column; expected {', '.join(MEDICATION_COLUMNS)}", row=1, column=col)
    for required in ("drug", "dose_mg", "start_date"):
        if required not in df.columns:
            problems.add(f"missing column '{required}' (header has {list(df.columns)})", row=1, column=required)
    if problems:
        return ClinicalBatch("medications", name), problems.problems
    out: list[MedicationEntry] = []
    for i, rec in zip(df.index, df.to_dict("records"), strict=True):  # index = spreadsheet row - 2
        row = i + 2
        ok = True
        drug = " ".join(rec["drug"].lower().split())
        if drug not in known_drugs:
            problems.add(f"not a drug in the Novamind catalogue (known: {', '.join(sorted(known_drugs))})"
                         if drug else "value is missing", row=row, column="drug", value=rec["drug"])
            ok = False
        try:
            dose = float(rec["dose_mg"])
            if not 0 < dose <= MAX_DOSE_MG:
                problems.add(f"out of range: dose must be above 0 and at most {MAX_DOSE_MG:g} mg", row=row,
                             column="dose_mg", value=rec["dose_mg"])
                ok = False
        except ValueError:
            problems.add("not a number (mg)" if rec["dose_mg"] else "value is missing", row=row, column="dose_mg",
                         value=rec["dose_mg"])
            ok = False
        freq_text = rec.get("frequency", "") or "daily"
        freq = _frequency(freq_text)
        if freq is None:
            problems.add("unknown frequency; expected daily, nightly, twice daily, three times daily, weekly or "
                         "as needed", row=row, column="frequency", value=freq_text)
            ok = False
        start = _date(rec["start_date"], row, "start_date", today, problems)
        stop_text = rec.get("stop_date", "")
        stop = _date(stop_text, row, "stop_date", today, problems) if stop_text else None
        if stop_text and stop is None:
            ok = False
        if start and stop and stop < start:
            problems.add(f"stop date is before the start date {start.isoformat()}", row=row, column="stop_date",
                         value=stop_text)
            ok = False
        if not ok or start is None:
            continue
        out.append(MedicationEntry(drug, dose, freq, start, stop, rec.get("reason") or None,  # type: ignore[arg-type]
                                   rec.get("stop_reason") or None, row=row))
    for problem in overlapping_periods(out):
        problems.add(problem[1], row=problem[0], column="start_date", value=problem[2])
    return ClinicalBatch("medications", name, medications=tuple(out)), problems.problems


def overlapping_periods(entries: list[MedicationEntry] | tuple[MedicationEntry, ...],
                        stored: tuple[tuple[str, date, date | None], ...] = ()) -> list[tuple[int | None, str, str]]:
    """Periods of the same drug that overlap (a stop on day d and a start on day d do not overlap).

    ``stored`` adds ``(drug, start, stop)`` periods already in the record. Returns ``[(row, message, value)]``.
    """
    out = []
    periods = [(e.drug, e.start_date, e.stop_date, e.row) for e in entries] + [(d, s, e, None) for d, s, e in stored]
    by_drug: dict[str, list] = {}
    for p in periods:
        by_drug.setdefault(p[0], []).append(p)
    far = date.max
    for drug, ps in by_drug.items():
        ps.sort(key=lambda p: (p[1], p[3] is not None))
        for a, b in zip(ps, ps[1:], strict=False):
            if b[1] < (a[2] or far):
                where = f"row {a[3]}" if a[3] is not None else "a stored order"
                row = b[3] if b[3] is not None else a[3]
                out.append((row, f"{drug} period overlaps {where} (starting {a[1].isoformat()}); end one period "
                                 "before the next starts", b[1].isoformat()))
    return out


def read_assessments_csv(source: Any, *, today: date) -> ClinicalBatch:
    batch, problems = parse_assessments_csv(source, today=today)
    if problems:
        raise ImportProblems(batch.source, problems)
    return batch


def read_medications_csv(source: Any, *, today: date, known_drugs: frozenset[str]) -> ClinicalBatch:
    batch, problems = parse_medications_csv(source, today=today, known_drugs=known_drugs)
    if problems:
        raise ImportProblems(batch.source, problems)
    return batch
