"""Keeping what a clinician types: server-side drafts, idempotent submissions and errors next to their fields.

Every chart form built on this module works the same way (docs/ux.md, "Nothing typed is lost"):

* **Drafts.** Each field has a session key. When a field's value is committed (on blur, any click, or a pause in
  typing: components/shared/keep_typing.py), its ``on_change`` callback (:func:`keep`) saves the form's fields as the
  user's draft for this patient through ``services.drafts.save`` (encrypted, expiring). The first time a form is drawn
  for a user in a browser session, :func:`restore_once` puts the saved draft back into the fields, so a reload, a new
  tab or a new sign-in shows what was typed.
* **The browser shows a restored value whenever it draws the field.** A value put into a widget's session key is sent
  to the browser once, in that run. A chart form lives in a tab the browser draws only while it is open; when the
  tab was opened after another run, the browser drew the field with its default (an empty note box over a stored
  draft), and its next commit would have overwritten the draft. Every drafted widget therefore takes its wiring
  from :func:`wired` (``persist_state="session"``): Streamlit sends the field's value again on each run until the
  browser has drawn the field, and keeps it when a page that does not draw the form runs (the caseload, a sign-in).
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
import time as clock
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import streamlit as st

from components.shared.keep_typing import keep_typing
from components.shared.text import plain
from components.shared.theme import format_datetime
from novamind_core.domain.errors import NotFoundError, NovamindError, PermissionDenied, ValidationError
from novamind_core.domain.forms import FormDraft, FormName
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

_NONCE = "nm_form_nonce"
#: How long Streamlit keeps a drafted widget's value when the widget is not drawn: the whole browser session.
PERSIST = "session"


@dataclass(frozen=True)
class Field:
    """One field of a form: its name in the draft and the service's errors, its session key, kind and default."""

    name: str
    key: str
    kind: str = "text"  # text | date | number | int | time | bool | list
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
        if kind == "int":
            return int(value)  # type: ignore[call-overload]
        if kind == "bool":
            return bool(value)
    except (TypeError, ValueError):
        return None
    return value


def payload(fields: tuple[Field, ...]) -> dict[str, object]:
    """The fields' current values, JSON-able (dates as ISO text)."""
    return {f.name: _encode(st.session_state.get(f.key, f.default)) for f in fields}


def defaults_payload(fields: tuple[Field, ...]) -> dict[str, object]:
    """The fields' defaults as :func:`payload` gives values."""
    return {f.name: _encode(f.default) for f in fields}


def is_blank(values: Mapping[str, object], fields: tuple[Field, ...]) -> bool:
    return all(values.get(f.name) in (None, "", [], _encode(f.default)) for f in fields)


def wired(field: Field, keep_args: tuple[object, ...]) -> dict[str, object]:
    """A drafted widget's keyword arguments: its session key, :func:`keep` as ``on_change`` with ``keep_args``
    (services, user, patient id, form, fields), and ``persist_state`` (the browser is sent the value until it has
    drawn the widget, and the value outlives a page that does not draw it)."""
    return {"key": field.key, "on_change": keep, "args": keep_args, "persist_state": PERSIST}


_PREFETCHED = "nm_drafts_prefetched"  # {(user id, patient id): {form: draft or None}}, taken one form at a time


def prefetch_drafts(services: Services, user: User, patient_id: int) -> None:
    """Before a page draws its drafted forms: read every form's draft for this user and patient at once (one
    transaction, one audit event, not one per form), the first time this browser session shows the patient; each
    form's first restore takes its own from it, later ones read the store again."""
    store = st.session_state.setdefault(_PREFETCHED, {})
    if (user.id, patient_id) in store:
        return
    try:
        found = services.drafts.load_many(user, patient_id)
    except (PermissionDenied, NotFoundError, ValidationError):
        return
    store[(user.id, patient_id)] = {form.value: found.get(form) for form in FormName}


def load_draft(services: Services, user: User, patient_id: int | None, form: FormName) -> FormDraft | None:
    """The user's draft of ``form``: this session's prefetched copy (:func:`prefetch_drafts`) while it holds, else
    read from the store."""
    pending = st.session_state.get(_PREFETCHED, {}).get((user.id, patient_id))
    if pending is not None and form.value in pending:
        return pending[form.value]  # several forms share a name (one per instrument): each takes the same draft
    return services.drafts.load(user, patient_id, form)


def forget_prefetched(user: User, patient_id: int | None, form: FormName) -> None:
    """This browser session changed the form's draft: its prefetched copy no longer holds."""
    st.session_state.get(_PREFETCHED, {}).get((user.id, patient_id), {}).pop(form.value, None)


