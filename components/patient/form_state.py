"""Keeping what a clinician types: server-side drafts, idempotent submissions and errors next to their fields.

Every chart form built on this module works the same way (docs/ux.md, "Nothing typed is lost"):

* **Drafts.** Each field has a session key. When a field's value is committed (on blur, or any click), its
  ``on_change`` callback (:func:`keep`) saves the form's fields as the user's draft for this patient through
  ``services.drafts.save`` (encrypted, expiring). The first time a form renders in a browser session,
  :func:`restore_once` puts the saved draft back into the fields, so a reload or a new tab shows what was typed.
* **One save per submission.** :func:`submission_token` is derived from this browser session's random nonce and the
  form's content, so a double-click (the same content submitted twice) carries the same token and the service
  returns the first result instead of saving twice.
* **Validate before clearing.** The save button's ``on_click`` callback calls the service; only after it succeeded
  are the fields cleared (the service drops the draft in the same transaction). A refusal leaves every field as it
  was and stores ``{field: message}``, which the form shows under that field (:func:`field_error`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import streamlit as st

from components.shared.text import plain
from components.shared.theme import format_datetime
from novamind_core.domain.errors import NotFoundError, NovamindError, PermissionDenied, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

_NONCE = "nm_form_nonce"


@dataclass(frozen=True)
class Field:
    """One field of a form: its name in the draft and the service's errors, its session key, kind and default."""

    name: str
    key: str
    kind: str = "text"  # text | date | number | time | bool | list
    default: object = None


def _encode(value: object) -> object:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _decode(kind: str, value: object) -> object:
    if value is None:
        return None
    try:
        if kind == "date":
            return date.fromisoformat(str(value))
        if kind == "time":
            return time.fromisoformat(str(value))
        if kind == "number":
            return float(value)
        if kind == "bool":
            return bool(value)
    except (TypeError, ValueError):
        return None
    return value


def payload(fields: tuple[Field, ...]) -> dict[str, object]:
    """The fields' current values, JSON-able (dates as ISO text)."""
    return {f.name: _encode(st.session_state.get(f.key, f.default)) for f in fields}


def _is_blank(values: Mapping[str, object], fields: tuple[Field, ...]) -> bool:
    return all(values.get(f.name) in (None, "", [], _encode(f.default)) for f in fields)


def init_fields(fields: tuple[Field, ...]) -> None:
    """Give each field its default once (widgets then take no ``value=``, so a restored draft is not overridden)."""
    for f in fields:
        if f.key not in st.session_state:
            st.session_state[f.key] = f.default


def restore_once(services: Services, user: User, patient_id: int, form: FormName, fields: tuple[Field, ...]) -> None:
    """Once per browser session and patient: put the user's saved draft of ``form`` back into its fields."""
    flag = f"nm_draft_restored_{form.value}_{patient_id}"
    init_fields(fields)
    if st.session_state.get(flag):
        return
    st.session_state[flag] = True
    try:
        draft = services.drafts.load(user, patient_id, form)
    except (PermissionDenied, NotFoundError, ValidationError):
        return
    if draft is None or _is_blank(draft.payload, fields):
        return
    for f in fields:
        if f.name in draft.payload:
            value = _decode(f.kind, draft.payload[f.name])
            st.session_state[f.key] = value if value is not None or f.default is None else f.default
    st.session_state[_last_key(form, patient_id)] = draft.payload
    st.session_state[notice_key(form, patient_id)] = draft.updated_at


def _last_key(form: FormName, patient_id: int) -> str:
    return f"nm_draft_last_{form.value}_{patient_id}"


def keep(services: Services, user: User, patient_id: int, form: FormName, fields: tuple[Field, ...]) -> None:
    """A field's ``on_change`` callback: save the form's values as the user's draft when they changed."""
    values = payload(fields)
    if values == st.session_state.get(_last_key(form, patient_id)):
        return
    try:
        if _is_blank(values, fields):
            services.drafts.discard(user, patient_id, form)
        else:
            services.drafts.save(user, patient_id, form, values)
    except (NovamindError, ValueError):
        return  # the draft is a safety net; the form itself still holds the text
    st.session_state[_last_key(form, patient_id)] = values


def notice_key(form: FormName, patient_id: int) -> str:
    """Session key of the time of the draft put back this run (popped by the notice that says so)."""
    return f"nm_draft_notice_{form.value}_{patient_id}"


