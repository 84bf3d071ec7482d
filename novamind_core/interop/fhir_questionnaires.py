"""Assessments as FHIR R4 resources: a ``QuestionnaireResponse``, the panel ``Observation`` and the total
``Observation`` (pure; the Bundle is assembled in :mod:`.fhir_export`).

* **QuestionnaireResponse** (as the HL7 SDC and US Core PHQ-9 examples do): ``questionnaire`` = the LOINC form's
  canonical (PHQ-9 ``http://loinc.org/q/44249-1``, GAD-7 ``http://loinc.org/q/69737-5``; ISI
  ``urn:novamind:questionnaire:ISI``, Novamind's own), one ``item`` per question with ``linkId`` = the item's LOINC
  code (PHQ-9 44250-9 .. 44260-8, GAD-7 69725-0 .. 69736-7) and the answer as ``valueCoding`` from LOINC answer list
  LL358-3 (LA6568-5 "Not at all" = 0, LA6569-3 "Several days" = 1, LA6570-1 "More than half the days" = 2,
  LA6571-9 "Nearly every day" = 3); ISI answers (0-4, no LOINC answer list here) as ``valueInteger``; a last item
  with the total (``linkId`` 44261-6 / 70274-6 / ISI-total, ``valueInteger``). ``authored`` is the completion
  time when the patient answered on a link or the kiosk, else the administration date; ``author`` is the patient
  (link, kiosk) or the Novamind user who entered it (``urn:novamind:user``), ``source`` is the patient.
* **Panel Observation** (unchanged from earlier exports): the panel code with one ``component`` per item and one
  for the total, ``derivedFrom`` the QuestionnaireResponse.
* **Total Observation**: its own code (PHQ-9 total 44261-6, GAD-7 total 70274-6, ISI ``urn:novamind:instrument``
  ISI-total) and ``valueInteger``, so a search for the total score finds it; ``derivedFrom`` the
  QuestionnaireResponse. A *total-only* assessment (imported without item answers) has only this Observation, with
  the note "item answers not available; item 9 unknown".

Codes: :mod:`novamind_core.interop.codes` (LOINC 44249-1, 44261-6, 69737-5, 70274-6, LL358-3; loinc.org).
"""

from __future__ import annotations

from typing import Any, Protocol

from novamind_core.domain.assessments import Instrument, total_only_note
from novamind_core.domain.reporting import AssessmentSource
from novamind_core.interop.codes import (
    INSTRUMENT_CODES,
    LOINC,
    LOINC_FREQUENCY_CODINGS,
    NOVAMIND_USER_SYSTEM,
    OBSERVATION_CATEGORY,
    questionnaire_canonical,
)


class ExportedAssessment(Protocol):
    """What the writers read: an :class:`~novamind_core.domain.records.AssessmentRecord` or a date-shifted copy.
    ``total``, ``source``, ``completed_at`` and ``recorded_by`` are read with defaults (a shifted copy lacks
    them)."""

    instrument: Instrument
    answers: tuple[int, ...]

    @property
    def administered_on(self) -> Any: ...


def _all_answers(a: ExportedAssessment) -> tuple[int, ...]:
    """The scored items' answers, then any unscored extra items' (PHQ-9 item 10) where the record keeps them."""
    return tuple(a.answers) + tuple(getattr(a, "extra_answers", ()))


def _total(a: ExportedAssessment) -> int:
    total = getattr(a, "total", None)
    return int(total) if total is not None else int(sum(a.answers))


def _survey() -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}]


def _effective(a: ExportedAssessment) -> str:
    completed = getattr(a, "completed_at", None)
    return completed.isoformat(timespec="seconds") if completed is not None else a.administered_on.isoformat()


def total_display(instrument: Instrument) -> str:
    return f"{instrument.value} total score"


def panel_observation(a: ExportedAssessment, subject: str, derived_from: str | None = None) -> dict[str, Any]:
    """The panel Observation: one ``component`` per item (``valueInteger``) and one for the total."""
    codes = INSTRUMENT_CODES[a.instrument]
    items = a.instrument.spec.all_items  # scored items, then any unscored ones answered (PHQ-9 item 10)
    component = [{"code": {"coding": [{"system": codes.system, "code": code, "display": items[i]}]},
                  "valueInteger": int(value)}
                 for i, (code, value) in enumerate(zip(codes.items, _all_answers(a), strict=False))]
    component.append({"code": {"coding": [{"system": codes.system, "code": codes.total,
                                           "display": total_display(a.instrument)}]},
                      "valueInteger": _total(a)})
    resource: dict[str, Any] = {
        "resourceType": "Observation", "status": "final", "category": _survey(),
        "code": {"coding": [{"system": codes.system, "code": codes.panel, "display": a.instrument.spec.title}],
                 "text": a.instrument.value},
        "subject": {"reference": subject},
        "effectiveDateTime": a.administered_on.isoformat(),
        "component": component,
    }
    if derived_from:
        resource["derivedFrom"] = [{"reference": derived_from}]
    return resource


