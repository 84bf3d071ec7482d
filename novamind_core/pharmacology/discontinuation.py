"""Discontinuation-symptom risk when an antidepressant is stopped, per drug, with the PK that explains it.

Incidence (Henssler et al. 2024, Lancet Psychiatry 11:526, doi:10.1016/S2215-0366(24)00133-0; 79 studies, 21,002
patients): at least one discontinuation symptom in 31% (95% CI 27-35%) after stopping an antidepressant versus 17%
(14-21%) after stopping placebo, so about 15% are attributable to the drug; severe symptoms in 2.8% (1.4-4.7%) versus
0.6% after placebo. Incidence was higher after desvenlafaxine, venlafaxine and escitalopram (and imipramine, not in
the catalogue), and paroxetine is the SSRI with the most frequent and severe symptoms in comparative studies; it
was lower after fluoxetine, whose long-lived metabolite tapers itself (Rosenbaum et al. 1998, Biol Psychiatry 44:77).

The paper pools incidences; it gives no per-drug figure this module could apply to one patient, so a drug is
placed *higher*, *typical* or *lower* than the pooled rate with the reason, never given an invented number. The PK
explains the ranking: how fast the drug's SERT occupancy falls in the first days after an abrupt stop
(:func:`sert_occupancy_after_stop_percent`, from the catalogue; a fast fall means a steep withdrawal).
Decision support for research and demonstration; not a medical device.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from novamind_core.pharmacology.catalogue import Catalogue, Drug, load_catalogue
from novamind_core.pharmacology.occupancy import combined_occupancy_percent
from novamind_core.pharmacology.pgx import exposure_multiplier
from novamind_core.pharmacology.taper import steady_state_levels_ng_ml

HENSSLER_SOURCE = ("Henssler et al. 2024, Lancet Psychiatry 11:526, doi:10.1016/S2215-0366(24)00133-0 "
                   "(systematic review and meta-analysis, 79 studies, 21,002 patients)")
ANY_SYMPTOMS_PERCENT = (31.0, 27.0, 35.0)
"""Incidence of at least one discontinuation symptom after stopping an antidepressant: estimate, 95% CI (%)."""
ANY_SYMPTOMS_PLACEBO_PERCENT = (17.0, 14.0, 21.0)
SEVERE_PERCENT = (2.8, 1.4, 4.7)
SEVERE_PLACEBO_PERCENT = 0.6
OBSERVED_DAYS_AFTER_STOP = 3.0
"""The window in which the SERT-occupancy fall is reported (discontinuation symptoms usually begin within a few
days of stopping; Henssler et al. 2024)."""

_HIGHER = "higher"
_LOWER = "lower"
_TYPICAL = "typical"
_ROSENBAUM = "Rosenbaum et al. 1998, Biol Psychiatry 44:77"
RELATIVE_RISK: dict[str, tuple[str, str, str]] = {
    "desvenlafaxine": (_HIGHER, "among the highest incidences in the meta-analysis", HENSSLER_SOURCE),
    "venlafaxine": (_HIGHER, "among the highest incidences in the meta-analysis", HENSSLER_SOURCE),
    "escitalopram": (_HIGHER, "higher incidence than the pooled rate", HENSSLER_SOURCE),
    "paroxetine": (_HIGHER, "more frequent and severe symptoms than other SSRIs after interruption",
                   f"{HENSSLER_SOURCE}; {_ROSENBAUM}"),
    "fluoxetine": (_LOWER, "fewest symptoms after a 5-8 day interruption: norfluoxetine's long half-life tapers "
                           "the drug by itself", f"{HENSSLER_SOURCE}; {_ROSENBAUM}"),
}
"""Drug -> (standing against the pooled rate, reason, source)."""


@dataclass(frozen=True)
class DiscontinuationRisk:
    """What stopping ``drug`` abruptly is expected to bring, with the pooled incidences and this drug's standing."""

    drug: str
    dose_mg: float
    any_symptoms_percent: tuple[float, float, float]
    any_symptoms_placebo_percent: tuple[float, float, float]
    severe_percent: tuple[float, float, float]
    severe_placebo_percent: float
    relative_to_pooled: str
    reason: str
    sert_occupancy_at_stop_percent: float | None
    sert_occupancy_after_3_days_percent: float | None
    source: str

    @property
    def attributable_percent(self) -> float:
        """Percentage points above placebo (the nocebo-corrected incidence, about 15%)."""
        return self.any_symptoms_percent[0] - self.any_symptoms_placebo_percent[0]

    def summary(self) -> str:
        """One sentence for the page."""
        lo, mid, hi = self.any_symptoms_percent[1], self.any_symptoms_percent[0], self.any_symptoms_percent[2]
        text = (f"Stopping an antidepressant: discontinuation symptoms in about {mid:g}% ({lo:g}-{hi:g}%) versus "
                f"{self.any_symptoms_placebo_percent[0]:g}% after placebo; severe in {self.severe_percent[0]:g}%. ")
        standing = {_HIGHER: "above", _LOWER: "below", _TYPICAL: "about"}[self.relative_to_pooled]
        text += f"{self.drug.capitalize()}: {standing} the pooled rate ({self.reason})."
        if self.sert_occupancy_at_stop_percent is not None and self.sert_occupancy_after_3_days_percent is not None:
            text += (f" Stopped abruptly from {self.dose_mg:g} mg, SERT occupancy falls from "
                     f"{self.sert_occupancy_at_stop_percent:.0f}% to {self.sert_occupancy_after_3_days_percent:.0f}% "
                     f"within {OBSERVED_DAYS_AFTER_STOP:g} days (model).")
        return text


