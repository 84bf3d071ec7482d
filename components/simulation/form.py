"""The treatment scenario builder: ``scenario_form(defaults) -> Scenario | None`` (a typed, frozen scenario).

Defaults come from the drug catalogue's usual titration (start dose, step, interval). The scenario is checked on every
change, before anything is simulated, by the one check the twin service offers
(:func:`novamind_core.services.twin.check_scenario`: catalogue dose range, PGx guideline maximum, unsafe switches and
combinations, each with its source); the engine then trusts it.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.phenotypes import ASSUMED_PHENOTYPE, PHENOTYPE_CODES, phenotype_label
from novamind_core.domain.scenario_limits import DEFAULT_HORIZON_WEEKS, MAX_COMPARED_SCENARIOS, MAX_HORIZON_WEEKS
from novamind_core.services.twin import ScenarioCheck, ScenarioDefaults, ScenarioIssue, check_scenario
from novamind_core.twin.types import Scenario, ScenarioStep

STRATEGIES = {"direct": "Direct switch", "taper": "Taper, then switch", "cross-taper": "Cross-taper"}
MISSED_PATTERNS: dict[str, str] = {
    "none": "No missed doses", "weekly": "One dose a week (day 4)", "weekends": "Weekend doses (2 a week)",
    "gap3": "A 3-day gap in week 2", "week_off": "A week off in month 2",
}
#: The form's defaults are the service's :class:`ScenarioDefaults` (kept under the form's old name).
FormDefaults = ScenarioDefaults


def missed_days(pattern: str, horizon_weeks: int) -> list[int]:
    """Day numbers (from the scenario start) with no dose for a named pattern."""
    weeks = range(horizon_weeks)
    days = {"none": [], "weekly": [7 * w + 3 for w in weeks], "weekends": [d for w in weeks for d in (7 * w + 5,
                                                                                                      7 * w + 6)],
            "gap3": [8, 9, 10], "week_off": list(range(35, 42))}[pattern]
    return [d for d in days if d < 7 * horizon_weeks]


def catalogue_titration(drug: str) -> tuple[float, float, float, float]:
    """(start mg/day, first increase mg/day, after days, usual max mg/day) from the catalogue's usual titration."""
    from novamind_core.pharmacology import load_catalogue

    d = load_catalogue().get(drug)
    if d.dose is None:
        return 0.0, 0.0, 7.0, 0.0
    step1 = min(d.dose.start_mg_per_day + d.dose.titration_step_mg, d.dose.usual_max_mg_per_day)
    if d.dose.start_mg_per_day >= d.dose.usual_min_mg_per_day:
        step1 = d.dose.start_mg_per_day  # already a therapeutic dose: hold it
    return d.dose.start_mg_per_day, step1, d.dose.titration_interval_days, d.dose.usual_max_mg_per_day


def build_scenario(values: Mapping[str, str | float | int | bool]) -> Scenario:
    """The scenario from the form's values (steps fill the horizon; the last dose holds to the end)."""
    total = 7 * int(values["horizon_weeks"])
    drug = str(values["drug"])
    plan = [(float(values["start_dose_mg"]), 0)]
    for dose, after in ((values.get("dose2_mg"), values.get("after2_days")),
                        (values.get("dose3_mg"), values.get("after3_days"))):
        if dose and after and float(dose) > 0 and int(after) > plan[-1][1]:
            plan.append((float(dose), int(after)))
    steps = []
    for k, (dose, start) in enumerate(plan):
        end = plan[k + 1][1] if k + 1 < len(plan) else total
        days = min(end, total) - start
        if days > 0:
            steps.append(ScenarioStep(drug, days, dose, 24.0) if drug != "placebo" else ScenarioStep("placebo", days))
    return Scenario(
        steps=tuple(steps), name=str(values.get("name") or f"{drug} {plan[-1][0]:g} mg"),
        switch_strategy=str(values.get("switch_strategy", "direct")), adherence=float(values.get("adherence", 1.0)),
        missed_days=tuple(missed_days(str(values.get("missed", "none")), int(values["horizon_weeks"]))),
        cyp2d6=str(values.get("cyp2d6", ASSUMED_PHENOTYPE)), cyp2c19=str(values.get("cyp2c19", ASSUMED_PHENOTYPE)),
        horizon_weeks=int(values["horizon_weeks"]), psychotherapy=bool(values.get("psychotherapy", False)))


def checked_scenario(values: Mapping[str, str | float | int | bool], defaults: ScenarioDefaults
                     ) -> tuple[Scenario | None, ScenarioCheck]:
    """Build the scenario and check it once (a value the scenario itself refuses is reported as an error)."""
    try:
        scenario = build_scenario(values)
    except ValidationError as exc:
        return None, ScenarioCheck((ScenarioIssue("error", exc.field or "scenario", str(exc)),))
    if not scenario.steps:
        return None, ScenarioCheck((ScenarioIssue("error", "steps", "the plan has no treatment steps"),))
    return scenario, check_scenario(scenario, defaults.current_drug, defaults.current_dose_mg,
                                    covariates=defaults.covariates, co_medications=defaults.co_medications)


