"""Plain inputs of a twin insight: assessment history, medications, model and twin predictions (frozen dataclasses).

Everything is given as primitives so the insight generator needs no database and no model: services gather the
data (after their permission checks) and pass it in. ``from_dict`` accepts the same as plain JSON-like dicts.
PHI fields (``patient_name``, ``mrn``) are ``repr=False`` and are never sent to an external provider.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from novamind_core.domain.errors import ValidationError


@dataclass(frozen=True)
class AssessmentPoint:
    """One scored assessment: ISO date, instrument (``"PHQ-9"``, ``"GAD-7"``, ``"ISI"``) and total."""

    date: str
    instrument: str
    total: int


@dataclass(frozen=True)
class MedicationEntry:
    """A medication course: name, daily dose (mg), start date and stop date (None = current)."""

    name: str
    dose_mg_per_day: float | None
    start: str
    stop: str | None = None


@dataclass(frozen=True)
class DrugPrediction:
    """The response model's view of one candidate drug (probabilities 0-1, 80% interval) and its top reasons."""

    drug: str
    p_response: float
    p_response_low: float
    p_response_high: float
    p_remission: float | None = None
    top_features: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForecastBand:
    """PHQ-9 forecast quantiles per week ahead and the method that produced them (``gru``, ``twin``, ``locf``)."""

    weeks_ahead: tuple[int, ...]
    p05: tuple[float, ...]
    p50: tuple[float, ...]
    p95: tuple[float, ...]
    method: str


@dataclass(frozen=True)
class TwinInsightInput:
    """Everything a narrative summary may use."""

    assessments: tuple[AssessmentPoint, ...] = ()
    medications: tuple[MedicationEntry, ...] = ()
    drug_predictions: tuple[DrugPrediction, ...] = ()
    forecast: ForecastBand | None = None
    twin_p_response_week8: float | None = None
    twin_p_remission_week8: float | None = None
    twin_scenario: str | None = None
    models_trained_on_synthetic_data: bool = True
    as_of: str | None = None
    open_risk_alerts: tuple[str, ...] = ()
    """Open item-9 (self-harm) alerts in words; the summary leads with them (never sent to an external provider)."""
    patient_name: str | None = field(default=None, repr=False)
    mrn: str | None = field(default=None, repr=False)

    @classmethod
    def from_dict(cls, d: Mapping) -> TwinInsightInput:
        def _tuple(key, make):
            return tuple(make(**x) if isinstance(x, Mapping) else x for x in (d.get(key) or ()))

        forecast = d.get("forecast")
        if isinstance(forecast, Mapping):
            forecast = ForecastBand(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in forecast.items()})
        preds = tuple(DrugPrediction(**{**p, "top_features": tuple(p.get("top_features", ()))})
                      if isinstance(p, Mapping) else p for p in (d.get("drug_predictions") or ()))
        known = {"assessments", "medications", "drug_predictions", "forecast"}
        rest = {k: (tuple(v) if k == "open_risk_alerts" else v) for k, v in d.items() if k not in known}
        unknown = set(rest) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValidationError(f"unknown insight input(s): {', '.join(sorted(unknown))}", field="insight")
        return cls(assessments=_tuple("assessments", AssessmentPoint),
                   medications=_tuple("medications", MedicationEntry), drug_predictions=preds, forecast=forecast,
                   **rest)

    def series(self, instrument: str) -> list[AssessmentPoint]:
        """Assessments of one instrument, oldest first."""
        return sorted((a for a in self.assessments if a.instrument == instrument), key=lambda a: a.date)


def weeks_between(start: str, end: str) -> float:
    """Weeks from ISO date ``start`` to ``end``."""
    return (dt.date.fromisoformat(end[:10]) - dt.date.fromisoformat(start[:10])).days / 7.0
