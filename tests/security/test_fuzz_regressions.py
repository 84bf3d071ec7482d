"""Inputs that fuzzing found to crash the importers and the command line (issue 17, break 9), pinned as regression
targets: each now gets a clear message naming the row, the field and the value (exit code 2 on the command line),
never a traceback, and stores nothing. The open-ended fuzz targets (``test_fuzz_*.py``) run derandomised in CI
(``fuzz_settings``); these cases run every time whatever the fuzzer draws.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from novamind_core.biometrics.problems import ImportProblems
from tests.conftest import TEST_PASSWORD, make_settings, register_patient

ITEMS = "date,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9\n"

#: (kind, file, fragments the message must hold: where and what). Each crashed (traceback, exit 1) before.
CRASHERS: dict[str, tuple[str, bytes, tuple[str, ...]]] = {
    "activity row with extra fields": (
        "activity", b"timestamp,counts\n2026-01-05T08:00:00+00:00,5\n2026-01-05T08:01:00+00:00,5,7,8\n",
        ("row 3", "4 fields", "header has 2 columns")),
    "Fitbit heart list holding a string": (
        "fitbit", json.dumps({"activities-heart": ["x"]}).encode(), ("row 1", "activities-heart", "'x'")),
    "Fitbit intraday dataset that is not a list of objects": (
        "fitbit", json.dumps({"activities-heart": [{"dateTime": "2026-01-05"}],
                              "activities-heart-intraday": {"dataset": [7]}}).encode(),
        ("row 1", "activities-heart-intraday.dataset", "'7'")),
    "Fitbit sleep log that is a string": ("fitbit", json.dumps({"sleep": ["x"]}).encode(), ("row 1", "sleep", "'x'")),
    "Fitbit steps value true": (
        "fitbit", json.dumps([{"dateTime": "01/05/26 08:00:00", "value": True}]).encode(),
        ("row 1", "value", "not a number", "True")),
    "FHIR with 200,000 nested brackets": ("fhir", b"[" * 200_000, ("nest more than 64 levels",)),
    "FHIR with a 5,000-digit integer": (
        "fhir", b'{"resourceType": "Bundle", "type": "collection", "total": ' + b"9" * 5000 + b"}",
        ("5000 digits",)),
    "FHIR NaN": ("fhir", b'{"resourceType": "Bundle", "total": NaN}', ("NaN is not a JSON number",)),
    "activity CSV naming a column twice": (
        "activity", b"timestamp,counts,counts\n2026-01-05T08:00:00+00:00,5,6\n",
        ("row 1", "column 'counts'", "more than once")),
    "daily CSV naming a column twice": (
        "daily", b"date,steps,Steps\n2026-01-05,1,2\n", ("row 1", "column 'steps'", "more than once")),
    "assessments CSV naming a column twice": (
        "assessments", b"date,instrument,item1,item1\n2026-01-05,PHQ-9,1,1\n", ("row 1", "column 'item1'")),
    "activity date before 1677": (
        "activity", b"timestamp,counts\n1600-01-05T08:00:00+00:00,5\n",
        ("row 2", "column 'timestamp'", "out of range", "1600-01-05")),
    "activity date after 2262": (
        "activity", b"timestamp,counts\n9999-12-31 23:59:00\n",
        ("row 2", "column 'timestamp'", "out of range", "9999-12-31")),
    "daily date in year 1": ("daily", b"date,steps\n0001-01-01,100\n", ("row 2", "column 'date'", "0001-01-01")),
    "assessment date in year 1": (
        "assessments", (ITEMS + "0001-01-01,PHQ-9,1,1,1,1,1,1,1,1,0\n").encode(),
        ("row 2", "column 'date'", "out of range", "0001-01-01")),
    "fractional activity count": (
        "activity", b"timestamp,counts\n2026-01-05T08:00:00+00:00,5.5\n",
        ("row 2", "column 'counts'", "whole number", "5.5")),
    "activity count beyond what a day can store": (
        "activity", b"timestamp,counts\n2026-01-05T08:00:00+00:00,1e12\n",
        ("row 2", "column 'counts'", "out of range", "1e12")),
}


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any, Any]]:
    """(import service, clinician, patient) over one migrated SQLite file for the module (parsing is pure)."""
    from novamind_core.bootstrap import build_services
    from novamind_core.db.engine import migrate
    from novamind_core.services.base import SYSTEM_USER
    from novamind_core.services.imports import import_service

    url = f"sqlite:///{tmp_path_factory.mktemp('crashers') / 'novamind.db'}"
    migrate(url)
    services = build_services(make_settings(url), bcrypt_rounds=4)
    services.users.create(SYSTEM_USER, "dr.fuzz", "Dr Fuzz", "clinician", TEST_PASSWORD)
    clin = services.users.get_by_username("dr.fuzz")
    patient = register_patient(services, clin)
    yield import_service(services), clin, patient
    services.close()


@pytest.mark.parametrize("case", list(CRASHERS))
def test_an_input_that_once_crashed_an_importer_gets_a_message_naming_row_field_and_value(chart, case):
    imports, clin, patient = chart
    kind, data, fragments = CRASHERS[case]
    _batch, problems = imports.parse(kind, data, name="upload")
    text = "; ".join(str(p) for p in problems)
    assert problems, f"{case}: accepted"
    assert all(f in text for f in fragments), text
    with pytest.raises(ImportProblems) as refused:
        imports.import_file(clin, kind, data, patient_id=None if kind == "fhir" else patient.id, name="upload")
    assert all(f in str(refused.value) for f in fragments)


def test_blank_rows_in_a_daily_csv_are_skipped_and_later_rows_keep_their_spreadsheet_numbers(chart):
    imports, _clin, _patient = chart
    data = b"date,steps,sleep_minutes\n2026-01-05,100,420\n\n,,\n2026-01-06,x,400\n"
    _batch, problems = imports.parse("daily", data, name="daily.csv")
    assert [str(p) for p in problems] == ["row 5, column 'steps': not a number (value 'x')"]
    batch, problems = imports.parse("daily", data.replace(b",x,", b",120,"), name="daily.csv")
    assert not problems and [e.day.isoformat() for e in batch.daily] == ["2026-01-05", "2026-01-06"]


def test_a_fitbit_upload_is_named_in_messages_by_its_own_file_name_not_a_temporary_one(chart):
    imports, _clin, _patient = chart
    _batch, problems = imports.parse("fitbit", b'{"activities-heart": ["x"]}', name="heart-2026.json")
    assert "heart-2026.json:activities-heart" in str(problems[0])


SCENARIOS = {
    '"steps": true': ({"steps": True}, "steps must be a non-empty list"),
    "a step's days true": ({"steps": [{"drug": "sertraline", "dose_mg": 50, "days": True}]},
                           "steps[0].days must be a number"),
    "a missed day past any regimen": ({"steps": [{"drug": "sertraline", "dose_mg": 50, "days": 56}],
                                       "missed_days": [10**30]}, "missed_days must be a list of whole day numbers"),
    "a dose of 1e308 mg": ({"steps": [{"drug": "sertraline", "dose_mg": 1e308, "days": 56}]},
                           "steps[0].dose_mg must be within 0-3000 mg"),
}


@pytest.mark.parametrize("case", list(SCENARIOS))
def test_simulate_with_a_hostile_scenario_exits_2_with_the_field_named(case, tmp_path, capsys, monkeypatch):
    from novamind_core.cli import main

    monkeypatch.setenv("NOVAMIND_ENVIRONMENT", "testing")
    scenario, message = SCENARIOS[case]
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    assert main(["simulate", "--scenario", str(path), "--draws", "5"]) == 2
    out = capsys.readouterr()
    assert message in out.err and "Traceback" not in out.err + out.out


def test_the_command_line_import_of_a_row_with_extra_fields_exits_2_naming_the_row(cli_env, tmp_path, capsys,
                                                                                      monkeypatch):
    from novamind_core.bootstrap import build_services
    from novamind_core.cli import main
    from novamind_core.config import get_settings
    from novamind_core.services.base import SYSTEM_USER

    services = build_services(get_settings(), bcrypt_rounds=4)
    try:
        services.users.create(SYSTEM_USER, "dr.cli", "Dr Cli", "clinician", TEST_PASSWORD)
        register_patient(services, services.users.get_by_username("dr.cli"), mrn="NM-CRASH-1")
        try:
            from tests.cli_credentials import use_token
        except ImportError:  # before operator tokens existed the command line needed no credential
            pass
        else:
            use_token(services, "dr.cli", monkeypatch)
    finally:
        services.close()
    csv = tmp_path / "activity.csv"
    csv.write_bytes(CRASHERS["activity row with extra fields"][1])
    code = main(["import", "csv", "--kind", "activity", "--patient", "NM-CRASH-1", str(csv), "--as", "dr.cli"])
    out = capsys.readouterr()
    assert code == 2, out.err
    assert "row 3" in out.err and "4 fields" in out.err and "Traceback" not in out.err + out.out
