"""The one scenario check the form calls (``services.twin.check_scenario``): doses, PGx, switches; errors first."""

from novamind_core.services.twin import check_scenario
from novamind_core.twin import Scenario


def plan(**kw):  # type: ignore[no-untyped-def]
    base = {"name": "p", "steps": [{"drug": "sertraline", "dose_mg": 100, "days": 56}], "horizon_weeks": 8}
    return Scenario.from_mapping({**base, **kw})


def test_a_usual_dose_for_a_normal_metaboliser_raises_nothing():
    assert check_scenario(plan()).issues == ()


def test_a_dose_above_the_usual_maximum_is_an_error_that_blocks_the_plan():
    check = check_scenario(plan(steps=[{"drug": "sertraline", "dose_mg": 500, "days": 56}]))
    assert check.blocked and "above the usual maximum of 200 mg/day" in check.issues[0].message


def test_a_dose_above_the_pgx_maximum_is_an_error_naming_the_metaboliser_status():
    check = check_scenario(plan(steps=[{"drug": "sertraline", "dose_mg": 150, "days": 56}], cyp2c19="PM"))
    assert check.blocked and any("metaboliser status" in i.message for i in check.issues)


def test_a_zero_dose_of_a_drug_is_an_error():
    from novamind_core.twin import ScenarioStep

    check = check_scenario(Scenario(steps=(ScenarioStep("sertraline", 56, 0.0),)))
    assert check.blocked and check.issues[0].field == "steps[0].dose_mg"


def test_a_switch_is_checked_against_the_current_drug_and_errors_come_first():
    check = check_scenario(plan(steps=[{"drug": "escitalopram", "dose_mg": 10, "days": 56}],
                                switch_strategy="cross-taper"), current_drug="sertraline", current_dose_mg=100)
    levels = [i.level for i in check.issues]
    assert levels == sorted(levels, key=lambda lv: lv != "error")
    assert any(i.field == "switch_strategy" for i in check.issues)


def test_a_citalopram_dose_above_the_qt_cap_for_the_patients_age_is_a_qt_warning_only_with_the_charts_age():
    from novamind_core.pharmacology.covariates import Covariates

    cit = plan(steps=[{"drug": "citalopram", "dose_mg": 40, "days": 56}])
    older = check_scenario(cit, covariates=Covariates(age_years=72, sex="female"))
    qt = [i for i in older.issues if i.field == "qtc"]
    assert qt and "QT-safe maximum of 20 mg/day (age over 60)" in qt[0].message and "FDA" in qt[0].source
    assert not [i for i in check_scenario(cit).issues if i.field == "qtc"]


def test_the_scenario_checks_qtc_and_trough_are_the_pk_clis_for_the_same_patient(capsys):  # type: ignore[no-untyped-def]
    import json

    from novamind_core.cli import main
    from novamind_core.pharmacology.covariates import Covariates

    check = check_scenario(plan(steps=[{"drug": "escitalopram", "dose_mg": 20, "days": 56}], cyp2c19="PM"),
                           covariates=Covariates(age_years=70, sex="male"))
    (safety,) = check.safety
    assert main(["pk", "--drug", "escitalopram", "--dose-mg", "20", "--days", "56", "--cyp2c19", "PM", "--age", "70",
                 "--sex", "male", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert abs(summary["qtc_delta_ms"]["mean"] - safety.qtc.mean_ms) < 0.01
    assert abs(summary["qtc_delta_ms"]["upper_95"] - safety.qtc.upper_95_ms) < 0.01
    assert abs(summary["predicted_trough"]["trough_ng_ml"] - safety.trough_ng_ml) < 0.01
    assert summary["predicted_trough"]["position"] == safety.trough_position
    assert safety.covariates_used == ("age 70 y", "sex male")


def test_a_drug_without_thorough_qt_figures_says_why_no_qtc_is_given():
    (safety,) = check_scenario(plan()).safety
    assert safety.qtc.mean_ms is None and safety.qtc_text().startswith("ΔΔQTc not available for sertraline: ")
    assert safety.trough_position in ("below", "within", "above", "above_alert")
