"""Treatment simulation: build up to four treatment plans, run them on the patient's twin, compare the predicted
PHQ-9 courses and outcomes, save a plan to the chart with a note, reload saved plans, and export the comparison.

Recipe: ``services.twin.simulation_view`` (banner, form defaults, saved plans, the learned ranking; one audit event)
-> banner -> scenario builder (checked by ``services.twin.check_scenario``) -> ``services.twin.run_scenarios`` (a user
action) -> warnings first, fan chart, outcomes, per-plan PK and neurotransmitters -> save / export. Results live in
this session only.
"""

from __future__ import annotations

import contextlib

import streamlit as st

from components.models.panels import treatment_ranking_panel
from components.patient.form_state import keep_value, restored_value
from components.shared.errors import error_boundary
from components.shared.export import export_file_stem
from components.shared.session import flash, page_guard, patient_banner_from, patient_view
from components.shared.text import plain
from components.shared.theme import format_date
from components.simulation.charts import (
    fan_chart,
    model_technicalities,
    nt_panel,
    outcomes_frame,
    pk_panels,
    remission_caption,
    week0_sentence,
)
from components.simulation.coming_off import coming_off_section
from components.simulation.dose_cut import dose_cut_warnings
from components.simulation.duplicates import same_plan_hints
from components.simulation.form import scenario_form
from components.simulation.safety import safety_section
from components.twin.widgets import (
    comparison_list,
    export_block,
    levels_sentence,
    model_note,
    saved_picker,
    warnings_block,
)
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.patients import Patient
from novamind_core.domain.scenario_limits import MAX_COMPARED_SCENARIOS
from novamind_core.services.twin import ScenarioRun
from novamind_core.twin.types import Scenario

ctx = page_guard("simulation")
DRAWS = (250, 500, 1000, 2000)


def results_section(run: ScenarioRun, patient: Patient) -> None:
    pid = patient.id
    st.subheader("Results", anchor=False)
    warnings_block(run.results)
    st.plotly_chart(fan_chart(run), key="nm_sim_fan", config={"displaylogo": False})
    st.caption(f"{week0_sentence(run)} Based on the {run.based_on}. Dashed: median prediction; shaded: 50% and 90% "
               f"intervals. {remission_caption()}")
    table = outcomes_frame(run)
    st.dataframe(table, hide_index=True, width="stretch", key="nm_sim_table", column_config={
        c: st.column_config.NumberColumn(format="percent") for c in table.columns if c.startswith("P(")})
    model_note(run.posterior)
    with st.expander("Advanced: how these predictions were computed"):
        for line in model_technicalities(run.posterior):
            st.markdown(f"- {line}")  # text-safe: model metadata (method name and numbers), no user text
    for tab, result in zip(st.tabs([plain(r.name) for r in run.results]), run.results, strict=True):
        with tab:
            st.plotly_chart(pk_panels(result, run.week0), key=f"nm_sim_pk_{result.name}")
            st.plotly_chart(nt_panel(result, run.week0), key=f"nm_sim_nt_{result.name}")
    with st.form("nm_sim_save", clear_on_submit=True):
        st.markdown("**Save a plan to the chart**")
        names = [r.name for r in run.results]
        which = st.selectbox("Plan", range(len(names)), format_func=lambda i: names[i])
        note = st.text_area("Note (why this plan, what was discussed)", max_chars=2000)
        if st.form_submit_button("Save to chart", type="primary", icon=":material/save:"):
            saved = ctx.services.twin.save_scenario(ctx.user, pid, names[which], st.session_state["nm_sim_ran"][which],
                                                    note=note)
            flash(f"Saved '{saved.name}' to the chart.")
            st.rerun()
    export_block(ctx.services, ctx.user, patient, run, st.session_state["nm_sim_ran"],
                 export_file_stem("scenarios"))  # no MRN in file names


