"""Form drafts and one-time submission tokens: nothing a clinician types is lost.

A *draft* is what a user has typed into one form of one patient's chart (the note text and date, a questionnaire's
answers, a visit booking, a medication start, a note's edit or addendum, a drug level, contact consent, the
measurement plan's settings), kept server-side per user, patient and form so that it survives a reload (a reload
is a new browser session) and expires after :data:`DRAFT_TTL_HOURS`. The payload is a small JSON-able mapping and
is PHI (encrypted at rest, never in ``repr``).

A *submission token* is drawn once per rendering of a form; the service that saves the form records the token with
what it created, so a second click on the same rendering (a double-click, a resent request) returns the first result
instead of saving twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from novamind_core.domain.errors import ValidationError

#: How long a draft is kept after its last change, hours (three days: a clinic week-end).
DRAFT_TTL_HOURS = 72
#: Largest draft payload accepted, characters of JSON (the note's 20,000 characters plus room for the other fields).
MAX_DRAFT_CHARS = 40_000
#: A submission token: 16-64 URL-safe characters (``secrets.token_urlsafe(24)`` gives 32).
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class FormName(str, Enum):
    """The chart's forms that keep a draft and take a submission token."""

    NOTE = "note"
    #: A note's edit boxes: one draft holds every unsigned note's edit, by note id ({"12": {"text", "revision"}}).
    NOTE_EDIT = "note_edit"
    #: A signed note's addendum boxes, by note id ({"12": {"text"}}).
    ADDENDUM = "addendum"
    VISIT = "visit"
    MEDICATION_START = "medication_start"
    MEDICATION_CHANGE = "medication_change"
    ASSESSMENT = "assessment"
    SIMULATION_PLANS = "simulation_plans"
    RISK_REVIEW = "risk_review"
    DRUG_LEVEL = "drug_level"
    CONSENT = "consent"
    #: The Questionnaires tab's measurement-plan editor (settings, with the plan version they were edited from).
    MEASUREMENT_PLAN = "measurement_plan"
    PAGE_STATE = "page_state"
    #: The register-a-patient form: a draft with no patient (the patient exists once the form is saved).
    REGISTRATION = "registration"

    @classmethod
    def parse(cls, value: str | FormName) -> FormName:
        try:
            return cls(value)
        except ValueError:
            raise ValidationError(f"unknown form {value!r}; known: {', '.join(f.value for f in cls)}",
                                  field="form", value=value) from None


#: Forms whose draft belongs to no patient (one per user): the patient does not exist until the form is saved.
UNATTACHED_FORMS: frozenset[FormName] = frozenset({FormName.REGISTRATION})


def check_attachment(form: FormName, patient_id: int | None) -> None:
    """A chart form's draft names its patient; a registration draft names none (ValidationError otherwise)."""
    if (patient_id is None) != (form in UNATTACHED_FORMS):
        needed = "no patient" if form in UNATTACHED_FORMS else "a patient"
        raise ValidationError(f"a draft of the {form.value} form belongs to {needed}", field="patient_id",
                              value=patient_id)


@dataclass(frozen=True)
class FormDraft:
    """A saved draft. ``payload`` holds what was typed (PHI: not in ``repr``); ``patient_id`` is None for a form in
    :data:`UNATTACHED_FORMS`."""

    user_id: int
    patient_id: int | None
    form: FormName
    payload: dict[str, Any] = field(repr=False)
    updated_at: datetime
    expires_at: datetime


def validate_token(token: str | None) -> str | None:
    """``token`` if it is a well-formed submission token, None when absent; ValidationError otherwise."""
    if token is None or token == "":
        return None
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        raise ValidationError("the form's submission token is malformed; reload the page", field="submission_token")
    return token
