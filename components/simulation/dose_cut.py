"""Flag a what-if plan that lowers the dose of the drug the patient takes now: a dose cut is a change a clinician
must mean (a lower dose may lose the response and, for short half-life drugs, bring discontinuation symptoms), so
the comparison names it instead of letting it pass as "continue".

``dose_cuts(plans, current_drug, current_dose_mg)`` is pure (plans in, sentences out); ``dose_cut_warnings`` draws
them above the comparison.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from components.shared.text import plain
from novamind_core.twin.types import Scenario


def dose_cut(plan: Scenario, current_drug: str | None, current_dose_mg: float | None) -> str | None:
    """The sentence flagging ``plan`` as a dose cut of ``current_drug`` (mg/day), or None when it is not one.

    A plan cuts the dose when any of its steps gives the current drug below today's daily dose (the first such step
    is named). Switching to another drug or stopping is not a dose cut (the coming-off section covers those).
    """
    if not current_drug or not current_dose_mg:
        return None
    for step in plan.steps:
        if step.drug == current_drug and 0 < step.dose_mg_per_day < current_dose_mg:
            return (f"Plan '{plan.name}' is a dose cut: {current_drug} {step.dose_mg_per_day:g} mg/day, below today's "
                    f"{current_dose_mg:g} mg/day.")
    return None


def dose_cuts(plans: Sequence[Scenario], current_drug: str | None, current_dose_mg: float | None) -> list[str]:
    return [s for s in (dose_cut(p, current_drug, current_dose_mg) for p in plans) if s]


def dose_cut_warnings(plans: Sequence[Scenario], current_drug: str | None, current_dose_mg: float | None) -> None:
    for sentence in dose_cuts(plans, current_drug, current_dose_mg):
        st.warning(plain(sentence), icon=":material/trending_down:")
