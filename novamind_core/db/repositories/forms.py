"""Repositories for what keeps typed work safe: form drafts, one-time submission tokens and patient links.

Rows never leave this module: drafts come back as :class:`~novamind_core.domain.forms.FormDraft`, tokens as ids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from novamind_core.db.models import FormDraftRow, FormSubmissionRow, PatientLinkRow
from novamind_core.domain.forms import FormDraft, FormName


class DraftRepository:
    def __init__(self, session: Session):
        self.session = session

    @staticmethod
    def _of_patient(patient_id: int | None):  # type: ignore[no-untyped-def]
        """The patient condition (no patient: a registration draft, not yet attached to one)."""
        return FormDraftRow.patient_id.is_(None) if patient_id is None else FormDraftRow.patient_id == patient_id

    def _row(self, user_id: int, patient_id: int | None, form: str) -> FormDraftRow | None:
        return self.session.scalars(select(FormDraftRow).where(
            FormDraftRow.user_id == user_id, self._of_patient(patient_id), FormDraftRow.form == form)).first()

    def get(self, user_id: int, patient_id: int | None, form: str, now: datetime) -> FormDraft | None:
        """The unexpired draft, or None."""
        row = self._row(user_id, patient_id, form)
        if row is None or row.expires_at <= now:
            return None
        return FormDraft(row.user_id, row.patient_id, FormName(row.form), dict(row.payload), row.updated_at,
                         row.expires_at)

    def put(self, user_id: int, patient_id: int | None, form: str, payload: dict[str, Any], now: datetime,
            expires_at: datetime) -> FormDraft:
        row = self._row(user_id, patient_id, form)
        if row is None:
            row = FormDraftRow(user_id=user_id, patient_id=patient_id, form=form)
            self.session.add(row)
        row.payload, row.updated_at, row.expires_at = payload, now, expires_at
        self.session.flush()
        return FormDraft(user_id, patient_id, FormName(form), dict(payload), now, expires_at)

    def delete(self, user_id: int, patient_id: int | None, form: str) -> bool:
        result = self.session.execute(delete(FormDraftRow).where(
            FormDraftRow.user_id == user_id, self._of_patient(patient_id), FormDraftRow.form == form))
        return bool(result.rowcount)

    def purge_expired(self, now: datetime) -> int:
        result = self.session.execute(delete(FormDraftRow).where(FormDraftRow.expires_at <= now))
        return int(result.rowcount or 0)


class SubmissionRepository:
    def __init__(self, session: Session):
        self.session = session

    def seen(self, token: str, user_id: int, form: str) -> int | None:
        """The id of the record the token's first submission created (same user and form), or None."""
        row = self.session.get(FormSubmissionRow, token)
        if row is None or row.user_id != user_id or row.form != form:
            return None
        return row.record_id

    def record(self, token: str, user_id: int, form: str, record_id: int, now: datetime) -> None:
        """Remember the token (a concurrent repeat breaks the primary key: the caller's transaction fails)."""
        self.session.add(FormSubmissionRow(token=token, user_id=user_id, form=form, record_id=record_id,
                                           created_at=now))
        self.session.flush()


class PatientLinkRepository:
    def __init__(self, session: Session):
        self.session = session

    def token_for(self, patient_id: int) -> str | None:
        row = self.session.get(PatientLinkRow, patient_id)
        return row.token if row is not None else None

    def add(self, patient_id: int, token: str, now: datetime) -> str:
        self.session.add(PatientLinkRow(patient_id=patient_id, token=token, created_at=now))
        self.session.flush()
        return token

    def patient_for(self, token: str) -> int | None:
        return self.session.scalars(select(PatientLinkRow.patient_id).where(PatientLinkRow.token == token)).first()
