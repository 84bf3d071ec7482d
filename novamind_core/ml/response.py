"""Treatment-response model: P(response) and P(remission) at week 8 for a candidate drug (xgboost, native API).

For each outcome, a bootstrap ensemble of ``n_bootstrap`` gradient-boosted tree models (Chen & Guestrin 2016,
KDD, doi:10.1145/2939672.2939785; binary logistic loss) is trained with ``xgb.train`` on grouped bootstrap
resamples of the training patients, with early stopping on the validation patients. The ensemble mean is
calibrated on the validation patients (isotonic by default, :mod:`novamind_core.ml.calibration`) and evaluated
once on the test patients. Uncertainty: the spread of the calibrated members,
``[mean - z sd, mean + z sd]`` clipped to [0, 1] with ``z = 1.2816`` for an 80% interval (a normal
approximation to the ensemble's sampling spread; it covers model uncertainty, not the outcome's own chance).

Explanations: ``Booster.predict(pred_contribs=True)`` gives per-feature SHAP values in log-odds (Lundberg et al.
2020, Nat Mach Intell 2:56); the members' values are averaged and the drug one-hot columns summed into "drug".

Honesty: published out-of-sample accuracy of treatment-response prediction from baseline clinical data is about
60-65% (Chekroud et al. 2016, Lancet Psychiatry 3:243; docs/science.md §9). Metrics on synthetic data measure how
well the model recovers the simulator, not patients.

torch and xgboost are imported inside the methods that need them (importing this module stays cheap).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from novamind_core.domain.errors import NovamindError, ValidationError
from novamind_core.ml.calibration import binary_metrics, calibrator_from_dict, fit_calibrator, reliability_curve
from novamind_core.ml.features import BASE_FEATURES, FEATURE_LABELS, OUTCOMES, patient_base_row
from novamind_core.ml.splits import GroupedSplit, assert_no_leakage, grouped_split

Z_80 = 1.2816  # standard-normal quantile for a central 80% interval
PROBABILITY_FLOOR = 0.01
"""Calibrated probabilities are kept within [0.01, 0.99]: isotonic calibration puts exactly 0 or 1 on the end blocks,
a certainty that a validation set of a few thousand courses cannot support."""


@dataclass(frozen=True)
class FeatureContribution:
    """One feature's push on a prediction, in log-odds (positive raises the probability)."""

    feature: str
    label: str
    value: float | None
    contribution_logit: float


@dataclass(frozen=True)
class DrugRanking:
    """A candidate drug's predicted week-8 outcome with an 80% interval and the top reasons."""

    drug: str
    p_response: float
    p_response_low: float
    p_response_high: float
    p_remission: float
    p_remission_low: float
    p_remission_high: float
    top_features: tuple[FeatureContribution, ...]

    def to_dict(self) -> dict:
        return {"drug": self.drug, "p_response": self.p_response, "p_response_interval": [self.p_response_low,
                self.p_response_high], "p_remission": self.p_remission,
                "p_remission_interval": [self.p_remission_low, self.p_remission_high],
                "top_features": [{"feature": c.feature, "label": c.label, "value": c.value,
                                  "contribution_logit": c.contribution_logit} for c in self.top_features]}


def _xgb():
    import xgboost as xgb  # lazy: ~0.3 s and 19 MB, paid only when a model trains or predicts

    return xgb


