"""Caseload: the signed-in clinician's patients, open alerts first; search, filter, sort, page; row -> patient.

Recipe: read the controls -> one ``services.charts.caseload_view`` call (one page of rows, decrypted only for that
page; one transaction, one audit event) -> render the table. Registering a patient is one
``services.patients.register`` call.
"""

from __future__ import annotations

import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from components.caseload.export import caseload_export_block
from components.caseload.register_form import register_patient_form
from components.caseload.summary import page_severity_strip
from components.caseload.table import (
    COLUMN_ORDER,
    COLUMN_WIDTHS_PX,
    SEVERITY_FILTERS,
    SORT_HELP,
    SORT_LABELS,
    caseload_frame,
    style_caseload,
)
from components.shared.choices import CaseloadControls
from components.shared.errors import error_boundary
from components.shared.session import StateKeys, open_patient, page_guard

PAGE_SIZE = 25

ctx = page_guard("caseload")


def controls() -> CaseloadControls:
    c1, c2, c3, c4 = st.columns([2.2, 2.2, 2, 1.2])
    search = c1.text_input("Search by full name, family name or MRN", key="nm_cl_search",
                           placeholder="exact match, e.g. NM-100001", help="Exact match (case and spaces ignored); "
                           "names and MRNs are encrypted, so search uses a keyed index, not partial text.")
    severities = c2.multiselect("PHQ-9 or GAD-7 severity", SEVERITY_FILTERS, key="nm_cl_severity")
    sort = c3.selectbox("Sort by", list(SORT_LABELS), format_func=SORT_LABELS.get, key="nm_cl_sort", help=SORT_HELP)
    with c4:
        only_alerts = st.toggle("Open alerts only", key="nm_cl_alerts")
        only_overdue = st.toggle("Overdue only", key="nm_cl_overdue")
        questionnaires = st.toggle("Questionnaire overdue", key="nm_cl_q_overdue",
                                   help="Patients whose scheduled questionnaire has gone unanswered for more than "
                                        "three days after its date.")
    return CaseloadControls(search=search.strip() or None, severities=tuple(severities), sort=sort,
                            only_alerts=only_alerts, only_overdue=only_overdue,
                            descending=sort not in ("name", "next_due"), only_questionnaires_overdue=questionnaires)


def pager(total_pages: int) -> None:
    page = min(st.session_state.get(StateKeys.CASELOAD_PAGE) or 1, total_pages)
    left, mid, right = st.columns([1, 2, 1])
    if left.button("Previous", icon=":material/chevron_left:", disabled=page <= 1, key="nm_cl_prev"):
        st.session_state[StateKeys.CASELOAD_PAGE] = page - 1
        st.rerun()
    mid.markdown(f"<div style='text-align:center'>Page {page} of {total_pages}</div>",
                 unsafe_allow_html=True)  # text-safe: page numbers
    if right.button("Next", icon=":material/chevron_right:", disabled=page >= total_pages, key="nm_cl_next"):
        st.session_state[StateKeys.CASELOAD_PAGE] = page + 1
        st.rerun()


def register_section() -> None:
    register_patient_form(ctx.services, ctx.user, ctx.today)


