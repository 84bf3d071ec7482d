"""Read a FHIR R4 Bundle into a :class:`~novamind_core.interop.records.ClinicalBatch` (pure; no database).

Each entry's resource is validated with the ``fhir.resources`` R4B models (R4B is R4 with errata; every R4 resource
we read has the same shape there). Then:

* **Patient** (at most one): the MRN is the identifier whose ``system`` is the configured MRN system
  (``settings.mrn_system``), else the identifier typed ``MR`` (HL7 v2-0203 "Medical record number", as Synthea and
  most EHRs write it), else the first identifier with a value; name (``use=official`` first), birth date,
  administrative gender, phone, email, address.
  Sex at birth from the US Core ``us-core-birthsex`` extension, else ``gender`` (older exports, other systems);
  gender identity from the ``individual-genderIdentity`` or ``us-core-genderIdentity`` extension.
* **Observation** and **QuestionnaireResponse**: PHQ-9, GAD-7 and ISI panels, responses and totals
  (:mod:`.fhir_assessments_import`; codes in :mod:`novamind_core.interop.codes`). A total with no item answers is
  imported as a *total-only* assessment (item answers not available; item 9 unknown, so no self-harm alert).
* **MedicationRequest / MedicationStatement**: the drug from an RxNorm ingredient code or, failing that, a catalogue
  drug name in the text or display (``pharmacology.load_catalogue()``); dose in mg from
  ``dosage.doseAndRate.doseQuantity`` (g and mcg converted); frequency from ``dosage.timing``; dates from
  ``effectivePeriod`` (statement) or ``dosageInstruction.timing.repeat.boundsPeriod`` /
  ``dispenseRequest.validityPeriod`` / ``authoredOn`` (request). A statement ``basedOn`` a request in the same
  Bundle is the same order and is not imported twice. Drugs outside the catalogue are reported and not imported.
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
    BIRTH_SEX_CODES,
    BIRTH_SEX_EXTENSION,
    GENDER_IDENTITY_EXTENSION,
    ICD10_SYSTEMS,
    US_CORE_GENDER_IDENTITY_EXTENSION,
)
from novamind_core.interop.fhir_assessments_import import AssessmentReader
from novamind_core.interop.fhir_common import codings, load_json, short, validate_resource
from novamind_core.interop.fhir_medications import MedicationReader
from novamind_core.interop.records import ClinicalBatch, PatientEntry

IMPORTED_TYPES = ("Patient", "Observation", "QuestionnaireResponse", "MedicationStatement", "MedicationRequest",
                  "Condition")
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


class _Reader(AssessmentReader, MedicationReader):
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
        self.has_patient = False
        self.subject_seen: tuple[int, str] | None = None  # Bundles without a Patient: the first record's subject
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
        self.has_patient = True
        self.patient_refs = {ref for ref, (m, _) in self.by_ref.items() if m == n}
        where = f"entry[{n}].resource"
        identifiers = [i for i in r.get("identifier", []) or [] if i.get("value")]
        chosen = next((i for i in identifiers if i.get("system") == self.mrn_system), None) or \
            next((i for i in identifiers if _is_medical_record_number(i)), None) or \
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
        sex, gender_identity = _sex_and_identity(r)
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
        return PatientEntry(mrn, given, family, dob, sex, contact, row=n, gender_identity=gender_identity)

    def check_subject(self, n: int, resource: Mapping[str, Any], key: str = "subject") -> bool:
        """Whether the record is the Bundle's patient's, matched strictly; any doubt is a problem, never a guess.

        With a Patient in the Bundle, the record's ``subject.reference`` must be that Patient's ``fullUrl`` or
        ``Patient/<id>``: a record with no subject reference, or a Patient with neither id nor fullUrl (nothing a
        reference could point at), is refused rather than assumed to be the same person. Without a Patient (the user
        chose the chart), every record must name the same subject."""
        subject = resource.get(key)
        ref = subject.get("reference") if isinstance(subject, Mapping) else None
        column = f"entry[{n}].resource.{key}.reference"
        if self.has_patient:
            if not ref:
                self.problems.add("has no subject reference, so it cannot be matched to the Bundle's Patient",
                                  row=n, column=column)
                return False
            if not self.patient_refs:
                self.problems.add("the Bundle's Patient has no id or fullUrl, so this reference cannot be matched "
                                  "to it", row=n, column=column, value=short(ref))
                return False
            if ref not in self.patient_refs:
                self.problems.add("refers to a patient other than the Bundle's Patient", row=n, column=column,
                                  value=short(ref))
                return False
            return True
        if ref:
            if self.subject_seen is None:
                self.subject_seen = (n, str(ref))
            elif self.subject_seen[1] != ref:
                self.problems.add(f"refers to a different patient from entry {self.subject_seen[0]} "
                                  f"({short(self.subject_seen[1])}); import one patient per Bundle", row=n,
                                  column=column, value=short(ref))
                return False
        return True

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


#: HL7 v2 table 0203 (identifier type); code ``MR`` = medical record number.
IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"


def _is_medical_record_number(identifier: Mapping[str, Any]) -> bool:
    """True when the identifier's ``type`` is coded ``MR`` (HL7 v2-0203; a coding without a system counts too)."""
    coding = ((identifier.get("type") or {}).get("coding")) or []
    return any(c.get("code") == "MR" and c.get("system") in (IDENTIFIER_TYPE_SYSTEM, None) for c in coding)


def _sex_and_identity(r: Mapping[str, Any]) -> tuple[SexAtBirth, str | None]:
    """Sex at birth from the ``us-core-birthsex`` extension (F, M, UNK), else from ``Patient.gender`` (the old
    shape, and systems without the extension); gender identity from ``individual-genderIdentity`` (sub-extension
    ``value``) or ``us-core-genderIdentity`` (valueCodeableConcept): its text, else the first coding's display."""
    extensions = [x for x in r.get("extension", []) or [] if isinstance(x, Mapping)]
    by_code = {code: value for value, code in BIRTH_SEX_CODES.items() if value != "other"}
    birth = next((x.get("valueCode") for x in extensions if x.get("url") == BIRTH_SEX_EXTENSION), None)
    if birth in by_code:
        sex = SexAtBirth(by_code[birth])
    else:
        sex = SexAtBirth(r["gender"]) if r.get("gender") in {s.value for s in SexAtBirth} else SexAtBirth.UNKNOWN
    concept: Mapping[str, Any] | None = None
    for x in extensions:
        if x.get("url") == US_CORE_GENDER_IDENTITY_EXTENSION:
            concept = x.get("valueCodeableConcept")
        elif x.get("url") == GENDER_IDENTITY_EXTENSION:
            concept = next((sub.get("valueCodeableConcept") for sub in x.get("extension", []) or []
                            if sub.get("url") == "value"), None)
        if concept:
            break
    identity = None
    if concept:
        identity = concept.get("text") or next((d or c for _, c, d in codings(concept)), None)
    return sex, (str(identity).strip() or None) if identity else None


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
    assessments += reader.questionnaire_responses(entries)
    assessments += reader.totals(assessments)
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
