"""Patient-reported measurement between visits: plans, schedules, request states, link tokens, crisis messages.

Standard library only. A *measurement plan* says which instruments a patient answers, how often (a
:class:`ScheduleRule`), through which channel and when; each scheduled date becomes one *questionnaire request*,
reached through a link that carries a random token (only its SHA-256 hash is stored). Whether a patient is due,
overdue or complete is computed here from the plan and the requests, so the caseload and the chart agree.

Measurement-based care products schedule questionnaires before each visit and between visits, more often after a
treatment change (docs/science.md §11). The defaults below follow that practice; a clinician edits them on the chart.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import Enum

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.instruments import Instrument

#: Wrong date-of-birth answers that lock a link (the clinic is told).
DOB_MAX_FAILURES = 3
#: Random bytes in a link token (>= 16 bytes = 128 bits; 24 bytes = 192 bits, 32 URL-safe characters).
TOKEN_BYTES = 24
#: Bounds a clinician may set.
MAX_INTERVAL_DAYS = 365
MAX_DELIVERIES = 200
MAX_REMINDER_HOURS = 24 * 14
MAX_LINK_LIFETIME_HOURS = 24 * 30
#: Instruments patients answer themselves (by link or kiosk): every instrument but the clinician-asked C-SSRS screener.
REPORTABLE_INSTRUMENTS = tuple(i for i in Instrument if i.spec.self_report)


def patient_item_count(instrument: Instrument, answers: Sequence[int | None]) -> int:
    """How many questions a patient answering alone is asked, given the answers so far.

    Every asked item (:attr:`~novamind_core.domain.instruments.InstrumentSpec.asked_item_count`), and PHQ-9 item 10
    (functional impairment, not scored) once any of the nine items is answered above 0: the published form asks it
    "If you checked off any problems" (Kroenke 2001; Spitzer, Kroenke & Williams 1999), so a patient who reports no
    problem is not asked how difficult the problems made things.
    """
    spec = instrument.spec
    if instrument is Instrument.PHQ9 and any((a or 0) > 0 for a in answers[:len(spec.items)]):
        return len(spec.all_items)
    return spec.asked_item_count


class Channel(str, Enum):
    """How a request reaches the patient. Stored: never rename a value."""

    EMAIL = "email"
    SMS = "sms"
    KIOSK = "kiosk"  # on a clinic tablet, started by a clinician
    LINK = "link"  # printed by a clinician (CLI ``requests create --print-link``)


class AssessmentSource(str, Enum):
    """Who entered an assessment. Stored: never rename a value."""

    CLINICIAN = "clinician"
    PATIENT_REMOTE = "patient_remote"
    KIOSK = "kiosk"
    IMPORT = "import"

    @property
    def label(self) -> str:
        return {"clinician": "Entered by clinician", "patient_remote": "Patient, remote link",
                "kiosk": "Patient, clinic kiosk", "import": "Imported"}[self.value]


class RequestStatus(str, Enum):
    """Life of a questionnaire request. Stored: never rename a value."""

    PENDING = "pending"  # created; its message not yet handed to the mail/SMS server
    SENT = "sent"
    OPENED = "opened"
    COMPLETED = "completed"
    EXPIRED = "expired"
    LOCKED = "locked"  # too many wrong dates of birth
    CANCELLED = "cancelled"  # opt-out, discharge or a replaced plan

    @property
    def is_open(self) -> bool:
        return self in (RequestStatus.PENDING, RequestStatus.SENT, RequestStatus.OPENED)


class MeasurementState(str, Enum):
    """What the caseload and chart show about a patient's questionnaires."""

    NO_PLAN = "no plan"
    PAUSED = "paused"
    NOT_DUE = "not due"
    DUE = "due"
    OVERDUE = "overdue"
    COMPLETED = "completed"  # the latest scheduled request was answered

    @property
    def label(self) -> str:
        """The words the chart and the caseload show ("No plan", "Overdue")."""
        return self.value.capitalize()


