"""``python -m novamind_core sessions ...``: list live sessions, end one or all of an account's, lift a back-off."""

from __future__ import annotations

import json

import pytest

from novamind_core.cli import main


@pytest.fixture
def cli_env(services, monkeypatch):  # type: ignore[no-untyped-def]
    s = services.settings
    for key, value in {"NOVAMIND_DATABASE_URL": s.database_url, "NOVAMIND_ENCRYPTION_KEYS": s.encryption_keys[0],
                       "NOVAMIND_BLIND_INDEX_KEY": s.blind_index_key, "NOVAMIND_DEID_KEY": s.deid_key,
                       "NOVAMIND_COOKIE_KEY": s.cookie_key, "NOVAMIND_ENVIRONMENT": "testing"}.items():
        monkeypatch.setenv(key, value)
    return services


def test_the_operator_lists_and_ends_sessions_from_the_command_line(cli_env, clinician, capsys):
    from novamind_core.bootstrap import build_services

    services = build_services(cli_env.settings, bcrypt_rounds=4)  # the real clock, like the CLI's
    first = services.sessions.create_session(clinician, "web").session_id
    second = services.sessions.create_session(clinician, "web").session_id
    assert main(["sessions", "list", "--user", clinician.username, "--json"]) == 0
    listed = {s["id"] for s in json.loads(capsys.readouterr().out)}
    assert {first, second} <= listed
    assert main(["sessions", "revoke", str(first)]) == 0
    assert services.sessions.validate(first) is None and services.sessions.validate(second) is not None
    assert main(["sessions", "revoke-all", clinician.username]) == 0
    assert services.sessions.validate(second) is None
    assert main(["sessions", "unlock", clinician.username]) == 0
    assert main(["sessions", "revoke-all", "nobody.here"]) == 2
    services.close()
