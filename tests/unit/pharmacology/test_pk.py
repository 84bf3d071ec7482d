"""Fast PK path against closed-form theory and the scipy ODE reference."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from novamind_core.pharmacology import active_moiety_key, simulate_pk
from novamind_core.pharmacology.pk import patient_parameters, simulate_drug
from novamind_core.pharmacology.summary import steady_state_summary
from tests.unit.pharmacology.pharmacology_ode_reference import ode_reference


def test_single_dose_matches_the_bateman_function(catalogue):
    drug = catalogue.get("sertraline")
    pk = drug.pk
    t = np.linspace(0, 96, 97)
    c = simulate_drug(drug, np.array([0.0]), np.array([50.0]), t)["sertraline"][0]
    k = pk.cl_f_l_per_h / pk.v_f_l
    bateman = 1000 * 50 * pk.ka_per_h / (pk.v_f_l * (pk.ka_per_h - k)) * (np.exp(-k * t) - np.exp(-pk.ka_per_h * t))
    np.testing.assert_allclose(c, bateman, rtol=1e-9, atol=1e-9)
    assert t[np.argmax(c)] == pytest.approx(pk.tmax_h, abs=0.6)  # ka derived from the label Tmax


def test_steady_state_accumulation_ratio_is_one_over_one_minus_exp_minus_k_tau(catalogue):
    drug = catalogue.get("citalopram")
    k = drug.pk.cl_f_l_per_h / drug.pk.v_f_l
    ss = steady_state_summary(drug, 20, 24, catalogue=catalogue)
    # exact for first-order absorption too: AUC_ss / AUC_0-tau with absorption and elimination modes
    ka = drug.pk.ka_per_h
    auc_first = (1 - (ka * math.exp(-k * 24) - k * math.exp(-ka * 24)) / (ka - k))
    assert ss.accumulation_ratio == pytest.approx(1 / auc_first, rel=1e-9)
    # docs/science.md §3's R = 1 / (1 - exp(-k tau)) ignores absorption; within 5% for a 4 h Tmax
    assert ss.accumulation_ratio == pytest.approx(1 / (1 - math.exp(-k * 24)), rel=0.05)


def test_steady_state_average_is_dose_over_clearance_times_interval(catalogue):
    drug = catalogue.get("escitalopram")
    ss = steady_state_summary(drug, 10, 24, catalogue=catalogue)
    assert ss.auc_tau_ng_h_per_ml / 24 == pytest.approx(1000 * 10 / (31 * 24), rel=1e-9)  # Sogaard 2005 CL/F


def test_simulated_profile_approaches_the_analytic_steady_state(catalogue):
    t = np.arange(0, 60 * 24 + 1, 0.5)
    r = simulate_pk({"name": "x", "steps": [{"drug": "citalopram", "dose_mg": 20, "days": 60}]}, t, catalogue=catalogue)
    ss = steady_state_summary("citalopram", 20, 24, catalogue=catalogue)
    last_day = (t >= 59 * 24) & (t <= 60 * 24)
    c = r.concentration_ng_ml["citalopram"][0, last_day]
    assert c.max() == pytest.approx(ss.cmax_ng_ml, rel=2e-3)
    assert c.min() == pytest.approx(ss.cmin_ng_ml, rel=2e-3)


def test_time_to_90_percent_of_steady_state_is_about_3_32_half_lives(catalogue):
    drug = catalogue.get("vortioxetine")
    ss = steady_state_summary(drug, 10, 24, catalogue=catalogue)
    assert ss.time_to_90pct_steady_state_h == pytest.approx(3.32 * drug.pk.half_life_h, rel=0.05)


def test_washout_below_3_percent_takes_five_half_lives_after_the_last_dosing_interval(catalogue):
    drug = catalogue.get("citalopram")
    ss = steady_state_summary(drug, 20, 24, catalogue=catalogue)
    # bolus limit: C(s) = Cmax exp(-k s) falls below 3% of the trough Cmax exp(-k tau) at s = tau + ln(1/0.03)/k
    expected = 24 + math.log(1 / 0.03) / math.log(2) * drug.pk.half_life_h
    assert ss.time_below_3pct_after_stop_h == pytest.approx(expected, rel=0.02)


def _reference_for(drug, pp, i, dose_times, amounts, times):
    mets = [(pp.fm[i, j], pp.km_per_h[i, j], pp.vm_l[i, j], pp.mw_ratio[j]) for j in range(pp.fm.shape[1])]
    q = None if pp.q_l_per_h is None else pp.q_l_per_h[i]
    vp = None if pp.vp_l is None else pp.vp_l[i]
    return ode_reference(pp.ka_per_h[i], pp.cl_f_l_per_h[i], pp.v_f_l[i], dose_times, amounts, times, mets=mets,
                         q=q, vp=vp)


def test_fast_path_agrees_with_the_ode_reference_for_parent_and_metabolite_in_virtual_patients(catalogue):
    drug = catalogue.get("fluoxetine")
    dose_times = np.array([0, 24, 48, 72, 120, 144, 150.5, 240])  # irregular, with a missed day and an extra dose
    amounts = np.array([20, 20, 20, 40, 20, 20, 10, 20.0])
    times = np.linspace(0, 400, 161)
    n = 3
    fast = simulate_drug(drug, dose_times, amounts, times, n, bsv=True, rng=np.random.default_rng(7),
                         exposure_multiplier=np.array([1.0, 2.0, 0.5]))
    pp = patient_parameters(drug, n, bsv=True, rng=np.random.default_rng(7),
                            exposure_multiplier=np.array([1.0, 2.0, 0.5]))
    for i in range(n):
        parent, (norfluoxetine,) = _reference_for(drug, pp, i, dose_times, amounts, times)
        np.testing.assert_allclose(fast["fluoxetine"][i], parent, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(fast["norfluoxetine"][i], norfluoxetine, rtol=1e-6, atol=1e-6)


def test_two_compartment_option_agrees_with_the_ode_reference(catalogue):
    base = catalogue.get("venlafaxine")
    pk2 = dataclasses.replace(base.pk, q_l_per_h=40.0, vp_l=800.0)
    drug = dataclasses.replace(base, pk=pk2)
    dose_times = np.arange(0, 5 * 24, 12.0)
    amounts = np.full(dose_times.size, 75.0)
    times = np.linspace(0, 200, 201)
    fast = simulate_drug(drug, dose_times, amounts, times, 1)
    pp = patient_parameters(drug, 1)
    parent, (odv,) = _reference_for(drug, pp, 0, dose_times, amounts, times)
    np.testing.assert_allclose(fast["venlafaxine"][0], parent, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fast["O-desmethylvenlafaxine"][0], odv, rtol=1e-6, atol=1e-6)
    one = simulate_drug(base, dose_times, amounts, times, 1)["venlafaxine"][0]
    assert not np.allclose(one, fast["venlafaxine"][0], rtol=1e-3)  # the option changes the profile


def test_equal_absorption_and_elimination_rates_do_not_blow_up(catalogue):
    drug = catalogue.get("citalopram")
    k = drug.pk.cl_f_l_per_h / drug.pk.v_f_l
    same = dataclasses.replace(drug, pk=dataclasses.replace(drug.pk, ka_per_h=k))
    t = np.linspace(0, 200, 101)
    c = simulate_drug(same, np.array([0.0]), np.array([20.0]), t)["citalopram"][0]
    limit = 1000 * 20 * k * t * np.exp(-k * t) / drug.pk.v_f_l  # ka -> k limit of the Bateman function
    np.testing.assert_allclose(c, limit, rtol=1e-3, atol=1e-6)


def test_between_subject_variability_has_the_catalogue_cv_on_clearance(catalogue):
    drug = catalogue.get("sertraline")
    pp = patient_parameters(drug, 20000, bsv=True, rng=np.random.default_rng(1))
    log_cl = np.log(pp.cl_f_l_per_h)
    assert np.exp(np.median(log_cl)) == pytest.approx(drug.pk.cl_f_l_per_h, rel=0.02)
    assert np.std(log_cl) == pytest.approx(math.sqrt(math.log(1 + (drug.pk.cl_cv_percent / 100) ** 2)), rel=0.03)


def test_float32_batch_matches_float64(catalogue):
    sc = {"name": "x", "steps": [{"drug": "venlafaxine", "dose_mg": 150, "days": 14}]}
    t = np.arange(0, 14 * 24.0)
    a = simulate_pk(sc, t, n_patients=50, seed=3, catalogue=catalogue)
    b = simulate_pk(sc, t, n_patients=50, seed=3, catalogue=catalogue, dtype=np.float32)
    key = active_moiety_key("venlafaxine")
    assert b.concentration_ng_ml[key].dtype == np.float32
    np.testing.assert_allclose(b.concentration_ng_ml[key], a.concentration_ng_ml[key], rtol=1e-4, atol=1e-3)


def test_paroxetine_exposure_rises_more_than_proportionally_with_dose(catalogue):
    low = steady_state_summary("paroxetine", 20, 24, catalogue=catalogue).auc_tau_ng_h_per_ml
    high = steady_state_summary("paroxetine", 40, 24, catalogue=catalogue).auc_tau_ng_h_per_ml
    assert high / low == pytest.approx(2.5, rel=0.02)  # Sindrup et al. 1992 (catalogue nonlinearity)
    linear = steady_state_summary("citalopram", 40, 24, catalogue=catalogue).auc_tau_ng_h_per_ml / \
        steady_state_summary("citalopram", 20, 24, catalogue=catalogue).auc_tau_ng_h_per_ml
    assert linear == pytest.approx(2.0, rel=1e-9)


def test_placebo_has_zero_concentration_and_no_occupancy(catalogue):
    r = simulate_pk({"name": "p", "steps": [{"drug": "placebo", "days": 7}]}, np.arange(0, 168.0), catalogue=catalogue)
    assert not r.concentration_ng_ml["placebo"].any()
    assert r.occupancy_percent == {}
