"""Per-patient Bayesian calibration: MAP with a Laplace approximation, the population as prior.

Unknowns ``theta = (z_placebo, z_shared, z_drug, y0)``: the three standard-normal latents of the symptom model
(:mod:`novamind_core.twin.symptoms`) and the patient's untreated PHQ-9 level ``y0``. Prior: ``z ~ N(0, I)`` (the
population), ``y0 ~ N(first PHQ-9, sem^2)``. Likelihood: each PHQ-9 total ``y_k`` at day ``t_k`` is
``N(y0 (1 - I(t_k; z)), sem^2)`` with ``sem`` the PHQ-9 measurement error and ``I`` the improvement fraction under
the patient's own medication history (through the pharmacology engine and the neurotransmitter dynamics). The
posterior is approximated by a normal at the MAP with covariance ``H^-1`` (``H`` the Hessian of the negative log
posterior, central finite differences). With no PHQ-9 history the result *is* the prior and says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from novamind_core.domain.errors import ValidationError
from novamind_core.twin.dynamics import simulate_dynamics
from novamind_core.twin.exposure import Exposure, exposure_from_scenario, no_drug_exposure, scenario_drugs
from novamind_core.twin.params import PopulationParams
from novamind_core.twin.symptoms import PHQ9_MAX, improvement_fraction

PRIOR_MESSAGE = "no PHQ-9 history: predictions use the population prior only"


def _to_day(value, origin: dt.date | None) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        d = dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise ValidationError(f"assessment time {value!r} is neither a day number nor an ISO date",
                              field="phq9", value=value) from exc
    return float((d - origin).days) if origin else 0.0


def _series(raw, name: str, maximum: float) -> tuple[tuple[float, float], ...]:
    pairs = [tuple(p) for p in (raw or [])]
    dates = [p[0] for p in pairs if not isinstance(p[0], int | float)]
    origin = min(dt.date.fromisoformat(str(d)[:10]) for d in dates) if dates else None
    out = []
    for row, (when, total) in enumerate(pairs):
        if not 0 <= float(total) <= maximum:
            raise ValidationError(f"{name} total {total} is outside 0-{maximum:g}", field=name, row=row, value=total)
        out.append((_to_day(when, origin), float(total)))
    return tuple(sorted(out))


@dataclass(frozen=True)
class PatientHistory:
    """What the twin learns from: PHQ-9 (and GAD-7) totals over time, medications (regimen steps from day 0), PGx.

    Times are days from the first assessment (or ISO dates, converted). ``medications`` run from day 0 in the
    scenario step format; ``adherence`` is the observed fraction of doses taken.
    """

    phq9: tuple[tuple[float, float], ...] = ()
    gad7: tuple[tuple[float, float], ...] = ()
    medications: tuple[dict, ...] = ()
    adherence: float = 1.0
    cyp2d6: str = "NM"
    cyp2c19: str = "NM"
    phq9_items: tuple[int, ...] | None = None
    gad7_items: tuple[int, ...] | None = None
    isi_items: tuple[int, ...] | None = None

    @classmethod
    def from_dict(cls, d: dict) -> PatientHistory:
        adherence = float(d.get("adherence", 1.0))
        if not 0.0 <= adherence <= 1.0:
            raise ValidationError("adherence must be between 0 and 1", field="adherence", value=adherence)
        items = {k: (tuple(int(x) for x in d[k]) if d.get(k) is not None else None)
                 for k in ("phq9_items", "gad7_items", "isi_items")}
        return cls(phq9=_series(d.get("phq9"), "phq9", 27), gad7=_series(d.get("gad7"), "gad7", 21),
                   medications=tuple(dict(s) for s in d.get("medications", []) or []), adherence=adherence,
                   cyp2d6=d.get("cyp2d6", "NM"), cyp2c19=d.get("cyp2c19", "NM"), **items)

    @property
    def last_day(self) -> float:
        return max((t for t, _ in self.phq9), default=0.0)

    def medication_scenario(self, extra_steps: list[dict] | None = None, total_days: int | None = None) -> dict:
        """The history's medications as a regimen scenario, optionally padded to ``total_days`` and extended."""
        steps = [dict(s) for s in self.medications]
        used = sum(float(s.get("days", 0)) for s in steps)
        if total_days is not None and used > total_days + 1e-9:
            raise ValidationError(f"medication history covers {used:g} days, beyond the last assessment "
                                  f"(day {total_days})", field="medications", value=used)
        if total_days is not None and total_days - used >= 1:
            steps.append({"drug": "none", "days": int(round(total_days - used))})
        steps += list(extra_steps or [])
        return {"name": "history", "steps": steps, "adherence": self.adherence, "cyp2d6": self.cyp2d6,
                "cyp2c19": self.cyp2c19}


@dataclass(frozen=True)
class Posterior:
    """Normal approximation to the patient's parameters; ``is_prior`` when no history informed it."""

    mean: np.ndarray                 # (4,): z_placebo, z_shared, z_drug, y0
    cov: np.ndarray                  # (4, 4)
    baseline_gad7: float | None
    method: str
    n_observations: int
    history_days: int
    history_drugs: tuple[str, ...] = ()
    message: str = ""
    details: dict = field(default_factory=dict)

    @property
    def is_prior(self) -> bool:
        return self.n_observations == 0

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws of theta (n, 4); the baseline column is clipped to 0-27."""
        theta = rng.multivariate_normal(self.mean, self.cov, size=n, method="cholesky")
        theta[:, 3] = np.clip(theta[:, 3], 0.0, PHQ9_MAX)
        return theta

    def summary(self) -> dict:
        sd = np.sqrt(np.diag(self.cov))
        names = ("z_placebo", "z_shared_sensitivity", "z_drug_sensitivity", "baseline_phq9")
        return {"method": self.method, "n_observations": self.n_observations, "is_prior": self.is_prior,
                "message": self.message,
                "posterior": {n: {"mean": float(m), "sd": float(s)} for n, m, s in zip(names, self.mean, sd,
                                                                                      strict=True)}}


def prior_posterior(params: PopulationParams, baseline_phq9: float | None = None) -> Posterior:
    """The population prior in the posterior's form (baseline from the population unless given)."""
    m = params["baseline_phq9_mean"] if baseline_phq9 is None else baseline_phq9
    s = params["baseline_phq9_sd"] if baseline_phq9 is None else params["phq9_observation_sd"]
    return Posterior(np.array([0.0, 0.0, 0.0, m]), np.diag([1.0, 1.0, 1.0, s * s]), None, "prior", 0, 0,
                     message=PRIOR_MESSAGE)


