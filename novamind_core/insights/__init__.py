"""Narrative insights about a patient's twin for the chart.

``generate_insight(inputs, settings=None) -> Insight``: the deterministic offline provider by default; with
``Settings.insight_provider_url`` and ``Settings.insight_model`` set, an OpenAI-compatible endpoint is tried first
(PHI redacted before anything leaves the process) and any failure falls back to the offline text with a notice.

Public API::

    TwinInsightInput(assessments=(AssessmentPoint(date, instrument, total), ...), medications=(MedicationEntry(...),),
                     drug_predictions=(DrugPrediction(...),), forecast=ForecastBand(...), twin_p_response_week8=...)
    TwinInsightInput.from_dict({...});  generate_insight(inp, settings=None, provider=None) -> Insight(.text, .sections,
    .provider, .notices);  OfflineInsightProvider();  OpenAICompatibleProvider(url, model, timeout_s)
"""

from __future__ import annotations

from typing import Any

from novamind_core.insights.inputs import (
    AssessmentPoint,
    DrugPrediction,
    ForecastBand,
    MedicationEntry,
    TwinInsightInput,
)
from novamind_core.insights.llm import OpenAICompatibleProvider, ProviderError
from novamind_core.insights.offline import Insight, OfflineInsightProvider


def provider_from_settings(settings: Any) -> OpenAICompatibleProvider | None:
    """The external provider when both ``insight_provider_url`` and ``insight_model`` are set, else None."""
    url = getattr(settings, "insight_provider_url", None)
    model = getattr(settings, "insight_model", None)
    if not url or not model:
        return None
    return OpenAICompatibleProvider(url, model, timeout_s=getattr(settings, "insight_timeout_s", 10.0))


RISK_HEADING = "Open risk alert"


def risk_section(open_risk_alerts: tuple[str, ...]) -> tuple[str, str]:
    """The section every summary leads with while a self-harm item alert is open (whichever provider wrote the rest)."""
    listed = "; ".join(open_risk_alerts)
    many = len(open_risk_alerts) > 1
    return (RISK_HEADING, f"{listed}. {'These alerts are' if many else 'This alert is'} open: complete the risk "
            "review (C-SSRS screener, formulation, safety plan, action and follow-up) before anything else.")


def _lead_with_risk(insight: Insight, inp: TwinInsightInput) -> Insight:
    if not inp.open_risk_alerts:
        return insight
    return Insight((risk_section(inp.open_risk_alerts), *insight.sections), insight.provider, insight.notices)


def generate_insight(inputs: TwinInsightInput | dict, settings: Any = None,
                     provider: OpenAICompatibleProvider | None = None) -> Insight:
    """Summarise a patient's twin; external provider only when configured, offline otherwise or on any failure.

    An open risk alert always comes first (:func:`risk_section`), whichever provider wrote the summary; the alert
    text is not sent to an external provider.
    """
    inp = inputs if isinstance(inputs, TwinInsightInput) else TwinInsightInput.from_dict(inputs)
    external = provider or (provider_from_settings(settings) if settings is not None else None)
    if external is None:
        return _lead_with_risk(OfflineInsightProvider().summarise(inp), inp)
    try:
        return _lead_with_risk(external.summarise(inp), inp)
    except ProviderError as exc:
        return _lead_with_risk(OfflineInsightProvider().summarise(
            inp, notices=(f"The language-model provider was not used ({exc}); this is the offline summary.",)), inp)


__all__ = ["RISK_HEADING", "AssessmentPoint", "DrugPrediction", "ForecastBand", "Insight", "MedicationEntry",
           "OfflineInsightProvider", "OpenAICompatibleProvider", "ProviderError", "TwinInsightInput",
           "generate_insight", "provider_from_settings", "risk_section"]
