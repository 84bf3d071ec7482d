"""Bayesian TDM forecasting: a patient's own CL/F and V/F from sparse measured levels on the population prior.

Model. The catalogue's PK model of the drug (first-order absorption, one or two compartments, active metabolites,
paroxetine's dose non-linearity; module ``pk``) with the individual parameters

    CL_i = CL_pop * m_cov / m_pgx * exp(eta_CL),    V_i = V_pop * v_cov * exp(eta_V),
    eta ~ N(0, diag(omega_CL^2, omega_V^2)),        omega^2 = ln(1 + CV^2)   (catalogue BSV CVs)

where ``m_pgx`` is the phenotype's exposure multiplier (module ``pgx``) and ``m_cov``, ``v_cov`` the covariate
multipliers (age, weight, sex, smoking; module ``covariates``). The measured analyte is the parent, or parent plus
active metabolites when the reference range is for the active moiety. Residual error is combined additive and
proportional, ``y = f (1 + e_prop) + e_add``, so ``Var(y) = sigma_add^2 + (sigma_prop f)^2``.

MAP (maximum a posteriori) estimate: minimise the objective (minus twice the log posterior, up to a constant),

    OFV(eta) = sum_j [ (y_j - f_j(eta))^2 / Var_j + ln Var_j ] + eta_CL^2 / omega_CL^2 + eta_V^2 / omega_V^2

(posologyr ``poso_estim_map``; mapbayr). Posterior: Laplace approximation
``eta | y ~ N(eta_MAP, (I(eta_MAP) + Omega^-1)^-1)`` with ``I`` the expected (Fisher) information of the levels
at the MAP (central differences, all stencil points in one batched model call; the FOCE-style curvature, positive
definite by construction).
Shrinkage per parameter is the posterior SD over the prior SD, ``sqrt(Var(eta | y)) / omega``: 1 with no level (the
answer is the prior), toward 0 as the levels decide (the individual counterpart of eta-shrinkage, Savic & Karlsson
2009, AAPS J 11:558, doi:10.1208/s12248-009-9133-0).

Forecast. The steady-state trough ``C_ss(tau) = sum_i c_i D exp(lambda_i tau) / (1 - exp(lambda_i tau))`` is computed
for draws from the Laplace posterior (vectorised over draws): p05/p50/p95 are the 90% interval of the patient's true
trough (parameter uncertainty; a new measurement adds residual error). The dose for the target trough (the middle of
the reference range) scales the MAP trough, ``D* = D (target / C_trough)^(1 / (1 + gamma))`` (gamma = 0 for linear
drugs; paroxetine's exponent otherwise), as ``poso_dose_conc`` does by root finding.

Decision support for research and demonstration; not a medical device.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology.catalogue import Catalogue, Drug, load_catalogue
from novamind_core.pharmacology.pk import (
    effective_amounts,
    lognormal_sigma,
    patient_parameters,
    superpose,
    unit_dose_modes,
)

Z90 = 1.6448536269514722  # standard normal 95th percentile: a central 90% interval is mean +/- Z90 sd
METHOD = ("MAP on the population prior (posologyr poso_estim_map; mapbayr), Laplace posterior, "
          "individual shrinkage sqrt(Var(eta|y))/omega (Savic & Karlsson 2009, AAPS J 11:558)")
RESIDUAL_SOURCE = ("assumption, not a fit: combined residual error 20% proportional + 1 ng/mL additive (assay and "
                   "sampling-time error of routine TDM); set ResidualError to a published model's values")


@dataclass(frozen=True)
class MeasuredLevel:
    """One measured concentration (ng/mL) at ``time_h`` hours since the first dose of the current regimen."""

    time_h: float
    concentration_ng_ml: float


class RangeLike(Protocol):
    """What the forecast needs of a reference range (``reference_ranges.ReferenceRange`` or :class:`TargetRange`)."""

    analyte: str
    low_ng_ml: float
    high_ng_ml: float
    source: str


def includes_metabolites(reference_range: RangeLike) -> bool:
    """True when the range is for parent plus active metabolite(s) (``concentration_key`` ``<drug>_active_moiety``,
    or an analyte written "active moiety" or "A + B")."""
    key = str(getattr(reference_range, "concentration_key", "") or "") + " " + reference_range.analyte
    return "moiety" in key or "+" in key


@dataclass(frozen=True)
class TargetRange:
    """The therapeutic reference range the dose is aimed at (AGNP consensus, Hiemke et al. 2018)."""

    analyte: str
    low_ng_ml: float
    high_ng_ml: float
    source: str
    alert_ng_ml: float | None = None

    @property
    def middle_ng_ml(self) -> float:
        return 0.5 * (self.low_ng_ml + self.high_ng_ml)


@dataclass(frozen=True)
class ResidualError:
    """Combined residual error: ``sd = sqrt(additive_ng_ml^2 + (proportional * prediction)^2)``."""

    proportional: float = 0.20
    additive_ng_ml: float = 1.0
    source: str = RESIDUAL_SOURCE


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its central 90% interval."""

    value: float
    p05: float
    p95: float


