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
