"""The SciPy-free sampling the ``simulate`` command uses draws what SciPy draws from the same seed."""

from __future__ import annotations

import numpy as np
import pytest

from novamind_core.twin.sampling import expit, truncnorm_rvs


@pytest.mark.parametrize(("a", "b", "loc", "scale"), [
    ((10 - 17.5) / 4.0, (27 - 17.5) / 4.0, 17.5, 4.0),   # baseline PHQ-9: entry minimum 10 to 27
    (-12 / 4.5, (21 - 12) / 4.5, 12.0, 4.5),             # baseline GAD-7: 0 to 21
    (0.5, 3.0, 0.0, 1.0),                                # both bounds right of the mean
    (-6.0, -1.0, 2.0, 0.5),                              # a far left tail
])
def test_truncated_normal_draws_match_scipy_from_the_same_seed(a, b, loc, scale):
    from scipy.stats import truncnorm

    ours = truncnorm_rvs(a, b, loc=loc, scale=scale, size=2000, rng=np.random.default_rng(7))
    theirs = truncnorm.rvs(a, b, loc=loc, scale=scale, size=2000, random_state=np.random.default_rng(7))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    assert ours.min() >= loc + a * scale and ours.max() <= loc + b * scale


def test_the_logistic_function_matches_scipy():
    from scipy.special import expit as scipy_expit

    x = np.linspace(-40, 40, 801)
    np.testing.assert_allclose(expit(x), scipy_expit(x), rtol=1e-15, atol=0)


def test_the_absorption_rate_from_tmax_is_the_root_scipy_finds():
    import math

    from scipy.optimize import brentq

    from novamind_core.pharmacology.catalogue import ka_from_tmax

    for tmax, k in ((6.0, math.log(2) / 26), (1.0, 0.05), (10.0, 0.09), (0.5, 0.3)):
        f = lambda ka, k=k, tmax=tmax: math.log(ka / k) / (ka - k) - tmax  # noqa: E731
        assert ka_from_tmax(tmax, k) == pytest.approx(brentq(f, k * (1 + 1e-9), 1e3), rel=1e-10)
