"""Coming off a drug, for the plans that switch or stop the week-0 medication: discontinuation risk, a hyperbolic
taper plan, the PK-derived washout or cross-taper, and the Hunter checklist whenever two serotonergic agents overlap.

``coming_off_section(plans, current_drug, current_dose_mg)`` draws one expander per switching or stopping plan and
returns nothing; the figures come from the pure pharmacology modules (no patient data crosses: only the drug names
and the dose on the chart). Sources are shown under each figure (docs/science.md §15).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from components.shared.text import plain
from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology.discontinuation import discontinuation_risk
from novamind_core.pharmacology.switching import switch_plan
from novamind_core.pharmacology.taper import DEFAULT_STEP_OCCUPANCY_POINTS, DEFAULT_WEEKS_PER_STEP, hyperbolic_taper
from novamind_core.twin.types import Scenario

NOTICE = "Decision support for research and demonstration; not a medical device."


def incoming_drug(plan: Scenario, current_drug: str) -> str | None:
    """The plan's first drug when it differs from the week-0 drug; ``"stop"`` when the plan has no drug at all;
    ``None`` when the plan continues the current drug."""
    drugs = plan.drugs
    if not drugs:
        return "stop"
    return drugs[0] if drugs[0] != current_drug else None


def _taper_table(drug: str, dose_mg: float, key: str) -> None:
    c1, c2 = st.columns(2)
    weeks = c1.number_input("Weeks per step (your choice)", 0.5, 26.0, DEFAULT_WEEKS_PER_STEP, step=0.5,
                            key=f"{key}_weeks")
    points = c2.number_input("SERT-occupancy points per step", 1.0, 50.0, DEFAULT_STEP_OCCUPANCY_POINTS, step=1.0,
                             key=f"{key}_points", help="Smaller steps for a patient who struggles.")
    try:
        plan = hyperbolic_taper(drug, dose_mg, float(points), float(weeks))
    except ValidationError as exc:
        st.info(f"Hyperbolic taper: {plain(exc)}", icon=":material/info:")
        return
    st.markdown(f"**Hyperbolic taper of {drug}** from {dose_mg:g} mg/day: {len(plan.steps) - 1} steps of "
                f"{plan.actual_step_occupancy_points:g} SERT-occupancy points, {plan.total_weeks:g} weeks in all")
    st.dataframe([{"Week": s.week, "Dose (mg/day)": s.dose_mg, "SERT occupancy (%)": s.sert_occupancy_percent,
                   "How to give": s.how_to_give} for s in plan.steps], hide_index=True, width="stretch",
                 key=f"{key}_table")
    st.caption(f"{plan.method}. Source: {plan.source}. Formulations: {plan.formulation_source}.")


def _hunter(checklist_key: str, precondition: str, criteria: Sequence[str], source: str) -> None:
    st.markdown(f"**Hunter serotonin-toxicity criteria** — {precondition}")
    ticked = [c for i, c in enumerate(criteria) if st.checkbox(c.capitalize(), key=f"{checklist_key}_{i}")]
    if ticked:
        st.error(f"Serotonin toxicity by the Hunter criteria ({'; '.join(ticked)}): stop the serotonergic drugs and "
                 "seek urgent medical review.", icon=":material/emergency:")
    st.caption(f"Source: {source}")


def _one_plan(plan: Scenario, current_drug: str, current_dose_mg: float, key: str) -> None:
    to = incoming_drug(plan, current_drug)
    if to is None:
        return
    risk = discontinuation_risk(current_drug, current_dose_mg)
    title = f"Coming off {current_drug}: {plan.name}"
    with st.expander(title, expanded=False):
        st.markdown(risk.summary())
        st.caption(f"Source: {risk.source}")
        if to == "stop":
            _taper_table(current_drug, current_dose_mg, key)
        else:
            try:
                sw = switch_plan(current_drug, current_dose_mg, to, plan.switch_strategy)
            except ValidationError as exc:
                st.info(f"Switch plan: {plain(exc)}", icon=":material/info:")
                return
            st.markdown(f"**Switch to {to}** ({sw.strategy})")
            for line in sw.advice:
                st.markdown(f"- {line}")
            if sw.washout is not None:
                st.caption(f"Washout of {sw.washout.drug}: {sw.washout.days:g} days, set by "
                           f"{sw.washout.longest_lived_moiety}. Sources: {'; '.join(sw.sources)}")
            if sw.hunter is not None:
                _hunter(f"{key}_hunter", sw.hunter.precondition, sw.hunter.criteria, sw.hunter.source)
            if sw.strategy == "taper":
                _taper_table(current_drug, current_dose_mg, key)
        st.caption(NOTICE)


def coming_off_section(plans: Sequence[Scenario], current_drug: str | None, current_dose_mg: float | None,
                       key: str = "nm_sim_off") -> None:
    """One expander per plan that switches or stops the week-0 drug; nothing when no plan does."""
    if not current_drug or not current_dose_mg:
        return
    relevant = [(i, p) for i, p in enumerate(plans) if incoming_drug(p, current_drug) is not None]
    if not relevant:
        return
    st.markdown("**Coming off the current medication**")
    for i, plan in relevant:
        _one_plan(plan, current_drug, float(current_dose_mg), f"{key}_{i}")
