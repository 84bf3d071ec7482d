"""Interaction and switching rules, each with its source."""

from __future__ import annotations

import numpy as np

from novamind_core.pharmacology import check_interactions, check_switch, simulate_pk


def test_an_ssri_with_an_maoi_is_contraindicated_fda_labels(catalogue):
    w = check_interactions({"sertraline": 100, "phenelzine": 45}, catalogue=catalogue)
    assert w[0].severity == "contraindicated" and "MAOI" in w[0].message and "Contraindications" in w[0].source


def test_two_serotonergic_drugs_raise_a_serotonin_syndrome_warning_boyer_2005(catalogue):
    w = check_interactions({"escitalopram": 10, "tramadol": 100}, catalogue=catalogue)
    assert any(x.severity == "major" and "serotonin syndrome" in x.message and "Boyer" in x.source for x in w)


def test_citalopram_above_40_mg_warns_about_qt_prolongation_fda_2011(catalogue):
    assert not check_interactions({"citalopram": 40}, catalogue=catalogue)
    w = check_interactions({"citalopram": 60}, catalogue=catalogue)
    assert "QT" in w[0].message and "FDA" in w[0].source


def test_citalopram_with_a_cyp2c19_inhibitor_is_capped_at_20_mg_fda(catalogue):
    w = check_interactions({"citalopram": 40, "omeprazole": 20}, catalogue=catalogue)
    assert any("QT" in x.message and "20 mg/day" in x.message for x in w)


def test_a_cyp_inhibitor_raising_a_co_prescribed_drugs_exposure_is_flagged(catalogue):
    w = check_interactions({"vortioxetine": 10, "bupropion": 300}, catalogue=catalogue)
    assert any("bupropion is a strong CYP2D6 inhibitor" in x.message and "Cicali" in x.source for x in w)


def test_switching_from_fluoxetine_to_an_maoi_needs_five_weeks_prozac_label(catalogue):
    assert check_switch("fluoxetine", "phenelzine", 21, catalogue)[0].severity == "contraindicated"
    assert not check_switch("fluoxetine", "phenelzine", 35, catalogue)
    assert not check_switch("sertraline", "phenelzine", 14, catalogue)


def test_starting_an_ssri_within_14_days_of_an_maoi_is_contraindicated(catalogue):
    assert check_switch("phenelzine", "sertraline", 7, catalogue)[0].severity == "contraindicated"


def test_a_scenario_switching_into_an_maoi_too_early_warns(catalogue):
    sc = {"name": "m", "steps": [{"drug": "fluoxetine", "dose_mg": 20, "days": 28}, {"drug": "none", "days": 14},
                                 {"drug": "phenelzine", "dose_mg": 15, "days": 14}]}
    r = simulate_pk(sc, np.arange(0, 56 * 24.0), catalogue=catalogue)
    assert any(w.severity == "contraindicated" and "phenelzine" in w.message for w in r.warnings)


def test_a_cross_taper_between_two_ssris_warns_about_the_serotonergic_overlap(catalogue):
    sc = {"name": "x", "steps": [{"drug": "sertraline", "dose_mg": 100, "days": 14},
                                 {"drug": "escitalopram", "dose_mg": 10, "days": 14}], "switch_strategy": "cross-taper"}
    r = simulate_pk(sc, np.arange(0, 28 * 24.0), catalogue=catalogue)
    assert any("Serotonergic combination" in w.message for w in r.warnings)
