"""Patient-reported measurement, the clinician's side: plans, contact consent, questionnaire requests, kiosk
sessions and one's own notification preferences (docs/reporting.md).

Every call that touches a patient checks the permission and the care team first, writes one audit event and runs in
one transaction. A new request's link token is returned once, here, and never stored (only its SHA-256 is); for an
e-mail or SMS request the invitation goes into the outbox in the same transaction, so a request never exists without
its message, nor a message without its request. ``measurement_panel`` and ``medication_changed`` work inside a unit
of work someone else opened (the chart's view model, the medication service) and write no audit event of their own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from novamind_core.domain.errors import PermissionDenied, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.outbox import OutboxKind
from novamind_core.domain.reporting import (
    MAX_LINK_LIFETIME_HOURS,
    REPORTABLE_INSTRUMENTS,
    Channel,
    MeasurementPlan,
    default_plan,
    measurement_state,
    new_link_token,
    next_due,
    parse_instruments,
    token_digest,
)
from novamind_core.domain.reporting_views import (
    ContactConsent,
    CreatedRequest,
    DeliveryEventKind,
    MeasurementPanel,
    NotificationPreferences,
)
from novamind_core.domain.users import Permission, User
from novamind_core.notifications import templates
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService, not_in_future, parse_date
from novamind_core.services.drafts import drop_draft, first_submission, remember_submission, settle_repeat
from novamind_core.services.ports import UnitOfWork

#: A kiosk session's link lives this long (the clinician hands the tablet over in the room).
KIOSK_LIFETIME_HOURS = 2
#: A printed link (no plan) lives this long unless the clinician says otherwise.
DEFAULT_LINK_LIFETIME_HOURS = 24 * 7
RECENT_REQUESTS = 20
DELIVERY_LOG_LINES = 50


# ------------------------------------------------------------------ inside someone else's unit of work
def measurement_panel(uow: UnitOfWork, patient_id: int, today: date) -> MeasurementPanel:
    """The chart's measurement panel for ``patient_id`` (no authorisation, no audit: the caller does both)."""
    plan = uow.plans.get(patient_id)
    codes = tuple(d.code for d in uow.patients.diagnoses([patient_id]).get(patient_id, ()))
    suggested = default_plan(patient_id, codes, today)
    summaries = uow.requests.summaries(patient_id)
    return MeasurementPanel(
        patient_id=patient_id, plan=plan, suggested=suggested, consent=uow.consents.get(patient_id),
        state=measurement_state(plan, summaries, today), next_due=next_due(plan, today),
        requests=tuple(uow.requests.list(patient_id, RECENT_REQUESTS)),
        deliveries=tuple(uow.delivery.recent(patient_id, DELIVERY_LOG_LINES)),
        restarted_on=plan.restarted_on if plan is not None else None)


def medication_changed(uow: UnitOfWork, patient_id: int, on: date, now: datetime) -> MeasurementPlan | None:
    """A drug started or changed on ``on``: a plan that restarts on medication changes runs its post-change cadence
    from that date ("weekly for 4 weeks after a medication change, then every 2 weeks"). Returns the plan as stored
    (None: no plan, or one that does not restart)."""
    return uow.plans.restart(patient_id, on, now)


def open_request(uow: UnitOfWork, settings: Any, *, patient_id: int, instruments: Sequence[Instrument],
                 channel: Channel, now: datetime, due_on: date, lifetime_hours: int, created_by: int | None = None,
                 plan_occurrence: str | None = None) -> CreatedRequest:
    """Create one request with a fresh token and, for e-mail/SMS, queue its invitation in the same unit of work.

    Shared by :class:`ReportingService` and the worker's schedule pass (``services.notifications``). Raises
    ValidationError when an e-mail/SMS request has no consent or no address to go to (nothing is written then).
    """
    if not 1 <= int(lifetime_hours) <= MAX_LINK_LIFETIME_HOURS:
        raise ValidationError(f"link lifetime must be 1-{MAX_LINK_LIFETIME_HOURS} hours", field="lifetime_hours",
                              value=lifetime_hours)
    address = None
    if channel in (Channel.EMAIL, Channel.SMS):
        consent = uow.consents.get(patient_id)
        if consent is None or not consent.allows(channel):
            word = "e-mail" if channel is Channel.EMAIL else "text"
            why = "has opted out of messages" if consent is not None and consent.opted_out else \
                f"has no recorded consent to {word} messages"
            raise ValidationError(f"the patient {why}; record consent first or print a link", field="channel",
                                  value=channel.value)
        contact = uow.patients.get(patient_id).contact
        address = (contact.email if channel is Channel.EMAIL else contact.phone) or None
        if not address:
            raise ValidationError(f"the patient has no {'e-mail address' if channel is Channel.EMAIL else 'phone'} "
                                  "on file", field="channel", value=channel.value)
    token = new_link_token()
    expires_at = now + timedelta(hours=int(lifetime_hours))
    request = uow.requests.add(patient_id, tuple(instruments), token_digest(token), channel, due_on, now, expires_at,
                               created_by=created_by, plan_occurrence=plan_occurrence)
    if address is not None:
        message = templates.invitation(address, channel, clinic_name=settings.clinic_name,
                                       public_base_url=settings.public_base_url, token=token,
                                       expires_on=templates.expiry_text(expires_at, settings.clinic_timezone))
        uow.outbox.enqueue(OutboxKind.INVITATION, channel, f"invitation:{request.id}", patient_id, request.id, None,
                           message, now)
        uow.delivery.add(patient_id, request.id, DeliveryEventKind.QUEUED, now, f"invitation by {channel.value}")
    else:
        uow.delivery.add(patient_id, request.id, DeliveryEventKind.QUEUED, now,
                         "kiosk session started" if channel is Channel.KIOSK else "link printed by a clinician")
    return CreatedRequest(request_id=request.id, token=token,
                          link_url=templates.questionnaire_link(settings.public_base_url, token),
                          expires_at=expires_at, channel=channel)


