"""Symptom forecaster: the next ``horizon_weeks`` weekly PHQ-9 scores as quantiles, from the weekly history.

A GRU (Cho et al. 2014, arXiv:1406.1078) reads the last ``history_weeks`` weeks; each week's inputs are the PHQ-9
score carried forward (/27) and whether it was measured that week, whether a drug is taken, a start/switch flag,
the week's adherence, weekly sleep and steps from a wearable (standardised; 0 and a flag when absent), weeks since
the last change, plus the first PHQ-9 and the week number. A linear head gives, for each horizon week, quantile
offsets from the last observed score: the lowest directly and each higher one as the previous plus a softplus
increment, so quantiles never cross. Training minimises the pinball (quantile) loss
``L_q(y, yhat) = max(q (y - yhat), (q - 1)(y - yhat))`` averaged over quantiles and weeks (Koenker & Bassett
1978, Econometrica 46:33) with Adam and early stopping on validation patients.

Baselines, measured on the same held-out series: last value carried forward (LOCF, with empirical quantiles of
the change at each horizon from the training series) and the twin's mechanistic forecast
(:func:`novamind_core.twin.run_scenario` with the history up to the cut and the current drug continued). The
method with the lowest mean pinball loss on held-out series is recorded as ``default`` in the model card.

torch is imported inside the functions that need it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from novamind_core.domain.errors import NovamindError, ValidationError

QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
QUANTILE_KEYS: tuple[str, ...] = ("p05", "p25", "p50", "p75", "p95")
PHQ9_MAX = 27.0
FORECAST_FEATURES: tuple[str, ...] = (
    "phq9_locf_scaled", "phq9_measured", "on_drug", "medication_change", "adherence", "sleep_z", "steps_z",
    "wearable_present", "weeks_since_change_scaled", "first_phq9_scaled", "week_scaled",
)
SLEEP_MEAN_MIN, SLEEP_SD_MIN = 420.0, 60.0   # scaling only (typical adult TST ~7 h)
STEPS_MEAN, STEPS_SD = 7000.0, 2000.0        # scaling only


@dataclass(frozen=True)
class Windows:
    """Fixed-length inputs (N, L, F), targets (N, H) (NaN if unknown), last observed score (N,), origin."""

    X: np.ndarray
    y: np.ndarray
    last: np.ndarray
    series: np.ndarray
    cut: np.ndarray


def week_features(phq9: np.ndarray, on_drug: np.ndarray, med_change: np.ndarray, adherence: np.ndarray,
                  sleep_min: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Per-week inputs (n, W, F) for histories (n, W); NaN PHQ-9 = not measured (carried forward, vectorised)."""
    phq9 = np.asarray(phq9, float)
    n, W = phq9.shape
    measured = ~np.isnan(phq9)
    idx = np.where(measured, np.arange(W)[None, :], 0)
    np.maximum.accumulate(idx, axis=1, out=idx)
    locf = np.take_along_axis(np.where(measured, phq9, np.nan), idx, axis=1)
    first = np.nan_to_num(locf[:, :1], nan=0.0)
    locf = np.where(np.isnan(locf), first, locf)
    change = np.asarray(med_change, float) > 0
    last_change = np.where(change, np.arange(W)[None, :], -1)
    np.maximum.accumulate(last_change, axis=1, out=last_change)
    since = np.where(last_change >= 0, np.arange(W)[None, :] - last_change, W)
    wear = ~np.isnan(np.asarray(sleep_min, float))
    feats = np.stack([
        locf / PHQ9_MAX, measured.astype(float), np.asarray(on_drug, float), change.astype(float),
        np.asarray(adherence, float), np.where(wear, (np.nan_to_num(sleep_min) - SLEEP_MEAN_MIN) / SLEEP_SD_MIN, 0.0),
        np.where(~np.isnan(steps), (np.nan_to_num(steps) - STEPS_MEAN) / STEPS_SD, 0.0), wear.astype(float),
        np.minimum(since, 26) / 26.0, np.broadcast_to(first / PHQ9_MAX, (n, W)),
        np.broadcast_to(np.arange(W)[None, :] / 26.0, (n, W)),
    ], axis=-1)
    return feats, locf


