"""Therapeutic drug monitoring: fit a one-compartment, first-order absorption model to measured levels.

Model (doses ``D_j`` mg at ``t_j`` h; ka, k = CL/V in 1/h; V in L)::

    C(t) = 1000 * sum_j D_j ka / (V (ka - k)) * (exp(-k (t - t_j)) - exp(-ka (t - t_j)))   for t >= t_j   (ng/mL)

Parameters are estimated on the log scale by nonlinear least squares (additive error; scipy ``least_squares``).
Standard errors come from the asymptotic covariance ``s^2 (J'J)^-1`` (J the Jacobian in log-parameters,
``s^2 = RSS / (n - p)``) and the delta method ``SE(theta) = theta * SE(log theta)``; ``SE(t1/2)`` likewise from
``log t1/2 = log ln2 + log V - log CL``. Pooled ("naive pooled data") and per-subject fits. Reference: Gabrielsson &
Weiner, *Pharmacokinetic and Pharmacodynamic Data Analysis*, 5th ed. (2016), ch. 3; Bates & Watts, *Nonlinear
Regression Analysis* (1988), ch. 2.

CSV columns: ``subject, time_h, concentration_ng_ml, dose_mg`` and optionally ``dose_times_h`` (dose times
separated by ``;``; default one dose at 0 h). Each row is one measured level.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from novamind_core.domain.errors import ValidationError

REQUIRED_COLUMNS: tuple[str, ...] = ("subject", "time_h", "concentration_ng_ml", "dose_mg")


@dataclass(frozen=True)
class Observation:
    subject: str
    time_h: float
    concentration_ng_ml: float
    dose_mg: float
    dose_times_h: tuple[float, ...] = (0.0,)


@dataclass(frozen=True)
class FitResult:
    """Estimates, their standard errors and goodness of fit for one data set (a subject or the pool)."""

    ka_per_h: float
    cl_l_per_h: float
    v_l: float
    half_life_h: float
    standard_errors: Mapping[str, float]
    n_observations: int
    rmse_ng_ml: float
    r_squared: float
    aic: float
    converged: bool
    subject: str | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.subject is not None:
            out["subject"] = self.subject
        out.update({"ka_per_h": self.ka_per_h, "cl_l_per_h": self.cl_l_per_h, "v_l": self.v_l,
                    "half_life_h": self.half_life_h, "standard_errors": dict(self.standard_errors),
                    "goodness_of_fit": self.goodness_of_fit()})
        return out

    def goodness_of_fit(self) -> dict[str, float | int | bool]:
        return {"n_observations": self.n_observations, "rmse_ng_ml": self.rmse_ng_ml, "r_squared": self.r_squared,
                "aic": self.aic, "converged": self.converged}


@dataclass(frozen=True)
class TDMFit:
    pooled: FitResult
    per_subject: tuple[FitResult, ...]
    skipped_subjects: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        p = self.pooled
        return {"ka_per_h": p.ka_per_h, "cl_l_per_h": p.cl_l_per_h, "v_l": p.v_l, "half_life_h": p.half_life_h,
                "standard_errors": dict(p.standard_errors), "per_subject": [s.as_dict() for s in self.per_subject],
                "goodness_of_fit": p.goodness_of_fit(), "skipped_subjects": list(self.skipped_subjects)}


def predict_ng_ml(params: Sequence[float], time_h: np.ndarray, dose_mg: np.ndarray,
                  dose_times_h: Sequence[Sequence[float]]) -> np.ndarray:
    """Model concentrations for observations; ``params`` = (ka, CL, V)."""
    ka, cl, v = params
    k = cl / v
    if abs(ka - k) < 1e-9 * ka:
        ka = ka * (1 + 1e-6)
    out = np.zeros_like(np.asarray(time_h, dtype=float))
    for i, (t, d, dts) in enumerate(zip(time_h, dose_mg, dose_times_h, strict=True)):
        u = t - np.asarray(dts, dtype=float)
        u = u[u >= 0]
        out[i] = 1000.0 * d * ka / (v * (ka - k)) * np.sum(np.exp(-k * u) - np.exp(-ka * u))
    return out


def _fit(obs: Sequence[Observation], subject: str | None) -> FitResult:
    t = np.array([o.time_h for o in obs])
    c = np.array([o.concentration_ng_ml for o in obs])
    d = np.array([o.dose_mg for o in obs])
    dts = [o.dose_times_h for o in obs]
    n = t.size
    if n < 4:
        raise ValidationError(f"need at least 4 levels to fit 3 parameters, got {n}", field="concentration_ng_ml")
    # starting values: terminal slope for k, peak for V, ka a few times k
    late = t >= np.quantile(t, 0.6)
    pos = late & (c > 0)
    k0 = 0.1
    if pos.sum() >= 2:
        slope = np.polyfit(t[pos], np.log(c[pos]), 1)[0]
        if slope < 0:
            k0 = -slope
    v0 = 1000.0 * float(np.median(d)) / max(float(c.max()), 1e-9)
    best = None
    for ka_factor in (3.0, 10.0, 30.0):
        x0 = np.log([k0 * ka_factor, k0 * v0, v0])

        def residuals(x: np.ndarray) -> np.ndarray:
            return predict_ng_ml(np.exp(x), t, d, dts) - c

        from scipy.optimize import least_squares  # imported when fitting (slow to import)

        res = least_squares(residuals, x0, method="lm", x_scale="jac", max_nfev=2000)
        if best is None or res.cost < best.cost:
            best = res
    ka, cl, v = np.exp(best.x)
    rss = float(np.sum(best.fun ** 2))
    dof = max(n - 3, 1)
    s2 = rss / dof
    try:
        cov = s2 * np.linalg.inv(best.jac.T @ best.jac)
        se_log = np.sqrt(np.clip(np.diag(cov), 0, None))
        g = np.array([0.0, -1.0, 1.0])  # d log t1/2 / d (log ka, log CL, log V)
        se_log_half = float(np.sqrt(max(g @ cov @ g, 0.0)))
    except np.linalg.LinAlgError:
        se_log = np.full(3, np.nan)
        se_log_half = float("nan")
    half = math.log(2.0) * v / cl
    ss_tot = float(np.sum((c - c.mean()) ** 2))
    return FitResult(
        ka_per_h=float(ka), cl_l_per_h=float(cl), v_l=float(v), half_life_h=float(half),
        standard_errors={"ka_per_h": float(ka * se_log[0]), "cl_l_per_h": float(cl * se_log[1]),
                         "v_l": float(v * se_log[2]), "half_life_h": float(half * se_log_half)},
        n_observations=n, rmse_ng_ml=math.sqrt(rss / n), r_squared=1.0 - rss / ss_tot if ss_tot > 0 else float("nan"),
        aic=n * math.log(max(rss, 1e-300) / n) + 2 * 3, converged=bool(best.success), subject=subject,
    )


def fit_one_compartment(observations: Iterable[Observation]) -> TDMFit:
    """Pooled fit over all subjects plus one fit per subject with at least 4 levels (others listed as skipped)."""
    obs = list(observations)
    if not obs:
        raise ValidationError("no drug levels to fit", field="data")
    pooled = _fit(obs, None)
    by_subject: dict[str, list[Observation]] = {}
    for o in obs:
        by_subject.setdefault(o.subject, []).append(o)
    fits, skipped = [], []
    for subject, rows in by_subject.items():
        if len(rows) < 4:
            skipped.append(subject)
            continue
        fits.append(_fit(rows, subject))
    return TDMFit(pooled, tuple(fits), tuple(skipped))


def _number(value: str, column: str, row: int) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"row {row}: {column} must be a number, got {value!r}", field=column, row=row,
                              value=value) from None
    if not math.isfinite(x) or x < 0:
        raise ValidationError(f"row {row}: {column} must be a finite number >= 0, got {value!r}", field=column,
                              row=row, value=value)
    return x


def parse_tdm_rows(rows: Iterable[Mapping[str, str]], columns: Sequence[str] | None) -> list[Observation]:
    cols = [c.strip() for c in (columns or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if missing:
        raise ValidationError(f"TDM CSV is missing column(s) {', '.join(missing)}; needs {', '.join(REQUIRED_COLUMNS)}"
                              " (optional dose_times_h)", field=missing[0])
    out = []
    for i, raw in enumerate(rows, start=2):  # row 1 is the header
        row = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not row.get("subject"):
            raise ValidationError(f"row {i}: subject is empty", field="subject", row=i)
        dose_times = (0.0,)
        if row.get("dose_times_h"):
            dose_times = tuple(_number(x, "dose_times_h", i) for x in row["dose_times_h"].split(";") if x.strip())
        out.append(Observation(row["subject"], _number(row["time_h"], "time_h", i),
                               _number(row["concentration_ng_ml"], "concentration_ng_ml", i),
                               _number(row["dose_mg"], "dose_mg", i), dose_times))
    if not out:
        raise ValidationError("TDM CSV has no data rows", field="data")
    return out


def read_tdm_csv(path: str | Path) -> list[Observation]:
    """Read and validate a TDM CSV (errors name the row and column)."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return parse_tdm_rows(reader, reader.fieldnames)
