"""Audit verification reads the chain head first and walks only up to it: rows that other users append while the
walk runs are not "tampering", while a row slipped in after the head, a moved-back head or an altered head hash
still are (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from novamind_core.db.models import AuditHeadRow, AuditRow
from novamind_core.db.repositories.audit import AuditRepository
from novamind_core.security.audit import AuditRecord, chain_hash
from novamind_core.services.base import SYSTEM_USER


def _head(services) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with services.context.uow() as uow:
        head = uow.session.execute(select(AuditHeadRow.last_id, AuditHeadRow.last_hash)
                                   .where(AuditHeadRow.id == 1)).one()
        return head[0], head[1]


def test_rows_committed_before_and_after_the_walk_do_not_make_verify_report_tampering(shared, db_url, monkeypatch):
    """The old verify compared the walk with the head read *after* it, which a write committed in between had
    already moved; here a clinician's note commits right after the head is read and again right after the walk."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no write can commit during a verification")
    services, _env, clin, patient = shared
    original = AuditRepository._rows
    writes: list[str] = []

    def rows_with_interleaved_writes(self, batch_size=5000, *, upto=None) -> Iterator:  # type: ignore[no-untyped-def]
        services.notes.add(clin, patient.id, "written after the head was read")
        writes.append("before walk")
        yield from original(self, batch_size, upto=upto)
        services.notes.add(clin, patient.id, "written after the walk ended")
        writes.append("after walk")

    monkeypatch.setattr(AuditRepository, "_rows", rows_with_interleaved_writes)
    result = services.audit.verify(SYSTEM_USER)
    monkeypatch.undo()
    assert writes == ["before walk", "after walk"]
    assert result.ok, result.describe()
    assert services.audit.verify(SYSTEM_USER).ok  # the next verification covers the rows written meanwhile


def test_verify_checks_only_the_rows_up_to_the_head_it_read(shared):
    services, _env, _clin, _patient = shared
    head_id, _hash = _head(services)
    result = services.audit.verify(SYSTEM_USER)
    assert result.ok and result.checked == head_id  # ids 1..head_id, no gaps in a single-writer history


def test_a_row_added_after_the_head_outside_the_application_is_reported(shared):
    services, _env, _clin, _patient = shared
    assert services.audit.verify(SYSTEM_USER).ok
    head_id, head_hash = _head(services)
    forged = AuditRecord.now(user_id=None, username="intruder", role="admin", action="audit.read")
    with services.context.uow() as uow:
        row = AuditRow(at=forged.at, user_id=None, username=forged.username, role=forged.role, action=forged.action,
                       patient_id=None, outcome=forged.outcome, detail="", prev_hash=head_hash,
                       hash=chain_hash(head_hash, forged))  # a well-linked row; only the head does not know it
        uow.session.add(row)
        uow.session.flush()
        forged_id = row.id
        uow.commit()
    result = services.audit.verify(SYSTEM_USER)
    assert not result.ok and result.first_broken_id == forged_id > head_id
    assert "after the chain head" in result.reason


def test_a_head_moved_back_over_the_newest_rows_is_reported(shared):
    services, _env, _clin, _patient = shared
    with services.context.uow() as uow:
        earlier = uow.session.execute(select(AuditRow.id, AuditRow.hash).order_by(AuditRow.id).limit(1)).one()
        uow.session.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1)
                            .values(last_id=earlier[0], last_hash=earlier[1]))
        uow.commit()
    result = services.audit.verify(SYSTEM_USER)
    assert not result.ok and result.first_broken_id == earlier[0] + 1


def test_a_head_whose_hash_was_altered_is_reported(shared):
    services, _env, _clin, _patient = shared
    head_id, _hash = _head(services)
    with services.context.uow() as uow:
        uow.session.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(last_hash="f" * 64))
        uow.commit()
    result = services.audit.verify(SYSTEM_USER)
    assert not result.ok and result.first_broken_id == head_id and "chain head" in result.reason
