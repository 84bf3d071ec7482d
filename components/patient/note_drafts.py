"""A note's edit box and a signed note's addendum box, kept as the user's drafts (docs/ux.md §5).

They are not ``st.form``s (a form's fields are sent only on submit, so nothing could be kept before it). Each box's
``on_change`` keeps its form's draft (``components.patient.form_state``): one draft per patient for the edit boxes
(``FormName.NOTE_EDIT``: every unsigned note whose box differs from its text, with the revision the change started
from) and one for the addendum boxes (``FormName.ADDENDUM``: every box with text), both by note id. The first time
the notes are drawn in a browser session the drafts are put back, with "Restored your unsaved draft" in the note.

"Save edit" and "Add addendum" are one audited service call each with a submission token, so a double-click saves
once; the service drops that note's entry of the draft in the same transaction. A refusal keeps the text and is shown
under its box. "Cancel" puts the box back and drops the note's entry. An edit box the user has not changed follows
the note when a colleague edits it; a changed one keeps the revision it started from, so it cannot silently
overwrite a later edit (the service refuses it, and the box says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import streamlit as st

from components.patient.form_state import (
    errors_key,
    field_error,
    keep_value,
    mark_saved,
    notice_key,
    remember_kept,
    restored_notice,
    restored_value,
    second_click,
    submission_token,
)
from components.patient.visit_note import SAVE_ERRORS
from components.shared.keep_typing import keep_typing
from components.shared.session import flash
from components.shared.text import plain
from novamind_core.domain.errors import StaleWriteError
from novamind_core.domain.forms import FormName
from novamind_core.domain.notes import MAX_ADDENDUM_CHARS, ProgressNote
from novamind_core.domain.users import User
from novamind_core.services.notes import current_revision

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

EDIT = FormName.NOTE_EDIT
ADDENDUM = FormName.ADDENDUM


def edit_key(note_id: int) -> str:
    """Session key of a note's edit box."""
    return f"nm_note_text_{note_id}"


def addendum_key(note_id: int) -> str:
    """Session key of a signed note's addendum box."""
    return f"nm_addendum_text_{note_id}"


def _rev_key(note_id: int) -> str:
    return f"nm_note_rev_{note_id}"


def _done_key(form: FormName, note_id: int) -> str:
    return f"nm_note_done_{form.value}_{note_id}"


def _restored_key(note_id: int) -> str:
    return f"nm_note_restored_{note_id}"


def _text_of(note: ProgressNote, revision: object) -> str | None:
    if revision == current_revision(note):
        return note.text
    return next((r.text for r in note.revisions if r.revision == revision), None)


def _edit_value(notes: Sequence[ProgressNote], without: int | None = None) -> dict[str, object]:
    state = st.session_state
    value: dict[str, object] = {}
    for n in notes:
        text = state.get(edit_key(n.id))
        if not n.signed and n.id != without and text is not None and text != n.text:
            value[str(n.id)] = {"text": text, "revision": int(state.get(_rev_key(n.id)) or current_revision(n))}
    return value


def _addendum_value(notes: Sequence[ProgressNote], without: int | None = None) -> dict[str, object]:
    value: dict[str, object] = {}
    for n in notes:
        text = st.session_state.get(addendum_key(n.id)) or ""
        if n.signed and n.id != without and text.strip():
            value[str(n.id)] = {"text": text}
    return value


def _keep_edits(services: Services, user: User, patient_id: int, notes: Sequence[ProgressNote]) -> None:
    keep_value(services, user, patient_id, EDIT, _edit_value(notes))
    _forget_notices(notes)


def _keep_addenda(services: Services, user: User, patient_id: int, notes: Sequence[ProgressNote]) -> None:
    keep_value(services, user, patient_id, ADDENDUM, _addendum_value(notes))
    _forget_notices(notes)


def _forget_notices(notes: Sequence[ProgressNote]) -> None:
    """The box now holds what is being typed: "Restored your unsaved draft" goes (it stayed until now, so the box
    below it did not move while the user typed: a moved box is drawn anew and loses focus)."""
    for note in notes:
        st.session_state.pop(_restored_key(note.id), None)


