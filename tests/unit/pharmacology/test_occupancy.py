"""Occupancy calibration against PET data, each test naming its source."""

from __future__ import annotations

import numpy as np
import pytest

from novamind_core.pharmacology import occupancy_percent
from novamind_core.pharmacology.occupancy import combined_occupancy_percent
from novamind_core.pharmacology.summary import steady_state_summary

MINIMUM_THERAPEUTIC_MG = {"citalopram": 20, "escitalopram": 10, "fluoxetine": 20, "paroxetine": 20,
                          "sertraline": 50, "venlafaxine": 75}


@pytest.mark.parametrize("drug, dose_mg", sorted(MINIMUM_THERAPEUTIC_MG.items()))
def test_sert_occupancy_is_about_80_percent_at_minimum_therapeutic_doses_meyer_2004(catalogue, drug, dose_mg):
    """Meyer et al. 2004, Am J Psychiatry 161:826: ~80% striatal SERT occupancy at minimum therapeutic doses."""
    occ = steady_state_summary(drug, dose_mg, 24, catalogue=catalogue).steady_state_occupancy_percent["SERT"]
    assert occ == pytest.approx(80, abs=3)


def test_sert_occupancy_plateaus_at_higher_ssri_doses_meyer_2004(catalogue):
    low = steady_state_summary("sertraline", 50, catalogue=catalogue).steady_state_occupancy_percent["SERT"]
    high = steady_state_summary("sertraline", 200, catalogue=catalogue).steady_state_occupancy_percent["SERT"]
    assert 85 < high < 97 and high - low < 15


@pytest.mark.parametrize("dose_mg, low, high", [(5, 40, 60), (10, 60, 70), (20, 75, 90)])
def test_vortioxetine_sert_occupancy_follows_stenkrona_2013(catalogue, dose_mg, low, high):
    """Stenkrona et al. 2013, Eur Neuropsychopharmacol 23:1190: ~50% at 5 mg, ~65% at 10 mg, >80% at 20 mg."""
    occ = steady_state_summary("vortioxetine", dose_mg, catalogue=catalogue).steady_state_occupancy_percent["SERT"]
    assert low <= occ <= high


def test_bupropion_dat_occupancy_is_low_at_300_mg_learned_coughlin_2003(catalogue):
    """Learned-Coughlin et al. 2003 (26%) and Meyer et al. 2002 (14%): DAT occupancy stays low at 300 mg/day."""
    occ = steady_state_summary("bupropion", 300, catalogue=catalogue).steady_state_occupancy_percent["DAT"]
    assert 10 <= occ <= 30


def test_occupancy_is_half_maximal_at_ec50(catalogue):
    sert = catalogue.get("escitalopram").targets["SERT"]
    occ = occupancy_percent("escitalopram", np.array([0.0, sert.ec50_ng_ml, 9 * sert.ec50_ng_ml]), catalogue)["SERT"]
    np.testing.assert_allclose(occ, [0, sert.omax_percent / 2, 0.9 * sert.omax_percent])


def test_two_drugs_at_the_same_target_combine_competitively_not_additively(catalogue):
    e = catalogue.get("escitalopram")
    s = catalogue.get("sertraline")
    conc = {"escitalopram": np.array([e.targets["SERT"].ec50_ng_ml]),
            "sertraline": np.array([s.targets["SERT"].ec50_ng_ml])}
    occ = combined_occupancy_percent(conc, [e, s])["SERT"]
    omax = e.targets["SERT"].omax_percent
    assert omax == s.targets["SERT"].omax_percent
    assert occ[0] == pytest.approx(omax * 2 / 3)  # x = 2: Omax * 2 / 3, not Omax / 2 + Omax / 2


def test_mirtazapine_binds_h1_strongly_at_usual_doses(catalogue):
    occ = steady_state_summary("mirtazapine", 15, catalogue=catalogue).steady_state_occupancy_percent
    assert occ["H1"] > 90 and occ["H1"] > occ["5-HT2A"] > occ["alpha-2"]
