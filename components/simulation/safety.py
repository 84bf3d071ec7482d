"""Cardiac safety and exposure of each plan in the comparison: predicted ΔΔQTc (mean, upper 95%, source) or why it is
not available, the QT rule findings (citalopram caps, additive QT risk), and the AGNP reference range with where the
predicted steady-state trough falls.

``safety_section(plans, defaults)`` draws one expander; the figures come from
:func:`novamind_core.services.twin_checks.scenario_safety`, the same function (and inputs: the plan, the chart's
covariates and co-medication in ``defaults``) the scenario check uses. ``safety_lines`` is the pure text builder the
timelines page's caption row reuses. Sources: docs/science.md §13-§14.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from components.shared.session import once_per_page
from components.shared.theme import DISCLAIMER
from novamind_core.pharmacology.regimen_safety import RegimenSafety
from novamind_core.services.twin_checks import scenario_safety
from novamind_core.services.twin_types import ScenarioDefaults
from novamind_core.twin.types import Scenario

LABEL = DISCLAIMER
FINDING_ICONS = {"major": ":material/error:", "moderate": ":material/warning:", "info": ":material/info:"}


def safety_lines(safety: RegimenSafety) -> list[str]:
    """One line each: the regimen with its QTc, the reference range and trough, the covariates used."""
    return [f"**{safety.drug} {safety.dose_mg_per_day:g} mg/day**: {safety.qtc_text()}",
            safety.range_text(), safety.covariates_text()]


def safety_sources(safety: RegimenSafety) -> str:
    """The sources of the figures shown for one regimen."""
    parts = []
    if safety.qtc.source:
        parts.append(f"QTc: {safety.qtc.source}")
    if safety.reference_range is not None:
        parts.append(f"reference range: {safety.reference_range.source}")
    return "Sources: " + ("; ".join(parts) if parts else "drug catalogue (no QTc or range figures for this drug)")


def _one(safety: RegimenSafety) -> None:
    lines = safety_lines(safety)
    st.markdown(lines[0])
    st.markdown(f"- {lines[1]}\n- {lines[2]}")
    for f in safety.qt_findings:
        text = f"{f.message} — *{f.source}*"
        if f.severity == "major":
            st.error(text, icon=FINDING_ICONS["major"])
        elif f.severity == "moderate":
            st.warning(text, icon=FINDING_ICONS["moderate"])
        else:
            st.caption(f"QT rule: {text}")
    st.caption(safety_sources(safety))


def safety_section(plans: Sequence[Scenario], defaults: ScenarioDefaults) -> None:
    """One expander with QTc, QT rules and reference range per drug of each plan; nothing when there is no plan."""
    if not plans:
        return
    with st.expander("Cardiac safety (QTc) and reference range of each plan", expanded=False):
        for plan in plans:
            results = scenario_safety(plan, defaults.covariates, defaults.co_medications)
            st.markdown(f"**{plan.name}**")
            if not results:
                st.caption("No drug with a pharmacokinetic model in this plan.")
            for r in results:
                _one(r)
        st.caption("Steady state of the typical patient with the chart's covariates (age from the date of birth, sex "
                   "at birth; weight and smoking are not recorded, so 70 kg non-smoker is assumed), the plan's PGx and "
                   "the chart's other medication, at each drug's highest dose in the plan."
                   + (f" {LABEL}" if once_per_page("disclaimer") else ""))
