"""QTc: the concentration-QTc line reproduces the label points, scales with exposure, and the QT rules fire."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from novamind_core.pharmacology.pgx import exposure_multiplier
from novamind_core.pharmacology.pk import patient_parameters
from novamind_core.pharmacology.qtc import fit_line, predict_qtc, qt_assessment, qt_data, qtc_line
from novamind_core.pharmacology.summary import steady_state_summary

from .pharmacology_ode_reference import ode_reference


@pytest.mark.parametrize("drug", ["citalopram", "escitalopram"])
def test_the_fitted_line_reproduces_every_label_point_within_a_millisecond(drug):
    line = qtc_line(drug)
    points = qt_data()["label_points"][drug]["points"]
    mean, upper = line.predict(np.array(line.label_cmax_ng_ml))
    for p, m, u in zip(points, mean, upper, strict=True):
        assert m == pytest.approx(p["mean_ms"], abs=0.7)
        assert u == pytest.approx(p["upper_95_ms"], abs=1.2)
        assert u > m


def test_the_label_predictions_for_the_maximum_doses_are_reproduced():
    for drug, dose, expected in (("citalopram", 40, 12.6), ("escitalopram", 20, 6.6)):
        cmax = steady_state_summary(drug, dose, 24.0).cmax_ng_ml
        assert predict_qtc(drug, cmax).mean_ms == pytest.approx(expected, abs=0.7)


def test_a_cyp2c19_poor_metaboliser_gets_a_higher_qtc_figure_than_a_normal_metaboliser():
    nm = predict_qtc("citalopram", steady_state_summary("citalopram", 20, 24.0, cyp2c19="NM").cmax_ng_ml)
    pm = predict_qtc("citalopram", steady_state_summary("citalopram", 20, 24.0, cyp2c19="PM").cmax_ng_ml)
    assert pm.mean_ms > nm.mean_ms + 3 and pm.upper_95_ms > nm.upper_95_ms


def test_no_drug_means_no_qtc_effect_and_the_effect_rises_with_concentration():
    line = qtc_line("escitalopram")
    c = np.linspace(0.0, 3 * max(line.label_cmax_ng_ml), 400)
    mean, upper = line.predict(c)
    assert mean[0] == 0.0 and upper[0] == 0.0
    assert np.all(np.diff(mean) > 0) and np.all(np.diff(upper) > 0)
    below = line.c_low_ng_ml / 2  # straight to zero below the lowest label exposure, continuous at it
    assert line.predict(below)[0] == pytest.approx(line.predict(line.c_low_ng_ml)[0] / 2)


def test_drugs_without_label_qt_figures_give_null_with_a_reason():
    out = predict_qtc("sertraline", 50.0)
    assert out.as_dict() is None and "no thorough-QT figures" in out.reason


def test_least_squares_line_matches_a_brute_force_grid_search():
    x = np.array([59.3, 118.6, 177.9])
    y = np.array([8.5, 12.6, 18.5])
    a, b = fit_line(x, y)
    grid = itertools.product(np.arange(2.0, 4.5, 0.01), np.arange(0.07, 0.10, 0.0001))
    best = min(grid, key=lambda ab: float(np.sum((ab[0] + ab[1] * x - y) ** 2)))
    assert a == pytest.approx(best[0], abs=0.02) and b == pytest.approx(best[1], abs=2e-4)


def test_a_poor_metabolisers_qtc_from_the_slow_ode_reference_matches_the_fast_path():
    """Steady-state Cmax by integrating the ODEs over 30 daily doses, then the same line: same figure."""
    drug = "citalopram"
    from novamind_core.pharmacology import load_catalogue

    d = load_catalogue().get(drug)
    pp = patient_parameters(d, 1, exposure_multiplier=exposure_multiplier(drug, cyp2c19="PM"))
    dose_times = np.arange(30) * 24.0
    times = np.linspace(29 * 24.0, 30 * 24.0, 481)
    parent, _ = ode_reference(pp.ka_per_h[0], pp.cl_f_l_per_h[0], pp.v_f_l[0], dose_times, np.full(30, 20.0), times)
    fast = steady_state_summary(drug, 20, 24.0, cyp2c19="PM").cmax_ng_ml
    assert parent.max() == pytest.approx(fast, rel=0.01)
    assert predict_qtc(drug, parent.max()).mean_ms == pytest.approx(predict_qtc(drug, fast).mean_ms, abs=0.1)


@pytest.mark.parametrize(("kwargs", "capped"), [
    ({}, False), ({"age_years": 60}, False), ({"age_years": 60.5}, True), ({"cyp2c19": "PM"}, True),
    ({"hepatic_impairment": True}, True), ({"co_medications": ["omeprazole"]}, True),
])
def test_citalopram_is_capped_at_40_or_at_20_mg_above_60_in_pm_hepatic_impairment_or_with_an_inhibitor(kwargs,
                                                                                                       capped):
    findings = qt_assessment("citalopram", 40, **kwargs)
    cap = next(f for f in findings if f.max_dose_mg_per_day is not None)
    assert cap.max_dose_mg_per_day == (20 if capped else 40)
    assert (cap.severity == "major") is capped
    assert qt_assessment("citalopram", 41)[0].severity == "major"


def test_escitalopram_is_capped_at_10_mg_from_65_or_with_hepatic_impairment():
    assert qt_assessment("escitalopram", 20, age_years=64.9)[0].max_dose_mg_per_day == 20
    assert qt_assessment("escitalopram", 20, age_years=65)[0].severity == "major"
    assert qt_assessment("escitalopram", 10, hepatic_impairment=True)[0].severity == "info"


def test_two_known_qt_prolonging_drugs_together_are_a_major_finding():
    found = qt_assessment("citalopram", 20, co_medications=["methadone", "mirtazapine"])
    by_other = {f.message.split(" with ")[1].split(" ")[0]: f.severity for f in found if "additive" in f.message}
    assert by_other == {"methadone": "major", "mirtazapine": "moderate"}
    assert not [f for f in qt_assessment("sertraline", 50, co_medications=["methadone"]) if "additive" in f.message]


def test_baseline_qtc_and_electrolytes_are_judged_at_their_boundaries():
    def messages(**kw):
        return [f.message for f in qt_assessment("escitalopram", 10, **kw) if f.severity != "info"]

    assert messages(baseline_qtc_ms=449, sex="male") == []
    assert "prolonged" in messages(baseline_qtc_ms=450, sex="male")[0]
    assert messages(baseline_qtc_ms=459, sex="female") == []
    assert "above 500" in messages(baseline_qtc_ms=501)[0]
    pred = predict_qtc("escitalopram", 40.0)
    assert any("exceeds 500" in m for m in messages(baseline_qtc_ms=500 - pred.upper_95_ms + 0.1, predicted=pred))
    assert messages(potassium_mmol_l=3.5, magnesium_mmol_l=0.7) == []
    assert len(messages(potassium_mmol_l=3.4, magnesium_mmol_l=0.69)) == 2
