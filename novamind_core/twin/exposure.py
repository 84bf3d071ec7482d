"""Bridge from the pharmacology engine to the twin: daily occupancy and the drug-efficacy mix.

The twin runs on a daily grid. :func:`exposure_from_scenario` asks :func:`novamind_core.pharmacology.simulate_pk`
for concentrations and occupancies every ``PK_STEP_H`` hours for a batch of ``n_pk`` virtual PK patients and
averages them per day. Drugs on board are mixed into one efficacy scale

    eff(t) = sum_d w_d(t) E_d / sum_d w_d(t),   w_d(t) = c_d(t) / max_t c_d(t)   (per PK patient)

so that after a switch the new drug's fitted efficacy takes over as the old one washes out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from novamind_core.domain.targets import TARGETS
from novamind_core.twin.params import PopulationParams
from novamind_core.twin.types import DoseGuidanceNote, ScenarioWarning

if TYPE_CHECKING:  # the pharmacology engine is imported when first used (it loads scipy.optimize)
    from novamind_core.pharmacology.pgx import DoseGuidance
    from novamind_core.pharmacology.regimen import Scenario as RegimenScenario
    from novamind_core.pharmacology.simulate import PKResult

PK_STEP_H = 3.0  # sampling step for the PK engine; occupancy is averaged per day (8 samples)
#: PK patients behind every plasma level and occupancy the twin pages show (twin state, timelines, simulation): one
#: batch size and one seed, so that the same regimen gives the same number on every page.
N_PK_LEVELS = 40
LEVELS_SEED = 0


@dataclass(frozen=True)
class Exposure:
    """Daily exposure for ``n_pk`` PK patients: occupancy fractions per target and efficacy scale, (n_pk, n_days)."""

    n_days: int
    occupancy_fraction: dict[str, np.ndarray]
    efficacy_scale: np.ndarray
    drugs: tuple[str, ...] = ()
    pk: PKResult | None = None
    times_h: np.ndarray | None = None
    warnings: tuple[ScenarioWarning, ...] = ()
    dose_guidance: tuple[DoseGuidanceNote, ...] = ()

    @property
    def n_pk(self) -> int:
        return int(self.efficacy_scale.shape[0])


def no_drug_exposure(n_days: int, n_pk: int = 1) -> Exposure:
    """All occupancies zero (placebo / drug-free course)."""
    zeros = np.zeros((n_pk, n_days))
    return Exposure(n_days, {t: zeros for t in TARGETS}, np.ones((n_pk, n_days)))


def daily_mean(x: np.ndarray, n_days: int) -> np.ndarray:
    """Mean per day of samples taken every ``PK_STEP_H`` hours from t=0: (P, n_days*k) -> (P, n_days)."""
    k = int(round(24.0 / PK_STEP_H))
    x = np.asarray(x, dtype=float)
    return x[:, : n_days * k].reshape(x.shape[0], n_days, k).mean(axis=-1)


def efficacy_mix(concentrations: dict[str, np.ndarray], params: PopulationParams) -> np.ndarray | None:
    """Efficacy scale (P, T) from daily concentrations of the catalogue drugs with a fitted efficacy."""
    num = den = None
    for name, c in concentrations.items():
        if name not in params.drug_efficacy:
            continue  # metabolites and the active moiety follow their parent's weight
        c = np.asarray(c, dtype=float)
        w = c / np.maximum(c.max(axis=-1, keepdims=True), 1e-12)
        num = w * params.efficacy(name) if num is None else num + w * params.efficacy(name)
        den = w if den is None else den + w
    if num is None:
        return None
    mean_eff = params.efficacy("__mean__")
    return np.where(den > 1e-9, num / np.maximum(den, 1e-12), mean_eff)


def scenario_drugs(regimen: Mapping[str, Any] | RegimenScenario) -> tuple[str, ...]:
    """Names of the drugs in a regimen's steps, in order of first use (``none`` and placebo excluded)."""
    if isinstance(regimen, Mapping):
        names = [str(s.get("drug", "none")).lower() if isinstance(s, Mapping) else "none"
                 for s in regimen.get("steps", []) or []]
    else:
        names = [s.drug for s in regimen.steps]
    out: list[str] = []
    for d in names:
        if d not in ("none", "placebo") and d not in out:
            out.append(d)
    return tuple(out)


def exposure_from_scenario(regimen: Mapping[str, Any] | RegimenScenario, n_days: int, params: PopulationParams,
                           n_pk: int = 100, seed: int = 0) -> Exposure:
    """Run the pharmacology engine on a regimen (parsed, or in its JSON format) over ``n_days`` days for ``n_pk``
    PK patients."""
    from novamind_core import pharmacology as ph

    drugs = scenario_drugs(regimen)
    if not drugs:
        return no_drug_exposure(n_days, 1)
    parsed = ph.parse_scenario(regimen) if isinstance(regimen, Mapping) else regimen
    times_h = np.arange(0.0, n_days * 24.0, PK_STEP_H)
    pk = ph.simulate_pk(parsed, times_h, n_patients=n_pk, seed=seed, cyp2d6=parsed.cyp2d6, cyp2c19=parsed.cyp2c19)
    occ = {t: daily_mean(np.asarray(v, float) / 100.0, n_days) for t, v in pk.occupancy_percent.items()}
    conc = {d: daily_mean(v, n_days) for d, v in pk.concentration_ng_ml.items()}
    eff = efficacy_mix(conc, params)
    if eff is None:
        eff = np.full((n_pk, n_days), params.efficacy("__mean__"))
    warnings = tuple(ScenarioWarning(w.severity, w.message, w.source) for w in pk.warnings)
    guidance = tuple(_guidance(ph.dose_guidance, parsed, d) for d in drugs)
    return Exposure(n_days, occ, eff, drugs=drugs, pk=pk, times_h=times_h, warnings=warnings, dose_guidance=guidance)


