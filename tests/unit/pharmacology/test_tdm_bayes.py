"""Bayesian TDM forecasting checked against a slow, obviously-correct grid posterior and importance sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology import load_catalogue
from novamind_core.pharmacology.tdm_bayes import (
    MeasuredLevel,
    TargetRange,
    build_model,
    forecast,
    forecast_curves,
    steady_state_trough_ng_ml,
)

ESCITALOPRAM_RANGE = TargetRange("escitalopram", 15.0, 80.0, "AGNP consensus, Hiemke et al. 2018")


def _bateman_ng_ml(dose_mg: float, interval_h: float, t_h: float, ka: float, cl: float, v: float) -> float:
    """One dose at a time, in plain Python: the textbook one-compartment oral model (Gibaldi & Perrier ch. 1)."""
    k = cl / v
    total, j = 0.0, 0
    while j * interval_h <= t_h:
        u = t_h - j * interval_h
        total += dose_mg * ka / (v * (ka - k)) * (math.exp(-k * u) - math.exp(-ka * u))
        j += 1
    return 1000.0 * total


def _ss_trough_reference(dose_mg: float, tau: float, ka: float, cl: float, v: float) -> float:
    k = cl / v
    return 1000.0 * dose_mg * ka / (v * (ka - k)) * (math.exp(-k * tau) / (1 - math.exp(-k * tau))
                                                      - math.exp(-ka * tau) / (1 - math.exp(-ka * tau)))


def _grid_posterior(levels, dose_mg=10.0, tau=24.0, n=121):
    """-2 log posterior on a grid of (eta_CL, eta_V) by explicit loops; returns grid axes, weights, omega."""
    pk = load_catalogue().get("escitalopram").pk
    w_cl = math.sqrt(math.log1p((pk.cl_cv_percent / 100) ** 2))
    w_v = math.sqrt(math.log1p((pk.v_cv_percent / 100) ** 2))
    e_cl = np.linspace(-4 * w_cl, 4 * w_cl, n)
    e_v = np.linspace(-4 * w_v, 4 * w_v, n)
    ofv = np.empty((n, n))
    for a, ec in enumerate(e_cl):
        for b, ev in enumerate(e_v):
            cl, v = pk.cl_f_l_per_h * math.exp(ec), pk.v_f_l * math.exp(ev)
            s = (ec / w_cl) ** 2 + (ev / w_v) ** 2
            for lv in levels:
                f = _bateman_ng_ml(dose_mg, tau, lv.time_h, pk.ka_per_h, cl, v)
                var = 1.0 + (0.2 * f) ** 2
                s += (lv.concentration_ng_ml - f) ** 2 / var + math.log(var)
            ofv[a, b] = s
    weights = np.exp(-0.5 * (ofv - ofv.min()))
    return e_cl, e_v, weights / weights.sum(), pk


def test_with_no_level_the_forecast_is_the_prior():
    f = forecast("escitalopram", 10, 24, [], reference_range=ESCITALOPRAM_RANGE)
    assert f.individual == f.population
    assert f.shrinkage.cl == pytest.approx(1.0) and f.shrinkage.v == pytest.approx(1.0)
    assert f.predicted_trough_ng_ml.p50 == pytest.approx(f.population_trough_ng_ml.p50, rel=0.05)
    pk = load_catalogue().get("escitalopram").pk
    assert f.population.cl_l_per_h.value == pytest.approx(pk.cl_f_l_per_h)
    assert f.population.v_l.value == pytest.approx(pk.v_f_l)


def test_one_high_level_shrinks_clearance_toward_the_prior_and_says_how_much():
    level = MeasuredLevel(166.0, 38.0)  # trough after a week on 10 mg: about 3x the population prediction
    f = forecast("escitalopram", 10, 24, [level], reference_range=ESCITALOPRAM_RANGE)
    pk = load_catalogue().get("escitalopram").pk
    # the clearance that reproduces the level exactly (V at its typical value): the "data only" answer
    lo, hi = math.log(0.05), math.log(5.0)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        c = _bateman_ng_ml(10, 24, 166.0, pk.ka_per_h, pk.cl_f_l_per_h * math.exp(mid), pk.v_f_l)
        lo, hi = (lo, mid) if c < 38.0 else (mid, hi)
    eta_data_only = 0.5 * (lo + hi)
    assert eta_data_only < f.eta_map[0] < 0.0  # between the data and the prior
    assert 0.0 < f.shrinkage.cl < 1.0 and 0.0 < f.shrinkage.v <= 1.0
    assert f.individual.cl_l_per_h.p95 - f.individual.cl_l_per_h.p05 < (
        f.population.cl_l_per_h.p95 - f.population.cl_l_per_h.p05)
    assert f.predicted_trough_ng_ml.p50 > f.population_trough_ng_ml.p95


def test_more_levels_leave_less_of_the_prior():
    one = forecast("escitalopram", 10, 24, [MeasuredLevel(166.0, 8.0)])
    three = forecast("escitalopram", 10, 24, [MeasuredLevel(166.0, 8.0), MeasuredLevel(172.0, 14.0),
                                               MeasuredLevel(190.0, 9.0)])
    assert three.shrinkage.cl < one.shrinkage.cl


def test_map_and_laplace_interval_match_a_brute_force_grid_posterior():
    levels = [MeasuredLevel(166.0, 22.0), MeasuredLevel(172.0, 30.0), MeasuredLevel(190.0, 25.0)]
    f = forecast("escitalopram", 10, 24, levels)
    e_cl, e_v, w, _ = _grid_posterior(levels)
    a, b = np.unravel_index(np.argmax(w), w.shape)
    step_cl, step_v = e_cl[1] - e_cl[0], e_v[1] - e_v[0]
    assert f.eta_map[0] == pytest.approx(e_cl[a], abs=step_cl)
    assert f.eta_map[1] == pytest.approx(e_v[b], abs=step_v)
    marg_cl = w.sum(axis=1)
    mean_cl = float(np.sum(marg_cl * e_cl))
    sd_cl = float(np.sqrt(np.sum(marg_cl * (e_cl - mean_cl) ** 2)))
    laplace_sd = math.sqrt(f.posterior_covariance[0][0])
    assert laplace_sd == pytest.approx(sd_cl, rel=0.15)
    assert abs(f.eta_map[0] - mean_cl) < 0.5 * sd_cl  # mode vs mean of a slightly skewed posterior


def test_trough_interval_matches_importance_sampling_from_the_prior():
    levels = [MeasuredLevel(166.0, 22.0), MeasuredLevel(190.0, 25.0)]
    f = forecast("escitalopram", 10, 24, levels, n_draws=20000)
    pk = load_catalogue().get("escitalopram").pk
    w_cl = math.sqrt(math.log1p(0.3 ** 2))
    w_v = math.sqrt(math.log1p(0.25 ** 2))
    rng = np.random.default_rng(7)
    troughs, logw = [], []
    for ec, ev in zip(rng.normal(0, w_cl, 6000), rng.normal(0, w_v, 6000), strict=True):
        cl, v = pk.cl_f_l_per_h * math.exp(ec), pk.v_f_l * math.exp(ev)
        s = 0.0
        for lv in levels:
            c = _bateman_ng_ml(10, 24, lv.time_h, pk.ka_per_h, cl, v)
            var = 1.0 + (0.2 * c) ** 2
            s += (lv.concentration_ng_ml - c) ** 2 / var + math.log(var)
        logw.append(-0.5 * s)
        troughs.append(_ss_trough_reference(10, 24, pk.ka_per_h, cl, v))
    wts = np.exp(np.array(logw) - max(logw))
    order = np.argsort(troughs)
    cdf = np.cumsum(wts[order]) / wts.sum()
    sorted_t = np.array(troughs)[order]
    p05, p50, p95 = (float(sorted_t[np.searchsorted(cdf, q)]) for q in (0.05, 0.5, 0.95))
    got = f.predicted_trough_ng_ml
    assert got.p50 == pytest.approx(p50, rel=0.08)
    assert got.p05 == pytest.approx(p05, rel=0.15)
    assert got.p95 == pytest.approx(p95, rel=0.15)


def test_steady_state_trough_formula_matches_dose_by_dose_superposition():
    model = build_model("escitalopram", 10, 24, 0)
    pk = load_catalogue().get("escitalopram").pk
    fast = steady_state_trough_ng_ml(model, np.zeros((1, 2)), 10, 24)[0]
    assert fast == pytest.approx(_ss_trough_reference(10, 24, pk.ka_per_h, pk.cl_f_l_per_h, pk.v_f_l), rel=1e-4)
    assert fast == pytest.approx(_bateman_ng_ml(10, 24, 24 * 60 - 1e-9, pk.ka_per_h, pk.cl_f_l_per_h, pk.v_f_l),
                                 rel=1e-3)


def test_the_dose_for_target_puts_the_individual_trough_in_the_middle_of_the_range():
    f = forecast("escitalopram", 10, 24, [MeasuredLevel(166.0, 6.0)], reference_range=ESCITALOPRAM_RANGE)
    pk = load_catalogue().get("escitalopram").pk
    cl = f.individual.cl_l_per_h.value
    v = f.individual.v_l.value
    trough = _ss_trough_reference(f.dose_for_target_mg, 24, pk.ka_per_h, cl, v)
    assert trough == pytest.approx(47.5, rel=1e-3)
    assert f.dose_for_target_mg > 10


def test_paroxetine_dose_for_target_accounts_for_its_non_linear_exposure():
    rr = TargetRange("paroxetine", 20.0, 65.0, "AGNP")
    f = forecast("paroxetine", 20, 24, [MeasuredLevel(24 * 20 + 23, 15.0)], reference_range=rr)
    model = build_model("paroxetine", f.dose_for_target_mg, 24, 0)
    eta = np.array([f.eta_map])
    assert steady_state_trough_ng_ml(model, eta, f.dose_for_target_mg, 24)[0] == pytest.approx(42.5, rel=1e-3)


def test_covariate_and_phenotype_multipliers_move_the_prior():
    base = forecast("escitalopram", 10, 24, [])
    old_pm = forecast("escitalopram", 10, 24, [], clearance_multiplier=0.7, exposure_multiplier=2.0,
                      volume_multiplier=1.1)
    assert old_pm.population.cl_l_per_h.value == pytest.approx(base.population.cl_l_per_h.value * 0.35)
    assert old_pm.population.v_l.value == pytest.approx(base.population.v_l.value * 1.1)


def test_an_active_moiety_range_forecasts_parent_plus_metabolite():
    parent_only = forecast("fluoxetine", 20, 24, [])
    moiety = forecast("fluoxetine", 20, 24, [], reference_range=TargetRange("active_moiety", 120, 500, "AGNP"))
    assert moiety.predicted_trough_ng_ml.p50 > 1.5 * parent_only.predicted_trough_ng_ml.p50


def test_curves_show_the_individual_fit_through_the_level_and_a_population_band():
    f = forecast("escitalopram", 10, 24, [MeasuredLevel(166.0, 38.0)])
    curves = forecast_curves(f, np.linspace(0, 240, 241))
    i = 166
    assert curves.population_p05[i] < curves.population_p50[i] < curves.population_p95[i]
    assert abs(curves.individual[i] - 38.0) < abs(curves.population_p50[i] - 38.0)


def test_a_bad_level_is_refused_with_its_field():
    with pytest.raises(ValidationError) as err:
        forecast("escitalopram", 10, 24, [MeasuredLevel(10.0, -1.0)])
    assert err.value.field == "concentration_ng_ml"
    with pytest.raises(ValidationError):
        forecast("placebo", 10, 24, [])
