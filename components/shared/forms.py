"""Forms that return the user's choices (or None until submitted); the page sends them to one service call.

Each returns a frozen value from :mod:`components.shared.choices` whose fields the page passes to the service by name.

Validation messages sit next to the field they concern: the page stores ``{field: message}`` from the service's
ValidationError under ``errors_key`` and the form shows each under its field on the next run.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from components.shared.choices import MedicationChange, MedicationStart, PatientRegistration, VisitBooking
from novamind_core.domain.errors import NovamindError
from novamind_core.domain.medications import MedicationOrder

SEX_OPTIONS = ("female", "male", "other", "unknown")
FREQUENCIES = ("daily", "nightly", "twice daily", "three times daily", "weekly", "as needed")
COMMON_DIAGNOSES: dict[str, str] = {
    "F32.0": "Mild depressive episode",
    "F32.1": "Moderate depressive episode",
    "F32.2": "Severe depressive episode without psychotic symptoms",
    "F33.1": "Recurrent depressive disorder, current episode moderate",
    "F41.1": "Generalized anxiety disorder",
    "F31.3": "Bipolar affective disorder, current episode mild or moderate depression",
    "F43.1": "Post-traumatic stress disorder",
    "F51.0": "Nonorganic insomnia",
}
"""ICD-10 codes offered in the register form (WHO ICD-10 2019 titles); any other code can be typed."""


def field_error(errors: dict[str, str], *fields: str) -> None:
    for name in fields:
        if name in errors:
            st.error(errors[name], icon=":material/error:")


def errors_from(exc: NovamindError, default_field: str) -> dict[str, str]:
    """``{field: message}`` for a ValidationError/ConflictError (message first letter capitalised)."""
    message = str(exc)
    return {getattr(exc, "field", None) or default_field: message[:1].upper() + message[1:]}


def register_patient_form(errors: dict[str, str], today: date) -> PatientRegistration | None:
    """The register-a-patient form. Returns the entered values when submitted and complete, else None."""
    with st.form("nm_register_patient", clear_on_submit=False, border=True):
        st.markdown("**Register a patient**")
        c1, c2, c3 = st.columns(3)
        with c1:
            mrn = st.text_input("MRN *", placeholder="e.g. NM-123456", max_chars=32, key="nm_reg_mrn")
            field_error(errors, "mrn")
            sex = st.selectbox("Sex at birth *", SEX_OPTIONS, index=None, placeholder="Choose…", key="nm_reg_sex")
            field_error(errors, "sex_at_birth")
        with c2:
            given = st.text_input("Given name *", max_chars=100, key="nm_reg_given")
            field_error(errors, "given_name")
            dob = st.date_input("Date of birth *", value=None, min_value=today - timedelta(days=125 * 366),
                                max_value=today, format="DD/MM/YYYY", key="nm_reg_dob")
            field_error(errors, "date_of_birth")
        with c3:
            family = st.text_input("Family name *", max_chars=100, key="nm_reg_family")
            field_error(errors, "family_name")
            gender = st.text_input("Gender identity (optional)", max_chars=100)
        d1, d2, d3 = st.columns([1, 2, 1])
        with d1:
            code = st.selectbox("Primary diagnosis (ICD-10)", list(COMMON_DIAGNOSES), index=None,
                                accept_new_options=True, placeholder="e.g. F32.1")
        with d2:
            label = st.text_input("Diagnosis label", placeholder="filled from the code when left blank")
            field_error(errors, "diagnoses", "code", "label")
        with d3:
            phone = st.text_input("Phone (optional)", max_chars=30)
        field_error(errors, "phone", "email", "care_team", "form")
        submitted = st.form_submit_button("Register patient", type="primary", icon=":material/person_add:")
    if not submitted:
        return None
    missing = {name: f"{label_} is required" for name, label_, value in (
        ("mrn", "MRN", mrn), ("given_name", "Given name", given), ("family_name", "Family name", family),
        ("date_of_birth", "Date of birth", dob), ("sex_at_birth", "Sex at birth", sex)) if not value}
    if missing:
        st.session_state["nm_register_errors"] = missing
        st.rerun()
    return PatientRegistration(
        mrn=mrn, given_name=given, family_name=family, date_of_birth=dob, sex_at_birth=sex,
        gender_identity=gender or None, phone=phone or None, diagnosis_code=code.strip().upper() if code else None,
        diagnosis_label=(label or COMMON_DIAGNOSES.get(code, "")).strip() if code else "")


def medication_start_form(today: date) -> MedicationStart | None:
    with st.form("nm_med_add", clear_on_submit=True):
        st.markdown("**Start a medication**")
        c1, c2, c3, c4 = st.columns([2, 1, 1.3, 1.3])
        drug = c1.text_input("Drug", placeholder="e.g. sertraline")
        dose = c2.number_input("Dose (mg)", min_value=0.0, max_value=3000.0, value=None, step=5.0)
        frequency = c3.selectbox("Frequency", FREQUENCIES)
        start = c4.date_input("Start date", value=today, max_value=today, format="DD/MM/YYYY")
        reason = st.text_input("Reason (optional)", placeholder="e.g. first episode, moderate severity")
        if st.form_submit_button("Start medication", type="primary", icon=":material/medication:"):
            return MedicationStart(drug=drug, dose_mg=dose if dose is not None else 0, frequency=frequency,
                                   start_date=start, reason=reason or None)
    return None


def medication_change_form(active: list[MedicationOrder], today: date) -> MedicationChange | None:
    """Titrate or stop an active order; a reason is required for both (the service enforces it too)."""
    if not active:
        return None
    with st.form("nm_med_change", clear_on_submit=True):
        st.markdown("**Change or stop a medication**")
        c1, c2, c3, c4 = st.columns([2, 1.2, 1, 1.3])
        labels = {m.id: m.describe() for m in active}
        order_id = c1.selectbox("Medication", list(labels), format_func=lambda i: labels[i])
        action = c2.radio("Action", ("Change dose", "Stop"), horizontal=True)
        new_dose = c3.number_input("New dose (mg)", min_value=0.0, max_value=3000.0, value=None, step=5.0)
        on = c4.date_input("From", value=today, max_value=today, format="DD/MM/YYYY")
        reason = st.text_input("Reason *", placeholder="e.g. partial response at 4 weeks; side effects")
        if st.form_submit_button("Save change", type="primary", icon=":material/edit:"):
            return MedicationChange(order_id=order_id, stop=action == "Stop", new_dose_mg=new_dose, on=on,
                                    reason=reason)
    return None



def visit_form(today: date, tz: ZoneInfo) -> VisitBooking | None:
    """Book the next visit (date and time in the clinic's time zone) and when the next assessments are due."""
    with st.form("nm_visit_add", clear_on_submit=True):
        st.markdown("**Book the next visit**")
        c1, c2, c3 = st.columns(3)
        day = c1.date_input("Visit date", value=today + timedelta(weeks=4), min_value=today, format="DD/MM/YYYY")
        at = c2.time_input("Time", value=time(10, 0), step=timedelta(minutes=15))
        due = c3.date_input("Next assessments due", value=today + timedelta(weeks=4), min_value=today,
                            format="DD/MM/YYYY")
        note = st.text_input("Note (optional)", placeholder="e.g. review response; bloods before visit")
        if st.form_submit_button("Book visit", type="primary", icon=":material/event:"):
            return VisitBooking(scheduled_for=datetime.combine(day, at, tzinfo=tz), next_assessment_due=due,
                                note=note or None)
    return None