def prepare(services: Services, user: User, patient_id: int, notes: Sequence[ProgressNote]) -> set[int]:
    """Before the boxes are drawn: an unchanged edit box follows its note; once per browser session the drafts come
    back. Returns the ids of the notes whose box holds restored text (their expanders open)."""
    state = st.session_state
    by_id = {str(n.id): n for n in notes}
    for n in notes:
        base = state.get(_rev_key(n.id))
        if not n.signed and (edit_key(n.id) not in state
                             or (base != current_revision(n) and state[edit_key(n.id)] == _text_of(n, base))):
            state[edit_key(n.id)], state[_rev_key(n.id)] = n.text, current_revision(n)
    restored: set[int] = set()
    for form in (EDIT, ADDENDUM):
        draft = restored_value(services, user, patient_id, form, notice=True) or {}
        when = state.pop(notice_key(form, patient_id), None)
        for note_id, entry in draft.items():
            n = by_id.get(note_id)
            if n is None or not isinstance(entry, dict) or n.signed == (form is EDIT):
                continue  # a note gone, or signed since its edit was typed
            if form is EDIT:
                state[edit_key(n.id)] = str(entry.get("text") or "")
                state[_rev_key(n.id)] = int(entry.get("revision") or current_revision(n))
            else:
                state[addendum_key(n.id)] = str(entry.get("text") or "")
            restored.add(n.id)
            if when is not None:
                state[_restored_key(n.id)] = when
    return restored


STALE = ("Not saved: someone else edited this note after your edit began. Copy your text, press Cancel edit to load "
         "the current note, then apply your change again.")


def _refused(form: FormName, note: ProgressNote, exc: Exception) -> None:
    message = str(exc)
    st.session_state[errors_key(form, note.patient_id)] = {str(note.id): STALE if isinstance(exc, StaleWriteError)
                                                           else "Not saved: " + plain(message[:1].upper()
                                                                                      + message[1:]) + "."}


def _clear_error(form: FormName, note: ProgressNote) -> None:
    errors = st.session_state.get(errors_key(form, note.patient_id)) or {}
    errors.pop(str(note.id), None)


def _save_edit(services: Services, user: User, note: ProgressNote, notes: Sequence[ProgressNote]) -> None:
    """"Save edit": the service checks first; the box keeps the text until the edit is stored."""
    state = st.session_state
    text = state.get(edit_key(note.id)) or ""
    base = int(state.get(_rev_key(note.id)) or current_revision(note))
    values = {"note": note.id, "text": text, "revision": base}
    done = state.get(_done_key(EDIT, note.id))
    repeat = bool(done and done[0] == values)  # the second click of a double-click: the first one's token
    token = done[1] if repeat else submission_token(EDIT, note.patient_id, values)
    try:
        saved = services.notes.edit(user, note.id, text, expected_revision=base, submission_token=token)
    except SAVE_ERRORS as exc:
        _refused(EDIT, note, exc)
        return
    state[edit_key(note.id)], state[_rev_key(note.id)] = saved.text, current_revision(saved)
    state[_done_key(EDIT, note.id)] = ({"note": note.id, "text": saved.text, "revision": current_revision(saved)},
                                       token)
    remember_kept(EDIT, note.patient_id, _edit_value(notes, without=note.id))
    _clear_error(EDIT, note)
    if not repeat:
        flash("Note updated; the earlier version is kept in its history.", at="notes")


def _cancel_edit(services: Services, user: User, note: ProgressNote, notes: Sequence[ProgressNote]) -> None:
    """Cancel: the box shows the note as it is now, and this note's edit leaves the draft."""
    st.session_state[edit_key(note.id)], st.session_state[_rev_key(note.id)] = note.text, current_revision(note)
    _clear_error(EDIT, note)
    _keep_edits(services, user, note.patient_id, notes)


