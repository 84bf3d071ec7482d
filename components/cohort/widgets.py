"""Widgets of the analyst cohort page: they take de-identified results and return the analyst's choices.

Nothing here reads data: the page calls ``services.cohort`` and passes results in. Everything shown is de-identified
(pseudonyms ``P-...``, clinician labels ``C-...``, age bands, days since baseline), so no patient banner is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from novamind_core.analytics.cohort_stats import Proportion
from novamind_core.analytics.cohort_types import (
    CohortFilters,
    CohortView,
    DeidentifiedPatient,
    DrugOutcome,
    FilterOptions,
    PopulationWhatIf,
    TrajectoryCluster,
)

KEY_PREFIX = "nm_co_"
EXPORT_LABELS: dict[str, str] = {"csv": "CSV (one row per assessment / medication order)", "parquet": "Parquet",
                                 "fhir": "FHIR R4 Bundle (JSON)"}


def filter_panel(options: FilterOptions) -> tuple[CohortFilters, int]:
    """Cohort filters in two rows of multiselects (empty = all) and the number of trajectory clusters."""
    dx_labels = dict(options.diagnoses)
    c1, c2, c3 = st.columns(3)
    diagnoses = c1.multiselect("Diagnosis (ICD-10)", [code for code, _ in options.diagnoses],
                               format_func=lambda c: f"{c} {dx_labels.get(c, '')}".strip(), key=KEY_PREFIX + "dx")
    drugs = c2.multiselect("Drug (index course)", list(options.drugs), key=KEY_PREFIX + "drug")
    severities = c3.multiselect("Baseline PHQ-9 severity", list(options.baseline_severities), key=KEY_PREFIX + "sev")
    c4, c5, c6, c7 = st.columns([1, 1, 1, 0.8])
    ages = c4.multiselect("Age band", list(options.age_bands), key=KEY_PREFIX + "age",
                          help="10-year bands at baseline; every age above 89 is one band, 90+.")
    sexes = c5.multiselect("Sex at birth", list(options.sexes), key=KEY_PREFIX + "sex")
    clinicians = c6.multiselect("Clinician (pseudonymised)", list(options.clinicians), key=KEY_PREFIX + "clin",
                                help="Keyed labels, stable across views; they do not reveal who the clinician is.")
    k = c7.number_input("Trajectory clusters", min_value=1, max_value=8, value=4, step=1, key=KEY_PREFIX + "k")
    return CohortFilters(tuple(diagnoses), tuple(drugs), tuple(severities), tuple(ages), tuple(sexes),
                         tuple(clinicians)), int(k)


RESPONSE_CARD, REMISSION_CARD = "Response (end of course)", "Remission (end of course)"
END_OF_COURSE_HELP = ("Evaluable patients whose last PHQ-9 on the index course is at or below 50% of baseline "
                      "(remission: below 5), with the 95% interval (Wilson) below. The Time to response tab counts "
                      "anyone who *ever* reached response during the course, so its share is higher.")


def summary_cards(view: CohortView) -> None:
    """Cohort size, evaluable patients, and overall response and remission with their 95% intervals."""
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Patients in view", f"{view.n} of {view.n_total}")
    c2.metric("Evaluable for response", view.overall.n_evaluable,
              help="Baseline PHQ-9 of at least 10 and a follow-up score on the index course.")
    for col, label, p in ((c3, RESPONSE_CARD, view.overall.response), (c4, REMISSION_CARD, view.overall.remission)):
        # The estimate as the value and its interval on its own line: "48% (95% CI …" was cut in a quarter column.
        col.metric(label, percent_text(p), help=END_OF_COURSE_HELP)
        col.caption(interval_text(p))


def percent_text(p: Proportion) -> str:
    """``"42%"``; an em dash without evaluable patients."""
    return "—" if p.estimate is None else f"{100 * p.estimate:.0f}%"


def interval_text(p: Proportion) -> str:
    """``"95% CI 30-54%"``; empty without evaluable patients."""
    if p.estimate is None:
        return ""
    return f"95% CI {100 * p.lower:.0f}-{100 * p.upper:.0f}%"


def format_proportion(p: Proportion) -> str:
    """``"42% (95% CI 30-54%)"``; an em dash without evaluable patients."""
    if p.estimate is None:
        return "—"
    return f"{100 * p.estimate:.0f}% (95% CI {100 * p.lower:.0f}-{100 * p.upper:.0f}%)"


def outcomes_table(outcomes: Sequence[DrugOutcome]) -> pd.DataFrame:
    """One row per drug: patients, evaluable, response and remission with intervals, median follow-up."""
    return pd.DataFrame([{
        "Drug": o.drug, "Patients": o.n_patients, "Evaluable": o.n_evaluable,
        "Response": format_proportion(o.response), "Remission": format_proportion(o.remission),
        "Median follow-up (weeks)": None if o.median_follow_up_weeks is None else round(o.median_follow_up_weeks, 1),
        "Small cell": "yes" if o.response.small_cell else "",
    } for o in outcomes])


def clusters_table(clusters: Sequence[TrajectoryCluster]) -> pd.DataFrame:
    """One row per trajectory cluster: its neutral letter, size, mean course and how many members responded."""
    return pd.DataFrame([{
        "Cluster": c.label, "Patients": c.n, "Mean course": c.shape,
        "Mean change": f"{100 * (c.relative_centroid[-1] - 1):+.0f}%" if c.relative_centroid else "",
        "Responded (end of course)": f"{c.n_responded} of {c.n_evaluable} evaluable",
    } for c in clusters], columns=["Cluster", "Patients", "Mean course", "Mean change", "Responded (end of course)"])


def patients_table(patients: Sequence[DeidentifiedPatient]) -> pd.DataFrame:
    """The de-identified patient list (pseudonyms only; times in days since baseline)."""
    return pd.DataFrame([{
        "Pseudonym": p.pseudonym, "Age band": p.age_band, "Sex": p.sex, "Diagnosis": p.diagnosis_code,
        "Clinician": p.clinician, "Drug": p.drug, "Dose (mg)": p.dose_mg, "Baseline PHQ-9": p.baseline_phq9,
        "Endpoint PHQ-9": p.endpoint_phq9, "Endpoint day": p.endpoint_day,
        "Response": {True: "yes", False: "no", None: ""}[p.response],
        "Remission": {True: "yes", False: "no", None: ""}[p.remission], "Cluster": p.cluster or "",
        "PHQ-9 scores": p.n_phq9,
    } for p in patients])


@dataclass(frozen=True)
class WhatIfChoice:
    """The population what-if the analyst asked for: drug A against drug B in ``n_virtual`` patients over ``weeks``."""

    drug_a: str
    drug_b: str
    n_virtual: int
    weeks: int


def what_if_form(drugs: Sequence[str], observed: Sequence[str]) -> WhatIfChoice | None:
    """Drug A vs drug B, virtual patients and weeks; returns the choices when "Run" is pressed."""
    first = [d for d in observed if d in drugs][:2]
    a_default = drugs.index(first[0]) if first else 0
    b_default = drugs.index(first[1]) if len(first) > 1 else min(1, len(drugs) - 1)
    with st.form(KEY_PREFIX + "whatif"):
        c1, c2, c3, c4 = st.columns(4)
        drug_a = c1.selectbox("Drug A", drugs, index=a_default, key=KEY_PREFIX + "wa")
        drug_b = c2.selectbox("Drug B", drugs, index=b_default, key=KEY_PREFIX + "wb")
        n = c3.selectbox("Virtual patients", [1000, 2000, 5000, 20000], index=1, key=KEY_PREFIX + "wn")
        weeks = c4.number_input("Weeks", min_value=2, max_value=26, value=8, step=1, key=KEY_PREFIX + "ww")
        if st.form_submit_button("Run population what-if", type="primary", icon=":material/science:"):
            return WhatIfChoice(drug_a=drug_a, drug_b=drug_b, n_virtual=int(n), weeks=int(weeks))
    return None


def what_if_table(result: PopulationWhatIf) -> pd.DataFrame:
    rows = []
    for arm in result.arms:
        obs = arm.observed
        rows.append({"Drug": arm.drug, "Twin response": format_proportion(arm.simulated_response),
                     "Observed response": format_proportion(obs.response) if obs else "no patients",
                     "Twin remission": format_proportion(arm.simulated_remission),
                     "Observed remission": format_proportion(obs.remission) if obs else "no patients",
                     "Twin mean change (points)": arm.simulated_mean_change_phq9,
                     "Observed n (evaluable)": obs.n_evaluable if obs else 0})
    return pd.DataFrame(rows)


def progress_reporter(bar: DeltaGenerator) -> Callable[[int, int, str], None]:
    """An ``on_progress(done, total, message)`` callback that moves ``bar`` (an ``st.progress``)."""
    def report(done: int, total: int, message: str) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"{message} ({done}/{total})")

    return report


def export_picker() -> str | None:
    """Format choice and a "Prepare" button; returns the format when pressed (each export is audited)."""
    c1, c2 = st.columns([3, 1])
    fmt = c1.radio("Format", list(EXPORT_LABELS), format_func=EXPORT_LABELS.get, horizontal=True,
                   key=KEY_PREFIX + "fmt")
    pressed = c2.button("Prepare export", icon=":material/download:", key=KEY_PREFIX + "prep", type="primary")
    return fmt if pressed else None
