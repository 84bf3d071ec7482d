"""Registration drafts on SQLite and PostgreSQL (migration 0010): a draft with no patient, kept encrypted, one per user
and form by the database itself, dropped when the patient is registered."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from novamind_core.domain.forms import FormName

TYPED = {"mrn": "NM-555002", "given_name": "Dora", "family_name": "Draftwell"}


def test_a_registration_draft_is_stored_encrypted_with_no_patient_and_dropped_by_the_registration(
        services, clinician, db_url):
    services.drafts.save(clinician, None, FormName.REGISTRATION, TYPED)
    services.drafts.save(clinician, None, FormName.REGISTRATION, {**TYPED, "given_name": "Dorothy"})  # replaces
    kept = services.drafts.load(clinician, None, FormName.REGISTRATION)
    assert kept is not None and kept.payload["given_name"] == "Dorothy"
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT patient_id, payload FROM form_drafts WHERE form = 'registration'")).all()
    assert len(rows) == 1 and rows[0][0] is None and "Draftwell" not in rows[0][1], "one row, encrypted"
    services.patients.register(clinician, mrn="NM-555002", given_name="Dorothy", family_name="Draftwell",
                               date_of_birth="1990-03-02", sex_at_birth="female",
                               submission_token="reg_" + "c" * 28)
    assert services.drafts.load(clinician, None, FormName.REGISTRATION) is None
    engine.dispose()


def test_the_database_keeps_one_registration_draft_per_user_and_form(services, clinician, db_url):
    services.drafts.save(clinician, None, FormName.REGISTRATION, TYPED)
    engine = create_engine(db_url)
    with pytest.raises(IntegrityError), engine.begin() as conn:  # a racing second writer's insert
        conn.execute(text("INSERT INTO form_drafts (user_id, patient_id, form, payload, updated_at, expires_at) "
                          "SELECT user_id, NULL, form, payload, updated_at, expires_at FROM form_drafts "
                          "WHERE form = 'registration'"))
    engine.dispose()