def edit_box(services: Services, user: User, note: ProgressNote, notes: Sequence[ProgressNote]) -> None:
    """An unsigned note's edit box, with "Save edit" and "Cancel edit"."""
    state = st.session_state
    when, slot = state.get(_restored_key(note.id)), st.empty()
    if when is not None:
        with slot:
            restored_notice(when)
    args = (services, user, note.patient_id, notes)
    keep_typing(f"note_edit_{note.id}", [edit_key(note.id)])  # committed after a pause in typing, too
    st.text_area("Edit note", key=edit_key(note.id), height=160, on_change=_keep_edits, args=args,
                 help="Kept as your draft when you leave the box; a reload or a new tab puts it back.")
    base, now = state.get(_rev_key(note.id)), current_revision(note)
    if base != now:
        st.warning(f"This note was edited by someone else after your edit began (yours starts from version {base}, "
                   f"the note is at version {now}), so saving it is refused. Copy your text, press Cancel edit to "
                   "load the current note, then apply your change again.", icon=":material/sync_problem:")
    field_error(EDIT, note.patient_id, str(note.id))
    c1, c2 = st.columns(2)
    c1.button("Save edit", icon=":material/edit_note:", key=f"nm_note_save_{note.id}", on_click=_save_edit,
              args=(services, user, note, notes))
    c2.button("Cancel edit", icon=":material/undo:", key=f"nm_note_cancel_{note.id}", on_click=_cancel_edit,
              args=(services, user, note, notes), disabled=state.get(edit_key(note.id)) == note.text)


def _save_addendum(services: Services, user: User, note: ProgressNote, notes: Sequence[ProgressNote]) -> None:
    """"Add addendum": the service checks first; the box is cleared only once the addendum is stored."""
    state = st.session_state
    text = state.get(addendum_key(note.id)) or ""
    if second_click(ADDENDUM, note.patient_id, not text.strip(), note.id):
        return  # the second click of a double-click, after the first one saved and cleared the box
    token = submission_token(ADDENDUM, note.patient_id, {"note": note.id, "text": text})
    try:
        saved = services.notes.add_addendum(user, note.id, text, submission_token=token)
    except SAVE_ERRORS as exc:
        _refused(ADDENDUM, note, exc)
        return
    state[addendum_key(note.id)] = ""
    mark_saved(ADDENDUM, note.patient_id, note.id)
    remember_kept(ADDENDUM, note.patient_id, _addendum_value(notes, without=note.id))
    _clear_error(ADDENDUM, note)
    if len(saved.addenda) > len(note.addenda):  # a repeat of the same click adds nothing and says nothing more
        flash("Addendum added.", at="notes")


def _cancel_addendum(services: Services, user: User, note: ProgressNote, notes: Sequence[ProgressNote]) -> None:
    st.session_state[addendum_key(note.id)] = ""
    _clear_error(ADDENDUM, note)
    _keep_addenda(services, user, note.patient_id, notes)


def addendum_box(services: Services, user: User, note: ProgressNote, notes: Sequence[ProgressNote]) -> None:
    """A signed note's addendum box, with "Add addendum" and "Cancel addendum"."""
    state = st.session_state
    state.setdefault(addendum_key(note.id), "")
    when, slot = state.get(_restored_key(note.id)), st.empty()
    if when is not None:
        with slot:
            restored_notice(when)
    keep_typing(f"addendum_{note.id}", [addendum_key(note.id)])
    st.text_area("Addendum", key=addendum_key(note.id), height=100, on_change=_keep_addenda,
                 args=(services, user, note.patient_id, notes),
                 help=f"Dated and signed with your name; at most {MAX_ADDENDUM_CHARS:,} characters. Kept as your "
                      "draft when you leave the box.")
    field_error(ADDENDUM, note.patient_id, str(note.id))
    c1, c2 = st.columns(2)
    c1.button("Add addendum", icon=":material/post_add:", key=f"nm_addendum_add_{note.id}",
              on_click=_save_addendum, args=(services, user, note, notes))
    c2.button("Cancel addendum", icon=":material/undo:", key=f"nm_addendum_cancel_{note.id}",
              on_click=_cancel_addendum, args=(services, user, note, notes),
              disabled=not (state.get(addendum_key(note.id)) or "").strip())
