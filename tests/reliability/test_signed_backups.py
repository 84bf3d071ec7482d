"""Break 3 of issue 17: backups were trusted blindly. A SQLite backup edited to make a clinician an admin on every
care team restored with "audit chain verifies" and exit 0, and any restore silently dropped newer audit rows
(including a PHI export). Backups are now encrypted and signed with a key kept outside them, restore verifies
everything before it touches the live database, and the rewind is itself on the record."""

from __future__ import annotations

import json
import sqlite3
import stat

import pytest
from sqlalchemy import text

from novamind_core.cli import main
from novamind_core.db import backup_envelope
from novamind_core.db.backup import pg_invocation
from novamind_core.db.backup_envelope import seal, unseal
from novamind_core.services.base import SYSTEM_USER
from tests.conftest import register_patient
from tests.reliability.test_backup_restore import BACKUP_KEY


@pytest.fixture
def cli_any(shared, monkeypatch):  # type: ignore[no-untyped-def]
    """The CLI pointed at the shared database (SQLite or PostgreSQL), with a backup key."""
    services, env, clin, patient = shared
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NOVAMIND_BACKUP_KEY", BACKUP_KEY)
    return shared


@pytest.fixture
def cli(cli_any):  # type: ignore[no-untyped-def]
    if cli_any[0].engine.dialect.name != "sqlite":
        pytest.skip("edits the SQLite file inside a backup (PostgreSQL: the byte-level and rewind tests)")
    return cli_any


def _live_path(services):  # type: ignore[no-untyped-def]
    return services.settings.database_url.removeprefix("sqlite:///")


