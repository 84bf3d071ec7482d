"""Encryption at rest on both databases: every encrypted column of every table holds Fernet tokens, and no seeded
identifier or free-text marker appears anywhere in the raw tables (nor in the SQLite file and its WAL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import LargeBinary, Text, select, text, type_coerce

from novamind_core.db.rotation import encrypted_columns
from novamind_core.db.types import EncryptedBytes
from tests.risk_support import complete_review_values
from tests.security.conftest import OWN_PATIENT, phi_needles


def _populate_every_encrypted_table(world) -> None:  # type: ignore[no-untyped-def]
    pid, owner = world.own_pid, world.owner(world.own_pid)
    world.visit(pid)
    world.alert(pid)
    world.services.risk_reviews.complete(  # a risk review and its safety plan (encrypted content and plan)
        owner, world.alert(pid).id, **complete_review_values(world.services.context.today(),
                                                             formulation="Xyzzymarker formulation",
                                                             action_taken="Xyzzymarker action"))
    world.scenario(pid)
    world.snapshots(pid)
    note = world.note(pid)
    world.services.notes.edit(owner, note.id, "Xyzzymarker second version")
    signed = world.services.notes.sign(owner, world.note(pid).id)  # a signed note takes an addendum (encrypted)
    world.services.notes.add_addendum(owner, signed.id, "Xyzzymarker addendum")
    world.services.drafts.save(owner, pid, "note", {"text": "Xyzzymarker half-typed"})  # a form draft
    world.services.medications.stop(owner, world.order(pid).id, "Xyzzymarker stopped: nausea")
    world.services.wearables.store_minute_activity(owner, pid, date(2026, 1, 5), np.full((1, 1440), 7.0))
    world.services.wearables.store_daily_summaries(owner, pid, [{"date": "2026-01-05", "steps": 5000}])
    world.services.reporting.set_notification_preferences(owner, email="xyzzymarker.owner@clinic.invalid",
                                                          urgent_by_email=True)
    world.services.reporting.record_consent(owner, pid, email=True, sms=False)
    from novamind_core.domain.reporting import Channel

    world.services.reporting.create_request(owner, pid, "PHQ-9", channel=Channel.EMAIL)  # an outbox invitation
    world.services.users.start_totp_enrolment(owner)  # a TOTP secret (user_second_factors.secret)


def test_every_encrypted_column_of_every_table_holds_only_fernet_tokens(world):
    _populate_every_encrypted_table(world)
    with world.services.engine.connect() as conn:
        for spec in encrypted_columns():
            for name in spec.columns:
                col = spec.table.c[name]
                storage = LargeBinary() if isinstance(col.type, EncryptedBytes) else Text()
                values = [v for v in conn.execute(select(type_coerce(col, storage))).scalars() if v is not None]
                assert values, f"{spec.table.name}.{name} has no row: the test would not cover it"
                for v in values:
                    token = bytes(v).decode("ascii") if isinstance(v, bytes | memoryview) else v
                    assert token.startswith("gAAAAA"), f"{spec.table.name}.{name} holds a non-Fernet value"


def test_no_seeded_identifier_or_free_text_appears_in_any_raw_table(world):
    _populate_every_encrypted_table(world)
    from novamind_core.db.models import Base

    needles = phi_needles()
    with world.services.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            raw = conn.execute(text(f'SELECT * FROM "{table.name}"'))  # raw SQL: no column type decrypts
            dump = " ".join(str(v) for row in raw for v in row)
            found = [n for n in needles if n in dump]
            assert not found, f"plaintext {found} in table {table.name}"


def test_the_sqlite_file_and_its_write_ahead_log_hold_no_plaintext_phi(world, db_url):
    if not db_url.startswith("sqlite"):
        return  # PostgreSQL's files are the server's: the raw-table scan above covers it
    _populate_every_encrypted_table(world)
    path = Path(db_url.removeprefix("sqlite:///"))
    raw = path.read_bytes() + b"".join(p.read_bytes() for p in path.parent.glob(path.name + "-wal"))
    for needle in (OWN_PATIENT["given"], OWN_PATIENT["family"], OWN_PATIENT["mrn"], OWN_PATIENT["email"],
                   "Xyzzymarker"):
        assert needle.encode() not in raw, needle
