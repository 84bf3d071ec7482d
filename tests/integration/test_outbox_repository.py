"""The outbox repository on SQLite and PostgreSQL: idempotent enqueue, claims and leases, outcomes, encryption."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from novamind_core.domain.outbox import OutboxKind, OutboxStatus
from novamind_core.domain.reporting import Channel, OutgoingMessage

NOW = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
MESSAGE = OutgoingMessage(to="zeb.quux@example.org", subject="You have a questionnaire from Test Clinic",
                          text="Open it here: http://x/questionnaire?t=abc", html="<p>hi</p>")


def enqueue(services, key: str, when: datetime = NOW) -> int:  # type: ignore[no-untyped-def]
    with services.context.uow() as uow:
        outbox_id = uow.outbox.enqueue(OutboxKind.INVITATION, Channel.EMAIL, key, None, None, None, MESSAGE, when)
        uow.commit()
    return outbox_id


def test_a_second_enqueue_with_the_same_key_returns_the_first_id_and_adds_nothing(services):
    first = enqueue(services, "invitation:1")
    assert enqueue(services, "invitation:1") == first
    with services.context.uow() as uow:
        assert uow.outbox.counts().queued == 1


def test_a_claim_takes_due_messages_once_sets_a_lease_and_counts_an_attempt(services):
    ids = [enqueue(services, f"invitation:{n}") for n in range(3)]
    later = enqueue(services, "invitation:later", NOW + timedelta(hours=1))
    with services.context.uow() as uow:
        claimed = uow.outbox.claim(NOW, "w1", 10, 60)
        uow.commit()
    assert [c.id for c in claimed] == ids and later not in [c.id for c in claimed]
    assert all(c.status is OutboxStatus.SENDING and c.attempts == 1 and c.claimed_by == "w1" for c in claimed)
    assert claimed[0].claimed_until == NOW + timedelta(seconds=60)
    assert claimed[0].message == MESSAGE
    with services.context.uow() as uow:
        assert uow.outbox.claim(NOW, "w2", 10, 60) == ()


def test_sent_failed_and_dead_outcomes_are_recorded_and_a_failed_message_comes_back_when_due(services):
    a, b, c = (enqueue(services, f"k:{n}") for n in range(3))
    with services.context.uow() as uow:
        uow.outbox.claim(NOW, "w1", 10, 60)
        assert uow.outbox.mark_sent(a, NOW)
        assert uow.outbox.mark_failed(b, NOW, "the mail server answered 451", NOW + timedelta(minutes=1))
        assert uow.outbox.mark_failed(c, NOW, "the mail server refused the recipient (550)", None)
        assert not uow.outbox.mark_sent(a, NOW)  # already recorded
        uow.commit()
    with services.context.uow() as uow:
        assert uow.outbox.counts().sent == 1 and uow.outbox.counts().failed == 1 and uow.outbox.counts().dead == 1
        assert uow.outbox.claim(NOW, "w1", 10, 60) == ()
        again = uow.outbox.claim(NOW + timedelta(minutes=1), "w1", 10, 60)
        assert [i.id for i in again] == [b] and again[0].attempts == 2
        assert uow.outbox.get(c).last_error == "the mail server refused the recipient (550)"


def test_an_expired_lease_puts_the_message_back_in_the_queue(services):
    outbox_id = enqueue(services, "k:lease")
    with services.context.uow() as uow:
        uow.outbox.claim(NOW, "dead-worker", 10, 30)
        uow.commit()
    with services.context.uow() as uow:
        assert uow.outbox.release_expired(NOW + timedelta(seconds=10)) == 0
        assert uow.outbox.release_expired(NOW + timedelta(seconds=31)) == 1
        uow.commit()
    with services.context.uow() as uow:
        item = uow.outbox.get(outbox_id)
        assert item.status is OutboxStatus.QUEUED and item.claimed_by is None and item.attempts == 1


def test_a_released_claim_does_not_count_as_an_attempt(services):
    outbox_id = enqueue(services, "k:release")
    with services.context.uow() as uow:
        uow.outbox.claim(NOW, "w1", 10, 30)
        assert uow.outbox.release([outbox_id]) == 1
        uow.commit()
    with services.context.uow() as uow:
        assert uow.outbox.get(outbox_id).attempts == 0
        assert uow.outbox.get(outbox_id).status is OutboxStatus.QUEUED


def test_the_listing_carries_no_address_or_body_and_filters_by_status(services):
    enqueue(services, "k:1")
    enqueue(services, "k:2")
    with services.context.uow() as uow:
        listed = uow.outbox.list(OutboxStatus.QUEUED, 10)
    assert [e.status for e in listed] == [OutboxStatus.QUEUED] * 2
    assert "zeb.quux" not in repr(listed) and "questionnaire?t=" not in repr(listed)


def test_the_address_and_body_are_encrypted_at_rest(services):
    enqueue(services, "k:raw")
    with services.engine.connect() as conn:
        raw = conn.execute(text("SELECT message FROM outbox")).scalar_one()
    assert "zeb.quux" not in raw and "questionnaire" not in raw


@pytest.mark.postgres
def test_two_claims_in_open_transactions_on_postgresql_never_take_the_same_message(services):
    if services.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers")
    for n in range(6):
        enqueue(services, f"k:{n}")
    first = services.context.uow().__enter__()
    second = services.context.uow().__enter__()
    try:
        a = first.outbox.claim(NOW, "w1", 4, 60)  # rows locked until ``first`` commits
        b = second.outbox.claim(NOW, "w2", 4, 60)  # skips them instead of waiting
        assert len(a) == 4 and len(b) == 2 and not {i.id for i in a} & {i.id for i in b}
        first.commit()
        second.commit()
    finally:
        first.__exit__(None, None, None)
        second.__exit__(None, None, None)
