"""Hyperbolic taper planner: equal SERT-occupancy steps from the drug's own occupancy curve (Horowitz & Taylor 2019)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology.formulations import FORMULATIONS, how_to_give
from novamind_core.pharmacology.occupancy import occupancy_percent
from novamind_core.pharmacology.summary import steady_state_summary
from novamind_core.pharmacology.taper import (
    dose_for_sert_occupancy_mg,
    hyperbolic_taper,
    sert_drugs,
    sert_occupancy_at_steady_state_percent,
)


def slow_mean_occupancy(drug: str, dose_mg: float) -> float:
    """Reference: the steady-state profile from the summary module, occupancy per point, integrated by quad."""
    ss = steady_state_summary(drug, dose_mg, 24.0, n_grid=2001)

    def occ(u: float) -> float:
        conc = {k: np.array([np.interp(u, ss.u_h, v)]) for k, v in ss.curves_ng_ml.items()}
        return float(occupancy_percent(drug, conc)["SERT"][0])

    return quad(occ, 0.0, 24.0, limit=200)[0] / 24.0


@pytest.mark.parametrize(("drug", "dose"), [("sertraline", 100), ("fluoxetine", 20), ("paroxetine", 30),
                                            ("venlafaxine", 150)])
def test_vectorised_steady_state_occupancy_matches_a_slow_integral_of_the_summary_profile(drug, dose):
    fast = sert_occupancy_at_steady_state_percent(drug, [dose])[0]
    assert fast == pytest.approx(slow_mean_occupancy(drug, dose), abs=0.1)


def test_dose_for_an_occupancy_matches_a_root_finder_on_the_occupancy_curve():
    targets = np.array([70.0, 50.0, 20.0, 5.0])
    fast = dose_for_sert_occupancy_mg("citalopram", targets, 40.0)
    for target, dose in zip(targets, fast, strict=True):
        root = brentq(lambda mg, t=target: sert_occupancy_at_steady_state_percent("citalopram", [mg])[0] - t,
                      1e-4, 40.0, xtol=1e-9)
        assert dose == pytest.approx(root, rel=2e-3)


@pytest.mark.parametrize("drug", ["sertraline", "escitalopram", "citalopram", "fluoxetine", "paroxetine",
                                  "venlafaxine", "duloxetine", "vortioxetine", "desvenlafaxine"])
def test_every_step_lowers_sert_occupancy_by_the_same_amount_and_the_plan_ends_stopped(drug):
    plan = hyperbolic_taper(drug, 2 * {"escitalopram": 10, "citalopram": 20, "fluoxetine": 20, "paroxetine": 20,
                                       "vortioxetine": 10, "desvenlafaxine": 50, "duloxetine": 60,
                                       "venlafaxine": 75}.get(drug, 50), step_occupancy_points=10)
    occ = np.array([s.sert_occupancy_percent for s in plan.steps])
    drops = -np.diff(occ)
    assert np.all(drops <= 10.0 + 0.11) and np.ptp(drops) < 0.25
    assert plan.steps[-1].dose_mg == 0.0 and plan.steps[-1].how_to_give == "stop"
    recomputed = sert_occupancy_at_steady_state_percent(drug, [s.dose_mg for s in plan.steps[:-1]])
    assert np.allclose(recomputed, occ[:-1], atol=0.3)  # the stated occupancy is the dose's own


def test_doses_fall_hyperbolically_so_the_last_reduction_is_a_small_fraction_of_the_first():
    plan = hyperbolic_taper("sertraline", 100)
    doses = np.array([s.dose_mg for s in plan.steps])
    reductions = -np.diff(doses[:-1])
    assert np.all(np.diff(reductions) < 0)  # each mg reduction smaller than the one before
    assert doses[-2] < 0.05 * doses[0]  # the last dose before stopping is a few mg of a 100 mg start
    assert "oral concentrate" in plan.steps[-2].how_to_give


def test_step_length_is_the_clinicians_choice():
    plan = hyperbolic_taper("escitalopram", 20, weeks_per_step=2)
    assert [s.week for s in plan.steps] == [2.0 * i for i in range(len(plan.steps))]
    assert plan.total_weeks == 2.0 * (len(plan.steps) - 1)


def test_smaller_occupancy_steps_make_a_longer_plan():
    assert len(hyperbolic_taper("sertraline", 100, 5).steps) > len(hyperbolic_taper("sertraline", 100, 10).steps)


def test_a_cyp2c19_poor_metaboliser_reaches_each_occupancy_on_a_lower_dose():
    nm = hyperbolic_taper("escitalopram", 10, cyp2c19="NM")
    pm = hyperbolic_taper("escitalopram", 10, cyp2c19="PM")
    assert pm.steps[0].sert_occupancy_percent > nm.steps[0].sert_occupancy_percent


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"drug": "bupropion", "from_mg": 150}, "drug"), ({"drug": "sertraline", "from_mg": 0}, "from_mg"),
    ({"drug": "sertraline", "from_mg": 100, "step_occupancy_points": 0.5}, "step_occupancy_points"),
    ({"drug": "sertraline", "from_mg": 100, "weeks_per_step": 0}, "weeks_per_step"),
    ({"drug": "sertraline", "from_mg": 5000}, "from_mg")])
def test_a_taper_that_does_not_apply_or_bad_numbers_are_refused_with_the_field_named(kwargs, field):
    with pytest.raises(ValidationError) as exc:
        hyperbolic_taper(**kwargs)
    assert exc.value.field == field


def test_every_sert_drug_names_how_its_small_doses_are_given_with_a_source():
    for drug in sert_drugs():
        f = FORMULATIONS[drug]
        assert f.source and (f.liquid or f.without_liquid)


def test_doses_are_given_as_split_tablets_when_exact_and_as_measured_or_diluted_liquid_otherwise():
    assert how_to_give("sertraline", 25) == "1 × 25 mg tablet"
    assert how_to_give("citalopram", 5) == "1 × half a 10 mg tablet"
    assert how_to_give("citalopram", 3).startswith("1.5 mL of oral solution 2 mg/mL")
    assert "dilute 1 mL to 10 mL" in how_to_give("sertraline", 1.2)
    assert "pellets" in how_to_give("duloxetine", 3)
    assert how_to_give("fluoxetine", 10) == "1 × 10 mg tablet"  # capsules/tablets are never split
    assert how_to_give("fluoxetine", 5).startswith("1.2 mL")
