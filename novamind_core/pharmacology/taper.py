"""Hyperbolic tapering: dose steps of equal SERT-occupancy reduction, from the drug's own occupancy curve.

Occupancy is a hyperbolic function of dose (``Omax D / (ED50 + D)`` for one ligand; parent and active metabolites
combine competitively, docs/science.md §4), so equal falls in occupancy need ever smaller falls in dose: the last
steps are small fractions of the lowest tablet (Horowitz & Taylor 2019, Lancet Psychiatry 6:538,
doi:10.1016/S2215-0366(19)30032-X). The plan here:

1. the steady-state SERT occupancy (mean over a dosing interval, typical patient, PGx multiplier applied) is computed
   for a grid of doses at once (:func:`sert_occupancy_at_steady_state_percent`, vectorised over doses and time);
2. the starting occupancy ``O0`` and the targets ``O0 - p, O0 - 2p, ...`` (``p = O0 / n <= P`` points per step) are
   inverted to doses on that monotone curve (log-dose interpolation; tests check it against a root finder);
3. the fall from ``O0`` to zero is split into ``n = ceil(O0 / P)`` equal steps (each at most ``P`` points), the last
   of them the stop.

Step length is the clinician's choice (``weeks_per_step``; symptoms decide whether to hold or slow down). Which
formulation makes each small dose possible (liquid, tablet split) comes from ``formulations.py``.
Decision support for research and demonstration; not a medical device.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology.catalogue import Catalogue, Drug, load_catalogue
from novamind_core.pharmacology.formulations import formulation, how_to_give
from novamind_core.pharmacology.occupancy import combined_occupancy_percent
from novamind_core.pharmacology.pgx import exposure_multiplier
from novamind_core.pharmacology.pk import effective_amounts, typical_modes

TAPER_SOURCE = ("Horowitz & Taylor 2019, Lancet Psychiatry 6:538, doi:10.1016/S2215-0366(19)30032-X (hyperbolic "
                "tapering: equal reductions of SERT occupancy); occupancy curve from the drug catalogue")
METHOD = "equal SERT-occupancy steps on the drug's steady-state occupancy curve (hyperbolic dose reductions)"
DEFAULT_STEP_OCCUPANCY_POINTS = 10.0
"""Percentage points of SERT occupancy per step by default; smaller steps for a patient who struggles."""
DEFAULT_WEEKS_PER_STEP = 4.0
"""Default step length (weeks); the clinician chooses (Horowitz & Taylor 2019 advise 2-4 weeks or longer per step,
guided by symptoms; NICE NG222 2022, 1.9: taper in steps, more slowly for some people)."""
MIN_STEP_OCCUPANCY_POINTS, MAX_STEP_OCCUPANCY_POINTS = 1.0, 50.0
MAX_WEEKS_PER_STEP = 26.0
_GRID = 2001


@dataclass(frozen=True)
class TaperStep:
    """One step: from ``week`` take ``dose_mg`` daily (0 = stopped); the steady-state SERT occupancy it gives."""

    week: float
    dose_mg: float
    sert_occupancy_percent: float
    how_to_give: str


@dataclass(frozen=True)
class TaperPlan:
    """A hyperbolic taper plan; ``steps`` end with the stop (dose 0)."""

    drug: str
    from_mg: float
    step_occupancy_points: float
    actual_step_occupancy_points: float
    weeks_per_step: float
    steps: tuple[TaperStep, ...]
    method: str
    source: str
    formulation_source: str

    @property
    def total_weeks(self) -> float:
        return self.steps[-1].week if self.steps else 0.0

    def to_dict(self) -> dict[str, object]:
        """The ``taper --json`` document (keys are a contract)."""
        return {
            "drug": self.drug, "from_mg": self.from_mg, "step_occupancy_points": self.step_occupancy_points,
            "actual_step_occupancy_points": self.actual_step_occupancy_points,
            "weeks_per_step": self.weeks_per_step, "total_weeks": self.total_weeks,
            "steps": [{"week": s.week, "dose_mg": s.dose_mg, "sert_occupancy_percent": s.sert_occupancy_percent,
                       "how_to_give": s.how_to_give} for s in self.steps],
            "method": self.method, "source": self.source, "formulation_source": self.formulation_source,
        }


def _drug(drug: str | Drug, cat: Catalogue) -> Drug:
    return drug if isinstance(drug, Drug) else cat.get(drug)


def steady_state_levels_ng_ml(drug: str | Drug, doses_mg: Iterable[float] | np.ndarray, hours_since_dose: np.ndarray,
                              interval_h: float = 24.0, multiplier: float = 1.0,
                              catalogue: Catalogue | None = None) -> dict[str, np.ndarray]:
    """Parent and metabolite levels (ng/mL), shape (n_doses, n_times), at steady state on ``dose`` every ``interval_h``.

    ``C(s) = D_eff sum_i c_i exp(lambda_i s) / (1 - exp(lambda_i tau))`` for ``s`` hours after a dose: within the
    interval (``0 <= s < tau``) this is the steady-state profile, and for ``s >= tau`` with no further dose it is the
    washout after stopping (the same sum over all past doses). ``D_eff`` carries paroxetine-type non-linearity.
    """
    cat = catalogue or load_catalogue()
    d = _drug(drug, cat)
    if d.is_placebo:
        raise ValidationError("placebo has no drug levels", field="drug", value=d.name)
    modes, pp = typical_modes(d, multiplier)
    doses = np.asarray(list(doses_mg) if not isinstance(doses_mg, np.ndarray) else doses_mg, dtype=float).ravel()
    d_eff = effective_amounts(pp, doses[None, :])[0]  # (N,)
    s = np.asarray(hours_since_dose, dtype=float).ravel()
    rates = modes.rates_per_h[0]
    basis = np.exp(rates[:, None] * s[None, :]) / (1.0 - np.exp(rates * interval_h))[:, None]  # (modes, T)
    out = {d.name: d_eff[:, None] * (modes.parent[0] @ basis)[None, :]}
    for j, m in enumerate(d.metabolites):
        out[m.name] = d_eff[:, None] * (modes.metabolites[0, j] @ basis)[None, :]
    return out


def sert_occupancy_at_steady_state_percent(drug: str | Drug, doses_mg: Iterable[float] | np.ndarray,
                                           interval_h: float = 24.0, multiplier: float = 1.0, n_grid: int = 49,
                                           catalogue: Catalogue | None = None) -> np.ndarray:
    """Mean SERT occupancy (%) over a steady-state dosing interval, one value per dose (vectorised over doses)."""
    cat = catalogue or load_catalogue()
    d = _drug(drug, cat)
    if "SERT" not in d.targets:
        raise ValidationError(
            f"{d.name} does not bind SERT in the catalogue, so a SERT-occupancy taper does not apply; SERT "
            f"inhibitors: {', '.join(sert_drugs(cat))}", field="drug", value=d.name)
    u = np.linspace(0.0, interval_h, n_grid)
    levels = steady_state_levels_ng_ml(d, doses_mg, u, interval_h, multiplier, cat)
    occ = combined_occupancy_percent(levels, [d])["SERT"]
    return np.trapezoid(occ, u, axis=1) / interval_h


def sert_drugs(catalogue: Catalogue | None = None) -> list[str]:
    """Catalogue drugs that bind SERT (the ones a SERT-occupancy taper applies to)."""
    cat = catalogue or load_catalogue()
    return sorted(n for n, d in cat.drugs.items() if "SERT" in d.targets)


def dose_for_sert_occupancy_mg(drug: str | Drug, occupancy_percent: Iterable[float] | np.ndarray, max_dose_mg: float,
                               interval_h: float = 24.0, multiplier: float = 1.0,
                               catalogue: Catalogue | None = None) -> np.ndarray:
    """Daily doses (mg) giving each target steady-state SERT occupancy, by interpolation on a log-dose grid.

    Targets at or below 0 give 0 mg; a target above the occupancy of ``max_dose_mg`` is refused.
    """
    target = np.asarray(list(occupancy_percent) if not isinstance(occupancy_percent, np.ndarray)
                        else occupancy_percent, dtype=float)
    grid = np.geomspace(max_dose_mg * 1e-5, max_dose_mg, _GRID)
    occ = sert_occupancy_at_steady_state_percent(drug, grid, interval_h, multiplier, catalogue=catalogue)
    if np.any(target > occ[-1] + 1e-9):
        raise ValidationError(f"an occupancy of {float(target.max()):.1f}% needs more than {max_dose_mg:g} mg",
                              field="occupancy_percent")
    log_dose = np.interp(target, occ, np.log(grid))
    return np.where(target <= max(occ[0], 0.0), 0.0, np.exp(log_dose))


def _check(from_mg: float, points: float, weeks: float) -> None:
    if not math.isfinite(from_mg) or from_mg <= 0:
        raise ValidationError(f"--from-mg must be a dose above 0 mg, got {from_mg:g}", field="from_mg", value=from_mg)
    if not math.isfinite(points) or not MIN_STEP_OCCUPANCY_POINTS <= points <= MAX_STEP_OCCUPANCY_POINTS:
        raise ValidationError(f"--step-occupancy-points must be {MIN_STEP_OCCUPANCY_POINTS:g}-"
                              f"{MAX_STEP_OCCUPANCY_POINTS:g} percentage points, got {points:g}",
                              field="step_occupancy_points", value=points)
    if not math.isfinite(weeks) or not 0 < weeks <= MAX_WEEKS_PER_STEP:
        raise ValidationError(f"--weeks-per-step must be above 0 and at most {MAX_WEEKS_PER_STEP:g}, got {weeks:g}",
                              field="weeks_per_step", value=weeks)


def hyperbolic_taper(drug: str | Drug, from_mg: float, step_occupancy_points: float = DEFAULT_STEP_OCCUPANCY_POINTS,
                     weeks_per_step: float = DEFAULT_WEEKS_PER_STEP, interval_h: float = 24.0,
                     cyp2d6: str | None = "NM", cyp2c19: str | None = "NM",
                     catalogue: Catalogue | None = None) -> TaperPlan:
    """A taper from ``from_mg``/day in equal steps of at most ``step_occupancy_points`` SERT-occupancy points.

    Examples
    --------
    >>> plan = hyperbolic_taper("sertraline", 100)
    >>> plan.steps[0].dose_mg, plan.steps[-1].dose_mg
    (100.0, 0.0)
    """
    cat = catalogue or load_catalogue()
    d = _drug(drug, cat)
    _check(float(from_mg), float(step_occupancy_points), float(weeks_per_step))
    if d.dose is not None and from_mg > 4 * d.dose.usual_max_mg_per_day:
        raise ValidationError(f"--from-mg {from_mg:g} is more than four times {d.name}'s usual maximum "
                              f"({d.dose.usual_max_mg_per_day:g} mg/day)", field="from_mg", value=from_mg)
    mult = exposure_multiplier(d.name, cyp2d6, cyp2c19, (), cat)
    start = float(sert_occupancy_at_steady_state_percent(d, [from_mg], interval_h, mult, catalogue=cat)[0])
    n_steps = max(1, math.ceil(round(start / step_occupancy_points, 6)))  # equal steps, each at most P points
    actual_step = start / n_steps
    targets = start - actual_step * np.arange(1, n_steps)
    doses = dose_for_sert_occupancy_mg(d, targets, from_mg, interval_h, mult, cat)
    doses = np.concatenate([[from_mg], doses, [0.0]])
    occ = np.concatenate([[start], targets, [0.0]])
    steps = tuple(TaperStep(week=round(i * weeks_per_step, 2), dose_mg=round(float(mg), 2 if mg >= 1 else 3),
                            sert_occupancy_percent=round(float(o), 1), how_to_give=how_to_give(d.name, float(mg)))
                  for i, (mg, o) in enumerate(zip(doses, occ, strict=True)))
    return TaperPlan(d.name, float(from_mg), float(step_occupancy_points), round(actual_step, 2),
                     float(weeks_per_step), steps, METHOD, TAPER_SOURCE, formulation(d.name).source)
