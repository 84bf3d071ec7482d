"""Occupancy time courses against human PET/SPECT data: the figures the calibration report prints.

Each row is one published mean occupancy at one time after a dose (or after the last of several daily doses) and the
occupancy the PK engine and the catalogue's hyperbolic model give the typical patient at the same time. The unit tests
(``tests/unit/pharmacology/test_label_pk.py``, ``test_occupancy.py``) assert the tolerances; this module only computes
the table. SERT plateaus below full saturation (Omax 90% for SSRIs/SNRIs, catalogue), which is what lets one EC50 give
~80% at steady state (Meyer et al. 2004) and the single-dose time courses below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from novamind_core.pharmacology.catalogue import Catalogue, load_catalogue
from novamind_core.pharmacology.occupancy import occupancy_percent
from novamind_core.pharmacology.pk import simulate_drug
from novamind_core.pharmacology.summary import steady_state_summary

ARAKAWA_2016 = "Arakawa et al. 2016, Psychiatry Res Neuroimaging 251:1 ([11C]DASB PET, one dose)"
TAKANO_2006 = "Takano et al. 2006, Psychopharmacology 185:395 ([11C]DASB PET, one 60 mg dose)"
KLEIN_2007 = "Klein et al. 2007, Psychopharmacology 191:333 ([123I]ADAM SPECT, after 10 days of 10 mg/day)"
MEYER_2004 = "Meyer et al. 2004, Am J Psychiatry 161:826 ([11C]DASB PET, steady state, minimum therapeutic dose)"

# (source, drug, dose mg, number of daily doses, hours after the last dose, observed %, what the observation is)
PET_TIME_COURSES: tuple[tuple[str, str, float, int, float, float, str], ...] = (
    (ARAKAWA_2016, "escitalopram", 10, 1, 4.0, 73.5, "69.1-77.9%, range of group means"),
    (ARAKAWA_2016, "escitalopram", 10, 1, 48.0, 55.3, "52.8-57.8%"),
    (ARAKAWA_2016, "sertraline", 50, 1, 4.0, 73.5, "69.1-77.9%"),
    (ARAKAWA_2016, "sertraline", 50, 1, 48.0, 55.3, "52.8-57.8%"),
    (ARAKAWA_2016, "paroxetine", 20, 1, 4.0, 44.6, "mean; known gap, see below"),
    (ARAKAWA_2016, "paroxetine", 20, 1, 48.0, 10.3, "mean; known gap"),
    (TAKANO_2006, "duloxetine", 60, 1, 6.0, 81.8, "mean"),
    (TAKANO_2006, "duloxetine", 60, 1, 25.0, 71.9, "mean"),
    (TAKANO_2006, "duloxetine", 60, 1, 53.0, 44.9, "mean"),
    (KLEIN_2007, "escitalopram", 10, 10, 6.0, 81.5, "81.5 +/- 5.4%"),
    (KLEIN_2007, "escitalopram", 10, 10, 54.0, 63.3, "63.3 +/- 12.1%"),
)
STEADY_STATE_80 = {"citalopram": 20, "escitalopram": 10, "fluoxetine": 20, "paroxetine": 20, "sertraline": 50,
                   "venlafaxine": 75}


@dataclass(frozen=True)
class OccupancyCheck:
    source: str
    drug: str
    dose_mg: float
    doses: int
    hours_after_last_dose: float | None
    observed_percent: float
    observed_note: str
    simulated_percent: float


def sert_percent_after_doses(drug: str, dose_mg: float, n_doses: int, hours_after_last: float,
                             catalogue: Catalogue | None = None) -> float:
    """SERT occupancy (%) of the typical patient ``hours_after_last`` h after the last of ``n_doses`` daily doses."""
    cat = catalogue or load_catalogue()
    t_last = 24.0 * (n_doses - 1)
    conc = simulate_drug(drug, np.arange(n_doses) * 24.0, np.full(n_doses, float(dose_mg)),
                         np.array([t_last + hours_after_last]), catalogue=cat)
    return float(occupancy_percent(drug, conc, cat)["SERT"][0, 0])


def occupancy_checks(catalogue: Catalogue | None = None) -> list[OccupancyCheck]:
    """Simulated against published SERT occupancy: the PET time courses, then Meyer's steady-state 80%."""
    cat = catalogue or load_catalogue()
    rows = [OccupancyCheck(src, drug, dose, n, h, obs, note, sert_percent_after_doses(drug, dose, n, h, cat))
            for src, drug, dose, n, h, obs, note in PET_TIME_COURSES]
    for drug, dose in STEADY_STATE_80.items():
        occ = steady_state_summary(drug, dose, 24, catalogue=cat).steady_state_occupancy_percent["SERT"]
        rows.append(OccupancyCheck(MEYER_2004, drug, dose, 0, None, 80.0, "76-85% (mean over a dosing interval)", occ))
    return rows


__all__ = ["OccupancyCheck", "PET_TIME_COURSES", "occupancy_checks", "sert_percent_after_doses"]