def make_windows(series, cuts: np.ndarray, history_weeks: int, horizon_weeks: int,
                 rows: np.ndarray | None = None) -> Windows:
    """Windows ending at week ``cuts[k]`` of series ``rows[k]`` (targets from ``phq9_complete`` when present)."""
    rows = np.arange(series.n) if rows is None else np.asarray(rows)
    cuts = np.asarray(cuts, dtype=np.int64)
    feats, locf = week_features(series.phq9[rows], series.drug[rows] != "none", series.med_change[rows],
                                series.adherence[rows], series.sleep_min[rows], series.steps_per_day[rows])
    offs = np.arange(-history_weeks + 1, 1)
    hist_idx = cuts[:, None] + offs[None, :]
    if hist_idx.min() < 0:
        raise ValidationError(f"a window needs {history_weeks} weeks of history")
    k = np.arange(rows.size)[:, None]
    X = feats[k, hist_idx]
    last = locf[np.arange(rows.size), cuts]
    full = getattr(series, "phq9_complete", None)
    W = series.phq9.shape[1]
    fut = cuts[:, None] + np.arange(1, horizon_weeks + 1)[None, :]
    y = np.full(fut.shape, np.nan)
    if full is not None:
        ok = fut < W
        y[ok] = full[rows][np.broadcast_to(k, fut.shape)[ok], fut[ok]]
    return Windows(X.astype(np.float32), y, last, rows, cuts)


# ----------------------------------------------------------------------------------------------------- metrics


def pinball_loss(y: np.ndarray, q_pred: np.ndarray, quantiles: Sequence[float] = QUANTILES) -> float:
    """Mean pinball loss over rows, horizon weeks and quantiles; ``q_pred`` is (N, H, Q), ``y`` (N, H)."""
    q = np.asarray(quantiles)[None, None, :]
    diff = np.asarray(y)[..., None] - np.asarray(q_pred)
    return float(np.nanmean(np.maximum(q * diff, (q - 1) * diff)))


def forecast_metrics(y: np.ndarray, q_pred: np.ndarray) -> dict:
    """Held-out figures: MAE of the median (points), pinball loss, 50%/90% interval coverage, MAE per week."""
    med = q_pred[..., QUANTILES.index(0.5)]
    inside90 = (y >= q_pred[..., 0]) & (y <= q_pred[..., -1])
    inside50 = (y >= q_pred[..., 1]) & (y <= q_pred[..., 3])
    return {"mae_median_points": round(float(np.nanmean(np.abs(y - med))), 3),
            "pinball_loss": round(pinball_loss(y, q_pred), 4),
            "coverage_90_percent": round(100 * float(np.nanmean(inside90)), 1),
            "coverage_50_percent": round(100 * float(np.nanmean(inside50)), 1),
            "mae_by_week": [round(float(v), 3) for v in np.nanmean(np.abs(y - med), axis=0)],
            "n_series": int(y.shape[0])}


# --------------------------------------------------------------------------------------------------- baselines


def locf_residual_quantiles(train: Windows) -> np.ndarray:
    """Empirical quantiles (H, Q) of ``y_{c+h} - y_c`` on training windows: LOCF's prediction band."""
    d = train.y - train.last[:, None]
    return np.nanquantile(d, QUANTILES, axis=0).T


def locf_forecast(last: np.ndarray, residual_q: np.ndarray) -> np.ndarray:
    """Last value carried forward with the training residual quantiles, clipped to 0-27: (N, H, Q)."""
    return np.clip(np.asarray(last)[:, None, None] + residual_q[None, :, :], 0.0, PHQ9_MAX)


