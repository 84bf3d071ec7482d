"""Schema, encryption at rest, key rotation, optimistic locking and the audit chain, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from novamind_core.domain.errors import StaleWriteError
from tests.conftest import make_settings, register_patient


def test_migrations_create_exactly_the_schema_the_models_describe(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from novamind_core.db.models import Base

    engine = create_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_upgrade_again_rebuilds_the_schema(db_url):
    from novamind_core.db.engine import downgrade, head_revision, migrate, schema_revision

    downgrade(db_url, "base")
    migrate(db_url)
    engine = create_engine(db_url)
    assert schema_revision(engine) == head_revision()
    engine.dispose()


def test_raw_database_holds_only_ciphertext_for_phi(services, clinician, db_url, tmp_path):
    register_patient(services, clinician, mrn="NM-777123", given="Zebediah", family="Quuxington")
    engine = create_engine(db_url)
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM patients")) for v in row)
    engine.dispose()
    for plaintext in ("Zebediah", "Quuxington", "NM-777123", "1980-02-03", "zeb.quux@example.invalid",
                      "Nowhere Lane", "7700 900123"):
        assert plaintext not in dump
    if db_url.startswith("sqlite"):
        services.close()
        raw = (tmp_path / "novamind.db").read_bytes()
        for wal in tmp_path.glob("novamind.db-wal"):
            raw += wal.read_bytes()
        assert b"Zebediah" not in raw and b"Quuxington" not in raw and b"NM-777123" not in raw


def test_blind_index_finds_a_patient_by_exact_name_or_mrn_regardless_of_case(services, clinician):
    register_patient(services, clinician, mrn="NM-000042", given="Zebediah", family="Quuxington")
    for term in ("nm-000042", "QUUXINGTON", "  zebediah   quuxington ", "Zebediah"):
        assert services.patients.caseload(clinician, search=term).total == 1
    assert services.patients.caseload(clinician, search="Quux").total == 0  # exact match only


def test_rotate_keys_reencrypts_everything_so_the_old_key_can_be_retired(db_url, clock):
    from novamind_core.bootstrap import build_services
    from novamind_core.security.crypto import FieldCipher, generate_key
    from novamind_core.services.base import SYSTEM_USER

    old_key, new_key = generate_key(), generate_key()
    settings = make_settings(db_url, encryption_keys=[old_key])
    first = build_services(settings, clock=clock, bcrypt_rounds=4)
    first.users.create(SYSTEM_USER, "dr.rot", "Dr Rot", "clinician", "correct-horse-battery-staple")
    user = first.users.get_by_username("dr.rot")
    p1 = register_patient(first, user, mrn="NM-000001")
    register_patient(first, user, mrn="NM-000002")
    first.notes.add(user, p1.id, "A private note")
    first.close()

    both = build_services(settings.model_copy(update={"encryption_keys": [new_key, old_key]}), clock=clock,
                          bcrypt_rounds=4)
    report = both.keys.rotate(SYSTEM_USER, batch_size=1)  # batch of one row: many transactions
    assert report.values_rotated > 0
    again = both.keys.rotate(SYSTEM_USER)
    assert again.values_rotated == 0  # idempotent: a second run (or a resumed one) skips current values
    both.close()

    engine = create_engine(db_url)
    with engine.connect() as conn:
        tokens = [t for (t,) in conn.execute(text("SELECT given_name FROM patients"))]
    engine.dispose()
    only_new = FieldCipher([new_key])
    assert all(only_new.is_current(t) for t in tokens)

    new_only = build_services(settings.model_copy(update={"encryption_keys": [new_key]}), clock=clock,
                              bcrypt_rounds=4)
    assert new_only.patients.get(user, p1.id).given_name == "Zebediah"
    assert new_only.notes.list(user, p1.id)[0].text == "A private note"
    new_only.close()


def test_a_stale_patient_update_is_refused_and_changes_nothing(services, clinician, patient):
    services.patients.update(clinician, patient.id, patient.version, given_name="Yolanda")
    with pytest.raises(StaleWriteError, match="changed by someone else"):
        services.patients.update(clinician, patient.id, patient.version, given_name="Xavier")
    assert services.patients.get(clinician, patient.id).given_name == "Yolanda"


def test_a_stale_twin_snapshot_is_refused(services, clinician, patient):
    v1 = services.twin.save_snapshot(clinician, patient.id, "manual", {"a": 1}, expected_version=0)
    services.twin.save_snapshot(clinician, patient.id, "manual", {"a": 2}, expected_version=v1.version)
    with pytest.raises(StaleWriteError):
        services.twin.save_snapshot(clinician, patient.id, "manual", {"a": 3}, expected_version=v1.version)
    assert [v.version for v in services.twin.versions(clinician, patient.id)] == [1, 2]


def test_audit_log_refuses_update_and_delete_at_database_level(services, clinician, patient, db_url):
    engine = create_engine(db_url)
    for statement in ("UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()


def _drop_append_only_guard(conn, dialect: str) -> None:
    if dialect == "sqlite":
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))
    else:
        conn.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))


def test_audit_verify_names_the_first_row_altered_in_the_database(services, clinician, patient, admin, db_url):
    from novamind_core.services.base import SYSTEM_USER

    assert services.audit.verify(SYSTEM_USER).ok
    engine = create_engine(db_url)
    with engine.begin() as conn:
        _drop_append_only_guard(conn, engine.dialect.name)
        target = conn.execute(text("SELECT id FROM audit_log WHERE action = 'patient.create'")).scalar()
        conn.execute(text("UPDATE audit_log SET patient_id = 999 WHERE id = :id"), {"id": target})
    engine.dispose()
    result = services.audit.verify(admin)
    assert not result.ok and result.first_broken_id == target


def test_audit_verify_detects_rows_deleted_from_the_end(services, clinician, patient, admin, db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        _drop_append_only_guard(conn, engine.dialect.name)
        last = conn.execute(text("SELECT max(id) FROM audit_log")).scalar()
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": last})
    engine.dispose()
    assert not services.audit.verify(admin).ok


def test_every_service_call_appends_exactly_one_audit_row(services, clinician, patient, admin):
    before = len(services.audit.query(admin, limit=1000))
    services.patients.get(clinician, patient.id)
    after = services.audit.query(admin, limit=1000)
    # +1 for the get, +1 for the first query's own audit.read row (written after it selected)
    assert len(after) == before + 2
    assert after[0].action == "patient.read" and after[0].patient_id == patient.id
