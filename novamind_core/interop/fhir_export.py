"""Write one patient as a FHIR R4 Bundle (type ``collection``) with the codes :mod:`.fhir_import` reads.

* Patient: MRN as ``identifier`` (system ``settings.mrn_system``, type MR), official name, gender, birth date,
  phone, email, address.
* Condition per diagnosis (ICD-10, primary first).
* Observation per assessment: the panel code (PHQ-9 44249-1, GAD-7 69737-5; ISI under the local system), one
  ``component`` per item (``valueInteger``) and one for the total; ``category`` survey; ``effectiveDateTime`` the
  administration date.
* MedicationStatement per medication order: RxNorm ingredient code where known plus the name as text, dose in mg
  (UCUM), timing for the frequency, ``effectivePeriod`` start/end, status active/completed, start reason in
  ``reasonCode.text`` and stop reason in ``statusReason.text``.

Resource ids are stable UUIDs (uuid5 of the stored row id), so exporting twice gives the same Bundle ids. The
result is validated with the ``fhir.resources`` R4B ``Bundle`` model before it is returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from novamind_core.domain.medications import Frequency, MedicationOrder
from novamind_core.domain.patients import Patient
from novamind_core.interop.codes import (
    CONDITION_CATEGORY,
    ICD10,
    INSTRUMENT_CODES,
    OBSERVATION_CATEGORY,
    RXNORM,
    RXNORM_INGREDIENTS,
    UCUM,
)

_NS = uuid.UUID("6f2b8f0e-8a57-4c1e-9d0c-4e0b6a1f7a21")  # Novamind's namespace for export ids (arbitrary, fixed)


def _urn(kind: str, key: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_NS, f'{kind}:{key}')}"


def _timing(frequency: Frequency) -> dict[str, Any]:
    if frequency is Frequency.AS_NEEDED:
        return {"asNeededBoolean": True}
    repeat: dict[str, Any] = {
        Frequency.DAILY: {"frequency": 1, "period": 1, "periodUnit": "d"},
        Frequency.NIGHTLY: {"frequency": 1, "period": 1, "periodUnit": "d", "when": ["HS"]},
        Frequency.TWICE_DAILY: {"frequency": 2, "period": 1, "periodUnit": "d"},
        Frequency.THREE_TIMES_DAILY: {"frequency": 3, "period": 1, "periodUnit": "d"},
        Frequency.WEEKLY: {"frequency": 1, "period": 1, "periodUnit": "wk"},
    }[frequency]
    return {"timing": {"repeat": repeat}}


def patient_resource(patient: Patient, mrn_system: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{
            "use": "usual",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
            "system": mrn_system, "value": patient.mrn,
        }],
        "name": [{"use": "official", "family": patient.family_name, "given": patient.given_name.split()}],
        "gender": patient.sex_at_birth.value,
        "birthDate": patient.date_of_birth.isoformat(),
    }
    telecom = [{"system": s, "value": v} for s, v in (("phone", patient.contact.phone),
                                                      ("email", patient.contact.email)) if v]
    if telecom:
        resource["telecom"] = telecom
    if patient.contact.address:
        resource["address"] = [{"text": patient.contact.address}]
    return resource


def assessment_resource(a: Any, subject: str) -> dict[str, Any]:
    """An Observation for an :class:`~novamind_core.domain.records.AssessmentRecord` (or any object with
    ``instrument``, ``administered_on``, ``answers``)."""
    codes = INSTRUMENT_CODES[a.instrument]
    items = a.instrument.items
    component = [{"code": {"coding": [{"system": codes.system, "code": code, "display": items[i]}]},
                  "valueInteger": int(a.answers[i])} for i, code in enumerate(codes.items)]
    component.append({"code": {"coding": [{"system": codes.system, "code": codes.total,
                                           "display": f"{a.instrument.value} total score"}]},
                      "valueInteger": int(sum(a.answers))})
    return {
        "resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
        "code": {"coding": [{"system": codes.system, "code": codes.panel, "display": a.instrument.spec.title}],
                 "text": a.instrument.value},
        "subject": {"reference": subject},
        "effectiveDateTime": a.administered_on.isoformat(),
        "component": component,
    }


def medication_resource(m: MedicationOrder, subject: str) -> dict[str, Any]:
    coding = [{"system": RXNORM, "code": RXNORM_INGREDIENTS[m.drug], "display": m.drug}] \
        if m.drug in RXNORM_INGREDIENTS else []
    concept: dict[str, Any] = {"text": m.drug}
    if coding:
        concept["coding"] = coding
    period = {"start": m.start_date.isoformat()}
    if m.stop_date:
        period["end"] = m.stop_date.isoformat()
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "status": "active" if m.active else "completed",
        "medicationCodeableConcept": concept,
        "subject": {"reference": subject},
        "effectivePeriod": period,
        "dosage": [{
            "text": m.describe(),
            **_timing(m.frequency),
            "doseAndRate": [{"doseQuantity": {"value": m.dose_mg, "unit": "mg", "system": UCUM, "code": "mg"}}],
        }],
    }
    if m.start_reason:
        resource["reasonCode"] = [{"text": m.start_reason}]
    if m.stop_date and m.stop_reason:
        resource["statusReason"] = [{"text": m.stop_reason}]
    return resource


def condition_resource(code: str, label: str, subject: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": "active"}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                           "code": "confirmed"}]},
        "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item"}]}],
        "code": {"coding": [{"system": ICD10, "code": code, "display": label}], "text": label},
        "subject": {"reference": subject},
    }


def patient_bundle(patient: Patient, assessments: Sequence[Any], medications: Sequence[MedicationOrder], *,
                   mrn_system: str, now: datetime | None = None) -> dict[str, Any]:
    """The patient's record as a FHIR R4 ``collection`` Bundle (a JSON-ready dict), validated before return."""
    from fhir.resources.R4B.bundle import Bundle

    subject = _urn("patient", patient.id)
    entries: list[dict[str, Any]] = [{"fullUrl": subject, "resource": patient_resource(patient, mrn_system)}]
    diagnoses = sorted(patient.diagnoses, key=lambda d: not d.primary)
    for d in diagnoses:
        entries.append({"fullUrl": _urn("condition", f"{patient.id}:{d.code}"),
                        "resource": condition_resource(d.code, d.label, subject)})
    for a in assessments:
        entries.append({"fullUrl": _urn("assessment", a.id), "resource": assessment_resource(a, subject)})
    for m in medications:
        entries.append({"fullUrl": _urn("medication", m.id), "resource": medication_resource(m, subject)})
    for e in entries:
        e["resource"]["id"] = e["fullUrl"].rsplit(":", 1)[1]
    bundle = {
        "resourceType": "Bundle", "type": "collection",
        "timestamp": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "entry": entries,
    }
    Bundle.model_validate(bundle)
    return bundle
