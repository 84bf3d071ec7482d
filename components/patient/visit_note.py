"""The chart's new progress note: a draft that survives reloads, templates, the day's measurements in one click.

What is typed is kept (components/patient/form_state.py): the text and date are saved as the user's server-side draft
for this patient whenever they are committed (leaving the box, any click, or a pause in typing) and restored after a
reload, in a new tab or in a new sign-in, whichever tab the chart opened on. "Save note" is one audited call
(``services.notes.add``) with a submission token, so a double-click saves one note; the box is cleared only after the
service accepted the note, and a refusal (a future date, a note over 20,000 characters) is shown under the field it
concerns with the text untouched. The character count and the limit are
shown under the box before saving.

"Start from a template" (follow-up, medication review, risk review) fills the box with the chart's facts of today
(:func:`novamind_core.domain.notes_templates.render_template`), after anything already typed. "Add measurements of
the note's date" reads that date's documented measurement events through one audited service call
(``services.outcomes.measurement_events``) and appends each event's line; a line already in the draft is not added
twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from components.patient.form_state import (
    Field,
    clear,
    draft_restored_notice,
    field_error,
    keep,
    mark_saved,
    payload,
    restore_once,
    second_click,
    set_errors,
    submission_token,
    wired,
)
from components.shared.text import plain
from components.shared.theme import format_date
from novamind_core.domain.alerts import Alert
from novamind_core.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    StaleWriteError,
    ValidationError,
)
from novamind_core.domain.forms import FormName
from novamind_core.domain.medications import MedicationOrder
from novamind_core.domain.notes import MAX_NOTE_CHARS
from novamind_core.domain.notes_templates import NoteTemplate, render_template
from novamind_core.domain.records import AssessmentRecord
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

SAVE_ERRORS = (ValidationError, ConflictError, StaleWriteError, NotFoundError, PermissionDenied)
ADD_MEASUREMENTS = "Add measurements of the note's date"
_MESSAGE = "nm_note_measurements_message"
FORM = FormName.NOTE


def draft_key(patient_id: int) -> str:
    """Session-state key of the patient's note draft (the Note text area's key)."""
    return f"nm_note_draft_{patient_id}"


def _date_key(patient_id: int) -> str:
    return f"nm_note_date_{patient_id}"


def note_fields(patient_id: int, today: date) -> tuple[Field, ...]:
    return (Field("text", draft_key(patient_id), "text", ""), Field("note_date", _date_key(patient_id), "date", today))


def with_measurement_lines(draft: str, lines: Sequence[str]) -> str:
    """``draft`` with each of ``lines`` not already in it appended on its own line, after a blank line; what was
    typed is kept as it was."""
    new = [line for line in dict.fromkeys(lines) if line not in draft]
    if not new:
        return draft
    head = draft.rstrip()
    return (f"{head}\n\n" if head else "") + "\n".join(new)


def _add_measurements(services: Services, user: User, patient_id: int, today: date) -> None:
    """The button's callback: runs before the page, so it may rewrite the draft the text area shows."""
    key = draft_key(patient_id)
    on = st.session_state.get(_date_key(patient_id)) or today
    try:
        events = services.outcomes.measurement_events(user, patient_id, on)
    except (PermissionDenied, NotFoundError, ValidationError) as exc:
        st.session_state[_MESSAGE] = ("error", f"Measurements not added: {plain(exc)}.")
        return
    if not events:
        st.session_state[_MESSAGE] = ("info", f"No questionnaire was administered and scored on {format_date(on)}: "
                                              "nothing added.")
        return
    st.session_state[key] = with_measurement_lines(st.session_state.get(key) or "", [e.note_line() for e in events])
    st.session_state[_MESSAGE] = ("success", f"Added the measurements of {format_date(on)} "
                                             f"({', '.join(e.instrument.value for e in events)}) to the draft; check "
                                             "the action taken before you save.")
    keep(services, user, patient_id, FORM, note_fields(patient_id, today))


