"""Admin service: system health, key-rotation status, model registry status, care teams by MRN, audit export."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select, text

from novamind_core.db.models import AuditRow
from novamind_core.domain.errors import NotFoundError, PermissionDenied
from novamind_core.security.crypto import generate_key
from novamind_core.services import admin as admin_module
from tests.conftest import make_settings, register_patient


def audit_tail(services, n: int = 1) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        rows = conn.execute(select(AuditRow.action, AuditRow.outcome).order_by(AuditRow.id.desc()).limit(n)).all()
    return [(a, o) for a, o in reversed(rows)]


def sibling_services(services, clock, **overrides):  # type: ignore[no-untyped-def]
    """Services on the same database with the same keys, except ``overrides``."""
    from novamind_core.bootstrap import build_services

    s = services.settings
    values = dict(encryption_keys=list(s.encryption_keys), blind_index_key=s.blind_index_key, deid_key=s.deid_key,
                  cookie_key=s.cookie_key)
    values.update(overrides)
    return build_services(make_settings(s.database_url, **values), clock=clock, bcrypt_rounds=4)


# ----------------------------------------------------------------------------------------------- health
def test_health_reports_a_reachable_database_at_the_migration_head_and_free_disk(services, admin):
    health = services.admin.health(admin)
    assert health.ok and health.db_reachable and health.migrations_current
    assert health.schema_revision == health.head_revision and health.users == 1
    assert health.disk_free_bytes and health.disk_free_bytes > 0
    assert audit_tail(services) == [("admin.health", "success")]


def test_health_flags_a_database_behind_the_migration_head_and_says_how_to_fix_it(services, admin):
    with services.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000_old'"))
    health = services.admin.health(admin)
    check = next(c for c in health.checks if c.name == "migrations current")
    assert not health.ok and not check.ok and "migrate" in check.detail


def test_health_flags_low_disk(services, admin, monkeypatch):
    monkeypatch.setattr(admin_module, "MIN_FREE_DISK_BYTES", 1 << 62)
    health = services.admin.health(admin)
    assert not next(c for c in health.checks if c.name == "disk for data").ok


def test_health_reports_an_unreachable_database_without_crashing(admin, tmp_path, clock):
    from novamind_core.bootstrap import build_services

    broken = build_services(make_settings(f"sqlite:///{tmp_path / 'missing' / 'none.db'}"), clock=clock)
    try:
        with broken.engine.begin() as conn:  # make the file unusable as a database
            conn.exec_driver_sql("SELECT 1")
        (tmp_path / "missing" / "none.db").write_bytes(b"this is not a database" * 100)
        broken.engine.dispose()
        health = broken.admin.health(admin)
    finally:
        broken.close()
    assert not health.db_reachable and not health.ok
    assert "NOVAMIND_DATABASE_URL" in health.checks[0].detail


# ----------------------------------------------------------------------------------------------- keys
def test_key_status_counts_values_under_old_keys_until_rotation_finishes(services, admin, clinician, clock):
    register_patient(services, clinician)
    assert services.admin.key_status(admin).complete
    rotated = sibling_services(services, clock, encryption_keys=[generate_key(), *services.settings.encryption_keys])
    try:
        before = rotated.admin.key_status(admin)
        assert before.key_count == 2 and before.stale == before.values > 0 and not before.complete
        patients = next(t for t in before.tables if t.table == "patients")
        assert patients.stale >= 5  # MRN, names, date of birth, contact
        rotated.keys.rotate(admin)
        assert rotated.admin.key_status(admin).complete
    finally:
        rotated.close()
    assert audit_tail(services) == [("keys.status", "success")]


# ----------------------------------------------------------------------------------------------- models
def test_model_status_verifies_checksums_and_marks_the_latest_version(services, admin, clock, tmp_path):
    from novamind_core.ml.registry import save_model

    models = tmp_path / "models"
    save_model("response", "1", {"w.bin": b"abc"}, {"kind": "response", "data": {"synthetic": True},
                                                    "metrics": {"response": {"auc": 0.69}}}, model_dir=models)
    entry = save_model("response", "2", {"w.bin": b"abcd"}, {"kind": "response"}, model_dir=models)
    (entry.path / "w.bin").write_bytes(b"tampered")
    built = sibling_services(services, clock, model_dir=models)
    try:
        status = {m.version: m for m in built.admin.model_status(admin)}
    finally:
        built.close()
    assert status["1"].checksum_ok and status["1"].synthetic and not status["1"].latest
    assert status["1"].metrics == {"response.auc": 0.69}
    assert status["2"].latest and not status["2"].checksum_ok and "checksum mismatch" in status["2"].problem


# ----------------------------------------------------------------------------------------------- care teams
def test_admin_finds_a_care_team_by_mrn_without_seeing_phi_and_can_reassign_it(services, admin, clinician,
                                                                               other_clinician):
    patient = register_patient(services, clinician, mrn="NM-123456")
    team = services.admin.care_team_by_mrn(admin, "nm-123456")
    assert team.patient_id == patient.id and [m.username for m in team.members] == [clinician.username]
    assert "Zebediah" not in repr(team) and "Quuxington" not in repr(team)
    services.users.set_care_team(admin, team.patient_id, [clinician.id, other_clinician.id])
    assert len(services.admin.care_team_by_mrn(admin, "NM-123456").members) == 2
    with pytest.raises(PermissionDenied):  # finding the team does not open the chart
        services.patients.get(admin, patient.id)


def test_an_unknown_mrn_is_not_found_and_the_lookup_is_audited(services, admin):
    with pytest.raises(NotFoundError):
        services.admin.care_team_by_mrn(admin, "NM-999999")
    assert audit_tail(services) == [("patient.care_team_read", "failure")]


# ----------------------------------------------------------------------------------------------- audit export
def test_audit_export_is_csv_with_hash_links_filtered_and_itself_audited(services, admin, clinician):
    register_patient(services, clinician)
    content = services.admin.audit_csv(admin, action="patient.create").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 1 and rows[0]["action"] == "patient.create" and len(rows[0]["hash"]) == 64
    assert audit_tail(services) == [("audit.export", "success")]
    assert services.audit.verify(admin).ok


# ----------------------------------------------------------------------------------------------- permissions
@pytest.mark.parametrize("call", [
    lambda s, u: s.admin.health(u),
    lambda s, u: s.admin.key_status(u),
    lambda s, u: s.admin.model_status(u),
    lambda s, u: s.admin.care_team_by_mrn(u, "NM-000001"),
    lambda s, u: s.admin.audit_csv(u),
], ids=["health", "key_status", "model_status", "care_team_by_mrn", "audit_csv"])
@pytest.mark.parametrize("who", ["clinician", "analyst"])
def test_only_admins_may_use_the_admin_service_and_refusals_are_audited(services, request, call, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        call(services, user)
    assert audit_tail(services)[0][1] == "denied"


def test_audit_actions_lists_the_admin_and_cohort_actions():
    names = admin_module.audit_actions()
    assert {"admin.health", "keys.status", "cohort.view", "export.deidentified", "user.create"} <= set(names)