def restore_once(services: Services, user: User, patient_id: int | None, form: FormName,
                 fields: tuple[Field, ...]) -> None:
    """Put the user's saved draft of ``form`` back into its fields the first time this user's browser session draws
    the form for this patient (a reload, a new tab, a new sign-in in this tab, another patient in fields that do not
    name the patient), and again if Streamlit dropped the fields' values; register the form's text boxes for the
    commit-on-pause script. Nothing is lost by starting again from the draft: every commit stored it."""
    keep_typing(f"{form.value}_{patient_id}", [f.key for f in fields if f.kind == "text"])
    owner = (user.id, patient_id)
    flag = f"nm_draft_owner_{fields[0].key}"  # per key set: the risk review's keys do not name the patient
    if st.session_state.get(flag) == owner and all(f.key in st.session_state for f in fields):
        return
    for f in fields:  # nothing of another user's (an earlier sign-in in this tab) or another patient's is left
        st.session_state[f.key] = f.default
    st.session_state[flag] = owner
    st.session_state.pop(_last_key(form, patient_id), None)
    st.session_state.pop(notice_key(form, patient_id), None)
    try:
        draft = load_draft(services, user, patient_id, form)
    except (PermissionDenied, NotFoundError, ValidationError):
        return
    if draft is None or is_blank(draft.payload, fields):
        return
    for f in fields:
        if f.name in draft.payload:
            value = _decode(f.kind, draft.payload[f.name])
            st.session_state[f.key] = value if value is not None or f.default is None else f.default
    st.session_state[_last_key(form, patient_id)] = draft.payload
    st.session_state[notice_key(form, patient_id)] = draft.updated_at


def _last_key(form: FormName, patient_id: int | None) -> str:
    return f"nm_draft_last_{form.value}_{patient_id}"


def keep(services: Services, user: User, patient_id: int | None, form: FormName, fields: tuple[Field, ...]) -> None:
    """A field's ``on_change`` callback: save the form's values as the user's draft when they changed."""
    values = payload(fields)
    if values == st.session_state.get(_last_key(form, patient_id)):
        return
    try:
        if is_blank(values, fields):
            services.drafts.discard(user, patient_id, form)
            forget_prefetched(user, patient_id, form)
        else:
            services.drafts.save(user, patient_id, form, values)
            forget_prefetched(user, patient_id, form)
    except (NovamindError, ValueError):
        return  # the draft is a safety net; the form itself still holds the text
    st.session_state[_last_key(form, patient_id)] = values
    st.session_state.pop(notice_key(form, patient_id), None)  # the form now holds what is being typed here


def notice_key(form: FormName, patient_id: int | None) -> str:
    """Session key of the time of the draft put back this run (popped by the notice that says so)."""
    return f"nm_draft_notice_{form.value}_{patient_id}"


def restored_notice(when: datetime) -> None:
    """"Restored your unsaved draft from ...", the words every drafted form uses."""
    st.info(f"Restored your unsaved draft from {format_datetime(when.astimezone())}.",
            icon=":material/restore:")


def draft_restored_notice(form: FormName, patient_id: int | None) -> None:
    """Say that a saved draft was put back (and from when) until the form is next changed, so it is seen even when
    the form's tab is opened later; in a slot every run draws: a notice that came and went moved the fields below
    it, and the browser drew them anew (a box being typed in lost focus and caret)."""
    when = st.session_state.get(notice_key(form, patient_id))
    slot = st.empty()
    if when is not None:
        with slot:
            restored_notice(when)


def follow_defaults(form: FormName, patient_id: int | None, fields: tuple[Field, ...]) -> None:
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


DOUBLE_CLICK_S = 5.0
"""How soon after a save a click on a now-empty form is taken as the second click of a double-click."""


def mark_saved(form: FormName, patient_id: int | None, entry: object = "") -> None:
    """The form (or one entry of it, e.g. a note's addendum) was saved and cleared just now."""
    st.session_state[f"nm_saved_at_{form.value}_{patient_id}_{entry}"] = clock.monotonic()


def second_click(form: FormName, patient_id: int | None, blank: bool, entry: object = "") -> bool:
    """Whether this submit is the second click of a double-click: the first saved and cleared the form moments ago,
    so the second finds it blank. It is ignored (no "fill in the field" error); a second click that still carries
    the text is answered by the submission token instead."""
    saved_at = st.session_state.get(f"nm_saved_at_{form.value}_{patient_id}_{entry}")
    return blank and saved_at is not None and clock.monotonic() - saved_at < DOUBLE_CLICK_S


def _token_key(form: FormName, patient_id: int | None) -> str:
    return f"nm_submitted_{form.value}_{patient_id}"


