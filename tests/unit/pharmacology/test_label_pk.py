"""Label-true pharmacokinetics: each drug's terminal half-life *as simulated by the PK engine* falls inside its label's
stated range, and single-dose PET time courses (docs/science.md §16).

The half-life is estimated the way a PK study does it, from the simulated concentrations: the log-linear slope of the
terminal phase after one dose (``t1/2 = ln 2 / -slope``), so a wrong volume, clearance or metabolite rate anywhere in
the engine moves it, not only the catalogue number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from novamind_core.pharmacology import occupancy_percent
from novamind_core.pharmacology.pk import simulate_drug
from novamind_core.pharmacology.summary import steady_state_summary

# moiety: (drug, dose_mg, label low h, label high h, source)
LABEL_HALF_LIFE_H = {
    "escitalopram": ("escitalopram", 10, 27, 32, "Lexapro label 12.3: mean terminal half-life about 27-32 h"),
    "citalopram": ("citalopram", 20, 31.5, 38.5, "Celexa label 12.3: elimination half-life about 35 h (+/-10%)"),
    "sertraline": ("sertraline", 50, 23.4, 28.6, "Zoloft label 12.3: mean elimination half-life about 26 h (+/-10%)"),
    "paroxetine": ("paroxetine", 20, 18.9, 23.1, "Paxil label 12.3: mean elimination half-life about 21 h (+/-10%)"),
    "fluoxetine": ("fluoxetine", 20, 24, 144, "Prozac label 12.3: 1-3 days after acute, 4-6 days after chronic use"),
    "norfluoxetine": ("fluoxetine", 20, 96, 384, "Prozac label 12.3: norfluoxetine 4-16 days"),
    "venlafaxine": ("venlafaxine", 75, 3, 7, "Effexor XR label 12.3: venlafaxine 5 +/- 2 h"),
    "O-desmethylvenlafaxine": ("venlafaxine", 75, 9, 13, "Effexor XR label 12.3: ODV 11 +/- 2 h"),
    "desvenlafaxine": ("desvenlafaxine", 50, 9.9, 12.1, "Pristiq label 12.3: terminal half-life about 11 h (+/-10%)"),
    "duloxetine": ("duloxetine", 60, 8, 17, "Cymbalta label 12.3: half-life about 12 h (range 8-17 h)"),
    "bupropion": ("bupropion", 150, 12, 30, "Wellbutrin XL label 12.3: bupropion 21 +/- 9 h"),
    "hydroxybupropion": ("bupropion", 150, 15, 25, "Wellbutrin XL label 12.3: hydroxybupropion 20 +/- 5 h"),
    "mirtazapine": ("mirtazapine", 15, 20, 40, "Remeron label 12.3: elimination half-life 20-40 h"),
    "vortioxetine": ("vortioxetine", 10, 59.4, 72.6,
                     "Trintellix label 12.3: mean terminal half-life about 66 h (+/-10%)"),
}


def simulated_terminal_half_life_h(drug: str, moiety: str, dose_mg: float, catalogue, label_high_h: float) -> float:
    """Half-life from the log-linear slope of the simulated curve over two label half-lives, late after one dose."""
    start = 8.0 * label_high_h / 2 + 24.0  # far past absorption and distribution
    t = np.linspace(start, start + 2.0 * label_high_h, 41)
    conc = simulate_drug(drug, np.array([0.0]), np.array([float(dose_mg)]), t, catalogue=catalogue)[moiety][0]
    slope = np.polyfit(t, np.log(conc), 1)[0]
    return math.log(2.0) / -slope


@pytest.mark.parametrize("moiety", sorted(LABEL_HALF_LIFE_H))
def test_each_simulated_terminal_half_life_falls_inside_its_label_range(catalogue, moiety):
    drug, dose, low, high, source = LABEL_HALF_LIFE_H[moiety]
    t_half = simulated_terminal_half_life_h(drug, moiety, dose, catalogue, high)
    assert low <= t_half <= high, f"{moiety}: simulated {t_half:.1f} h, label {low}-{high} h ({source})"


def test_every_catalogue_drug_and_active_metabolite_has_a_label_half_life_check(catalogue):
    moieties = {d.name for d in catalogue.drugs.values() if not d.is_placebo}
    moieties |= {m.name for d in catalogue.drugs.values() for m in d.metabolites}
    assert moieties == set(LABEL_HALF_LIFE_H)


def test_paroxetine_accumulates_more_than_dose_proportionally_paxil_label(catalogue):
    """Paxil label 12.3: saturable CYP2D6 makes steady-state levels rise more than in proportion to dose."""
    low = steady_state_summary("paroxetine", 20, catalogue=catalogue).cmin_ng_ml
    high = steady_state_summary("paroxetine", 40, catalogue=catalogue).cmin_ng_ml
    assert high / low > 2.2


def test_paroxetine_steady_state_at_30_mg_matches_the_paxil_label(catalogue):
    """Paxil label 12.3: steady-state Cmax 61.7 ng/mL and Cmin 30.7 ng/mL at 30 mg/day (within 25%)."""
    ss = steady_state_summary("paroxetine", 30, catalogue=catalogue)
    assert ss.cmax_ng_ml == pytest.approx(61.7, rel=0.25)
    assert ss.cmin_ng_ml == pytest.approx(30.7, rel=0.25)


PET_SINGLE_DOSE = [("escitalopram", 10), ("sertraline", 50)]
PET_SOURCE = ("Arakawa et al. 2016, Psychiatry Res Neuroimaging 251:1 ([11C]DASB PET after one dose: 69.1-77.9% SERT "
              "occupancy at 4 h, 52.8-57.8% at 48 h for escitalopram 10/20 mg and sertraline 50 mg)")


def _single_dose_sert_percent(drug: str, dose_mg: float, catalogue, times_h) -> np.ndarray:
    t = np.asarray(times_h, dtype=float)
    conc = simulate_drug(drug, np.array([0.0]), np.array([float(dose_mg)]), t, catalogue=catalogue)
    return occupancy_percent(drug, conc, catalogue)["SERT"][0]


@pytest.mark.parametrize("drug, dose_mg", PET_SINGLE_DOSE)
def test_single_dose_sert_occupancy_at_4_h_is_near_the_pet_value(catalogue, drug, dose_mg):
    """Arakawa et al. 2016: 69.1-77.9% at 4 h."""
    occ_4h = _single_dose_sert_percent(drug, dose_mg, catalogue, [4.0])[0]
    assert 69.0 <= occ_4h <= 78.0, PET_SOURCE


@pytest.mark.parametrize("drug, dose_mg", PET_SINGLE_DOSE)
def test_single_dose_sert_occupancy_falls_from_4_h_to_48_h_but_stays_substantial(catalogue, drug, dose_mg):
    occ = _single_dose_sert_percent(drug, dose_mg, catalogue, [4.0, 24.0, 48.0])
    assert occ[0] > occ[1] > occ[2] >= 40.0, PET_SOURCE


@pytest.mark.parametrize("drug, dose_mg", PET_SINGLE_DOSE)
def test_single_dose_sert_occupancy_at_48_h_is_within_the_pet_range(catalogue, drug, dose_mg):
    """Arakawa et al. 2016: 52.8-57.8% at 48 h. Reproduced because SERT occupancy plateaus below full saturation
    (Omax 90%, catalogue): with Omax 100% and the same steady-state 80% the 48 h value was ~43%."""
    occ_48h = _single_dose_sert_percent(drug, dose_mg, catalogue, [48.0])[0]
    assert 50.0 <= occ_48h <= 60.0, PET_SOURCE


def test_duloxetine_single_dose_sert_time_course_follows_takano_2006(catalogue):
    """Takano et al. 2006, Psychopharmacology 185:395 ([11C]DASB PET, one 60 mg dose): 81.8% at 6 h, 71.9% at 25 h,
    44.9% at 53 h. Not used to choose Omax 90% (an out-of-sample check): with Omax 100% the model gave 81/62/25%."""
    occ = _single_dose_sert_percent("duloxetine", 60, catalogue, [6.0, 25.0, 53.0])
    assert occ[0] == pytest.approx(81.8, abs=5)
    assert occ[1] == pytest.approx(71.9, abs=5)
    assert 30.0 <= occ[2] < occ[1]  # known gap: ~36% against 44.9% (brain wash-out slower than plasma at 53 h)


def test_escitalopram_occupancy_after_the_last_of_ten_daily_doses_follows_klein_2007(catalogue):
    """Klein et al. 2007, Psychopharmacology 191:333 ([123I]ADAM SPECT, 10 mg/day for 10 days): 81.5 +/- 5.4% at 6 h
    and 63.3 +/- 12.1% at 54 h after the last dose; occupancy falls far more slowly than plasma levels."""
    t = np.array([9 * 24 + 6.0, 9 * 24 + 54.0])
    conc = simulate_drug("escitalopram", np.arange(10) * 24.0, np.full(10, 10.0), t, catalogue=catalogue)
    occ = occupancy_percent("escitalopram", conc, catalogue)["SERT"][0]
    assert occ[0] == pytest.approx(81.5, abs=5.4)
    assert occ[1] == pytest.approx(63.3, abs=6.0)
    plasma = conc["escitalopram"][0]
    assert 1 - occ[1] / occ[0] < 0.5 * (1 - plasma[1] / plasma[0])
