"""Frozen result types of :class:`novamind_core.services.predictions.PredictionService` (re-exported there): the
treatment ranking, the PHQ-9 forecast, the insight, and :class:`ModelOutputs` (what a twin page's view model carries).

Types only: no database, no model loading. Decision support for research and demonstration; not a medical device.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from novamind_core.services.model_cards import ModelInfo

OUTCOME_WEEK = 8
INTERVAL_PERCENT = 80


@dataclass(frozen=True)
class Reason:
    """One feature's push on a drug's P(response), in log-odds (SHAP, ensemble mean; Lundberg et al. 2020)."""

    feature: str
    label: str
    value: str
    contribution_logit: float

    @property
    def direction(self) -> str:
        return "raises" if self.contribution_logit >= 0 else "lowers"

    @property
    def text(self) -> str:
        shown = f" ({self.value})" if self.value else ""
        return f"{self.label}{shown} {self.direction} the chance"


@dataclass(frozen=True)
class TreatmentOption:
    """A candidate drug: calibrated probabilities at week 8 (0-1) with 80% intervals and the top reasons."""

    drug: str
    p_response: float
    p_response_low: float
    p_response_high: float
    p_remission: float | None
    p_remission_low: float | None
    p_remission_high: float | None
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class TreatmentRanking:
    """Candidate drugs, best predicted response first; ``options`` is empty when the chart lacks a PHQ-9."""

    patient_id: int
    options: tuple[TreatmentOption, ...]
    inputs: tuple[tuple[str, str], ...]
    missing: tuple[str, ...]
    model: ModelInfo
    trained_on_synthetic_data: bool
    outcome_week: int = OUTCOME_WEEK
    interval_percent: int = INTERVAL_PERCENT
    notes: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        return bool(self.options)


@dataclass(frozen=True)
class ForecastResult:
    """PHQ-9 quantiles (``p05``..``p95``) for each week ahead of ``origin`` (today), with the observed history."""

    patient_id: int
    method: str
    method_label: str
    origin: date
    weeks_ahead: tuple[int, ...]
    dates: tuple[date, ...]
    quantiles: dict[str, tuple[float, ...]]
    observed: tuple[tuple[date, int], ...]
    missing: tuple[str, ...]
    notes: tuple[str, ...]
    model: ModelInfo
    trained_on_synthetic_data: bool

    @property
    def available(self) -> bool:
        return bool(self.weeks_ahead)


@dataclass(frozen=True)
class PatientInsight:
    """The narrative summary of a patient's twin, the provider that wrote it and what it could not use."""

    patient_id: int
    sections: tuple[tuple[str, str], ...]
    text: str
    provider: str
    notices: tuple[str, ...]
    trained_on_synthetic_data: bool


@dataclass(frozen=True)
class ModelOutputs:
    """The learned models' outputs a page shows, computed inside that page's view call (no audit of their own).

    A result is ``None`` where the page did not ask for it, or where its model is missing or corrupt: then
    ``ranking_unavailable`` / ``forecast_unavailable`` says why (the panel shows it; the rest of the page works).
    """

    ranking: TreatmentRanking | None = None
    ranking_unavailable: str | None = None
    forecast: ForecastResult | None = None
    forecast_unavailable: str | None = None

    def describe(self) -> str:
        """What was shown, for an audit detail (never PHI)."""
        parts = []
        if self.ranking is not None:
            parts.append(f"ranking options={len(self.ranking.options)}")
        elif self.ranking_unavailable:
            parts.append("ranking unavailable")
        if self.forecast is not None:
            parts.append(f"forecast method={self.forecast.method} weeks={len(self.forecast.weeks_ahead)}")
        elif self.forecast_unavailable:
            parts.append("forecast unavailable")
        return ", ".join(parts) or "no model output"


@dataclass(frozen=True)
class ModelOutputsKey:
    """What a page's model outputs were computed from: the patient (and its record's version), the twin's inputs
    (the per-category digests a twin version is keyed on: assessments, medications, PGx, wearables, twin model), the
    learned models' versions, and the day. Equal keys give equal outputs, so a session may keep and reuse them."""

    patient_id: int
    patient_version: int
    twin_inputs: tuple[tuple[str, str], ...]
    model_versions: tuple[str, ...]
    today: date


@dataclass(frozen=True)
class KeptModelOutputs:
    """Model outputs a page kept for its session (never in a shared cache: they describe one patient), with the key
    they were computed for; a view call given these reuses them when its own key is equal."""

    key: ModelOutputsKey
    outputs: ModelOutputs


__all__ = ["INTERVAL_PERCENT", "OUTCOME_WEEK", "ForecastResult", "KeptModelOutputs", "ModelOutputs", "ModelOutputsKey",
           "PatientInsight", "Reason", "TreatmentOption", "TreatmentRanking"]
