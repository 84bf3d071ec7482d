"""Break 2 of issue 17: the command line impersonated. ``export fhir --patient MRN --as demo.clinician`` returned the
whole record with no credential and the audit row blamed the named clinician. Now a PHI command needs a personal
API token (from ``NOVAMIND_API_TOKEN`` or a 0600 ``--token-file``) or a password typed at a prompt; the audit row
names the token's owner and the channel ``cli``."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from novamind_core.cli import main
from novamind_core.services.base import SYSTEM_USER
from tests.cli_credentials import issue_token
from tests.conftest import TEST_PASSWORD, make_settings, register_patient


@pytest.fixture
def cli(sqlite_url, clock, monkeypatch):  # type: ignore[no-untyped-def]
    """Services over a migrated SQLite file, the CLI pointed at it, a clinician with a patient and an admin."""
    from novamind_core.bootstrap import build_services

    settings = make_settings(sqlite_url)
    services = build_services(settings, clock=clock, bcrypt_rounds=4)
    for name, role in (("dr.cli", "clinician"), ("dr.other", "clinician"), ("ad.cli", "admin")):
        services.users.create(SYSTEM_USER, name, name, role, TEST_PASSWORD)
    clin = services.users.get_by_username("dr.cli")
    patient = register_patient(services, clin, mrn="NM-100001")
    for key, value in {"NOVAMIND_ENVIRONMENT": "testing", "NOVAMIND_DATABASE_URL": sqlite_url,
                       "NOVAMIND_ENCRYPTION_KEYS": settings.encryption_keys[0],
                       "NOVAMIND_BLIND_INDEX_KEY": settings.blind_index_key, "NOVAMIND_DEID_KEY": settings.deid_key,
                       "NOVAMIND_COOKIE_KEY": settings.cookie_key, "NOVAMIND_LOGIN_SLEEP_TIME": "0"}.items():
        monkeypatch.setenv(key, value)
    for key in ("NOVAMIND_API_TOKEN", "NOVAMIND_CLI_USER"):
        monkeypatch.delenv(key, raising=False)
    yield services, clin, patient
    services.close()


def _audit(services, after: int = 0):  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        return list(conn.execute(text("SELECT id, action, username, user_id, outcome, channel, detail FROM audit_log "
                                      "WHERE id > :i ORDER BY id"), {"i": after}))


def _last_id(services) -> int:  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one())


def test_the_wave_one_command_line_returns_nothing_and_exits_2(cli, capsys):
    services, clin, patient = cli
    before = _last_id(services)
    assert main(["export", "fhir", "--patient", "NM-100001", "--as", "dr.cli"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Zebediah" not in err
    assert "--as on its own is not a credential" in err and "NOVAMIND_API_TOKEN" in err
    assert not [r for r in _audit(services, before) if r.action == "export.fhir"]


def test_a_named_user_in_the_environment_is_no_credential_either(cli, capsys, monkeypatch):
    services, clin, patient = cli
    monkeypatch.setenv("NOVAMIND_CLI_USER", "dr.cli")
    assert main(["requests", "create", "--patient", "NM-100001", "--instruments", "PHQ-9"]) == 2
    assert "authenticated operator" in capsys.readouterr().err


def test_with_a_token_the_audit_row_names_the_token_owner_and_the_channel_cli(cli, capsys, monkeypatch):
    services, clin, patient = cli
    monkeypatch.setenv("NOVAMIND_API_TOKEN", issue_token(services, "dr.cli", ("phi:export",)))
    before = _last_id(services)
    assert main(["export", "fhir", "--patient", "NM-100001"]) == 0
    assert "Zebediah" in capsys.readouterr().out
    rows = _audit(services, before)
    assert [r.action for r in rows] == ["auth.token", "export.fhir"]
    assert {(r.username, r.user_id, r.channel) for r in rows} == {("dr.cli", clin.id, "cli")}
    assert services.audit.verify(SYSTEM_USER).ok


def test_the_app_writes_its_audit_rows_on_the_web_channel(cli):
    services, clin, patient = cli
    before = _last_id(services)
    services.patients.get(clin, patient.id)
    assert [(r.action, r.channel) for r in _audit(services, before)] == [("patient.read", "web")]


def test_a_token_without_the_scope_a_command_needs_is_refused_and_the_refusal_audited(cli, capsys, monkeypatch):
    services, clin, patient = cli
    monkeypatch.setenv("NOVAMIND_API_TOKEN", issue_token(services, "dr.cli", ("phi:read",)))
    before = _last_id(services)
    assert main(["export", "fhir", "--patient", "NM-100001"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "phi:export" in err
    assert [(r.action, r.outcome) for r in _audit(services, before)] == [("auth.token_refused", "denied")]


def test_a_revoked_an_expired_or_an_unknown_token_opens_nothing(cli, capsys, monkeypatch):
    services, clin, patient = cli
    admin = services.users.get_by_username("ad.cli")
    pinned = services.context.clock
    services.context.clock = lambda: datetime.now(UTC)
    revoked = services.operators.create(admin, "dr.cli", "phi:export")
    services.operators.revoke(admin, revoked.info.id)
    services.context.clock = lambda: datetime.now(UTC) - timedelta(days=2)  # issued two days ago for one day
    expiring = services.operators.create(admin, "dr.cli", "phi:export", days=1)
    services.context.clock = pinned
    for token in (revoked.token, expiring.token, "nmt_" + "A" * 43, "not-even-a-token"):
        monkeypatch.setenv("NOVAMIND_API_TOKEN", token)
        assert main(["export", "fhir", "--patient", "NM-100001"]) == 2
        out, err = capsys.readouterr()
        assert out == "" and "not valid (unknown, expired or revoked)" in err


def test_a_token_for_a_deactivated_account_opens_nothing(cli, capsys, monkeypatch):
    services, clin, patient = cli
    monkeypatch.setenv("NOVAMIND_API_TOKEN", issue_token(services, "dr.cli", ("phi:export",)))
    services.users.deactivate(SYSTEM_USER, clin.id)
    assert main(["export", "fhir", "--patient", "NM-100001"]) == 2
    assert capsys.readouterr().out == ""


def test_as_must_name_the_token_owner(cli, capsys, monkeypatch):
    services, clin, patient = cli
    monkeypatch.setenv("NOVAMIND_API_TOKEN", issue_token(services, "dr.other", ("phi:export",)))
    assert main(["export", "fhir", "--patient", "NM-100001", "--as", "dr.cli"]) == 2
    assert "belongs to 'dr.other'" in capsys.readouterr().err


def test_another_clinicians_token_still_meets_the_care_team_check(cli, capsys, monkeypatch):
    services, clin, patient = cli
    monkeypatch.setenv("NOVAMIND_API_TOKEN", issue_token(services, "dr.other", ("phi:export",)))
    assert main(["export", "fhir", "--patient", "NM-100001"]) == 2
    assert capsys.readouterr().out == ""


def test_a_token_file_must_be_private_to_its_owner(cli, capsys, tmp_path):
    services, clin, patient = cli
    path = tmp_path / "token"
    path.write_text(issue_token(services, "dr.cli", ("phi:export",)) + "\n")
    path.chmod(0o644)
    assert main(["export", "fhir", "--patient", "NM-100001", "--token-file", str(path)]) == 2
    assert "chmod 600" in capsys.readouterr().err
    path.chmod(0o600)
    assert main(["export", "fhir", "--patient", "NM-100001", "--token-file", str(path)]) == 0
    assert "Zebediah" in capsys.readouterr().out


def test_at_a_terminal_as_asks_for_the_password_and_refuses_a_wrong_one(cli, capsys, monkeypatch):
    import getpass
    import sys

    services, clin, patient = cli
    typed: list[str] = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": typed.append(prompt) or answer)
    answer = "wrong password"
    assert main(["export", "fhir", "--patient", "NM-100001", "--as", "dr.cli"]) == 2
    assert capsys.readouterr().out == "" and typed == ["Password for dr.cli: "]
    answer = TEST_PASSWORD
    before = _last_id(services)
    assert main(["export", "fhir", "--patient", "NM-100001", "--as", "dr.cli"]) == 0
    assert "Zebediah" in capsys.readouterr().out
    assert [(r.action, r.username, r.channel) for r in _audit(services, before)] == [
        ("auth.sign_in", "dr.cli", "cli"), ("export.fhir", "dr.cli", "cli")]


def test_an_admin_issues_a_token_once_into_a_private_file_and_the_database_keeps_only_its_digest(
        cli, capsys, monkeypatch, tmp_path):
    import getpass
    import sys

    services, clin, patient = cli
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": TEST_PASSWORD)
    out = tmp_path / "dr.cli.token"
    assert main(["tokens", "create", "dr.cli", "--scope", "phi:export", "--days", "7", "--out", str(out),
                 "--as", "ad.cli"]) == 0
    capsys.readouterr()
    assert oct(out.stat().st_mode & 0o777) == oct(0o600)
    token = out.read_text().strip()
    raw = sqlite3.connect(services.settings.database_url.removeprefix("sqlite:///")).execute(
        "SELECT token_hash, prefix FROM operator_tokens").fetchall()
    assert len(raw) == 1 and token not in repr(raw) and raw[0][1] == token[:10]
    assert main(["tokens", "list", "--json", "--as", "ad.cli"]) == 0
    listed = capsys.readouterr().out
    assert token not in listed and '"state": "active"' in listed
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    assert main(["export", "fhir", "--patient", "NM-100001", "--token-file", str(out)]) == 0
    capsys.readouterr()


def test_a_clinician_cannot_issue_tokens(cli, capsys, monkeypatch):
    services, clin, patient = cli
    monkeypatch.setenv("NOVAMIND_API_TOKEN", issue_token(services, "dr.cli", ("phi:read",)))
    assert main(["tokens", "create", "dr.cli", "--scope", "phi:export"]) == 2
    assert capsys.readouterr().out == ""


def test_users_add_never_takes_a_password_from_the_command_line(cli, capsys, monkeypatch):
    import io
    import sys

    services, clin, patient = cli
    assert main(["users", "add", "new.user", "--role", "clinician", "--password", TEST_PASSWORD]) == 2
    assert "--password is not accepted" in capsys.readouterr().err
    assert services.users.get_by_username("new.user") is None
    monkeypatch.setattr(sys, "stdin", io.StringIO(TEST_PASSWORD + "\n"))
    assert main(["users", "add", "new.user", "--role", "clinician", "--password-stdin"]) == 0
    assert services.users.authenticate("new.user", TEST_PASSWORD).username == "new.user"