def _role_and_teams(services, username: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        user_id, role = conn.execute(text("SELECT id, role FROM users WHERE username = :u"), {"u": username}).one()
        teams = conn.execute(text("SELECT count(*) FROM care_team WHERE user_id = :i"), {"i": user_id}).scalar_one()
    return role, teams


def _make_admin_on_every_team(path, username: str) -> None:  # type: ignore[no-untyped-def]
    conn = sqlite3.connect(path)
    try:
        user_id = conn.execute("SELECT id FROM users WHERE username = ?", (username,)).fetchone()[0]
        conn.execute("UPDATE users SET role = 'admin' WHERE id = ?", (user_id,))
        for (pid,) in conn.execute("SELECT id FROM patients").fetchall():
            conn.execute("INSERT OR IGNORE INTO care_team (patient_id, user_id) VALUES (?, ?)", (pid, user_id))
        conn.commit()
        assert conn.execute("SELECT count(*) FROM care_team WHERE user_id = ?", (user_id,)).fetchone()[0] == 2
    finally:
        conn.close()  # checkpoints the WAL into the file, as an intruder's editor would on saving


@pytest.fixture
def intruder(cli_any):  # type: ignore[no-untyped-def]
    """A second clinician on no care team: the one the edited backup would promote."""
    services = cli_any[0]
    services.users.create(SYSTEM_USER, "dr.intruder", "Dr Intruder", "clinician", "correct-horse-battery-staple")
    register_patient(services, cli_any[2], mrn="NM-000002", given="Second", family="Patient")
    return "dr.intruder"


def test_an_edited_plain_sqlite_backup_that_makes_a_clinician_admin_on_every_team_is_refused(cli, intruder, tmp_path,
                                                                                             capsys):
    services = cli[0]
    forged = tmp_path / "wave1.bak"  # the wave-1 format: a plain SQLite copy
    with sqlite3.connect(_live_path(services)) as src, sqlite3.connect(forged) as dst:
        src.backup(dst)
    _make_admin_on_every_team(forged, intruder)
    assert main(["restore", "--from", str(forged), "--yes"]) == 2
    assert "not a signed Novamind backup" in capsys.readouterr().err
    assert _role_and_teams(services, intruder) == ("clinician", 0)


def test_a_signed_backup_with_one_byte_changed_is_refused_and_the_live_database_is_untouched(cli_any, intruder,
                                                                                              tmp_path, capsys):
    services = cli_any[0]
    out = tmp_path / "signed.bak"
    assert main(["backup", "--out", str(out)]) == 0
    register_patient(services, cli_any[2], mrn="NM-000003", given="After", family="Backup")
    data = bytearray(out.read_bytes())
    for position in (40, len(data) // 2, len(data) - 3):  # the manifest, an encrypted chunk, the last tag
        edited = tmp_path / f"edited-{position}.bak"
        changed = bytearray(data)
        changed[position] ^= 0x01
        edited.write_bytes(bytes(changed))
        assert main(["restore", "--from", str(edited), "--yes"]) == 2
        assert "nothing was restored" in capsys.readouterr().err
    cut = tmp_path / "cut.bak"
    cut.write_bytes(bytes(data[:-200]))
    assert main(["restore", "--from", str(cut), "--yes"]) == 2
    assert services.patients.caseload(cli_any[2]).total == 3  # the live database still has the newer patient


def test_a_backup_edited_and_resealed_without_the_backup_key_is_refused(cli, intruder, tmp_path, capsys):
    services = cli[0]
    out = tmp_path / "signed.bak"
    assert main(["backup", "--out", str(out)]) == 0
    plain = tmp_path / "plain.db"
    manifest = unseal(out, plain, BACKUP_KEY)  # say the intruder could read it: they still lack the signing key
    _make_admin_on_every_team(plain, intruder)
    resealed = tmp_path / "resealed.bak"
    seal(plain, resealed, manifest, "an-intruders-own-key-" + "x" * 40)
    assert main(["restore", "--from", str(resealed), "--yes"]) == 2
    assert "signature does not match" in capsys.readouterr().err
    assert _role_and_teams(services, intruder) == ("clinician", 0)


def _add_to_every_team_in_a_dump(path, services, username: str) -> None:  # type: ignore[no-untyped-def]
    """The pg_dump edit: extra rows in the care_team COPY block."""
    with services.engine.connect() as conn:
        user_id = conn.execute(text("SELECT id FROM users WHERE username = :u"), {"u": username}).scalar_one()
        patients = [r[0] for r in conn.execute(text("SELECT id FROM patients"))]
    lines = path.read_text().split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("COPY ") and ".care_team (" in line)
    columns = [c.strip() for c in lines[start].split("(", 1)[1].split(")", 1)[0].split(",")]
    rows = ["\t".join(str(pid if c == "patient_id" else user_id) for c in columns) for pid in patients]
    path.write_text("\n".join(lines[:start + 1] + rows + lines[start + 1:]))


def test_a_copy_that_disagrees_with_its_signed_manifest_is_refused(cli_any, intruder, tmp_path, capsys):
    services = cli_any[0]
    out = tmp_path / "signed.bak"
    assert main(["backup", "--out", str(out)]) == 0
    plain = tmp_path / "plain.db"
    manifest = unseal(out, plain, BACKUP_KEY)
    if services.engine.dialect.name == "sqlite":
        _make_admin_on_every_team(plain, intruder)
    else:
        _add_to_every_team_in_a_dump(plain, services, intruder)
    resealed = tmp_path / "resealed.bak"
    seal(plain, resealed, {k: manifest[k] for k in ("created_at", "backend", "novamind_version", "schema_revision",
                                                    "table_counts", "audit_head")}, BACKUP_KEY)
    assert main(["restore", "--from", str(resealed), "--yes"]) == 2
    assert "care_team" in capsys.readouterr().err
    assert _role_and_teams(services, intruder) == ("clinician", 0)


def test_the_backup_file_is_encrypted_private_and_carries_a_manifest(cli, tmp_path, monkeypatch):
    services = cli[0]
    seen = {}
    real_seal = backup_envelope.seal

    def watching_seal(plain, out, manifest, key):  # type: ignore[no-untyped-def]
        seen["payload"] = stat.S_IMODE(plain.stat().st_mode)
        seen["folder"] = stat.S_IMODE(plain.parent.stat().st_mode)
        return real_seal(plain, out, manifest, key)

    monkeypatch.setattr("novamind_core.db.backup.seal", watching_seal)
    out = tmp_path / "backups" / "b.bak"
    assert main(["backup", "--out", str(out)]) == 0
    assert seen == {"payload": 0o600, "folder": 0o700}, "the plaintext copy is private while it exists"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in out.parent.iterdir()] == ["b.bak"], "no working files are left behind"
    raw = out.read_bytes()
    assert b"SQLite format 3" not in raw and b"CREATE TABLE" not in raw and b"INSERT" not in raw
    assert b"dr.crash" not in raw, "only the manifest (counts, hashes) is in clear; the copy itself is encrypted"
    manifest = backup_envelope.read_manifest(out, BACKUP_KEY)
    with services.engine.connect() as conn:
        patients = conn.execute(text("SELECT count(*) FROM patients")).scalar_one()
        head_id = conn.execute(text("SELECT last_id FROM audit_head")).scalar_one()
    assert manifest["table_counts"]["patients"] == patients and manifest["audit_head"]["last_id"] == head_id
    assert manifest["schema_revision"] and manifest["created_at"] and len(manifest["payload_sha256"]) == 64


