"""Drafts of the chart's forms, and the opaque patient links the address bar carries.

Nothing a clinician types is lost: each form's input is saved server-side per user, patient and form (encrypted at
rest; the audit log says a draft was kept, never what it holds) and offered back after a reload or in a new tab, until
the form is saved or the draft expires (:data:`~novamind_core.domain.forms.DRAFT_TTL_HOURS`). Only the user who typed
a draft can read it, and only while the patient is on their care team.

A patient link is a random token per patient (never the MRN or the database id) that stands for the patient in the
URL (``/twin_state?p=…``), so a reload or a new tab lands on the same patient; resolving it checks the care team.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from novamind_core.domain.errors import NotFoundError, ValidationError
from novamind_core.domain.forms import (
    DRAFT_TTL_HOURS,
    MAX_DRAFT_CHARS,
    UNATTACHED_FORMS,
    FormDraft,
    FormName,
    check_attachment,
    validate_token,
)
from novamind_core.domain.users import Permission, User
from novamind_core.services.base import BaseService
from novamind_core.services.ports import UnitOfWork

DRAFT_SAVE = "draft.save"
DRAFT_READ = "draft.read"
DRAFT_DISCARD = "draft.discard"
LINK_RESOLVE = "patient.link"
#: Patient link tokens: 16 random bytes, URL-safe base64 (22 characters).
LINK_TOKEN_BYTES = 16


def _payload(payload: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ValidationError("a draft is a mapping of field names to values", field="payload")
    try:
        size = len(json.dumps(payload, default=str))
    except (TypeError, ValueError):
        raise ValidationError("a draft holds only text, numbers, dates and lists", field="payload") from None
    if size > MAX_DRAFT_CHARS:
        raise ValidationError(f"the draft is {size:,} characters; at most {MAX_DRAFT_CHARS:,} are kept",
                              field="payload", value=size)
    return json.loads(json.dumps(payload, default=str))


def first_submission(uow: UnitOfWork, token: str | None, user_id: int, form: FormName) -> int | None:
    """The id the first submission of this form rendering created, when ``token`` was seen before; else None.

    Services that save a form call this after the permission check: a repeat (double-click, resent request) then
    returns what the first one saved instead of saving twice."""
    checked = validate_token(token)
    return uow.submissions.seen(checked, user_id, form.value) if checked else None


def remember_submission(uow: UnitOfWork, token: str | None, user_id: int, form: FormName, record_id: int,
                        now: datetime) -> None:
    """Record the token with what its submission created, in the same transaction as the save."""
    if token:
        uow.submissions.record(token, user_id, form.value, record_id, now)


def settle_repeat(uow: UnitOfWork, user_id: int, patient_id: int | None, form: FormName) -> None:
    """A repeated submission (a double-click) saves nothing again, but the second click typed the form's text back
    into its draft (the field is committed with the click): drop that draft as the first click's save did, and
    commit (otherwise the text would come back after a reload although it was saved)."""
    drop_draft(uow, user_id, patient_id, form)
    uow.commit()


def drop_draft(uow: UnitOfWork, user_id: int, patient_id: int | None, form: FormName, entry: str | None = None,
               now: datetime | None = None) -> None:
    """Drop the user's draft of ``form`` in the saving transaction; with ``entry``, only that entry of a draft that
    keeps one per record (a note's edit or addendum, by note id), the draft going with its last entry."""
    if user_id <= 0:
        return
    if entry is None or now is None:
        uow.drafts.delete(user_id, patient_id, form.value)
        return
    draft = uow.drafts.get(user_id, patient_id, form.value, now)
    if draft is None:
        return
    rest = {k: v for k, v in draft.payload.items() if k != entry}
    if not rest:
        uow.drafts.delete(user_id, patient_id, form.value)
    elif len(rest) < len(draft.payload):
        uow.drafts.put(user_id, patient_id, form.value, rest, draft.updated_at, draft.expires_at)


class DraftService(BaseService):
    """A chart form's draft is the user's for that patient (care-team check); a registration draft
    (:data:`~novamind_core.domain.forms.UNATTACHED_FORMS`, ``patient_id`` None) is the user's alone and needs the
    permission to write patient data (the patient does not exist yet)."""

    def _actor(self, uow: UnitOfWork, user: User, patient_id: int | None, form: FormName, permission: Permission,
               action: str) -> User:
        check_attachment(form, patient_id)
        if patient_id is None:
            return self._authorize(uow, user, Permission.WRITE_PHI, action)
        return self._authorize_patient(uow, user, patient_id, permission, action)

    def save(self, user: User, patient_id: int | None, form: str | FormName, payload: dict[str, Any]) -> FormDraft:
        """Keep what ``user`` has typed into ``form`` for this patient (replacing the earlier draft)."""
        name = FormName.parse(form)
        body = _payload(payload)
        with self._tx() as uow:
            actor = self._actor(uow, user, patient_id, name, Permission.WRITE_PHI, DRAFT_SAVE)
            now = self.ctx.now()
            draft = uow.drafts.put(actor.id, patient_id, name.value, body, now,
                                   now + timedelta(hours=DRAFT_TTL_HOURS))
            self._audit(uow, actor, DRAFT_SAVE, patient_id=patient_id, detail=f"form={name.value}")
            uow.commit()
            return draft

    def load(self, user: User, patient_id: int | None, form: str | FormName) -> FormDraft | None:
        """The user's unexpired draft of ``form`` for this patient, or None (expired drafts are purged here)."""
        name = FormName.parse(form)
        with self._tx() as uow:
            actor = self._actor(uow, user, patient_id, name, Permission.READ_PHI, DRAFT_READ)
            now = self.ctx.now()
            uow.drafts.purge_expired(now)
            draft = uow.drafts.get(actor.id, patient_id, name.value, now)
            self._audit(uow, actor, DRAFT_READ, patient_id=patient_id,
                        detail=f"form={name.value} found={'yes' if draft else 'no'}")
            uow.commit()
            return draft

    def load_many(self, user: User, patient_id: int, forms: tuple[str | FormName, ...] | None = None
                  ) -> dict[FormName, FormDraft]:
        """The user's unexpired drafts of ``forms`` (default: every chart form) for this patient, by form, read in one
        transaction with one audit event (a chart opened in a new session looks for every form's draft at once)."""
        names = tuple(FormName.parse(f) for f in forms) if forms is not None else tuple(
            f for f in FormName if f not in UNATTACHED_FORMS)
        with self._tx() as uow:
            for name in names:
                check_attachment(name, patient_id)
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, DRAFT_READ)
            now = self.ctx.now()
            uow.drafts.purge_expired(now)
            found = {name: draft for name in names
                     if (draft := uow.drafts.get(actor.id, patient_id, name.value, now)) is not None}
            self._audit(uow, actor, DRAFT_READ, patient_id=patient_id,
                        detail=f"forms={len(names)} found={','.join(n.value for n in found) or 'none'}")
            uow.commit()
            return found

    def discard(self, user: User, patient_id: int | None, form: str | FormName) -> bool:
        """Drop the user's draft of ``form`` (after it was saved, or when they choose to start again)."""
        name = FormName.parse(form)
        with self._tx() as uow:
            actor = self._actor(uow, user, patient_id, name, Permission.WRITE_PHI, DRAFT_DISCARD)
            gone = uow.drafts.delete(actor.id, patient_id, name.value)
            self._audit(uow, actor, DRAFT_DISCARD, patient_id=patient_id, detail=f"form={name.value}")
            uow.commit()
            return gone

    # ------------------------------------------------------------------ patient links
    def patient_link(self, user: User, patient_id: int) -> str:
        """The patient's opaque link token (made on first use); care-team check. Not audited: it carries no PHI,
        and the page view that follows is."""
        with self._tx() as uow:
            self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, LINK_RESOLVE)
            token = uow.patient_links.token_for(patient_id)
            if token is None:
                token = uow.patient_links.add(patient_id, secrets.token_urlsafe(LINK_TOKEN_BYTES), self.ctx.now())
            uow.commit()
            return token

    def resolve_link(self, user: User, token: str) -> int:
        """The patient a link token stands for, when the user may open that patient (NotFoundError for an unknown
        token, PermissionDenied, audited, for a patient off the care team)."""
        if not isinstance(token, str) or not 8 <= len(token) <= 64:
            raise NotFoundError("this link does not name a patient")
        with self._tx() as uow:
            patient_id = uow.patient_links.patient_for(token)
            if patient_id is None:
                raise NotFoundError("this link does not name a patient")
            self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, LINK_RESOLVE)
            uow.commit()
            return patient_id