def _insert_template(services: Services, user: User, patient_id: int, today: date,
                     assessments: tuple[AssessmentRecord, ...], orders: tuple[MedicationOrder, ...],
                     alerts: tuple[Alert, ...]) -> None:
    choice = st.session_state.get(f"nm_note_template_{patient_id}")
    if not choice:
        return
    key = draft_key(patient_id)
    body = render_template(NoteTemplate(choice), today, assessments, orders, alerts)
    typed = (st.session_state.get(key) or "").rstrip()
    st.session_state[key] = f"{typed}\n\n{body}" if typed else body
    st.session_state[f"nm_note_template_{patient_id}"] = None
    keep(services, user, patient_id, FORM, note_fields(patient_id, today))


def _save(services: Services, user: User, patient_id: int, today: date) -> None:
    """"Save note": validate in the service first; clear the box only once the note is stored."""
    fields = note_fields(patient_id, today)
    values = payload(fields)
    if second_click(FORM, patient_id, not (values["text"] or "").strip()):
        return  # the second click of a double-click, after the first one saved and cleared the box
    try:
        note = services.notes.add(user, patient_id, values["text"] or "", st.session_state.get(_date_key(patient_id)),
                                  submission_token=submission_token(FORM, patient_id, values))
    except SAVE_ERRORS as exc:
        set_errors(FORM, patient_id, exc, "text")
        return
    clear(FORM, patient_id, fields)
    mark_saved(FORM, patient_id)
    st.session_state[_MESSAGE] = ("success", f"Note saved for {format_date(note.note_date)}. Sign it below to lock "
                                             "it.")


def new_note_form(services: Services, user: User, patient_id: int, today: date,
                  assessments: tuple[AssessmentRecord, ...] = (), orders: tuple[MedicationOrder, ...] = (),
                  alerts: tuple[Alert, ...] = ()) -> None:
    """The new-note form: template, date, text with its count, "Save note" and "Add measurements"."""
    fields = note_fields(patient_id, today)
    restore_once(services, user, patient_id, FORM, fields)
    keep_args = (services, user, patient_id, FORM, fields)
    with st.container(border=True):
        st.markdown("**New progress note**")
        draft_restored_notice(FORM, patient_id)
        left, right = st.columns([1, 2])
        with left:
            st.date_input("Date", format="DD/MM/YYYY", **wired(fields[1], keep_args),
                          help="Today or earlier; a date in the future is refused, never changed.")
            field_error(FORM, patient_id, "note_date")
        with right:
            st.selectbox("Start from a template", [None, *(t.value for t in NoteTemplate)],
                         key=f"nm_note_template_{patient_id}", format_func=lambda t: "Choose…" if t is None else
                         t.capitalize(), on_change=_insert_template,
                         args=(services, user, patient_id, today, assessments, orders, alerts),
                         help="Adds today's scores, medication changes, current medication and open alerts after "
                              "what you typed.")
        text = st.text_area("Note", height=180, placeholder="Presentation, risk, plan…", **wired(fields[0], keep_args))
        count = len((text or "").strip())
        over = count > MAX_NOTE_CHARS
        st.caption(f"{count:,} of {MAX_NOTE_CHARS:,} characters" + (" — too long to save: shorten it or split it "
                                                                    "into two notes" if over else "")
                   + " · your draft is kept if you reload or close the tab")
        field_error(FORM, patient_id, "text", "submission_token")
        left, right = st.columns(2)
        left.button("Save note", type="primary", icon=":material/note_add:", key=f"nm_note_new_save_{patient_id}",
                    on_click=_save, args=(services, user, patient_id, today), disabled=over)
        right.button(
            ADD_MEASUREMENTS, icon=":material/playlist_add:", on_click=_add_measurements,
            args=(services, user, patient_id, today), key=f"nm_note_measurements_{patient_id}",
            help="Adds each questionnaire administered and scored on the note's date (instrument, score, "
                 "interpretation, action taken) after what you typed.")
        message = st.session_state.pop(_MESSAGE, None)
        if message is not None:
            kind, words = message
            {"error": st.error, "info": st.info, "success": st.success}[kind](words)