def test_restore_records_what_it_rewound_and_keeps_the_dropped_audit_rows(cli_any, tmp_path, capsys):
    from novamind_core.services.imports import import_service

    services, env, clin, patient = cli_any
    out = tmp_path / "before.bak"
    assert main(["backup", "--out", str(out)]) == 0
    import_service(services).export_fhir(clin, patient.id)  # a PHI export after the backup
    services.notes.add(clin, patient.id, "after the backup")
    assert main(["restore", "--from", str(out), "--yes", "--rewound-dir", str(tmp_path / "rewound")]) == 0
    assert "rewound 2 newer audit rows" in capsys.readouterr().out
    sidecars = list((tmp_path / "rewound").iterdir())
    assert len(sidecars) == 1 and stat.S_IMODE(sidecars[0].stat().st_mode) == 0o600
    lines = [json.loads(line) for line in sidecars[0].read_text().splitlines()]
    assert lines[0]["rewound_rows"] == 2 and [r["action"] for r in lines[1:]] == ["export.fhir", "note.create"]
    from novamind_core.bootstrap import build_services

    services.close()
    services = build_services(services.settings, bcrypt_rounds=4)
    try:
        restores = services.audit.query(SYSTEM_USER, action="ops.restore")
        assert len(restores) == 1
        detail = restores[0].detail
        assert "rewound 2 audit rows" in detail and "export.fhir x1" in detail and sidecars[0].name in detail
        assert services.audit.verify(SYSTEM_USER).ok
    finally:
        services.close()


def test_a_backup_needs_a_backup_key_of_at_least_32_bytes(cli, tmp_path):
    from novamind_core.db.backup import backup_database
    from novamind_core.domain.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="NOVAMIND_BACKUP_KEY: too short"):
        backup_database(cli[0].settings.database_url, tmp_path / "x.bak", backup_key="short")
    assert not (tmp_path / "x.bak").exists()


def test_pg_dump_never_gets_the_password_on_its_command_line(tmp_path):
    url = "postgresql+psycopg://novamind:s3cr:et\\pw@db.example:5432/novamind?options=-csearch_path%3Dt1"
    argv, env = pg_invocation(url, "/usr/bin/pg_dump", tmp_path)
    assert not any("s3cr" in part for part in argv), argv
    assert "PGPASSWORD" not in env
    passfile = tmp_path / "pgpass"
    assert env["PGPASSFILE"] == str(passfile) and stat.S_IMODE(passfile.stat().st_mode) == 0o600
    assert passfile.read_text() == "*:*:*:*:s3cr\\:et\\\\pw\n"
    assert "novamind@db.example:5432/novamind" in argv[2]