def restored_notice(when: datetime) -> None:
    """"Restored your unsaved draft from ...", the words every drafted form uses."""
    st.info(f"Restored your unsaved draft from {format_datetime(when.astimezone())}.",
            icon=":material/restore:")


def draft_restored_notice(form: FormName, patient_id: int) -> None:
    """Say once that a saved draft was put back (and from when)."""
    when = st.session_state.pop(notice_key(form, patient_id), None)
    if when is not None:
        restored_notice(when)


def follow_defaults(form: FormName, patient_id: int, fields: tuple[Field, ...]) -> None:
    """Fields the user has not changed follow their defaults when these move on (the record was saved here or by a
    colleague since the fields were drawn); a field the user changed keeps what they chose. Call before
    :func:`restore_once`."""
    base_key = f"nm_draft_base_{form.value}_{patient_id}"
    base = st.session_state.get(base_key)
    now = {f.name: _encode(f.default) for f in fields}
    if isinstance(base, dict):
        for f in fields:
            if f.key in st.session_state and base.get(f.name) != now[f.name] \
                    and _encode(st.session_state[f.key]) == base.get(f.name):
                st.session_state[f.key] = f.default
    st.session_state[base_key] = now


def submission_token(form: FormName, patient_id: int, values: Mapping[str, object]) -> str:
    """The token of submitting ``values``: the same content in the same browser session gives the same token."""
    nonce = st.session_state.setdefault(_NONCE, secrets.token_urlsafe(16))
    content = json.dumps({"form": form.value, "patient": patient_id, "values": values}, sort_keys=True, default=str)
    return hashlib.sha256(f"{nonce}|{content}".encode()).hexdigest()[:43]


def errors_key(form: FormName, patient_id: int) -> str:
    return f"nm_form_errors_{form.value}_{patient_id}"


def set_errors(form: FormName, patient_id: int, exc: NovamindError, default_field: str) -> None:
    message = str(exc)
    field = getattr(exc, "field", None) or default_field
    st.session_state[errors_key(form, patient_id)] = {
        field: "Not saved: " + plain(message[:1].upper() + message[1:]) + "."}


def field_error(form: FormName, patient_id: int, *names: str) -> None:
    """Show the refusal that concerns these fields, right under them."""
    errors = st.session_state.get(errors_key(form, patient_id)) or {}
    for name in names:
        if name in errors:
            st.error(errors[name], icon=":material/error:")


def clear(form: FormName, patient_id: int, fields: tuple[Field, ...]) -> None:
    """After a successful save: fields back to their defaults, no error, the draft marked as gone."""
    for f in fields:
        st.session_state[f.key] = f.default
    st.session_state.pop(errors_key(form, patient_id), None)
    st.session_state[_last_key(form, patient_id)] = payload(fields)


def keep_value(services: Services, user: User, patient_id: int, form: FormName, value: dict[str, object]) -> None:
    """Keep a whole value (e.g. the simulation page's queued plans) as the user's draft when it changed; an empty
    value drops the draft."""
    last = _last_key(form, patient_id)
    if st.session_state.get(last) == value:
        return
    try:
        if not any(value.values()):
            services.drafts.discard(user, patient_id, form)
        else:
            services.drafts.save(user, patient_id, form, value)
    except (NovamindError, ValueError):
        return
    st.session_state[last] = value


def remember_kept(form: FormName, patient_id: int, value: dict[str, object]) -> None:
    """Note that the stored draft of ``form`` now holds ``value`` (a save dropped part of it server-side)."""
    st.session_state[_last_key(form, patient_id)] = value


def restored_value(services: Services, user: User, patient_id: int, form: FormName, *,
                   notice: bool = False) -> dict[str, object] | None:
    """The user's saved draft value of ``form`` (once per browser session and patient; None after that or when
    there is none). With ``notice``, a non-empty draft's time is left for :func:`draft_restored_notice`."""
    flag = f"nm_draft_restored_{form.value}_{patient_id}"
    if st.session_state.get(flag):
        return None
    st.session_state[flag] = True
    try:
        draft = services.drafts.load(user, patient_id, form)
    except (PermissionDenied, NotFoundError, ValidationError):
        return None
    if draft is None:
        return None
    st.session_state[_last_key(form, patient_id)] = draft.payload
    if notice and any(draft.payload.values()):
        st.session_state[notice_key(form, patient_id)] = draft.updated_at
    return draft.payload
