"""CLI contract: simulate, cohort-simulate (and the keys of their JSON output)."""

import json

from novamind_core.cli import main

SCENARIO = {"name": "s", "steps": [{"drug": "escitalopram", "dose_mg": 10, "days": 90}], "horizon_weeks": 12}


def test_simulate_prints_the_contract_keys(tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SCENARIO))
    assert main(["simulate", "--scenario", str(path), "--draws", "200", "--seed", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("weeks", "phq9", "gad7", "p_response_week8", "p_remission_week8", "p_response_week12",
                "p_remission_week12", "pk", "neurotransmitters", "warnings"):
        assert key in out
    assert set(out["phq9"]) == {"p05", "p25", "p50", "p75", "p95"}
    assert len(out["phq9"]["p50"]) == len(out["weeks"]) == 13


def test_bad_scenario_gives_a_one_line_error_and_exit_code_2(tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({**SCENARIO, "horizon_weeks": 60}))
    assert main(["simulate", "--scenario", str(path), "--json"]) == 2
    assert "horizon_weeks" in capsys.readouterr().err


def test_cohort_simulate_prints_the_contract_keys(capsys):
    assert main(["cohort-simulate", "--drug", "placebo", "--n", "2000", "--weeks", "8", "--steps", "2",
                 "--seed", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"n", "response_rate", "remission_rate", "mean_change_phq9", "sd_change_phq9", "by_step",
                        "cumulative_remission_rate"}
    assert [s["step"] for s in out["by_step"]] == [1, 2]
    assert set(out["by_step"][0]) == {"step", "drug", "n_entered", "remission_rate"}