def regimen_exposure(regimen: Mapping[str, Any] | RegimenScenario, n_days: int, params: PopulationParams) -> Exposure:
    """The one PK run behind every level and occupancy a page shows for a patient's regimen.

    The twin state, the timelines and the simulation all call this with the patient's actual regimen history (and,
    for a plan, the plan after it), so the same day of the same regimen reads the same number everywhere:
    :data:`N_PK_LEVELS` virtual PK patients drawn with :data:`LEVELS_SEED` (between-subject variability draws are
    seeded per drug, so a plan appended after the history leaves the history's patients unchanged).
    """
    if not scenario_drugs(regimen):
        return no_drug_exposure(n_days, 1)
    return exposure_from_scenario(regimen, n_days, params, n_pk=N_PK_LEVELS, seed=LEVELS_SEED)


@dataclass(frozen=True)
class LevelsOnDay:
    """Plasma levels and target occupancy on one day: medians across the PK patients of the day's mean.

    ``plasma_ng_ml`` is keyed by analyte as the engine names it (the drug, its metabolites, its active moiety);
    ``occupancy_percent`` by target (only targets with any occupancy). Rounded to 2 decimals, as the pages show them.
    """

    day: int
    plasma_ng_ml: dict[str, float]
    occupancy_percent: dict[str, float]


def daily_levels(exposure: Exposure) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per day: the median across PK patients of the day's mean plasma level (ng/mL, per analyte) and occupancy
    (%, per target with any occupancy), rounded to 2 decimals: the one reading behind every page's figures."""
    plasma: dict[str, np.ndarray] = {}
    if exposure.pk is not None:
        for name, c in exposure.pk.concentration_ng_ml.items():
            plasma[name] = np.round(np.median(daily_mean(c, exposure.n_days), axis=0), 2)
    occupancy = {t: np.round(np.median(np.asarray(o, dtype=float) * 100.0, axis=0), 2)
                 for t, o in exposure.occupancy_fraction.items() if np.any(np.asarray(o) > 0)}
    return plasma, occupancy


def levels_on_day(exposure: Exposure, day: int) -> LevelsOnDay:
    """The levels of ``exposure`` on day index ``day`` (:func:`daily_levels`; targets with occupancy that day)."""
    plasma, occupancy = daily_levels(exposure)
    return LevelsOnDay(int(day), {k: float(v[day]) for k, v in plasma.items()},
                       {k: float(v[day]) for k, v in occupancy.items() if v[day] > 0})


#: The label every page puts on a trough computed by :func:`troughs_on_day` (one number, one wording, issue 18).
TROUGH_BASIS = "trough before the next dose, from the dosing history"


def troughs_on_day(exposure: Exposure, day: int) -> dict[str, float]:
    """The trough on day index ``day`` per analyte (ng/mL): the median across the PK patients of the day's lowest
    sampled level, which for regular dosing is the level just before a dose, from the patient's actual dosing history
    (:data:`TROUGH_BASIS`). Rounded to 2 decimals like :func:`daily_levels`; empty without a drug on board."""
    if exposure.pk is None:
        return {}
    k = int(round(24.0 / PK_STEP_H))
    out = {}
    for name, c in exposure.pk.concentration_ng_ml.items():
        day_samples = np.asarray(c, dtype=float)[:, day * k:(day + 1) * k]
        out[name] = float(np.round(np.median(day_samples.min(axis=1)), 2))
    return out


def hold_last_step(steps: list[dict[str, Any]], total_days: int) -> list[dict[str, Any]]:
    """Steps (step format) lengthened so that they cover ``total_days``: the last step holds to the end.

    A plan's steps fill its horizon, but a horizon of ``w`` weeks is reported on ``7 w + 1`` days (weeks 0 to ``w``);
    without this the last reported day has no dose and every plan would show its levels falling at the end as if
    the drug had stopped.
    """
    out = [dict(s) for s in steps]
    used = sum(float(s.get("days", 0)) for s in out)
    if out and total_days - used > 1e-9:
        out[-1]["days"] = float(out[-1].get("days", 0)) + (total_days - used)
    return out


def _guidance(dose_guidance: Callable[..., DoseGuidance], regimen: RegimenScenario, drug: str) -> DoseGuidanceNote:
    """Guideline dose advice for ``drug`` at its highest dose in the regimen (pharmacology engine, CPIC/DPWG)."""
    dose = max((s.dose_mg for s in regimen.steps if s.drug == drug), default=0.0)
    g = dose_guidance(drug, dose, cyp2d6=regimen.cyp2d6, cyp2c19=regimen.cyp2c19)
    return DoseGuidanceNote(drug, g.max_dose_mg_per_day, g.recommendation, g.source)