@dataclass(frozen=True)
class PKEstimate:
    cl_l_per_h: Estimate
    v_l: Estimate


@dataclass(frozen=True)
class Shrinkage:
    """Posterior SD over prior SD per parameter (1: the prior alone; 0: the levels alone)."""

    cl: float
    v: float


@dataclass(frozen=True)
class TroughForecast:
    p05: float
    p50: float
    p95: float


@dataclass(frozen=True)
class TDMForecast:
    """Everything the ``tdm`` CLI and the chart show for one patient and drug."""

    drug: str
    dose_mg: float
    interval_h: float
    levels: tuple[MeasuredLevel, ...]
    analyte: str
    population: PKEstimate
    individual: PKEstimate
    shrinkage: Shrinkage
    predicted_trough_ng_ml: TroughForecast
    population_trough_ng_ml: TroughForecast
    dose_for_target_mg: float | None
    target_trough_ng_ml: float | None
    reference_range: RangeLike | None
    eta_map: tuple[float, float]
    posterior_covariance: tuple[tuple[float, float], tuple[float, float]]
    prior_sd: tuple[float, float]
    converged: bool
    residual: ResidualError
    exposure_multiplier: float = 1.0
    clearance_multiplier: float = 1.0
    volume_multiplier: float = 1.0
    method: str = METHOD


@dataclass(frozen=True)
class ForecastCurves:
    """Concentration-time curves (ng/mL) for the timeline: the population band and the individual (MAP) fit."""

    times_h: np.ndarray
    population_p05: np.ndarray
    population_p50: np.ndarray
    population_p95: np.ndarray
    individual: np.ndarray


@dataclass(frozen=True)
class _Model:
    """The prior and the dosing history of one patient: everything the batched objective needs."""

    drug: Drug
    cl_pop: float
    v_pop: float
    omega: np.ndarray  # (2,)
    exposure_multiplier: float
    include_metabolites: bool
    dose_times_h: np.ndarray
    amounts_mg: np.ndarray
    residual: ResidualError


def concentration_ng_ml(model: _Model, etas: np.ndarray, times_h: np.ndarray) -> np.ndarray:
    """Analyte concentration (P, T) for parameter draws ``etas`` (P, 2) at sorted ``times_h`` (one batched pass)."""
    etas = np.atleast_2d(etas)
    pp = _params(model, etas)
    modes = unit_dose_modes(pp)
    coef = _analyte_coefficients(model, modes)
    amounts = effective_amounts(pp, np.broadcast_to(model.amounts_mg, (etas.shape[0], model.amounts_mg.size)))
    return superpose(modes.rates_per_h, [coef], model.dose_times_h, amounts, np.asarray(times_h, dtype=float))[0]


def steady_state_trough_ng_ml(model: _Model, etas: np.ndarray, dose_mg: float, interval_h: float) -> np.ndarray:
    """Steady-state trough (P,) just before a dose: ``sum_i c_i D_eff e^(l_i tau) / (1 - e^(l_i tau))``."""
    etas = np.atleast_2d(etas)
    pp = _params(model, etas)
    modes = unit_dose_modes(pp)
    coef = _analyte_coefficients(model, modes)
    d_eff = effective_amounts(pp, np.full((etas.shape[0], 1), float(dose_mg)))[:, 0]
    decay = np.exp(modes.rates_per_h * interval_h)
    return d_eff * np.sum(coef * decay / (1.0 - decay), axis=1)


