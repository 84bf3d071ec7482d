"""The patient-reported loop in a real browser, with real e-mail over SMTP on loopback.

A measurement plan makes a request; the worker (``python -m novamind_core worker --once``) hands the invitation to an
``aiosmtpd`` server started here; the test reads the link from the received message and opens it in Chromium on a
390x844 phone viewport: date of birth, a PHQ-9 with item 9 = 2, the crisis message at once, item 10 (asked because
problems were reported; not scored), Send. The worker runs again and the care team's urgent e-mail arrives (no PHI in
it); the clinician signs in and sees the patient at the top of the caseload and the new point on the chart. The same
link then shows the friendly refusal, as does a tampered one. A second test runs a kiosk from the clinician's
browser and checks that the tablet cannot get back into the clinician's account. The phone screenshot goes to
docs/screenshots/questionnaire_phone.png.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import time as clock_time
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from tests.browser_support import REPO_ROOT, SCREENSHOTS, _free_port, seeded_app
from tests.e2e.test_clinician_workflow import phq9_points, sign_in, wait_idle

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
CARE_TEAM_EMAIL = "ada.lovelace@clinic.example"
PATIENT_EMAIL = "synthia@example.org"
PHI = ("Synthia", "Testcase", "NM-100001", "1984", "F32", "sertraline", PATIENT_EMAIL)


class Inbox:
    """aiosmtpd handler keeping every message it accepts: (recipients, subject, plain text, html)."""

    def __init__(self) -> None:
        self.messages: list[tuple[tuple[str, ...], str, str, str]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802 (aiosmtpd API)
        parsed = message_from_bytes(envelope.content, policy=default_policy)
        text = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        self.messages.append((tuple(envelope.rcpt_tos), str(parsed["Subject"]),
                              text.get_content() if text is not None else "",
                              html.get_content() if html is not None else ""))
        return "250 Message accepted for delivery"

    def to(self, address: str, wait_s: float = 10.0) -> list[tuple[tuple[str, ...], str, str, str]]:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            found = [m for m in self.messages if address in m[0]]
            if found:
                return found
            time.sleep(0.2)
        return []


@pytest.fixture(scope="module")
def loop_app(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The app on a known port, its SMTP settings pointing at an aiosmtpd server on loopback started here."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    smtp_port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    port = _free_port()
    env = {"NOVAMIND_SMTP_HOST": "127.0.0.1", "NOVAMIND_SMTP_PORT": str(smtp_port), "NOVAMIND_SMTP_STARTTLS": "false",
           "NOVAMIND_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "NOVAMIND_CLINIC_NAME": "Riverside Clinic",
           "NOVAMIND_QUESTIONNAIRE_RATE_LIMIT": "1000"}
    try:
        with seeded_app(tmp_path_factory, "loop", env, port=port) as app:
            yield {**app, "inbox": inbox}
    finally:
        controller.stop()


def run_worker() -> str:
    """One worker pass as an operator would run it (same NOVAMIND_* environment as the app)."""
    done = subprocess.run([sys.executable, "-m", "novamind_core", "worker", "--once"], cwd=REPO_ROOT,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def phone_page(browser):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    ctx.set_default_timeout(30_000)
    return ctx, ctx.new_page()


def confirm_dob(page, day: str, month: str, year: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_text("confirm your date of birth").wait_for()
    wait_idle(page)
    for name, value in (("Day", day), ("Month", month)):  # type to filter the list, then pick the match
        page.get_by_role("combobox", name=name).click()
        page.keyboard.type(value)
        page.get_by_role("option", name=value, exact=True).click()
    page.get_by_label("Year").fill(year)
    page.get_by_role("button", name="Continue").click()


def answer(page, question: int, label: str, of: int = 9) -> None:  # type: ignore[no-untyped-def]
    page.get_by_text(f"Question {question} of {of}").wait_for()
    wait_idle(page)
    page.locator('[data-testid="stRadio"]').get_by_text(label, exact=True).click()
    wait_idle(page)


def signed_in_cookie(ctx, page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the sign-in cookie is in the browser (its component runs after the sign-in run)."""
    for _ in range(100):
        if [c for c in ctx.cookies() if c["name"] == "novamind_auth"]:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the sign-in cookie was never set")


