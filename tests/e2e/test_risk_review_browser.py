"""Real-browser test of the structured risk review: the clinician opens the item-9 patient, finds no one-click way to
close the alert, is told what is missing when submitting an incomplete review, completes it, and prints the safety
plan for the patient. The app runs on port 9001 (this work's range)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from novamind_core.domain.instrument_screeners import CSSRS_ITEMS
from novamind_core.domain.risk import SAFETY_PLAN_STEPS
from tests.browser_support import seeded_app

pytestmark = pytest.mark.browser

PORT = 9001
CLINICIAN, PASSWORD = "demo.clinician", "demo-clinician-2024"


@pytest.fixture(scope="module")
def risk_app(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with seeded_app(tmp_path_factory, "risk-e2e", port=PORT) as app:
        yield app


def wait_idle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=30_000)


def sign_in(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("textbox", name="Username").wait_for()
    wait_idle(page)
    page.wait_for_timeout(800)
    wait_idle(page)
    page.get_by_role("textbox", name="Username").fill(CLINICIAN)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def open_alerts_tab(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("combobox", name="Open a patient").click()
    page.get_by_role("option", name="Demo Riskwell (NM-100002)").click()
    page.get_by_role("button", name="Open chart").click()
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    wait_idle(page)
    page.get_by_role("tab", name="Alerts").click()
    wait_idle(page)


def open_item9(app: dict) -> list:  # type: ignore[type-arg]
    services = app["services"]
    user = services.users.get_by_username(CLINICIAN)
    return [a for a in services.alerts.list_for_patient(user, app["cohort"].item9_id)
            if a.kind.value == "item9" and a.open]


def test_an_item9_alert_closes_only_through_the_review_and_the_safety_plan_prints(risk_app, context, tmp_path):
    before = open_item9(risk_app)
    assert before, "the story cohort has an open item-9 alert"
    page = context.new_page()
    page.goto(risk_app["url"])
    sign_in(page)
    page.get_by_text("Caseload", exact=True).first.wait_for()
    wait_idle(page)
    open_alerts_tab(page)

    # no one-click acknowledgement for the self-harm item: only the review
    assert page.get_by_role("button", name="Start risk review").count() >= 1
    page.get_by_role("button", name="Start risk review").first.click()
    wait_idle(page)
    form = page.locator(".st-key-nm_rr_form")  # the review's fields (kept as a draft; no st.form)
    form.wait_for()
    page.set_viewport_size({"width": 1440, "height": 1500})
    page.get_by_text("What raised it:").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    page.screenshot(path=str(_shot("risk-review.png")))
    form.get_by_label("Risk formulation *").fill("Passive wish to be dead since the redundancy; no plan, no intent.")
    form.get_by_label("Risk formulation *").blur()  # committed: kept as the user's draft
    wait_idle(page)
    page.goto(risk_app["url"])  # a new tab or a reload is a new browser session
    wait_idle(page)
    if page.get_by_role("textbox", name="Username").count():
        sign_in(page)
    page.get_by_text("Caseload", exact=True).first.wait_for()
    wait_idle(page)
    open_alerts_tab(page)  # the review reopens by itself with what was typed
    form.wait_for()
    assert form.get_by_label("Risk formulation *").input_value().startswith("Passive wish"), "the draft came back"
    form.get_by_role("button", name="Complete review and close alert").click()
    wait_idle(page)
    page.get_by_text("Answer screener question 1 yes or no").first.wait_for()
    page.get_by_text("Say what action was taken").first.wait_for()
    assert len(open_item9(risk_app)) == len(before), "an incomplete review closes nothing"
    assert form.get_by_label("Risk formulation *").input_value().startswith("Passive wish"), "nothing typed is lost"

    radios = form.locator('[data-testid="stRadio"]')
    for number in range(len(CSSRS_ITEMS)):
        radios.nth(number).get_by_text("Yes" if number == 0 else "No", exact=True).click()
        wait_idle(page)  # each answer is kept as it is clicked (a rerun)
    radios.nth(len(CSSRS_ITEMS)).get_by_text("Low risk", exact=True).click()
    wait_idle(page)
    for step in SAFETY_PLAN_STEPS:
        box = form.get_by_role("textbox", name=f"{step.heading} *", exact=True)
        box.fill(f"First entry for step {step.heading[0]}\nSecond entry")
    form.get_by_label("Action taken *").fill("Safety plan agreed; sister informed with consent.")
    form.get_by_role("button", name="Complete review and close alert").click()
    wait_idle(page)
    page.get_by_text("Risk review saved").first.wait_for()
    assert len(open_item9(risk_app)) == len(before) - 1

    page.get_by_role("tab", name="Alerts").click()
    wait_idle(page)
    page.get_by_role("button", name="Print the safety plan").click()
    wait_idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Safety plan (print view, HTML)").click()
    saved = Path(tmp_path) / "plan.html"
    download.value.save_as(saved)
    document = saved.read_text(encoding="utf-8")
    assert "My safety plan" in document and "Demo Riskwell" in document
    assert "First entry for step 6" in document and "emergency" in document


def _shot(name: str) -> Path:
    folder = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
