"""Read a FHIR R4 Bundle into a :class:`~novamind_core.interop.records.ClinicalBatch` (pure; no database).

Each entry's resource is validated with the ``fhir.resources`` R4B models (R4B is R4 with errata; every R4 resource
we read has the same shape there). Then:

* **Patient** (at most one): the MRN is the identifier whose ``system`` is the configured MRN system
  (``settings.mrn_system``), else the first identifier with a value; name (``use=official`` first), birth date,
  administrative gender, phone, email, address.
* **Observation**: PHQ-9 and GAD-7 panels and totals by LOINC (codes in :mod:`novamind_core.interop.codes`). Item
  answers come from the panel's ``component`` or from item Observations the panel lists in ``hasMember``; values
  may be ``valueInteger``, ``valueQuantity`` or a LOINC answer code (LA6568-5 = 0 .. LA6571-9 = 3). A stated total
  must equal the sum of the items. A total without item answers is reported and not imported: Novamind stores
  item-level scores (item 9 drives the self-harm alert).
* **MedicationStatement / MedicationRequest**: the drug from an RxNorm ingredient code or, failing that, a catalogue
  drug name in the text or display (``pharmacology.load_catalogue()``); dose in mg from
  ``dosage.doseAndRate.doseQuantity`` (g and mcg converted); frequency from ``dosage.timing``; dates from
  ``effectivePeriod`` (statement) or ``dispenseRequest.validityPeriod`` / ``authoredOn`` (request). Drugs outside
  the catalogue are reported and not imported.
* **Condition**: ICD-10 codes (WHO, -CM and -UK systems) become diagnoses; the first is primary.
* Anything else is reported as "not imported" (never silently dropped).

Problems (blocking) and notes (reported, not blocking) carry ``row`` = the 1-based entry number and ``column`` = the
FHIR path, e.g. ``entry[3].resource.effectiveDateTime``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from novamind_core.biometrics.problems import ImportProblems, Problem, ProblemCollector
from novamind_core.domain.assessments import Instrument, score_assessment
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.patients import (
    Contact,
    Diagnosis,
    SexAtBirth,
    normalise_mrn,
    validate_date_of_birth,
    validate_name,
)
from novamind_core.interop.codes import (
    CODE_INDEX,
    ICD10_SYSTEMS,
    INSTRUMENT_CODES,
    LOINC_FREQUENCY_ANSWERS,
)
from novamind_core.interop.fhir_common import codings, fhir_day, load_json, short, validate_resource
from novamind_core.interop.fhir_medications import MedicationReader
from novamind_core.interop.records import AssessmentEntry, ClinicalBatch, PatientEntry

IMPORTED_TYPES = ("Patient", "Observation", "MedicationStatement", "MedicationRequest", "Condition")
#: Resources read only as the target of a reference (a MedicationStatement's ``medicationReference``).
AUXILIARY_TYPES = ("Medication",)

@dataclass(frozen=True)
class BundleReadResult:
    """What :func:`parse_bundle` found: the valid part as a batch, the blocking problems and the notes."""

    batch: ClinicalBatch
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class _Reader(MedicationReader):
    """One pass over a Bundle, collecting records, problems and notes."""

    def __init__(self, data: Mapping[str, Any], source: str, mrn_system: str, today: date, tz: ZoneInfo,
                 drug_names: tuple[str, ...]):
        self.data = data
        self.problems = ProblemCollector(source)
        self.notes: list[Problem] = []
        self.source = source
        self.mrn_system = mrn_system
        self.today = today
        self.tz = tz
        self.drug_names = drug_names
        self.by_ref: dict[str, tuple[int, Mapping[str, Any]]] = {}
        self.patient_refs: set[str] = set()
        self.consumed: set[int] = set()

    def note(self, message: str, row: int | None = None, column: str | None = None, value: Any = None) -> None:
        self.notes.append(Problem(row, column, value, message))

    # ------------------------------------------------------------------ bundle
    def entries(self) -> list[tuple[int, Mapping[str, Any]]]:
        d = self.data
        if not isinstance(d, Mapping):
            self.problems.add("expected a JSON object with resourceType 'Bundle'", value=short(d))
            return []
        if d.get("resourceType") != "Bundle":
            self.problems.add("expected a FHIR Bundle", column="resourceType", value=d.get("resourceType"))
            return []
        entries = d.get("entry", [])
        if not isinstance(entries, list):
            self.problems.add("Bundle.entry must be a list", column="entry", value=short(entries))
            return []
        if not entries:
            self.problems.add("the Bundle has no entries", column="entry")
        out: list[tuple[int, Mapping[str, Any]]] = []
        for n, entry in enumerate(entries, start=1):
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            if not isinstance(resource, Mapping) or not resource.get("resourceType"):
                self.problems.add("entry has no resource with a resourceType", row=n, column=f"entry[{n}].resource")
                continue
            rtype = str(resource["resourceType"])
            if rtype not in IMPORTED_TYPES + AUXILIARY_TYPES:
                self.note(f"{rtype} is not imported (Novamind imports {', '.join(IMPORTED_TYPES)})", row=n,
                          column=f"entry[{n}].resource.resourceType", value=rtype)
                continue
            if not validate_resource(resource, rtype, n, self.problems):
                continue
            for ref in (entry.get("fullUrl"), f"{rtype}/{resource.get('id')}" if resource.get("id") else None):
                if ref:
                    self.by_ref[str(ref)] = (n, resource)
            out.append((n, resource))
        return out

    # ------------------------------------------------------------------ patient
    def patient(self, entries: list[tuple[int, Mapping[str, Any]]]) -> PatientEntry | None:
        patients = [(n, r) for n, r in entries if r["resourceType"] == "Patient"]
        if len(patients) > 1:
            self.problems.add(f"the Bundle holds {len(patients)} Patients; import one patient per Bundle",
                              row=patients[1][0], column=f"entry[{patients[1][0]}].resource")
        if not patients:
            return None
        n, r = patients[0]
        self.patient_refs = {ref for ref, (m, _) in self.by_ref.items() if m == n}
        where = f"entry[{n}].resource"
        identifiers = [i for i in r.get("identifier", []) or [] if i.get("value")]
        chosen = next((i for i in identifiers if i.get("system") == self.mrn_system), None) or \
            (identifiers[0] if identifiers else None)
        mrn = None
        if chosen is None:
            self.problems.add("Patient has no identifier with a value (the MRN)", row=n, column=f"{where}.identifier")
        else:
            try:
                mrn = normalise_mrn(chosen["value"])
            except ValidationError as exc:
                self.problems.add(str(exc), row=n, column=f"{where}.identifier", value=chosen["value"])
        names = r.get("name", []) or []
        name = next((x for x in names if x.get("use") == "official"), names[0] if names else {})
        given = " ".join(name.get("given", []) or [])
        family = name.get("family", "") or ""
        try:
            given = validate_name(given, "given_name")
        except ValidationError as exc:
            self.problems.add(str(exc), row=n, column=f"{where}.name.given", value=given)
        try:
            family = validate_name(family, "family_name")
        except ValidationError as exc:
            self.problems.add(str(exc), row=n, column=f"{where}.name.family", value=family)
        dob = None
        if not r.get("birthDate") or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(r["birthDate"])):
            self.problems.add("Patient.birthDate (YYYY-MM-DD) is required", row=n, column=f"{where}.birthDate",
                              value=r.get("birthDate"))
        else:
            try:
                dob = validate_date_of_birth(date.fromisoformat(r["birthDate"]), self.today)
            except ValidationError as exc:
                self.problems.add(str(exc), row=n, column=f"{where}.birthDate", value=r["birthDate"])
        sex = SexAtBirth(r["gender"]) if r.get("gender") in {s.value for s in SexAtBirth} else SexAtBirth.UNKNOWN
        telecom = r.get("telecom", []) or []
        phone = next((t.get("value") for t in telecom if t.get("system") == "phone"), None)
        email = next((t.get("value") for t in telecom if t.get("system") == "email"), None)
        addresses = r.get("address", []) or []
        address = None
        if addresses:
            a = addresses[0]
            address = a.get("text") or ", ".join([*(a.get("line") or []), *[a[k] for k in ("city", "postalCode",
                                                                                          "country") if a.get(k)]])
        if mrn is None or dob is None or not isinstance(given, str) or not given or not family:
            return None
        try:
            contact = Contact(phone, email, address or None)
        except ValidationError as exc:
            self.problems.add(str(exc), row=n, column=f"{where}.telecom", value=exc.value)
            return None
        return PatientEntry(mrn, given, family, dob, sex, contact, row=n)

    def check_subject(self, n: int, resource: Mapping[str, Any], key: str = "subject") -> bool:
        ref = (resource.get(key) or {}).get("reference")
        if ref and self.patient_refs and ref not in self.patient_refs:
            self.problems.add("refers to a patient other than the Bundle's Patient", row=n,
                              column=f"entry[{n}].resource.{key}.reference", value=ref)
            return False
        return True

    # ------------------------------------------------------------------ observations
    @staticmethod
    def _instrument_code(concept: Mapping[str, Any] | None) -> tuple[Instrument, str, int | None] | None:
        for system, code, _ in codings(concept):
            hit = CODE_INDEX.get((system, code))
            if hit:
                return hit
        return None

    def _score_value(self, holder: Mapping[str, Any], n: int, column: str) -> int | None:
        if holder.get("valueInteger") is not None:
            return int(holder["valueInteger"])
        if "valueQuantity" in holder:
            v = holder["valueQuantity"].get("value")
            if v is not None and float(v) == int(float(v)):
                return int(float(v))
            self.problems.add("score must be a whole number", row=n, column=column, value=v)
            return None
        if "valueCodeableConcept" in holder:
            for _system, code, _ in codings(holder["valueCodeableConcept"]):
                if code in LOINC_FREQUENCY_ANSWERS:
                    return LOINC_FREQUENCY_ANSWERS[code]
            self.problems.add("answer code is not a known LOINC answer (LA6568-5 .. LA6571-9)", row=n, column=column,
                              value=short(holder["valueCodeableConcept"]))
            return None
        return None

    def observations(self, entries: list[tuple[int, Mapping[str, Any]]]) -> list[AssessmentEntry]:
        out: list[AssessmentEntry] = []
        obs = [(n, r) for n, r in entries if r["resourceType"] == "Observation"]
        panels = [(n, r, hit) for n, r in obs if (hit := self._instrument_code(r.get("code"))) and hit[1] == "panel"]
        for n, r, hit in panels:
            self.consumed.add(n)
            entry = self._panel(n, r, hit[0])
            if entry is not None:
                out.append(entry)
        for n, r in obs:
            if n in self.consumed:
                continue
            hit = self._instrument_code(r.get("code"))
            display = next((d or c for _, c, d in codings(r.get("code"))), (r.get("code") or {}).get("text", ""))
            where = f"entry[{n}].resource.code"
            if hit is None:
                self.note(f"Observation '{display}' is not imported (Novamind imports PHQ-9 and GAD-7 by LOINC)",
                          row=n, column=where, value=display)
            elif hit[1] == "total":
                self.note(f"{hit[0].value} total without item answers is not imported: Novamind stores item-level "
                          "answers (item 9 drives the self-harm alert); send the panel with its items", row=n,
                          column=where, value=r.get("valueInteger", (r.get("valueQuantity") or {}).get("value")))
            else:
                self.note(f"{hit[0].value} item answer outside a panel is not imported", row=n, column=where)
        return out

    def _panel(self, n: int, r: Mapping[str, Any], instrument: Instrument) -> AssessmentEntry | None:
        where = f"entry[{n}].resource"
        status = r.get("status")
        if status in ("entered-in-error", "cancelled"):
            self.note(f"{instrument.value} panel with status '{status}' is not imported", row=n,
                      column=f"{where}.status", value=status)
            return None
        if not self.check_subject(n, r):
            return None
        codes = INSTRUMENT_CODES[instrument]
        answers: dict[int, int] = {}
        stated_total: int | None = None
        parts: list[tuple[Mapping[str, Any], str]] = [
            (c, f"{where}.component[{i}]") for i, c in enumerate(r.get("component", []) or [])]
        for j, member in enumerate(r.get("hasMember", []) or []):
            ref = member.get("reference")
            target = self.by_ref.get(ref or "")
            if target is None:
                self.problems.add("hasMember refers to an Observation that is not in the Bundle", row=n,
                                  column=f"{where}.hasMember[{j}]", value=ref)
                continue
            self.consumed.add(target[0])
            parts.append((target[1], f"entry[{target[0]}].resource"))
        for holder, column in parts:
            hit = self._instrument_code(holder.get("code"))
            if hit is None or hit[0] is not instrument:
                self.note(f"{instrument.value} panel part is not a {instrument.value} item or total", row=n,
                          column=f"{column}.code", value=short(holder.get("code")))
                continue
            value = self._score_value(holder, n, f"{column}.value")
            if value is None:
                if not any(k.startswith("value") for k in holder):
                    self.problems.add("item has no value", row=n, column=f"{column}.value")
                continue
            if hit[1] == "total":
                stated_total = value
            elif hit[1] == "item":
                assert hit[2] is not None
                if hit[2] in answers:
                    self.problems.add(f"item {hit[2] + 1} is answered twice", row=n, column=f"{column}.code",
                                      value=codes.items[hit[2]])
                answers[hit[2]] = value
        if stated_total is None and r.get("valueInteger") is not None:
            stated_total = int(r["valueInteger"])
        if not answers:
            self.note(f"{instrument.value} total without item answers is not imported: Novamind stores item-level "
                      "answers (item 9 drives the self-harm alert)", row=n, column=f"{where}.component",
                      value=stated_total)
            return None
        missing = [i for i in range(instrument.item_count) if i not in answers]
        if missing:
            self.problems.add(f"{instrument.value} panel has {len(answers)} of {instrument.item_count} item answers; "
                              f"missing item(s) {', '.join(str(i + 1) for i in missing)} "
                              f"(codes {', '.join(codes.items[i] for i in missing)})", row=n,
                              column=f"{where}.component")
            return None
        ordered = [answers[i] for i in range(instrument.item_count)]
        try:
            score = score_assessment(instrument, ordered)
        except ValidationError as exc:
            self.problems.add(str(exc), row=n, column=f"{where}.component", value=exc.value)
            return None
        on = self._effective(n, r, instrument.value)
        if stated_total is not None and stated_total != score.total:
            self.problems.add(f"{instrument.value} total {stated_total} does not equal the sum of the item answers "
                              f"({score.total})", row=n, column=f"{where}.component", value=stated_total)
            return None
        if on is None:
            return None
        return AssessmentEntry(instrument, on, score.answers, row=n)

    def _effective(self, n: int, r: Mapping[str, Any], what: str) -> date | None:
        where = f"entry[{n}].resource"
        raw = r.get("effectiveDateTime") or (r.get("effectivePeriod") or {}).get("start") or r.get("issued")
        day = fhir_day(raw, self.tz)
        if day is None:
            self.problems.add(f"{what} needs a full date (effectiveDateTime YYYY-MM-DD)", row=n,
                              column=f"{where}.effectiveDateTime", value=raw)
            return None
        if day > self.today:
            self.problems.add(f"date {day.isoformat()} is in the future", row=n, column=f"{where}.effectiveDateTime",
                              value=raw)
            return None
        return day

    # ------------------------------------------------------------------ conditions
    def conditions(self, entries: list[tuple[int, Mapping[str, Any]]]) -> list[Diagnosis]:
        out: list[Diagnosis] = []
        for n, r in entries:
            if r["resourceType"] != "Condition":
                continue
            where = f"entry[{n}].resource"
            if not self.check_subject(n, r):
                continue
            clinical = {c for _, c, _ in codings(r.get("clinicalStatus"))}
            verification = {c for _, c, _ in codings(r.get("verificationStatus"))}
            if clinical & {"resolved", "inactive", "remission"} or verification & {"entered-in-error", "refuted"}:
                self.note("Condition that is resolved, inactive or refuted is not imported", row=n,
                          column=f"{where}.clinicalStatus")
                continue
            icd = next(((c, d) for s, c, d in codings(r.get("code")) if s in ICD10_SYSTEMS), None)
            if icd is None:
                shown = next((f"{s}|{c}" for s, c, _ in codings(r.get("code"))), (r.get("code") or {}).get("text"))
                self.note("Condition without an ICD-10 code is not imported", row=n, column=f"{where}.code",
                          value=shown)
                continue
            label = icd[1] or (r.get("code") or {}).get("text") or icd[0]
            try:
                dx = Diagnosis(icd[0], label, primary=not out)
            except ValidationError as exc:
                self.problems.add(str(exc), row=n, column=f"{where}.code.coding", value=icd[0])
                continue
            if any(d.code == dx.code for d in out):
                self.note(f"diagnosis {dx.code} appears twice; imported once", row=n, column=f"{where}.code")
                continue
            out.append(dx)
        return out


def parse_bundle(source: Any, *, mrn_system: str = "urn:novamind:mrn", today: date | None = None,
                 timezone: str = "UTC", source_name: str | None = None) -> BundleReadResult:
    """Read a Bundle (dict, JSON text or bytes, a path or a file object) and report everything at once.

    Parameters
    ----------
    mrn_system : str
        The identifier system whose value is the MRN (``settings.mrn_system``).
    today : date, optional
        Dates after it are refused (default: today in ``timezone``).
    timezone : str
        The clinic's time zone: a dateTime is filed under its calendar day there.
    """
    tz = ZoneInfo(timezone)
    today = today or datetime.now(tz).date()
    name = source_name or (Path(source).name if isinstance(source, os.PathLike) else "FHIR Bundle")
    from novamind_core.pharmacology import load_catalogue

    catalogue = load_catalogue()
    drug_names = tuple(sorted((d for d in catalogue.drugs if d != "placebo"), key=len, reverse=True))
    loader = ProblemCollector(name)
    data = load_json(source, loader)
    reader = _Reader(data if data is not None else {}, name, mrn_system, today, tz, drug_names)
    if data is None:
        return BundleReadResult(ClinicalBatch("fhir", name), tuple(loader.problems))
    entries = reader.entries()
    patient = reader.patient(entries)
    diagnoses = reader.conditions(entries)
    assessments = reader.observations(entries)
    medications = reader.medications(entries)
    for n, r in entries:
        if r["resourceType"] in AUXILIARY_TYPES and n not in reader.consumed:
            reader.note(f"{r['resourceType']} is not imported on its own (only as a medicationReference target)",
                        row=n, column=f"entry[{n}].resource.resourceType", value=r["resourceType"])
    seen: dict[tuple, int | None] = {}
    for a in assessments:
        if a.key in seen:
            reader.note(f"{a.instrument.value} on {a.administered_on.isoformat()} appears twice (same answers as "
                        f"entry {seen[a.key]}); imported once", row=a.row)
        seen.setdefault(a.key, a.row)
    unique = tuple({a.key: a for a in reversed(assessments)}.values())[::-1]
    batch = ClinicalBatch("fhir", name, patient=patient, diagnoses=tuple(diagnoses),
                          assessments=tuple(sorted(unique, key=lambda a: (a.administered_on, a.row or 0))),
                          medications=tuple(sorted(medications, key=lambda m: (m.start_date, m.row or 0))),
                          notes=tuple(sorted(reader.notes, key=lambda p: p.row or 0)))
    return BundleReadResult(batch, tuple(sorted(reader.problems.problems, key=lambda p: p.row or 0)))


def read_bundle(source: Any, **kwargs: Any) -> ClinicalBatch:
    """Like :func:`parse_bundle` but raise :class:`ImportProblems` (every problem) unless the Bundle is clean."""
    result = parse_bundle(source, **kwargs)
    if result.problems:
        raise ImportProblems(result.batch.source, list(result.problems))
    return result.batch