def _reset_doses(key: str, current_drug: str | None = None, current_dose_mg: float | None = None) -> None:
    """Catalogue titration for the chosen drug; continuing the week-0 drug starts at its current dose."""
    drug = st.session_state[f"{key}_drug"]
    start, step1, after, _max = catalogue_titration(drug)
    if drug == current_drug and current_dose_mg:
        start, step1 = current_dose_mg, current_dose_mg
    st.session_state[f"{key}_start"] = float(start)
    st.session_state[f"{key}_dose2"] = float(step1 if step1 != start else 0.0)
    st.session_state[f"{key}_after2"] = int(after)
    st.session_state[f"{key}_dose3"] = 0.0
    st.session_state[f"{key}_after3"] = int(4 * after)


def scenario_form(defaults: ScenarioDefaults, key: str = "nm_sf") -> Scenario | None:
    """Draw the builder; return the scenario when "Add to comparison" is pressed and it is valid, else None."""
    if f"{key}_drug" not in st.session_state:
        st.session_state[f"{key}_drug"] = defaults.current_drug if defaults.current_drug in defaults.drugs \
            else defaults.drugs[0]
        _reset_doses(key, defaults.current_drug, defaults.current_dose_mg)
    current = (f"{defaults.current_drug} {defaults.current_dose_mg:g} mg daily" if defaults.current_drug
               else "no antidepressant")
    st.caption(f"Week 0 is the latest PHQ-9 ({defaults.week0.day} {defaults.week0:%b %Y}); medication then: "
               f"**{current}**. Doses default to the catalogue's usual titration.")
    c1, c2, c3 = st.columns([2, 1, 1])
    name = c1.text_input("Scenario name", key=f"{key}_name", placeholder="e.g. Switch to sertraline")
    drug = c2.selectbox("Drug", defaults.drugs, key=f"{key}_drug", on_change=_reset_doses,
                        args=(key, defaults.current_drug, defaults.current_dose_mg))
    horizon = c3.slider("Horizon (weeks)", 4, MAX_HORIZON_WEEKS, DEFAULT_HORIZON_WEEKS, key=f"{key}_horizon")
    d1, d2, d3, d4, d5 = st.columns(5)
    start = d1.number_input("Start dose (mg/day)", 0.0, 2000.0, step=5.0, key=f"{key}_start",
                            disabled=drug == "placebo")
    dose2 = d2.number_input("Step 2 dose (mg/day)", 0.0, 2000.0, step=5.0, key=f"{key}_dose2",
                            help="0 = no change")
    after2 = d3.number_input("Step 2 from day", 1, 364, step=1, key=f"{key}_after2")
    dose3 = d4.number_input("Step 3 dose (mg/day)", 0.0, 2000.0, step=5.0, key=f"{key}_dose3",
                            help="0 = no change")
    after3 = d5.number_input("Step 3 from day", 1, 364, step=1, key=f"{key}_after3")
    e1, e2, e3 = st.columns(3)
    switching = bool(defaults.current_drug) and drug != defaults.current_drug
    strategy = e1.radio("Switch from the current medication", list(STRATEGIES), format_func=STRATEGIES.get,
                        key=f"{key}_strategy", disabled=not switching, horizontal=False,
                        help="Only used when the drug differs from the medication at week 0.")
    adherence = e2.slider("Adherence (% of doses taken)", 50, 100, 100, step=5, key=f"{key}_adherence")
    missed = e2.selectbox("Missed-dose pattern", list(MISSED_PATTERNS), format_func=MISSED_PATTERNS.get,
                          key=f"{key}_missed")
    pgx_note = ("from the chart" if defaults.cyp2d6 or defaults.cyp2c19 else "not on the chart: normal assumed")
    cyp2d6 = e3.selectbox(f"CYP2D6 ({pgx_note})", PHENOTYPE_CODES,
                          index=PHENOTYPE_CODES.index(defaults.cyp2d6 or ASSUMED_PHENOTYPE),
                          format_func=phenotype_label, key=f"{key}_cyp2d6")
    cyp2c19 = e3.selectbox(f"CYP2C19 ({pgx_note})", PHENOTYPE_CODES,
                           index=PHENOTYPE_CODES.index(defaults.cyp2c19 or ASSUMED_PHENOTYPE),
                           format_func=phenotype_label, key=f"{key}_cyp2c19")
    psychotherapy = e1.checkbox("Add psychotherapy", key=f"{key}_psychotherapy")
    scenario, check = checked_scenario({
        "name": name.strip(), "drug": drug, "start_dose_mg": start, "dose2_mg": dose2, "after2_days": after2,
        "dose3_mg": dose3, "after3_days": after3, "horizon_weeks": horizon,
        "switch_strategy": strategy if switching else "direct", "adherence": adherence / 100.0, "missed": missed,
        "cyp2d6": cyp2d6, "cyp2c19": cyp2c19, "psychotherapy": psychotherapy}, defaults)
    for issue in check.issues:
        text = issue.message + (f" — *{issue.source}*" if issue.source else "")
        if issue.level == "error":
            st.error(text, icon=":material/block:")
        else:
            st.warning(text, icon=":material/warning:")
    blocked = check.blocked or scenario is None
    if st.button("Add to comparison", type="primary", icon=":material/add:", key=f"{key}_add", disabled=blocked,
                 help="Fix the errors above first." if blocked
                 else f"Adds this plan to the comparison (up to {MAX_COMPARED_SCENARIOS})."):
        return scenario
    return None
