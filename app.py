"""Novamind router: page config, the sign-in gate, and navigation built from the signed-in user's role.

Run with ``make run`` (or ``streamlit run app.py``). Pages a role may not open are not registered, so their URLs do
not exist for that role (services still check every call: defence in depth). A page is registered only when its
file exists. Every real page keeps its own URL path (``/caseload``, ``/cohort``); the root address is a hidden page
that forwards to the role's landing page. Errors inside a page become a friendly message plus an incident id
(components/shared/errors.py). A patient's questionnaire link or a clinic kiosk gets the questionnaire page alone,
before any staff sign-in (components/questionnaire/routing.py).
"""

from __future__ import annotations

import contextlib

import streamlit as st

from components.questionnaire.routing import patient_route_wanted, run_patient_route
from components.shared.auth import (
    accept_sign_in,
    build_authenticator,
    enforce_idle_timeout,
    follow_deep_link,
    remember_deep_link,
    render_cookie_action,
    sign_in_pages,
    sign_out,
)
from components.shared.errors import error_boundary
from components.shared.layout import ROLE_LABELS, inject_css, render_footer, render_header
from components.shared.navigation import PAGES, pages_for_role
from components.shared.session import (
    _environment_fingerprint,
    current_user,
    get_services,
    init_session_state,
    signed_in_username,
    stop_on_configuration_error,
)
from novamind_core.domain.errors import ConfigurationError
from novamind_core.domain.users import User

st.set_page_config(page_title="Novamind", page_icon=":material/psychology:", layout="wide",
                   initial_sidebar_state="expanded")
inject_css()
init_session_state()
remember_deep_link()

try:
    services = get_services()
except ConfigurationError as exc:
    stop_on_configuration_error(exc)

auth = build_authenticator(services, _environment_fingerprint())
enforce_idle_timeout(services, auth)
if patient_route_wanted():  # a patient's link or a kiosk: the questionnaire page alone, no staff sign-in or sidebar
    run_patient_route(services, auth)

sidebar_box = st.sidebar.empty()


def user_box(who: User) -> bool:
    """The sidebar's signed-in user, role and sign-out button; True when sign-out was clicked."""
    with sidebar_box.container():
        st.markdown(f"**{who.display_name}**  \n{ROLE_LABELS.get(who.role.value, who.role.value)}")
        return st.button("Sign out", icon=":material/logout:", key="nm_sign_out", width="stretch")


early_user = current_user(services)
if early_user is not None and user_box(early_user):
    sign_out(services, auth, reason="user")
    sidebar_box.empty()

if signed_in_username() is None:
    with contextlib.suppress(Exception):  # LoginError: the cookie names a user who is no longer active
        auth.login(location="unrendered")  # cookie re-login (audited in accept_sign_in)

render_cookie_action(auth)

user = accept_sign_in(services, auth) if signed_in_username() is not None else None
if user is None:
    # Signed out, every known address is a page that draws the sign-in form (after navigation has fixed the page, so
    # the form's widget ids are stable between runs) instead of "page not found"; after sign-in the script reruns
    # and the same address resolves to the real page if the role may open it.
    st.navigation(sign_in_pages(auth, PAGES), position="hidden").run()
    render_footer()
    st.stop()

specs = pages_for_role(user.role)
if not specs:
    st.error("No page of this app is available for your role. Ask an administrator.", icon=":material/lock:")
    render_footer()
    st.stop()
# No real page is Streamlit's default: the default page's URL path is "" (the root), so a request for its own address
# (a reload of /caseload, a link to /cohort) matched no page on the session's first run and Streamlit showed its
# "Page not found" dialog over the page. A hidden default page at the root forwards to the role's landing page instead.
landing = next(s for s in specs if s.default)
st_pages = {s.page_id: st.Page(s.path, title=s.title, icon=s.icon, url_path=s.url_path) for s in specs}


def go_to_landing_page() -> None:
    """The root address: open the role's landing page (keeping any query)."""
    st.switch_page(st_pages[landing.page_id], query_params=st.query_params.to_dict() or None)


sections: dict[str, list[st.Page]] = {landing.section: [
    st.Page(go_to_landing_page, title=landing.title, icon=landing.icon, url_path="home", default=True,
            visibility="hidden")]}
for spec in specs:
    sections.setdefault(spec.section, []).append(st_pages[spec.page_id])
page = st.navigation(sections)
follow_deep_link(specs, st_pages, page)
if early_user is None:
    user_box(user)

render_header(user)
with error_boundary("page " + page.title):
    page.run()
render_footer()