class ResponseModel:
    """Bootstrap ensemble of calibrated xgboost classifiers, shaped like a scikit-learn estimator.

    Parameters
    ----------
    max_depth, n_estimators, learning_rate, subsample, colsample_bytree, min_child_weight
        xgboost tree settings (``n_estimators`` = maximum boosting rounds before early stopping).
    n_bootstrap : int
        Ensemble members (grouped bootstrap resamples of training patients).
    early_stopping_rounds : int
        Stop when the validation log-loss has not improved for this many rounds.
    calibration : {"isotonic", "platt"}
    fractions : (train, validation, test) fractions of *patients*.
    random_state : int
    """

    def __init__(self, max_depth: int = 4, n_estimators: int = 300, learning_rate: float = 0.05,
                 subsample: float = 0.8, colsample_bytree: float = 0.8, min_child_weight: float = 5.0,
                 n_bootstrap: int = 5, early_stopping_rounds: int = 30, calibration: str = "isotonic",
                 fractions: tuple[float, float, float] = (0.6, 0.2, 0.2), random_state: int = 0) -> None:
        self.max_depth = max_depth
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.n_bootstrap = n_bootstrap
        self.early_stopping_rounds = early_stopping_rounds
        self.calibration = calibration
        self.fractions = fractions
        self.random_state = random_state

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("max_depth", "n_estimators", "learning_rate", "subsample",
                                              "colsample_bytree", "min_child_weight", "n_bootstrap",
                                              "early_stopping_rounds", "calibration", "fractions", "random_state")}

    # ------------------------------------------------------------------------------------------------ fitting
    def _xgb_params(self, seed: int) -> dict:
        return {"objective": "binary:logistic", "eval_metric": "logloss", "max_depth": self.max_depth,
                "eta": self.learning_rate, "subsample": self.subsample, "colsample_bytree": self.colsample_bytree,
                "min_child_weight": self.min_child_weight, "tree_method": "hist", "seed": seed, "nthread": 2}

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray, feature_names: Sequence[str] | None = None,
            outcomes: Sequence[str] = OUTCOMES, split: GroupedSplit | None = None,
            progress=None) -> ResponseModel:
        """Fit on rows ``X`` (n, p), outcomes ``y`` (n,) or (n, k) in 0/1, patient ``groups`` (n,).

        The split is by patient (checked by :func:`~novamind_core.ml.splits.assert_no_leakage`); held-out
        metrics on the test patients land in ``metrics_`` and reliability points in ``calibration_curve_``.
        """
        xgb = _xgb()
        X = np.asarray(X, float)
        y = np.asarray(y, float)
        if y.ndim == 1:
            y = y[:, None]
        outcomes = tuple(outcomes)[: y.shape[1]]
        groups = np.asarray(groups)
        if not (X.shape[0] == y.shape[0] == groups.shape[0]):
            raise ValidationError(f"X, y and groups need the same number of rows ({X.shape[0]}, {y.shape[0]}, "
                                  f"{groups.shape[0]})")
        names = list(feature_names) if feature_names is not None else [f"f{i}" for i in range(X.shape[1])]
        split = split or grouped_split(groups, self.fractions, self.random_state)
        assert_no_leakage(groups, split)
        rng = np.random.default_rng(self.random_state)
        train_groups = np.unique(groups[split.train])
        rows_of = {g: split.train[groups[split.train] == g] for g in train_groups} if self.n_bootstrap > 1 else {}
        dval = {k: xgb.DMatrix(X[split.validation], label=y[split.validation, j], feature_names=names)
                for j, k in enumerate(outcomes)}
        self.boosters_: dict[str, list] = {k: [] for k in outcomes}
        self.best_iterations_: dict[str, list[int]] = {k: [] for k in outcomes}
        for b in range(self.n_bootstrap):
            if self.n_bootstrap > 1:
                pick = rng.choice(train_groups, size=train_groups.size, replace=True)
                rows = np.concatenate([rows_of[g] for g in pick])
            else:
                rows = split.train
            for j, k in enumerate(outcomes):
                dtrain = xgb.DMatrix(X[rows], label=y[rows, j], feature_names=names)
                booster = xgb.train(self._xgb_params(self.random_state * 1000 + b), dtrain,
                                    num_boost_round=self.n_estimators, evals=[(dval[k], "validation")],
                                    early_stopping_rounds=self.early_stopping_rounds, verbose_eval=False)
                self.boosters_[k].append(booster)
                self.best_iterations_[k].append(int(booster.best_iteration))
            if progress:
                progress(f"response model: member {b + 1}/{self.n_bootstrap} trained "
                         f"(best rounds {', '.join(str(self.best_iterations_[k][-1] + 1) for k in outcomes)})")
        self.feature_names_ = names
        self.outcomes_ = outcomes
        self.split_ = split
        self.n_features_in_ = X.shape[1]
        # calibrate the ensemble mean on validation patients; evaluate on test patients
        self.calibrators_ = {}
        raw_val = self._raw_members(X[split.validation])
        for j, k in enumerate(outcomes):
            self.calibrators_[k] = fit_calibrator(raw_val[k].mean(axis=0), y[split.validation, j], self.calibration)
        test = self.predict_proba(X[split.test], with_interval=False)
        raw_test = self._raw_members(X[split.test])
        self.metrics_ = {}
        self.calibration_curve_ = {}
        for j, k in enumerate(outcomes):
            yt = y[split.test, j]
            self.metrics_[k] = {**binary_metrics(yt, test[k]),
                                "uncalibrated": binary_metrics(yt, raw_test[k].mean(axis=0))}
            self.calibration_curve_[k] = reliability_curve(yt, test[k])
        self.metrics_["split"] = {**split.sizes(), "patients": {
            "train": int(np.unique(groups[split.train]).size),
            "validation": int(np.unique(groups[split.validation]).size),
            "test": int(np.unique(groups[split.test]).size)}}
        return self

    # ------------------------------------------------------------------------------------------------ predicting
    def _check_fitted(self) -> None:
        if not hasattr(self, "boosters_"):
            raise NovamindError("ResponseModel is not fitted: call fit() or load one from the registry")

    def _dmatrix(self, X: np.ndarray):
        X = np.atleast_2d(np.asarray(X, float))
        if X.shape[1] != len(self.feature_names_):
            raise ValidationError(f"expected {len(self.feature_names_)} features, got {X.shape[1]}",
                                  field="features", value=X.shape[1])
        return _xgb().DMatrix(X, feature_names=self.feature_names_)

    def _raw_members(self, X: np.ndarray) -> dict[str, np.ndarray]:
        d = self._dmatrix(X)
        return {k: np.stack([b.predict(d, iteration_range=(0, it + 1))
                             for b, it in zip(self.boosters_[k], self.best_iterations_[k], strict=True)])
                for k in self.outcomes_}

    def predict_proba(self, X: np.ndarray, with_interval: bool = False, z: float = Z_80) -> dict:
        """Calibrated probabilities per outcome (n,); with ``with_interval`` also ``<outcome>_low/_high`` (80%)."""
        self._check_fitted()
        raw = self._raw_members(X)
        out: dict[str, np.ndarray] = {}
        for k in self.outcomes_:
            cal = self.calibrators_[k]
            mean = np.clip(cal.transform(raw[k].mean(axis=0)), PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)
            out[k] = mean
            if with_interval:
                members = np.clip(np.stack([cal.transform(r) for r in raw[k]]), PROBABILITY_FLOOR,
                                  1 - PROBABILITY_FLOOR)
                sd = members.std(axis=0, ddof=1) if members.shape[0] > 1 else np.zeros_like(mean)
                out[f"{k}_low"] = np.clip(mean - z * sd, 0.0, 1.0)
                out[f"{k}_high"] = np.clip(mean + z * sd, 0.0, 1.0)
        return out

    def explain(self, X: np.ndarray, outcome: str = "response", top_k: int = 5) -> list[list[FeatureContribution]]:
        """Top ``top_k`` features by |SHAP| (log-odds, ensemble mean) for each row; drug one-hots summed as "drug"."""
        self._check_fitted()
        X = np.atleast_2d(np.asarray(X, float))
        d = self._dmatrix(X)
        contribs = np.mean([b.predict(d, pred_contribs=True, iteration_range=(0, it + 1))
                            for b, it in zip(self.boosters_[outcome], self.best_iterations_[outcome], strict=True)],
                           axis=0)[:, :-1]  # last column is the bias
        names = self.feature_names_
        drug_cols = [i for i, n in enumerate(names) if n.startswith("drug_")]
        other = [i for i in range(len(names)) if i not in drug_cols]
        out = []
        for r in range(X.shape[0]):
            items = [(names[i], contribs[r, i], X[r, i]) for i in other]
            if drug_cols:
                on = [names[i][5:] for i in drug_cols if X[r, i] == 1]
                items.append(("drug", float(contribs[r, drug_cols].sum()), on[0] if on else None))
            items.sort(key=lambda t: -abs(t[1]))
            out.append([FeatureContribution(n, FEATURE_LABELS.get(n, n.replace("_", " ")),
                                            (None if (isinstance(v, float) and np.isnan(v)) else
                                             (v if isinstance(v, str) or v is None else round(float(v), 3))),
                                            round(float(c), 4)) for n, c, v in items[:top_k]])
        return out

    @property
    def drugs_(self) -> list[str]:
        return [n[5:] for n in self.feature_names_ if n.startswith("drug_")]

    def patient_matrix(self, patient: Mapping, drugs: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
        """One row per candidate drug for a patient given as a plain dict (see ``features.patient_base_row``)."""
        self._check_fitted()
        drugs = list(drugs) if drugs is not None else self.drugs_
        unknown = [d for d in drugs if d not in self.drugs_]
        if unknown:
            raise ValidationError(f"the response model was not trained on {', '.join(unknown)}", field="drug")
        extra = [n for n in self.feature_names_[len(BASE_FEATURES):] if not n.startswith("drug_")]
        base = patient_base_row(patient, extra)
        X = np.tile(np.concatenate([base, np.zeros(len(self.drugs_))]), (len(drugs), 1))
        for r, dname in enumerate(drugs):
            X[r, len(base) + self.drugs_.index(dname)] = 1.0
        return X, drugs

    def rank_drugs(self, patient: Mapping, drugs: Sequence[str] | None = None, top_k: int = 3) -> list[DrugRanking]:
        """Candidate drugs sorted by calibrated P(response) (highest first), each with 80% intervals and reasons."""
        X, names = self.patient_matrix(patient, drugs)
        p = self.predict_proba(X, with_interval=True)
        why = self.explain(X, "response", top_k=top_k)
        rem = "remission" in self.outcomes_
        out = [DrugRanking(d, round(float(p["response"][i]), 4), round(float(p["response_low"][i]), 4),
                           round(float(p["response_high"][i]), 4),
                           round(float(p["remission"][i]), 4) if rem else float("nan"),
                           round(float(p["remission_low"][i]), 4) if rem else float("nan"),
                           round(float(p["remission_high"][i]), 4) if rem else float("nan"), tuple(why[i]))
               for i, d in enumerate(names)]
        return sorted(out, key=lambda r: -r.p_response)

    # ------------------------------------------------------------------------------------------------ persistence
    def to_files(self) -> dict[str, bytes]:
        """Weight files for the registry: one UBJSON booster per member and outcome, plus ``ensemble.json``."""
        self._check_fitted()
        files = {}
        for k in self.outcomes_:
            for i, b in enumerate(self.boosters_[k]):
                files[f"booster_{k}_{i}.ubj"] = bytes(b.save_raw(raw_format="ubj"))
        state = {"params": {**self.get_params(), "fractions": list(self.fractions)}, "outcomes": list(self.outcomes_),
                 "feature_names": self.feature_names_, "best_iterations": self.best_iterations_,
                 "calibrators": {k: c.to_dict() for k, c in self.calibrators_.items()}}
        files["ensemble.json"] = json.dumps(state, indent=1).encode("utf-8")
        return files

    @classmethod
    def from_files(cls, read) -> ResponseModel:
        """Rebuild from the registry files (``read(name) -> bytes``)."""
        xgb = _xgb()
        state = json.loads(read("ensemble.json"))
        params = dict(state["params"])
        params["fractions"] = tuple(params["fractions"])
        model = cls(**params)
        model.outcomes_ = tuple(state["outcomes"])
        model.feature_names_ = list(state["feature_names"])
        model.n_features_in_ = len(model.feature_names_)
        model.best_iterations_ = {k: list(v) for k, v in state["best_iterations"].items()}
        model.calibrators_ = {k: calibrator_from_dict(v) for k, v in state["calibrators"].items()}
        model.boosters_ = {}
        for k in model.outcomes_:
            model.boosters_[k] = []
            for i in range(len(model.best_iterations_[k])):
                b = xgb.Booster()
                b.load_model(bytearray(read(f"booster_{k}_{i}.ubj")))
                b.feature_names = model.feature_names_
                model.boosters_[k].append(b)
        return model
