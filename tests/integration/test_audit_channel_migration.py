"""Migration 0005 adds ``audit_log.channel`` and ``operator_tokens`` without breaking the audit chain: rows written
before it keep verifying (their hash has no channel), and rows written after it hash theirs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from novamind_core.db.engine import downgrade, migrate
from novamind_core.security.audit import GENESIS_HASH, AuditRecord, chain_hash
from novamind_core.services.base import SYSTEM_USER
from tests.conftest import make_settings


def _write_pre_channel_rows(url: str, n: int = 3) -> None:
    """Audit rows as the code before 0005 wrote them: no channel column, hash over the old canonical JSON."""
    engine = create_engine(url)
    prev, last_id = GENESIS_HASH, None
    with engine.begin() as conn:
        assert "channel" not in list(conn.execute(text("SELECT * FROM audit_log LIMIT 0")).keys())
        for i in range(n):
            record = AuditRecord(datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(minutes=i), None, "system", "admin",
                                 "user.list", None, "success", f"shown={i}")
            digest = chain_hash(prev, record)
            last_id = conn.execute(text(
                "INSERT INTO audit_log (at, user_id, username, role, action, patient_id, outcome, detail, prev_hash, "
                "hash) VALUES (:at, NULL, :u, :r, :a, NULL, :o, :d, :p, :h) RETURNING id"),
                {"at": record.at, "u": record.username, "r": record.role, "a": record.action, "o": record.outcome,
                 "d": record.detail, "p": prev, "h": digest}).scalar_one()
            prev = digest
        conn.execute(text("UPDATE audit_head SET last_id = :i, last_hash = :h WHERE id = 1"), {"i": last_id, "h": prev})
    engine.dispose()


def test_rows_from_before_migration_0005_verify_after_it_and_new_rows_carry_their_channel(db_url):
    from novamind_core.bootstrap import build_services

    downgrade(db_url, "0004")
    _write_pre_channel_rows(db_url)
    migrate(db_url)
    services = build_services(make_settings(db_url), bcrypt_rounds=4, channel="cli")
    try:
        assert services.audit.verify(SYSTEM_USER).ok  # the verify call itself appends a row (channel cli)
        with services.engine.connect() as conn:
            channels = [r[0] for r in conn.execute(text("SELECT channel FROM audit_log ORDER BY id"))]
        assert channels[:3] == ["", "", ""] and channels[3:] == ["cli"]
        assert services.audit.verify(SYSTEM_USER).ok
    finally:
        services.close()
