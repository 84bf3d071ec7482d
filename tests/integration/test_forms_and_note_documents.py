"""Drafts, submission tokens, patient links and signed notes through the real services and repositories, on SQLite
and PostgreSQL (migration 0007)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from novamind_core.domain.errors import ConflictError

TOKEN = "integration-token-" + "x" * 16


def test_a_draft_is_stored_encrypted_replaced_in_place_and_expires(services, clinician, patient, clock):
    services.drafts.save(clinician, patient.id, "note", {"text": "first words"})
    services.drafts.save(clinician, patient.id, "note", {"text": "first words, then more"})
    with services.engine.connect() as conn:
        rows = list(conn.execute(text("SELECT payload FROM form_drafts")))
    assert len(rows) == 1 and "first words" not in rows[0][0]
    assert services.drafts.load(clinician, patient.id, "note").payload == {"text": "first words, then more"}
    clock.advance(hours=73)
    assert services.drafts.load(clinician, patient.id, "note") is None


def test_a_repeated_token_saves_one_note_and_the_note_drops_its_draft(services, clinician, patient):
    services.drafts.save(clinician, patient.id, "note", {"text": "seen"})
    a = services.notes.add(clinician, patient.id, "seen", submission_token=TOKEN)
    b = services.notes.add(clinician, patient.id, "seen", submission_token=TOKEN)
    assert a.id == b.id and len(services.notes.list(clinician, patient.id)) == 1
    assert services.drafts.load(clinician, patient.id, "note") is None


def test_a_signed_note_is_locked_and_keeps_its_history_and_addenda(services, clinician, patient):
    note = services.notes.add(clinician, patient.id, "mother ~supportive~\n1) sleep")
    services.notes.edit(clinician, note.id, "mother ~supportive~\n1) sleep better")
    services.notes.sign(clinician, note.id)
    with pytest.raises(ConflictError):
        services.notes.edit(clinician, note.id, "changed")
    services.notes.add_addendum(clinician, note.id, "bloods normal")
    [stored] = services.notes.list(clinician, patient.id)
    assert stored.text == "mother ~supportive~\n1) sleep better" and len(stored.revisions) == 2
    assert stored.signature.signed_by == clinician.id and [a.text for a in stored.addenda] == ["bloods normal"]


def test_the_patient_link_is_one_random_token_per_patient(services, clinician, other_clinician, patient):
    token = services.drafts.patient_link(clinician, patient.id)
    assert services.drafts.patient_link(clinician, patient.id) == token
    assert services.drafts.resolve_link(clinician, token) == patient.id
    assert patient.mrn not in token