@dataclass(frozen=True)
class ScheduleRule:
    """Every ``interval_days`` from the plan's anchor date, ``deliveries`` times (None: until discharge).

    After a medication change (when the plan restarts on it) the first ``after_change_count`` deliveries come every
    ``after_change_interval_days`` ("weekly for 4 weeks after a medication change, then every 2 weeks").
    """

    interval_days: int = 14
    deliveries: int | None = None
    after_change_interval_days: int | None = 7
    after_change_count: int = 4

    def __post_init__(self) -> None:
        if not 1 <= int(self.interval_days) <= MAX_INTERVAL_DAYS:
            raise ValidationError(f"interval must be 1-{MAX_INTERVAL_DAYS} days", field="interval_days",
                                  value=self.interval_days)
        if self.deliveries is not None and not 1 <= int(self.deliveries) <= MAX_DELIVERIES:
            raise ValidationError(f"number of deliveries must be 1-{MAX_DELIVERIES} (or until discharge)",
                                  field="deliveries", value=self.deliveries)
        if self.after_change_interval_days is not None and not 1 <= int(self.after_change_interval_days) <= 90:
            raise ValidationError("interval after a medication change must be 1-90 days",
                                  field="after_change_interval_days", value=self.after_change_interval_days)
        if not 0 <= int(self.after_change_count) <= 52:
            raise ValidationError("deliveries after a medication change must be 0-52", field="after_change_count",
                                  value=self.after_change_count)

    def describe(self) -> str:
        """The rule in a clinician's words, e.g. "every 2 weeks until discharge"."""
        every = _every(self.interval_days)
        until = "until discharge" if self.deliveries is None else f"{self.deliveries} times"
        text = f"{every} {until}"
        if self.after_change_interval_days and self.after_change_count:
            text += (f"; {_every(self.after_change_interval_days)} for {self.after_change_count} after a "
                     "medication change")
        return text

    def occurrences(self, anchor: date, until: date, *, restarted_on: date | None = None) -> tuple[date, ...]:
        """Scheduled dates from ``anchor`` (or the restart date) up to and including ``until``.

        With ``restarted_on`` (the date of a medication change the plan restarts on, on or after ``anchor``), the
        dates before it stand, and from it the post-change cadence runs first, then the usual interval.
        """
        out: list[date] = []
        day, n = anchor, 0
        limit = self.deliveries
        while day <= until and (limit is None or n < limit):
            if restarted_on is not None and day >= restarted_on:
                break
            out.append(day)
            n += 1
            day += timedelta(days=self.interval_days)
        if restarted_on is not None and restarted_on >= anchor:
            day, k = restarted_on, 0
            while day <= until and (limit is None or n < limit):
                out.append(day)
                n += 1
                fast = self.after_change_interval_days and k < self.after_change_count - 1
                day += timedelta(days=self.after_change_interval_days if fast else self.interval_days)
                k += 1
        return tuple(out)

    def to_json(self) -> dict[str, int | None]:
        return {"interval_days": self.interval_days, "deliveries": self.deliveries,
                "after_change_interval_days": self.after_change_interval_days,
                "after_change_count": self.after_change_count}

    @classmethod
    def from_json(cls, data: dict[str, int | None]) -> ScheduleRule:
        return cls(**{k: data[k] for k in ("interval_days", "deliveries", "after_change_interval_days",
                                            "after_change_count") if k in data})  # type: ignore[arg-type]


def _every(days: int) -> str:
    if days == 1:
        return "daily"
    if days == 7:
        return "weekly"
    if days % 7 == 0:
        return f"every {days // 7} weeks"
    return f"every {days} days"


