"""Tiny page script for tests/app/test_model_panels.py: the three model panels for the patient in ``?pid=``."""

from __future__ import annotations

import streamlit as st

from components.models.panels import forecast_panel, insight_panel, treatment_ranking_panel
from components.shared.errors import error_boundary
from components.shared.session import page_guard

ctx = page_guard("patient")
pid = int(st.query_params.get("pid", "0"))
with error_boundary("model panels"):
    treatment_ranking_panel(ctx.services, ctx.user, pid)
    forecast_panel(ctx.services, ctx.user, pid)
    insight_panel(ctx.services, ctx.user, pid)
