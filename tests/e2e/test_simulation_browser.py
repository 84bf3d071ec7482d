"""Real browser: a clinician opens a patient, builds two treatment plans, runs the comparison and sees the fan chart
and outcomes; the screenshot goes to docs/screenshots/simulation_compare.png (README)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CLINICIAN, PASSWORD = "demo.clinician", "demo-clinician-2024"


def wait_idle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished its run and dropped the previous run's stale elements."""
    page.wait_for_timeout(400)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=60_000)
    page.locator('[data-stale="true"]').first.wait_for(state="detached", timeout=30_000)
    page.wait_for_timeout(200)


def sign_in_and_open(page, url: str, label: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.get_by_role("textbox", name="Username").wait_for()
    wait_idle(page)
    page.wait_for_timeout(800)
    wait_idle(page)
    page.get_by_role("textbox", name="Username").fill(CLINICIAN)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("combobox", name="Open a patient").click()
    page.get_by_role("option", name=label).click()
    wait_idle(page)
    page.get_by_role("button", name="Open chart").click()  # selects the patient (what the twin pages use)
    wait_idle(page)
    page.wait_for_timeout(1000)
    wait_idle(page)


def add_plan(page, name: str, drug: str | None = None, then_mg: str | None = None) -> None:  # type: ignore[no-untyped-def]
    try:
        _add_plan(page, name, drug, then_mg)
    except Exception:
        page.screenshot(path="/tmp/tw/e2e_debug.png", full_page=True)
        raise


def _add_plan(page, name: str, drug: str | None = None, then_mg: str | None = None) -> None:  # type: ignore[no-untyped-def]
    if drug:
        page.get_by_role("combobox", name="Drug").click()
        page.get_by_role("option", name=drug, exact=True).click()
        wait_idle(page)
    page.get_by_label("Scenario name").fill(name)
    page.get_by_label("Scenario name").press("Enter")
    wait_idle(page)
    if then_mg is not None:
        box = page.get_by_label("Step 2 dose (mg/day)", exact=True)
        box.fill(then_mg)
        box.press("Enter")
        wait_idle(page)
    page.get_by_role("button", name="Add to comparison").first.click()
    wait_idle(page)


def test_a_clinician_compares_two_plans_in_the_browser(live_app, context):  # type: ignore[no-untyped-def]
    page = context.new_page()
    sign_in_and_open(page, live_app["url"], "Synthia Testcase (NM-100001)")
    page.get_by_role("link", name="Treatment simulation").click()
    page.get_by_text("Build a plan").wait_for()
    wait_idle(page)
    from playwright.sync_api import expect

    expect(page.get_by_label("Start dose (mg/day)")).to_have_value("100.00")  # continuing: the current dose
    add_plan(page, "Stay on sertraline 100 mg")
    add_plan(page, "Switch to escitalopram", drug="escitalopram", then_mg="20")
    page.get_by_text("Plans to compare (2/4)").wait_for()
    page.get_by_role("button", name="Run simulation").first.click()
    page.get_by_text("Done: 2 plan(s) simulated.").wait_for(timeout=60_000)
    wait_idle(page)
    fan = page.locator(".js-plotly-plot").filter(has_text="Predicted PHQ-9")
    fan.locator(".main-svg").first.wait_for()
    names = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
        .flatMap(d => (d.data || []).map(t => t.name))""")
    assert "Stay on sertraline 100 mg (median, 50% and 90% bands)" in names
    assert "Switch to escitalopram (median, 50% and 90% bands)" in names
    assert page.get_by_text("Traceback").count() == 0
    page.set_viewport_size({"width": 1440, "height": 1350})
    page.get_by_role("heading", name="Results").evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)
    shots = live_app.get("screenshots") or __import__("pathlib").Path(__file__).resolve().parents[2] / "docs" \
        / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "simulation_compare.png"))
