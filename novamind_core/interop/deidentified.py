"""De-identified cohort exports: a flat table (CSV / Parquet) and a FHIR R4 ``collection`` Bundle.

Pure: the identified records (:class:`~novamind_core.domain.cohort.IdentifiedPatient`, as loaded by
:class:`novamind_core.db.repositories.cohort.CohortRepository`) and their de-identified summaries come in, bytes or a
frame go out; no database, no session. Nothing identifying leaves: a patient is its keyed pseudonym, the age a band,
and every date is moved by the patient's keyed offset (:func:`novamind_core.security.deid.date_shift_days`, ±1..180
days), so intervals are kept exactly while calendar dates are not revealed (HIPAA expert determination, 45 CFR
164.514(b)(1)).
Free text (medication reasons, notes) is never read.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from novamind_core.domain.assessments import Instrument
from novamind_core.domain.cohort import IdentifiedAssessment, IdentifiedOrder, IdentifiedPatient
from novamind_core.domain.medications import ChangeKind, Frequency, MedicationOrder
from novamind_core.security.deid import date_shift_days, shift_date

PSEUDONYM_SYSTEM = "urn:novamind:pseudonym"
AGE_BAND_EXTENSION = "urn:novamind:fhir:age-band"
_NS = uuid.UUID("1d0f3c52-5b7e-4c1a-a3f6-9e2c7b4d8a10")  # namespace of de-identified export ids (arbitrary, fixed)


class PatientSummary(Protocol):
    """What an export reads of a de-identified summary
    (:class:`~novamind_core.analytics.cohort_types.DeidentifiedPatient` satisfies it)."""

    @property
    def pseudonym(self) -> str: ...
    @property
    def age_band(self) -> str: ...
    @property
    def sex(self) -> str: ...
    @property
    def diagnosis_code(self) -> str | None: ...
    @property
    def diagnosis_label(self) -> str | None: ...
    @property
    def clinician(self) -> str | None: ...
    @property
    def drug(self) -> str: ...


# ================================================================================================= builders
def export_frame(raws: Sequence[IdentifiedPatient], patients: Sequence[PatientSummary], day0s: Sequence[date | None],
                 key: str) -> Any:
    """One row per assessment and per medication order (pandas DataFrame): the patient's de-identified summary
    columns, the record's date shifted by the patient's keyed offset, and ``day`` = days since the patient's day 0
    (``day0s``, the baseline PHQ-9 date; None leaves ``day`` empty). Integer columns use pandas ``Int64``."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for raw, p, day0 in zip(raws, patients, day0s, strict=True):
        shift = date_shift_days(raw.id, key)
        base = {"pseudonym": p.pseudonym, "age_band": p.age_band, "sex_at_birth": p.sex,
                "primary_diagnosis": p.diagnosis_code, "clinician": p.clinician, "index_drug": p.drug}
        for a in raw.assessments:
            row = {**base, "record": "assessment", "date_shifted": shift_date(a.on, shift).isoformat(),
                   "day": (a.on - day0).days if day0 else None, "instrument": a.instrument, "total": a.total,
                   "drug": None, "dose_mg": None, "frequency": None, "stop_date_shifted": None}
            row.update({f"item_{i}": v for i, v in enumerate(a.answers, start=1)})
            rows.append(row)
        for o in raw.orders:
            rows.append({**base, "record": "medication", "date_shifted": shift_date(o.start, shift).isoformat(),
                         "day": (o.start - day0).days if day0 else None, "instrument": None, "total": None,
                         "drug": o.drug, "dose_mg": o.dose_mg, "frequency": o.frequency,
                         "stop_date_shifted": shift_date(o.stop, shift).isoformat() if o.stop else None})
    columns = ["pseudonym", "age_band", "sex_at_birth", "primary_diagnosis", "clinician", "index_drug", "record",
               "date_shifted", "day", "instrument", "total", *[f"item_{i}" for i in range(1, 10)], "drug", "dose_mg",
               "frequency", "stop_date_shifted"]
    frame = pd.DataFrame(rows, columns=columns)
    for col in ["day", "total", *[f"item_{i}" for i in range(1, 10)]]:
        frame[col] = frame[col].astype("Int64")
    return frame


def resource_urn(kind: str, value: str) -> str:
    """A stable resource id: ``urn:uuid:`` + uuid5 of ``kind:value`` in a fixed namespace (same export, same ids)."""
    return f"urn:uuid:{uuid.uuid5(_NS, f'{kind}:{value}')}"