@dataclass(frozen=True)
class MeasurementPlan:
    """A patient's questionnaire schedule (no PHI: instruments, cadence, channel, times)."""

    patient_id: int
    instruments: tuple[Instrument, ...]
    rule: ScheduleRule
    channel: Channel
    send_time: time
    reminder_after_hours: int
    link_lifetime_hours: int
    anchor_on: date
    restart_on_medication_change: bool = True
    active: bool = True
    version: int = 0
    restarted_on: date | None = None  # the medication change the rule last restarted on (docs/reporting.md)

    def __post_init__(self) -> None:
        if not self.instruments:
            raise ValidationError("choose at least one questionnaire", field="instruments", value="")
        bad = [i for i in self.instruments if i not in REPORTABLE_INSTRUMENTS]
        if bad:
            raise ValidationError(f"{bad[0].value} cannot be sent to patients", field="instruments",
                                  value=bad[0].value)
        if not 0 <= self.reminder_after_hours <= MAX_REMINDER_HOURS:
            raise ValidationError(f"reminder must be 0-{MAX_REMINDER_HOURS} hours after the invitation (0: none)",
                                  field="reminder_after_hours", value=self.reminder_after_hours)
        if not 1 <= self.link_lifetime_hours <= MAX_LINK_LIFETIME_HOURS:
            raise ValidationError(f"link lifetime must be 1-{MAX_LINK_LIFETIME_HOURS} hours",
                                  field="link_lifetime_hours", value=self.link_lifetime_hours)
        if self.reminder_after_hours >= self.link_lifetime_hours:
            raise ValidationError("the reminder must come before the link expires", field="reminder_after_hours",
                                  value=self.reminder_after_hours)


def parse_instruments(text: str | tuple[Instrument, ...] | list[str]) -> tuple[Instrument, ...]:
    """"PHQ-9,GAD-7" (or a sequence) -> instruments, de-duplicated in order; unknown names are refused by name."""
    items = text.split(",") if isinstance(text, str) else list(text)
    out: list[Instrument] = []
    for item in items:
        if isinstance(item, str) and not item.strip():
            continue
        instrument = Instrument.parse(item.strip() if isinstance(item, str) else item)
        if instrument not in out:
            out.append(instrument)
    return tuple(out)


def parse_send_time(text: str | time) -> time:
    if isinstance(text, time):
        return text.replace(second=0, microsecond=0)
    try:
        hours, minutes = (int(p) for p in str(text).strip().split(":"))
        return time(hours, minutes)
    except (ValueError, TypeError):
        raise ValidationError(f"send time {text!r} must be HH:MM (24-hour clock)", field="send_time",
                              value=str(text)) from None


def default_plan(patient_id: int, diagnosis_codes: tuple[str, ...], today: date) -> MeasurementPlan:
    """The plan a new patient gets by diagnosis (ICD-10): depression -> PHQ-9 (+ GAD-7), anxiety -> GAD-7 + PHQ-9,
    insomnia -> ISI added; every 2 weeks until discharge, weekly for 4 weeks after a medication change; e-mail at
    09:00, a reminder after 48 hours, links valid 7 days."""
    codes = tuple(c.upper() for c in diagnosis_codes)
    instruments: list[Instrument] = []
    if any(c.startswith(("F41", "F40", "F43")) for c in codes):
        instruments += [Instrument.GAD7, Instrument.PHQ9]
    if any(c.startswith(("F32", "F33", "F34", "F31")) for c in codes) or not instruments:
        instruments = [Instrument.PHQ9, *[i for i in instruments if i is not Instrument.PHQ9]]
        if Instrument.GAD7 not in instruments:
            instruments.append(Instrument.GAD7)
    if any(c.startswith(("G47", "F51")) for c in codes):
        instruments.append(Instrument.ISI)
    return MeasurementPlan(patient_id=patient_id, instruments=tuple(dict.fromkeys(instruments)), rule=ScheduleRule(),
                           channel=Channel.EMAIL, send_time=time(9, 0), reminder_after_hours=48,
                           link_lifetime_hours=24 * 7, anchor_on=today)


@dataclass(frozen=True)
class RequestSummary:
    """What the schedule needs to know of one request (no token, no PHI)."""

    id: int
    due_on: date
    status: RequestStatus
    expires_at: datetime
    completed_at: datetime | None = None


