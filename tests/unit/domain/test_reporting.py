"""Measurement plans and schedules (pure rules): occurrences with a restart, due/overdue/completed boundaries,
default plans by diagnosis, link tokens, crisis messages and the PHI-free records of domain/reporting_views.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.reporting import (
    Channel,
    MeasurementPlan,
    MeasurementState,
    OutgoingMessage,
    RequestStatus,
    RequestSummary,
    ScheduleRule,
    crisis_message,
    default_plan,
    looks_like_token,
    measurement_state,
    new_link_token,
    next_due,
    parse_instruments,
    parse_send_time,
    token_digest,
)
from novamind_core.domain.reporting_views import ConsentSource, ContactConsent, CreatedRequest

ANCHOR = date(2026, 3, 2)


def plan(**changes: object) -> MeasurementPlan:
    values: dict[str, object] = dict(patient_id=1, instruments=(Instrument.PHQ9,), rule=ScheduleRule(),
                                     channel=Channel.EMAIL, send_time=time(9), reminder_after_hours=48,
                                     link_lifetime_hours=168, anchor_on=ANCHOR)
    values.update(changes)
    return MeasurementPlan(**values)  # type: ignore[arg-type]


def done(due_on: date) -> RequestSummary:
    return RequestSummary(id=1, due_on=due_on, status=RequestStatus.COMPLETED,
                          expires_at=datetime(2030, 1, 1, tzinfo=UTC))


def test_occurrences_run_every_interval_from_the_anchor_and_stop_after_the_deliveries():
    rule = ScheduleRule(interval_days=14, deliveries=3)
    assert rule.occurrences(ANCHOR, date(2026, 12, 31)) == (date(2026, 3, 2), date(2026, 3, 16), date(2026, 3, 30))
    assert ScheduleRule(interval_days=7).occurrences(ANCHOR, date(2026, 3, 15)) == (ANCHOR, date(2026, 3, 9))


def test_a_medication_change_runs_weekly_for_four_then_returns_to_the_usual_interval():
    rule = ScheduleRule(interval_days=14, after_change_interval_days=7, after_change_count=4)
    dates = rule.occurrences(ANCHOR, date(2026, 5, 31), restarted_on=date(2026, 3, 20))
    assert dates == (date(2026, 3, 2), date(2026, 3, 16),  # before the change: the usual cadence stands
                     date(2026, 3, 20), date(2026, 3, 27), date(2026, 4, 3), date(2026, 4, 10),  # weekly x4
                     date(2026, 4, 24), date(2026, 5, 8), date(2026, 5, 22))  # then every 2 weeks


def test_a_restart_counts_against_a_limited_number_of_deliveries():
    rule = ScheduleRule(interval_days=14, deliveries=3)
    assert len(rule.occurrences(ANCHOR, date(2026, 12, 31), restarted_on=date(2026, 3, 20))) == 3


def test_describe_reads_as_a_clinician_would_say_it():
    assert ScheduleRule().describe() == "every 2 weeks until discharge; weekly for 4 after a medication change"
    assert ScheduleRule(interval_days=1, deliveries=5, after_change_interval_days=None).describe() == "daily 5 times"


def test_state_boundaries_not_due_due_overdue_and_completed():
    p = plan()
    assert measurement_state(None, (), ANCHOR) is MeasurementState.NO_PLAN
    assert measurement_state(plan(active=False), (), ANCHOR) is MeasurementState.PAUSED
    assert measurement_state(p, (), ANCHOR - timedelta(days=1)) is MeasurementState.NOT_DUE
    assert measurement_state(p, (), ANCHOR) is MeasurementState.DUE
    assert measurement_state(p, (), ANCHOR + timedelta(days=3)) is MeasurementState.DUE  # 3 days: still due
    assert measurement_state(p, (), ANCHOR + timedelta(days=4)) is MeasurementState.OVERDUE
    assert measurement_state(p, (done(ANCHOR),), ANCHOR + timedelta(days=4)) is MeasurementState.COMPLETED
    # the next scheduled date makes it due again, whatever was completed before
    assert measurement_state(p, (done(ANCHOR),), ANCHOR + timedelta(days=14)) is MeasurementState.DUE


def test_next_due_follows_the_plan_and_its_restart():
    assert next_due(plan(), ANCHOR) == date(2026, 3, 16)
    assert next_due(plan(restarted_on=date(2026, 3, 10)), date(2026, 3, 10)) == date(2026, 3, 17)
    assert next_due(plan(restart_on_medication_change=False, restarted_on=date(2026, 3, 10)),
                    date(2026, 3, 10)) == date(2026, 3, 16)
    assert next_due(plan(rule=ScheduleRule(deliveries=1)), ANCHOR) is None
    assert next_due(None, ANCHOR) is None and next_due(plan(active=False), ANCHOR) is None


@pytest.mark.parametrize(("codes", "expected"), [
    (("F32.1",), (Instrument.PHQ9, Instrument.GAD7)),
    (("F41.1",), (Instrument.GAD7, Instrument.PHQ9)),
    (("F33.2", "G47.0"), (Instrument.PHQ9, Instrument.GAD7, Instrument.ISI)),
    ((), (Instrument.PHQ9, Instrument.GAD7)),
])
def test_default_plans_by_diagnosis(codes, expected):
    p = default_plan(5, codes, ANCHOR)
    assert p.instruments == expected and p.channel is Channel.EMAIL and p.send_time == time(9)
    assert p.rule.interval_days == 14 and p.rule.deliveries is None and p.link_lifetime_hours == 168


def test_a_plan_refuses_bad_values_by_name():
    with pytest.raises(ValidationError, match="at least one"):
        plan(instruments=())
    with pytest.raises(ValidationError, match="before the link expires"):
        plan(reminder_after_hours=200)
    with pytest.raises(ValidationError, match="interval"):
        ScheduleRule(interval_days=0)
    with pytest.raises(ValidationError, match="HH:MM"):
        parse_send_time("9 o'clock")
    assert parse_instruments("PHQ-9, gad-7,PHQ-9") == (Instrument.PHQ9, Instrument.GAD7)


def test_link_tokens_carry_at_least_128_bits_and_only_their_digest_is_kept():
    tokens = {new_link_token() for _ in range(200)}
    assert len(tokens) == 200 and all(looks_like_token(t) and len(t) >= 22 for t in tokens)
    token = next(iter(tokens))
    assert len(token_digest(token)) == 64 and token not in token_digest(token)
    assert not looks_like_token("short") and not looks_like_token("x" * 20 + "<script>")


def test_crisis_messages_default_by_region_and_a_clinic_text_wins():
    assert "116 123" in crisis_message("uk") and "111" in crisis_message("UK")
    assert "988" in crisis_message("us")
    assert crisis_message("us", "  Call the ward on 0100  ") == "Call the ward on 0100"


def test_addresses_and_tokens_never_appear_in_a_repr():
    message = OutgoingMessage(to="ada@example.invalid", subject="s", text="t", html="h")
    created = CreatedRequest(request_id=1, token="secret-token-value", link_url="https://x/?t=secret-token-value",
                             expires_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert "ada@" not in repr(message) and "secret-token" not in repr(created)
    assert OutgoingMessage.from_json(message.to_json()) == message


def test_consent_allows_only_the_channels_consented_to_and_nothing_after_an_opt_out():
    consent = ContactConsent(patient_id=1, email=True, sms=False, recorded_on=ANCHOR)
    assert consent.allows(Channel.EMAIL) and not consent.allows(Channel.SMS) and consent.allows(Channel.KIOSK)
    out = ContactConsent(1, True, True, ANCHOR, opted_out_at=datetime(2026, 3, 3, tzinfo=UTC),
                         opt_out_source=ConsentSource.LINK)
    assert not out.allows(Channel.EMAIL) and not out.allows(Channel.SMS) and out.allows(Channel.LINK)