def twin_forecast(series, row: int, cut: int, horizon_weeks: int, draws: int = 200, seed: int = 0) -> np.ndarray:
    """The twin's mechanistic forecast (H, Q) for series ``row`` from its history up to week ``cut``.

    History: measured PHQ-9 up to the last measured week ``lo <= cut``, medications up to ``lo``; scenario: the
    drug taken at ``cut`` continued (or no drug), run ``cut - lo + horizon`` weeks; the weeks after ``cut`` kept.
    """
    from novamind_core.twin import run_scenario

    obs = [(7.0 * w, float(series.phq9[row, w])) for w in range(cut + 1) if not np.isnan(series.phq9[row, w])]
    if not obs:
        return np.full((horizon_weeks, len(QUANTILES)), np.nan)
    lo = int(obs[-1][0] // 7)
    cut = int(cut)
    steps = series.medication_steps(row, lo) if lo > 0 else []
    hist = {"phq9": obs, "medications": steps, "adherence": float(series.mean_adherence[row]),
            "cyp2d6": str(series.cyp2d6[row]), "cyp2c19": str(series.cyp2c19[row])}
    current = str(series.drug[row, cut])
    total_weeks = int(cut - lo + horizon_weeks)
    if current == "none":
        future = [{"drug": "none", "days": 7 * total_weeks}]
    else:
        future = [dict(s, days=7 * total_weeks) for s in series.medication_steps(row, cut + 1)[-1:]]
    res = run_scenario({"name": "continue", "steps": future, "horizon_weeks": int(total_weeks)}, hist, draws=draws,
                       seed=seed)
    q = np.array([res.phq9[k] for k in QUANTILE_KEYS]).T  # (weeks 0..total, Q)
    return q[cut - lo + 1: cut - lo + 1 + horizon_weeks]


# ------------------------------------------------------------------------------------------------------- model


@lru_cache(maxsize=1)
def _torch_module():
    import torch
    from torch import nn

    class GRUQuantile(nn.Module):
        """GRU encoder -> (H, Q) non-crossing quantile offsets (scaled by 27) from the last observed score."""

        def __init__(self, n_features: int, hidden_size: int, num_layers: int, horizon: int, n_quantiles: int):
            super().__init__()
            self.horizon, self.n_q = horizon, n_quantiles
            self.gru = nn.GRU(n_features, hidden_size, num_layers=num_layers, batch_first=True)
            self.head = nn.Linear(hidden_size, horizon * n_quantiles)

        def forward(self, x):
            _, h = self.gru(x)
            z = self.head(h[-1]).view(-1, self.horizon, self.n_q)
            inc = torch.nn.functional.softplus(z[..., 1:])
            return torch.cat([z[..., :1], z[..., :1] + torch.cumsum(inc, dim=-1)], dim=-1)

    return torch, GRUQuantile


class SymptomForecaster:
    """GRU quantile forecaster of weekly PHQ-9, shaped like a scikit-learn estimator.

    Parameters
    ----------
    hidden_size, num_layers : GRU size (small by default: 32 units, 1 layer, ~5 k parameters)
    history_weeks, horizon_weeks : window lengths (weeks); horizon 4-8 is the intended range
    epochs, batch_size, learning_rate, patience : training settings (early stopping on validation pinball loss)
    random_state : seed of torch and numpy
    """

    def __init__(self, hidden_size: int = 32, num_layers: int = 1, history_weeks: int = 10, horizon_weeks: int = 8,
                 epochs: int = 40, batch_size: int = 256, learning_rate: float = 3e-3, patience: int = 5,
                 random_state: int = 0) -> None:
        if not 1 <= horizon_weeks <= 12:
            raise ValidationError("horizon_weeks must be between 1 and 12", field="horizon_weeks", value=horizon_weeks)
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.history_weeks = history_weeks
        self.horizon_weeks = horizon_weeks
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.random_state = random_state

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("hidden_size", "num_layers", "history_weeks", "horizon_weeks", "epochs",
                                              "batch_size", "learning_rate", "patience", "random_state")}

    def _build(self):
        torch, cls = _torch_module()
        return torch, cls(len(FORECAST_FEATURES), self.hidden_size, self.num_layers, self.horizon_weeks,
                          len(QUANTILES))

    def fit(self, train: Windows, validation: Windows, progress=None) -> SymptomForecaster:
        """Train on windows; keep the weights of the epoch with the lowest validation pinball loss."""
        torch, net = None, None
        torch, _ = _torch_module()
        torch.manual_seed(self.random_state)
        torch, net = self._build()
        rng = np.random.default_rng(self.random_state)
        opt = torch.optim.Adam(net.parameters(), lr=self.learning_rate)
        q = torch.tensor(QUANTILES, dtype=torch.float32)
        Xt = torch.from_numpy(train.X)
        yt = torch.from_numpy(((train.y - train.last[:, None]) / PHQ9_MAX).astype(np.float32))
        Xv = torch.from_numpy(validation.X)
        best, best_state, wait = np.inf, None, 0
        self.history_ = []
        for epoch in range(self.epochs):
            net.train()
            order = rng.permutation(Xt.shape[0])
            for start in range(0, order.size, self.batch_size):
                b = torch.from_numpy(order[start:start + self.batch_size])
                pred = net(Xt[b])
                diff = yt[b].unsqueeze(-1) - pred
                loss = torch.maximum(q * diff, (q - 1) * diff)
                loss = loss[~torch.isnan(loss)].mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
            net.eval()
            with torch.no_grad():
                qv = self._to_scores(net(Xv).numpy(), validation.last)
            val = pinball_loss(validation.y, qv)
            self.history_.append(round(val, 5))
            if progress:
                progress(f"forecaster: epoch {epoch + 1}/{self.epochs} validation pinball {val:.4f}")
            if val < best - 1e-5:
                best, wait = val, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                wait += 1
                if wait >= self.patience:
                    break
        net.load_state_dict(best_state)
        net.eval()
        self.net_ = net
        self.best_validation_pinball_ = round(float(best), 5)
        self.epochs_run_ = len(self.history_)
        return self

    @staticmethod
    def _to_scores(offsets: np.ndarray, last: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(last)[:, None, None] + PHQ9_MAX * offsets, 0.0, PHQ9_MAX)

    def predict(self, windows: Windows | np.ndarray, last: np.ndarray | None = None) -> np.ndarray:
        """Quantile forecasts (N, H, Q) in PHQ-9 points, ordered p05 <= p25 <= p50 <= p75 <= p95."""
        if not hasattr(self, "net_"):
            raise NovamindError("SymptomForecaster is not fitted: call fit() or load one from the registry")
        torch, _ = _torch_module()
        X = windows.X if isinstance(windows, Windows) else np.asarray(windows, np.float32)
        last = windows.last if isinstance(windows, Windows) else np.asarray(last, float)
        with torch.no_grad():
            return self._to_scores(self.net_(torch.from_numpy(X.astype(np.float32))).numpy(), last)

    def predict_history(self, history: Mapping) -> dict:
        """Forecast for one patient from a plain dict of weekly lists (oldest first, the last = this week).

        Keys: ``phq9`` (scores, None where not measured), ``drug`` (name or "none" per week) or ``on_drug``
        (bools), optional ``medication_change``, ``adherence`` (0-1), ``sleep_min``, ``steps_per_day``.
        Fewer weeks than ``history_weeks`` are padded at the start with the first week.
        """
        phq = np.array([np.nan if v is None else float(v) for v in history.get("phq9", [])], float)
        if phq.size == 0 or np.all(np.isnan(phq)):
            raise ValidationError("a forecast needs at least one PHQ-9 score", field="phq9")
        W = phq.size

        def col(key: str, default: float) -> np.ndarray:
            vals = history.get(key)
            if vals is None:
                return np.full(W, default)
            arr = np.array([np.nan if v is None else float(v) for v in vals], float)
            if arr.size != W:
                raise ValidationError(f"{key} needs {W} weekly values, got {arr.size}", field=key)
            return arr

        if "drug" in history:
            on = np.array([str(d).lower() not in ("none", "", "placebo") for d in history["drug"]], float)
        else:
            on = np.nan_to_num(col("on_drug", 0.0))
        change = col("medication_change", np.nan)
        if np.isnan(change).all():
            change = np.r_[on[:1], np.diff(on) != 0].astype(float)
        adh = np.nan_to_num(col("adherence", 1.0), nan=1.0) * on
        pad = max(self.history_weeks - W, 0)

        def padded(a: np.ndarray) -> np.ndarray:
            return np.r_[np.full(pad, a[0]), a]

        feats, locf = week_features(padded(phq)[None], padded(on)[None], np.r_[np.zeros(pad), change][None],
                                    padded(adh)[None], padded(col("sleep_min", np.nan))[None],
                                    padded(col("steps_per_day", np.nan))[None])
        X = feats[:, -self.history_weeks:].astype(np.float32)
        q = self.predict(X, locf[:, -1])[0]
        return {"weeks_ahead": list(range(1, self.horizon_weeks + 1)),
                "phq9": {k: [round(float(v), 2) for v in q[:, j]] for j, k in enumerate(QUANTILE_KEYS)}}

    def to_files(self) -> dict[str, bytes]:
        torch, _ = _torch_module()
        buf = io.BytesIO()
        torch.save(self.net_.state_dict(), buf)
        cfg = {"params": self.get_params(), "features": list(FORECAST_FEATURES), "quantiles": list(QUANTILES)}
        return {"weights.pt": buf.getvalue(), "config.json": json.dumps(cfg, indent=1).encode("utf-8")}

    @classmethod
    def from_files(cls, read) -> SymptomForecaster:
        cfg = json.loads(read("config.json"))
        model = cls(**cfg["params"])
        torch, net = model._build()
        net.load_state_dict(torch.load(io.BytesIO(read("weights.pt")), weights_only=True))
        net.eval()
        model.net_ = net
        return model
