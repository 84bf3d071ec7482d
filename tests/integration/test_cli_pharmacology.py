"""`pk`, `pk-fit` and `drugs` commands: the JSON contract and clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from novamind_core.cli import main
from novamind_core.pharmacology import load_catalogue

PK_KEYS = {"drug", "regimen", "times_h", "concentration_ng_ml", "occupancy_percent", "summary", "dose_guidance",
           "warnings", "reference_range", "covariates"}
SUMMARY_KEYS = {"cmax_ng_ml", "cmin_ng_ml", "auc_tau_ng_h_per_ml", "accumulation_ratio",
                "time_to_90pct_steady_state_h", "steady_state_occupancy_percent", "time_below_3pct_after_stop_h"}


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("drug", sorted(load_catalogue().drugs))
def test_pk_answers_with_the_json_contract_for_every_catalogue_drug(capsys, drug):
    out = _json(capsys, ["pk", "--drug", drug, "--dose-mg", "20", "--days", "10", "--stop-day", "8",
                         "--follow-days", "2", "--json"])
    assert set(out) == PK_KEYS and set(out["summary"]) >= SUMMARY_KEYS
    assert set(out["dose_guidance"]) == {"max_dose_mg_per_day", "recommendation", "source"}
    assert out["times_h"][0] == 0 and out["times_h"][1] - out["times_h"][0] <= 1.0
    assert out["times_h"][-1] == pytest.approx(12 * 24)
    conc = out["concentration_ng_ml"]
    assert drug in conc and "active_moiety" in conc
    assert all(len(v) == len(out["times_h"]) for v in conc.values())
    for m in load_catalogue().get(drug).metabolites:
        assert m.name in conc and "active_moiety" in out["summary"]


def test_pk_stop_day_gives_no_doses_after_it(capsys):
    out = _json(capsys, ["pk", "--drug", "venlafaxine", "--dose-mg", "75", "--days", "10", "--stop-day", "5",
                         "--follow-days", "5", "--json"])
    times = out["times_h"]
    conc = out["concentration_ng_ml"]["venlafaxine"]
    after = [c for t, c in zip(times, conc, strict=True) if t > 5 * 24 + 12]
    assert all(b <= a + 1e-9 for a, b in zip(after, after[1:], strict=False))  # only decline after the last dose
    assert out["summary"]["time_below_3pct_after_stop_h"] is not None


def test_pgx_flags_change_exposure_and_guidance(capsys):
    nm = _json(capsys, ["pk", "--drug", "escitalopram", "--dose-mg", "20", "--days", "14", "--json"])
    pm = _json(capsys, ["pk", "--drug", "escitalopram", "--dose-mg", "20", "--days", "14", "--cyp2c19", "PM",
                        "--json"])
    assert pm["summary"]["auc_tau_ng_h_per_ml"] == pytest.approx(3.3 * nm["summary"]["auc_tau_ng_h_per_ml"], rel=1e-3)
    assert pm["dose_guidance"]["max_dose_mg_per_day"] == 10
    assert any(w["severity"] == "major" for w in pm["warnings"])


def test_pk_with_a_co_medication_combines_occupancy_and_warns(capsys):
    out = _json(capsys, ["pk", "--drug", "vortioxetine", "--dose-mg", "20", "--days", "14", "--with", "bupropion:300",
                         "--json"])
    assert "DAT" in out["occupancy_percent"] and "bupropion" in out["concentration_ng_ml"]
    assert out["dose_guidance"]["max_dose_mg_per_day"] == 10  # phenoconverted to CYP2D6 PM
    assert any("CYP2D6" in w["message"] for w in out["warnings"])


def test_pk_scenario_file_runs_a_full_regimen(capsys, tmp_path):
    sc = {"name": "switch", "steps": [{"drug": "sertraline", "dose_mg": 50, "days": 14, "interval_h": 24},
                                      {"drug": "sertraline", "dose_mg": 100, "days": 14},
                                      {"drug": "escitalopram", "dose_mg": 10, "days": 14}],
          "switch_strategy": "cross-taper", "adherence": 0.9, "missed_days": [12, 13], "cyp2d6": "NM",
          "cyp2c19": "PM", "seed": 1, "horizon_weeks": 6}
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(sc))
    out = _json(capsys, ["pk", "--scenario", str(path), "--json"])
    assert out["drug"] == "escitalopram" and out["regimen"]["horizon_weeks"] == 6
    assert {"sertraline", "escitalopram"} <= set(out["concentration_ng_ml"])
    assert out["times_h"][-1] == pytest.approx(42 * 24)


def test_pk_fit_prints_estimates_with_standard_errors(capsys, tmp_path):
    path = tmp_path / "levels.csv"
    rows = ["subject,time_h,concentration_ng_ml,dose_mg"]
    for subject, scale in (("a", 1.0), ("b", 1.2)):
        for t, c in ((0.5, 40), (1, 70), (2, 95), (4, 90), (8, 70), (12, 55), (24, 25)):
            rows.append(f"{subject},{t},{c * scale},100")
    path.write_text("\n".join(rows) + "\n")
    out = _json(capsys, ["pk-fit", "--data", str(path), "--json"])
    assert {"ka_per_h", "cl_l_per_h", "v_l", "half_life_h", "standard_errors", "per_subject"} <= set(out)
    assert set(out["standard_errors"]) == {"ka_per_h", "cl_l_per_h", "v_l", "half_life_h"}
    assert [s["subject"] for s in out["per_subject"]] == ["a", "b"]


def test_drugs_lists_the_catalogue_with_sources(capsys):
    out = _json(capsys, ["drugs", "--json"])
    names = {d["name"] for d in out["drugs"]}
    assert {"sertraline", "bupropion", "placebo"} <= names
    sertraline = next(d for d in out["drugs"] if d["name"] == "sertraline")
    assert "Zoloft" in sertraline["sources"]["pk.half_life_h"]


@pytest.mark.parametrize("argv, needle", [
    (["pk", "--drug", "prozacc", "--dose-mg", "20", "--days", "5"], "unknown drug 'prozacc'"),
    (["pk", "--drug", "sertraline", "--dose-mg", "-50", "--days", "5"], "--dose-mg must be >= 0"),
    (["pk", "--drug", "sertraline", "--dose-mg", "50", "--days", "5", "--stop-day", "9"], "--stop-day"),
    (["pk", "--drug", "sertraline", "--dose-mg", "50", "--days", "5", "--cyp2c19", "XX"], "cyp2c19"),
    (["pk", "--drug", "sertraline", "--dose-mg", "50", "--days", "5", "--with", "bupropion"], "DRUG:DOSE"),
])
def test_bad_pk_input_gives_a_clear_error_and_exit_code_2(capsys, argv, needle):
    assert main(argv) == 2
    assert needle in capsys.readouterr().err


def test_malformed_csv_gives_a_clear_error_and_exit_code_2(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("subject,time_h,concentration_ng_ml,dose_mg\n1,x,3,100\n")
    assert main(["pk-fit", "--data", str(path)]) == 2
    assert "row 2: time_h must be a number" in capsys.readouterr().err


def test_the_pk_command_runs_as_a_module():
    proc = subprocess.run([sys.executable, "-m", "novamind_core", "pk", "--drug", "sertraline", "--dose-mg", "50",
                           "--days", "7"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "SERT occupancy" in proc.stdout and "not a medical device" in proc.stdout