def history_signal(history: PatientHistory, n_days: int, params: PopulationParams, n_pk: int = 20,
                   seed: int = 0) -> tuple[np.ndarray, Exposure]:
    """Typical (PK-averaged) lagged therapeutic signal F (n_days,) under the history's medications."""
    scen = history.medication_scenario(total_days=n_days)
    exp = (exposure_from_scenario(scen, n_days, params, n_pk=n_pk, seed=seed) if scenario_drugs(scen)
           else no_drug_exposure(n_days))
    dyn = simulate_dynamics(exp.occupancy_fraction, 1.0, params, efficacy_scale=exp.efficacy_scale)
    return dyn.therapeutic_signal.mean(axis=0), exp


def neg_log_posterior(theta: np.ndarray, t_obs: np.ndarray, y_obs: np.ndarray, signal_at_obs: np.ndarray,
                      prior_y0: float, params: PopulationParams) -> np.ndarray:
    """Negative log posterior for a batch of theta (K, 4) -> (K,) (constants dropped)."""
    theta = np.atleast_2d(theta)
    sem = params["phq9_observation_sd"]
    f = np.broadcast_to(signal_at_obs, (theta.shape[0], signal_at_obs.shape[-1]))
    imp = improvement_fraction(t_obs, f, theta[:, :3], params)
    pred = theta[:, 3:4] * (1.0 - imp)
    nll = 0.5 * np.sum((y_obs[None, :] - pred) ** 2, axis=1) / sem**2
    prior = 0.5 * np.sum(theta[:, :3] ** 2, axis=1) + 0.5 * (theta[:, 3] - prior_y0) ** 2 / sem**2
    return nll + prior


def _hessian(fun, x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """Central-difference Hessian, all 2*d*d + 1 evaluations in one vectorised call."""
    d = x.size
    eye = np.eye(d) * h
    pts = [x]
    for i in range(d):
        for j in range(d):
            pts += [x + eye[i] + eye[j], x + eye[i] - eye[j], x - eye[i] + eye[j], x - eye[i] - eye[j]]
    vals = fun(np.array(pts))
    hess = np.empty((d, d))
    k = 1
    for i in range(d):
        for j in range(d):
            hess[i, j] = (vals[k] - vals[k + 1] - vals[k + 2] + vals[k + 3]) / (4 * h * h)
            k += 4
    return 0.5 * (hess + hess.T)


def fit_patient(history: PatientHistory | dict | None, params: PopulationParams, seed: int = 0) -> Posterior:
    """MAP + Laplace posterior of the patient's parameters from their PHQ-9 history (prior if there is none)."""
    if isinstance(history, dict):
        history = PatientHistory.from_dict(history)
    if history is None or not history.phq9:
        return prior_posterior(params)
    t_obs = np.array([t for t, _ in history.phq9])
    y_obs = np.array([y for _, y in history.phq9])
    n_days = int(np.ceil(t_obs.max())) + 1
    signal, _ = history_signal(history, n_days, params, seed=seed)
    f_obs = signal[np.clip(np.round(t_obs).astype(int), 0, n_days - 1)]
    prior_y0 = float(y_obs[0])
    fun = lambda th: neg_log_posterior(th, t_obs, y_obs, f_obs, prior_y0, params)
    x0 = np.array([0.0, 0.0, 0.0, prior_y0])
    from scipy.optimize import minimize  # imported when fitting (scipy.optimize costs ~0.7 s to import)

    res = minimize(lambda x: float(fun(x)[0]), x0, method="BFGS")
    hess = _hessian(fun, res.x)
    try:
        cov = np.linalg.inv(hess)
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        cov = np.diag(1.0 / np.maximum(np.diag(hess), 1e-6))
    gad0 = float(history.gad7[0][1]) if history.gad7 else None
    drugs = scenario_drugs({"steps": list(history.medications)})
    return Posterior(res.x, cov, gad0, "MAP + Laplace", len(t_obs), n_days - 1, history_drugs=drugs,
                     message=f"posterior from {len(t_obs)} PHQ-9 totals over {n_days - 1} days",
                     details={"converged": bool(res.success), "neg_log_posterior": float(res.fun),
                              "early_improvement": _early_improvement(history, drugs)})


def _early_improvement(history: PatientHistory, drugs: tuple[str, ...]) -> dict | None:
    """Wagner et al. 2017 early-improvement evidence on the first drug (started on day 0), or ``None``.

    The PHQ-9 likelihood above already sees the week-2 score; this is the same fact stated as clinicians use it
    (a likelihood ratio on the odds of response, with "consider" wording), not a second likelihood term.
    """
    from novamind_core.twin.early_improvement import early_improvement

    ev = early_improvement(history.phq9, 0.0) if drugs else None
    return ev.to_dict() if ev is not None else None