def test_a_plan_sends_a_link_by_email_and_the_patients_answers_reach_the_care_team_and_the_chart(loop_app, browser):
    from novamind_core.domain.instruments import Instrument
    from novamind_core.domain.reporting import Channel, MeasurementPlan, ScheduleRule

    services, cohort, inbox, url = loop_app["services"], loop_app["cohort"], loop_app["inbox"], loop_app["url"]
    doc = services.users.get_by_username("demo.clinician")
    pid = cohort.responder_id
    patient = services.patients.get(doc, pid)
    services.patients.update(doc, pid, patient.version, email=PATIENT_EMAIL)
    services.reporting.record_consent(doc, pid, email=True, sms=False)
    services.reporting.set_notification_preferences(doc, email=CARE_TEAM_EMAIL, urgent_by_email=True)
    today = services.context.today()
    services.reporting.set_plan(doc, pid, MeasurementPlan(
        patient_id=pid, instruments=(Instrument.PHQ9,), rule=ScheduleRule(interval_days=14), channel=Channel.EMAIL,
        send_time=clock_time(0, 0), reminder_after_hours=48, link_lifetime_hours=168, anchor_on=today), None)

    run_worker()
    invitations = inbox.to(PATIENT_EMAIL)
    assert len(invitations) == 1, "the worker must hand exactly one invitation to the SMTP server"
    _, subject, text, html = invitations[0]
    assert "Riverside Clinic" in subject + text
    assert not [p for p in PHI[:-1] if p in subject + text + html], "the invitation must carry no PHI"
    link = re.search(r"http://127\.0\.0\.1:\d+/questionnaire\?t=[A-Za-z0-9_%-]+", text).group(0)  # type: ignore[union-attr]
    assert link.startswith(url)

    ctx, page = phone_page(browser)
    page.goto(link)
    confirm_dob(page, "12", "March", "1984")
    assert "t=" not in page.url, "the token must leave the address bar at once"
    assert page.locator('[data-testid="stSidebar"]').count() == 0
    answers = ["Several days"] * 4 + ["Not at all"] * 4
    for question, label in enumerate(answers, start=1):
        answer(page, question, label, of=9 if question == 1 else 10)  # a problem reported: item 10 joins
        if question == 1:
            page.screenshot(path=str(SCREENSHOTS / "questionnaire_phone.png"))
        page.get_by_role("button", name="Next").click()
    answer(page, 9, "More than half the days", of=10)
    crisis = services.portal.crisis_text()
    page.get_by_text("Help is available now.").wait_for()
    assert crisis[:40] in page.inner_text("body"), "the crisis message shows on the item-9 screen at once"
    page.screenshot(path=str(SCREENSHOTS / "questionnaire_phone_item9.png"))
    page.get_by_role("button", name="Next").click()
    answer(page, 10, "Somewhat difficult", of=10)  # PHQ-9 item 10, functional impairment (not scored)
    assert "how difficult have these problems made it" in page.inner_text("body")
    page.get_by_role("button", name="Check my answers").click()
    page.get_by_role("button", name="Send my answers").first.click()  # at the top and the bottom
    page.get_by_text("Your answers have been sent to your care team").wait_for()
    body = page.inner_text("body")
    assert crisis[:40] in body
    assert not [p for p in PHI if p in body]
    ctx.close()

    run_worker()
    urgent = inbox.to(CARE_TEAM_EMAIL)
    assert urgent, "the care team's urgent e-mail must arrive"
    _, subject, text, html = urgent[0]
    assert "/patient?alert=" in text
    assert not [p for p in PHI if p in subject + text + html], "the urgent e-mail must carry no PHI"

    desk = browser.new_context(viewport={"width": 1440, "height": 1000})
    desk.set_default_timeout(30_000)
    page = desk.new_page()
    page.goto(url)
    sign_in(page)
    page.get_by_text("Caseload", exact=True).first.wait_for()
    page.get_by_text("Synthia Testcase").first.wait_for(state="attached")
    wait_idle(page)
    signed_in_cookie(desk, page)
    page.get_by_role("combobox", name="Open a patient").click()  # its options follow the caseload's order
    order = [t.split(" (")[0] for t in page.get_by_role("option").all_inner_texts()]
    page.keyboard.press("Escape")
    # open item-9 alerts sort first: Synthia (PHQ-9 8 and no alert before) now ranks above Pat Partialis (13)
    assert order.index("Synthia Testcase") < order.index("Pat Partialis"), f"not at the top: {order}"
    page.goto(f"{url}/patient?mrn=NM-100001")
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    wait_idle(page)
    assert phq9_points(page)[-1] == 6, "item 10 (answered 1) is never added to the total"
    desk.close()
    stored = services.assessments.history(doc, pid, "PHQ-9")[-1]
    assert stored.extra_answers == (1,) and stored.total == 6

    for opened in (link, link[:-1] + ("A" if link[-1] != "A" else "B")):  # the used link, then a tampered one
        ctx, page = phone_page(browser)
        page.goto(opened)
        page.get_by_text("link cannot be used").wait_for()
        assert page.get_by_role("combobox", name="Day").count() == 0
        assert not [p for p in PHI if p in page.inner_text("body")]
        ctx.close()