def total_observation(a: ExportedAssessment, subject: str, derived_from: str | None = None) -> dict[str, Any]:
    """The total score as an Observation of its own (PHQ-9 44261-6, GAD-7 70274-6, ISI local ISI-total)."""
    codes = INSTRUMENT_CODES[a.instrument]
    resource: dict[str, Any] = {
        "resourceType": "Observation", "status": "final", "category": _survey(),
        "code": {"coding": [{"system": codes.system, "code": codes.total, "display": total_display(a.instrument)}],
                 "text": total_display(a.instrument)},
        "subject": {"reference": subject},
        "effectiveDateTime": a.administered_on.isoformat(),
        "valueInteger": _total(a),
    }
    if derived_from:
        resource["derivedFrom"] = [{"reference": derived_from}]
    if not a.answers:
        resource["note"] = [{"text": total_only_note(a.instrument)}]
    return resource


def assessment_resource(a: ExportedAssessment, subject: str) -> dict[str, Any]:
    """The one Observation that stands for an assessment on its own: the panel when item answers exist, else the
    total (used by the de-identified research export)."""
    return panel_observation(a, subject) if a.answers else total_observation(a, subject)


def _answer(instrument: Instrument, value: int, index: int = 0) -> dict[str, Any]:
    """A LOINC answer coding for the PHQ-9/GAD-7 frequency scale (scored items only); an integer otherwise."""
    if (instrument in (Instrument.PHQ9, Instrument.GAD7) and index < len(instrument.items)
            and value in LOINC_FREQUENCY_CODINGS):
        code, display = LOINC_FREQUENCY_CODINGS[value]
        return {"valueCoding": {"system": LOINC, "code": code, "display": display}}
    return {"valueInteger": int(value)}


def _author(a: ExportedAssessment, subject: str) -> dict[str, Any]:
    source = AssessmentSource(getattr(a, "source", AssessmentSource.CLINICIAN))
    if source in (AssessmentSource.PATIENT_REMOTE, AssessmentSource.KIOSK):
        return {"reference": subject}
    if source is AssessmentSource.IMPORT:
        return {"display": "imported record"}
    recorded_by = getattr(a, "recorded_by", None)
    author: dict[str, Any] = {"display": "clinician (entered in Novamind)"}
    if recorded_by:
        author["identifier"] = {"system": NOVAMIND_USER_SYSTEM, "value": str(recorded_by)}
    return author


def questionnaire_response(a: ExportedAssessment, subject: str) -> dict[str, Any]:
    """The assessment as a completed QuestionnaireResponse (requires item answers)."""
    codes = INSTRUMENT_CODES[a.instrument]
    labels = a.instrument.spec.all_items
    items: list[dict[str, Any]] = [{"linkId": code, "text": labels[i], "answer": [_answer(a.instrument, v, i)]}
                                   for i, (code, v) in enumerate(zip(codes.items, _all_answers(a), strict=False))]
    items.append({"linkId": codes.total, "text": total_display(a.instrument), "answer": [{"valueInteger": _total(a)}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire_canonical(a.instrument),
        "status": "completed",
        "subject": {"reference": subject},
        "authored": _effective(a),
        "author": _author(a, subject),
        "source": {"reference": subject},
        "item": items,
    }


def assessment_entries(a: ExportedAssessment, subject: str, urn: Any) -> tuple[list[dict[str, Any]], ...]:
    """``(panels, responses, totals)`` Bundle entries of one assessment; ``urn(kind, key)`` makes stable fullUrls
    (kinds ``assessment``, ``questionnaire-response``, ``assessment-total``)."""
    key = getattr(a, "id", None)
    total_url = urn("assessment-total", key)
    if not a.answers:
        return [], [], [{"fullUrl": total_url, "resource": total_observation(a, subject)}]
    response_url = urn("questionnaire-response", key)
    return ([{"fullUrl": urn("assessment", key), "resource": panel_observation(a, subject, response_url)}],
            [{"fullUrl": response_url, "resource": questionnaire_response(a, subject)}],
            [{"fullUrl": total_url, "resource": total_observation(a, subject, response_url)}])
