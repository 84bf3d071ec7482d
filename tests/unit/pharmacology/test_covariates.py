"""Covariates: published effects on CL/F and V/F, vectorised over patients, checked against a slow per-patient loop."""

from __future__ import annotations

import math

import numpy as np
import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology import load_catalogue
from novamind_core.pharmacology.covariates import (
    Covariates,
    adjusted_catalogue,
    adjusted_drug,
    covariate_adjustment,
    covariate_effects,
    covariate_multipliers,
)
from novamind_core.pharmacology.summary import steady_state_summary


def test_the_reference_patient_gets_the_catalogue_values_unchanged():
    cat = load_catalogue()
    for name in cat.drugs:
        adj = covariate_adjustment(name, Covariates())
        assert adj.cl_multiplier == 1.0 and adj.v_multiplier == 1.0 and adj.effects == ()
    assert adjusted_catalogue(cat, Covariates()) is cat


def test_every_covariate_effect_has_a_source():
    for name in load_catalogue().drugs:
        assert all(len(e.source) > 20 for e in covariate_effects(name))


def test_an_older_patient_clears_sertraline_more_slowly_and_below_30_nothing_changes():
    assert covariate_adjustment("sertraline", Covariates(age_years=30)).cl_multiplier == 1.0
    assert covariate_adjustment("sertraline", Covariates(age_years=25)).cl_multiplier == 1.0
    old = covariate_adjustment("sertraline", Covariates(age_years=71)).cl_multiplier
    assert old == pytest.approx(0.6, abs=0.01)  # label: about 40% lower in the elderly


def test_a_smoker_clears_duloxetine_and_mirtazapine_faster_but_not_sertraline():
    for drug, ratio in (("duloxetine", 1 / 0.7), ("mirtazapine", 1.3)):
        assert covariate_adjustment(drug, Covariates(smoker=True)).cl_multiplier == pytest.approx(ratio, rel=1e-3)
        assert covariate_adjustment(drug, Covariates(smoker=False)).cl_multiplier == 1.0
    adj = covariate_adjustment("sertraline", Covariates(smoker=True))
    assert adj.cl_multiplier == 1.0 and adj.not_in_model == ("smoking: not a covariate in the published model "
                                                             "encoded for sertraline",)


def test_women_clear_duloxetine_40_percent_more_slowly_than_men():
    f = covariate_adjustment("duloxetine", Covariates(sex="Female")).cl_multiplier
    m = covariate_adjustment("duloxetine", Covariates(sex="male")).cl_multiplier
    assert f / m == pytest.approx(0.6) and f * m == pytest.approx(1.0)


def test_weight_scales_escitalopram_clearance_allometrically_and_volume_in_proportion():
    adj = covariate_adjustment("escitalopram", Covariates(weight_kg=55))
    assert adj.cl_multiplier == pytest.approx((55 / 70) ** 0.75) and adj.v_multiplier == pytest.approx(55 / 70)


def test_a_72_year_old_smoker_of_55_kg_has_a_higher_escitalopram_level_than_the_reference():
    cat = load_catalogue()
    cov = Covariates(age_years=72, weight_kg=55, sex="female", smoker=True)
    ref = steady_state_summary("escitalopram", 10, 24.0, catalogue=cat)
    pat = steady_state_summary("escitalopram", 10, 24.0, catalogue=adjusted_catalogue(cat, cov))
    adj = covariate_adjustment("escitalopram", cov)
    # AUCtau,ss = dose / CL: exactly inverse to the clearance multiplier
    assert pat.auc_tau_ng_h_per_ml == pytest.approx(ref.auc_tau_ng_h_per_ml / adj.cl_multiplier, rel=1e-9)
    assert pat.cmin_ng_ml > ref.cmin_ng_ml


def test_adjusting_a_drug_changes_only_clearance_and_volume():
    d = load_catalogue().get("citalopram")
    a = adjusted_drug(d, Covariates(age_years=80, weight_kg=90))
    assert a.pk.ka_per_h == d.pk.ka_per_h and a.pk.tmax_h == d.pk.tmax_h and a.targets == d.targets
    assert a.pk.cl_f_l_per_h != d.pk.cl_f_l_per_h and a.pk.v_f_l == pytest.approx(d.pk.v_f_l * 90 / 70)


@pytest.mark.parametrize("drug", ["sertraline", "citalopram", "escitalopram", "duloxetine", "mirtazapine", "bupropion"])
def test_the_vectorised_multipliers_equal_a_slow_patient_by_patient_loop(drug):
    rng = np.random.default_rng(7)
    n = 300
    age = rng.uniform(18, 95, n)
    weight = rng.uniform(40, 140, n)
    female = rng.integers(0, 2, n).astype(float)
    smoker = rng.integers(0, 2, n).astype(float)
    age[::7] = np.nan  # not known for some
    female[::5] = np.nan
    cl, v = covariate_multipliers(drug, age, weight, female, smoker)
    for i in range(n):
        c = Covariates(age_years=None if math.isnan(age[i]) else float(age[i]), weight_kg=float(weight[i]),
                       sex=None if math.isnan(female[i]) else ("female" if female[i] else "male"),
                       smoker=bool(smoker[i]))
        adj = covariate_adjustment(drug, c)
        assert cl[i] == pytest.approx(adj.cl_multiplier, rel=1e-12) and v[i] == pytest.approx(adj.v_multiplier)


def test_the_covariates_of_10000_patients_are_computed_at_once():
    n = 10_000
    cl, v = covariate_multipliers("mirtazapine", np.full(n, 70.0), np.full(n, 70.0), np.ones(n), np.zeros(n))
    assert cl.shape == v.shape == (n,) and np.all(cl < 1)


@pytest.mark.parametrize(("kwargs", "field"), [({"age_years": 0}, "age"), ({"age_years": 121}, "age"),
                                                ({"weight_kg": 19}, "weight_kg"), ({"sex": "x"}, "sex")])
def test_impossible_covariates_are_refused_naming_the_field(kwargs, field):
    with pytest.raises(ValidationError) as err:
        Covariates(**kwargs)
    assert err.value.field == field
