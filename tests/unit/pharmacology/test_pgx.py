"""Pharmacogenomic exposure and guidance, each rule citing its guideline."""

from __future__ import annotations

import numpy as np
import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology import dose_guidance, effective_phenotypes, simulate_pk
from novamind_core.pharmacology.summary import steady_state_summary


def test_sertraline_cyp2c19_poor_metabolisers_have_2_68_times_the_levels_braten_2020(catalogue):
    """Braten et al. 2020, Neuropsychopharmacology 45:570: PM 2.68x, IM 1.38x, UM 0.89x of NM serum levels."""
    nm = steady_state_summary("sertraline", 100, catalogue=catalogue).auc_tau_ng_h_per_ml
    for phenotype, ratio in (("PM", 2.68), ("IM", 1.38), ("UM", 0.89)):
        auc = steady_state_summary("sertraline", 100, cyp2c19=phenotype, catalogue=catalogue).auc_tau_ng_h_per_ml
        assert auc / nm == pytest.approx(ratio, rel=1e-6)


def test_per_patient_phenotypes_change_exposure_in_a_batch(catalogue):
    sc = {"name": "x", "steps": [{"drug": "escitalopram", "dose_mg": 10, "days": 21}]}
    r = simulate_pk(sc, np.arange(0, 21 * 24.0), n_patients=2, cyp2c19=["NM", "PM"], bsv=False, catalogue=catalogue)
    c = r.concentration_ng_ml["escitalopram"][:, -24:].mean(axis=1)
    assert c[1] / c[0] == pytest.approx(3.3, rel=0.05)  # Jukic et al. 2018


def test_escitalopram_cyp2c19_pm_max_10_and_im_max_15_mg_dpwg(catalogue):
    pm = dose_guidance("escitalopram", 20, cyp2c19="PM", catalogue=catalogue)
    im = dose_guidance("escitalopram", 10, cyp2c19="IM", catalogue=catalogue)
    assert pm.max_dose_mg_per_day == 10 and "DPWG" in pm.source and "exceeds" in pm.recommendation
    assert im.max_dose_mg_per_day == 15 and "DPWG" in im.source


def test_escitalopram_ultrarapid_metabolisers_are_advised_an_alternative(catalogue):
    g = dose_guidance("escitalopram", 10, cyp2c19="UM", catalogue=catalogue)
    assert g.avoid and "alternative" in g.recommendation and "CPIC" in g.source


def test_citalopram_cyp2c19_pm_max_20_mg_fda(catalogue):
    g = dose_guidance("citalopram", 40, cyp2c19="PM", catalogue=catalogue)
    assert g.max_dose_mg_per_day == 20 and "FDA" in g.source


def test_citalopram_is_capped_at_20_mg_above_age_60_fda(catalogue):
    assert dose_guidance("citalopram", 20, age_years=70, catalogue=catalogue).max_dose_mg_per_day == 20
    assert dose_guidance("citalopram", 20, age_years=40, catalogue=catalogue).max_dose_mg_per_day == 40


def test_vortioxetine_cyp2d6_pm_max_10_mg_fda_label(catalogue):
    g = dose_guidance("vortioxetine", 20, cyp2d6="PM", catalogue=catalogue)
    assert g.max_dose_mg_per_day == 10 and "Trintellix" in g.source


def test_paroxetine_cyp2d6_um_choose_an_alternative_cpic_2023(catalogue):
    g = dose_guidance("paroxetine", 20, cyp2d6="UM", catalogue=catalogue)
    assert g.avoid and "CPIC" in g.source


def test_sertraline_cyp2c19_pm_max_75_mg_with_slower_titration_dpwg(catalogue):
    g = dose_guidance("sertraline", 100, cyp2c19="PM", catalogue=catalogue)
    assert g.max_dose_mg_per_day == 75 and g.slower_titration and "DPWG" in g.source


def test_a_strong_cyp2d6_inhibitor_turns_a_normal_metaboliser_into_a_poor_one_cicali_2021(catalogue):
    """Cicali et al. 2021, Clin Pharmacol Ther 110:677: strong inhibitors -> PM phenotype."""
    assert effective_phenotypes("vortioxetine", "NM", "NM", ["bupropion"], catalogue)["CYP2D6"] == "PM"
    assert effective_phenotypes("vortioxetine", "NM", "NM", ["duloxetine"], catalogue)["CYP2D6"] == "IM"
    g = dose_guidance("vortioxetine", 20, cyp2d6="NM", co_medications=["paroxetine"], catalogue=catalogue)
    assert g.max_dose_mg_per_day == 10 and "phenoconversion" in g.recommendation and "Cicali" in g.source


def test_slc6a4_and_htr2a_genotypes_never_change_dosing_cpic_2023(catalogue):
    base = dose_guidance("sertraline", 100, cyp2c19="NM", catalogue=catalogue)
    with_genes = dose_guidance("sertraline", 100, cyp2c19="NM", slc6a4="S/S", htr2a="A/A", catalogue=catalogue)
    assert base == with_genes
    assert "no dosing recommendation" in catalogue.non_dose_genes["SLC6A4"]


def test_an_unknown_phenotype_is_rejected(catalogue):
    with pytest.raises(ValidationError, match="not one of PM, IM, NM, RM, UM"):
        dose_guidance("sertraline", 50, cyp2c19="slow", catalogue=catalogue)
