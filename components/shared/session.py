"""Session plumbing every page shares: state keys, the services, the signed-in user, the selected patient, the guard.

Pages start with ``ctx = page_guard("caseload")``: it checks sign-in, reads the user *from the database* (the role in
``st.session_state`` is never trusted), refuses a role the page is not for, and returns the services and the user.
The services are built once per server process (``st.cache_resource``); no PHI is cached in front of them
(docs/architecture.md, boundary 4): every read goes through a service that checks permission and audits.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import streamlit as st

from components.shared.navigation import PAGES_BY_ID, page_allowed
from components.shared.text import plain
from novamind_core.bootstrap import Services
from novamind_core.domain.errors import ConfigurationError
from novamind_core.domain.records import ChartSummary
from novamind_core.domain.users import User

Loaded = TypeVar("Loaded")


class StateKeys:
    """Every ``st.session_state`` key the app uses, named once (the authenticator's own keys included)."""

    # streamlit-authenticator's keys (its API; do not rename)
    AUTH_STATUS = "authentication_status"
    USERNAME = "username"
    NAME = "name"
    ROLES = "roles"
    LOGOUT = "logout"
    # ours
    INITIALISED = "nm_initialised"
    SIGNED_IN_AS = "nm_signed_in_as"  # username whose sign-in was accepted and audited in this session
    PASSWORD_CHECKED = "nm_password_checked"  # username whose password the users service accepted this run
    SIGN_IN_ERROR = "nm_sign_in_error"  # the users service's message for the last refused sign-in
    SIGN_IN_NOTICE = "nm_sign_in_notice"  # e.g. "signed out after 30 minutes without activity"
    LAST_ACTIVITY = "nm_last_activity"  # time.time() of the last interaction, seconds
    DEEP_LINK = "nm_deep_link"  # (url path, query params) the browser asked for before sign-in
    SELECTED_PATIENT_ID = "nm_selected_patient_id"
    SELECTED_PATIENT_LABEL = "nm_selected_patient_label"  # "Name (MRN)" for the header
    RECENT_PATIENTS = "nm_recent_patients"  # [(patient id, label)], newest first
    FLASH = "nm_flash"  # confirmations to show after the rerun that follows a save
    FLASH_AT = "nm_flash_at"  # the same, by the place (form) that made them: shown beside that form
    CASELOAD_PAGE = "nm_caseload_page"
    PENDING_ASSESSMENT = "nm_pending_assessment"  # (instrument, answers, date) awaiting confirmation
    FIRST_RUN_SEEN = "nm_first_run_seen"  # the session's first run has remembered its deep link
    COOKIE_ACTION = "nm_cookie_action"  # ("set" | "clear", hand-off token, runs left): auth.render_cookie_action
    SESSION_ID = "nm_session_id"  # the server-side session (user_sessions.id) this tab is signed in with
    SECOND_FACTOR = "nm_second_factor"  # (challenge, enrol?, enrolment shown once) between password and code
    SIGN_IN_WARNING = "nm_sign_in_warning"  # "N failed sign-in attempts since you last signed in"
    REJECTED_COOKIE = "nm_rejected_cookie"  # SHA-256 hex of the sign-in cookie this session found unverifiable
    ADMIN_KEY_STATUS = "nm_ad_key_status"  # the Admin page's last key scan (counts only), until re-checked
    ADMIN_AUDIT_CSV = "nm_ad_audit_csv"  # the Admin page's prepared audit export


def init_session_state() -> None:
    """Set this session's defaults (built here, per session, never at import time)."""
    defaults: dict[str, object] = {
        StateKeys.AUTH_STATUS: None,
        StateKeys.USERNAME: None,
        StateKeys.NAME: None,
        StateKeys.ROLES: None,
        StateKeys.LOGOUT: None,
        StateKeys.SIGNED_IN_AS: None,
        StateKeys.PASSWORD_CHECKED: None,
        StateKeys.SIGN_IN_ERROR: None,
        StateKeys.SIGN_IN_NOTICE: None,
        StateKeys.LAST_ACTIVITY: None,
        StateKeys.DEEP_LINK: None,
        StateKeys.SELECTED_PATIENT_ID: None,
        StateKeys.SELECTED_PATIENT_LABEL: None,
        StateKeys.RECENT_PATIENTS: [],
        StateKeys.FLASH: [],
        StateKeys.CASELOAD_PAGE: 1,
        StateKeys.PENDING_ASSESSMENT: None,
    }
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value
    st.session_state[StateKeys.INITIALISED] = True


# ---------------------------------------------------------------------------------------------- services
def _environment_fingerprint() -> str:
    """Hash of the NOVAMIND_* environment: a test pointing the app at another database gets other services."""
    items = sorted((k, v) for k, v in os.environ.items() if k.startswith("NOVAMIND_"))
    return hashlib.sha256(repr(items).encode("utf-8")).hexdigest()


@st.cache_resource(show_spinner=False)
def _services_for(fingerprint: str) -> Services:
    from novamind_core.bootstrap import build_services
    from novamind_core.config import get_settings
    from novamind_core.security.redaction import configure_logging

    settings = get_settings()
    configure_logging(settings)
    settings.validate_for_startup()
    return build_services(settings)


def get_services() -> Services:
    """The process-wide :class:`novamind_core.bootstrap.Services` (built once per environment).

    Raises ConfigurationError (naming the variable) when the settings are unusable.
    """
    return _services_for(_environment_fingerprint())


def stop_on_configuration_error(exc: ConfigurationError) -> None:
    st.error(f"Novamind is not configured correctly: {plain(exc)}. Fix the setting named above and restart the app "
             "(see README, Configuration).", icon=":material/settings:")
    st.stop()


# ---------------------------------------------------------------------------------------------- user
def signed_in_username() -> str | None:
    if st.session_state.get(StateKeys.AUTH_STATUS) is True and st.session_state.get(StateKeys.USERNAME):
        return str(st.session_state[StateKeys.USERNAME])
    return None


def current_user(services: Services | None = None) -> User | None:
    """The signed-in user as stored now (role and active flag from the database), or None when signed out."""
    username = signed_in_username()
    if username is None:
        return None
    services = services or get_services()
    user = services.users.get_by_username(username)
    if user is None or not user.active:
        return None
    return user


def touch_activity() -> None:
    st.session_state[StateKeys.LAST_ACTIVITY] = time.time()


# ---------------------------------------------------------------------------------------------- patients
def selected_patient_id() -> int | None:
    value = st.session_state.get(StateKeys.SELECTED_PATIENT_ID)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def select_patient(patient_id: int, label: str | None = None) -> None:
    """Remember the patient the user works on (the services still check the care team on every read)."""
    st.session_state[StateKeys.SELECTED_PATIENT_ID] = int(patient_id)
    st.session_state[StateKeys.SELECTED_PATIENT_LABEL] = label
    if label:
        recent = [(pid, lab) for pid, lab in st.session_state.get(StateKeys.RECENT_PATIENTS, []) if pid != patient_id]
        st.session_state[StateKeys.RECENT_PATIENTS] = [(int(patient_id), label), *recent][:6]


def clear_selected_patient() -> None:
    st.session_state[StateKeys.SELECTED_PATIENT_ID] = None
    st.session_state[StateKeys.SELECTED_PATIENT_LABEL] = None


def forget_patient(patient_id: int) -> None:
    """Drop a patient the user may not (or no longer) open from the selection and the recent list."""
    if selected_patient_id() == patient_id:
        clear_selected_patient()
    st.session_state[StateKeys.RECENT_PATIENTS] = [
        (pid, lab) for pid, lab in st.session_state.get(StateKeys.RECENT_PATIENTS, []) if pid != patient_id
    ]


def go_to(page_id: str, query_params: dict[str, str] | None = None) -> None:
    """Switch to another registered page; in a single-page run (AppTest) rerun this page instead."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.switch_page(PAGES_BY_ID[page_id].path, query_params=query_params)
    except StreamlitAPIException:
        st.query_params.clear()
        if query_params:
            st.query_params.update(query_params)
        st.rerun()


def open_patient(patient_id: int, label: str | None = None) -> None:
    """Select a patient and go to the Patient page (one click from the caseload or the banner)."""
    select_patient(patient_id, label)
    go_to("patient")


def flash(message: str, *, at: str | None = None) -> None:
    """Queue a confirmation to show after the next rerun: at the top of the page (``show_flash``), or, with ``at``,
    beside the form that made it (``show_flash_at(at)``, plus a toast), where the user is looking."""
    if at is None:
        st.session_state.setdefault(StateKeys.FLASH, []).append(message)
    else:
        st.session_state.setdefault(StateKeys.FLASH_AT, {}).setdefault(at, []).append(message)


def show_flash() -> None:
    for message in st.session_state.get(StateKeys.FLASH, []):
        st.success(plain(message), icon=":material/check_circle:")  # messages carry names and MRNs
    st.session_state[StateKeys.FLASH] = []


def show_flash_at(at: str) -> None:
    """The confirmations queued for this place (``flash(message, at=at)``): a toast and an inline success here."""
    for message in st.session_state.get(StateKeys.FLASH_AT, {}).pop(at, []):
        st.toast(plain(message), icon=":material/check_circle:")  # messages carry names and drugs
        st.success(plain(message), icon=":material/check_circle:")


def show_flash_leftovers() -> None:
    """At the end of a page: any placed confirmation whose place was not drawn this run (its section was not shown)
    as a toast, so it is neither lost nor shown later on another chart."""
    for messages in st.session_state.pop(StateKeys.FLASH_AT, {}).values():
        for message in messages:
            st.toast(plain(message), icon=":material/check_circle:")


# ---------------------------------------------------------------------------------------------- guard
@dataclass(frozen=True)
class PageContext:
    """What a page needs: the services and the signed-in user (as stored in the database)."""

    services: Services
    user: User

    @property
    def today(self) -> date:
        """Today in the clinic's time zone."""
        return self.services.context.today()


def _reached_without_router() -> bool:
    """Whether Streamlit ran this page file straight from ``pages/`` (its legacy routing) instead of via ``app.py``.

    Streamlit routes by the ``pages/`` folder until the first ``st.navigation`` call in the server process, so the
    very first request after a start may open ``/patient`` without the sign-in gate. (In AppTest the page file is
    the main script, so this is False there.)
    """
    from pathlib import Path

    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    run_ctx = get_script_run_ctx()
    if run_ctx is None or not PagesManager.uses_pages_directory:
        return False
    return Path(run_ctx.pages_manager.main_script_path).name == "app.py"


PAGE_NOTES_KEY = "nm_page_notes"


def once_per_page(note: str) -> bool:
    """True the first time ``note`` (e.g. "model statement", "synthetic data", "disclaimer") is asked for in this
    run of the page, False after: a model's caption and the synthetic-data notice appear once per page, under the first
    model output, not under every panel (issue 18 "Layout"). ``page_guard`` starts each run with none shown."""
    shown = st.session_state.setdefault(PAGE_NOTES_KEY, set())
    if note in shown:
        return False
    shown.add(note)
    return True


def page_guard(page_id: str) -> PageContext:
    """Call first on every page: signed in, account active, role allowed for ``page_id``; else explain and stop."""
    init_session_state()
    st.session_state[PAGE_NOTES_KEY] = set()  # this run has shown no model caption yet (see once_per_page)
    if _reached_without_router():
        # go through the router (sign-in gate, role navigation), then come back here: a deep link survives
        spec = PAGES_BY_ID[page_id]
        st.session_state[StateKeys.DEEP_LINK] = (spec.url_path, st.query_params.to_dict())
        st.session_state[StateKeys.FIRST_RUN_SEEN] = True
        st.switch_page("app.py")
    if signed_in_username() is None:
        st.info("Please sign in to continue.", icon=":material/login:")
        st.stop()
    try:
        services = get_services()
    except ConfigurationError as exc:
        stop_on_configuration_error(exc)
    user = current_user(services)
    if user is None:
        st.error("Your account is not active. Ask an administrator.", icon=":material/lock:")
        st.stop()
    if not page_allowed(user.role, page_id):
        st.error("This page is not available for your role.", icon=":material/lock:")
        st.stop()
    touch_activity()
    show_flash()
    return PageContext(services=services, user=user)


def patient_view(read: Callable[[int], Loaded], patient_id: int | None = None) -> Loaded:
    """A patient page's one view call, ``read(patient_id)`` (default: the selected patient); with no patient
    selected, or one the user may not open, say so, offer the caseload, and stop the page (see
    :mod:`components.shared.banner`)."""
    from components.shared.banner import load_patient_view

    return load_patient_view(read, patient_id)


def patient_banner_from(chart: ChartSummary) -> None:
    """Draw the patient banner from the ``ChartSummary`` a page's view model carries (no service call)."""
    from components.shared.banner import draw_banner

    draw_banner(chart)
