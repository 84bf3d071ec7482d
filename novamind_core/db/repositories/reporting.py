"""Repositories for patient-reported measurement: plans, contact consent, questionnaire requests, the delivery log,
shared rate limits and staff notification preferences (docs/reporting.md).

Each takes and returns domain objects (``novamind_core.domain.reporting`` / ``reporting_views``); rows never leave
this module. Request tokens never reach the database: only their SHA-256 (``token_digest``) does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from novamind_core.db.models import (
    ContactConsentRow,
    DeliveryEventRow,
    MeasurementPlanRow,
    NotificationPreferenceRow,
    QuestionnaireRequestRow,
    RateLimitRow,
    UserRow,
)
from novamind_core.domain.errors import NotFoundError, StaleWriteError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.reporting import (
    Channel,
    MeasurementPlan,
    RequestStatus,
    RequestSummary,
    ScheduleRule,
    parse_instruments,
    parse_send_time,
)
from novamind_core.domain.reporting_views import (
    ConsentSource,
    ContactConsent,
    DeliveryEvent,
    DeliveryEventKind,
    NotificationPreferences,
    QuestionnaireRequest,
)

_OPEN = tuple(s.value for s in RequestStatus if s.is_open)


def _instruments_text(instruments: Sequence[Instrument]) -> str:
    return ",".join(i.value for i in instruments)


class MeasurementPlanRepository:
    """At most one plan per patient (``active`` False pauses it); optimistic locking on ``version``."""

    def __init__(self, session: Session):
        self.session = session

    @staticmethod
    def to_domain(row: MeasurementPlanRow) -> MeasurementPlan:
        return MeasurementPlan(
            patient_id=row.patient_id, instruments=parse_instruments(row.instruments),
            rule=ScheduleRule.from_json(json.loads(row.rule)), channel=Channel(row.channel),
            send_time=parse_send_time(row.send_time), reminder_after_hours=row.reminder_after_hours,
            link_lifetime_hours=row.link_lifetime_hours, anchor_on=row.anchor_on,
            restart_on_medication_change=row.restart_on_medication_change, active=row.active, version=row.version,
            restarted_on=row.restarted_on)

    def get(self, patient_id: int) -> MeasurementPlan | None:
        row = self.session.get(MeasurementPlanRow, patient_id)
        return self.to_domain(row) if row is not None else None

    def for_patients(self, patient_ids: Sequence[int]) -> dict[int, MeasurementPlan]:
        if not patient_ids:
            return {}
        rows = self.session.scalars(select(MeasurementPlanRow).where(MeasurementPlanRow.patient_id.in_(
            list(patient_ids))))
        return {r.patient_id: self.to_domain(r) for r in rows}

    def active(self) -> list[MeasurementPlan]:
        """Every active plan (the worker's schedule pass), by patient."""
        stmt = select(MeasurementPlanRow).where(MeasurementPlanRow.active.is_(True)).order_by(
            MeasurementPlanRow.patient_id)
        return [self.to_domain(r) for r in self.session.scalars(stmt)]

    def _locked(self, patient_id: int, expected_version: int | None) -> MeasurementPlanRow | None:
        row = self.session.get(MeasurementPlanRow, patient_id)
        if row is not None and expected_version is not None and row.version != expected_version:
            raise StaleWriteError("the measurement plan was changed by someone else; reload it and apply your "
                                  "change again")
        return row

    def save(self, plan: MeasurementPlan, expected_version: int | None, user_id: int | None,
             now: datetime) -> MeasurementPlan:
        """Create or replace the patient's plan (``expected_version`` None: no check; 0: it must not exist yet)."""
        row = self._locked(plan.patient_id, expected_version or None)
        if row is None and expected_version:
            raise StaleWriteError("the measurement plan was removed by someone else; reload the chart")
        if row is None:
            row = MeasurementPlanRow(patient_id=plan.patient_id, version=0)
            self.session.add(row)
        row.instruments = _instruments_text(plan.instruments)
        row.rule = json.dumps(plan.rule.to_json(), separators=(",", ":"))
        row.channel = plan.channel.value
        row.send_time = plan.send_time.strftime("%H:%M")
        row.reminder_after_hours = plan.reminder_after_hours
        row.link_lifetime_hours = plan.link_lifetime_hours
        row.anchor_on = plan.anchor_on
        row.restarted_on = plan.restarted_on
        row.restart_on_medication_change = plan.restart_on_medication_change
        row.active = plan.active
        row.updated_at = now
        row.updated_by = user_id
        self.session.flush()
        return self.to_domain(row)

    def set_active(self, patient_id: int, active: bool, expected_version: int | None, user_id: int | None,
                   now: datetime) -> MeasurementPlan:
        row = self._locked(patient_id, expected_version)
        if row is None:
            raise NotFoundError(f"patient {patient_id} has no measurement plan")
        row.active, row.updated_at, row.updated_by = active, now, user_id
        self.session.flush()
        return self.to_domain(row)

    def restart(self, patient_id: int, on: date, now: datetime) -> MeasurementPlan | None:
        """Record a medication change the plan restarts on (a plan that does not restart is left alone)."""
        row = self.session.get(MeasurementPlanRow, patient_id)
        if row is None or not row.restart_on_medication_change:
            return None
        if row.restarted_on is None or on > row.restarted_on:
            row.restarted_on, row.updated_at = on, now
            self.session.flush()
        return self.to_domain(row)


class ContactConsentRepository:
    def __init__(self, session: Session):
        self.session = session

    def _to_domain(self, row: ContactConsentRow) -> ContactConsent:
        name = (self.session.scalar(select(UserRow.display_name).where(UserRow.id == row.recorded_by))
                if row.recorded_by else None)
        return ContactConsent(
            patient_id=row.patient_id, email=row.email_consent, sms=row.sms_consent, recorded_on=row.recorded_on,
            recorded_by=row.recorded_by, recorded_by_name=name, opted_out_at=row.opted_out_at,
            opt_out_source=ConsentSource(row.opt_out_source) if row.opt_out_source else None)

    def get(self, patient_id: int) -> ContactConsent | None:
        row = self.session.get(ContactConsentRow, patient_id)
        return self._to_domain(row) if row is not None else None

    def record(self, patient_id: int, *, email: bool, sms: bool, recorded_on: date,
               recorded_by: int | None) -> ContactConsent:
        """Record (or re-record) consent; recording it again after an opt-out lifts the opt-out."""
        row = self.session.get(ContactConsentRow, patient_id)
        if row is None:
            row = ContactConsentRow(patient_id=patient_id)
            self.session.add(row)
        row.email_consent, row.sms_consent, row.recorded_on, row.recorded_by = email, sms, recorded_on, recorded_by
        row.opted_out_at, row.opt_out_source = None, None
        self.session.flush()
        return self._to_domain(row)

    def opt_out(self, patient_id: int, now: datetime, source: ConsentSource) -> ContactConsent:
        row = self.session.get(ContactConsentRow, patient_id)
        if row is None:
            row = ContactConsentRow(patient_id=patient_id, email_consent=False, sms_consent=False,
                                    recorded_on=now.date(), recorded_by=None)
            self.session.add(row)
        if row.opted_out_at is None:
            row.opted_out_at, row.opt_out_source = now, source.value
        self.session.flush()
        return self._to_domain(row)


class QuestionnaireRequestRepository:
    def __init__(self, session: Session):
        self.session = session

    @staticmethod
    def to_domain(r: QuestionnaireRequestRow) -> QuestionnaireRequest:
        return QuestionnaireRequest(
            id=r.id, patient_id=r.patient_id, instruments=parse_instruments(r.instruments), channel=Channel(r.channel),
            due_on=r.due_on, status=RequestStatus(r.status), created_at=r.created_at, expires_at=r.expires_at,
            created_by=r.created_by, plan_occurrence=r.plan_occurrence, sent_at=r.sent_at, reminded_at=r.reminded_at,
            opened_at=r.opened_at, verified_at=r.verified_at, completed_at=r.completed_at,
            dob_failures=r.dob_failures or 0, version=r.version, verified_proof_digest=r.verified_proof)

    def add(self, patient_id: int, instruments: Sequence[Instrument], token_digest: str, channel: Channel,
            due_on: date, now: datetime, expires_at: datetime, *, created_by: int | None = None,
            plan_occurrence: str | None = None) -> QuestionnaireRequest:
        """Store a new request (PENDING; a printed link or kiosk session starts SENT). A second request for the same
        ``plan_occurrence`` breaks a unique rule (ConflictError at commit or flush)."""
        status = RequestStatus.SENT if channel in (Channel.LINK, Channel.KIOSK) else RequestStatus.PENDING
        row = QuestionnaireRequestRow(
            patient_id=patient_id, instruments=_instruments_text(instruments), token_hash=token_digest,
            channel=channel.value, due_on=due_on, plan_occurrence=plan_occurrence, status=status.value,
            created_at=now, created_by=created_by, expires_at=expires_at,
            sent_at=now if status is RequestStatus.SENT else None, dob_failures=0)
        self.session.add(row)
        self.session.flush()
        return self.to_domain(row)

    def _row(self, request_id: int) -> QuestionnaireRequestRow:
        row = self.session.get(QuestionnaireRequestRow, request_id)
        if row is None:
            raise NotFoundError(f"questionnaire request {request_id} does not exist")
        return row

    def get(self, request_id: int) -> QuestionnaireRequest:
        return self.to_domain(self._row(request_id))

    def by_digest(self, token_digest: str, *, for_update: bool = False) -> QuestionnaireRequest | None:
        stmt = select(QuestionnaireRequestRow).where(QuestionnaireRequestRow.token_hash == token_digest)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.scalars(stmt).first()
        return self.to_domain(row) if row is not None else None

    def exists_occurrence(self, plan_occurrence: str) -> bool:
        stmt = select(QuestionnaireRequestRow.id).where(QuestionnaireRequestRow.plan_occurrence == plan_occurrence)
        return self.session.scalar(stmt) is not None

    def list(self, patient_id: int, limit: int = 20) -> list[QuestionnaireRequest]:
        """The patient's requests, newest first."""
        R = QuestionnaireRequestRow
        stmt = select(R).where(R.patient_id == patient_id).order_by(R.created_at.desc(), R.id.desc()).limit(limit)
        return [self.to_domain(r) for r in self.session.scalars(stmt)]

    def summaries(self, patient_id: int) -> tuple[RequestSummary, ...]:
        R = QuestionnaireRequestRow
        stmt = select(R.id, R.due_on, R.status, R.expires_at, R.completed_at).where(R.patient_id == patient_id)
        return tuple(RequestSummary(id=i, due_on=d, status=RequestStatus(s), expires_at=e, completed_at=c)
                     for i, d, s, e, c in self.session.execute(stmt))

    def _set(self, request_id: int, **values: object) -> QuestionnaireRequest:
        row = self._row(request_id)
        for key, value in values.items():
            setattr(row, key, value.value if isinstance(value, RequestStatus) else value)
        self.session.flush()
        return self.to_domain(row)

    def mark_opened(self, request_id: int, now: datetime) -> QuestionnaireRequest:
        row = self._row(request_id)
        values: dict[str, object] = {"status": RequestStatus.OPENED}
        if row.opened_at is None:
            values["opened_at"] = now
        return self._set(request_id, **values)

    def mark_sent(self, request_id: int, now: datetime) -> QuestionnaireRequest:
        return self._set(request_id, status=RequestStatus.SENT, sent_at=now)

    def mark_reminded(self, request_id: int, now: datetime) -> QuestionnaireRequest:
        return self._set(request_id, reminded_at=now)

    def mark_verified(self, request_id: int, now: datetime, proof_digest: str) -> QuestionnaireRequest:
        return self._set(request_id, verified_at=now, verified_proof=proof_digest)

    def record_dob_failure(self, request_id: int) -> int:
        """Count one wrong date of birth atomically; returns the count after it."""
        R = QuestionnaireRequestRow
        self.session.execute(update(R).where(R.id == request_id).values(dob_failures=R.dob_failures + 1,
                                                                        version=R.version + 1))
        self.session.expire_all()
        return int(self.session.scalar(select(R.dob_failures).where(R.id == request_id)) or 0)

    def lock(self, request_id: int) -> QuestionnaireRequest:
        return self._set(request_id, status=RequestStatus.LOCKED)

    def mark_expired(self, request_id: int) -> QuestionnaireRequest:
        return self._set(request_id, status=RequestStatus.EXPIRED)

    def replace_token(self, request_id: int, token_digest: str) -> QuestionnaireRequest:
        """A new link for an open request (the old one stops working)."""
        return self._set(request_id, token_hash=token_digest)

    def complete(self, request_id: int, now: datetime) -> bool:
        """Mark an open request completed; False when it was not open (already completed: a double submit)."""
        R = QuestionnaireRequestRow
        changed = self.session.execute(
            update(R).where(R.id == request_id, R.status.in_(_OPEN))
            .values(status=RequestStatus.COMPLETED.value, completed_at=now, version=R.version + 1)).rowcount
        self.session.expire_all()
        return bool(changed)

    def cancel_open(self, patient_id: int) -> list[int]:
        """Cancel every open request of the patient (opt-out, pause, discharge); returns their ids."""
        R = QuestionnaireRequestRow
        ids = list(self.session.scalars(select(R.id).where(R.patient_id == patient_id, R.status.in_(_OPEN))))
        if ids:
            self.session.execute(update(R).where(R.id.in_(ids)).values(status=RequestStatus.CANCELLED.value,
                                                                       version=R.version + 1))
            self.session.expire_all()
        return ids

    def expire_due(self, now: datetime, limit: int = 500) -> list[QuestionnaireRequest]:
        """Mark open requests past their expiry EXPIRED; returns them as they are now."""
        R = QuestionnaireRequestRow
        rows = list(self.session.scalars(select(R).where(R.status.in_(_OPEN), R.expires_at <= now)
                                         .order_by(R.id).limit(limit)))
        for row in rows:
            row.status = RequestStatus.EXPIRED.value
        self.session.flush()
        return [self.to_domain(r) for r in rows]

    def due_reminders(self, now: datetime, limit: int = 500) -> list[tuple[QuestionnaireRequest, int]]:
        """Sent or opened, unanswered, unexpired, not yet reminded: ``[(request, reminder_after_hours)]`` of those
        whose plan asks for a reminder (the caller checks the hours against ``sent_at``)."""
        R, P = QuestionnaireRequestRow, MeasurementPlanRow
        stmt = (select(R, P.reminder_after_hours).join(P, P.patient_id == R.patient_id)
                .where(R.status.in_((RequestStatus.SENT.value, RequestStatus.OPENED.value)), R.reminded_at.is_(None),
                       R.expires_at > now, R.sent_at.is_not(None), P.reminder_after_hours > 0)
                .order_by(R.id).limit(limit))
        return [(self.to_domain(r), int(h)) for r, h in self.session.execute(stmt)]


class DeliveryLogRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, patient_id: int, request_id: int | None, event: DeliveryEventKind, at: datetime,
            detail: str = "") -> DeliveryEvent:
        row = DeliveryEventRow(patient_id=patient_id, request_id=request_id, event=event.value, at=at,
                               detail=detail[:300])
        self.session.add(row)
        self.session.flush()
        return DeliveryEvent(row.id, patient_id, request_id, event, at, row.detail)

    def recent(self, patient_id: int, limit: int = 50) -> list[DeliveryEvent]:
        """The patient's delivery log, newest first."""
        D = DeliveryEventRow
        stmt = select(D).where(D.patient_id == patient_id).order_by(D.at.desc(), D.id.desc()).limit(limit)
        return [DeliveryEvent(r.id, r.patient_id, r.request_id, DeliveryEventKind(r.event), r.at, r.detail or "")
                for r in self.session.scalars(stmt)]


