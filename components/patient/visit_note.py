"""The chart's new progress note, with the day's measurement events in one click.

The draft lives in session state, one per patient (a draft never follows the clinician to another patient's chart).
"Add measurements of the note's date" reads that date's documented measurement events through one audited service
call with a care-team check (``services.outcomes.measurement_events``, audited as ``measurement.events``) and appends
each event's :meth:`~novamind_core.domain.outcome_records.MeasurementEvent.note_line` (instrument, score,
interpretation, action taken) after what was typed; a line already in the draft is not added twice. "Save note" is
its own audited call (``services.notes.add``), then the draft is cleared.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from components.shared.session import flash
from components.shared.theme import format_date
from novamind_core.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    StaleWriteError,
    ValidationError,
)
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

SAVE_ERRORS = (ValidationError, ConflictError, StaleWriteError, NotFoundError)
ADD_MEASUREMENTS = "Add measurements of the note's date"
_MESSAGE = "nm_note_measurements_message"


def draft_key(patient_id: int) -> str:
    """Session-state key of the patient's note draft (the Note text area's key)."""
    return f"nm_note_draft_{patient_id}"


def _date_key(patient_id: int) -> str:
    return f"nm_note_date_{patient_id}"


def _clear_key(patient_id: int) -> str:
    return f"nm_note_draft_clear_{patient_id}"


def with_measurement_lines(draft: str, lines: Sequence[str]) -> str:
    """``draft`` with each of ``lines`` not already in it appended on its own line, after a blank line; what was
    typed is kept as it was."""
    new = [line for line in dict.fromkeys(lines) if line not in draft]
    if not new:
        return draft
    head = draft.rstrip()
    return (f"{head}\n\n" if head else "") + "\n".join(new)


def _add_measurements(services: Services, user: User, patient_id: int) -> None:
    """The button's callback: runs before the page, so it may rewrite the draft the text area shows."""
    key = draft_key(patient_id)
    on: date = st.session_state[_date_key(patient_id)]
    try:
        events = services.outcomes.measurement_events(user, patient_id, on)
    except (PermissionDenied, NotFoundError, ValidationError) as exc:
        st.session_state[_MESSAGE] = ("error", f"Measurements not added: {exc}.")
        return
    if not events:
        st.session_state[_MESSAGE] = ("info", f"No questionnaire was administered and scored on {format_date(on)}: "
                                              "nothing added.")
        return
    st.session_state[key] = with_measurement_lines(st.session_state.get(key) or "", [e.note_line() for e in events])
    st.session_state[_MESSAGE] = ("success", f"Added the measurements of {format_date(on)} "
                                             f"({', '.join(e.instrument.value for e in events)}) to the draft; check "
                                             "the action taken before you save.")


def new_note_form(services: Services, user: User, patient_id: int, today: date) -> None:
    """The new-note form: date, text, "Save note" and "Add measurements of the note's date"."""
    key = draft_key(patient_id)
    if st.session_state.pop(_clear_key(patient_id), False):
        st.session_state[key] = ""
    with st.form("nm_note_add"):
        st.markdown("**New progress note**")
        on = st.date_input("Date", value=today, max_value=today, format="DD/MM/YYYY", key=_date_key(patient_id))
        text = st.text_area("Note", height=140, placeholder="Presentation, risk, plan…", key=key)
        left, right = st.columns(2)
        save = left.form_submit_button("Save note", type="primary", icon=":material/note_add:")
        right.form_submit_button(
            ADD_MEASUREMENTS, icon=":material/playlist_add:", on_click=_add_measurements,
            args=(services, user, patient_id),
            help="Adds each questionnaire administered and scored on the note's date (instrument, score, "
                 "interpretation, action taken) after what you typed.")
    message = st.session_state.pop(_MESSAGE, None)
    if message is not None:
        kind, words = message
        {"error": st.error, "info": st.info, "success": st.success}[kind](words)
    if save:
        try:
            services.notes.add(user, patient_id, text, on)
        except SAVE_ERRORS as exc:
            st.error(f"Not saved: {exc}.", icon=":material/error:")
        else:
            st.session_state[_clear_key(patient_id)] = True
            flash(f"Note saved for {format_date(on)}.")
            st.rerun()
