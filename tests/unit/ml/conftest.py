"""Shared tiny fixtures for the ML tests (small sizes so each test runs in seconds)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="package")
def tiny_cohort():
    from novamind_core.ml.synthetic_data import synthetic_response_cohort

    return synthetic_response_cohort(400, seed=3)


@pytest.fixture(scope="package")
def tiny_response_model(tiny_cohort):
    from novamind_core.ml.response import ResponseModel

    d = tiny_cohort
    return ResponseModel(n_estimators=25, n_bootstrap=2, early_stopping_rounds=5, random_state=0).fit(
        d.X, d.y, d.groups, d.feature_names)


@pytest.fixture(scope="package")
def tiny_series():
    from novamind_core.ml.synthetic_data import synthetic_phq9_series

    return synthetic_phq9_series(60, seed=5)


@pytest.fixture()
def patient() -> dict:
    return {"age_years": 38, "sex": "F", "phq9_items": [2, 3, 2, 2, 1, 2, 2, 1, 0],
            "gad7_items": [2, 2, 1, 2, 1, 1, 1], "n_prior_episodes": 1, "n_prior_treatment_failures": 1,
            "sleep_total_min": 380, "sleep_efficiency_percent": 82, "cyp2d6": "NM", "cyp2c19": "IM"}


def make_leaky(split, groups):
    """Move one row of a test patient with several rows into train, as a split by row would."""
    from novamind_core.ml.splits import GroupedSplit

    g = np.asarray(groups)
    test_groups, counts = np.unique(g[split.test], return_counts=True)
    victim = test_groups[np.argmax(counts)]
    assert counts.max() >= 2
    row = split.test[g[split.test] == victim][0]
    return GroupedSplit(np.r_[split.train, row], split.validation, split.test[split.test != row]), victim
