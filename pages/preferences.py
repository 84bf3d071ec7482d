"""Notification preferences: where one's own urgent alerts are e-mailed, and whether they are (every staff role).

Recipe: one ``services.reporting.notification_preferences`` call to read (one audit event), one
``set_notification_preferences`` call to save; a validation message sits under the e-mail field and keeps the entry.
An urgent alert is a PHQ-9 item-9 answer above 0 from a patient's link or the clinic kiosk: the e-mail says only that
a patient on your care team needs review, with a link to the alert (docs/reporting.md).
"""

from __future__ import annotations

import streamlit as st

from components.shared.errors import error_boundary
from components.shared.forms import errors_from, field_error
from components.shared.session import flash, page_guard
from components.shared.theme import format_datetime
from novamind_core.domain.errors import ValidationError

ctx = page_guard("preferences")
ERRORS_KEY = "nm_pref_errors"


def preferences_page() -> None:
    st.title("Notifications")
    prefs = ctx.services.reporting.notification_preferences(ctx.user)
    st.caption("When a patient's own answer on a questionnaire link or the clinic kiosk signals thoughts of self-harm, "
               "the patient's care team is e-mailed at once. The e-mail holds no patient details: only a link to the "
               "alert, which opens after you sign in.")
    errors = st.session_state.get(ERRORS_KEY) or {}
    with st.form("nm_pref_form", border=True):
        email = st.text_input("Your e-mail for urgent alerts", value=prefs.email or "", key="nm_pref_email",
                              placeholder="name@clinic.example.org")
        field_error(errors, "email")
        urgent = st.toggle("E-mail me urgent alerts for patients on my care team", value=prefs.urgent_by_email,
                           key="nm_pref_urgent")
        field_error(errors, "form")
        submitted = st.form_submit_button("Save preferences", type="primary", icon=":material/save:")
    if prefs.updated_at is not None:
        st.caption(f"Last saved {format_datetime(prefs.updated_at)}.")
    if urgent and not (prefs.email or "").strip() and not submitted:
        st.info("Add your e-mail address above: without one no urgent alert can reach you by e-mail.",
                icon=":material/mail:")
    if not submitted:
        return
    try:
        saved = ctx.services.reporting.set_notification_preferences(ctx.user, email=email, urgent_by_email=urgent)
    except ValidationError as exc:
        st.session_state[ERRORS_KEY] = errors_from(exc, "email")
        st.rerun()
    st.session_state[ERRORS_KEY] = {}
    flash("Preferences saved: urgent alerts " + (f"go to {saved.email}." if saved.urgent_by_email and saved.email
                                                 else "are not e-mailed to you."))
    st.rerun()


with error_boundary("preferences"):
    preferences_page()
with error_boundary("account security"):  # change password, second factor (components/shared/account_security.py)
    from components.shared.account_security import render_account_security

    render_account_security(ctx.services, ctx.user)
