"""Hash-chained audit log: any change to any field of any row is detected at that row."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from novamind_core.security.audit import (
    GENESIS_HASH,
    AuditAction,
    AuditRecord,
    chain_hash,
    verify_chain,
)

T0 = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)


def make_records(n: int = 5) -> list[AuditRecord]:
    return [
        AuditRecord(
            at=T0 + timedelta(minutes=i),
            user_id=10 + i % 2,
            username=f"user{i % 2}",
            role="clinician",
            action=AuditAction.PATIENT_READ if i % 2 else AuditAction.AUTH_SIGN_IN,
            patient_id=100 + i,
            outcome="success",
            detail=f"page={i}",
        )
        for i in range(n)
    ]


def build_chain(records: list[AuditRecord]) -> list[tuple[int, AuditRecord, str, str]]:
    rows, prev = [], GENESIS_HASH
    for row_id, record in enumerate(records, start=1):
        digest = chain_hash(prev, record)
        rows.append((row_id, record, prev, digest))
        prev = digest
    return rows


def test_an_untouched_chain_verifies():
    result = verify_chain(build_chain(make_records()))
    assert result.ok and result.checked == 5 and result.first_broken_id is None
    assert "intact" in result.describe()


def test_an_empty_chain_verifies():
    assert verify_chain([]).ok


def test_the_hash_is_sha256_hex_and_depends_on_the_previous_hash():
    record = make_records(1)[0]
    digest = chain_hash(GENESIS_HASH, record)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert chain_hash("1" * 64, record) != digest


TAMPERED_VALUES = {
    "at": T0 + timedelta(days=1),
    "user_id": 99,
    "username": "mallory",
    "role": "admin",
    "action": AuditAction.EXPORT_CSV,
    "patient_id": 999,
    "outcome": "denied",
    "detail": "page=99",
    "channel": "worker",
}


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(AuditRecord)])
@pytest.mark.parametrize("row_index", [0, 2, 4])
def test_changing_any_field_of_any_row_is_detected_at_that_row(field, row_index):
    assert set(TAMPERED_VALUES) == {f.name for f in dataclasses.fields(AuditRecord)}
    rows = build_chain(make_records())
    row_id, record, prev, digest = rows[row_index]
    rows[row_index] = (row_id, dataclasses.replace(record, **{field: TAMPERED_VALUES[field]}), prev, digest)
    result = verify_chain(rows)
    assert not result.ok
    assert result.first_broken_id == row_id
    assert "altered" in result.reason


def test_a_deleted_middle_row_is_detected_at_the_row_after_it():
    rows = build_chain(make_records())
    del rows[2]
    result = verify_chain(rows)
    assert not result.ok and result.first_broken_id == 4


def test_deleting_the_first_row_is_detected():
    rows = build_chain(make_records())[1:]
    result = verify_chain(rows)
    assert not result.ok and result.first_broken_id == 2
    assert "first row" in result.reason


def test_a_rewritten_hash_is_detected_at_the_next_row():
    rows = build_chain(make_records())
    row_id, record, prev, _ = rows[1]
    rows[1] = (row_id, record, prev, "f" * 64)
    result = verify_chain(rows)
    assert not result.ok and result.first_broken_id == 2


def test_a_recomputed_row_still_breaks_the_link_to_the_next_row():
    rows = build_chain(make_records())
    row_id, record, prev, _ = rows[1]
    forged = dataclasses.replace(record, patient_id=555)
    rows[1] = (row_id, forged, prev, chain_hash(prev, forged))
    result = verify_chain(rows)
    assert not result.ok and result.first_broken_id == 3


def test_swapped_rows_are_detected():
    rows = build_chain(make_records())
    rows[1], rows[2] = rows[2], rows[1]
    assert not verify_chain(rows).ok


def test_verification_can_resume_from_the_last_good_hash():
    rows = build_chain(make_records(6))
    first = verify_chain(rows[:3])
    assert first.ok and first.last_hash == rows[2][3]
    assert verify_chain(rows[3:], start_prev_hash=first.last_hash).ok


def test_naive_timestamps_from_the_database_hash_like_their_utc_originals():
    record = make_records(1)[0]
    naive = dataclasses.replace(record, at=record.at.replace(tzinfo=None))
    other_zone = dataclasses.replace(record, at=record.at.astimezone(timezone(timedelta(hours=2))))
    assert chain_hash(GENESIS_HASH, naive) == chain_hash(GENESIS_HASH, record)
    assert chain_hash(GENESIS_HASH, other_zone) == chain_hash(GENESIS_HASH, record)


def test_audit_actions_are_unique_dotted_names():
    actions = AuditAction.all()
    assert len(actions) == len(set(actions))
    assert {"patient.read", "auth.sign_in_failed", "export.csv", "user.create"} <= set(actions)
    assert all("." in a for a in actions)


def _pre_channel_digest(prev: str, r: AuditRecord) -> str:
    """The hash exactly as it was computed before audit rows had a channel (migration 0005)."""
    import hashlib
    import json

    payload = {"action": r.action, "at": r.at.isoformat(timespec="microseconds"), "detail": r.detail,
               "outcome": r.outcome, "patient_id": r.patient_id, "prev_hash": prev, "role": r.role,
               "user_id": r.user_id, "username": r.username}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


def test_rows_written_before_channels_existed_keep_verifying():
    records = make_records()
    rows, prev = [], GENESIS_HASH
    for row_id, record in enumerate(records, start=1):
        digest = _pre_channel_digest(prev, record)
        rows.append((row_id, record, prev, digest))
        prev = digest
    assert verify_chain(rows).ok


def test_the_channel_of_a_new_row_is_part_of_its_hash_so_blanking_it_breaks_the_chain():
    record = dataclasses.replace(make_records(1)[0], channel="cli")
    digest = chain_hash(GENESIS_HASH, record)
    assert digest != _pre_channel_digest(GENESIS_HASH, record)
    blanked = dataclasses.replace(record, channel="")
    assert not verify_chain([(1, blanked, GENESIS_HASH, digest)]).ok