def objective(model: _Model, etas: np.ndarray, times_h: np.ndarray, observed_ng_ml: np.ndarray) -> np.ndarray:
    """OFV (P,) for parameter draws ``etas`` (P, 2): minus twice the log posterior, up to a constant."""
    etas = np.atleast_2d(etas)
    prior = np.sum((etas / model.omega) ** 2, axis=1)
    if observed_ng_ml.size == 0:
        return prior
    pred = concentration_ng_ml(model, etas, times_h)
    var = model.residual.additive_ng_ml ** 2 + (model.residual.proportional * pred) ** 2
    return np.sum((observed_ng_ml - pred) ** 2 / var + np.log(var), axis=1) + prior


def build_model(drug: Drug | str, dose_mg: float, interval_h: float, until_h: float, *,
                exposure_multiplier: float = 1.0, clearance_multiplier: float = 1.0, volume_multiplier: float = 1.0,
                include_metabolites: bool = False, dose_times_h: Sequence[float] | None = None,
                residual: ResidualError | None = None, catalogue: Catalogue | None = None) -> _Model:
    """Population prior for this patient (PGx and covariate multipliers applied) and the dosing history.

    Doses of ``dose_mg`` every ``interval_h`` from 0 h up to ``until_h`` unless ``dose_times_h`` is given.
    """
    d = (catalogue or load_catalogue()).get(drug) if isinstance(drug, str) else drug
    if d.pk is None:
        raise ValidationError(f"{d.name} has no pharmacokinetics (placebo)", field="drug", value=d.name)
    _positive(dose_mg, "dose_mg")
    _positive(interval_h, "interval_h")
    for value, name in ((exposure_multiplier, "exposure_multiplier"), (clearance_multiplier, "clearance_multiplier"),
                        (volume_multiplier, "volume_multiplier")):
        _positive(value, name)
    if dose_times_h is None:
        times = np.arange(0.0, max(until_h, 0.0) + 1e-9, interval_h)
    else:
        times = np.sort(np.asarray(dose_times_h, dtype=float))
    return _Model(
        drug=d, cl_pop=d.pk.cl_f_l_per_h * clearance_multiplier / exposure_multiplier,
        v_pop=d.pk.v_f_l * volume_multiplier,
        omega=np.array([lognormal_sigma(d.pk.cl_cv_percent), lognormal_sigma(d.pk.v_cv_percent)]),
        exposure_multiplier=float(exposure_multiplier), include_metabolites=include_metabolites,
        dose_times_h=times, amounts_mg=np.full(times.size, float(dose_mg)), residual=residual or ResidualError(),
    )


