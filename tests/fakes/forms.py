"""Fake repositories for form drafts, submission tokens and patient links (db/repositories/forms.py)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from novamind_core.domain.forms import FormDraft, FormName


class FakeDraftRepository:
    def __init__(self) -> None:
        self.drafts: dict[tuple[int, int, str], FormDraft] = {}

    def get(self, user_id: int, patient_id: int, form: str, now: datetime) -> FormDraft | None:
        draft = self.drafts.get((user_id, patient_id, form))
        return None if draft is None or draft.expires_at <= now else draft

    def put(self, user_id: int, patient_id: int, form: str, payload: dict[str, Any], now: datetime,
            expires_at: datetime) -> FormDraft:
        draft = FormDraft(user_id, patient_id, FormName(form), copy.deepcopy(payload), now, expires_at)
        self.drafts[(user_id, patient_id, form)] = draft
        return draft

    def delete(self, user_id: int, patient_id: int, form: str) -> bool:
        return self.drafts.pop((user_id, patient_id, form), None) is not None

    def purge_expired(self, now: datetime) -> int:
        gone = [k for k, d in self.drafts.items() if d.expires_at <= now]
        for key in gone:
            del self.drafts[key]
        return len(gone)


class FakeSubmissionRepository:
    def __init__(self) -> None:
        self.tokens: dict[str, tuple[int, str, int]] = {}

    def seen(self, token: str, user_id: int, form: str) -> int | None:
        found = self.tokens.get(token)
        return found[2] if found is not None and found[:2] == (user_id, form) else None

    def record(self, token: str, user_id: int, form: str, record_id: int, now: datetime) -> None:
        self.tokens[token] = (user_id, form, record_id)


class FakePatientLinkRepository:
    def __init__(self) -> None:
        self.links: dict[int, str] = {}

    def token_for(self, patient_id: int) -> str | None:
        return self.links.get(patient_id)

    def add(self, patient_id: int, token: str, now: datetime) -> str:
        self.links[patient_id] = token
        return token

    def patient_for(self, token: str) -> int | None:
        return next((pid for pid, t in self.links.items() if t == token), None)