def sert_occupancy_after_stop_percent(drug: str | Drug, dose_mg: float, days_after_last_dose: np.ndarray,
                                      interval_h: float = 24.0, multiplier: float = 1.0,
                                      catalogue: Catalogue | None = None) -> np.ndarray:
    """SERT occupancy (%) at each time after the last dose of a steady-state regimen (parent + active metabolites)."""
    cat = catalogue or load_catalogue()
    d = drug if isinstance(drug, Drug) else cat.get(drug)
    hours = 24.0 * np.asarray(days_after_last_dose, dtype=float)
    levels = steady_state_levels_ng_ml(d, [dose_mg], hours, interval_h, multiplier, cat)
    return combined_occupancy_percent(levels, [d])["SERT"][0]


def discontinuation_risk(drug: str, dose_mg: float | None = None, cyp2d6: str | None = "NM",
                         cyp2c19: str | None = "NM", catalogue: Catalogue | None = None) -> DiscontinuationRisk:
    """Discontinuation-symptom risk for stopping ``drug`` (from ``dose_mg``/day; the usual minimum when not given).

    Examples
    --------
    >>> discontinuation_risk("paroxetine").relative_to_pooled
    'higher'
    """
    cat = catalogue or load_catalogue()
    d = cat.get(drug)
    standing, reason, source = RELATIVE_RISK.get(
        d.name, (_TYPICAL, "no drug-specific difference reported in the meta-analysis", HENSSLER_SOURCE))
    dose = float(dose_mg if dose_mg is not None else (d.dose.usual_min_mg_per_day if d.dose else 0.0))
    at_stop = after = None
    if "SERT" in d.targets and dose > 0 and d.dose is not None:
        mult = exposure_multiplier(d.name, cyp2d6, cyp2c19, (), cat)
        occ = sert_occupancy_after_stop_percent(d, dose, np.array([0.0, OBSERVED_DAYS_AFTER_STOP]),
                                                d.dose.interval_h, mult, cat)
        at_stop, after = round(float(occ[0]), 1), round(float(occ[1]), 1)
    return DiscontinuationRisk(d.name, dose, ANY_SYMPTOMS_PERCENT, ANY_SYMPTOMS_PLACEBO_PERCENT, SEVERE_PERCENT,
                               SEVERE_PLACEBO_PERCENT, standing, reason, at_stop, after, source)