def fhir_bundle(raws: Sequence[IdentifiedPatient], patients: Sequence[PatientSummary], key: str, now: Any
                ) -> tuple[bytes, int]:
    """A de-identified R4 collection Bundle: pseudonymous Patient (no name, birth date, contact; age band as an
    extension; ``meta.security`` PSEUDED), Conditions, Observations and MedicationStatements with shifted dates and no
    free text. Built with :mod:`novamind_core.interop.fhir_export`'s resource builders; one entry of every shape is
    validated against the R4B models (:func:`one_per_shape`)."""
    from fhir.resources.R4B.bundle import Bundle

    from novamind_core.interop.fhir_export import assessment_resource, condition_resource, medication_resource

    entries: list[dict[str, Any]] = []
    for raw, p in zip(raws, patients, strict=True):
        shift = date_shift_days(raw.id, key)
        subject = resource_urn("patient", p.pseudonym)
        entries.append({"fullUrl": subject, "resource": {
            "resourceType": "Patient",
            "meta": {"security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
                                   "code": "PSEUDED", "display": "pseudonymized"}]},
            "identifier": [{"system": PSEUDONYM_SYSTEM, "value": p.pseudonym}],
            "gender": p.sex,
            "extension": [{"url": AGE_BAND_EXTENSION, "valueString": p.age_band}],
        }})
        if p.diagnosis_code:
            entries.append({"fullUrl": resource_urn("condition", f"{p.pseudonym}:{p.diagnosis_code}"),
                            "resource": condition_resource(p.diagnosis_code, p.diagnosis_label or p.diagnosis_code,
                                                           subject)})
        for i, a in enumerate(raw.assessments):
            shifted = ShiftedAssessment(Instrument.parse(a.instrument), shift_date(a.on, shift), a.answers, a.total)
            entries.append({"fullUrl": resource_urn("assessment", f"{p.pseudonym}:{i}"),
                            "resource": assessment_resource(shifted, subject)})
        for i, o in enumerate(raw.orders):
            order = MedicationOrder(id=i + 1, patient_id=0, drug=o.drug, dose_mg=o.dose_mg,
                                    frequency=Frequency(o.frequency), start_date=shift_date(o.start, shift),
                                    stop_date=shift_date(o.stop, shift), change_kind=ChangeKind(o.change_kind))
            entries.append({"fullUrl": resource_urn("medication", f"{p.pseudonym}:{i}"),
                            "resource": medication_resource(order, subject)})
    for e in entries:
        e["resource"]["id"] = e["fullUrl"].rsplit(":", 1)[1]
    bundle = {"resourceType": "Bundle", "type": "collection", "timestamp": now.isoformat(timespec="seconds"),
              "meta": {"security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
                                     "code": "PSEUDED"}]},
              "entry": entries}
    Bundle.model_validate({**bundle, "entry": one_per_shape(entries)})
    return json.dumps(bundle, separators=(",", ":")).encode("utf-8"), len(entries)


def one_per_shape(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per resource shape (type, fields present, coded or not): validating the whole Bundle with
    ``fhir.resources`` costs ~4 ms per entry, and the builders give every entry of a shape the same structure."""
    seen: dict[tuple, dict[str, Any]] = {}
    for e in entries:
        r = e["resource"]
        concept = r.get("medicationCodeableConcept") or r.get("code") or {}
        shape = (r["resourceType"], tuple(sorted(r)), "coding" in concept,
                 tuple(c["code"]["coding"][0]["code"] for c in r.get("component", ())))
        seen.setdefault(shape, e)
    return list(seen.values())


@dataclass(frozen=True)
class ShiftedAssessment:
    """An assessment with its date shifted, in the shape
    :func:`~novamind_core.interop.fhir_export.assessment_resource` reads."""

    instrument: Instrument
    administered_on: date
    answers: tuple[int, ...]
    total: int | None = None  # the stored total (a total-only assessment has no answers to sum)



__all__ = ["AGE_BAND_EXTENSION", "PSEUDONYM_SYSTEM", "IdentifiedAssessment", "IdentifiedOrder", "IdentifiedPatient",
           "PatientSummary", "ShiftedAssessment", "export_frame", "fhir_bundle", "one_per_shape", "resource_urn"]
