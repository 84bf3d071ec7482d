"""From chart data to the twin's inputs: assessments, medication orders, adherence notes, PGx and wearables.

Pure mapping (no database, no Streamlit): the twin service reads the chart through the repositories and calls
:func:`build_inputs`, which returns a frozen :class:`TwinInputs` holding

* ``history``: the dict :meth:`novamind_core.twin.PatientHistory.from_dict` accepts. Day 0 (``origin``) is the earlier
  of the first PHQ-9/GAD-7 and the first start of a catalogue drug; assessment times are days from it; medications
  are step-format steps from day 0 to the latest PHQ-9 (the twin's "now", ``as_of``);
* ``biometrics``: means of the last :data:`BIOMETRIC_WINDOW_DAYS` days of wearable daily summaries;
* ``completeness``: what the twin is based on and what is missing, in words, with how to add it;
* ``digests``: one SHA-256 per input category, so the service stores a new twin version only when an input changed
  and can say which (:func:`changed_categories`, :func:`trigger_for`).

Simplifications, stated where the user sees them: the step format is sequential, so on days with two orders the
most recently started one is simulated; drugs outside the catalogue (e.g. quetiapine, lithium) are listed as not
modelled; "as needed" orders are not simulated. Adherence comes from the newest adherence note
(:func:`adherence_from_note`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from novamind_core.domain.dates import day_month_year
from novamind_core.domain.phenotypes import phenotype_code
from novamind_core.domain.twin import SnapshotTrigger

#: Wearable days averaged into the twin's biometric summary (two weeks smooths weekday/weekend rhythm).
BIOMETRIC_WINDOW_DAYS = 14

#: Doses per day -> dosing interval in hours (``Frequency`` values of ``domain.medications``).
INTERVAL_H: dict[str, float] = {"daily": 24.0, "nightly": 24.0, "twice daily": 12.0, "three times daily": 8.0,
                                "weekly": 168.0}

#: Adherence read from words in a note when it gives no number. Assumed values around the conventional 80%
#: adherence threshold (Osterberg & Blaschke 2005, N Engl J Med 353:487); a modelling choice, shown to the user.
ADHERENCE_WORDS: tuple[tuple[str, float], ...] = (
    (r"\b(poor|rarely|often miss|frequently miss|stopped taking|not taking)", 0.6),
    (r"\b(partial|sometimes|occasionally|some missed|irregular|forgets)", 0.8),
    (r"\b(good|full|always|excellent|fully|no missed|never miss|adherent|reliabl)", 1.0),
)

CATEGORY_LABELS: dict[str, str] = {"assessments": "assessments", "medications": "medications and adherence",
                                   "pgx": "pharmacogenomics", "biometrics": "wearable data",
                                   "model": "model version"}
_TRIGGER_ORDER: tuple[tuple[str, SnapshotTrigger], ...] = (
    ("assessments", SnapshotTrigger.ASSESSMENT), ("medications", SnapshotTrigger.MEDICATION),
    ("biometrics", SnapshotTrigger.BIOMETRICS), ("pgx", SnapshotTrigger.MANUAL),
    ("model", SnapshotTrigger.CALIBRATION),
)


@dataclass(frozen=True)
class CompletenessItem:
    """One input the twin may use: ``status`` is ``"present"``, ``"partial"`` or ``"missing"``."""

    source: str
    status: str
    detail: str
    how_to_add: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "status": self.status, "detail": self.detail, "how_to_add": self.how_to_add}


@dataclass(frozen=True)
class MedicationEvent:
    """A start, dose change, switch or stop on the chart, for timeline markers (``day`` from ``origin``)."""

    on: date
    label: str
    kind: str


@dataclass(frozen=True)
class TwinInputs:
    """Everything the twin needs about one patient, JSON-ready (see module docstring)."""

    origin: date
    as_of: date
    as_of_day: int
    history: dict[str, Any]
    biometrics: dict[str, float] | None
    completeness: tuple[CompletenessItem, ...]
    digests: dict[str, str]
    not_modelled: tuple[str, ...] = ()
    adherence_basis: str = ""
    current_drugs: tuple[tuple[str, float], ...] = ()
    phq9_observed: tuple[tuple[date, int], ...] = field(default=(), repr=False)
    #: Phenotypes recorded on the chart (engine codes; ``None`` where not recorded and normal is assumed).
    chart_cyp2d6: str | None = None
    chart_cyp2c19: str | None = None
    #: The chart's actual regimen from ``origin`` to ``as_of`` inclusive (step format): what the twin state, the
    #: simulation's week 0 and the timelines read levels and occupancy on ``as_of`` from (``history`` stops the day
    #: before, where a plan takes over).
    regimen_steps: tuple[dict[str, Any], ...] = ()


def adherence_from_note(note: str | None) -> tuple[float | None, str]:
    """Fraction of doses taken read from an adherence note, and how it was read.

    Rules, first match wins: a percentage (``"about 70%"`` -> 0.70); missed doses per week
    (``"misses 2 doses a week"`` -> 1 - 2/7); words (:data:`ADHERENCE_WORDS`). Otherwise ``None`` (not understood).
    """
    if not note or not note.strip():
        return None, "no adherence note"
    text = note.lower()
    pct = re.search(r"(\d{1,3}(?:\.\d+)?)\s*%", text)
    if pct and 0 <= float(pct.group(1)) <= 100:
        return round(float(pct.group(1)) / 100.0, 4), f"note gives {float(pct.group(1)):g}% of doses taken"
    weekly = re.search(r"miss\w*\s+(?:about\s+|around\s+|~)?(\d)\s+(?:doses?|days?|tablets?)\s+(?:a|per|each)\s+week",
                       text)
    if weekly:
        n = int(weekly.group(1))
        return round(max(0.0, 1.0 - n / 7.0), 4), f"note says {n} missed doses a week"
    for pattern, value in ADHERENCE_WORDS:
        if re.search(pattern, text):
            return value, f"note read as {value:.0%} of doses taken (assumed from its wording)"
    return None, "adherence note not understood"


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]


def _daily_orders(orders: Sequence[Any], catalogue_drugs: Iterable[str], origin: date, end: date
                  ) -> tuple[list[dict[str, Any]], set[str]]:
    """Run-length steps of the most recently started catalogue order on each day in ``[origin, end)``."""
    known = set(catalogue_drugs)
    not_modelled: set[str] = set()
    per_day: list[tuple[str, float, float]] = []
    usable = []
    for o in orders:
        freq = getattr(o.frequency, "value", o.frequency)
        if o.drug not in known or freq not in INTERVAL_H:
            not_modelled.add(o.drug if o.drug not in known else f"{o.drug} ({freq})")
            continue
        usable.append(o)
    usable.sort(key=lambda o: (o.start_date, o.id))
    for k in range((end - origin).days):
        day = origin + timedelta(days=k)
        on = [o for o in usable if o.start_date <= day and (o.stop_date is None or day < o.stop_date)]
        if on:
            o = on[-1]
            per_day.append((o.drug, float(o.dose_mg), INTERVAL_H[getattr(o.frequency, "value", o.frequency)]))
        else:
            per_day.append(("none", 0.0, 24.0))
    steps: list[dict[str, Any]] = []
    for key in per_day:
        if steps and (steps[-1]["drug"], steps[-1].get("dose_mg", 0.0), steps[-1].get("interval_h", 24.0)) == key:
            steps[-1]["days"] += 1
            continue
        drug, dose, interval = key
        steps.append({"drug": "none", "days": 1} if drug == "none"
                     else {"drug": drug, "dose_mg": dose, "days": 1, "interval_h": interval})
    return steps, not_modelled


def medication_steps(orders: Sequence[Any], catalogue_drugs: Iterable[str], origin: date, end: date
                     ) -> list[dict[str, Any]]:
    """The chart's orders as step-format steps covering ``[origin, end)`` (see module docstring)."""
    return _daily_orders(orders, catalogue_drugs, origin, end)[0]


