"""Twin state: first the twin's answer to "why is this patient not responding?", then the patient's current digital
twin (regions x neurotransmitters, the modelled ones first and the rest behind a toggle, brain map, symptom domains,
occupancy), its version history with a diff, and what it is based on.

Recipe: the versions chosen for the diff (widget state; the latest two by default) -> ``services.twin.state_view``
(one call, one audit event; stores a new version only when an input changed; carries the banner and the learned
models' ranking and forecast) -> banner -> render.
"""

from __future__ import annotations

import streamlit as st

from components.models.panels import forecast_panel, treatment_ranking_panel
from components.shared.errors import error_boundary
from components.shared.session import page_guard, patient_banner_from, patient_view
from components.shared.text import plain
from components.shared.theme import format_date
from components.twin.response_review import response_review_panel
from components.twin.state_charts import (
    brain_map,
    clinical_date,
    diff_rows,
    neurotransmitter_columns,
    occupancy_bars,
    state_heatmap,
    symptom_profile,
    version_timeline,
)
from components.twin.widgets import completeness_table, model_note, state_cards
from novamind_core.domain.brain import Neurotransmitter
from novamind_core.services.prescribing import not_modelled_lines

ctx = page_guard("twin_state")
MODELLED = [Neurotransmitter.SEROTONIN, Neurotransmitter.NOREPINEPHRINE, Neurotransmitter.DOPAMINE]


def twin_state_page() -> None:
    chosen = (st.session_state.get("nm_twin_diff_from"), st.session_state.get("nm_twin_diff_to"))
    with st.spinner("Updating the twin from the chart…"):
        page = patient_view(lambda pid: ctx.services.twin.state_view(ctx.user, pid,
                                                                     compare=chosen if None not in chosen else None))
    patient_banner_from(page.chart)
    view = page.state
    response_review_panel(page.review)
    st.subheader("Digital twin", anchor=False)
    state_cards(view)
    outside = not_modelled_lines(page.chart.active_medications)  # never ignored silently
    if outside:
        st.warning("Not modelled by the twin (its levels and effects are not in these figures): "
                   + plain("; ".join(outside)) + ".", icon=":material/block:")

    unmodelled = st.toggle("Also show the 9 neurotransmitters the model does not simulate (not modelled: held at "
                           "the patient's baseline)", key="nm_twin_unmodelled")
    st.plotly_chart(state_heatmap(view, neurotransmitter_columns(unmodelled)), key="nm_twin_heatmap",
                    config={"displaylogo": False})
    st.caption("Each cell is the modelled level relative to this patient's own drug-free baseline (1.00); hover for "
               "its 90% interval across virtual patients and the drug and target that drive it. Only serotonin, "
               "noradrenaline and dopamine respond to drugs in this model; the others are not modelled.")
    model_note(page.basis)

    left, right = st.columns([3, 2])
    with left:
        nt = st.radio("Neurotransmitter on the brain map", MODELLED, format_func=lambda n: n.label,
                      horizontal=True, key="nm_twin_map_nt")
        st.plotly_chart(brain_map(view, nt.value), key="nm_twin_brain", config={"displaylogo": False})
        st.caption("Region centres from the cited atlases (MNI152, mm); bigger and redder = further above baseline.")
    with right:
        st.plotly_chart(symptom_profile(view.state.symptoms), key="nm_twin_symptoms", config={"displaylogo": False})
        st.plotly_chart(occupancy_bars(view.state.occupancy_percent), key="nm_twin_occupancy",
                        config={"displaylogo": False})
        st.caption(f"Occupancy on {format_date(view.as_of)} (mean over the day): the same reading as Timelines and "
                   "the simulation's week 0 on that date.")

    history_tab, data_tab, models_tab = st.tabs(["Version history", "What the twin is based on",
                                                 "Learned models (synthetic data)"])
    with history_tab:
        versions = page.versions
        st.plotly_chart(version_timeline(versions), key="nm_twin_versions", config={"displaylogo": False})
        if len(versions) < 2:
            st.caption("Only one version so far: a new one is stored when an assessment, medication, adherence note, "
                       "PGx result or wearable import changes the twin's inputs.")
        else:
            numbers = [v.version for v in versions]
            labels = {v.version: f"v{v.version} · data to {format_date(clinical_date(v))}" for v in versions}
            c1, c2 = st.columns(2)
            a = c1.selectbox("Compare version", numbers, index=len(numbers) - 2, key="nm_twin_diff_from",
                             format_func=labels.get)
            b = c2.selectbox("with version", numbers, index=len(numbers) - 1, key="nm_twin_diff_to",
                             format_func=labels.get)
            if page.difference is not None and a != b:
                rows = diff_rows(page.difference)
                st.dataframe(rows, hide_index=True, width="stretch", key="nm_twin_diff")
                st.caption(f"{len(rows)} value(s) changed from v{a} to v{b}, largest change first.")
    with data_tab:
        completeness_table(view.completeness)
    with models_tab:
        treatment_ranking_panel(page.models, key="nm_twin_ml_rank")
        forecast_panel(page.models, key="nm_twin_ml_forecast")


with error_boundary("twin_state"):
    twin_state_page()
