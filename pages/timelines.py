"""Neurotransmitter timelines: plasma levels, occupancy and regional neurotransmitter levels over the patient's real
medication history, optionally continued by a saved scenario (dashed, with its 90% interval).

Recipe: choices -> ``services.twin.timelines_view`` (one call, one audit event; carries the banner) -> banner ->
summary cards, linked panels, caption.
"""

from __future__ import annotations

import streamlit as st

from components.shared.errors import error_boundary
from components.shared.session import page_guard, patient_banner_from, patient_view
from components.simulation.charts import timelines_figure
from components.twin.levels_overlay import add_levels_overlay, levels_caption, safety_caption
from components.twin.state_charts import MODELLED
from components.twin.widgets import model_note, timeline_cards
from novamind_core.domain.brain import REGIONS, Neurotransmitter, Region

ctx = page_guard("timelines")
DEFAULT_REGIONS = ["prefrontal_cortex", "amygdala"]
DEFAULT_NEUROTRANSMITTERS = ["serotonin", "dopamine"]


def timelines_page() -> None:
    regions = st.session_state.get("nm_tl_regions", DEFAULT_REGIONS)
    nts = st.session_state.get("nm_tl_nts", DEFAULT_NEUROTRANSMITTERS)
    scenario_id = st.session_state.get("nm_tl_scenario")
    with st.spinner("Simulating plasma levels and neurotransmitter dynamics…"):
        page = patient_view(lambda pid: ctx.services.twin.timelines_view(ctx.user, pid, regions, nts,
                                                                         saved_scenario_id=scenario_id))
    patient_banner_from(page.chart)
    st.subheader("Neurotransmitter timelines", anchor=False)
    names = {s.id: s.name for s in page.saved}
    c1, c2, c3 = st.columns([2, 2, 2])
    c1.multiselect("Regions", [r.value for r in REGIONS], default=DEFAULT_REGIONS,
                   format_func=lambda r: Region(r).label, key="nm_tl_regions", max_selections=4)
    c2.multiselect("Neurotransmitters", list(MODELLED), default=DEFAULT_NEUROTRANSMITTERS,
                   format_func=lambda n: Neurotransmitter(n).label, key="nm_tl_nts")
    c3.selectbox("Continue with a saved scenario", [None, *names], key="nm_tl_scenario",
                 format_func=lambda i: "None (history only)" if i is None else names[i])
    data = page.data
    if data is None:
        st.info("Choose at least one region and one neurotransmitter.", icon=":material/tune:")
        return
    timeline_cards(data.summary)
    st.plotly_chart(add_levels_overlay(timelines_figure(data), page.levels), key="nm_tl_figure",
                    config={"displaylogo": False})
    plan = f" After today the dashed lines follow the saved plan '{data.scenario_name}' with its 90% interval." \
        if data.scenario_name else ""
    st.caption("Solid lines: the medication actually prescribed (median virtual patient with this patient's PGx). "
               "Shaded on the plasma panel: the therapeutic reference range (AGNP consensus)." + plan)
    levels_caption(page.levels)
    safety_caption(page.safety)
    for w in data.warnings:
        st.warning(f"{w.message}  \n*Source: {w.source}*", icon=":material/warning:")  # text-safe: catalogue
    model_note(None, patient="plasma levels and occupancy from population PK with between-subject variability and "
                             "this patient's PGx; levels are model quantities, not measurements",
               population_calibrated=data.model_calibrated)


with error_boundary("timelines"):
    timelines_page()
