"""The chart's first screen in a real browser at 1280x800: the tabs sit under the compact banner and the first tab's
first element (the outcome cards) is inside the first screen, with no scroll; the open tab is in the address bar and
a reload comes back to it. Writes docs/screenshots/patient-chart.png (the chart's first screen at 1280x800)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.browser_support import SCREENSHOTS, seeded_app
from tests.e2e.test_clinician_workflow import sign_in, wait_idle

pytestmark = pytest.mark.browser

SCREEN = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def chart_app(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The seeded app; ``NOVAMIND_E2E_PORT`` pins its port (a helper's own port range), else a free one."""
    port = int(os.environ["NOVAMIND_E2E_PORT"]) if os.environ.get("NOVAMIND_E2E_PORT") else None
    with seeded_app(tmp_path_factory, "chart-layout", port=port) as app:
        yield app


def test_the_first_tab_of_the_chart_is_in_the_first_screen_and_a_reload_keeps_the_open_tab(chart_app, browser):
    context = browser.new_context(viewport=SCREEN)
    try:
        page = context.new_page()
        page.goto(chart_app["url"])
        sign_in(page)
        page.get_by_text("Caseload", exact=True).first.wait_for()
        wait_idle(page)
        page.goto(chart_app["url"] + "/patient?mrn=NM-100001")
        page.locator(".js-plotly-plot .main-svg").first.wait_for()
        wait_idle(page)
        tabs = page.get_by_role("tablist").first
        first = page.locator('[role="tabpanel"] [data-testid="stMetric"]').first
        tabs_box, first_box = tabs.bounding_box(timeout=30_000), first.bounding_box(timeout=30_000)
        assert tabs_box is not None and first_box is not None
        assert page.evaluate("() => window.scrollY") == 0
        assert tabs_box["y"] < SCREEN["height"] / 2, f"the tabs begin {tabs_box['y']:.0f} px down"
        assert first_box["y"] + 20 < SCREEN["height"], f"the first tab's first element is {first_box['y']:.0f} px down"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "patient-chart.png"))

        page.get_by_role("tab", name="Medications").click()
        wait_idle(page)
        page.wait_for_function("() => location.search.includes('tab=medications')")
        page.reload()
        page.get_by_role("tab", name="Medications").wait_for()
        wait_idle(page)
        assert page.get_by_role("tab", name="Medications").get_attribute("aria-selected") == "true"
        assert page.get_by_text("Change or stop a medication").first.is_visible()
    finally:
        context.close()


def test_saving_a_phq9_that_raises_an_alert_keeps_the_assessments_tab_open_with_its_confirmation(chart_app, browser):
    """The Alerts tab's label counts open alerts ("Alerts (1 open)" -> "(2 open)"): the save's rerun must not jump
    to the Overview tab and hide the "Saved PHQ-9" confirmation."""
    import re

    context = browser.new_context(viewport={"width": 1440, "height": 2000})
    try:
        page = context.new_page()
        page.goto(chart_app["url"])
        sign_in(page)
        page.get_by_text("Caseload", exact=True).first.wait_for()
        wait_idle(page)
        page.goto(chart_app["url"] + "/patient?mrn=NM-100004")
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
        wait_idle(page)
        page.get_by_role("tab", name="Assessments").click()
        wait_idle(page)
        before = page.get_by_role("tab", name=re.compile(r"^Alerts")).inner_text()
        radios = page.locator('[data-testid="stRadio"]')
        for item, answer in enumerate([1, 1, 1, 1, 1, 0, 0, 0, 2]):
            radios.nth(item).get_by_text(re.compile(rf"^{answer} · ")).click()
            wait_idle(page)
        page.get_by_role("button", name="Review and save").click()
        page.get_by_role("button", name="Confirm and save").click()
        page.wait_for_function(
            "b => [...document.querySelectorAll('[role=tab]')].some(t => t.innerText.startsWith('Alerts') && "
            "t.innerText !== b)", arg=before, timeout=30_000)
        wait_idle(page)
        assert page.get_by_role("tab", name="Assessments").get_attribute("aria-selected") == "true"
        panel = page.locator('[role="tabpanel"]:visible')
        panel.locator('[data-testid="stAlert"]', has_text="Saved PHQ-9").first.wait_for(timeout=10_000)
    finally:
        context.close()