class RateLimitRepository:
    """Fixed-window attempt counters shared by every process: one atomic upsert per hit (SQLite and PostgreSQL)."""

    def __init__(self, session: Session):
        self.session = session

    def hit(self, key: str, now: datetime, window: timedelta) -> int:
        """Count one attempt under ``key``; returns the attempts in the current window, this one included.

        A window older than ``window`` restarts at ``now`` with a count of 1. The read-modify-write happens inside
        one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, so concurrent processes never lose a count.
        """
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        T = RateLimitRow
        stmt = insert(T).values(key=key[:80], window_start=now, count=1)
        stale = T.window_start <= now - window  # type: ignore[operator]
        excluded = stmt.excluded
        stmt = stmt.on_conflict_do_update(
            index_elements=[T.key],
            set_={"count": case((stale, 1), else_=T.count + 1),
                  "window_start": case((stale, excluded.window_start), else_=T.window_start)},
        ).returning(T.count)
        return int(self.session.execute(stmt).scalar_one())

    def purge(self, older_than: datetime) -> int:
        """Drop counters whose window started before ``older_than`` (housekeeping)."""
        from sqlalchemy import delete

        return int(self.session.execute(delete(RateLimitRow).where(RateLimitRow.window_start < older_than)).rowcount
                   or 0)


class NotificationPreferenceRepository:
    def __init__(self, session: Session):
        self.session = session

    @staticmethod
    def _to_domain(row: NotificationPreferenceRow) -> NotificationPreferences:
        return NotificationPreferences(row.user_id, row.email, row.urgent_by_email, row.updated_at)

    def get(self, user_id: int) -> NotificationPreferences | None:
        row = self.session.get(NotificationPreferenceRow, user_id)
        return self._to_domain(row) if row is not None else None

    def for_users(self, user_ids: Sequence[int]) -> dict[int, NotificationPreferences]:
        if not user_ids:
            return {}
        rows = self.session.scalars(select(NotificationPreferenceRow).where(
            NotificationPreferenceRow.user_id.in_(list(user_ids))))
        return {r.user_id: self._to_domain(r) for r in rows}

    def set(self, user_id: int, *, email: str | None, urgent_by_email: bool, now: datetime) -> NotificationPreferences:
        row = self.session.get(NotificationPreferenceRow, user_id)
        if row is None:
            row = NotificationPreferenceRow(user_id=user_id)
            self.session.add(row)
        row.email, row.urgent_by_email, row.updated_at = email, urgent_by_email, now
        self.session.flush()
        return self._to_domain(row)
