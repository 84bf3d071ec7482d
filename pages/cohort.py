"""Cohort (analysts): de-identified outcomes of the whole clinic, filters, time to response, trajectory clusters,
data completeness, a population what-if against the twin, and audited de-identified exports.

Recipe: filters -> one ``services.cohort.view`` call -> cards, charts and tables. The what-if and the exports run
only when asked (each is one audited service call). No patient banner and no names: pseudonyms only (docs/ux.md).
"""

from __future__ import annotations

import streamlit as st

from components.cohort.charts import (
    change_histogram,
    clusters_figure,
    completeness_figure,
    km_figure,
    rates_figure,
    severity_shift_figure,
    what_if_figure,
)
from components.cohort.widgets import (
    clusters_table,
    export_picker,
    filter_panel,
    outcomes_table,
    patients_table,
    progress_reporter,
    summary_cards,
    what_if_form,
    what_if_table,
)
from components.shared.errors import error_boundary
from components.shared.session import page_guard
from components.shared.theme import DISCLAIMER
from novamind_core.analytics.cohort_types import CohortView
from novamind_core.pharmacology import load_catalogue

ctx = page_guard("cohort")
OPTIONS, WHAT_IF, EXPORT = "nm_co_options", "nm_co_what_if", "nm_co_export"
CHART = {"config": {"displaylogo": False}}

st.title("Cohort outcomes")
st.caption("Pseudonymised (a limited data set, not HIPAA Safe Harbor de-identified): pseudonyms, age bands with "
           "90+, clinician labels, and times as days since each patient's baseline PHQ-9. Rates are for each "
           "patient's first medication course.")


def load_view() -> CohortView:
    """The filtered view; the first run also learns the filter options (one audited call per run)."""
    first = None
    if st.session_state.get(OPTIONS) is None:
        first = ctx.services.cohort.view(ctx.user)
        st.session_state[OPTIONS] = first.options
    with st.expander("Filters", icon=":material/filter_alt:", expanded=True):
        filters, k = filter_panel(st.session_state[OPTIONS])
    if first is not None and filters == first.filters and k == 4:
        return first
    return ctx.services.cohort.view(ctx.user, filters, n_clusters=k)


def outcomes_tab(view: CohortView) -> None:
    st.plotly_chart(rates_figure(view.outcomes_by_drug), key="nm_co_rates", **CHART)
    st.caption("Bars: share of evaluable patients (baseline PHQ-9 ≥ 10 with a follow-up score) with response or "
               "remission at the end of the index course; whiskers: Wilson 95% intervals. Small cells (n < 11) are "
               "flagged: read them with care and do not publish them.")
    st.dataframe(outcomes_table(view.outcomes_by_drug), hide_index=True, width="stretch", key="nm_co_rates_table")
    left, right = st.columns(2)
    left.plotly_chart(severity_shift_figure(view.baseline_bands, view.endpoint_bands), key="nm_co_bands", **CHART)
    right.plotly_chart(change_histogram(view.patients), key="nm_co_hist", **CHART)


def what_if_section(view: CohortView) -> None:
    st.markdown("Simulate two drugs in virtual patients whose baseline PHQ-9 matches this cohort's (mean, SD and "
                "lowest score), then compare the twin's week-N prediction with what this cohort observed.")
    drugs = sorted(d for d in load_catalogue().drugs if d != "placebo")
    choice = what_if_form(drugs, [o.drug for o in view.outcomes_by_drug])
    if choice is not None:
        bar = st.progress(0.0, text="Starting the simulation…")
        st.session_state[WHAT_IF] = ctx.services.cohort.population_what_if(
            ctx.user, choice.drug_a, choice.drug_b, filters=view.filters, n_virtual=choice.n_virtual,
            weeks=choice.weeks, on_progress=progress_reporter(bar))
        bar.progress(1.0, text="Done.")
    result = st.session_state.get(WHAT_IF)
    if result is None:
        st.info("Choose two drugs and press Run. A 2,000-patient run takes a few seconds.", icon=":material/science:")
        return
    st.plotly_chart(what_if_figure(result), key="nm_co_whatif", **CHART)
    st.dataframe(what_if_table(result), hide_index=True, width="stretch", key="nm_co_whatif_table")
    st.caption(f"Virtual baseline PHQ-9 ~ normal(mean {result.baseline_mean}, SD {result.baseline_sd}) truncated "
               f"to {result.baseline_min:g}-27, from {result.n_baselines} patients. Twin parameters "
               f"{'calibrated to published trials' if result.calibrated else 'not calibrated (code defaults)'}; "
               f"observed outcomes are at each course's own end, not at week {result.weeks}. {DISCLAIMER}")


def export_section(view: CohortView) -> None:
    st.markdown(f"Export the **{view.n} patients in view** pseudonymised: pseudonyms, age bands, and dates shifted "
                "per patient by a secret offset (intervals kept). A limited data set, not Safe Harbor de-identified: "
                "share it only under a data use agreement. Every export is recorded in the audit log.")
    fmt = export_picker()
    if fmt is not None:
        with st.spinner("Preparing the pseudonymised export…"):
            st.session_state[EXPORT] = ctx.services.cohort.export(ctx.user, fmt, view.filters)
    export = st.session_state.get(EXPORT)
    if export is not None:
        st.download_button(f"Download {export.filename} ({export.n_patients} patients, {export.n_rows} rows)",
                           export.content, export.filename, export.media_type, icon=":material/download:",
                           key="nm_co_download")


def cohort_page() -> None:
    view = load_view()
    summary_cards(view)
    if view.n == 0:
        st.info("No patients match these filters. Remove a filter to widen the cohort.",
                icon=":material/filter_alt_off:")
        return
    tabs = st.tabs(["Outcomes", "Time to response", "Trajectories", "Data completeness", "Population what-if",
                    "Patients", "Export"])
    with tabs[0]:
        outcomes_tab(view)
    with tabs[1]:
        st.plotly_chart(km_figure(view.time_to_response), key="nm_co_km", **CHART)
        st.caption("Kaplan-Meier: share who *ever* reached response (PHQ-9 ≤ 50% of baseline) by each week on the "
                   "index course, even if their score rose again; patients without response are censored at their "
                   "last score. The Response card counts response *at the end* of the course, so it is lower. "
                   "Bands: 95% (Greenwood, log-log), drawn when 3 curves or fewer are shown.")
    with tabs[2]:
        st.plotly_chart(clusters_figure(view.clusters), key="nm_co_clusters", **CHART)
        st.caption(f"{view.clusters.n_clustered} patients with 3+ PHQ-9 scores clustered by the shape of their course "
                   f"relative to baseline (k-means, seed {view.clusters.seed}); {view.clusters.n_excluded} had too "
                   "few scores. Clusters have neutral letters: a cluster's mean course need not be each "
                   "member's (see each patient's own Response).")
        st.dataframe(clusters_table(view.clusters.clusters), hide_index=True, width="stretch",
                     key="nm_co_clusters_table")
    with tabs[3]:
        st.plotly_chart(completeness_figure(view.completeness), key="nm_co_complete", **CHART)
    with tabs[4]:
        what_if_section(view)
    with tabs[5]:
        st.dataframe(patients_table(view.patients), hide_index=True, width="stretch", key="nm_co_patients")
    with tabs[6]:
        export_section(view)


with error_boundary("cohort"):
    cohort_page()
