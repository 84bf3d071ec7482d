"""The chart's Notes tab: the new-note form, then every note as a document.

A note is shown exactly as typed (``st.text``: no Markdown, so ``mother ~supportive~``, line breaks and ``1)`` stay as
written). An unsigned note can be edited (each earlier version kept and listed) and signed; signing locks it. A
signed note shows who signed it and when, takes addenda (never edits), and a trainee's signed note shows "awaiting
co-signature" with a "Co-sign" button for a supervising clinician. Each action is one audited service call. The edit
and addendum boxes keep what was typed as the user's drafts (``components.patient.note_drafts``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from components.patient.form_state import stays_open
from components.patient.note_drafts import addendum_box, edit_box, prepare
from components.patient.visit_note import SAVE_ERRORS, new_note_form
from components.shared.session import flash, show_flash_at
from components.shared.text import plain
from components.shared.theme import format_date, format_datetime
from novamind_core.domain.notes import ProgressNote
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services
    from novamind_core.services.charts import PatientChart


def note_label(note: ProgressNote) -> str:
    """The note's heading: date, author, and its state in words."""
    edited = f" · edited {len(note.revisions) - 1}×" if note.edited else ""
    addenda = f" · {len(note.addenda)} addend{'um' if len(note.addenda) == 1 else 'a'}" if note.addenda else ""
    state = {"unsigned": "unsigned draft", "signed": "signed", "awaiting co-signature": "awaiting co-signature"}
    return f"{format_date(note.note_date)} · {note.author_name} · {state[note.status]}{edited}{addenda}"


def _act(action: str, run: object) -> None:
    try:
        run()  # type: ignore[operator]
    except SAVE_ERRORS as exc:
        st.error(f"Not saved: {plain(exc)}.", icon=":material/error:")
    else:
        flash(action, at="notes")
        st.rerun()


def _unsigned(services: Services, user: User, note: ProgressNote, notes: tuple[ProgressNote, ...]) -> None:
    edit_box(services, user, note, notes)
    if note.author_id == user.id:
        if st.button("Sign and lock", key=f"nm_note_sign_{note.id}", icon=":material/verified:",
                     help="After signing, the note cannot be edited; add an addendum instead."):
            _act("Note signed and locked.", lambda: services.notes.sign(user, note.id))
    else:
        st.caption(f"Only {plain(note.author_name)} can sign this note.")


def _signed(services: Services, user: User, note: ProgressNote, notes: tuple[ProgressNote, ...]) -> None:
    sig = note.signature
    assert sig is not None
    line = f"Signed by {plain(sig.signed_by_name)}, {format_datetime(sig.signed_at)}"
    if sig.cosigned_by_name:
        line += f" · co-signed by {plain(sig.cosigned_by_name)}, {format_datetime(sig.cosigned_at)}"
    elif sig.cosign_required:
        line += " · awaiting a supervisor's co-signature"
    st.caption(line + " · locked")
    if sig.awaiting_cosignature and user.id != note.author_id \
            and st.button("Co-sign", key=f"nm_note_cosign_{note.id}", icon=":material/approval:"):
        _act("Note co-signed.", lambda: services.notes.cosign(user, note.id))
    for add in note.addenda:
        st.markdown(f"**Addendum** · {plain(add.author_name)}, {format_datetime(add.created_at)}")
        st.text(add.text, width="stretch")
    addendum_box(services, user, note, notes)


def notes_section(services: Services, user: User, view: PatientChart, today: date) -> None:
    pid = view.patient.id
    new_note_form(services, user, pid, today, view.assessments, view.medication_orders, view.summary.open_alerts)
    show_flash_at("notes")
    notes = view.notes
    if not notes:
        st.info("No progress notes yet.", icon=":material/description:")
    restored = prepare(services, user, pid, notes)  # a note whose edit or addendum draft was put back opens
    for note in notes:
        opened = stays_open(f"nm_note_open_{note.id}", note.id in restored)
        with st.expander(plain(note_label(note)), expanded=note is notes[0] or opened):
            st.text(note.text, width="stretch")  # exactly as typed: no Markdown
            if note.signed:
                _signed(services, user, note, notes)
            else:
                _unsigned(services, user, note, notes)
            if note.edited:
                st.caption("Earlier versions")
                for rev in note.revisions[:-1]:
                    st.caption(f"Revision {rev.revision} by {plain(rev.edited_by_name)}, "
                               f"{format_datetime(rev.edited_at)}")
                    st.text(rev.text, width="stretch")
