"""`tdm` command: the JSON contract, the prior with no level, covariates and phenotype, and bad rows named."""

from __future__ import annotations

import json

import pytest

from novamind_core.cli import main

TDM_KEYS = {"individual", "population", "shrinkage", "predicted_trough_ng_ml", "dose_for_target_mg",
            "reference_range"}


def _csv(tmp_path, body: str):
    path = tmp_path / "levels.csv"
    path.write_text("time_h,concentration_ng_ml\n" + body, encoding="utf-8")
    return str(path)


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_tdm_answers_with_the_json_contract(capsys, tmp_path):
    out = _json(capsys, ["tdm", "--drug", "escitalopram", "--dose-mg", "10", "--levels", _csv(tmp_path, "166,38\n"),
                         "--json"])
    assert set(out) >= TDM_KEYS
    for part in ("individual", "population"):
        for key in ("cl_l_per_h", "v_l"):
            est = out[part][key]
            assert est["p05"] < est["value"] < est["p95"]
    assert set(out["predicted_trough_ng_ml"]) == {"p05", "p50", "p95"}
    t = out["predicted_trough_ng_ml"]
    assert t["p05"] < t["p50"] < t["p95"]
    assert 0 < out["shrinkage"]["cl"] < 1
    rr = out["reference_range"]
    assert rr["low_ng_ml"] == 15 and rr["high_ng_ml"] == 80 and "Hiemke" in rr["source"]
    assert out["individual"]["cl_l_per_h"]["value"] < out["population"]["cl_l_per_h"]["value"]
    assert out["dose_for_target_mg"] < 20


def test_tdm_with_no_level_returns_the_prior(capsys, tmp_path):
    out = _json(capsys, ["tdm", "--drug", "sertraline", "--dose-mg", "50", "--levels", _csv(tmp_path, ""), "--json"])
    assert out["individual"] == out["population"]
    assert out["shrinkage"]["cl"] == 1 and out["shrinkage"]["v"] == 1


def test_tdm_covariates_and_phenotype_change_the_prior(capsys, tmp_path):
    path = _csv(tmp_path, "")
    base = _json(capsys, ["tdm", "--drug", "escitalopram", "--dose-mg", "10", "--levels", path, "--json"])
    pm = _json(capsys, ["tdm", "--drug", "escitalopram", "--dose-mg", "10", "--levels", path, "--cyp2c19", "PM",
                        "--age", "72", "--weight-kg", "55", "--sex", "female", "--smoker", "--json"])
    assert pm["population"]["cl_l_per_h"]["value"] < 0.7 * base["population"]["cl_l_per_h"]["value"]
    assert pm["prior"]["effective_phenotypes"]["CYP2C19"] == "PM"
    assert pm["predicted_trough_ng_ml"]["p50"] > base["predicted_trough_ng_ml"]["p50"]


def test_tdm_text_output_labels_the_dose_as_decision_support(capsys, tmp_path):
    assert main(["tdm", "--drug", "escitalopram", "--dose-mg", "10", "--levels", _csv(tmp_path, "166,8\n")]) == 0
    assert "decision support" in capsys.readouterr().out


@pytest.mark.parametrize(("body", "field", "value"), [
    ("166,abc\n", "concentration_ng_ml", "abc"),
    ("-3,20\n", "time_h", "-3"),
    ("166,20\n,\n170,\n", "concentration_ng_ml", ""),
])
def test_tdm_names_the_bad_row_field_and_value_and_exits_2(capsys, tmp_path, body, field, value):
    assert main(["tdm", "--drug", "escitalopram", "--dose-mg", "10", "--levels", _csv(tmp_path, body),
                 "--json"]) == 2
    err = capsys.readouterr().err
    assert "row " in err and field in err and repr(value) in err


def test_tdm_refuses_a_csv_without_the_columns(capsys, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("t,c\n1,2\n", encoding="utf-8")
    assert main(["tdm", "--drug", "escitalopram", "--dose-mg", "10", "--levels", str(path)]) == 2
    assert "time_h" in capsys.readouterr().err
