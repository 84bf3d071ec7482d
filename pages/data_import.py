"""Data import: choose the file type and patient, upload, preview what will be imported, confirm, see the result.

Recipe over :class:`novamind_core.services.imports.ImportService`: the preview parses and validates the whole file
(every problem with its row, column and value) and writes nothing; the import writes everything in one transaction
or nothing. The preview is kept in this session only (keyed by the upload), never in a shared cache.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from components.patient.biometrics_panel import biometrics_panel
from components.shared.errors import error_boundary
from components.shared.session import open_patient, page_guard, selected_patient_id
from components.shared.text import plain
from components.shared.theme import format_date
from novamind_core.biometrics.problems import ImportProblems, Problem
from novamind_core.services.imports import IMPORT_KINDS, ImportPreview, ImportResult

PREVIEW_KEY, RESULT_KEY = "nm_import_preview", "nm_import_result"
FILE_TYPES = {"fhir": ["json"], "assessments": ["csv"], "medications": ["csv"], "activity": ["csv"],
              "daily": ["csv"], "fitbit": ["json"], "apple_health": ["xml"]}
TEMPLATES = {
    "assessments": "date,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9\n"
                   "2026-01-05,PHQ-9,2,2,1,1,1,1,1,1,0\n2026-01-05,GAD-7,1,1,1,1,1,1,1,,\n",
    "medications": "drug,dose_mg,frequency,start_date,stop_date,reason\n"
                   "sertraline,50,daily,2026-01-05,2026-02-02,first episode\nsertraline,100,daily,2026-02-02,,"
                   "partial response\n",
    "activity": "timestamp,counts\n2026-01-05T00:00:00,0\n2026-01-05T00:01:00,12\n",
    "daily": "date,steps,sleep_minutes,resting_hr,hrv_rmssd\n2026-01-05,6500,410,62,38\n",
}
WEARABLE_KINDS = {"activity", "daily", "fitbit", "apple_health"}

ctx = page_guard("data_import")


def problems_table(problems: Sequence[Problem]) -> pd.DataFrame:
    return pd.DataFrame([{"Row": p.row, "Column": p.column, "Value": "" if p.value is None else str(p.value),
                          "Problem": p.message} for p in problems])


def show_preview(preview: ImportPreview) -> None:
    st.subheader("Preview")
    if preview.new_patient and preview.patient_label:
        st.info(f"This Bundle registers a {plain(preview.patient_label)}; you join the care team.",
                icon=":material/person_add:")
    if preview.counts:
        cols = st.columns(len(preview.counts))
        for col, (what, n) in zip(cols, preview.counts.items(), strict=True):
            col.metric(what.capitalize(), f"{n:,}")
    if preview.first_day:
        st.caption(f"Dates from {format_date(preview.first_day)} to {format_date(preview.last_day)}.")
    if preview.already_stored:
        st.caption("Already stored, left as they are: " + ", ".join(f"{n} {k}" for k, n in
                                                                    preview.already_stored.items()) + ".")
    if preview.problems:
        st.error(f"{len(preview.problems)} problem(s) found: nothing will be imported until the file is fixed.",
                 icon=":material/error:")
        st.dataframe(problems_table(preview.problems), hide_index=True, key="nm_import_problems")
    elif not preview.counts:
        st.info("Nothing new to import: everything in this file is already stored.", icon=":material/info:")
    if preview.notes:
        with st.expander(f"{len(preview.notes)} note(s): what is not imported or will be replaced"):
            st.dataframe(problems_table(preview.notes), hide_index=True, key="nm_import_notes")


def show_result(result: ImportResult, labels: dict[int, str]) -> None:
    written = ", ".join(f"{n:,} {k}" for k, n in result.written.items()) or "nothing new"
    who = "a new patient" if result.created_patient else labels.get(result.patient_id, "the patient")
    st.success(f"Imported {plain(result.source)} into {plain(who)}: {written}." + (
        f" {result.alerts_raised} alert(s) raised: review them on the chart." if result.alerts_raised else ""),
        icon=":material/check_circle:")
    if st.button("Open the patient's chart", icon=":material/person:"):
        open_patient(result.patient_id, labels.get(result.patient_id))
    if result.kind in WEARABLE_KINDS:
        st.subheader("Biometrics")
        biometrics_panel(ctx.services, ctx.user, result.patient_id, ctx.today, key="nm_import_bio")


def import_page() -> None:
    st.title("Data import")
    st.caption("Every file is checked in full before anything is stored; a file with a problem stores nothing.")
    service = ctx.services.imports
    kind = st.selectbox("File type", list(IMPORT_KINDS), format_func=IMPORT_KINDS.get, key="nm_import_kind")
    rows = ctx.services.patients.caseload(ctx.user, page_size=200).rows
    labels = {r.patient_id: f"{r.full_name} ({r.mrn})" for r in rows}
    options: list[int | None] = ([None] if kind == "fhir" else []) + list(labels)
    if not options:
        st.info("Your caseload is empty: register a patient on Caseload first, or import a FHIR Bundle.")
        return
    chosen = selected_patient_id()
    patient_id = st.selectbox(
        "Patient", options, index=options.index(chosen) if chosen in options else 0, key="nm_import_patient",
        format_func=lambda p: labels.get(p, "The patient in the Bundle (matched by MRN; a new MRN registers them)"))
    if kind in TEMPLATES:
        st.download_button("Download a template", TEMPLATES[kind], f"novamind-{kind}-template.csv", "text/csv",
                           icon=":material/download:", on_click="ignore")
    uploaded = st.file_uploader("File", type=FILE_TYPES[kind], key=f"nm_import_file_{kind}")
    if uploaded is None:
        st.info(f"Upload a file: {IMPORT_KINDS[kind]}.", icon=":material/upload_file:")
        return
    fingerprint = (uploaded.file_id, kind, patient_id)
    saved = st.session_state.get(PREVIEW_KEY)
    if not saved or saved[0] != fingerprint:
        bar = st.progress(0.0, text="Reading the file…")
        preview = service.preview(ctx.user, kind, uploaded.getvalue(), patient_id=patient_id, name=uploaded.name,
                                  progress=lambda f, m: bar.progress(min(f, 1.0), text=f"{m} ({f:.0%})"))
        bar.empty()
        st.session_state[PREVIEW_KEY] = (fingerprint, preview)
        st.session_state[RESULT_KEY] = None
    preview = st.session_state[PREVIEW_KEY][1]
    show_preview(preview)
    done = st.session_state.get(RESULT_KEY)
    if done and done[0] == fingerprint:
        show_result(done[1], labels)
        return
    if not preview.ok:
        return
    total = sum(preview.counts.values())
    if st.button(f"Import {total:,} record(s)", type="primary", icon=":material/upload:", key="nm_import_confirm"):
        bar = st.progress(0.0, text="Importing…")
        try:
            result = service.import_file(ctx.user, kind, uploaded.getvalue(), patient_id=patient_id,
                                         name=uploaded.name,
                                         progress=lambda f, m: bar.progress(min(f, 1.0), text=f"{m} ({f:.0%})"))
        except ImportProblems as exc:  # the stored record changed since the preview
            st.error(f"Not imported: {len(exc.problems)} problem(s).", icon=":material/error:")
            st.dataframe(problems_table(exc.problems), hide_index=True)
            return
        bar.empty()
        st.session_state[RESULT_KEY] = (fingerprint, result)
        show_result(result, labels)


with error_boundary("data_import"):
    import_page()