def medication_events(orders: Sequence[Any]) -> tuple[MedicationEvent, ...]:
    """Starts, dose changes, switches and stops, oldest first, labelled with drug and dose."""
    events: list[MedicationEvent] = []
    continued = {o.previous_id for o in orders if o.previous_id is not None}
    for o in orders:
        kind = getattr(o.change_kind, "value", o.change_kind)
        verb = {"start": "start", "titrate": "dose", "switch": "switch to"}.get(kind, "start")
        events.append(MedicationEvent(o.start_date, f"{verb} {o.drug} {o.dose_mg:g} mg", kind))
        if o.stop_date is not None and o.id not in continued:
            events.append(MedicationEvent(o.stop_date, f"stop {o.drug}", "stop"))
    return tuple(sorted(events, key=lambda e: e.on))


def biometric_summary(daily_rows: Sequence[Any]) -> dict[str, float] | None:
    """Means over the last :data:`BIOMETRIC_WINDOW_DAYS` days with data (steps, sleep, resting HR, HRV)."""
    if not daily_rows:
        return None
    last = max(r.day for r in daily_rows)
    window = [r for r in daily_rows if (last - r.day).days < BIOMETRIC_WINDOW_DAYS]
    out: dict[str, float] = {"days_with_data": float(len({r.day for r in window}))}
    for name, key in (("steps", "mean_steps_per_day"), ("sleep_minutes", "mean_sleep_minutes"),
                      ("resting_hr", "mean_resting_hr_bpm"), ("hrv_rmssd", "mean_hrv_rmssd_ms")):
        values = [float(getattr(r, name)) for r in window if getattr(r, name) is not None]
        if values:
            out[key] = round(sum(values) / len(values), 2)
    out["last_day_ordinal"] = float(last.toordinal())
    return out