def repeated_token(form: FormName, patient_id: int | None, values: Mapping[str, object]) -> str | None:
    """For a form whose fields stay filled after a save (consent, the plan editor): the first click's token when
    this submit carries the same values within :data:`DOUBLE_CLICK_S` of it (the second click of a double-click, which
    the service then answers with the first result), else None."""
    done = st.session_state.get(_token_key(form, patient_id))
    if done and done[0] == values and clock.monotonic() - done[2] < DOUBLE_CLICK_S:
        return str(done[1])
    return None


def remember_token(form: FormName, patient_id: int | None, values: Mapping[str, object], token: str) -> None:
    """The form was submitted with ``values`` and ``token`` just now (see :func:`repeated_token`)."""
    st.session_state[_token_key(form, patient_id)] = (dict(values), token, clock.monotonic())


def stays_open(key: str, opens: bool) -> bool:
    """Whether an expander that opens by itself (a draft was put back, a save was refused) is open: once opened it
    stays open for the browser session until the form is saved (``st.session_state[key] = False``). Streamlit folds an
    expander whose ``expanded=`` changes between runs, so the box being typed in vanished at the next commit."""
    if opens:
        st.session_state[key] = True
    return bool(st.session_state.get(key))


def submission_token(form: FormName, patient_id: int | None, values: Mapping[str, object]) -> str:
    """The token of submitting ``values``: the same content in the same browser session gives the same token."""
    nonce = st.session_state.setdefault(_NONCE, secrets.token_urlsafe(16))
    content = json.dumps({"form": form.value, "patient": patient_id, "values": values}, sort_keys=True, default=str)
    return hashlib.sha256(f"{nonce}|{content}".encode()).hexdigest()[:43]


def errors_key(form: FormName, patient_id: int | None) -> str:
    return f"nm_form_errors_{form.value}_{patient_id}"


def set_errors(form: FormName, patient_id: int | None, exc: NovamindError, default_field: str) -> None:
    message = str(exc)
    field = getattr(exc, "field", None) or default_field
    st.session_state[errors_key(form, patient_id)] = {
        field: "Not saved: " + plain(message[:1].upper() + message[1:]) + "."}


def field_error(form: FormName, patient_id: int | None, *names: str) -> None:
    """Show the refusal that concerns these fields, right under them."""
    errors = st.session_state.get(errors_key(form, patient_id)) or {}
    for name in names:
        if name in errors:
            st.error(errors[name], icon=":material/error:")


def clear(form: FormName, patient_id: int | None, fields: tuple[Field, ...]) -> None:
    """After a successful save: fields back to their defaults, no error, the draft marked as gone."""
    for f in fields:
        st.session_state[f.key] = f.default
    st.session_state.pop(errors_key(form, patient_id), None)
    st.session_state.pop(notice_key(form, patient_id), None)
    st.session_state[_last_key(form, patient_id)] = payload(fields)


def keep_value(services: Services, user: User, patient_id: int | None, form: FormName,
               value: dict[str, object]) -> None:
    """Keep a whole value (e.g. the simulation page's queued plans) as the user's draft when it changed; an empty
    value drops the draft."""
    last = _last_key(form, patient_id)
    if st.session_state.get(last) == value:
        return
    try:
        if not any(value.values()):
            services.drafts.discard(user, patient_id, form)
            forget_prefetched(user, patient_id, form)
        else:
            services.drafts.save(user, patient_id, form, value)
            forget_prefetched(user, patient_id, form)
    except (NovamindError, ValueError):
        return
    st.session_state[last] = value


def remember_kept(form: FormName, patient_id: int | None, value: dict[str, object]) -> None:
    """Note that the stored draft of ``form`` now holds ``value`` (a save dropped part of it server-side)."""
    st.session_state[_last_key(form, patient_id)] = value


def restored_value(services: Services, user: User, patient_id: int | None, form: FormName, *,
                   notice: bool = False) -> dict[str, object] | None:
    """The user's saved draft value of ``form`` (once per browser session and patient; None after that or when
    there is none). With ``notice``, a non-empty draft's time is left for :func:`draft_restored_notice`."""
    flag = f"nm_draft_restored_{form.value}_{patient_id}"
    if st.session_state.get(flag):
        return None
    st.session_state[flag] = True
    try:
        draft = load_draft(services, user, patient_id, form)
    except (PermissionDenied, NotFoundError, ValidationError):
        return None
    if draft is None:
        return None
    st.session_state[_last_key(form, patient_id)] = draft.payload
    if notice and any(draft.payload.values()):
        st.session_state[notice_key(form, patient_id)] = draft.updated_at
    return draft.payload