def simulation_page() -> None:
    # the ranking is kept in this session (never a shared cache: PHI) and reused while its key is unchanged
    view = patient_view(lambda pid: ctx.services.twin.simulation_view(
        ctx.user, pid, reuse=st.session_state.get("nm_sim_models")))
    st.session_state["nm_sim_models"] = view.kept_models
    chart = view.chart
    patient_banner_from(chart)
    pid = chart.patient.id
    if st.session_state.get("nm_sim_for") != pid:  # never show one patient's plans on another's chart
        st.session_state.update(nm_sim_for=pid, nm_sim_queue=[], nm_sim_run=None, nm_sim_ran=[], nm_sim_pdf=None)
    queue: list[Scenario] = st.session_state["nm_sim_queue"]
    restored = restored_value(ctx.services, ctx.user, pid, FormName.SIMULATION_PLANS)  # queued before a reload
    if restored and not queue:
        for plan in restored.get("plans") or []:
            with contextlib.suppress(ValidationError, TypeError, KeyError):
                queue.append(Scenario.from_mapping(plan))
    st.subheader("Treatment simulation", anchor=False)
    if view.week0_levels is not None:
        st.caption(levels_sentence(f"At week 0 ({format_date(view.week0_levels.on)}) on the current regimen",
                                   view.week0_levels.plasma_ng_ml, view.week0_levels.occupancy_percent))
    with st.container(border=True):
        st.markdown("**Build a plan**")
        scenario = scenario_form(view.defaults)
    if scenario is not None:
        if len(queue) >= MAX_COMPARED_SCENARIOS:
            st.warning(f"Compare at most {MAX_COMPARED_SCENARIOS} plans: remove one first.", icon=":material/info:")
        else:
            queue.append(scenario)
    with st.expander("Reload a saved plan"):
        chosen = saved_picker(view.saved, "nm_sim_saved")
        if chosen is not None:
            if chosen.note:
                st.caption(f"Note: {plain(chosen.note)}")
            if st.button("Add saved plan to the comparison", key="nm_sim_load",
                         disabled=len(queue) >= MAX_COMPARED_SCENARIOS):
                try:
                    queue.append(Scenario.from_mapping({**dict(chosen.scenario), "name": chosen.name}))
                except ValidationError as exc:
                    st.error(f"The saved plan '{plain(chosen.name)}' cannot be simulated: {plain(exc)}",
                             icon=":material/block:")
    st.markdown(f"**Plans to compare ({len(queue)}/{MAX_COMPARED_SCENARIOS})**")
    queue[:] = comparison_list(queue, "nm_sim_queue")
    same_plan_hints(queue)
    keep_value(ctx.services, ctx.user, pid, FormName.SIMULATION_PLANS, {"plans": [q.to_mapping() for q in queue]})
    dose_cut_warnings(queue, view.defaults.current_drug, view.defaults.current_dose_mg)  # a lower dose is named
    coming_off_section(queue, view.defaults.current_drug, view.defaults.current_dose_mg)
    safety_section(queue, view.defaults)
    with st.expander("Advanced: simulation settings"):
        a1, a2 = st.columns(2)
        draws = a1.selectbox("Number of simulated patients", DRAWS, index=2, key="nm_sim_draws",
                             help="More simulated patients give smoother predictions and take longer.")
        seed = a2.number_input("Random seed (for repeatable results)", 0, 10_000, 0, key="nm_sim_seed",
                               help="The same plans with the same seed give the same predictions.")
    if st.button("Run simulation", type="primary", icon=":material/play_arrow:", disabled=not queue,
                 key="nm_sim_run_button"):
        bar = st.progress(5, text=f"Predicting {len(queue)} plan(s) for this patient…")
        st.session_state["nm_sim_run"] = ctx.services.twin.run_scenarios(ctx.user, pid, list(queue), draws=draws,
                                                                         seed=int(seed))
        st.session_state["nm_sim_ran"] = list(queue)
        bar.progress(100, text=f"Done: {len(queue)} plan(s) simulated.")
    if st.session_state.get("nm_sim_run") is not None:
        results_section(st.session_state["nm_sim_run"], chart.patient)
    elif not queue:
        st.info("Add one or more plans above, then run the simulation to compare them.", icon=":material/science:")
    with st.expander("Candidate drugs ranked by the learned response model (trained on synthetic data)"):
        treatment_ranking_panel(view.models, key="nm_sim_ml_rank")


with error_boundary("simulation"):
    simulation_page()