def _series_item(name: str, records: Sequence[Any], how: str) -> CompletenessItem:
    if not records:
        return CompletenessItem(name, "missing", f"No {name} yet.", how)
    first, last = records[0].administered_on, records[-1].administered_on
    return CompletenessItem(name, "present" if len(records) >= 2 else "partial",
                            f"{len(records)} on record, {day_month_year(first)} to {day_month_year(last)}"
                            + _total_only_detail(records)
                            + ("" if len(records) >= 2 else " (one score: change cannot be estimated)"),
                            None if len(records) >= 2 else how)


def _latest_items(records: Sequence[Any]) -> list[int] | None:
    """Item answers of the newest assessment; None when it is total-only (imported without item answers): the
    symptom domains (item 9 included) are then unknown rather than taken from an older assessment, and the total
    still enters the symptom history."""
    return list(records[-1].answers) if records and records[-1].answers else None


def _total_only_detail(records: Sequence[Any]) -> str:
    n = sum(1 for a in records if not a.answers)
    return f"; {n} total-only (item answers not available)" if n else ""


def build_inputs(patient: Any, assessments: Sequence[Any], orders: Sequence[Any], daily_rows: Sequence[Any],
                 catalogue_drugs: Iterable[str], model_version: str, today: date) -> TwinInputs:
    """Map one patient's chart to the twin's inputs (see module docstring).

    Parameters
    ----------
    patient : Patient (``cyp2d6``, ``cyp2c19``)
    assessments : AssessmentRecord, oldest first (item-level ``answers``)
    orders : MedicationOrder, oldest first
    daily_rows : wearable daily summaries (``day``, ``steps``, ``sleep_minutes``, ``resting_hr``, ``hrv_rmssd``)
    catalogue_drugs : names the pharmacology catalogue simulates
    model_version : the twin model's version and calibration provenance (a change is a new version's trigger)
    today : the clinic's today (medication history for timelines ends here)
    """
    drugs = set(catalogue_drugs) - {"placebo"}
    by = {name: [a for a in assessments if a.instrument.value == name] for name in ("PHQ-9", "GAD-7", "ISI")}
    phq, gad, isi = by["PHQ-9"], by["GAD-7"], by["ISI"]
    starts = [o.start_date for o in orders if o.drug in drugs]
    dated = [a.administered_on for a in phq + gad]
    origin = min(dated + starts) if (dated or starts) else today
    as_of = phq[-1].administered_on if phq else max(today, origin)
    # with PHQ-9 the twin's "now" is the latest PHQ-9 (the posterior ends there); without, it is today
    steps, not_modelled = _daily_orders(orders, drugs, origin, as_of if phq else as_of + timedelta(days=1))
    through = _daily_orders(orders, drugs, origin, as_of + timedelta(days=1))[0] if phq else steps
    notes = [o for o in orders if o.adherence_note]
    adherence, basis = adherence_from_note(notes[-1].adherence_note if notes else None)
    cyp2d6, cyp2c19 = phenotype_code(patient.cyp2d6), phenotype_code(patient.cyp2c19)
    history: dict[str, Any] = {
        "phq9": [[(a.administered_on - origin).days, a.total] for a in phq],
        "gad7": [[(a.administered_on - origin).days, a.total] for a in gad],
        "medications": steps, "adherence": adherence if adherence is not None else 1.0,
        "cyp2d6": cyp2d6 or "NM", "cyp2c19": cyp2c19 or "NM",
        "phq9_items": _latest_items(phq),
        "gad7_items": _latest_items(gad),
        "isi_items": _latest_items(isi),
    }
    biometrics = biometric_summary(daily_rows)
    active = tuple((o.drug, float(o.dose_mg)) for o in orders if o.stop_date is None)

    items = [
        _series_item("PHQ-9", phq, "Record a PHQ-9 in Assessments: the twin's symptom model is fitted to PHQ-9."),
        _series_item("GAD-7", gad, "Record a GAD-7 in Assessments for the anxiety domain."),
        CompletenessItem("ISI", "present" if isi else "missing",
                         f"latest on {day_month_year(isi[-1].administered_on)}" if isi else "No ISI: sleep comes from "
                         "PHQ-9 item 3 only.", None if isi else "Record an ISI for a better sleep domain."),
    ]
    if orders:
        detail = f"{len(orders)} order(s); simulated: {', '.join(sorted({o.drug for o in orders} & drugs)) or 'none'}"
        if not_modelled:
            detail += f"; not modelled: {', '.join(sorted(not_modelled))}"
        items.append(CompletenessItem("Medications", "partial" if not_modelled else "present", detail,
                                      "Drugs outside the catalogue are not simulated." if not_modelled else None))
    else:
        items.append(CompletenessItem("Medications", "missing", "No medication orders: the twin assumes no drug.",
                                      "Add medications on the Patient page."))
    later = [o for o in orders if o.drug in drugs and phq
             and (o.start_date > as_of or (o.stop_date is not None and o.stop_date > as_of))]
    if later:
        items.append(CompletenessItem(
            "Recent medication changes", "partial",
            f"{len(later)} change(s) after the latest PHQ-9 ({day_month_year(as_of)}) enter the twin with the next "
            "PHQ-9; Timelines already shows their plasma levels and occupancy.", "Record a PHQ-9 today."))
    items.append(CompletenessItem(
        "Adherence", "present" if adherence is not None else "missing",
        basis + ("" if adherence is not None else ": full adherence assumed"),
        None if adherence is not None else "Add an adherence note to the current medication."))
    pgx_missing = [g for g, v in (("CYP2D6", cyp2d6), ("CYP2C19", cyp2c19)) if v is None]
    items.append(CompletenessItem(
        "Pharmacogenomics", "missing" if len(pgx_missing) == 2 else ("partial" if pgx_missing else "present"),
        f"CYP2D6 {cyp2d6 or 'not recorded'}, CYP2C19 {cyp2c19 or 'not recorded'}"
        + (" (normal metaboliser assumed where not recorded)" if pgx_missing else ""),
        "Record CYP2D6/CYP2C19 phenotypes on the patient's details." if pgx_missing else None))
    items.append(CompletenessItem(
        "Wearables", "present" if biometrics else "missing",
        f"{int(biometrics['days_with_data'])} day(s) in the last {BIOMETRIC_WINDOW_DAYS} days with data"
        if biometrics else "No wearable data (biometric summaries are shown, not used by the symptom model).",
        None if biometrics else "Import wearable data in Data import."))

    digests = {
        "assessments": _digest([(a.administered_on, a.instrument.value, list(a.answers)) for a in assessments]),
        "medications": _digest([steps if phq else [(o.drug, o.dose_mg, str(o.frequency), o.start_date, o.stop_date)
                                                   for o in orders], history["adherence"]]
                               + _as_of_day_change(steps, through)),
        "pgx": _digest([cyp2d6, cyp2c19]),
        "biometrics": _digest(biometrics),
        "model": _digest(model_version),
    }
    return TwinInputs(origin=origin, as_of=as_of, as_of_day=(as_of - origin).days, history=history,
                      biometrics=biometrics,
                      completeness=tuple(items), digests=digests, not_modelled=tuple(sorted(not_modelled)),
                      adherence_basis=basis, current_drugs=active,
                      phq9_observed=tuple((a.administered_on, a.total) for a in phq),
                      chart_cyp2d6=cyp2d6, chart_cyp2c19=cyp2c19, regimen_steps=tuple(through))


