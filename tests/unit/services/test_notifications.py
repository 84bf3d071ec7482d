"""The notification service on the in-memory unit of work: dispatch, back-off, dead letters, idempotent scheduling."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from novamind_core.domain.outbox import DeliveryError, OutboxKind, OutboxStatus, retry_delay
from novamind_core.domain.patients import Contact, Patient, SexAtBirth
from novamind_core.domain.reporting import Channel, OutgoingMessage, RequestStatus, default_plan
from novamind_core.domain.reporting_views import DeliveryEventKind
from novamind_core.services.notifications import NotificationService
from tests.fakes.uow import FakeStore, FakeUnitOfWork, fake_context

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # 10:00 in London (BST)
PID = 101
EMAIL = "ada.testcase@example.invalid"
MESSAGE = OutgoingMessage(to=EMAIL, subject="You have a questionnaire from C", text="http://x/questionnaire?t=abc")


class Recorder:
    """A transport that records what it sent, or fails as told."""

    def __init__(self, fail: DeliveryError | None = None):
        self.fail = fail
        self.sent: list[str] = []

    def send(self, message: OutgoingMessage, channel: Channel, idempotency_key: str) -> None:
        if self.fail is not None:
            raise self.fail
        self.sent.append(idempotency_key)

    def close(self) -> None:
        pass


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    store.repositories["patients"].put(
        Patient(id=PID, mrn="NM-000101", given_name="Ada", family_name="Testcase", date_of_birth=date(1980, 1, 2),
                sex_at_birth=SexAtBirth.FEMALE, care_team=(7,), contact=Contact(email=EMAIL)),
        registered_on=date(2026, 5, 20))
    return store


def service(store: FakeStore, **settings: object) -> NotificationService:
    values = {"clinic_name": "Riverside Clinic", "public_base_url": "https://clinic.example",
              "worker_batch_size": 50, "worker_max_attempts": 4, **settings}
    return NotificationService(fake_context(store, clock=lambda: NOW, **values))


def enqueue(store: FakeStore, key: str = "urgent:1", kind: OutboxKind = OutboxKind.URGENT_ALERT) -> int:
    with FakeUnitOfWork(store) as uow:
        outbox_id = uow.outbox.enqueue(kind, Channel.EMAIL, key, None, None, 7, MESSAGE, NOW)
        uow.commit()
    return outbox_id


def with_plan(store: FakeStore, *, consent: bool = True, **changes: object) -> None:
    plan = replace(default_plan(PID, ("F32.1",), date(2026, 6, 1)), **{"send_time": time(9, 0), **changes})
    with FakeUnitOfWork(store) as uow:
        uow.plans.save(plan, None, 7, NOW)
        if consent:
            uow.consents.record(PID, email=True, sms=False, recorded_on=date(2026, 5, 20), recorded_by=7)
        uow.commit()


def outbox(store: FakeStore):  # type: ignore[no-untyped-def]
    return store.repositories["outbox"]


def events(store: FakeStore) -> list[tuple[DeliveryEventKind, str]]:
    return [(e.event, e.detail) for e in store.repositories["delivery"].events]


# ------------------------------------------------------------------ back-off and dead letters
def test_the_retry_delay_doubles_from_one_minute_and_is_capped_at_two_hours():
    assert [retry_delay(n) // timedelta(minutes=1) for n in range(1, 11)] == [1, 2, 4, 8, 16, 32, 64, 120, 120, 120]


def test_a_sent_message_is_marked_sent_and_one_audit_event_names_the_worker(store):
    for n in range(3):
        enqueue(store, f"urgent:{n}")
    transport = Recorder()
    report = service(store).dispatch(NOW, transport, "host:1")
    assert (report.claimed, report.sent, report.failed, report.dead) == (3, 3, 0, 0)
    assert transport.sent == ["urgent:0", "urgent:1", "urgent:2"]
    assert outbox(store).counts().sent == 3
    (record,) = store.repositories["audit"].records
    assert (record.username, record.role, record.action) == ("worker", "worker", "outbox.dispatch")
    assert "channel worker" in record.detail and "sent 3" in record.detail


def test_nothing_due_means_no_send_and_no_audit_event(store):
    assert service(store).dispatch(NOW, Recorder(), "host:1").claimed == 0
    assert store.repositories["audit"].records == []


def test_a_transient_failure_is_retried_after_1_2_4_minutes_and_dies_after_the_last_attempt(store):
    outbox_id = enqueue(store)
    failing = Recorder(fail=DeliveryError("the mail server refused the connection (is it running?)"))
    svc, now, waits = service(store, worker_max_attempts=4), NOW, []
    for _ in range(4):
        report = svc.dispatch(now, failing, "host:1")
        assert report.claimed == 1
        item = outbox(store).get(outbox_id)
        if item.status is OutboxStatus.DEAD:
            break
        assert svc.dispatch(item.next_attempt_at - timedelta(seconds=1), failing, "host:1").claimed == 0
        waits.append(item.next_attempt_at - now)
        now = item.next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    item = outbox(store).get(outbox_id)
    assert item.status is OutboxStatus.DEAD and item.attempts == 4
    assert "refused the connection" in (item.last_error or "")


def test_a_permanent_error_is_a_dead_letter_at_once_and_is_never_retried(store):
    outbox_id = enqueue(store)
    report = service(store).dispatch(NOW, Recorder(fail=DeliveryError("refused (550)", permanent=True)), "h:1")
    assert (report.sent, report.failed, report.dead) == (0, 0, 1)
    assert outbox(store).get(outbox_id).status is OutboxStatus.DEAD
    assert service(store).dispatch(NOW + timedelta(days=1), Recorder(), "h:1").claimed == 0


def test_a_failed_message_succeeds_on_a_later_try_and_is_sent_exactly_once(store):
    enqueue(store)
    svc = service(store)
    svc.dispatch(NOW, Recorder(fail=DeliveryError("the mail server answered 421")), "h:1")
    good = Recorder()
    svc.dispatch(NOW + timedelta(minutes=1), good, "h:1")
    svc.dispatch(NOW + timedelta(hours=5), good, "h:1")
    assert good.sent == ["urgent:1"] and outbox(store).counts().sent == 1


def test_a_stop_request_finishes_the_current_message_and_gives_the_rest_back_untried(store):
    for n in range(5):
        enqueue(store, f"urgent:{n}")
    transport = Recorder()
    report = service(store).dispatch(NOW, transport, "h:1", should_stop=lambda: len(transport.sent) >= 2)
    assert report.sent == 2 and transport.sent == ["urgent:0", "urgent:1"]
    counts = outbox(store).counts()
    assert (counts.sent, counts.queued, counts.sending) == (2, 3, 0)
    assert all(i.attempts == 0 for i in outbox(store).items.values() if i.status is OutboxStatus.QUEUED)


def test_a_crashed_workers_claim_is_taken_over_after_its_lease_with_the_same_idempotency_key(store):
    enqueue(store)
    with FakeUnitOfWork(store) as uow:
        uow.outbox.claim(NOW, "crashed:1", 10, 300)
        uow.commit()
    transport = Recorder()
    assert service(store).dispatch(NOW + timedelta(seconds=299), transport, "h:2").claimed == 0
    assert service(store).dispatch(NOW + timedelta(seconds=301), transport, "h:2").sent == 1
    assert transport.sent == ["urgent:1"]


def test_enqueueing_the_same_key_twice_keeps_one_message(store):
    assert enqueue(store, "reminder:5") == enqueue(store, "reminder:5")
    assert outbox(store).counts().queued == 1


# ------------------------------------------------------------------ scheduling on fakes
def test_a_due_plan_creates_one_request_with_its_invitation_in_one_transaction_and_only_once(store):
    with_plan(store)
    svc = service(store)
    commits = store.commits
    assert svc.schedule_due(NOW) == 1
    assert store.commits == commits + 1
    assert svc.schedule_due(NOW + timedelta(minutes=5)) == 0
    (request,) = store.repositories["requests"].requests.values()
    (item,) = outbox(store).items.values()
    assert (item.kind, item.idempotency_key, item.request_id) == (OutboxKind.INVITATION, f"invitation:{request.id}",
                                                                  request.id)
    assert request.status is RequestStatus.PENDING and request.plan_occurrence == f"{PID}:2026-06-01"
    assert item.message.to == EMAIL and "Riverside Clinic" in item.message.subject
    assert "Ada" not in item.message.text and "NM-000101" not in item.message.text
    assert (DeliveryEventKind.QUEUED, "invitation by email") in events(store)


def test_the_invitation_waits_for_the_plans_send_time_in_the_clinic_time_zone(store):
    with_plan(store, send_time=time(11, 0))  # 11:00 London = 10:00 UTC in June
    svc = service(store)
    assert svc.schedule_due(datetime(2026, 6, 1, 9, 59, tzinfo=UTC)) == 0
    assert svc.schedule_due(datetime(2026, 6, 1, 10, 0, tzinfo=UTC)) == 1


@pytest.mark.parametrize(("consent", "contact", "reason"), [
    (False, Contact(email=EMAIL), "no contact consent recorded"),
    (True, Contact(), "no e-mail address"),
])
def test_a_plan_without_consent_or_address_is_skipped_with_one_delivery_log_line(store, consent, contact, reason):
    patients = store.repositories["patients"]
    patients.patients[PID] = replace(patients.patients[PID], contact=contact)
    with_plan(store, consent=consent)
    svc = service(store)
    assert svc.schedule_due(NOW) == 0 and svc.schedule_due(NOW + timedelta(minutes=1)) == 0
    assert events(store) == [(DeliveryEventKind.CANCELLED, f"not sent (2026-06-01): {reason}")]
    assert outbox(store).items == {} and store.repositories["requests"].requests == {}


def test_a_queued_invitation_is_not_sent_once_the_patient_opted_out(store):
    from novamind_core.domain.reporting_views import ConsentSource

    with_plan(store)
    svc = service(store)
    svc.schedule_due(NOW)
    with FakeUnitOfWork(store) as uow:
        uow.consents.opt_out(PID, NOW, ConsentSource.LINK)
        uow.requests.cancel_open(PID)
        uow.commit()
    transport = Recorder()
    report = svc.dispatch(NOW, transport, "h:1")
    assert transport.sent == [] and report.dead == 1
    assert "not sent: the request is cancelled" in (next(iter(outbox(store).items.values())).last_error or "")


def test_a_sent_invitation_marks_its_request_sent_and_writes_the_delivery_log(store):
    with_plan(store)
    svc = service(store)
    svc.schedule_due(NOW)
    svc.dispatch(NOW, Recorder(), "h:1")
    (request,) = store.repositories["requests"].requests.values()
    assert request.status is RequestStatus.SENT and request.sent_at == NOW
    assert (DeliveryEventKind.SENT, "invitation by email sent") in events(store)


def test_a_failed_send_is_written_to_the_delivery_log_with_its_reason_and_next_try(store):
    with_plan(store)
    svc = service(store)
    svc.schedule_due(NOW)
    svc.dispatch(NOW, Recorder(fail=DeliveryError("the mail server answered 451")), "h:1")
    failed = [d for e, d in events(store) if e is DeliveryEventKind.FAILED]
    assert failed == ["invitation by email failed (attempt 1): the mail server answered 451; "
                      "next try 2026-06-01 09:01 UTC"]
