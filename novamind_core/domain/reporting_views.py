"""What the reporting loop stores and shows: consent, requests, the delivery log, portal answers, the chart panel.

Standard library only. The rules (schedules, states, tokens) live in :mod:`novamind_core.domain.reporting`; these are
the frozen records the repositories return and the services hand to pages, the worker and the command line
(docs/reporting.md). Nothing a patient's link page receives (:class:`PortalRequest`, :class:`PortalRefusal`,
:class:`DobCheck`, :class:`Submission`) names the patient, a diagnosis or a record number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from novamind_core.domain.instruments import Instrument
from novamind_core.domain.reporting import (
    Channel,
    MeasurementPlan,
    MeasurementState,
    RequestStatus,
    RequestSummary,
)

#: The one page an expired, used, tampered, unknown, locked or rate-limited link shows (it reveals nothing).
REFUSAL_MESSAGE = ("This questionnaire link cannot be used. It may have expired or already been used. "
                   "If you were expecting a questionnaire, please contact your clinic and ask for a new link.")


class ConsentSource(str, Enum):
    """Who stopped the messages. Stored: never rename a value."""

    LINK = "link"  # the patient, through the opt-out link in a message
    CLINICIAN = "clinician"


@dataclass(frozen=True)
class ContactConsent:
    """A patient's consent to be contacted, who recorded it and when; an opt-out stops every message."""

    patient_id: int
    email: bool
    sms: bool
    recorded_on: date
    recorded_by: int | None = None
    recorded_by_name: str | None = None
    opted_out_at: datetime | None = None
    opt_out_source: ConsentSource | None = None

    @property
    def opted_out(self) -> bool:
        return self.opted_out_at is not None

    def allows(self, channel: Channel) -> bool:
        """Whether a message may go out on ``channel`` (kiosk and printed links need no contact consent)."""
        if channel in (Channel.KIOSK, Channel.LINK):
            return True
        if self.opted_out:
            return False
        return self.email if channel is Channel.EMAIL else self.sms


class DeliveryEventKind(str, Enum):
    """One line of a patient's delivery log. Stored (12 characters at most): never rename a value."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    REMINDED = "reminded"
    OPENED = "opened"
    DOB_FAILED = "dob_failed"
    LOCKED = "locked"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    OPTED_OUT = "opted_out"
    REFUSED = "refused"  # a link was refused (used, expired, rate-limited); detail says which

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").replace("dob", "date of birth").capitalize()


@dataclass(frozen=True)
class DeliveryEvent:
    """A delivery-log line: never PHI in ``detail`` (reasons, channels, counts)."""

    id: int
    patient_id: int
    request_id: int | None
    event: DeliveryEventKind
    at: datetime
    detail: str = ""


@dataclass(frozen=True)
class QuestionnaireRequest:
    """A stored request (its token exists only in the link; the database holds its SHA-256)."""

    id: int
    patient_id: int
    instruments: tuple[Instrument, ...]
    channel: Channel
    due_on: date
    status: RequestStatus
    created_at: datetime
    expires_at: datetime
    created_by: int | None = None
    plan_occurrence: str | None = None
    sent_at: datetime | None = None
    reminded_at: datetime | None = None
    opened_at: datetime | None = None
    verified_at: datetime | None = None
    completed_at: datetime | None = None
    dob_failures: int = 0
    verified_proof_digest: str | None = field(default=None, repr=False)  # the confirming session's proof
    version: int = 0

    def expired(self, now: datetime) -> bool:
        return self.status is RequestStatus.EXPIRED or (self.status.is_open and now >= self.expires_at)

    @property
    def summary(self) -> RequestSummary:
        return RequestSummary(id=self.id, due_on=self.due_on, status=self.status, expires_at=self.expires_at,
                              completed_at=self.completed_at)


@dataclass(frozen=True)
class CreatedRequest:
    """A new request as its creator sees it: the only place the token (and so the link) ever appears."""

    request_id: int
    token: str = field(repr=False)
    link_url: str = field(repr=False)
    expires_at: datetime
    channel: Channel = Channel.LINK


@dataclass(frozen=True)
class NotificationPreferences:
    """A staff member's own notification settings."""

    user_id: int
    email: str | None = field(default=None, repr=False)
    urgent_by_email: bool = True
    updated_at: datetime | None = None


@dataclass(frozen=True)
class MeasurementPanel:
    """The chart's measurement panel: plan (or none, with the suggested default), consent, state and the log."""

    patient_id: int
    plan: MeasurementPlan | None
    suggested: MeasurementPlan
    consent: ContactConsent | None
    state: MeasurementState
    next_due: date | None
    requests: tuple[QuestionnaireRequest, ...]  # newest first
    deliveries: tuple[DeliveryEvent, ...]  # newest first, at most 50
    restarted_on: date | None = None

    @property
    def opted_out(self) -> bool:
        return self.consent is not None and self.consent.opted_out


# ------------------------------------------------------------------ the patient's side (no PHI)
class RefusalReason(str, Enum):
    """Why a link was refused: for the audit log and the delivery log only, never shown to the patient."""

    UNKNOWN = "unknown"
    TAMPERED = "tampered"
    EXPIRED = "expired"
    USED = "used"
    LOCKED = "locked"
    CANCELLED = "cancelled"
    RATE_LIMITED = "rate_limited"
    NOT_VERIFIED = "not_verified"  # answers sent before the date of birth was confirmed


@dataclass(frozen=True)
class PortalRequest:
    """What a link page may show before and while the patient answers: no name, diagnosis or record number."""

    instruments: tuple[Instrument, ...]
    clinic_name: str
    needs_dob: bool
    kiosk: bool
    expires_at: datetime


@dataclass(frozen=True)
class PortalRefusal:
    """The one friendly refusal; ``reason_kind`` is for logs only (the message is the same for every reason)."""

    reason_kind: RefusalReason
    message: str = REFUSAL_MESSAGE


PortalView = PortalRequest | PortalRefusal


@dataclass(frozen=True)
class DobCheck:
    """The answer to a date-of-birth confirmation. ``refusal`` is set when the link itself cannot be used."""

    ok: bool
    locked: bool = False
    tries_left: int = 0
    refusal: PortalRefusal | None = None
    #: Handed to the browser session that confirmed the date of birth; ``submit`` requires it (another device holding
    #: the same link must confirm the date of birth itself).
    session_proof: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Submission:
    """The answer to a patient's submitted questionnaires.

    ``crisis_message`` is set when PHQ-9 item 9 was above 0 (the page shows it at once); ``already_received`` when
    the same link was submitted before (nothing new is stored); ``refusal`` when the link cannot be used.
    """

    accepted: bool
    item9_positive: bool = False
    crisis_message: str | None = None
    already_received: bool = False
    refusal: PortalRefusal | None = None
