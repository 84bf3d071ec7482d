"""Plans queued twice: two plans that differ at most in their name give the same prediction, so the page says so
(a hint, not a block: a clinician may compare a plan with itself under another seed or name on purpose)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from novamind_core.twin.types import Scenario


def _treatment(plan: Scenario) -> dict[str, object]:
    return {k: v for k, v in plan.to_mapping().items() if k != "name"}


def same_plans(plans: Sequence[Scenario]) -> list[tuple[int, int]]:
    """``(later, earlier)`` plan numbers (from 1) for each plan that repeats an earlier one, the name aside."""
    found: list[tuple[int, int]] = []
    for j, plan in enumerate(plans):
        earlier = next((i for i in range(j) if _treatment(plans[i]) == _treatment(plan)), None)
        if earlier is not None:
            found.append((j + 1, earlier + 1))
    return found


def same_plan_hints(plans: Sequence[Scenario]) -> None:
    """One warning per repeated plan: "Plan 2 is the same as plan 1"."""
    for later, earlier in same_plans(plans):
        st.warning(f"Plan {later} is the same as plan {earlier} (only the name may differ): it will predict the "
                   "same course. Change a dose, a step or the adherence to compare something else.",
                   icon=":material/content_copy:")
