"""The reporting repositories on SQLite and PostgreSQL: plans, consent, requests (hashed tokens), the delivery log,
notification preferences, and the rate limiter shared by several processes."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import create_engine, text

from novamind_core.domain.errors import ConflictError, StaleWriteError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.reporting import (
    Channel,
    MeasurementPlan,
    RequestStatus,
    ScheduleRule,
    new_link_token,
    token_digest,
)
from novamind_core.domain.reporting_views import ConsentSource, DeliveryEventKind
from tests.conftest import register_patient

NOW = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


@pytest.fixture
def patient_id(services, clinician):  # type: ignore[no-untyped-def]
    return register_patient(services, clinician).id


def _plan(patient_id: int, **changes: object) -> MeasurementPlan:
    values: dict[str, object] = dict(
        patient_id=patient_id, instruments=(Instrument.PHQ9, Instrument.GAD7), rule=ScheduleRule(interval_days=14),
        channel=Channel.EMAIL, send_time=time(9, 0), reminder_after_hours=48, link_lifetime_hours=168,
        anchor_on=date(2026, 3, 12))
    values.update(changes)
    return MeasurementPlan(**values)  # type: ignore[arg-type]


def test_a_plan_round_trips_and_a_stale_edit_is_refused(services, patient_id):
    with services.context.uow() as uow:
        saved = uow.plans.save(_plan(patient_id), None, None, NOW)
        uow.commit()
    assert saved.version == 1 and saved.rule == ScheduleRule(interval_days=14)
    with services.context.uow() as uow:
        again = uow.plans.save(_plan(patient_id, send_time=time(18, 30)), saved.version, None, NOW)
        uow.commit()
    assert again.version == 2 and again.send_time == time(18, 30)
    with services.context.uow() as uow, pytest.raises(StaleWriteError):
        uow.plans.save(_plan(patient_id), saved.version, None, NOW)
    with services.context.uow() as uow:
        restarted = uow.plans.restart(patient_id, date(2026, 4, 1), NOW)
        paused = uow.plans.set_active(patient_id, False, restarted.version, None, NOW)
        uow.commit()
    assert restarted.restarted_on == date(2026, 4, 1) and not paused.active
    with services.context.uow() as uow:
        assert uow.plans.get(patient_id) == paused and uow.plans.active() == []


def test_consent_records_who_and_an_opt_out_stops_it_until_recorded_again(services, patient_id, clinician):
    with services.context.uow() as uow:
        consent = uow.consents.record(patient_id, email=True, sms=False, recorded_on=date(2026, 3, 1),
                                      recorded_by=clinician.id)
        out = uow.consents.opt_out(patient_id, NOW, ConsentSource.LINK)
        uow.commit()
    assert consent.recorded_by_name == clinician.display_name and consent.allows(Channel.EMAIL)
    assert out.opted_out and out.opt_out_source is ConsentSource.LINK and not out.allows(Channel.EMAIL)
    with services.context.uow() as uow:
        assert not uow.consents.record(patient_id, email=True, sms=True, recorded_on=date(2026, 3, 20),
                                       recorded_by=clinician.id).opted_out


def test_only_the_token_digest_is_stored_and_it_finds_the_request(services, patient_id, db_url):
    token = new_link_token()
    with services.context.uow() as uow:
        made = uow.requests.add(patient_id, (Instrument.PHQ9,), token_digest(token), Channel.EMAIL, date(2026, 3, 12),
                                NOW, NOW + timedelta(days=7), plan_occurrence=f"{patient_id}:2026-03-12")
        uow.commit()
    engine = create_engine(db_url)
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM questionnaire_requests")) for v in row)
    engine.dispose()
    assert token not in dump and token_digest(token) in dump
    with services.context.uow() as uow:
        found = uow.requests.by_digest(token_digest(token), for_update=True)
        assert found == made and found.status is RequestStatus.PENDING
        assert uow.requests.by_digest(token_digest(token + "x")) is None


def test_a_second_request_for_the_same_scheduled_date_is_refused(services, patient_id):
    key = f"{patient_id}:2026-03-12"
    with services.context.uow() as uow:
        uow.requests.add(patient_id, (Instrument.PHQ9,), "a" * 64, Channel.EMAIL, date(2026, 3, 12), NOW,
                         NOW + timedelta(days=7), plan_occurrence=key)
        uow.commit()
    with pytest.raises(ConflictError), services.context.uow() as uow:
        uow.requests.add(patient_id, (Instrument.PHQ9,), "b" * 64, Channel.EMAIL, date(2026, 3, 12), NOW,
                         NOW + timedelta(days=7), plan_occurrence=key)
        uow.commit()


def test_request_life_completes_once_counts_dob_failures_and_expires(services, patient_id):
    with services.context.uow() as uow:
        r = uow.requests.add(patient_id, (Instrument.PHQ9, Instrument.GAD7), "c" * 64, Channel.LINK,
                             date(2026, 3, 12), NOW, NOW + timedelta(hours=1))
        assert r.status is RequestStatus.SENT and r.instruments == (Instrument.PHQ9, Instrument.GAD7)
        assert uow.requests.mark_opened(r.id, NOW).status is RequestStatus.OPENED
        assert [uow.requests.record_dob_failure(r.id) for _ in range(2)] == [1, 2]
        assert uow.requests.complete(r.id, NOW) is True
        assert uow.requests.complete(r.id, NOW) is False
        other = uow.requests.add(patient_id, (Instrument.PHQ9,), "d" * 64, Channel.EMAIL, date(2026, 3, 13), NOW,
                                 NOW + timedelta(hours=1))
        expired = uow.requests.expire_due(NOW + timedelta(hours=2))
        uow.commit()
    assert [e.id for e in expired] == [other.id] and expired[0].status is RequestStatus.EXPIRED
    with services.context.uow() as uow:
        done = uow.requests.get(r.id)
        assert done.status is RequestStatus.COMPLETED and done.dob_failures == 2 and done.completed_at == NOW
        assert {s.status for s in uow.requests.summaries(patient_id)} == {RequestStatus.COMPLETED,
                                                                          RequestStatus.EXPIRED}


def test_cancel_open_cancels_only_open_requests(services, patient_id):
    with services.context.uow() as uow:
        a = uow.requests.add(patient_id, (Instrument.PHQ9,), "e" * 64, Channel.EMAIL, date(2026, 3, 12), NOW,
                             NOW + timedelta(days=1))
        b = uow.requests.add(patient_id, (Instrument.PHQ9,), "f" * 64, Channel.LINK, date(2026, 3, 12), NOW,
                             NOW + timedelta(days=1))
        uow.requests.complete(b.id, NOW)
        assert uow.requests.cancel_open(patient_id) == [a.id]
        assert uow.requests.get(a.id).status is RequestStatus.CANCELLED
        assert uow.requests.get(b.id).status is RequestStatus.COMPLETED


def test_delivery_log_and_preferences_round_trip(services, patient_id, clinician, db_url):
    with services.context.uow() as uow:
        uow.delivery.add(patient_id, None, DeliveryEventKind.QUEUED, NOW, "email")
        uow.delivery.add(patient_id, None, DeliveryEventKind.FAILED, NOW + timedelta(minutes=1), "smtp timeout")
        uow.preferences.set(clinician.id, email="dr.one@clinic.invalid", urgent_by_email=True, now=NOW)
        uow.commit()
    with services.context.uow() as uow:
        log = uow.delivery.recent(patient_id)
        assert [e.event for e in log] == [DeliveryEventKind.FAILED, DeliveryEventKind.QUEUED]
        assert log[0].detail == "smtp timeout"
        prefs = uow.preferences.for_users([clinician.id, 999])
        assert list(prefs) == [clinician.id] and prefs[clinician.id].email == "dr.one@clinic.invalid"
    engine = create_engine(db_url)
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM notification_preferences")) for v in row)
    engine.dispose()
    assert "dr.one@clinic.invalid" not in dump  # encrypted at rest


def test_rate_limit_counts_within_a_window_and_restarts_after_it(services):
    window = timedelta(minutes=15)
    with services.context.uow() as uow:
        counts = [uow.rate_limits.hit("token:abc", NOW + timedelta(minutes=i), window) for i in range(3)]
        assert uow.rate_limits.hit("client:xyz", NOW, window) == 1
        assert uow.rate_limits.hit("token:abc", NOW + timedelta(minutes=16), window) == 1
        uow.commit()
    assert counts == [1, 2, 3]


def test_rate_limit_is_shared_by_concurrent_processes_without_losing_a_count(services, settings, clock):
    """Two independent service stacks (two engines: as two app processes) hit the same key from 4 threads."""
    from novamind_core.bootstrap import build_services

    other = build_services(settings, clock=clock, bcrypt_rounds=4)
    stacks = [services, other, services, other]
    errors: list[BaseException] = []

    def hammer(stack) -> None:  # type: ignore[no-untyped-def]
        try:
            for _ in range(25):
                with stack.context.uow() as uow:
                    uow.rate_limits.hit("client:shared", NOW, timedelta(minutes=15))
                    uow.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(s,)) for s in stacks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert errors == []
    with services.context.uow() as uow:
        assert uow.rate_limits.hit("client:shared", NOW, timedelta(minutes=15)) == 101


def test_the_link_loop_on_a_real_database_stores_the_answers_alerts_and_queues_one_urgent_email(
        services, clinician, patient_id):
    from novamind_core.domain.outbox import OutboxKind
    from novamind_core.domain.reporting import AssessmentSource

    services.reporting.set_notification_preferences(clinician, email="dr.one@clinic.invalid", urgent_by_email=True)
    created = services.reporting.create_request(clinician, patient_id, "PHQ-9")
    assert services.portal.open(created.token, "10.1.1.1").needs_dob
    check = services.portal.verify_dob(created.token, date(1980, 2, 3), "10.1.1.1")
    assert check.ok
    result = services.portal.submit(created.token, {"PHQ-9": [1, 1, 1, 1, 1, 1, 1, 1, 2]}, "10.1.1.1",
                                    check.session_proof)
    assert result.accepted and result.item9_positive and result.crisis_message
    again = services.portal.submit(created.token, {"PHQ-9": [0] * 9}, "10.1.1.1", check.session_proof)
    assert again.already_received
    [record] = services.assessments.history(clinician, patient_id)
    assert record.source is AssessmentSource.PATIENT_REMOTE and record.completed_at is not None
    with services.context.uow() as uow:
        urgent = [e for e in uow.outbox.list() if e.kind is OutboxKind.URGENT_ALERT]
        assert len(urgent) == 1 and uow.requests.get(created.request_id).status is RequestStatus.COMPLETED


def test_the_demo_seed_gives_most_patients_a_plan_and_consent_and_shows_requests_in_each_state(services):
    from novamind_core.demo.seed import seed_demo
    from novamind_core.domain.reporting import MeasurementState
    from novamind_core.services.reporting import measurement_panel

    seed_demo(services, n_patients=15)
    with services.context.uow() as uow:
        panels = [measurement_panel(uow, pid, services.context.today()) for pid in range(1, 16)]
    with_plan = [p for p in panels if p.plan is not None]
    assert 10 <= len(with_plan) < 15 and all(p.consent is not None for p in with_plan)
    assert any(p.state is MeasurementState.NO_PLAN for p in panels)
    statuses = {r.status for p in panels for r in p.requests}
    assert {RequestStatus.SENT, RequestStatus.OPENED, RequestStatus.EXPIRED, RequestStatus.LOCKED} <= statuses
    assert all(p.deliveries for p in panels if p.requests)