def forecast(drug: Drug | str, dose_mg: float, interval_h: float, levels: Sequence[MeasuredLevel], *,
             exposure_multiplier: float = 1.0, clearance_multiplier: float = 1.0, volume_multiplier: float = 1.0,
             reference_range: RangeLike | None = None, dose_times_h: Sequence[float] | None = None,
             residual: ResidualError | None = None, n_draws: int = 4000, seed: int = 0,
             catalogue: Catalogue | None = None) -> TDMForecast:
    """MAP + Laplace forecast for one patient on ``dose_mg`` every ``interval_h`` hours (see the module docstring).

    With no level the result is the prior (shrinkage 1); each level pulls the estimate from the prior by as much as
    its information allows, and ``shrinkage`` says how much of the prior remains.
    """
    obs = tuple(sorted(levels, key=lambda lv: lv.time_h))
    for i, lv in enumerate(obs):
        if not (math.isfinite(lv.time_h) and lv.time_h >= 0):
            raise ValidationError(f"level {i + 1}: time_h must be >= 0, got {lv.time_h!r}", field="time_h",
                                  value=lv.time_h)
        if not (math.isfinite(lv.concentration_ng_ml) and lv.concentration_ng_ml >= 0):
            raise ValidationError(f"level {i + 1}: concentration_ng_ml must be >= 0, got {lv.concentration_ng_ml!r}",
                                  field="concentration_ng_ml", value=lv.concentration_ng_ml)
    until = obs[-1].time_h if obs else 0.0
    model = build_model(drug, dose_mg, interval_h, until, exposure_multiplier=exposure_multiplier,
                        clearance_multiplier=clearance_multiplier, volume_multiplier=volume_multiplier,
                        include_metabolites=bool(reference_range and includes_metabolites(reference_range)),
                        dose_times_h=dose_times_h, residual=residual, catalogue=catalogue)
    t = np.array([lv.time_h for lv in obs])
    y = np.array([lv.concentration_ng_ml for lv in obs])
    prior_cov = np.diag(model.omega ** 2)
    if obs:
        eta, cov, converged = _map_laplace(model, t, y)
    else:
        eta, cov, converged = np.zeros(2), prior_cov, True
    rng = np.random.default_rng(seed)
    post_draws = rng.multivariate_normal(eta, cov, size=n_draws, method="cholesky")
    prior_draws = rng.normal(0.0, model.omega, size=(n_draws, 2))
    both = steady_state_trough_ng_ml(model, np.vstack([post_draws, prior_draws, eta[None, :]]), dose_mg, interval_h)
    post_tr, prior_tr, map_tr = both[:n_draws], both[n_draws:2 * n_draws], float(both[-1])
    dose_star, target = None, None
    if reference_range is not None and map_tr > 0:
        target = 0.5 * (reference_range.low_ng_ml + reference_range.high_ng_ml)
        gamma = 0.0
        pk = model.drug.pk
        if pk is not None and pk.nonlinear_reference_dose_mg is not None and pk.nonlinear_exponent:
            gamma = float(_params(model, eta[None, :]).nonlinear_exponent[0])
        dose_star = float(dose_mg * (target / map_tr) ** (1.0 / (1.0 + gamma)))
    sd, d = np.sqrt(np.diag(cov)), model.drug
    return TDMForecast(
        drug=d.name, dose_mg=float(dose_mg), interval_h=float(interval_h), levels=obs,
        analyte=reference_range.analyte if reference_range else d.name,
        population=_estimate(model, np.zeros(2), model.omega),
        individual=_estimate(model, eta, sd),
        shrinkage=Shrinkage(float(sd[0] / model.omega[0]), float(sd[1] / model.omega[1])),
        predicted_trough_ng_ml=_quantiles(post_tr), population_trough_ng_ml=_quantiles(prior_tr),
        dose_for_target_mg=dose_star, target_trough_ng_ml=target, reference_range=reference_range,
        eta_map=(float(eta[0]), float(eta[1])),
        posterior_covariance=((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1]))),
        prior_sd=(float(model.omega[0]), float(model.omega[1])), converged=converged, residual=model.residual,
        exposure_multiplier=float(exposure_multiplier), clearance_multiplier=float(clearance_multiplier),
        volume_multiplier=float(volume_multiplier),
    )


def forecast_curves(result: TDMForecast, times_h: np.ndarray, *, dose_times_h: Sequence[float] | None = None,
                    n_draws: int = 500, seed: int = 0, catalogue: Catalogue | None = None) -> ForecastCurves:
    """Population 90% band (prior draws) and the individual MAP curve on ``times_h`` for the forecast's regimen."""
    times = np.sort(np.asarray(times_h, dtype=float))
    rr = result.reference_range
    model = build_model(result.drug, result.dose_mg, result.interval_h, float(times[-1]) if times.size else 0.0,
                        exposure_multiplier=result.exposure_multiplier,
                        clearance_multiplier=result.clearance_multiplier, volume_multiplier=result.volume_multiplier,
                        include_metabolites=bool(rr and includes_metabolites(rr)),
                        dose_times_h=dose_times_h, residual=result.residual, catalogue=catalogue)
    draws = np.random.default_rng(seed).normal(0.0, model.omega, size=(n_draws, 2))
    conc = concentration_ng_ml(model, np.vstack([draws, np.array([result.eta_map])]), times)
    p05, p50, p95 = np.percentile(conc[:-1], [5, 50, 95], axis=0)
    return ForecastCurves(times, p05, p50, p95, conc[-1])


