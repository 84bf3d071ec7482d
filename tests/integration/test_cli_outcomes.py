"""``outcomes``, ``billing`` and the ``talking_therapies`` block of ``change --json`` from the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest

from novamind_core.cli import main
from tests.cli_credentials import token_from_environment
from tests.conftest import make_settings


@pytest.fixture
def seeded_cli(sqlite_url, clock, monkeypatch):  # type: ignore[no-untyped-def]
    """A migrated SQLite database with the demo seed and its outcome history, and the CLI pointed at it."""
    from novamind_core.bootstrap import build_services
    from novamind_core.demo.seed import seed_demo

    settings = make_settings(sqlite_url)
    services = build_services(settings, clock=clock, bcrypt_rounds=4)
    seed_demo(services, n_patients=4, seed=2, outcome_history=45)
    services.close()
    for key, value in {"NOVAMIND_ENVIRONMENT": "testing", "NOVAMIND_DATABASE_URL": sqlite_url,
                       "NOVAMIND_ENCRYPTION_KEYS": settings.encryption_keys[0],
                       "NOVAMIND_BLIND_INDEX_KEY": settings.blind_index_key, "NOVAMIND_DEID_KEY": settings.deid_key,
                       "NOVAMIND_COOKIE_KEY": settings.cookie_key}.items():
        monkeypatch.setenv(key, value)
    return settings


def test_outcomes_json_gives_rates_with_intervals_episodes_and_completeness_by_clinician(seeded_cli, capsys,
                                                                                       monkeypatch):
    token_from_environment("demo.lead", monkeypatch)
    assert main(["outcomes", "--standard", "talking-therapies", "--from", "2025-01-01", "--to", "2026-12-31",
                 "--by", "clinician", "--as", "demo.lead", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["standard"] == "talking_therapies" and out["scope"] == "clinic" and out["synthetic_data"] is True
    overall = out["overall"]
    assert overall["closed_episodes"] > 20
    assert set(overall["rates"]) == {"recovery", "reliable_improvement", "reliable_deterioration", "reliable_recovery"}
    recovery = overall["rates"]["recovery"]
    assert recovery["lower_95"] <= recovery["rate"] <= recovery["upper_95"] and recovery["denominator"] > 0
    assert 0 < overall["data_completeness"]["rate"] <= 1
    assert len(out["groups"]) == 3 and all(d["source"] for d in out["definitions"])


def test_outcomes_for_us_measures_in_text_names_each_measure(seeded_cli, capsys, monkeypatch):
    token_from_environment("demo.admin", monkeypatch)
    assert main(["outcomes", "--standard", "us", "--from", "2025-01-01", "--to", "2026-12-31",
                 "--as", "demo.admin"]) == 0
    text = capsys.readouterr().out
    assert "Remission at 6 months" in text and "PHQ-9 utilisation" in text and "data completeness" in text


def test_an_analyst_is_refused_outcomes_with_a_one_line_reason(seeded_cli, capsys, monkeypatch):
    token_from_environment("demo.analyst", monkeypatch)
    assert main(["outcomes", "--standard", "us", "--from", "2025-01-01", "--to", "2026-12-31",
                 "--as", "demo.analyst"]) == 2
    assert "analyst" in capsys.readouterr().err


def test_billing_csv_lists_cpt_96127_units_for_the_month(seeded_cli, capsys, monkeypatch):
    token_from_environment("demo.lead", monkeypatch)
    assert main(["billing", "--month", "2026-02", "--cap", "2", "--csv", "--as", "demo.lead"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and {r["cpt"] for r in rows} == {"96127"} and {r["units"] for r in rows} == {"1"}
    assert {r["instrument"] for r in rows} <= {"PHQ-9", "GAD-7", "ISI"}


def test_billing_is_refused_to_a_clinician(seeded_cli, capsys, monkeypatch):
    token_from_environment("demo.clinician", monkeypatch)
    assert main(["billing", "--month", "2026-02", "--as", "demo.clinician"]) == 2
    assert "billing" in capsys.readouterr().err


@pytest.mark.parametrize(("instrument", "baseline", "current", "block"), [
    ("PHQ-9", "18", "11", {"caseness_baseline": True, "caseness_current": True, "reliable_improvement": True,
                           "reliable_deterioration": False}),
    ("GAD-7", "6", "10", {"caseness_baseline": False, "caseness_current": True, "reliable_improvement": False,
                          "reliable_deterioration": True}),
    ("ISI", "18", "9", None),
])
def test_change_json_carries_the_talking_therapies_block_for_the_instrument_given(instrument, baseline, current,
                                                                                  block, capsys):
    assert main(["change", "--instrument", instrument, "--baseline", baseline, "--current", current, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["talking_therapies"] == block
    assert "rci" in out  # the Jacobson-Truax reliable change stays beside it, under its own name
