"""Exposure summaries, exact at steady state from the exponential modes.

With the unit-dose response ``h(u) = sum_i c_i exp(lambda_i u)`` (lambda_i < 0) and dose ``D`` every ``tau`` hours:

* steady state within an interval: ``Css(u) = D sum_i c_i exp(lambda_i u) / (1 - exp(lambda_i tau))``;
* ``AUCtau,ss = D sum_i c_i / (-lambda_i)`` (equals AUC0-inf of one dose), first interval
  ``AUC0-tau = D sum_i c_i (1 - exp(lambda_i tau)) / (-lambda_i)``; accumulation ratio = their quotient, which is
  ``1 / (1 - exp(-k tau))`` for one-compartment elimination (docs/science.md §3);
* fraction of steady state reached at time T (interval-average sense): ``f(T) = int_0^T h / int_0^inf h``, so the
  time to 90% is ``ln 10 / k = 3.32 t1/2`` for a single elimination rate (Gibaldi & Perrier 1982, ch. 3);
* washout: hours after the last dose at steady state until the active moiety falls below 3% of its value at that
  last dose and stays below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from novamind_core.pharmacology.catalogue import Catalogue, Drug, load_catalogue
from novamind_core.pharmacology.occupancy import combined_occupancy_percent
from novamind_core.pharmacology.pgx import exposure_multiplier
from novamind_core.pharmacology.pk import effective_amounts, typical_modes


@dataclass(frozen=True)
class SteadyState:
    """Steady-state summary of one drug for the typical patient (concentrations in ng/mL, times in h)."""

    drug: str
    dose_mg: float
    interval_h: float
    cmax_ng_ml: float
    cmin_ng_ml: float
    auc_tau_ng_h_per_ml: float
    accumulation_ratio: float
    time_to_90pct_steady_state_h: float
    time_below_3pct_after_stop_h: float
    active_moiety: Mapping[str, float] | None
    steady_state_occupancy_percent: Mapping[str, float]
    u_h: np.ndarray
    curves_ng_ml: Mapping[str, np.ndarray]


def _ss_curve(rates: np.ndarray, coef: np.ndarray, dose: float, tau: float, u: np.ndarray) -> np.ndarray:
    return dose * np.sum(coef[:, None] * np.exp(rates[:, None] * u[None, :]) / (1 - np.exp(rates * tau))[:, None], 0)


def _time_to_fraction(rates: np.ndarray, coef: np.ndarray, fraction: float) -> float:
    total = float(np.sum(coef / -rates))

    def reached(t: float) -> float:
        return float(np.sum(coef * (np.exp(rates * t) - 1) / rates)) / total - fraction

    hi = 10.0
    while reached(hi) < 0:
        hi *= 2
    from scipy.optimize import brentq  # imported when solved (scipy.optimize is slow to import)

    return float(brentq(reached, 1e-9, hi, xtol=1e-6))


def _washout_time(rates: np.ndarray, coef: np.ndarray, tau: float, fraction: float) -> float:
    scale = coef / (1 - np.exp(rates * tau))

    def conc(s: float) -> float:
        return float(np.sum(scale * np.exp(rates * s)))

    threshold = fraction * conc(0.0)
    grid = np.linspace(0, 10 * tau, 2001)
    values = np.sum(scale[:, None] * np.exp(rates[:, None] * grid[None, :]), 0)
    lo = float(grid[int(np.argmax(values))])
    hi = max(tau, lo + 1.0)
    while conc(hi) > threshold:
        hi *= 2
    from scipy.optimize import brentq

    return float(brentq(lambda s: conc(s) - threshold, lo, hi, xtol=1e-6))


def steady_state_summary(drug: str | Drug, dose_mg: float, interval_h: float = 24.0, cyp2d6: str = "NM",
                         cyp2c19: str = "NM", co_medications: Mapping[str, tuple[float, float]] | Iterable[str] = (),
                         catalogue: Catalogue | None = None, n_grid: int = 241,
                         co_doses: Mapping[str, tuple[float, float]] | None = None) -> SteadyState:
    """Steady-state summary of ``drug`` at ``dose_mg`` every ``interval_h`` for the typical patient.

    ``co_medications`` names other agents (phenoconversion); ``co_doses`` (or ``co_medications`` given as a
    mapping) maps catalogue drugs to ``(dose_mg, interval_h)`` whose steady-state levels join the occupancy.
    """
    cat = catalogue or load_catalogue()
    d = drug if isinstance(drug, Drug) else cat.get(drug)
    co_names = list(co_medications)
    doses_of_others = dict(co_doses or {})
    if isinstance(co_medications, Mapping):
        doses_of_others.update(co_medications)
    co_names += [n for n in doses_of_others if n not in co_names]
    u = np.linspace(0.0, interval_h, n_grid)
    if d.is_placebo:
        zero = np.zeros_like(u)
        return SteadyState(d.name, dose_mg, interval_h, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, None, {}, u, {d.name: zero})
    mult = exposure_multiplier(d.name, cyp2d6, cyp2c19, co_names, cat)
    modes, pp = typical_modes(d, mult)
    dose_eff = float(effective_amounts(pp, np.array([[dose_mg]]))[0, 0])
    rates = modes.rates_per_h[0]
    parent = modes.parent[0]
    active = parent.copy()
    curves = {d.name: _ss_curve(rates, parent, dose_eff, interval_h, u)}
    for j, m in enumerate(d.metabolites):
        curves[m.name] = _ss_curve(rates, modes.metabolites[0, j], dose_eff, interval_h, u)
        if m.active:
            active = active + modes.metabolites[0, j]
    act_curve = _ss_curve(rates, active, dose_eff, interval_h, u)
    auc_ss = dose_eff * float(np.sum(parent / -rates))
    auc_first = dose_eff * float(np.sum(parent * (1 - np.exp(rates * interval_h)) / -rates))
    moiety = None
    if any(m.active for m in d.metabolites):
        moiety = {"cmax_ng_ml": float(act_curve.max()), "cmin_ng_ml": float(act_curve.min()),
                  "auc_tau_ng_h_per_ml": dose_eff * float(np.sum(active / -rates))}
    occ_conc = dict(curves)
    drugs = [d]
    if doses_of_others:
        for name, (co_dose, co_tau) in doses_of_others.items():
            other = cat.drugs.get(name.lower())
            if other is None or other.is_placebo or other.name == d.name:
                continue
            other_ss = steady_state_summary(other, co_dose, co_tau, cyp2d6, cyp2c19,
                                            [d.name] + [c for c in co_names if c != other.name], cat, n_grid=n_grid)
            for key, curve in other_ss.curves_ng_ml.items():  # evaluate on this drug's interval grid
                occ_conc[key] = np.interp(u % co_tau, other_ss.u_h, curve)
            drugs.append(other)
    occ = combined_occupancy_percent(occ_conc, drugs)
    return SteadyState(
        drug=d.name, dose_mg=dose_mg, interval_h=interval_h, cmax_ng_ml=float(curves[d.name].max()),
        cmin_ng_ml=float(curves[d.name].min()), auc_tau_ng_h_per_ml=auc_ss, accumulation_ratio=auc_ss / auc_first,
        time_to_90pct_steady_state_h=_time_to_fraction(rates, active, 0.9),
        time_below_3pct_after_stop_h=_washout_time(rates, active, interval_h, 0.03), active_moiety=moiety,
        steady_state_occupancy_percent={t: float(np.mean(v)) for t, v in occ.items()}, u_h=u, curves_ng_ml=curves,
    )


def time_below_fraction_after_stop_h(times_h: np.ndarray, concentration_ng_ml: np.ndarray, last_dose_h: float,
                                     fraction: float = 0.03) -> float | None:
    """Hours from the last dose until a simulated curve falls below ``fraction`` of its value at that dose for good.

    Returns None when the curve is still above the threshold at the end of the simulated window.
    """
    t = np.asarray(times_h, dtype=float)
    c = np.asarray(concentration_ng_ml, dtype=float)
    threshold = fraction * float(np.interp(last_dose_h, t, c))
    after = t >= last_dose_h
    above = np.nonzero(after & (c > threshold))[0]
    if above.size == 0:
        return 0.0
    k = int(above[-1])
    if k == t.size - 1:
        return None
    # linear interpolation of the crossing between samples k and k+1
    t_cross = t[k] + (c[k] - threshold) / (c[k] - c[k + 1]) * (t[k + 1] - t[k])
    return float(t_cross - last_dose_h)
