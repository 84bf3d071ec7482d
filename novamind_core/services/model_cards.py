"""Model cards and verified models: the registry side of :mod:`novamind_core.services.predictions`.

* :func:`verified_entry` -- the latest registry entry of a model with its SHA-256 checksum verified now, or
  :class:`ModelUnavailableError` saying how to rebuild it;
* :func:`loaded_model` -- the fitted model object, held in a process-level cache keyed by the model's name, path and
  combined checksum (:func:`clear_model_cache` forgets it); xgboost and torch are imported only here, on first load,
  never by importing this module;
* :func:`model_info` -- the short card summary every prediction result carries (:class:`ModelInfo`);
* :func:`card_view` -- the Models page's view of one card (:class:`ModelCardView`), every number read from the
  card's ``metadata.json`` (computed at training time), never recomputed.

Published context (docs/science.md §9): treatment-response prediction from baseline clinical data reaches about 60-65%
accuracy out of sample (Chekroud et al. 2016, Lancet Psychiatry 3:243); actigraphy transformers reach an AUC of about
0.6 for depression on NHANES (Ruan et al. 2024, arXiv:2411.15240).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from novamind_core.domain.errors import NotFoundError, NovamindError
from novamind_core.ml import registry

CHEKROUD_CONTEXT = ("Published out-of-sample accuracy of treatment-response prediction from baseline clinical data "
                    "is about 60-65% (Chekroud et al. 2016, Lancet Psychiatry 3:243).")
PAT_CONTEXT = ("Published AUCs of actigraphy transformers on real data are modest: depression about 0.6 on NHANES "
               "(Ruan et al. 2024, arXiv:2411.15240).")
MODEL_TITLES = {"response": "Treatment response (XGBoost ensemble)", "forecaster": "PHQ-9 symptom forecaster (GRU)",
                "actigraphy": "Actigraphy transformer (PAT-style)"}
METHOD_LABELS = {"gru": "GRU symptom forecaster", "twin": "the twin's mechanistic forecast",
                 "locf": "last value carried forward"}


class ModelUnavailableError(NovamindError):
    """A model the page needs is not in the registry, or its files do not match their checksum."""


# ---------------------------------------------------------------------------------------------- card types
@dataclass(frozen=True)
class ModelInfo:
    """What a result shows about the model behind it (from its card)."""

    name: str
    version: str
    model_type: str
    created: str
    code_version: str
    checksum: str
    trained_on_synthetic_data: bool
    data_description: str
    intended_use: str
    held_out_summary: str
    published_context: str
    limitations: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"



@dataclass(frozen=True)
class ForecasterBaseline:
    """One forecasting method's held-out scores on the forecaster's card (None where the card gives no figure)."""

    key: str  # "gru", "locf" or "twin", as the card names it
    method: str  # in words, e.g. "last value carried forward"
    pinball_loss: float | None
    mae_median_points: float | None
    coverage_90_percent: float | None
    coverage_50_percent: float | None
    default: bool  # the method the forecaster uses by default


@dataclass(frozen=True)
class ModelCardView:
    """A model card for the Models page (every number read from ``metadata.json``, computed at training time)."""

    name: str
    version: str
    title: str
    model_type: str
    created: str
    code_version: str
    seed: int | None
    intended_use: str
    data_description: str
    synthetic: bool
    data_size: str
    features: tuple[str, ...]
    metrics: tuple[tuple[str, str], ...]
    calibration: dict[str, tuple[tuple[float, float, int], ...]]
    calibration_note: str
    baselines: tuple[ForecasterBaseline, ...]
    default_method: str | None
    default_reason: str | None
    checksum: str
    checksum_ok: bool
    checksum_detail: str
    limitations: tuple[str, ...]
    published_context: str
    uncertainty: str = ""
    is_latest: bool = True
    raw: dict[str, Any] = field(default_factory=dict, repr=False)



# ---------------------------------------------------------------------------------------------- model cache
_CACHE: dict[tuple[str, str, str], Any] = {}
_LOCK = threading.Lock()


def verified_entry(name: str, model_dir: Path) -> registry.ModelEntry:
    """The latest version of ``name``, checksum verified; ModelUnavailableError otherwise."""
    try:
        entry = registry.find_model(name, None, model_dir)
        registry.verify_checksum(entry)
    except (NotFoundError, registry.ModelIntegrityError) as exc:
        raise ModelUnavailableError(
            f"the {name} model is not available ({exc}). An administrator can rebuild it with "
            f"`python -m novamind_core train {name}`") from None
    return entry


def loaded_model(entry: registry.ModelEntry, model_dir: Path) -> Any:
    """The fitted model object for ``entry`` (loaded once per process and checksum)."""
    from novamind_core.ml import training

    loaders: dict[str, Callable[..., Any]] = {"response": training.load_response_model,
                                              "forecaster": training.load_forecaster,
                                              "actigraphy": training.load_actigraphy_model}
    key = (entry.name, str(entry.path), str(entry.metadata.get("checksum", {}).get("combined", "")))
    with _LOCK:
        if key not in _CACHE:
            try:
                _CACHE[key] = loaders[entry.name](version=entry.version, model_dir=model_dir)
            except NovamindError as exc:
                raise ModelUnavailableError(f"the {entry.name} model cannot be loaded: {exc}") from None
            except Exception as exc:  # a damaged file that still matches its checksum, a missing library
                raise ModelUnavailableError(
                    f"the {entry.name} model cannot be loaded ({type(exc).__name__}); rebuild it with "
                    f"`python -m novamind_core train {entry.name}`") from None
        return _CACHE[key]


def clear_model_cache() -> None:
    """Forget loaded models (tests; after retraining in the same process)."""
    with _LOCK:
        _CACHE.clear()


def _fmt(value: Any, digits: int = 3) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}g}" if math.isfinite(value) else "n/a"
    return str(value)


def model_info(card: dict) -> ModelInfo:
    """The summary of a card that every prediction carries."""
    metrics = card.get("metrics", {})
    kind = card.get("kind", card.get("name", ""))
    if kind == "response":
        held = "; ".join(f"{k}: AUC {_fmt(metrics[k].get('auc'))}, accuracy {100 * metrics[k]['accuracy']:.0f}%"
                         for k in card.get("outcomes", ()) if isinstance(metrics.get(k), dict)
                         and "accuracy" in metrics[k])
        context = CHEKROUD_CONTEXT
    elif kind == "forecaster":
        default = card.get("default", "gru")
        sub = metrics.get("comparison_on_twin_subset", {}).get(default) or metrics.get(default, {})
        held = (f"{METHOD_LABELS.get(default, default)}: median error {_fmt(sub.get('mae_median_points'))} PHQ-9 "
                f"points, 90% band covers {_fmt(sub.get('coverage_90_percent'))}% of held-out scores")
        context = "Forecasts assume the current treatment continues."
    else:
        test = metrics.get("test", {})
        held = f"AUC {_fmt(test.get('auc'))}, accuracy {_fmt(test.get('accuracy'))}"
        context = PAT_CONTEXT
    data = card.get("data", {})
    return ModelInfo(
        name=str(card.get("name", kind)), version=str(card.get("version", "")),
        model_type=str(card.get("model_type", "")), created=str(card.get("created", "")),
        code_version=str(card.get("code_version", "unknown")),
        checksum=str(card.get("checksum", {}).get("combined", ""))[:12],
        trained_on_synthetic_data=bool(data.get("synthetic", False)),
        data_description=str(data.get("description", "")), intended_use=str(card.get("intended_use", "")),
        held_out_summary=f"held-out {held}" if held else "no held-out metrics recorded",
        published_context=context, limitations=tuple(card.get("limitations", ())))



# ---------------------------------------------------------------------------------------------- card views
def _metric_rows(card: dict) -> tuple[tuple[str, str], ...]:
    m = card.get("metrics", {})
    rows: list[tuple[str, str]] = []
    kind = card.get("kind", card.get("name"))
    if kind == "response":
        for k in card.get("outcomes", ()):
            v = m.get(k, {})
            if v:
                rows += [(f"{k.capitalize()}: AUC", _fmt(v.get("auc"))),
                         (f"{k.capitalize()}: accuracy", f"{100 * v.get('accuracy', float('nan')):.1f}%"),
                         (f"{k.capitalize()}: Brier score", _fmt(v.get("brier"))),
                         (f"{k.capitalize()}: base rate", f"{100 * v.get('base_rate', float('nan')):.1f}%"),
                         (f"{k.capitalize()}: test courses", str(v.get("n", "")))]
        patients = m.get("split", {}).get("patients", {})
        if patients:
            rows.append(("Patients train / validation / test",
                         f"{patients.get('train')} / {patients.get('validation')} / {patients.get('test')}"))
    elif kind == "forecaster":
        default = card.get("default", "gru")
        g = m.get(default) or m.get("comparison_on_twin_subset", {}).get(default, {})
        rows += [("Default method", METHOD_LABELS.get(default, default)),
                 ("Median absolute error (PHQ-9 points)", _fmt(g.get("mae_median_points"))),
                 ("Mean pinball loss", _fmt(g.get("pinball_loss"))),
                 ("90% band coverage", f"{_fmt(g.get('coverage_90_percent'))}%"),
                 ("50% band coverage", f"{_fmt(g.get('coverage_50_percent'))}%"),
                 ("Held-out series", str(g.get("n_series", "")))]
    else:
        t = m.get("test", {})
        rows += [("AUC", _fmt(t.get("auc"))), ("Accuracy", f"{100 * t.get('accuracy', float('nan')):.1f}%"),
                 ("Brier score", _fmt(t.get("brier"))), ("Base rate", f"{100 * t.get('base_rate', float('nan')):.1f}%"),
                 ("Test weeks", str(t.get("n", "")))]
    held = m.get("held_out")
    if held:
        rows.append(("Held out", str(held)))
    return tuple(rows)


def _calibration(card: dict) -> tuple[dict[str, tuple[tuple[float, float, int], ...]], str]:
    cal = card.get("calibration", {})
    curve = cal.get("curve")
    pts = (lambda xs: tuple((float(p["mean_predicted"]), float(p["observed"]), int(p.get("n", 0))) for p in xs))
    if isinstance(curve, dict):
        return {k: pts(v) for k, v in curve.items()}, str(cal.get("method", ""))
    if isinstance(curve, list):
        return {"disturbance": pts(curve)}, str(cal.get("note", ""))
    return {}, "Interval coverage on held-out series (a calibrated 90% band covers about 90%)."


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _baselines(card: dict) -> tuple[ForecasterBaseline, ...]:
    """The card's held-out comparison of the forecaster with its baselines, read from JSON into typed rows here."""
    sub = card.get("metrics", {}).get("comparison_on_twin_subset", {})
    default = card.get("default")
    return tuple(ForecasterBaseline(key=k, method=METHOD_LABELS.get(k, k),
                                    pinball_loss=_number(sub[k].get("pinball_loss")),
                                    mae_median_points=_number(sub[k].get("mae_median_points")),
                                    coverage_90_percent=_number(sub[k].get("coverage_90_percent")),
                                    coverage_50_percent=_number(sub[k].get("coverage_50_percent")),
                                    default=k == default)
                 for k in ("gru", "locf", "twin") if isinstance(sub.get(k), dict))