def test_a_kiosk_started_by_the_clinician_shows_only_the_questionnaire_and_cannot_return_to_the_clinician(
        loop_app, browser):
    url, services, cohort = loop_app["url"], loop_app["services"], loop_app["cohort"]
    ctx = browser.new_context(viewport={"width": 820, "height": 1180})  # a tablet
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    page.goto(url)
    sign_in(page)
    page.get_by_text("Caseload", exact=True).first.wait_for()
    signed_in_cookie(ctx, page)
    page.goto(f"{url}/patient?mrn=NM-100003")
    page.get_by_text("Pat Partialis").first.wait_for()
    wait_idle(page)
    kiosk = page.get_by_role("button", name="Hand to patient (kiosk)")
    if kiosk.count():  # the chart's button (components/questionnaire/kiosk.py)
        kiosk.first.click()
        page.get_by_role("button", name="Start kiosk and sign me out").click()
    else:  # the chart does not carry the button yet: start the kiosk by its link in the clinician's browser
        doc = services.users.get_by_username("demo.clinician")
        created = services.reporting.start_kiosk(doc, cohort.switched_id, "PHQ-9")
        page.goto(f"{url}/questionnaire?k={created.token}")
    page.get_by_text("Question 1 of 9").wait_for()
    assert "k=" not in page.url and "mrn=" not in page.url
    assert page.get_by_role("button", name="Sign out").count() == 0
    assert "Pat Partialis" not in page.inner_text("body")
    for question in range(1, 10):
        answer(page, question, "Not at all")
        page.get_by_role("button", name="Check my answers" if question == 9 else "Next").click()
    page.get_by_role("button", name="Send my answers").first.click()  # at the top and the bottom
    page.get_by_text("Please hand the tablet back to the clinic staff.").wait_for()
    page.wait_for_timeout(1500)  # the cookie-delete component has run
    assert not [c for c in ctx.cookies() if c["name"] == "novamind_auth"]

    page.reload()
    page.get_by_text("open the link in the message from your clinic").wait_for()
    assert page.get_by_role("button", name="Sign out").count() == 0
    page.goto(url)  # the app's front door: the sign-in form, not the clinician's caseload
    page.get_by_role("textbox", name="Username").wait_for()
    wait_idle(page)
    assert page.get_by_role("button", name="Sign out").count() == 0
    assert "Pat Partialis" not in page.inner_text("body")
    ctx.close()
