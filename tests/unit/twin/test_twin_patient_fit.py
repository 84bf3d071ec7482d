"""Per-patient Bayesian calibration (MAP + Laplace) with the population as prior."""

import numpy as np
import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.twin.params import default_params
from novamind_core.twin.patient_fit import PatientHistory, fit_patient, history_signal
from novamind_core.twin.symptoms import improvement_fraction


@pytest.fixture(scope="module")
def params():
    return default_params()


def _synthetic_history(params, theta, weeks=30, noise=0.0, seed=0):
    h = PatientHistory(phq9=((0.0, theta[3]),), medications=({"drug": "sertraline", "dose_mg": 100,
                                                             "days": 7 * weeks},))
    f, _ = history_signal(h, 7 * weeks + 1, params)
    days = 7.0 * np.arange(weeks + 1)
    imp = improvement_fraction(days, f[None, days.astype(int)], np.array([theta[:3]]), params)[0]
    y = theta[3] * (1 - imp) + np.random.default_rng(seed).normal(0, noise, days.size)
    return PatientHistory(phq9=tuple(zip(days, np.clip(y, 0, 27), strict=True)), medications=h.medications)


def test_no_history_returns_the_prior_and_says_so(params):
    post = fit_patient(None, params)
    assert post.is_prior and "prior" in post.message
    assert np.allclose(post.mean[:3], 0.0)


def test_fit_recovers_the_baseline_and_shrinks_uncertainty(params):
    truth = np.array([0.5, 1.0, 0.0, 20.0])
    post = fit_patient(_synthetic_history(params, truth, noise=1.0), params)
    assert post.method == "MAP + Laplace" and not post.is_prior
    assert post.mean[3] == pytest.approx(20.0, abs=2.0)
    sd = np.sqrt(np.diag(post.cov))
    assert sd[3] < params["phq9_observation_sd"]  # baseline known better than from one assessment
    assert np.all(np.linalg.eigvalsh(post.cov) > 0)


def test_a_fast_improver_gets_a_higher_posterior_improvement_than_a_slow_one(params):
    fast = fit_patient(_synthetic_history(params, np.array([1.5, 1.5, 0.0, 20.0])), params)
    slow = fit_patient(_synthetic_history(params, np.array([-1.5, -1.5, 0.0, 20.0])), params)
    assert fast.mean[0] + fast.mean[1] > slow.mean[0] + slow.mean[1]


def test_history_accepts_iso_dates_and_rejects_out_of_range_totals():
    h = PatientHistory.from_dict({"phq9": [["2024-01-01", 18], ["2024-01-15", 12]]})
    assert h.phq9 == ((0.0, 18.0), (14.0, 12.0))
    with pytest.raises(ValidationError):
        PatientHistory.from_dict({"phq9": [[0, 30]]})
