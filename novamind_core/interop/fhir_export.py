"""Write one patient as a FHIR R4 Bundle (type ``collection``) with the codes :mod:`.fhir_import` reads.

* Patient: MRN as ``identifier`` (system ``settings.mrn_system``, type MR), official name, birth date, phone, email,
  address. Sex assigned at birth goes in the US Core ``us-core-birthsex`` extension (valueCode F, M or UNK) and
  gender identity in the ``individual-genderIdentity`` extension (sub-extension ``value``, a CodeableConcept with
  the recorded text); sources in :mod:`.codes`. ``Patient.gender`` is *administrative* gender, which Novamind does
  not record, so it is left out rather than filled with sex at birth (earlier exports did that; the reader still
  accepts them).
* Condition per diagnosis (ICD-10, primary first).
* Per assessment (:mod:`.fhir_questionnaires`): the panel Observation (PHQ-9 44249-1, GAD-7 69737-5; ISI under the
  local system) with one ``component`` per item and one for the total, a ``QuestionnaireResponse`` against the
  LOINC form, and the total as an Observation of its own (44261-6, 70274-6); a total-only assessment has only the
  total Observation. Panels come first, then the responses, then the totals.
* Medication orders: a ``MedicationRequest`` per order (intent ``order``; RxNorm ingredient code where known plus
  the name as text, dose in mg (UCUM), timing for the frequency with the dose period in ``timing.repeat.boundsPeriod``,
  ``authoredOn`` the start date, status active/completed, start reason in ``reasonCode.text``, stop reason in
  ``statusReason.text``, the order it continues in ``priorPrescription``), and a ``MedicationStatement`` of the
  patient taking it over that period (``basedOn`` the request; the reader imports the request and skips a
  statement based on a request in the same Bundle).

Resource ids are stable UUIDs (uuid5 of the stored row id), so exporting twice gives the same Bundle ids. The
result is validated with the ``fhir.resources`` R4B ``Bundle`` model before it is returned; the test suite also
checks exports against the official FHIR R4 JSON schema (``tests/data/fhir/fhir.schema.json``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from novamind_core.domain.medications import Frequency, MedicationOrder
from novamind_core.domain.patients import Patient
from novamind_core.interop.codes import (
    BIRTH_SEX_CODES,
    BIRTH_SEX_EXTENSION,
    CONDITION_CATEGORY,
    GENDER_IDENTITY_EXTENSION,
    ICD10,
    RXNORM,
    RXNORM_INGREDIENTS,
    UCUM,
)
from novamind_core.interop.fhir_questionnaires import assessment_entries, assessment_resource

__all__ = ["assessment_resource", "condition_resource", "medication_request", "medication_resource",
           "patient_bundle", "patient_resource"]

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
        "birthDate": patient.date_of_birth.isoformat(),
    }
    extensions: list[dict[str, Any]] = [{"url": BIRTH_SEX_EXTENSION,
                                         "valueCode": BIRTH_SEX_CODES[patient.sex_at_birth.value]}]
    if patient.gender_identity:
        extensions.append({"url": GENDER_IDENTITY_EXTENSION,
                           "extension": [{"url": "value", "valueCodeableConcept": {"text": patient.gender_identity}}]})
    resource["extension"] = extensions
    telecom = [{"system": s, "value": v} for s, v in (("phone", patient.contact.phone),
                                                      ("email", patient.contact.email)) if v]
    if telecom:
        resource["telecom"] = telecom
    if patient.contact.address:
        resource["address"] = [{"text": patient.contact.address}]
    return resource


def _concept(m: MedicationOrder) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": m.drug}
    if m.drug in RXNORM_INGREDIENTS:
        concept["coding"] = [{"system": RXNORM, "code": RXNORM_INGREDIENTS[m.drug], "display": m.drug}]
    return concept


def _period(m: MedicationOrder) -> dict[str, str]:
    period = {"start": m.start_date.isoformat()}
    if m.stop_date:
        period["end"] = m.stop_date.isoformat()
    return period


def _dosage(m: MedicationOrder, bounds: bool) -> dict[str, Any]:
    timing = _timing(m.frequency)
    if bounds:
        timing.setdefault("timing", {}).setdefault("repeat", {})["boundsPeriod"] = _period(m)
    return {"text": m.describe(), **timing,
            "doseAndRate": [{"doseQuantity": {"value": m.dose_mg, "unit": "mg", "system": UCUM, "code": "mg"}}]}


def medication_resource(m: MedicationOrder, subject: str, based_on: str | None = None) -> dict[str, Any]:
    """A MedicationStatement: the patient taking the drug over the order's period (``basedOn`` the order)."""
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "status": "active" if m.active else "completed",
        "medicationCodeableConcept": _concept(m),
        "subject": {"reference": subject},
        "effectivePeriod": _period(m),
        "dosage": [_dosage(m, bounds=False)],
    }
    if based_on:
        resource["basedOn"] = [{"reference": based_on}]
    if m.start_reason:
        resource["reasonCode"] = [{"text": m.start_reason}]
    if m.stop_date and m.stop_reason:
        resource["statusReason"] = [{"text": m.stop_reason}]
    return resource


def medication_request(m: MedicationOrder, subject: str, prior: str | None = None) -> dict[str, Any]:
    """A MedicationRequest (intent ``order``) for one medication order; the dose period in
    ``dosageInstruction.timing.repeat.boundsPeriod``, ``authoredOn`` its start."""
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "active" if m.active else "completed",
        "intent": "order",
        "medicationCodeableConcept": _concept(m),
        "subject": {"reference": subject},
        "authoredOn": m.start_date.isoformat(),
        "dosageInstruction": [_dosage(m, bounds=True)],
    }
    if prior:
        resource["priorPrescription"] = {"reference": prior}
    if m.start_reason:
        resource["reasonCode"] = [{"text": m.start_reason}]
    if m.stop_date and m.stop_reason:
        resource["statusReason"] = {"text": m.stop_reason}
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
    panels: list[dict[str, Any]] = []
    responses: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    for a in assessments:
        p, r, t = assessment_entries(a, subject, _urn)
        panels += p
        responses += r
        totals += t
    entries += panels + responses + totals
    exported = {m.id for m in medications}
    requests = [{"fullUrl": _urn("medication-request", m.id), "resource": medication_request(
        m, subject, _urn("medication-request", m.previous_id) if m.previous_id in exported else None)}
        for m in medications]
    statements = [{"fullUrl": _urn("medication", m.id),
                   "resource": medication_resource(m, subject, _urn("medication-request", m.id))} for m in medications]
    entries += requests + statements
    for e in entries:
        e["resource"]["id"] = e["fullUrl"].rsplit(":", 1)[1]
    bundle = {
        "resourceType": "Bundle", "type": "collection",
        "timestamp": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "entry": entries,
    }
    Bundle.model_validate(bundle)
    return bundle
