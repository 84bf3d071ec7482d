"""Backups: ``backup`` copies the database (SQLite online copy; PostgreSQL pg_dump), ``restore`` puts it back, and
the restored database holds exactly the backed-up data with a verifying audit chain (SQLite and PostgreSQL)."""

from __future__ import annotations

import stat
import threading

import pytest

from novamind_core.cli import main
from novamind_core.services.base import SYSTEM_USER
from tests.conftest import register_patient

#: The key that encrypts and signs backups in these tests (NOVAMIND_BACKUP_KEY; never inside a backup).
BACKUP_KEY = "backup-key-for-tests-" + "k" * 40


@pytest.fixture
def cli(shared, monkeypatch):  # type: ignore[no-untyped-def]
    services, env, clin, patient = shared
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NOVAMIND_BACKUP_KEY", BACKUP_KEY)
    return shared


def _restart(services):  # type: ignore[no-untyped-def]
    from novamind_core.bootstrap import build_services

    services.close()
    return build_services(services.settings, bcrypt_rounds=4)


def test_restore_brings_back_exactly_the_backed_up_data_and_the_audit_chain_verifies(cli, tmp_path, capsys):
    services, env, clin, patient = cli
    services.notes.add(clin, patient.id, "before the backup")
    out = tmp_path / "backups" / "novamind.bak"
    assert main(["backup", "--out", str(out)]) == 0
    assert "audit chain verifies" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    raw = out.read_bytes()
    assert b"Zebediah" not in raw and b"before the backup" not in raw and b"NM-000001" not in raw
    register_patient(services, clin, mrn="NM-000777", given="Later", family="Arrival")
    services.notes.add(clin, patient.id, "after the backup")
    assert main(["restore", "--from", str(out), "--yes"]) == 0
    services = _restart(services)
    page = services.patients.caseload(clin)
    assert [r.mrn for r in page.rows] == ["NM-000001"]
    assert [n.text for n in services.notes.list(clin, patient.id)] == ["before the backup"]
    assert services.audit.verify(SYSTEM_USER).ok
    assert len(services.audit.query(SYSTEM_USER, action="ops.restore")) == 1
    assert len(services.audit.query(SYSTEM_USER, action="ops.backup")) == 1
    services.close()


def test_restore_without_yes_changes_nothing(cli, tmp_path, capsys):
    services, env, clin, patient = cli
    out = tmp_path / "x.bak"
    assert main(["backup", "--out", str(out)]) == 0
    register_patient(services, clin, mrn="NM-000888", given="Kept", family="Patient")
    assert main(["restore", "--from", str(out)]) == 2
    assert "--yes" in capsys.readouterr().err
    assert services.patients.caseload(clin).total == 2


def test_a_backup_never_overwrites_an_existing_file(cli, tmp_path, capsys):
    out = tmp_path / "exists.bak"
    out.write_text("precious")
    assert main(["backup", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err and out.read_text() == "precious"


def test_restoring_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(cli, tmp_path, capsys):
    services, env, clin, patient = cli
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"not a database at all" * 100)
    assert main(["restore", "--from", str(junk), "--yes"]) == 2
    assert "not a" in capsys.readouterr().err
    assert services.patients.get(clin, patient.id).mrn == "NM-000001"


def test_postgresql_backup_without_pg_dump_says_what_to_install(cli, tmp_path, monkeypatch, capsys):
    services = cli[0]
    if services.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL backups use pg_dump")
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["backup", "--out", str(tmp_path / "pg.sql")]) == 2
    assert "pg_dump is not on PATH" in capsys.readouterr().err


def test_an_online_backup_taken_while_clinicians_write_is_consistent(cli, tmp_path):
    from novamind_core.db.backup import backup_database, restore_database

    services, env, clin, patient = cli
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            try:
                services.notes.add(clin, patient.id, f"note {i}")
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    t = threading.Thread(target=writer)
    t.start()
    try:
        report = backup_database(services.settings.database_url, tmp_path / "online.bak", services)
    finally:
        stop.set()
        t.join()
    assert not errors and report.size_bytes > 0
    n_notes_now = len(services.notes.list(clin, patient.id))
    restore_database(services.settings.database_url, report.path)
    services = _restart(services)
    restored = services.notes.list(clin, patient.id)
    assert len(restored) <= n_notes_now
    assert services.audit.verify(SYSTEM_USER).ok
    with services.engine.connect() as conn:
        from sqlalchemy import text

        audited = conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'note.create'")).scalar_one()
    assert audited == len(restored), "every restored note has its audit row and no more"
    services.close()
