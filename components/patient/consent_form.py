"""The Questionnaires tab's contact consent: e-mail, SMS and the date consent was given, kept as the user's draft.

Not an ``st.form`` (a form's fields are sent only on submit, so nothing could be kept before it): each field is saved
as the user's draft for this patient when it is committed and put back after a reload ("Restored your unsaved
draft"), as every chart form does (``components.patient.form_state``). "Record consent" is one audited call
(``services.reporting.record_consent``) with a submission token, so a double-click records once; it drops the draft
in the same transaction. A refusal (a date in the future) is shown under its field with every field kept. Fields the
user has not changed follow the consent on record when it changes (recorded here, or an opt-out by the patient).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from components.patient.form_state import (
    Field,
    draft_restored_notice,
    field_error,
    follow_defaults,
    keep,
    payload,
    remember_kept,
    remember_token,
    repeated_token,
    restore_once,
    set_errors,
    submission_token,
)
from components.shared.session import flash
from novamind_core.domain.errors import ConflictError, NotFoundError, StaleWriteError, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.reporting_views import ContactConsent
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

FORM = FormName.CONSENT
SAVE_ERRORS = (ValidationError, ConflictError, StaleWriteError, NotFoundError)


def consent_fields(patient_id: int, consent: ContactConsent | None, today: date) -> tuple[Field, ...]:
    """The consent's fields; their defaults are the consent on record (an opt-out reads as no)."""
    live = consent is not None and not consent.opted_out
    return (Field("email", f"nm_consent_email_{patient_id}", "bool", bool(live and consent and consent.email)),
            Field("sms", f"nm_consent_sms_{patient_id}", "bool", bool(live and consent and consent.sms)),
            Field("recorded_on", f"nm_consent_on_{patient_id}", "date", today))


def _on_record(consent: ContactConsent | None) -> dict[str, object]:
    if consent is None:
        return {}
    return {"email": consent.email, "sms": consent.sms, "on": consent.recorded_on.isoformat(),
            "opted_out_at": consent.opted_out_at.isoformat() if consent.opted_out_at else None}


def _record(services: Services, user: User, patient_id: int, consent: ContactConsent | None, today: date) -> None:
    """"Record consent": the service checks first; the fields keep the choice either way."""
    fields = consent_fields(patient_id, consent, today)
    values = payload(fields)
    state = st.session_state
    repeat = repeated_token(FORM, patient_id, values)  # a double-click's second click records nothing more
    # the consent on record is part of the content: recording the same choice after an opt-out is new
    token = repeat or submission_token(FORM, patient_id, {**values, "on_record": _on_record(consent)})
    try:
        saved = services.reporting.record_consent(user, patient_id, email=bool(values["email"]),
                                                  sms=bool(values["sms"]), recorded_on=state.get(fields[2].key),
                                                  submission_token=token)
    except SAVE_ERRORS as exc:
        set_errors(FORM, patient_id, exc, "recorded_on")
        return
    state.pop(f"nm_form_errors_{FORM.value}_{patient_id}", None)
    remember_kept(FORM, patient_id, values)  # the service dropped the draft with the save
    remember_token(FORM, patient_id, values, token)
    if not repeat:
        flash(f"Consent recorded: e-mail {'yes' if saved.email else 'no'}, SMS {'yes' if saved.sms else 'no'}.",
              at="consent")


def consent_form(services: Services, user: User, patient_id: int, consent: ContactConsent | None,
                 today: date) -> None:
    """E-mail, SMS, the date, and "Record consent" (no ``st.form``: each field is kept as a draft when committed)."""
    fields = consent_fields(patient_id, consent, today)
    follow_defaults(FORM, patient_id, fields)
    restore_once(services, user, patient_id, FORM, fields)
    keep_args = (services, user, patient_id, FORM, fields)
    with st.container(border=True):
        draft_restored_notice(FORM, patient_id)
        c1, c2, c3 = st.columns([1, 1, 1.4])
        c1.checkbox("E-mail", key=fields[0].key, on_change=keep, args=keep_args)
        c2.checkbox("SMS", key=fields[1].key, on_change=keep, args=keep_args)
        with c3:
            st.date_input("Consent given on", format="DD/MM/YYYY", key=fields[2].key, on_change=keep, args=keep_args,
                          help="Today or earlier; a date in the future is refused, never changed.")
            field_error(FORM, patient_id, "recorded_on", "submission_token")
        st.button("Record consent", icon=":material/how_to_reg:", key=f"nm_consent_record_{patient_id}",
                  on_click=_record, args=(services, user, patient_id, consent, today))
