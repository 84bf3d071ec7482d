"""The patient link (``?p=<token>``) replayed by someone else, in a real browser (issue 18's opaque links, attacked).

A clinician opens a chart; the address bar names the patient by an opaque token. The address is then replayed as an
attacker would: by a browser with no session (it gets the sign-in form and no patient data), and by a signed-in
clinician who is not on the patient's care team (a plain refusal, no name, no MRN, the token taken out of the
address, one audited denial). A colleague *on* the care team who opens the same link lands on the same patient (a
link is meant to be shareable within the team).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from components.shared.patient_link import LINK_REFUSED
from tests.e2e.test_clinician_workflow import sign_in, wait_idle

pytestmark = pytest.mark.browser

PATIENT = "Synthia Testcase (NM-100001)"


def _fresh_context(browser):  # type: ignore[no-untyped-def]
    """A new browser session (no cookie)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(30_000)
    return context


def _chart_link(browser, url: str) -> str:  # type: ignore[no-untyped-def]
    """The address bar of the demo clinician's chart of PATIENT, opened in its own session (then closed)."""
    context = _fresh_context(browser)
    try:
        return _open_chart_link(context, url)
    finally:
        context.close()


def _open_chart_link(context, url: str) -> str:  # type: ignore[no-untyped-def]
    page = context.new_page()
    page.goto(url)
    sign_in(page)
    page.get_by_role("combobox", name="Open a patient").click()
    page.get_by_role("option", name=PATIENT).click()
    wait_idle(page)
    page.get_by_role("button", name="Open chart").click()
    page.locator(".nm-banner-name").first.wait_for()
    wait_idle(page)
    return page.url


def test_a_chart_link_replayed_without_a_session_or_off_the_care_team_shows_nothing(live_app, browser):
    from novamind_core.services.base import SYSTEM_USER
    from tests.app import ui_cohort as ui

    link = _chart_link(browser, live_app["url"])
    token = parse_qs(urlparse(link).query).get("p", [""])[0]
    assert len(token) >= 16 and "NM-100001" not in link and "Synthia" not in link

    stranger = _fresh_context(browser)
    try:
        page = stranger.new_page()
        page.goto(link)
        page.get_by_role("textbox", name="Username").wait_for()
        wait_idle(page)
        text = page.locator("body").inner_text()
        assert "Synthia" not in text and "NM-100001" not in text  # signed out: the form, nothing of the patient

        cohort, audit = live_app["cohort"], live_app["services"].audit

        def denials() -> int:
            return sum(1 for e in audit.query(SYSTEM_USER, user_id=cohort.other_clinician_id, outcome="denied")
                       if e.patient_id == cohort.responder_id)

        before = denials()
        sign_in(page, ui.OTHER_CLINICIAN, ui.PASSWORDS[ui.OTHER_CLINICIAN])
        page.get_by_text(LINK_REFUSED[:40]).first.wait_for()
        wait_idle(page)
        text = page.locator("body").inner_text()
        assert "Synthia" not in text and "Testcase" not in text and "NM-100001" not in text
        assert "p=" not in urlparse(page.url).query  # the refused token is taken out of the address
        assert denials() == before + 1  # one audited refusal, naming who tried and which patient
    finally:
        stranger.close()


def test_a_colleague_on_the_care_team_who_opens_the_link_lands_on_the_same_patient(live_app, browser):
    link = _chart_link(browser, live_app["url"])
    again = _fresh_context(browser)
    try:
        page = again.new_page()
        page.goto(link)
        sign_in(page)
        page.locator(".nm-banner-name").first.wait_for()
        wait_idle(page)
        assert "Synthia Testcase" in page.locator(".nm-banner-name").first.inner_text()
    finally:
        again.close()