class ReportingService(BaseService):
    """Measurement plans, consent and questionnaire requests, for the patient's care team."""

    def plan_view(self, user: User, patient_id: int) -> MeasurementPanel:
        """The measurement panel: plan (or none, with the suggested default), consent, state, requests, log."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI,
                                            AuditAction.MEASUREMENT_READ)
            panel = measurement_panel(uow, patient_id, self.ctx.today())
            self._audit(uow, actor, AuditAction.MEASUREMENT_READ, patient_id=patient_id)
            uow.commit()
            return panel

    def set_plan(self, user: User, patient_id: int, plan: MeasurementPlan, expected_version: int | None, *,
                 submission_token: str | None = None) -> MeasurementPlan:
        """Create or replace the patient's plan (``expected_version``: the version edited; None for a new plan).

        From the plan editor (``submission_token``): a repeat of the same submission (a double-click) saves no second
        version and returns the plan as it is; the user's plan draft is dropped with the save. Without a token (start
        the suggested plan, resume) the draft stays: its edits still apply."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, AuditAction.PLAN_SET)
            current = uow.plans.get(patient_id)
            if current is not None and first_submission(uow, submission_token, actor.id,
                                                        FormName.MEASUREMENT_PLAN) is not None:
                settle_repeat(uow, actor.id, patient_id, FormName.MEASUREMENT_PLAN)
                return current
            plan = dataclasses.replace(plan, patient_id=patient_id,
                                       restarted_on=plan.restarted_on or (current.restarted_on if current else None))
            saved = uow.plans.save(plan, expected_version, actor.id if actor.id > 0 else None, self.ctx.now())
            if submission_token:  # saved from the editor: its draft is saved too (start / resume leave it)
                remember_submission(uow, submission_token, actor.id, FormName.MEASUREMENT_PLAN, patient_id,
                                    self.ctx.now())
                drop_draft(uow, actor.id, patient_id, FormName.MEASUREMENT_PLAN)
            self._audit(uow, actor, AuditAction.PLAN_SET, patient_id=patient_id,
                        detail=f"{','.join(i.value for i in saved.instruments)} {saved.rule.describe()} "
                               f"by {saved.channel.value}{'' if saved.active else ' (paused)'}")
            uow.commit()
            return saved

    def pause_plan(self, user: User, patient_id: int, expected_version: int | None) -> MeasurementPlan:
        """Pause the plan: no new requests are made (open ones stay usable); ``set_plan`` with ``active`` resumes."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, AuditAction.PLAN_PAUSE)
            plan = uow.plans.set_active(patient_id, False, expected_version, actor.id if actor.id > 0 else None,
                                        self.ctx.now())
            self._audit(uow, actor, AuditAction.PLAN_PAUSE, patient_id=patient_id)
            uow.commit()
            return plan

    def record_consent(self, user: User, patient_id: int, *, email: bool, sms: bool,
                       recorded_on: date | str | None = None, submission_token: str | None = None
                       ) -> ContactConsent:
        """Record the patient's consent to e-mail and SMS (who and when); recording it again lifts an opt-out. With
        ``submission_token``, a repeat (a double-click) records nothing more. The user's consent draft is dropped."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.CONSENT_RECORD)
            if first_submission(uow, submission_token, actor.id, FormName.CONSENT) is not None:
                repeat = uow.consents.get(patient_id)
                if repeat is not None:  # a double-click: nothing recorded again; the draft goes as the first did
                    drop_draft(uow, actor.id, patient_id, FormName.CONSENT)
                    uow.commit()
                    return repeat
            today = self.ctx.today()
            on = not_in_future(parse_date(recorded_on, "recorded_on", default=today), today, "recorded_on")
            consent = uow.consents.record(patient_id, email=bool(email), sms=bool(sms), recorded_on=on,
                                          recorded_by=actor.id if actor.id > 0 else None)
            remember_submission(uow, submission_token, actor.id, FormName.CONSENT, patient_id, self.ctx.now())
            drop_draft(uow, actor.id, patient_id, FormName.CONSENT)
            self._audit(uow, actor, AuditAction.CONSENT_RECORD, patient_id=patient_id,
                        detail=f"email={'yes' if email else 'no'} sms={'yes' if sms else 'no'}")
            uow.commit()
            return consent

    def create_request(self, user: User, patient_id: int, instruments: str | Sequence[Instrument | str], *,
                       channel: Channel | str = Channel.LINK, lifetime_hours: int | None = None) -> CreatedRequest:
        """A one-off request now: by e-mail/SMS (queued in the outbox) or as a link the clinician passes on."""
        chosen = Channel(channel)
        if chosen is Channel.KIOSK:
            raise ValidationError("start a kiosk session with start_kiosk", field="channel", value=chosen.value)
        return self._create(user, patient_id, instruments, chosen, lifetime_hours, AuditAction.REQUEST_CREATE)

    def start_kiosk(self, user: User, patient_id: int,
                    instruments: str | Sequence[Instrument | str] | None = None) -> CreatedRequest:
        """A kiosk session on a clinic tablet (no date-of-birth check: the clinician hands the tablet over)."""
        return self._create(user, patient_id, instruments, Channel.KIOSK, KIOSK_LIFETIME_HOURS,
                            AuditAction.KIOSK_START)

    def _create(self, user: User, patient_id: int, instruments: str | Sequence[Instrument | str] | None,
                channel: Channel, lifetime_hours: int | None, action: str) -> CreatedRequest:
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, action)
            plan = uow.plans.get(patient_id)
            chosen = parse_instruments(instruments) if instruments else None  # type: ignore[arg-type]
            if not chosen:
                chosen = plan.instruments if plan else measurement_panel(uow, patient_id,
                                                                         self.ctx.today()).suggested.instruments
            refused = [i for i in chosen if i not in REPORTABLE_INSTRUMENTS]
            if refused:
                raise ValidationError(f"{refused[0].value} cannot be sent to patients", field="instruments",
                                      value=refused[0].value)
            hours = lifetime_hours or (plan.link_lifetime_hours if plan else DEFAULT_LINK_LIFETIME_HOURS)
            created = open_request(uow, self.ctx.settings, patient_id=patient_id, instruments=chosen,
                                   channel=channel, now=self.ctx.now(), due_on=self.ctx.today(),
                                   lifetime_hours=hours, created_by=actor.id if actor.id > 0 else None)
            self._audit(uow, actor, action, patient_id=patient_id,
                        detail=f"request {created.request_id} {','.join(i.value for i in chosen)} by {channel.value}")
            uow.commit()
            return created

    # ------------------------------------------------------------------ one's own notification preferences
    def notification_preferences(self, user: User) -> NotificationPreferences:
        """The caller's own preferences (defaults when never set: urgent alerts by e-mail, no address yet)."""
        with self._tx() as uow:
            actor = self._active(uow, user, AuditAction.NOTIFICATION_PREFERENCES)
            prefs = uow.preferences.get(actor.id) or NotificationPreferences(actor.id)
            self._audit(uow, actor, AuditAction.NOTIFICATION_PREFERENCES, detail="read")
            uow.commit()
            return prefs

    def set_notification_preferences(self, user: User, *, email: str | None,
                                     urgent_by_email: bool) -> NotificationPreferences:
        """Set the caller's own preferences: where urgent alerts are e-mailed, and whether they are."""
        from novamind_core.domain.patients import Contact

        address = (email or "").strip() or None
        if address is not None:
            try:
                Contact(email=address)
            except ValidationError:
                raise ValidationError("enter a valid e-mail address (name@example.org)", field="email") from None
        with self._tx() as uow:
            actor = self._active(uow, user, AuditAction.NOTIFICATION_PREFERENCES)
            prefs = uow.preferences.set(actor.id, email=address, urgent_by_email=bool(urgent_by_email),
                                        now=self.ctx.now())
            self._audit(uow, actor, AuditAction.NOTIFICATION_PREFERENCES,
                        detail=f"urgent_by_email={'yes' if urgent_by_email else 'no'}")
            uow.commit()
            return prefs

    def _active(self, uow: UnitOfWork, user: User, action: str) -> User:
        fresh = self._fresh(uow, user)
        if not fresh.active or fresh.id <= 0:
            self._deny(uow, fresh, action, None, PermissionDenied(
                "your account is deactivated" if not fresh.active else "sign in as a staff member first"))
        return fresh
