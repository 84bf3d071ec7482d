"""Self-contained panels that show the learned models' outputs for one patient, each with its honesty notes.

The ranking and forecast panels draw from the page's view model (:class:`ModelOutputs`, computed inside the page's
one view call, so they make no call and write no audit event of their own); the insight is a user action:

* ``treatment_ranking_panel(models)`` -- candidate drugs by predicted P(response) at week 8 with 80% intervals,
  P(remission), the top reasons, what the prediction used and lacked, and the model card;
* ``forecast_panel(models)`` -- fan chart of the PHQ-9 forecast against the observed scores;
* ``insight_panel(services, user, patient_id)`` -- the narrative summary, on a button press (its own audited call).

Every panel shows the synthetic-data notice, the published performance context (Chekroud et al. 2016: about
60-65% accuracy out of sample) and the disclaimer (docs/ux.md "Model output"). A missing or corrupt model becomes a
warning inside the panel, so the rest of the page still works; permission errors go to the page's error boundary.
Models are held in the service's process-level cache (loaded once per server process); no PHI is cached here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import streamlit as st

from components.models.charts import forecast_fan_figure, treatment_ranking_figure
from components.shared.session import once_per_page
from components.shared.theme import DISCLAIMER, SYNTHETIC_NOTICE
from novamind_core.domain.users import User
from novamind_core.services.predictions import (
    ForecastResult,
    ModelInfo,
    ModelOutputs,
    PatientInsight,
    TreatmentOption,
    TreatmentRanking,
)

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

CHART_CONFIG = {"displaylogo": False}
CHEKROUD_LINE = ("Published context: treatment-response prediction from baseline clinical data reaches about 60-65% "
                 "accuracy on real patients out of sample (Chekroud et al. 2016, Lancet Psychiatry 3:243).")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def ranking_rows(options: Sequence[TreatmentOption]) -> list[dict[str, str]]:
    """Table rows for the ranking (pure; tested without Streamlit)."""
    return [{"Drug": o.drug, "Response at week 8": _pct(o.p_response),
             "Response 80% interval": f"{_pct(o.p_response_low)}–{_pct(o.p_response_high)}",
             "Remission at week 8": _pct(o.p_remission),
             "Remission 80% interval": (f"{_pct(o.p_remission_low)}–{_pct(o.p_remission_high)}"
                                        if o.p_remission is not None else "n/a"),
             "Main reasons": "; ".join(r.text for r in o.reasons)} for o in options]


def model_card_expander(info: ModelInfo) -> None:
    """The model card in brief (clinicians cannot open the analysts' Models page)."""
    with st.expander(f"Model card: {info.label}"):
        st.markdown(f"**{info.model_type}**  \n{info.intended_use}")
        st.markdown(f"- **Data:** {info.data_description}\n- **Performance:** {info.held_out_summary}\n"
                    f"- **Published context:** {info.published_context}\n"
                    f"- **Version:** trained {info.created[:10]}, code {info.code_version}, "
                    f"checksum {info.checksum}… verified on load")
        for line in info.limitations:
            st.markdown(f"- {line}")


def _disclaimer() -> str:
    """The decision-support disclaimer the first time on the page, else nothing (it is already shown above)."""
    return DISCLAIMER if once_per_page("disclaimer") else ""


def _notices(synthetic: bool) -> None:
    if synthetic and once_per_page("synthetic data"):
        st.warning(SYNTHETIC_NOTICE, icon=":material/science:")


def treatment_ranking_panel(models: ModelOutputs, key: str = "nm_ml_rank") -> TreatmentRanking | None:
    """Draw the response model's ranking carried by a page's view model; returns the ``TreatmentRanking`` (None if
    unavailable)."""
    st.subheader("Predicted response by drug (learned model)", anchor=False)
    ranking = models.ranking
    if ranking is None:
        st.warning(f"The treatment ranking is unavailable: {models.ranking_unavailable or 'not computed'}",
                   icon=":material/report:")
        return None
    _notices(ranking.trained_on_synthetic_data)
    if not ranking.available:
        st.info(ranking.missing[0] if ranking.missing else "Not enough data for a ranking.",
                icon=":material/info:")
        model_card_expander(ranking.model)
        return ranking
    top = ranking.options[0]
    st.plotly_chart(treatment_ranking_figure(ranking.options, ranking.outcome_week, ranking.interval_percent),
                    key=f"{key}_chart", config=CHART_CONFIG)
    overlap = len(ranking.options) > 1 and top.p_response_low <= ranking.options[1].p_response_high
    st.caption(f"Highest predicted response: {top.drug} {_pct(top.p_response)} (80% interval "
               f"{_pct(top.p_response_low)}–{_pct(top.p_response_high)})"
               + (f"; its interval overlaps {ranking.options[1].drug}'s, so the model does not clearly separate them."
                  if overlap else ".") + " Intervals show the model's uncertainty, not the patient's chance alone.")
    st.dataframe(ranking_rows(ranking.options), hide_index=True, width="stretch", key=f"{key}_table")
    with st.expander("What the prediction is based on"):
        st.dataframe([{"Input": k, "Value": v} for k, v in ranking.inputs], hide_index=True, width="stretch",
                     key=f"{key}_inputs")
        for line in ranking.missing:
            st.markdown(f"- Missing: {line}")
    model_card_expander(ranking.model)
    st.caption(f"{CHEKROUD_LINE} {_disclaimer()}")
    return ranking


def forecast_panel(models: ModelOutputs, key: str = "nm_ml_forecast") -> ForecastResult | None:
    """Draw the PHQ-9 forecast fan chart carried by a page's view model; returns the ``ForecastResult`` (None if
    the model is unavailable)."""
    st.subheader("PHQ-9 forecast (learned model)", anchor=False)
    fc = models.forecast
    if fc is None:
        st.warning(f"The forecast is unavailable: {models.forecast_unavailable or 'not computed'}",
                   icon=":material/report:")
        return None
    _notices(fc.trained_on_synthetic_data)
    if not fc.available:
        st.info(fc.missing[0] if fc.missing else "Not enough data for a forecast.", icon=":material/info:")
        model_card_expander(fc.model)
        return fc
    st.plotly_chart(forecast_fan_figure(fc.observed, fc.dates, fc.quantiles, fc.method_label, fc.origin),
                    key=f"{key}_chart", config=CHART_CONFIG)
    q = fc.quantiles
    st.caption(f"In {fc.weeks_ahead[-1]} weeks, if the current treatment continues: median PHQ-9 "
               f"{q['p50'][-1]:.0f}, 50% band {q['p25'][-1]:.0f}–{q['p75'][-1]:.0f}, 90% band "
               f"{q['p05'][-1]:.0f}–{q['p95'][-1]:.0f} (method: {fc.method_label}).")
    with st.expander("How this forecast was made"):
        for line in (*fc.notes, *fc.missing):
            st.markdown(f"- {line}")
    model_card_expander(fc.model)
    if once_per_page("disclaimer"):
        st.caption(DISCLAIMER)
    return fc


def insight_panel(services: Services, user: User, patient_id: int, auto: bool = False,
                  key: str = "nm_ml_insight") -> PatientInsight | None:
    """The narrative summary of the patient's twin; computed on a button press unless ``auto``.

    The result is kept in this browser session only (``st.session_state``, per patient), never in a shared cache.
    """
    st.subheader("Insight: summary of the twin", anchor=False)
    state_key = f"{key}_{patient_id}"
    if auto or st.button("Summarise this patient's twin", key=f"{key}_go", icon=":material/summarize:"):
        with st.spinner("Reading the chart and running the models…"):
            st.session_state[state_key] = services.predictions.insight(user, patient_id)
    insight = st.session_state.get(state_key)
    if insight is None:
        st.caption("A plain-language summary of what changed, what the models predict and how sure they are.")
        return None
    for heading, text in insight.sections:
        st.markdown(f"**{heading}**  \n{text}")
    for notice in insight.notices:
        st.info(notice, icon=":material/info:")
    _notices(insight.trained_on_synthetic_data)
    st.caption(f"Written by the {insight.provider} provider. {_disclaimer()}")
    return insight


__all__ = ["forecast_panel", "insight_panel", "model_card_expander", "ranking_rows", "treatment_ranking_panel"]