def card_view(entry: registry.ModelEntry, is_latest: bool = True) -> ModelCardView:
    """The Models page's view of one registry entry (checksum verified now)."""
    card = entry.metadata
    try:
        registry.verify_checksum(entry)
        ok, detail = True, "all weight files match the checksums recorded at training"
    except registry.ModelIntegrityError as exc:
        ok, detail = False, str(exc)
    kind = card.get("kind", entry.name)
    data = card.get("data", {})
    size = ", ".join(f"{k.removeprefix('n_')} {v}" for k, v in data.items() if k.startswith("n_"))
    calibration, cal_note = _calibration(card)
    context = {"response": CHEKROUD_CONTEXT, "actigraphy": PAT_CONTEXT}.get(
        kind, "No published benchmark for this forecaster; it is compared with two baselines on held-out series.")
    return ModelCardView(
        name=entry.name, version=entry.version, title=MODEL_TITLES.get(kind, entry.name),
        model_type=str(card.get("model_type", "")), created=str(card.get("created", "")),
        code_version=str(card.get("code_version", "unknown")), seed=card.get("training", {}).get("seed"),
        intended_use=str(card.get("intended_use", "")), data_description=str(data.get("description", "")),
        synthetic=bool(data.get("synthetic", False)), data_size=size,
        features=tuple(card.get("features", ())), metrics=_metric_rows(card), calibration=calibration,
        calibration_note=cal_note, baselines=_baselines(card), default_method=card.get("default"),
        default_reason=card.get("default_reason"), checksum=str(card.get("checksum", {}).get("combined", ""))[:16],
        checksum_ok=ok, checksum_detail=detail, limitations=tuple(card.get("limitations", ())),
        published_context=context, uncertainty=str(card.get("uncertainty", "")), is_latest=is_latest, raw=card)



__all__ = ["CHEKROUD_CONTEXT", "METHOD_LABELS", "MODEL_TITLES", "PAT_CONTEXT", "ForecasterBaseline", "ModelCardView",
           "ModelInfo", "ModelUnavailableError", "card_view", "clear_model_cache", "loaded_model", "model_info",
           "verified_entry"]
