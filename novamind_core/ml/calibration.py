"""Probability calibration and held-out metrics in plain numpy (no scikit-learn).

Isotonic regression by pool-adjacent-violators (PAV; Barlow et al. 1972, *Statistical Inference under Order
Restrictions*; Zadrozny & Elkan 2002, KDD) maps a raw score ``s`` to a non-decreasing step function ``g(s)`` that
minimises ``sum_i (y_i - g(s_i))^2``; between fitted knots it is interpolated linearly and held flat outside.
Platt scaling (Platt 1999, *Advances in Large Margin Classifiers*) fits ``p = 1 / (1 + exp(-(a * logit(s) + b)))``
by Newton's method on the log-loss.

Metrics: ROC AUC by the Mann-Whitney rank statistic with mid-ranks for ties (Hanley & McNeil 1982, Radiology
143:29), Brier score ``mean((p - y)^2)`` (Brier 1950), log-loss, accuracy at 0.5, and reliability-curve points
(mean predicted vs observed frequency per bin; Niculescu-Mizil & Caruana 2005, ICML).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_EPS = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, float), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def pav(y: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Pool-adjacent-violators: the non-decreasing least-squares fit to ``y`` (already ordered by score).

    A stack of blocks (mean, weight, length) is merged while the last two blocks violate the order; one pass,
    O(n) amortised.
    """
    y = np.asarray(y, float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, float)
    means: list[float] = []
    wts: list[float] = []
    lens: list[int] = []
    for yi, wi in zip(y.tolist(), w.tolist(), strict=True):
        means.append(yi)
        wts.append(wi)
        lens.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            m2, w2, l2 = means.pop(), wts.pop(), lens.pop()
            m1, w1, l1 = means.pop(), wts.pop(), lens.pop()
            wsum = w1 + w2
            means.append((m1 * w1 + m2 * w2) / wsum)
            wts.append(wsum)
            lens.append(l1 + l2)
    return np.repeat(np.asarray(means), np.asarray(lens, dtype=np.int64))


@dataclass(frozen=True)
class IsotonicCalibrator:
    """A fitted (centred) isotonic map from raw to calibrated probability: knots ``x_``, ``y_``, linear between
    them, flat outside."""

    x_: tuple[float, ...]
    y_: tuple[float, ...]
    method: str = "isotonic"

    @classmethod
    def fit(cls, scores: np.ndarray, y: np.ndarray) -> IsotonicCalibrator:
        """Fit on raw scores and 0/1 outcomes; ties in score are pooled first (their mean outcome)."""
        s = np.asarray(scores, float)
        t = np.asarray(y, float)
        order = np.argsort(s, kind="mergesort")
        s, t = s[order], t[order]
        uniq, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
        sums = np.bincount(inverse, weights=t)
        fitted = pav(sums / counts, counts.astype(float))
        # centred isotonic regression (Oron & Flournoy 2017, Stat Biopharm Res 9:258): one knot per PAV block at
        # the block's count-weighted mean score, joined linearly, so the map is strictly increasing between the
        # first and last knots and candidates with different scores keep their order
        block = np.r_[0, np.cumsum(fitted[1:] != fitted[:-1])]
        w = counts.astype(float)
        x_knot = np.bincount(block, weights=uniq * w) / np.bincount(block, weights=w)
        y_knot = np.bincount(block, weights=fitted * w) / np.bincount(block, weights=w)
        return cls(tuple(float(v) for v in x_knot), tuple(float(v) for v in y_knot))

    def transform(self, scores: np.ndarray) -> np.ndarray:
        x = np.asarray(self.x_, float)
        y = np.asarray(self.y_, float)
        out = np.interp(np.asarray(scores, float), x, y)
        return np.clip(out, 0.0, 1.0)

    def to_dict(self) -> dict:
        return {"method": self.method, "x": list(self.x_), "y": list(self.y_)}


