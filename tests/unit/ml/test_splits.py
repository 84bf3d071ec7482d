from __future__ import annotations

import numpy as np
import pytest

from novamind_core.ml.splits import GroupedSplit, LeakageError, assert_no_leakage, grouped_split

from .conftest import make_leaky


def test_no_patient_appears_in_more_than_one_split():
    groups = np.repeat(np.arange(200), np.random.default_rng(0).integers(1, 5, 200))
    split = grouped_split(groups, (0.6, 0.2, 0.2), 7)
    parts = [set(groups[split.train]), set(groups[split.validation]), set(groups[split.test])]
    assert not (parts[0] & parts[1]) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])
    assert sum(split.sizes().values()) == groups.size
    assert abs(len(parts[0]) - 120) <= 1


def test_leakage_guard_refuses_a_patient_in_train_and_test():
    groups = np.array(["a", "a", "b", "b", "c", "c", "d"])
    split = GroupedSplit(np.array([0, 2]), np.array([4, 5]), np.array([1, 3, 6]))
    with pytest.raises(LeakageError, match="appears in both train and test"):
        assert_no_leakage(groups, split)


def test_response_model_refuses_to_fit_on_a_leaky_split(tiny_cohort):
    from novamind_core.ml.response import ResponseModel

    d = tiny_cohort
    good = grouped_split(d.groups, (0.6, 0.2, 0.2), 0)
    leaky, _ = make_leaky(good, d.groups)
    with pytest.raises(LeakageError):
        ResponseModel(n_estimators=5, n_bootstrap=1).fit(d.X, d.y, d.groups, d.feature_names, split=leaky)


def test_split_fractions_must_sum_to_one():
    with pytest.raises(ValueError):
        grouped_split(np.arange(10), (0.5, 0.2, 0.2))
