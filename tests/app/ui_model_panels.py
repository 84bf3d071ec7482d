"""Tiny page script for tests/app/test_model_panels.py: the three model panels for the patient in ``?pid=``.

The ranking and forecast panels draw from a :class:`ModelOutputs` (a twin page's view model carries one); here it
is filled from the predictions service's public calls, the doors other callers use.
"""

from __future__ import annotations

import streamlit as st

from components.models.panels import forecast_panel, insight_panel, treatment_ranking_panel
from components.shared.errors import error_boundary
from components.shared.session import page_guard
from novamind_core.services.predictions import ModelOutputs, ModelUnavailableError

ctx = page_guard("patient")
pid = int(st.query_params.get("pid", "0"))


def model_outputs() -> ModelOutputs:
    ranking = forecast = None
    ranking_reason = forecast_reason = None
    try:
        ranking = ctx.services.predictions.rank_treatments(ctx.user, pid)
    except ModelUnavailableError as exc:
        ranking_reason = str(exc)
    try:
        forecast = ctx.services.predictions.forecast(ctx.user, pid)
    except ModelUnavailableError as exc:
        forecast_reason = str(exc)
    return ModelOutputs(ranking, ranking_reason, forecast, forecast_reason)


with error_boundary("model panels"):
    outputs = model_outputs()
    treatment_ranking_panel(outputs)
    forecast_panel(outputs)
    insight_panel(ctx.services, ctx.user, pid)
