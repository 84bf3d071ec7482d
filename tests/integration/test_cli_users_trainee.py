"""``python -m novamind_core users trainee USERNAME --on/--off``: flag a clinician whose signed notes need a
co-signature, and lift the flag."""

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


def listed_as_trainee(username: str, capsys) -> bool:  # type: ignore[no-untyped-def]
    assert main(["users", "list", "--json"]) == 0
    return next(a for a in json.loads(capsys.readouterr().out) if a["username"] == username)["trainee"]


def test_the_operator_flags_a_clinician_as_a_trainee_and_lifts_it_from_the_command_line(cli_env, clinician, capsys):
    assert not listed_as_trainee(clinician.username, capsys)
    assert main(["users", "trainee", clinician.username, "--on"]) == 0
    assert "is now a trainee" in capsys.readouterr().out
    assert listed_as_trainee(clinician.username, capsys)
    assert main(["users", "trainee", clinician.username, "--off"]) == 0
    assert "no longer a trainee" in capsys.readouterr().out
    assert not listed_as_trainee(clinician.username, capsys)


def test_only_a_clinician_can_be_flagged_and_the_flag_must_be_named(cli_env, capsys):
    from novamind_core.services.base import SYSTEM_USER

    cli_env.users.create(SYSTEM_USER, "an.analyst", "An Analyst", "analyst", "a-long-temporary-pass-42")
    assert main(["users", "trainee", "an.analyst", "--on"]) == 2
    assert not listed_as_trainee("an.analyst", capsys)
    assert main(["users", "trainee", "nobody.here", "--on"]) == 2
    with pytest.raises(SystemExit):
        main(["users", "trainee", "an.analyst"])  # neither --on nor --off