def _map_laplace(model: _Model, t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """MAP by BFGS with batched central-difference gradients, then the Laplace covariance ``2 H^-1``."""
    from scipy.optimize import minimize  # imported when fitting (slow to import)

    h = 1e-4
    steps = np.array([[h, 0.0], [-h, 0.0], [0.0, h], [0.0, -h]])

    def fun_and_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
        f = objective(model, np.vstack([x[None, :], x + steps]), t, y)
        return float(f[0]), np.array([(f[1] - f[2]) / (2 * h), (f[3] - f[4]) / (2 * h)])

    best = None
    for start in (np.zeros(2), np.array([-1.0, 0.0]), np.array([1.0, 0.0])):
        res = minimize(fun_and_grad, start, jac=True, method="BFGS", options={"gtol": 1e-6, "maxiter": 200})
        if best is None or res.fun < best.fun - 1e-9:
            best = res
        if best.success and abs(best.x[0]) < 1.0:  # the first start sufficed
            break
    eta = best.x
    info = _information(model, eta, t) + np.diag(1.0 / model.omega ** 2)
    cov = np.linalg.inv(info)
    return eta, 0.5 * (cov + cov.T), bool(best.success or np.linalg.norm(best.jac) < 1e-3)


def _information(model: _Model, eta: np.ndarray, t: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Expected (Fisher) information of the levels about eta at ``eta``, from one batched 3-point stencil.

    For ``y ~ N(f, Var(f))``: ``I = sum_j g_j g_j' (1 / Var_j + (dVar_j/df_j)^2 / (2 Var_j^2))``, ``g_j = df_j/deta``.
    Always positive semi-definite, so the posterior variance never exceeds the prior's (unlike the observed Hessian,
    which can be indefinite with a proportional error term).
    """
    stencil = np.array([[0.0, 0.0], [h, 0.0], [-h, 0.0], [0.0, h], [0.0, -h]])
    f = concentration_ng_ml(model, eta + stencil, t)
    g = np.stack([(f[1] - f[2]) / (2 * h), (f[3] - f[4]) / (2 * h)], axis=1)  # (T, 2)
    r = model.residual
    var = r.additive_ng_ml ** 2 + (r.proportional * f[0]) ** 2
    dvar = 2.0 * r.proportional ** 2 * f[0]
    w = 1.0 / var + dvar ** 2 / (2.0 * var ** 2)
    return (g * w[:, None]).T @ g


def _params(model: _Model, etas: np.ndarray):
    pp = patient_parameters(model.drug, etas.shape[0], exposure_multiplier=model.exposure_multiplier)
    return replace(pp, cl_f_l_per_h=model.cl_pop * np.exp(etas[:, 0]), v_f_l=model.v_pop * np.exp(etas[:, 1]))


def _analyte_coefficients(model: _Model, modes) -> np.ndarray:
    coef = modes.parent
    if model.include_metabolites:
        coef = coef.copy()
        for j, m in enumerate(model.drug.metabolites):
            if m.active:
                coef += modes.metabolites[:, j, :]
    return coef


def _estimate(model: _Model, eta: np.ndarray, sd: np.ndarray) -> PKEstimate:
    def one(typical: float, e: float, s: float) -> Estimate:
        return Estimate(typical * math.exp(e), typical * math.exp(e - Z90 * s), typical * math.exp(e + Z90 * s))

    return PKEstimate(one(model.cl_pop, eta[0], sd[0]), one(model.v_pop, eta[1], sd[1]))


def _quantiles(x: np.ndarray) -> TroughForecast:
    return TroughForecast(*(float(q) for q in np.percentile(x, [5, 50, 95])))


def _positive(value: float, name: str) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValidationError(f"{name} must be a number > 0, got {value!r}", field=name, value=value)