def _step_key(step: dict[str, Any] | None) -> tuple[Any, ...] | None:
    return None if step is None else (step["drug"], step.get("dose_mg", 0.0), step.get("interval_h", 24.0))


def _as_of_day_change(steps: Sequence[dict[str, Any]], through: Sequence[dict[str, Any]]) -> list[Any]:
    """The regimen on the ``as_of`` day when it differs from the day before (so a change on the day of the latest
    PHQ-9 is a medication change of the twin); empty otherwise, which keeps unchanged charts' digests as they were."""
    if not through:
        return []
    before = _step_key(steps[-1]) if steps else None
    return [] if _step_key(through[-1]) == before else [list(_step_key(through[-1]) or ())]


def changed_categories(previous: dict[str, str] | None, current: dict[str, str]) -> tuple[str, ...]:
    """Categories whose digest differs (all categories with data when there is no previous version)."""
    if not previous:
        return tuple(k for k, _ in _TRIGGER_ORDER)
    return tuple(k for k, _ in _TRIGGER_ORDER if previous.get(k) != current.get(k))


def trigger_for(changed: Sequence[str]) -> SnapshotTrigger:
    """The stored trigger: the first changed category in the order assessments, medications, wearables, PGx, model."""
    for key, trigger in _TRIGGER_ORDER:
        if key in changed:
            return trigger
    return SnapshotTrigger.MANUAL


def describe_changes(changed: Sequence[str], first: bool = False) -> str:
    """``"new assessments, medications and adherence"`` for the version timeline."""
    if first:
        return "first twin from the chart"
    labels = [CATEGORY_LABELS.get(c, c) for c in changed]
    if not labels:
        return "no input change"
    return "new " + (labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1])
