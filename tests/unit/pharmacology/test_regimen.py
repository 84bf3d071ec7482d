"""Scenarios -> dose events: steps, gaps, switches, missed doses, adherence."""

from __future__ import annotations

import numpy as np
import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology import build_dose_events, parse_scenario, simulate_pk, titrate
from novamind_core.pharmacology.regimen import scenario_from_steps, stop


def _sc(**kw):
    base = {"name": "s", "steps": [{"drug": "sertraline", "dose_mg": 50, "days": 14, "interval_h": 24},
                                   {"drug": "sertraline", "dose_mg": 100, "days": 7}]}
    base.update(kw)
    return base


def test_unknown_keys_owned_by_the_twin_are_preserved(catalogue):
    sc = parse_scenario(_sc(horizon_weeks=12, psychotherapy={"type": "CBT"}), catalogue)
    assert sc.extra == {"horizon_weeks": 12, "psychotherapy": {"type": "CBT"}}
    assert sc.to_dict()["horizon_weeks"] == 12 and sc.to_dict()["steps"][1]["dose_mg"] == 100


def test_steps_run_one_after_another_with_doses_every_interval(catalogue):
    s = build_dose_events(_sc(), catalogue)
    d = s.drugs["sertraline"]
    assert d.times_h[:3].tolist() == [0, 24, 48]
    assert d.times_h.size == 21 and d.amounts_mg[13] == 50 and d.amounts_mg[14] == 100
    assert s.end_h == 21 * 24


def test_missed_days_remove_those_doses(catalogue):
    d = build_dose_events(_sc(missed_days=[12, 13]), catalogue).drugs["sertraline"]
    assert 12 * 24 not in d.times_h and 13 * 24 not in d.times_h and d.times_h.size == 19


def test_adherence_is_seeded_and_close_to_its_probability(catalogue):
    s = build_dose_events(_sc(adherence=0.8, seed=5), catalogue)
    a = s.taken_mask("sertraline", 2000)
    assert np.array_equal(a, build_dose_events(_sc(adherence=0.8, seed=5), catalogue).taken_mask("sertraline", 2000))
    assert a.mean() == pytest.approx(0.8, abs=0.01)


def test_none_step_is_a_drug_free_gap(catalogue):
    sc = {"name": "g", "steps": [{"drug": "citalopram", "dose_mg": 20, "days": 2}, {"drug": "none", "days": 3},
                                 {"drug": "citalopram", "dose_mg": 20, "days": 1}]}
    assert build_dose_events(sc, catalogue).drugs["citalopram"].times_h.tolist() == [0, 24, 120]


def test_cross_taper_overlaps_half_the_old_dose_with_the_new_drug(catalogue):
    sc = {"name": "x", "steps": [{"drug": "sertraline", "dose_mg": 100, "days": 28},
                                 {"drug": "vortioxetine", "dose_mg": 10, "days": 28}], "switch_strategy": "cross-taper"}
    s = build_dose_events(sc, catalogue)
    sert = s.drugs["sertraline"]
    overlap = sert.times_h >= 28 * 24
    assert overlap.sum() == 14 and set(sert.amounts_mg[overlap]) == {50}  # taper_days 14 at half dose
    assert s.drugs["vortioxetine"].times_h[0] == 28 * 24 and s.end_h == 56 * 24


def test_taper_and_switch_delays_the_new_drug_by_the_taper(catalogue):
    sc = {"name": "x", "steps": [{"drug": "sertraline", "dose_mg": 100, "days": 28},
                                 {"drug": "vortioxetine", "dose_mg": 10, "days": 28}], "switch_strategy": "taper"}
    s = build_dose_events(sc, catalogue)
    assert s.drugs["vortioxetine"].times_h[0] == (28 + 14) * 24
    assert s.drugs["sertraline"].times_h[-1] < (28 + 14) * 24


def test_titration_builder_climbs_by_the_catalogue_step(catalogue):
    steps = titrate("sertraline", 150, hold_days=28, catalogue=catalogue)
    assert [s["dose_mg"] for s in steps] == [50, 100, 150] and steps[0]["days"] == 7
    sc = parse_scenario(scenario_from_steps("t", steps + stop(7)), catalogue)
    assert sc.total_days == 7 + 7 + 28 + 7


@pytest.mark.parametrize("patch, field", [
    ({"steps": [{"drug": "sertraline", "dose_mg": -5, "days": 3}]}, "steps[0].dose_mg"),
    ({"steps": [{"drug": "sertraline", "dose_mg": 50, "days": 0}]}, "steps[0].days"),
    ({"steps": []}, "steps"),
    ({"switch_strategy": "abrupt"}, "switch_strategy"),
    ({"adherence": 1.5}, "adherence"),
    ({"cyp2d6": "XM"}, "cyp2d6"),
    ({"missed_days": [-1]}, "missed_days"),
])
def test_impossible_scenarios_name_the_offending_field(catalogue, patch, field):
    with pytest.raises(ValidationError) as err:
        parse_scenario(_sc(**patch), catalogue)
    assert err.value.field == field


def test_simulation_of_a_switch_carries_the_inhibitors_phenoconversion_forward(catalogue):
    sc = {"name": "x", "steps": [{"drug": "fluoxetine", "dose_mg": 20, "days": 28}, {"drug": "none", "days": 7},
                                 {"drug": "vortioxetine", "dose_mg": 10, "days": 21}]}
    r = simulate_pk(sc, np.arange(0, 56 * 24.0), catalogue=catalogue)
    # fluoxetine (strong CYP2D6 inhibitor) persists for weeks: vortioxetine behaves as in a CYP2D6 PM (Cicali 2021)
    assert r.effective_phenotypes["vortioxetine"]["CYP2D6"] == "PM"
