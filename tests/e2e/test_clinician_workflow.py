"""Real-browser tests of the clinician workflow: sign in, caseload -> patient, PHQ-9 entry, sign out, deep links,
cookie re-login and cookie tampering. Screenshots of each main page go to docs/screenshots/."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

CLINICIAN, PASSWORD = "demo.clinician", "demo-clinician-2024"


def sign_in(page, username: str = CLINICIAN, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("textbox", name="Username").wait_for()
    wait_idle(page)
    page.wait_for_timeout(800)  # the cookie component's first answer reruns the script once after load
    wait_idle(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def wait_idle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished the current run (no 'Running' status widget)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=30_000)


def phq9_points(page) -> list[int]:  # type: ignore[no-untyped-def]
    return page.evaluate("""() => {
        // every figure on the page (the caseload's severity strip may still be drawn while the chart replaces it)
        for (const div of document.querySelectorAll('.js-plotly-plot')) {
            const trace = (div.data || []).find(t => t.name === 'PHQ-9');
            if (trace) { return Array.from(trace.y); }
        }
        return [];
    }""")


def test_clinician_signs_in_opens_a_patient_enters_a_phq9_sees_the_new_point_and_signs_out(live_app, context):
    page = context.new_page()
    page.goto(live_app["url"])
    page.get_by_role("textbox", name="Username").wait_for()
    page.screenshot(path=str(_shot("sign-in.png")))
    sign_in(page)
    page.get_by_text("Caseload", exact=True).first.wait_for()
    page.get_by_text("Demo Riskwell").first.wait_for(state="attached")
    wait_idle(page)
    page.screenshot(path=str(_shot("caseload.png")))

    page.get_by_role("combobox", name="Open a patient").click()
    page.get_by_role("option", name="Synthia Testcase (NM-100001)").click()
    page.get_by_role("button", name="Open chart").click()
    page.wait_for_function("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
        .some(div => (div.data || []).some(t => t.name === 'PHQ-9'))""", timeout=30_000)
    wait_idle(page)
    assert "/patient" in page.url and "p=" in page.url and "mrn=" not in page.url  # opaque link, not the MRN
    before = phq9_points(page)
    assert before[-1] == 8
    page.set_viewport_size({"width": 1440, "height": 2300})
    page.screenshot(path=str(_shot("patient.png")))

    page.get_by_role("tab", name="Assessments").click()  # the chart opens on its Overview tab
    wait_idle(page)
    radios = page.locator('[data-testid="stRadio"]')
    for item, answer in enumerate([1, 1, 1, 1, 1, 0, 0, 0, 0]):
        radios.nth(item).get_by_text(re.compile(rf"^{answer} · ")).click()
        wait_idle(page)
    page.get_by_text("Total 5 of 27").wait_for()
    page.screenshot(path=str(_shot("assessment-entry.png")))
    page.get_by_role("button", name="Review and save").click()
    page.get_by_role("button", name="Confirm and save").click()
    page.get_by_text("Saved PHQ-9 5 (mild)").first.wait_for()  # beside the button (and as a toast)
    wait_idle(page)
    page.get_by_role("tab", name="Overview").click()
    wait_idle(page)
    assert phq9_points(page) == [*before, 5]

    page.set_viewport_size({"width": 1440, "height": 1000})
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("textbox", name="Username").wait_for()
    page.wait_for_timeout(1500)  # the cookie-delete component runs
    assert not [c for c in context.cookies() if c["name"] == "novamind_auth"]
    page.goto(live_app["url"])  # the cookie was deleted: a reload does not sign back in
    page.get_by_role("textbox", name="Username").wait_for()
    assert page.get_by_role("button", name="Sign out").count() == 0


def test_a_deep_link_to_a_patient_survives_sign_in(live_app, context):
    page = context.new_page()
    page.goto(live_app["url"] + "/patient?mrn=NM-100003")
    page.get_by_role("textbox", name="Username").wait_for()
    sign_in(page)
    page.get_by_text("Pat Partialis").first.wait_for()
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    assert "/patient" in page.url


def test_the_sign_in_cookie_signs_back_in_and_a_tampered_one_does_not(live_app, context, browser):
    page = context.new_page()
    page.goto(live_app["url"])
    sign_in(page)
    page.get_by_text("Demo Riskwell").first.wait_for(state="attached")
    wait_idle(page)
    page.wait_for_timeout(1500)  # let the cookie component run
    cookie = next(c for c in context.cookies() if c["name"] == "novamind_auth")

    again = context.new_page()  # same browser profile: the session cookie resumes the live session (audited)
    again.goto(live_app["url"])
    again.get_by_text("Demo Riskwell").first.wait_for(state="attached")

    value = cookie["value"]
    forged = value[:-1] + ("A" if value[-1] != "A" else "B")  # one character of the opaque id changed
    other = browser.new_context()
    other.add_cookies([{**cookie, "value": forged}])
    stranger = other.new_page()
    stranger.goto(live_app["url"])
    stranger.get_by_role("textbox", name="Username").wait_for()
    stranger.wait_for_timeout(1500)
    assert stranger.get_by_text("Demo Riskwell").count() == 0
    other.close()

    from novamind_core.services.base import SYSTEM_USER

    entries = live_app["services"].audit.query(SYSTEM_USER, action="auth.session_resume",
                                               user_id=live_app["cohort"].clinician_id)
    assert any(e.detail.endswith("cookie") for e in entries)


def test_a_wrong_password_is_refused_with_a_message(live_app, context):
    page = context.new_page()
    page.goto(live_app["url"])
    sign_in(page, password="not-the-password")
    page.get_by_text("Wrong username or password").wait_for()
    assert page.get_by_text("Caseload", exact=True).count() == 0


def _shot(name: str):  # type: ignore[no-untyped-def]
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
