"""``simulate --patient MRN`` calibrates the twin on the patient's own history, acting as a care-team clinician."""

from __future__ import annotations

import json

import pytest

from novamind_core.cli import main


@pytest.fixture
def cli_env(services, settings, monkeypatch):  # type: ignore[no-untyped-def]
    for key, value in {"NOVAMIND_DATABASE_URL": settings.database_url,
                       "NOVAMIND_ENCRYPTION_KEYS": settings.encryption_keys[0],
                       "NOVAMIND_BLIND_INDEX_KEY": settings.blind_index_key, "NOVAMIND_DEID_KEY": settings.deid_key,
                       "NOVAMIND_COOKIE_KEY": settings.cookie_key, "NOVAMIND_ENVIRONMENT": "testing"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("NOVAMIND_CLI_USER", raising=False)
    return services


@pytest.fixture
def scenario_file(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"name": "sertraline", "horizon_weeks": 12, "steps": [
        {"drug": "sertraline", "dose_mg": 50, "days": 14}, {"drug": "sertraline", "dose_mg": 100, "days": 70}]}))
    return path


def _history(services, clinician, patient):  # type: ignore[no-untyped-def]
    services.medications.add(clinician, patient.id, "sertraline", 50, start_date="2026-01-05", reason="first line")
    for day, total in (("2026-01-05", 20), ("2026-01-19", 17), ("2026-02-02", 14), ("2026-02-16", 12)):
        answers = [min(3, total // 9 + (i < total % 9)) for i in range(8)] + [0]
        services.assessments.record(clinician, patient.id, "PHQ-9", answers, administered_on=day)


def test_simulate_for_a_patient_uses_their_history_and_is_audited(cli_env, clinician, patient, admin,
                                                                  scenario_file, capsys, monkeypatch):
    from tests.cli_credentials import use_token

    _history(cli_env, clinician, patient)
    use_token(cli_env, clinician.username, monkeypatch)
    assert main(["simulate", "--scenario", str(scenario_file), "--patient", patient.mrn, "--as",
                 clinician.username, "--draws", "200", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    prior_only = [w for w in out["warnings"] if "population prior" in str(w).lower()]
    assert not prior_only, "with a PHQ-9 history the twin must not fall back to the population prior"
    assert out["phq9"]["p50"][0] < 16, "the simulation starts from the patient's latest scores, not a prior mean"
    reads = [r for r in cli_env.audit.query(admin, patient_id=patient.id) if r.username == clinician.username
             and r.action.startswith("twin")]
    assert reads


def test_simulate_for_a_patient_needs_a_care_team_clinician(cli_env, other_clinician, patient, scenario_file,
                                                            capsys, monkeypatch):
    from tests.cli_credentials import use_token

    assert main(["simulate", "--scenario", str(scenario_file), "--patient", patient.mrn]) == 2
    assert "authenticated operator" in capsys.readouterr().err
    use_token(cli_env, other_clinician.username, monkeypatch)
    assert main(["simulate", "--scenario", str(scenario_file), "--patient", patient.mrn, "--as",
                 other_clinician.username]) == 2
    assert "care team" in capsys.readouterr().err
