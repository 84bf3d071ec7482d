"""``requests create`` and ``plans show|set`` act as a care-team clinician, print links only when asked, and refuse
bad input with exit code 2 and a clear message."""

from __future__ import annotations

import pytest

from novamind_core.cli import main
from novamind_core.domain.reporting import token_digest


@pytest.fixture
def cli_env(services, settings, monkeypatch):  # type: ignore[no-untyped-def]
    for key, value in {"NOVAMIND_DATABASE_URL": settings.database_url,
                       "NOVAMIND_ENCRYPTION_KEYS": settings.encryption_keys[0],
                       "NOVAMIND_BLIND_INDEX_KEY": settings.blind_index_key, "NOVAMIND_DEID_KEY": settings.deid_key,
                       "NOVAMIND_COOKIE_KEY": settings.cookie_key, "NOVAMIND_ENVIRONMENT": "testing",
                       "NOVAMIND_PUBLIC_BASE_URL": "https://clinic.example"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("NOVAMIND_CLI_USER", raising=False)
    monkeypatch.delenv("NOVAMIND_API_TOKEN", raising=False)
    return services


@pytest.fixture
def as_clinician(cli_env, clinician, monkeypatch):  # type: ignore[no-untyped-def]
    """The clinician's own API token in NOVAMIND_API_TOKEN (``--as`` alone is no credential)."""
    from tests.cli_credentials import use_token

    return use_token(cli_env, clinician.username, monkeypatch)


def test_requests_create_prints_the_link_only_when_asked_and_stores_only_its_digest(cli_env, clinician, patient,
                                                                                   capsys, as_clinician):
    assert main(["requests", "create", "--patient", patient.mrn, "--instruments", "PHQ-9,GAD-7",
                 "--as", clinician.username]) == 0
    quiet = capsys.readouterr().out
    assert "request 1 created" in quiet and "questionnaire?t=" not in quiet and "--print-link" in quiet
    assert main(["requests", "create", "--patient", patient.mrn, "--instruments", "GAD-7", "--as",
                 clinician.username, "--print-link"]) == 0
    link = capsys.readouterr().out.strip().splitlines()[-1]
    assert link.startswith("https://clinic.example/questionnaire?t=")
    token = link.split("t=", 1)[1]
    with cli_env.context.uow() as uow:
        request = uow.requests.by_digest(token_digest(token))
    assert request is not None and request.id == 2 and patient.mrn not in link


def test_plans_set_then_show_reflects_each_option(cli_env, clinician, patient, capsys, as_clinician):
    assert main(["plans", "show", "--patient", patient.mrn, "--as", clinician.username]) == 0
    assert "state: no plan" in capsys.readouterr().out
    assert main(["plans", "set", "--patient", patient.mrn, "--as", clinician.username, "--instruments", "PHQ-9",
                 "--every-days", "7", "--deliveries", "6", "--channel", "sms", "--send-time", "18:30",
                 "--reminder-hours", "24", "--link-hours", "72"]) == 0
    out = capsys.readouterr().out
    assert "plan saved (version 1)" in out and "instruments: PHQ-9" in out and "weekly 6 times" in out
    assert "channel: sms at 18:30; reminder after 24 h; links valid 72 h" in out
    assert main(["plans", "set", "--patient", patient.mrn, "--as", clinician.username, "--until-discharge"]) == 0
    assert "weekly until discharge" in capsys.readouterr().out
    assert main(["plans", "set", "--patient", patient.mrn, "--as", clinician.username, "--pause"]) == 0
    assert "(paused)" in capsys.readouterr().out
    from novamind_core.services.base import SYSTEM_USER

    actions = [e.action for e in cli_env.audit.query(SYSTEM_USER, patient_id=patient.id, limit=200)]
    assert actions.count("plan.set") == 2 and "plan.pause" in actions


@pytest.mark.parametrize(("argv", "message"), [
    (["requests", "create", "--patient", "NM-000001", "--instruments", "HAM-D"], "HAM-D"),
    (["requests", "create", "--patient", "NM-000001", "--instruments", "PHQ-9", "--channel", "email"], "consent"),
    (["plans", "set", "--patient", "NM-000001", "--send-time", "25:99"], "HH:MM"),
    (["plans", "set", "--patient", "NM-000001", "--every-days", "0"], "interval"),
    (["plans", "set", "--patient", "NM-000001", "--reminder-hours", "200", "--link-hours", "100"], "reminder"),
    (["plans", "show", "--patient", "NM-999999"], "no patient has this MRN"),
])
def test_bad_input_exits_2_with_a_clear_message(cli_env, clinician, patient, capsys, argv, message, as_clinician):
    assert main([*argv, "--as", clinician.username]) == 2
    assert message.lower() in capsys.readouterr().err.lower()


def test_without_a_user_or_off_the_care_team_the_command_is_refused(cli_env, clinician, other_clinician, patient,
                                                                    capsys, monkeypatch):
    from tests.cli_credentials import use_token

    assert main(["plans", "show", "--patient", patient.mrn]) == 2
    assert "--as" in capsys.readouterr().err
    use_token(cli_env, other_clinician.username, monkeypatch)
    assert main(["requests", "create", "--patient", patient.mrn, "--instruments", "PHQ-9", "--as",
                 other_clinician.username]) == 2
    assert "error:" in capsys.readouterr().err


def test_bad_numbers_and_conflicting_options_are_usage_errors(cli_env, clinician, patient, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plans", "set", "--patient", patient.mrn, "--deliveries", "3", "--until-discharge"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["plans", "set", "--patient", patient.mrn, "--every-days", "often"])
    assert exc.value.code == 2 and "whole number" in capsys.readouterr().err
