"""Symptom response model: bounds, placebo course, adherence, sensitivity."""

import numpy as np

from novamind_core.twin.symptoms import (
    GAD7_MAX,
    PHQ9_MAX,
    expected_scores,
    improvement_fraction,
    observe,
    sample_patients,
)


def test_expected_and_observed_scores_stay_inside_the_instrument_range(params):
    rng = np.random.default_rng(0)
    pts = sample_patients(5000, params, rng)
    t = np.arange(0, 365, 7.0)
    f = rng.uniform(0, 5, (5000, t.size))
    imp = improvement_fraction(t, f, pts.z * 3, params, psychotherapy=True)
    phq, gad = expected_scores(imp, pts, params)
    assert phq.min() >= 0 and phq.max() <= PHQ9_MAX and gad.min() >= 0 and gad.max() <= GAD7_MAX
    obs = observe(phq, params["phq9_observation_sd"], PHQ9_MAX, rng)
    assert obs.min() >= 0 and obs.max() <= PHQ9_MAX


def test_without_drug_the_course_is_placebo_plus_natural_course(params):
    z = np.zeros((1, 3))
    t = np.array([0.0, 56.0])
    imp = improvement_fraction(t, np.zeros((1, 2)), z, params)
    p = 1 / (1 + np.exp(-params["placebo_logit_mean"]))
    expected = 1 - (1 - p * (1 - np.exp(-56 / params["tau_placebo_days"]))) * (
        1 - params["natural_course_fraction"] * (1 - np.exp(-56 / params["tau_natural_course_days"])))
    assert imp[0, 0] == 0.0
    assert np.isclose(imp[0, 1], expected)


def test_a_more_drug_sensitive_patient_improves_more(params):
    z = np.array([[0.0, -1.0, 0.0], [0.0, 1.0, 0.0]])
    imp = improvement_fraction(np.array([56.0]), np.full((2, 1), 0.5), z, params)
    assert imp[1, 0] > imp[0, 0]


def test_psychotherapy_adds_improvement(params):
    z = np.zeros((1, 3))
    t = np.array([84.0])
    without = improvement_fraction(t, np.zeros((1, 1)), z, params)
    with_pt = improvement_fraction(t, np.zeros((1, 1)), z, params, psychotherapy=True)
    assert with_pt[0, 0] > without[0, 0]
