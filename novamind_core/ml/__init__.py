"""Learned models of the twin: treatment response (xgboost), symptom forecaster and actigraphy transformer (torch).

Importing this package is cheap: torch and xgboost are imported inside the functions that train or predict.
Every shipped model is trained on synthetic data generated here and says so in its card.

Public API::

    ResponseModel(max_depth=4, n_estimators=300, n_bootstrap=5, random_state=0).fit(X, y, groups, feature_names)
        .predict_proba(X, with_interval=True) / .explain(X) / .rank_drugs(patient_dict) -> [DrugRanking]
    SymptomForecaster(...).fit(train_windows, validation_windows).predict(windows) -> (N, H, 5) quantiles
        .predict_history({"phq9": [...], "drug": [...], ...}) -> {"weeks_ahead", "phq9": {"p05".."p95"}}
    ActigraphyTransformer(...).pretrain(weeks).fit(weeks, labels).predict_proba(weeks) / .embed(weeks) / .features(week)
    grouped_split(groups, fractions, random_state) -> GroupedSplit;  assert_no_leakage(groups, split)
    train_response / train_forecaster / train_actigraphy(data=None, quick=False, seed=0, ...) -> ModelEntry
    load_response_model() / load_forecaster() / load_actigraphy_model()  (checksum + schema verified)
    list_models(), find_model(name), model_card(name)
"""

from novamind_core.ml.actigraphy import ActigraphyTransformer
from novamind_core.ml.features import BASE_FEATURES, CANDIDATE_DRUGS, CLINIC_CSV_COLUMNS, response_feature_names
from novamind_core.ml.forecaster import QUANTILE_KEYS, SymptomForecaster
from novamind_core.ml.registry import (
    ModelEntry,
    ModelIntegrityError,
    SchemaMismatchError,
    find_model,
    list_models,
    model_card,
    open_model,
)
from novamind_core.ml.response import DrugRanking, FeatureContribution, ResponseModel
from novamind_core.ml.splits import GroupedSplit, LeakageError, assert_no_leakage, grouped_split
from novamind_core.ml.training import (
    load_actigraphy_model,
    load_forecaster,
    load_response_model,
    train_actigraphy,
    train_forecaster,
    train_response,
)

__all__ = [
    "BASE_FEATURES", "CANDIDATE_DRUGS", "CLINIC_CSV_COLUMNS", "QUANTILE_KEYS", "ActigraphyTransformer", "DrugRanking",
    "FeatureContribution", "GroupedSplit", "LeakageError", "ModelEntry", "ModelIntegrityError", "ResponseModel",
    "SchemaMismatchError", "SymptomForecaster", "assert_no_leakage", "find_model", "grouped_split", "list_models",
    "load_actigraphy_model", "load_forecaster", "load_response_model", "model_card", "open_model",
    "response_feature_names", "train_actigraphy", "train_forecaster", "train_response",
]
