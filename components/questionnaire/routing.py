"""The anonymous route: ``app.py`` hands the whole run to the questionnaire page when a patient is here.

A patient is here when the address carries a link token (``/questionnaire?t=...``, ``?optout=...``, ``?k=...``), when
this browser tab already holds a patient's visit (a kiosk, or a link read on an earlier run), or when a signed-out
session opened ``/questionnaire`` itself (a reload: the page asks for the link again). Then the only page registered
is the questionnaire (plus hidden forwarders, so that any other address of the app lands on it instead of Streamlit's
"page not found"); no sidebar, no navigation, no sign-in form, and no sign-in by cookie. Anyone signed in in this tab
(a clinician who just started a kiosk) is signed out first, which also deletes the sign-in cookie, so a reload of the
tablet cannot return to the clinician's account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from components.questionnaire.state import PortalKeys, current_visit, take_link_from_address
from components.shared.auth import reject_cookie, render_cookie_action, sign_out
from components.shared.errors import error_boundary
from components.shared.navigation import PAGES
from components.shared.session import StateKeys, signed_in_username

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

QUESTIONNAIRE_PATH = "pages/questionnaire.py"
QUESTIONNAIRE_URL_PATH = "questionnaire"


def _address_path() -> str:
    """The last segment of the path this browser tab opened (``"questionnaire"`` for ``/questionnaire?...``)."""
    url = st.context.url or ""
    rest = url.split("://", 1)[-1]
    path = rest.split("/", 1)[1] if "/" in rest else ""
    return path.split("?", 1)[0].strip("/").rsplit("/", 1)[-1]


def patient_route_wanted() -> bool:
    """Whether this run belongs to a patient (reads a link token out of the address as a side effect)."""
    if take_link_from_address() or current_visit() is not None:
        return True
    if st.session_state.get(PortalKeys.ENDED):
        return False
    return signed_in_username() is None and _address_path() == QUESTIONNAIRE_URL_PATH


def run_patient_route(services: Services) -> None:
    """Sign out anyone signed in in this tab, then run the questionnaire page as the app's only page; stops the run."""
    if signed_in_username() is not None:
        sign_out(services, reason="kiosk started" if current_visit() is not None else "patient page opened")
    _drop_staff_cookie(services.settings.cookie_name)
    render_cookie_action()  # the sign-in cookie's clearing, pending from the sign-out or the line above
    questionnaire = st.Page(QUESTIONNAIRE_PATH, title="Questionnaire", url_path=QUESTIONNAIRE_URL_PATH,
                            visibility="hidden")

    def forward() -> None:
        st.switch_page(questionnaire)

    root = st.Page(forward, title="Questionnaire", url_path="home", default=True, visibility="hidden")
    elsewhere = [st.Page(forward, title=spec.title, url_path=spec.url_path, visibility="hidden") for spec in PAGES]
    elsewhere.append(st.Page(forward, title="Sign in", url_path="sign-in", visibility="hidden"))
    page = st.navigation([root, questionnaire, *elsewhere], position="hidden")
    with error_boundary("page Questionnaire"):
        page.run()
    st.stop()


def _drop_staff_cookie(cookie_name: str) -> None:
    """Delete a staff sign-in cookie this browser still sends (once per tab), so a kiosk opened by a ``?k=`` link
    on a clinician's tablet, or any patient page, cannot lead back into a staff account without a password."""
    raw = st.context.cookies.get(cookie_name)
    if isinstance(raw, str) and raw and st.session_state.get(StateKeys.REJECTED_COOKIE) != _digest(raw):
        reject_cookie(raw, "patient page")


def _digest(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def leave_for_staff_sign_in() -> None:
    """After :func:`components.questionnaire.state.end_visit`: open the app's root, where the sign-in form is."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.switch_page(st.Page(lambda: None, title="Questionnaire", url_path="home", default=True))
    except StreamlitAPIException:  # a single-page run (AppTest): rerun instead
        st.query_params.clear()
        st.rerun()
