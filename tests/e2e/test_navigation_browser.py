"""Browser tests of navigation: reloads and deep links while signed in show the page without Streamlit's
"Page not found" dialog, deep links survive sign-in, and a page a role may not open shows none of its data."""

from __future__ import annotations

import pytest

from tests.e2e.test_clinician_workflow import CLINICIAN, PASSWORD, sign_in, wait_idle

pytestmark = pytest.mark.browser

ANALYST, ANALYST_PASSWORD = "demo.analyst", "demo-analyst-2024"
NOT_FOUND = '[role="dialog"]:has-text("Page not found")'
WATCH_FOR_DIALOG = """
window.__nmPageNotFound = false;
new MutationObserver(() => {
    for (const d of document.querySelectorAll('[role="dialog"]')) {
        if (d.textContent.includes('Page not found')) { window.__nmPageNotFound = true; }
    }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""
"""Set in every page of the context: remembers a "Page not found" dialog even if it was closed again."""


def saw_page_not_found(page) -> bool:  # type: ignore[no-untyped-def]
    return page.locator(NOT_FOUND).count() > 0 or bool(page.evaluate("() => window.__nmPageNotFound === true"))


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Let every rerun finish (cookie component answers, deep-link switch) before looking for the dialog."""
    wait_idle(page)
    page.wait_for_timeout(1500)
    wait_idle(page)


def signed_in_page(live_app, context, username: str = CLINICIAN, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """A page signed in as ``username`` whose sign-in cookie is stored in ``context``."""
    context.add_init_script(WATCH_FOR_DIALOG)
    page = context.new_page()
    page.goto(live_app["url"])
    sign_in(page, username, password)
    page.get_by_role("button", name="Sign out").wait_for()
    settle(page)
    assert any(c["name"] == "novamind_auth" for c in context.cookies())
    return page


def test_reloading_a_page_while_signed_in_shows_no_page_not_found_dialog(live_app, context):
    page = signed_in_page(live_app, context)
    page.goto(live_app["url"] + "/caseload")
    page.get_by_text("Demo Riskwell").first.wait_for(state="attached")
    settle(page)
    assert not saw_page_not_found(page)
    page.reload()
    page.get_by_text("Demo Riskwell").first.wait_for(state="attached")
    settle(page)
    assert not saw_page_not_found(page)
    assert "/caseload" in page.url


def test_opening_a_patient_link_while_signed_in_shows_the_patient_without_a_dialog(live_app, context):
    page = signed_in_page(live_app, context)
    page.goto(live_app["url"] + "/patient?mrn=NM-100001")
    page.get_by_text("Synthia Testcase").first.wait_for()
    settle(page)
    assert not saw_page_not_found(page)
    assert "/patient" in page.url and "p=" in page.url and "mrn=" not in page.url  # opaque link, not the MRN


def test_an_analyst_reloading_the_cohort_page_sees_no_dialog(live_app, context):
    page = signed_in_page(live_app, context, ANALYST, ANALYST_PASSWORD)
    page.goto(live_app["url"] + "/cohort")
    page.get_by_role("button", name="Sign out").wait_for()
    settle(page)
    assert not saw_page_not_found(page)
    assert "/cohort" in page.url


def test_a_deep_link_opened_signed_out_lands_on_the_page_after_sign_in_without_a_dialog(live_app, context):
    context.add_init_script(WATCH_FOR_DIALOG)
    page = context.new_page()
    page.goto(live_app["url"] + "/patient?mrn=NM-100001")
    page.get_by_role("textbox", name="Username").wait_for()
    settle(page)
    assert not saw_page_not_found(page)
    sign_in(page)
    page.get_by_text("Synthia Testcase").first.wait_for()
    settle(page)
    assert not saw_page_not_found(page)
    assert "/patient" in page.url and "p=" in page.url and "mrn=" not in page.url  # opaque link, not the MRN


def test_an_analyst_opening_the_patient_page_sees_no_patient_data(live_app, context):
    page = signed_in_page(live_app, context, ANALYST, ANALYST_PASSWORD)
    page.goto(live_app["url"] + "/patient?mrn=NM-100001")
    page.get_by_role("button", name="Sign out").wait_for()
    settle(page)
    assert page.get_by_text("Synthia Testcase").count() == 0
    assert page.get_by_text("NM-100001").count() == 0
    assert page.get_by_role("link", name="Patient", exact=True).count() == 0
