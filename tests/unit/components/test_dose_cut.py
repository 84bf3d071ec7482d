"""A what-if plan below today's dose of the current drug is flagged as a dose cut; a continuation, a dose rise, a
switch or a stop is not."""

from __future__ import annotations

from components.simulation.dose_cut import dose_cut, dose_cuts
from novamind_core.twin.types import Scenario


def plan(name: str, *steps: tuple[str, float]) -> Scenario:
    return Scenario.from_mapping({"name": name, "horizon_weeks": 8,
                                  "steps": [{"drug": d, "dose_mg": mg, "days": 56} for d, mg in steps]})


def test_a_lower_dose_of_the_current_drug_is_flagged_as_a_dose_cut():
    sentence = dose_cut(plan("Sertraline 100", ("sertraline", 100)), "sertraline", 150)
    assert sentence == ("Plan 'Sertraline 100' is a dose cut: sertraline 100 mg/day, below today's 150 mg/day.")


def test_continuing_raising_switching_or_no_current_drug_is_not_a_dose_cut():
    plans = [plan("Same", ("sertraline", 150)), plan("Up", ("sertraline", 200)), plan("Switch", ("escitalopram", 10))]
    assert dose_cuts(plans, "sertraline", 150) == []
    assert dose_cut(plan("Any", ("sertraline", 50)), None, None) is None
