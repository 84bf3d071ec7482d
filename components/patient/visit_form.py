"""Book the next visit: date and time in the clinic's time zone, when the next scores are due, and a note.

The fields are kept as the user's draft (a reload or a new tab shows them again); "Book visit" is one audited call
(``services.visits.schedule``) with a submission token, so a double-click books one visit with its note; the fields
are cleared only after the booking was accepted, and a refusal is shown under the field it concerns.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import streamlit as st

from components.patient.form_state import (
    Field,
    clear,
    draft_restored_notice,
    field_error,
    is_blank,
    mark_saved,
    payload,
    restore_once,
    second_click,
    set_errors,
    submission_token,
    wired,
)
from components.patient.visit_note import SAVE_ERRORS
from components.shared.text import plain
from components.shared.theme import format_date, format_datetime
from novamind_core.domain.forms import FormName
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

FORM = FormName.VISIT
DEFAULT_TIME = time(10, 0)


def visit_fields(patient_id: int, today: date) -> tuple[Field, ...]:
    four_weeks = today + timedelta(weeks=4)
    return (Field("day", f"nm_visit_day_{patient_id}", "date", four_weeks),
            Field("at", f"nm_visit_time_{patient_id}", "time", DEFAULT_TIME),
            Field("next_assessment_due", f"nm_visit_due_{patient_id}", "date", four_weeks),
            Field("note", f"nm_visit_note_{patient_id}", "text", ""))


def _book(services: Services, user: User, patient_id: int, today: date, tz: ZoneInfo) -> None:
    """"Book visit": the service validates first; the fields are cleared only once the visit is booked."""
    fields = visit_fields(patient_id, today)
    values = payload(fields)
    state = st.session_state
    if second_click(FORM, patient_id, is_blank(values, fields)):
        return  # the second click of a double-click, after the first one booked and reset the form
    day, at, due = state.get(fields[0].key), state.get(fields[1].key) or DEFAULT_TIME, state.get(fields[2].key)
    if day is None:
        state[f"nm_form_errors_{FORM.value}_{patient_id}"] = {"scheduled_for": "Not saved: choose the visit date."}
        return
    try:
        visit = services.visits.schedule(user, patient_id, datetime.combine(day, at, tzinfo=tz),
                                         next_assessment_due=due, note=state.get(fields[3].key) or None,
                                         submission_token=submission_token(FORM, patient_id, values))
    except SAVE_ERRORS as exc:
        set_errors(FORM, patient_id, exc, "scheduled_for")
        return
    clear(FORM, patient_id, fields)
    mark_saved(FORM, patient_id)
    state[f"nm_visit_message_{patient_id}"] = (
        f"Visit booked for {format_datetime(visit.scheduled_for.astimezone(tz))}"
        + (f"; next assessments due {format_date(due)}." if due is not None else "."))


def visit_form(services: Services, user: User, patient_id: int, today: date, tz: ZoneInfo) -> None:
    """The booking form (no ``st.form``: each field is kept as a draft when it is committed)."""
    fields = visit_fields(patient_id, today)
    restore_once(services, user, patient_id, FORM, fields)
    keep_args = (services, user, patient_id, FORM, fields)
    with st.container(border=True):
        st.markdown("**Book the next visit**")
        draft_restored_notice(FORM, patient_id)
        c1, c2, c3 = st.columns(3)
        with c1:
            st.date_input("Visit date", format="DD/MM/YYYY", **wired(fields[0], keep_args))
            field_error(FORM, patient_id, "scheduled_for")
        c2.time_input("Time", step=timedelta(minutes=15), **wired(fields[1], keep_args))
        with c3:
            st.date_input("Next assessments due", format="DD/MM/YYYY", **wired(fields[2], keep_args))
            field_error(FORM, patient_id, "next_assessment_due")
        st.text_input("Note (optional)", placeholder="e.g. review response; bloods before visit",
                      **wired(fields[3], keep_args), max_chars=2000)
        field_error(FORM, patient_id, "note", "submission_token")
        st.button("Book visit", type="primary", icon=":material/event:", key=f"nm_visit_book_{patient_id}",
                  on_click=_book, args=(services, user, patient_id, today, tz))
        message = st.session_state.pop(f"nm_visit_message_{patient_id}", None)
        if message:
            st.success(plain(message), icon=":material/check_circle:")
