"""`pk --json`: QTc prediction, reference range with the trough's position, and patient covariates."""

from __future__ import annotations

import json

import pytest

from novamind_core.cli import main


def _pk(capsys, *extra):
    assert main(["pk", "--days", "21", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_pk_json_gives_the_qtc_delta_with_mean_upper_bound_and_source_for_citalopram(capsys):
    out = _pk(capsys, "--drug", "citalopram", "--dose-mg", "40")
    qtc = out["summary"]["qtc_delta_ms"]
    assert set(qtc) == {"mean", "upper_95", "source"} and "Celexa" in qtc["source"]
    assert qtc["mean"] == pytest.approx(12.6, abs=0.7) and qtc["upper_95"] > qtc["mean"]
    assert out["summary"]["qtc_delta_ms_reason"] is None


def test_a_cyp2c19_poor_metaboliser_gets_a_higher_qtc_figure_in_the_cli(capsys):
    nm = _pk(capsys, "--drug", "escitalopram", "--dose-mg", "20")["summary"]["qtc_delta_ms"]["mean"]
    pm = _pk(capsys, "--drug", "escitalopram", "--dose-mg", "20", "--cyp2c19", "PM")["summary"]["qtc_delta_ms"]["mean"]
    assert pm > nm


def test_pk_json_gives_null_qtc_with_a_reason_for_drugs_without_label_qt_figures(capsys):
    out = _pk(capsys, "--drug", "sertraline", "--dose-mg", "50")
    assert out["summary"]["qtc_delta_ms"] is None and "thorough-QT" in out["summary"]["qtc_delta_ms_reason"]


def test_pk_json_gives_the_reference_range_and_where_the_predicted_trough_falls(capsys):
    out = _pk(capsys, "--drug", "fluoxetine", "--dose-mg", "20")
    rr = out["reference_range"]
    assert set(rr) == {"analyte", "low_ng_ml", "high_ng_ml", "alert_ng_ml", "source"}
    assert rr["analyte"] == "fluoxetine + norfluoxetine" and rr["alert_ng_ml"] == 1000
    trough = out["summary"]["predicted_trough"]
    assert trough["trough_ng_ml"] == pytest.approx(out["summary"]["active_moiety"]["cmin_ng_ml"], rel=1e-3)
    assert trough["position"] in {"below", "within", "above", "above_alert"}


def test_placebo_has_no_reference_range_and_no_qtc(capsys):
    out = _pk(capsys, "--drug", "placebo", "--dose-mg", "0")
    assert out["reference_range"] is None and out["summary"]["predicted_trough"] is None


def test_a_72_year_old_female_smoker_of_55_kg_changes_the_predicted_levels_and_says_why(capsys):
    ref = _pk(capsys, "--drug", "mirtazapine", "--dose-mg", "30")
    pat = _pk(capsys, "--drug", "mirtazapine", "--dose-mg", "30", "--age", "72", "--weight-kg", "55", "--sex",
              "female", "--smoker")
    cov = pat["covariates"]
    assert {e["covariate"] for e in cov["effects"]} == {"age", "sex", "smoking"}
    assert cov["not_in_model"] == ["weight: not a covariate in the published model encoded for mirtazapine"]
    ratio = pat["summary"]["auc_tau_ng_h_per_ml"] / ref["summary"]["auc_tau_ng_h_per_ml"]
    assert ratio == pytest.approx(1 / cov["cl_multiplier"], rel=1e-3)
    assert ref["covariates"]["cl_multiplier"] == 1.0


def test_a_non_smoker_flag_is_recorded_and_changes_nothing(capsys):
    out = _pk(capsys, "--drug", "duloxetine", "--dose-mg", "60", "--non-smoker")
    assert out["covariates"]["smoker"] is False and out["covariates"]["cl_multiplier"] == 1.0


def test_qt_rules_reach_the_warnings_with_sources(capsys):
    out = _pk(capsys, "--drug", "citalopram", "--dose-mg", "40", "--hepatic-impairment", "--qt-drug", "methadone",
              "--baseline-qtc-ms", "495", "--potassium-mmol-l", "3.1")
    text = " | ".join(w["message"] for w in out["warnings"])
    assert "hepatic impairment" in text and "methadone" in text and "exceeds 500" in text and "potassium" in text
    assert all(w["source"] for w in out["warnings"])


@pytest.mark.parametrize("argv", [["--age", "130"], ["--weight-kg", "5"]])
def test_impossible_covariates_exit_with_code_2(capsys, argv):
    assert main(["pk", "--drug", "sertraline", "--dose-mg", "50", "--days", "5", *argv]) == 2
