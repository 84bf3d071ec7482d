"""Crash consistency: a process SIGKILLed in the middle of an import, a key rotation or a scenario save leaves the
data fully there or not at all, and the audit chain verifies after restart (SQLite and PostgreSQL)."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select, text

from novamind_core.db.models import AuditRow, SavedScenarioRow, WearableMinuteDayRow
from novamind_core.services.base import SYSTEM_USER
from tests.reliability.conftest import environment_of, run_until_mid_then_kill


def _count(services, model) -> int:  # type: ignore[no-untyped-def]
    with services.context.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)))


def _restart(services):  # type: ignore[no-untyped-def]
    """A fresh engine over the same database and keys (the restarted app)."""
    from novamind_core.bootstrap import build_services

    services.close()
    return build_services(services.settings, bcrypt_rounds=4)


def test_a_kill_in_the_middle_of_an_import_stores_no_day_and_the_audit_chain_verifies(shared, tmp_path):
    services, env, clin, patient = shared
    idx = pd.date_range("2025-11-01", periods=70 * 1440, freq="min", tz="Europe/London")
    csv = tmp_path / "activity.csv"
    pd.DataFrame({"timestamp": idx.strftime("%Y-%m-%dT%H:%M:%S%z"), "counts": np.arange(len(idx)) % 300}).to_csv(
        csv, index=False)
    audit_before = _count(services, AuditRow)
    run_until_mid_then_kill(["import", str(patient.id), clin.username, str(csv)], env)
    services = _restart(services)
    assert _count(services, WearableMinuteDayRow) == 0
    assert _count(services, AuditRow) == audit_before
    assert services.audit.verify(SYSTEM_USER).ok
    from novamind_core.services.imports import import_service

    result = import_service(services).import_file(clin, "activity", csv.read_bytes(), patient_id=patient.id)
    assert result.written == {"days of minute activity": 70}
    services.close()


def test_a_kill_in_the_middle_of_a_key_rotation_leaves_every_value_readable_and_a_rerun_completes(shared):
    from novamind_core.bootstrap import build_services
    from novamind_core.security.crypto import generate_key

    services, env, clin, patient = shared
    for i in range(5):
        services.notes.add(clin, patient.id, f"note {i}")
        services.twin.save_scenario(clin, patient.id, f"plan {i}", {"i": i})
    old_key = services.settings.encryption_keys[0]
    new_key = generate_key()
    rotated_settings = services.settings.model_copy(update={"encryption_keys": [new_key, old_key]})
    services.close()
    line = run_until_mid_then_kill(["rotate", str(patient.id), clin.username], environment_of(rotated_settings))
    assert line.startswith("MID rotate")
    both = build_services(rotated_settings, bcrypt_rounds=4)
    assert both.patients.get(clin, patient.id).given_name == "Zebediah"  # half rotated: both keys still read
    assert len(both.notes.list(clin, patient.id)) == 5
    assert both.audit.verify(SYSTEM_USER).ok
    report = both.keys.rotate(SYSTEM_USER)
    assert report.complete and report.values_rotated > 0
    both.close()
    only_new = build_services(rotated_settings.model_copy(update={"encryption_keys": [new_key]}), bcrypt_rounds=4)
    assert only_new.patients.get(clin, patient.id).family_name == "Quuxington"
    assert sorted(s.name for s in only_new.twin.list_scenarios(clin, patient.id)) == [f"plan {i}" for i in range(5)]
    assert only_new.audit.verify(SYSTEM_USER).ok
    only_new.close()


def test_a_kill_in_the_middle_of_a_scenario_save_stores_neither_the_scenario_nor_its_audit_event(shared):
    services, env, clin, patient = shared
    audit_before = _count(services, AuditRow)
    run_until_mid_then_kill(["scenario", str(patient.id), clin.username], env)
    services = _restart(services)
    assert _count(services, SavedScenarioRow) == 0
    assert _count(services, AuditRow) == audit_before
    assert services.audit.verify(SYSTEM_USER).ok
    saved = services.twin.save_scenario(clin, patient.id, "after restart", {"horizon_weeks": 4})
    assert services.twin.get_scenario(clin, saved.id).scenario == {"horizon_weeks": 4}
    services.close()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_kill_at_a_random_moment_of_busy_writing_leaves_each_write_whole(shared, seed):
    """Saves and assessments in a loop, killed at a random time: every stored scenario is whole and readable, and
    there is exactly one ``scenario.save`` audit row per stored scenario."""
    services, env, clin, patient = shared
    run_until_mid_then_kill(["loop", str(patient.id), clin.username], env,
                            extra_wait_s=random.Random(seed).uniform(0.5, 2.5))
    services = _restart(services)
    scenarios = services.twin.list_scenarios(clin, patient.id)
    assert scenarios, "the worker was killed before it saved anything; raise extra_wait_s"
    for s in scenarios:
        assert s.scenario["pad"] == "x" * 2000 and s.name == f"Loop scenario {s.scenario['i']}"
    with services.engine.connect() as conn:
        audited = conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'scenario.save'")).scalar_one()
    assert audited == len(scenarios)
    assert services.audit.verify(SYSTEM_USER).ok
    services.close()
