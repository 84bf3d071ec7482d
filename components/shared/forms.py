"""Forms that return the user's choices (or None until submitted); the page sends them to one service call.

Each returns a frozen value from :mod:`components.shared.choices` whose fields the page passes to the service by name.

Validation messages sit next to the field they concern: the page stores ``{field: message}`` from the service's
ValidationError under ``errors_key`` and the form shows each under its field on the next run.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from components.shared.choices import PatientRegistration
from novamind_core.domain.errors import NovamindError

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