@dataclass(frozen=True)
class PlattCalibrator:
    """``p = expit(a * logit(s) + b)`` fitted by Newton-Raphson on the log-loss (a > 0 keeps it monotone)."""

    a_: float
    b_: float
    method: str = "platt"

    @classmethod
    def fit(cls, scores: np.ndarray, y: np.ndarray, n_iter: int = 50) -> PlattCalibrator:
        x = _logit(scores)
        t = np.asarray(y, float)
        a, b = 1.0, 0.0
        for _ in range(n_iter):
            p = 1 / (1 + np.exp(-(a * x + b)))
            w = np.maximum(p * (1 - p), 1e-9)
            g = np.array([np.sum((p - t) * x), np.sum(p - t)])
            h = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]]) + 1e-9 * np.eye(2)
            step = np.linalg.solve(h, g)
            a, b = a - step[0], b - step[1]
            if np.max(np.abs(step)) < 1e-10:
                break
        return cls(float(max(a, 1e-6)), float(b))

    def transform(self, scores: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(self.a_ * _logit(scores) + self.b_)))

    def to_dict(self) -> dict:
        return {"method": self.method, "a": self.a_, "b": self.b_}


def calibrator_from_dict(d: dict) -> IsotonicCalibrator | PlattCalibrator:
    if d["method"] == "isotonic":
        return IsotonicCalibrator(tuple(d["x"]), tuple(d["y"]))
    return PlattCalibrator(float(d["a"]), float(d["b"]))


def fit_calibrator(scores: np.ndarray, y: np.ndarray, method: str = "isotonic") -> IsotonicCalibrator | PlattCalibrator:
    """Fit ``"isotonic"`` (default; needs a few hundred validation outcomes) or ``"platt"``."""
    if method == "isotonic":
        return IsotonicCalibrator.fit(scores, y)
    if method == "platt":
        return PlattCalibrator.fit(scores, y)
    raise ValueError(f"unknown calibration method {method!r}: use 'isotonic' or 'platt'")


# ------------------------------------------------------------------------------------------------------ metrics


def roc_auc(y: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve = P(score of a random positive > score of a random negative), ties count 1/2.

    ``AUC = (R_pos - n_pos (n_pos + 1) / 2) / (n_pos n_neg)`` with ``R_pos`` the sum of the positives' mid-ranks.
    Returns NaN when only one class is present.
    """
    y = np.asarray(y).astype(bool)
    s = np.asarray(scores, float)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(s.size, float)
    sorted_s = s[order]
    uniq, first, counts = np.unique(sorted_s, return_index=True, return_counts=True)
    mid = first + (counts + 1) / 2.0  # 1-based mid-rank of each tie group
    ranks[order] = np.repeat(mid, counts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def brier_score(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, float) - np.asarray(y, float)) ** 2))


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(np.asarray(p, float), _EPS, 1 - _EPS)
    t = np.asarray(y, float)
    return float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))


def accuracy(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> float:
    return float(np.mean((np.asarray(p, float) >= threshold) == np.asarray(y).astype(bool)))


def reliability_curve(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> list[dict]:
    """Points of the calibration plot: per equal-width bin of predicted probability, the mean prediction, the
    observed frequency and the count (empty bins are omitted)."""
    p = np.asarray(p, float)
    t = np.asarray(y, float)
    bins = np.clip((p * n_bins).astype(int), 0, n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    mean_p = np.bincount(bins, weights=p, minlength=n_bins)
    freq = np.bincount(bins, weights=t, minlength=n_bins)
    return [{"bin": int(b), "mean_predicted": round(float(mean_p[b] / counts[b]), 4),
             "observed": round(float(freq[b] / counts[b]), 4), "n": int(counts[b])}
            for b in range(n_bins) if counts[b] > 0]


def binary_metrics(y: np.ndarray, p: np.ndarray) -> dict:
    """AUC, accuracy at 0.5, Brier score, log-loss, base rate and n, rounded for a model card."""
    return {"auc": round(roc_auc(y, p), 4), "accuracy": round(accuracy(y, p), 4),
            "brier": round(brier_score(y, p), 4), "log_loss": round(log_loss(y, p), 4),
            "base_rate": round(float(np.mean(y)), 4), "n": int(np.asarray(y).size)}
