"""Cohort statistics (pure numpy): Wilson intervals, Kaplan-Meier with Greenwood intervals, k-means trajectory
clusters and their shape labels. Used by :mod:`novamind_core.services.cohort`; no database, no PHI.

References are in each function's docstring.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from novamind_core.domain.assessments import RESPONSE_MIN_REDUCTION_FRACTION
from novamind_core.domain.errors import ValidationError

EARLY_RESPONSE_WEEKS = 4
"""Response (>= 50% reduction) reached by week 4 is called early (a labelling convention; early improvement is
prognostic of later response: Szegedi et al. 2009, J Clin Psychiatry 70:344)."""
SMALL_CELL = 11
"""Counts below 11 are flagged as small cells (CMS cell-size suppression policy), a re-identification risk."""
Z_95 = 1.959963984540054
"""Standard-normal 97.5th percentile (two-sided 95%)."""

# ================================================================================================= statistics (pure)
@dataclass(frozen=True)
class Proportion:
    """``successes / n`` with its Wilson 95% interval (all None when ``n == 0``)."""

    successes: int
    n: int
    estimate: float | None
    lower: float | None
    upper: float | None

    @property
    def small_cell(self) -> bool:
        return 0 < self.n < SMALL_CELL


def wilson_interval(successes: int, n: int, z: float = Z_95) -> Proportion:
    """Wilson score interval for a binomial proportion.

    ``p = x / n``; centre ``(p + z^2 / 2n) / (1 + z^2 / n)``; half-width
    ``z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)`` (Wilson 1927, J Am Stat Assoc 22:209).
    """
    if n < 0 or not 0 <= successes <= max(n, 0):
        raise ValidationError(f"a proportion needs 0 <= successes <= n (got {successes}/{n})", field="n", value=n)
    if n == 0:
        return Proportion(0, 0, None, None, None)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return Proportion(int(successes), int(n), p, max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class KaplanMeierCurve:
    """Step function ``S(t)`` (probability of no response yet) at ``time_days`` (0 first), with 95% bounds.

    ``at_risk[i]`` and ``events[i]`` are the numbers at risk just before and responding at ``time_days[i]``.
    """

    label: str
    n: int
    n_events: int
    time_days: tuple[float, ...]
    survival: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    at_risk: tuple[int, ...]
    events: tuple[int, ...]
    median_days: float | None

    @property
    def cumulative_response(self) -> tuple[float, ...]:
        """``1 - S(t)``: the share who have responded by each time."""
        return tuple(1.0 - s for s in self.survival)


def kaplan_meier(durations: Sequence[float], events: Sequence[bool], label: str = "", z: float = Z_95
                 ) -> KaplanMeierCurve:
    """Kaplan-Meier estimator with Greenwood log(-log) confidence bounds (vectorised).

    At each distinct event time ``t_j`` with ``n_j`` at risk (duration >= t_j) and ``d_j`` events:
    ``S(t) = prod_{t_j <= t} (1 - d_j / n_j)``; Greenwood ``V(t) = sum_{t_j <= t} d_j / (n_j (n_j - d_j))``;
    bounds ``S^exp(+-z sqrt(V) / log S)`` (lower uses ``+``). Censored durations count as at risk up to and
    including their time. References: Kaplan & Meier 1958; Greenwood 1926; Kalbfleisch & Prentice 2002 §1.4.
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    if t.shape != e.shape or t.ndim != 1:
        raise ValidationError("durations and events must be 1-D and the same length", field="durations")
    if t.size and (np.any(t < 0) or not np.all(np.isfinite(t))):
        raise ValidationError("durations must be finite and not negative", field="durations")
    event_times = np.unique(t[e])
    sorted_t = np.sort(t)
    sorted_ev = np.sort(t[e])
    at_risk = t.size - np.searchsorted(sorted_t, event_times, side="left")
    d = np.searchsorted(sorted_ev, event_times, side="right") - np.searchsorted(sorted_ev, event_times, side="left")
    surv = np.cumprod(1.0 - d / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        gw = np.cumsum(np.where(at_risk > d, d / (at_risk * (at_risk - d)), np.inf))
        log_s = np.log(surv)
        c = z * np.sqrt(gw) / np.abs(log_s)
        lower = np.where((surv > 0) & (surv < 1), surv ** np.exp(c), surv)
        upper = np.where((surv > 0) & (surv < 1), surv ** np.exp(-c), surv)
    below = np.flatnonzero(surv <= 0.5)
    median = float(event_times[below[0]]) if below.size else None
    return KaplanMeierCurve(
        label=label, n=int(t.size), n_events=int(e.sum()),
        time_days=(0.0, *map(float, event_times)), survival=(1.0, *map(float, surv)),
        lower=(1.0, *map(float, lower)), upper=(1.0, *map(float, upper)),
        at_risk=(int(t.size), *map(int, at_risk)), events=(0, *map(int, d)), median_days=median,
    )


def kmeans(x: np.ndarray, k: int, seed: int = 0, n_init: int = 4, max_iter: int = 100
           ) -> tuple[np.ndarray, np.ndarray, float]:
    """Lloyd's k-means with k-means++ seeding; the best of ``n_init`` starts. Returns (labels, centroids, inertia).

    Deterministic for a seed. An emptied cluster is re-seeded at the point farthest from its centroid.
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    if n == 0:
        return np.zeros(0, dtype=int), np.zeros((0, x.shape[1] if x.ndim == 2 else 0)), 0.0
    k = max(1, min(int(k), n))
    rng = np.random.default_rng(seed)
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    for _ in range(max(1, n_init)):
        centres = [x[rng.integers(n)]]
        for _j in range(1, k):  # k-means++: next centre with probability proportional to D^2
            d2 = ((x[:, None, :] - np.asarray(centres)[None, :, :]) ** 2).sum(-1).min(1)
            total = d2.sum()
            centres.append(x[rng.choice(n, p=d2 / total)] if total > 0 else x[rng.integers(n)])
        c = np.asarray(centres)
        labels = np.full(n, -1)
        for _it in range(max_iter):
            dist = ((x[:, None, :] - c[None, :, :]) ** 2).sum(-1)
            new = dist.argmin(1)
            if np.array_equal(new, labels):
                break
            labels = new
            counts = np.bincount(labels, minlength=k)
            sums = np.zeros_like(c)
            np.add.at(sums, labels, x)
            empty = counts == 0
            c = np.where(empty[:, None], c, sums / np.maximum(counts, 1)[:, None])
            if empty.any():
                far = dist[np.arange(n), labels].argmax()
                c[np.flatnonzero(empty)[0]] = x[far]
        inertia = float(((x - c[labels]) ** 2).sum())
        if best is None or inertia < best[2] - 1e-12:
            best = (labels.copy(), c.copy(), inertia)
    assert best is not None
    return best


def shape_label(relative: Sequence[float], grid_weeks: Sequence[float] | None = None) -> str:
    """Name a trajectory (PHQ-9 / baseline over time) by its shape.

    * ``relapse``: reached response (nadir <= 0.5) but ends above 0.5, at least 0.25 above the nadir;
    * ``early responders``: ends at or below 0.5 and first reached 0.5 by week 4 (needs ``grid_weeks``);
    * ``responders``: ends at or below 0.5 (>= 50% reduction, docs/science.md §2);
    * ``partial responders``: ends at 0.5-0.75 (25-49% reduction, the usual "partial response" band);
    * ``non-responders``: less than a 25% reduction at the end.
    """
    r = np.asarray(relative, dtype=float)
    nadir, end = float(r.min()), float(r[-1])
    if nadir <= RESPONSE_MIN_REDUCTION_FRACTION < end and end - nadir >= 0.25:
        return "relapse"
    if end <= RESPONSE_MIN_REDUCTION_FRACTION:
        if grid_weeks is not None:
            first = int(np.flatnonzero(r <= RESPONSE_MIN_REDUCTION_FRACTION)[0])
            if float(np.asarray(grid_weeks, dtype=float)[first]) <= EARLY_RESPONSE_WEEKS:
                return "early responders"
        return "responders"
    if end <= 0.75:
        return "partial responders"
    return "non-responders"


def resample_trajectories(patient_index: np.ndarray, days: np.ndarray, values: np.ndarray, n_patients: int,
                          grid_days: np.ndarray) -> np.ndarray:
    """Linear interpolation of ragged per-patient series on a common grid, vectorised over patients.

    ``patient_index``/``days``/``values`` are flat arrays sorted by (patient, day); every patient must have a point
    at or before the first grid day. Past a patient's last point the last value is carried forward. Returns
    (n_patients, len(grid_days)).
    """
    span = float(max(np.max(days, initial=0.0), np.max(grid_days, initial=0.0))) + 1.0
    key = patient_index * span + days
    q = (np.arange(n_patients)[:, None] * span + grid_days[None, :]).ravel()
    pid = np.repeat(np.arange(n_patients), grid_days.size)
    left = np.searchsorted(key, q, side="right") - 1
    right = np.minimum(left + 1, key.size - 1)
    right = np.where(patient_index[right] == pid, right, left)
    x0, x1, y0, y1 = days[left], days[right], values[left], values[right]
    gq = np.tile(grid_days, n_patients)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(x1 > x0, (gq - x0) / (x1 - x0), 0.0)
    return (y0 + np.clip(w, 0.0, 1.0) * (y1 - y0)).reshape(n_patients, grid_days.size)


