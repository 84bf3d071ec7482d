"""The caseload's "Register a patient" form, kept as the user's draft like every chart form.

Not an ``st.form`` (a form's fields reach the server only on submit, so a reload lost everything typed): each field
is saved when it is committed (leaving it, any click, a pause in typing) as the user's *registration draft*, a draft
with no patient (the patient does not exist until the form is saved; ``services.drafts`` with ``patient_id`` None,
encrypted, the user's alone), and put back after a reload, in a new tab or a new sign-in ("Restored your unsaved
draft"). "Register patient" checks the required fields first and names each missing one under it, clearing nothing;
the registration is one audited call with a submission token, so a double-click registers one patient, and it drops
the draft in the same transaction. On success the new patient's chart opens.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import streamlit as st

from components.patient.form_state import (
    Field,
    draft_restored_notice,
    is_blank,
    mark_saved,
    notice_key,
    payload,
    remember_kept,
    restore_once,
    second_click,
    stays_open,
    submission_token,
    wired,
)
from components.shared.choices import PatientRegistration
from components.shared.forms import COMMON_DIAGNOSES, SEX_OPTIONS, errors_from, field_error
from components.shared.session import flash, open_patient
from novamind_core.domain.errors import ConflictError, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

FORM = FormName.REGISTRATION
ERRORS_KEY = "nm_register_errors"
OPEN_KEY = "nm_register_open"  # the expander is kept open once a draft was put back or a registration refused
OPENED_KEY = "nm_register_opened"  # (patient id, label): the chart to open once the run has drawn the page
REQUIRED = (("mrn", "MRN"), ("given_name", "Given name"), ("family_name", "Family name"),
            ("date_of_birth", "Date of birth"), ("sex_at_birth", "Sex at birth"))
FIELDS: tuple[Field, ...] = (
    Field("mrn", "nm_reg_mrn"), Field("given_name", "nm_reg_given"), Field("family_name", "nm_reg_family"),
    Field("date_of_birth", "nm_reg_dob", "date"), Field("sex_at_birth", "nm_reg_sex"),
    Field("gender_identity", "nm_reg_gender"), Field("diagnosis_code", "nm_reg_code"),
    Field("diagnosis_label", "nm_reg_label"), Field("phone", "nm_reg_phone"),
)


def _text(values: dict[str, object], name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def entered(values: dict[str, object]) -> PatientRegistration:
    """The registration in the fields' values (``payload``); required fields already checked."""
    code = _text(values, "diagnosis_code").upper() or None
    label = _text(values, "diagnosis_label") or (COMMON_DIAGNOSES.get(code, "") if code else "")
    return PatientRegistration(
        mrn=_text(values, "mrn"), given_name=_text(values, "given_name"), family_name=_text(values, "family_name"),
        date_of_birth=date.fromisoformat(str(values["date_of_birth"])), sex_at_birth=_text(values, "sex_at_birth"),
        gender_identity=_text(values, "gender_identity") or None, phone=_text(values, "phone") or None,
        diagnosis_code=code, diagnosis_label=label if code else "")


def _register(services: Services, user: User) -> None:
    """"Register patient": names every missing required field (nothing cleared), else registers once."""
    state = st.session_state
    values = payload(FIELDS)
    if second_click(FORM, None, is_blank(values, FIELDS)):
        return  # the second click of a double-click: the first registered and cleared the form
    missing = {name: f"{label} is required" for name, label in REQUIRED if not values.get(name)}
    if missing:
        state[ERRORS_KEY] = missing
        return
    registration = entered(values)
    try:
        patient = services.patients.register(
            user, mrn=registration.mrn, given_name=registration.given_name, family_name=registration.family_name,
            date_of_birth=registration.date_of_birth, sex_at_birth=registration.sex_at_birth,
            gender_identity=registration.gender_identity, phone=registration.phone,
            diagnoses=registration.diagnoses(), submission_token=submission_token(FORM, None, values))
    except (ValidationError, ConflictError) as exc:
        state[ERRORS_KEY] = errors_from(exc, "mrn" if isinstance(exc, ConflictError) else "form")
        return
    for f in FIELDS:
        state[f.key] = f.default
    state[ERRORS_KEY] = {}
    state.pop(notice_key(FORM, None), None)
    remember_kept(FORM, None, payload(FIELDS))  # the service dropped the draft with the registration
    mark_saved(FORM, None)
    state[OPEN_KEY] = False
    state[OPENED_KEY] = (patient.id, f"{patient.full_name} ({patient.mrn})")


def register_patient_form(services: Services, user: User, today: date) -> None:
    """The form, in an expander that opens by itself when a draft was put back or a registration was refused."""
    restore_once(services, user, None, FORM, FIELDS)  # a registration has no patient yet
    opened = st.session_state.pop(OPENED_KEY, None)
    if opened is not None:  # queued here, not in the callback: the page's top would show it before the switch
        flash(f"Registered {opened[1]}. Add a first PHQ-9 or GAD-7 on the Patient page.")
        open_patient(*opened)
    errors: dict[str, str] = st.session_state.get(ERRORS_KEY) or {}
    keep_args = (services, user, None, FORM, FIELDS)
    f = {field.name: field for field in FIELDS}
    expanded = stays_open(OPEN_KEY, bool(errors) or st.session_state.get(notice_key(FORM, None)) is not None)
    with st.expander("Register a patient", icon=":material/person_add:", expanded=expanded), \
            st.container(border=True):
        draft_restored_notice(FORM, None)
        st.markdown("**Register a patient**")
        c1, c2, c3 = st.columns(3)
        with c1:
            st.text_input("MRN *", placeholder="e.g. NM-123456", max_chars=32, **wired(f["mrn"], keep_args))
            field_error(errors, "mrn")
            st.selectbox("Sex at birth *", SEX_OPTIONS, index=None, placeholder="Choose…",
                         **wired(f["sex_at_birth"], keep_args))
            field_error(errors, "sex_at_birth")
        with c2:
            st.text_input("Given name *", max_chars=100, **wired(f["given_name"], keep_args))
            field_error(errors, "given_name")
            st.date_input("Date of birth *", value=None, min_value=today - timedelta(days=125 * 366),
                          max_value=today, format="DD/MM/YYYY", **wired(f["date_of_birth"], keep_args))
            field_error(errors, "date_of_birth")
        with c3:
            st.text_input("Family name *", max_chars=100, **wired(f["family_name"], keep_args))
            field_error(errors, "family_name")
            st.text_input("Gender identity (optional)", max_chars=100, **wired(f["gender_identity"], keep_args))
        d1, d2, d3 = st.columns([1, 2, 1])
        with d1:
            st.selectbox("Primary diagnosis (ICD-10)", list(COMMON_DIAGNOSES), index=None, accept_new_options=True,
                         placeholder="e.g. F32.1", **wired(f["diagnosis_code"], keep_args))
        with d2:
            st.text_input("Diagnosis label", placeholder="filled from the code when left blank",
                          **wired(f["diagnosis_label"], keep_args))
            field_error(errors, "diagnoses", "code", "label")
        with d3:
            st.text_input("Phone (optional)", max_chars=30, **wired(f["phone"], keep_args))
        field_error(errors, "phone", "email", "care_team", "form")
        st.button("Register patient", type="primary", icon=":material/person_add:", key="nm_reg_submit",
                  on_click=_register, args=(services, user))
