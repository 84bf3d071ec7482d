"""Novamind router: page config, the sign-in gate, and navigation built from the signed-in user's role.

Run with ``make run`` (or ``streamlit run app.py``). This one file has two roles:

* ``streamlit run app.py`` imports it as a module (``__name__ == "app"``), finds the ``st.App`` below and serves it
  with uvicorn: Streamlit's own server plus the session cookie endpoint and the security headers
  (``novamind_server/``; Streamlit 1.67's supported way to add routes and middleware).
* That server runs the same file as the Streamlit script (``__name__ == "__main__"``): :func:`main`, the router.

Pages a role may not open are not registered, so their URLs do not exist for that role (services still check every
call: defence in depth). A page is registered only when its file exists. Every real page keeps its own URL path
(``/caseload``, ``/cohort``); the root address is a hidden page that forwards to the role's landing page. Errors
inside a page become a friendly message plus an incident id (components/shared/errors.py). A patient's
questionnaire link or a clinic kiosk gets the questionnaire page alone, before any staff sign-in
(components/questionnaire/routing.py).
Every run validates the server-side session in the database before anything is drawn (components/shared/auth.py).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components.shared.text import plain

FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"


def main() -> None:  # noqa: C901  (the router reads top to bottom)
    from components.questionnaire.routing import patient_route_wanted, run_patient_route
    from components.shared.auth import (
        check_session,
        follow_deep_link,
        open_session_for_sso,
        remember_deep_link,
        render_cookie_action,
        sign_in_pages,
        sign_out,
    )
    from components.shared.errors import error_boundary
    from components.shared.layout import ROLE_LABELS, header_slot, inject_css, redraw_header, render_footer
    from components.shared.navigation import PAGES, pages_for_role
    from components.shared.observability import bind_run_log_context, observe_page
    from components.shared.session import (
        StateKeys,
        get_services,
        init_session_state,
        stop_on_configuration_error,
    )
    from novamind_core.domain.errors import ConfigurationError
    from novamind_core.domain.users import User

    # a local file: a ":material/...:" favicon is fetched by the browser from a third-party font server
    st.set_page_config(page_title="Novamind", page_icon=str(FAVICON), layout="wide",
                       initial_sidebar_state="expanded")
    inject_css()
    init_session_state()
    bind_run_log_context()  # request_id / session_id on this run's log lines (docs/deployment.md)
    remember_deep_link()

    try:
        services = get_services()
    except ConfigurationError as exc:
        stop_on_configuration_error(exc)

    if patient_route_wanted():  # a patient's link or a kiosk: the questionnaire page alone, no staff sign-in
        run_patient_route(services)  # (signs out a staff session of this tab first; stops the run)
    # The gate: a live server-side session (validated in the database on every run), or signed out.
    user = check_session(services)

    sidebar_box = st.sidebar.empty()

    def user_box(who: User) -> bool:
        """The sidebar's signed-in user, role and sign-out button; True when sign-out was clicked."""
        with sidebar_box.container():
            st.markdown(f"**{plain(who.display_name)}**  \n{ROLE_LABELS.get(who.role.value, who.role.value)}")
            return st.button("Sign out", icon=":material/logout:", key="nm_sign_out", width="stretch")

    drawn_box = False
    if user is not None:
        drawn_box = True
        if user_box(user):
            sign_out(services, reason="sign out")
            sidebar_box.empty()
            user = None

    if user is None:
        try:  # an organisation sign-in that just came back from the provider (components/shared/sso.py)
            from components.shared.sso import accept_single_sign_on
        except ImportError:
            accept_single_sign_on = None
        if accept_single_sign_on is not None:
            accept_single_sign_on(services, open_session_for_sso(services))
            user = check_session(services) if st.session_state.get(StateKeys.SESSION_ID) is not None else None

    render_cookie_action()

    if user is None:
        # Signed out, every known address is a page that draws the sign-in form (after navigation has fixed the
        # page, so the form's widget ids are stable between runs) instead of "page not found"; after sign-in the
        # script reruns and the same address resolves to the real page if the role may open it.
        st.navigation(sign_in_pages(services, PAGES), position="hidden").run()
        render_footer()
        st.stop()

    specs = pages_for_role(user.role)
    if not specs:
        st.error("No page of this app is available for your role. Ask an administrator.", icon=":material/lock:")
        render_footer()
        st.stop()
    # No real page is Streamlit's default: the default page's URL path is "" (the root), so a request for its own
    # address (a reload of /caseload, a link to /cohort) matched no page on the session's first run and Streamlit
    # showed its "Page not found" dialog over the page. A hidden default page at the root forwards to the role's
    # landing page instead.
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
    if not drawn_box and user_box(user):
        sign_out(services, reason="sign out")
        st.rerun()

    # The header names the selected patient, but on the first run of a chart opened from a `?p=` link (a reload, a
    # link in a new tab) the page's banner resolves that patient only while the page runs: the header is drawn into a
    # slot first (from what the session knew) and drawn again in the same slot once the page has run.
    header = header_slot(user)
    warning, warning_slot = st.session_state.get(StateKeys.SIGN_IN_WARNING), st.empty()  # a slot every run draws:
    if warning:  # a notice that comes and goes must not move the page below it (a moved text box loses focus)
        warning_slot.warning(warning, icon=":material/gpp_maybe:")
        st.session_state[StateKeys.SIGN_IN_WARNING] = None
    with error_boundary("page " + page.title), observe_page(page.title, services.settings.metrics_dir):
        page.run()  # timed for the page-latency metric (components/shared/observability.py)
    redraw_header(header, user)  # the patient the page resolved (from the link) on this run
    render_footer()


if __name__ == "__main__":  # the Streamlit script run (every browser interaction)
    main()
else:  # imported by `streamlit run app.py`: the server (Streamlit + session endpoint + security headers)
    from novamind_server.asgi import middleware, routes

    app = st.App(__file__, routes=routes(), middleware=middleware())
