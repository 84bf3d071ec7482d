"""Fake repositories for patient-reported measurement (in memory, same domain types in and out as
``novamind_core/db/repositories/reporting.py``): plans, consent, requests, delivery log, rate limits, preferences."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from novamind_core.domain.errors import ConflictError, NotFoundError, StaleWriteError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.reporting import Channel, MeasurementPlan, RequestStatus, RequestSummary
from novamind_core.domain.reporting_views import (
    ConsentSource,
    ContactConsent,
    DeliveryEvent,
    DeliveryEventKind,
    NotificationPreferences,
    QuestionnaireRequest,
)


class FakeMeasurementPlanRepository:
    def __init__(self) -> None:
        self.plans: dict[int, MeasurementPlan] = {}

    def get(self, patient_id: int) -> MeasurementPlan | None:
        return self.plans.get(patient_id)

    def for_patients(self, patient_ids: Sequence[int]) -> dict[int, MeasurementPlan]:
        return {p: self.plans[p] for p in patient_ids if p in self.plans}

    def active(self) -> list[MeasurementPlan]:
        return [p for _, p in sorted(self.plans.items()) if p.active]

    def _check(self, patient_id: int, expected_version: int | None) -> MeasurementPlan | None:
        current = self.plans.get(patient_id)
        if current is not None and expected_version is not None and current.version != expected_version:
            raise StaleWriteError("the measurement plan was changed by someone else")
        return current

    def save(self, plan: MeasurementPlan, expected_version: int | None, user_id: int | None,
             now: datetime) -> MeasurementPlan:
        current = self._check(plan.patient_id, expected_version or None)
        if current is None and expected_version:
            raise StaleWriteError("the measurement plan was removed by someone else")
        stored = dataclasses.replace(plan, version=(current.version if current else 0) + 1)
        self.plans[plan.patient_id] = stored
        return stored

    def set_active(self, patient_id: int, active: bool, expected_version: int | None, user_id: int | None,
                   now: datetime) -> MeasurementPlan:
        current = self._check(patient_id, expected_version)
        if current is None:
            raise NotFoundError(f"patient {patient_id} has no measurement plan")
        self.plans[patient_id] = dataclasses.replace(current, active=active, version=current.version + 1)
        return self.plans[patient_id]

    def restart(self, patient_id: int, on: date, now: datetime) -> MeasurementPlan | None:
        current = self.plans.get(patient_id)
        if current is None or not current.restart_on_medication_change:
            return None
        if current.restarted_on is None or on > current.restarted_on:
            current = self.plans[patient_id] = dataclasses.replace(current, restarted_on=on,
                                                                   version=current.version + 1)
        return current


class FakeContactConsentRepository:
    def __init__(self) -> None:
        self.consents: dict[int, ContactConsent] = {}

    def get(self, patient_id: int) -> ContactConsent | None:
        return self.consents.get(patient_id)

    def record(self, patient_id: int, *, email: bool, sms: bool, recorded_on: date,
               recorded_by: int | None) -> ContactConsent:
        self.consents[patient_id] = ContactConsent(patient_id, email, sms, recorded_on, recorded_by)
        return self.consents[patient_id]

    def opt_out(self, patient_id: int, now: datetime, source: ConsentSource) -> ContactConsent:
        current = self.consents.get(patient_id) or ContactConsent(patient_id, False, False, now.date())
        if current.opted_out_at is None:
            current = dataclasses.replace(current, opted_out_at=now, opt_out_source=source)
        self.consents[patient_id] = current
        return current


class FakeQuestionnaireRequestRepository:
    def __init__(self) -> None:
        self.requests: dict[int, QuestionnaireRequest] = {}
        self.digests: dict[int, str] = {}  # what the database column holds: the token's SHA-256, never the token
        self.ids = itertools.count(1)

    def add(self, patient_id: int, instruments: Sequence[Instrument], token_digest: str, channel: Channel,
            due_on: date, now: datetime, expires_at: datetime, *, created_by: int | None = None,
            plan_occurrence: str | None = None) -> QuestionnaireRequest:
        if plan_occurrence and self.exists_occurrence(plan_occurrence):
            raise ConflictError("the change conflicts with existing data (a uniqueness rule would be broken)")
        sent = channel in (Channel.LINK, Channel.KIOSK)
        request = QuestionnaireRequest(
            id=next(self.ids), patient_id=patient_id, instruments=tuple(instruments), channel=channel, due_on=due_on,
            status=RequestStatus.SENT if sent else RequestStatus.PENDING, created_at=now, expires_at=expires_at,
            created_by=created_by, plan_occurrence=plan_occurrence, sent_at=now if sent else None, version=1)
        self.requests[request.id] = request
        self.digests[request.id] = token_digest
        return request

    def get(self, request_id: int) -> QuestionnaireRequest:
        if request_id not in self.requests:
            raise NotFoundError(f"questionnaire request {request_id} does not exist")
        return self.requests[request_id]

    def by_digest(self, token_digest: str, *, for_update: bool = False) -> QuestionnaireRequest | None:
        return next((self.requests[i] for i, d in self.digests.items() if d == token_digest), None)

    def exists_occurrence(self, plan_occurrence: str) -> bool:
        return any(r.plan_occurrence == plan_occurrence for r in self.requests.values())

    def list(self, patient_id: int, limit: int = 20) -> list[QuestionnaireRequest]:
        mine = [r for r in self.requests.values() if r.patient_id == patient_id]
        return sorted(mine, key=lambda r: (r.created_at, r.id), reverse=True)[:limit]

    def summaries(self, patient_id: int) -> tuple[RequestSummary, ...]:
        return tuple(r.summary for r in self.requests.values() if r.patient_id == patient_id)

    def _set(self, request_id: int, **values: object) -> QuestionnaireRequest:
        current = self.get(request_id)
        self.requests[request_id] = dataclasses.replace(current, version=current.version + 1, **values)
        return self.requests[request_id]

    def mark_opened(self, request_id: int, now: datetime) -> QuestionnaireRequest:
        return self._set(request_id, status=RequestStatus.OPENED, opened_at=self.get(request_id).opened_at or now)

    def mark_sent(self, request_id: int, now: datetime) -> QuestionnaireRequest:
        return self._set(request_id, status=RequestStatus.SENT, sent_at=now)

    def mark_reminded(self, request_id: int, now: datetime) -> QuestionnaireRequest:
        return self._set(request_id, reminded_at=now)

    def mark_verified(self, request_id: int, now: datetime, proof_digest: str) -> QuestionnaireRequest:
        return self._set(request_id, verified_at=now, verified_proof_digest=proof_digest)

    def record_dob_failure(self, request_id: int) -> int:
        return self._set(request_id, dob_failures=self.get(request_id).dob_failures + 1).dob_failures

    def lock(self, request_id: int) -> QuestionnaireRequest:
        return self._set(request_id, status=RequestStatus.LOCKED)

    def mark_expired(self, request_id: int) -> QuestionnaireRequest:
        return self._set(request_id, status=RequestStatus.EXPIRED)

    def replace_token(self, request_id: int, token_digest: str) -> QuestionnaireRequest:
        self.digests[request_id] = token_digest
        return self.get(request_id)

    def complete(self, request_id: int, now: datetime) -> bool:
        if not self.get(request_id).status.is_open:
            return False
        self._set(request_id, status=RequestStatus.COMPLETED, completed_at=now)
        return True

    def cancel_open(self, patient_id: int) -> list[int]:
        ids = [r.id for r in self.requests.values() if r.patient_id == patient_id and r.status.is_open]
        for i in ids:
            self._set(i, status=RequestStatus.CANCELLED)
        return ids

    def expire_due(self, now: datetime, limit: int = 500) -> list[QuestionnaireRequest]:
        due = [r.id for r in self.requests.values() if r.status.is_open and r.expires_at <= now][:limit]
        return [self._set(i, status=RequestStatus.EXPIRED) for i in due]


class FakeDeliveryLogRepository:
    def __init__(self) -> None:
        self.events: list[DeliveryEvent] = []

    def add(self, patient_id: int, request_id: int | None, event: DeliveryEventKind, at: datetime,
            detail: str = "") -> DeliveryEvent:
        self.events.append(DeliveryEvent(len(self.events) + 1, patient_id, request_id, event, at, detail[:300]))
        return self.events[-1]

    def recent(self, patient_id: int, limit: int = 50) -> list[DeliveryEvent]:
        mine = [e for e in self.events if e.patient_id == patient_id]
        return sorted(mine, key=lambda e: (e.at, e.id), reverse=True)[:limit]


class FakeRateLimitRepository:
    def __init__(self) -> None:
        self.windows: dict[str, tuple[datetime, int]] = {}

    def hit(self, key: str, now: datetime, window: timedelta) -> int:
        start, count = self.windows.get(key, (now, 0))
        if start <= now - window:
            start, count = now, 0
        self.windows[key] = (start, count + 1)
        return count + 1

    def purge(self, older_than: datetime) -> int:
        old = [k for k, (start, _) in self.windows.items() if start < older_than]
        for k in old:
            del self.windows[k]
        return len(old)


class FakeNotificationPreferenceRepository:
    def __init__(self) -> None:
        self.preferences: dict[int, NotificationPreferences] = {}

    def get(self, user_id: int) -> NotificationPreferences | None:
        return self.preferences.get(user_id)

    def for_users(self, user_ids: Sequence[int]) -> dict[int, NotificationPreferences]:
        return {u: self.preferences[u] for u in user_ids if u in self.preferences}

    def set(self, user_id: int, *, email: str | None, urgent_by_email: bool, now: datetime) -> NotificationPreferences:
        self.preferences[user_id] = NotificationPreferences(user_id, email, urgent_by_email, now)
        return self.preferences[user_id]