def caseload_column_config() -> dict[str, ColumnConfig]:
    """Widths that fit the triage columns at 1280 px, Name pinned (it stays while the rest scrolls sideways)."""
    w = COLUMN_WIDTHS_PX
    return {
        "Name": st.column_config.TextColumn("Name", width=w["Name"], pinned=True),
        "Alerts": st.column_config.TextColumn(width=w["Alerts"], help="⚠ risk: an open self-harm risk alert (PHQ-9 "
                                              "item 9 or a positive C-SSRS screener); then open alerts and overdue"),
        "PHQ-9": st.column_config.TextColumn(width=w["PHQ-9"], help="Latest PHQ-9 and its band (mod. severe = "
                                             "moderately severe)"),
        "PHQ-9 trend": st.column_config.TextColumn("Trend", width=w["PHQ-9 trend"], help="PHQ-9 since the last score"),
        "GAD-7": st.column_config.TextColumn(width=w["GAD-7"]),
        "GAD-7 trend": st.column_config.TextColumn("Trend", width=w["GAD-7 trend"], help="GAD-7 since the last score"),
        "Questionnaires": st.column_config.TextColumn(
            width=w["Questionnaires"], help="From each patient's questionnaire plan: due, overdue, completed, not due, "
            "paused or no plan"),
        "Next due": st.column_config.TextColumn(width=w["Next due"]),
        "Days since assessed": st.column_config.NumberColumn("Days since", format="%d d",
                                                             width=w["Days since assessed"],
                                                             help="Days since the last assessment"),
        "MRN": st.column_config.TextColumn(width=w["MRN"]),
        "Age": st.column_config.NumberColumn(format="%d y", width=w["Age"]),
        "Primary diagnosis": st.column_config.TextColumn(width=w["Primary diagnosis"]),
        "Medications": st.column_config.TextColumn(width=w["Medications"]),
    }


def caseload_section() -> None:
    st.title("Caseload")
    query = controls()
    key = repr(query)
    if st.session_state.get("nm_cl_last_query") != key:  # new filters start at page 1
        st.session_state["nm_cl_last_query"] = key
        st.session_state[StateKeys.CASELOAD_PAGE] = 1
    page_no = st.session_state.get(StateKeys.CASELOAD_PAGE) or 1
    view = ctx.services.charts.caseload_view(
        ctx.user, page=page_no, page_size=PAGE_SIZE, search=query.search, sort=query.sort,
        descending=query.descending, severities=query.severities, only_alerts=query.only_alerts,
        only_overdue=query.only_overdue, only_questionnaires_overdue=query.only_questionnaires_overdue)
    if view.page.total == 0:
        if view.filtered:
            st.info("No patients match these filters. Clear the search or the filters to see your whole caseload.",
                    icon=":material/filter_alt_off:")
        else:
            st.info("Your caseload is empty. Register a patient below (MRN, name, date of birth and sex at birth "
                    "are required); you are put on their care team.", icon=":material/person_add:")
        return
    rows = list(view.rows)
    st.caption(f"{view.page.total} patients · {view.patients_with_alerts} with open alerts on this page · sorted by "
               f"{SORT_LABELS[query.sort].lower()}. Select a row to open the chart.")
    frame = caseload_frame(rows)
    event = st.dataframe(style_caseload(frame, rows), hide_index=True, on_select="rerun", selection_mode="single-row",
                         key="nm_cl_table", width="stretch",
                         height=min(36 * (len(rows) + 1) + 4, 36 * 26),
                         column_order=COLUMN_ORDER, column_config=caseload_column_config())
    selected = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if selected:
        row = rows[selected[0]]
        open_patient(row.patient_id, f"{row.full_name} ({row.mrn})")
    labels = {r.patient_id: f"{r.full_name} ({r.mrn})" for r in rows}
    c1, c2 = st.columns([3, 1])
    choice = c1.selectbox("Open a patient", list(labels), index=None, format_func=labels.get,
                          placeholder="Choose a patient on this page…", key="nm_cl_open")
    # Never disabled: a click right after choosing (while that choice's rerun is still running) must not be lost.
    if c2.button("Open chart", icon=":material/open_in_new:", key="nm_cl_open_btn"):
        if choice is None:
            st.warning("Choose a patient in the list first.", icon=":material/person_search:")
        else:
            open_patient(choice, labels[choice])
    pager(view.page.pages)
    page_severity_strip(rows)  # after the selector: the caseload is usable before its one figure is drawn
    caseload_export_block(ctx.services, ctx.user, query)  # the audited download (the table's own is off)


with error_boundary("caseload"):
    caseload_section()
    register_section()