def measurement_state(plan: MeasurementPlan | None, requests: tuple[RequestSummary, ...], today: date, *,
                      overdue_after_days: int = 3, restarted_on: date | None = None) -> MeasurementState:
    """Due / overdue / completed from the plan and its requests (the one definition the caseload and chart use).

    Due: a scheduled date has come and its request is not completed (or was never created). Overdue: that has lasted
    more than ``overdue_after_days``. Completed: the latest scheduled date's request was answered.
    """
    if plan is None:
        return MeasurementState.NO_PLAN
    if not plan.active:
        return MeasurementState.PAUSED
    restarted_on = restarted_on or plan.restarted_on
    dates = plan.rule.occurrences(plan.anchor_on, today,
                                  restarted_on=restarted_on if plan.restart_on_medication_change else None)
    if not dates:
        return MeasurementState.NOT_DUE
    latest = dates[-1]
    answered = {r.due_on for r in requests if r.status is RequestStatus.COMPLETED}
    if latest in answered:
        return MeasurementState.COMPLETED
    return MeasurementState.OVERDUE if (today - latest).days > overdue_after_days else MeasurementState.DUE


def next_due(plan: MeasurementPlan | None, today: date, *, restarted_on: date | None = None) -> date | None:
    """The next scheduled date after today (None without a plan, when paused, or when the deliveries are used up)."""
    if plan is None or not plan.active:
        return None
    restarted_on = restarted_on or plan.restarted_on
    horizon = today + timedelta(days=max(plan.rule.interval_days, plan.rule.after_change_interval_days or 1) + 1)
    for day in plan.rule.occurrences(plan.anchor_on, horizon,
                                     restarted_on=restarted_on if plan.restart_on_medication_change else None):
        if day > today:
            return day
    return None


@dataclass(frozen=True)
class OutgoingMessage:
    """One e-mail or SMS as the outbox stores it and a transport sends it (plain text and HTML bodies).

    ``to`` is an address or phone number (personal data): it is kept out of ``repr`` so it never reaches a log.
    The subject and bodies never carry PHI beyond the minimum ("You have a questionnaire from <clinic>" + link).
    """

    to: str = field(repr=False)
    subject: str
    text: str
    html: str = ""

    def to_json(self) -> dict[str, str]:
        return {"to": self.to, "subject": self.subject, "text": self.text, "html": self.html}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> OutgoingMessage:
        return cls(to=data["to"], subject=data["subject"], text=data["text"], html=data.get("html", ""))


# ------------------------------------------------------------------ link tokens
def new_link_token() -> str:
    """A random link token: 192 bits, URL-safe. Only :func:`token_digest` of it is ever stored."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """SHA-256 hex of a token (a random 192-bit secret needs no salt or slow hash)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str | None) -> bool:
    """Cheap shape check before any database read: 16-64 URL-safe characters."""
    return bool(token) and 16 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def plan_occurrence_key(patient_id: int, due_on: date) -> str:
    """The unique key of one scheduled delivery: a second worker creating the same request is refused."""
    return f"{patient_id}:{due_on.isoformat()}"


# ------------------------------------------------------------------ crisis messages
CRISIS_MESSAGES: dict[str, str] = {
    "uk": ("If you are in danger or might act on thoughts of harming yourself, call 999 or go to A&E now. "
           "For urgent mental health help, call NHS 111 and choose option 2. You can talk to Samaritans any time, "
           "free, on 116 123."),
    "us": ("If you are in danger or might act on thoughts of harming yourself, call 911 now. "
           "Call or text 988 (Suicide & Crisis Lifeline) any time, free and confidential."),
}


def crisis_message(region: str, custom: str | None = None) -> str:
    """The clinic's crisis message: its own text when configured, else the default for ``region`` (uk, us)."""
    if custom and custom.strip():
        return custom.strip()
    return CRISIS_MESSAGES.get(region.lower(), CRISIS_MESSAGES["uk"])
