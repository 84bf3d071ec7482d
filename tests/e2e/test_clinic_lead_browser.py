"""Real browser: a clinic lead signs in, lands on the clinic's outcomes, sees the figures (rates with intervals, the
funnel plots), opens a clinician's figures and exports the report as CSV. The screenshot goes to
docs/screenshots/outcomes.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.app import ui_outcomes
from tests.browser_support import SCREENSHOTS, seeded_app
from tests.e2e.test_clinician_workflow import sign_in
from tests.e2e.test_simulation_browser import wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def clinic_app(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Its own app over the story cohort plus the clinic's closed episodes (other browser tests keep their data)."""
    with seeded_app(tmp_path_factory, "clinic-lead") as app:
        ui_outcomes.seed_clinic(app["services"])
        yield app


def plot_titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
        .map(d => (d.layout && d.layout.title && d.layout.title.text) || '')""")


def test_clinic_lead_sees_the_outcomes_opens_a_clinician_and_exports_the_report(clinic_app, context, tmp_path):
    page = context.new_page()
    page.goto(clinic_app["url"])
    sign_in(page, ui_outcomes.LEAD, ui_outcomes.lead_password())
    page.get_by_role("heading", name="Clinic outcomes").wait_for(timeout=60_000)
    page.locator('[data-testid="stMetric"]').first.wait_for()
    wait_idle(page)
    assert "/outcomes" in page.url  # the lead's landing page
    metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
    assert any("Recovery" in m for m in metrics) and any("Data completeness" in m for m in metrics)
    assert page.get_by_text("95% CI").first.is_visible()
    assert any("outcomes by month" in t for t in plot_titles(page))
    page.screenshot(path=str(SCREENSHOTS / "outcomes.png"), full_page=False)

    page.get_by_role("tab", name="Fair comparison").click()
    page.get_by_text("What the adjustment assumes.").wait_for()
    wait_idle(page)
    titles = plot_titles(page)
    assert any("funnel plot" in t for t in titles) and any("adjusted for case mix" in t for t in titles)

    page.get_by_role("tab", name="By clinician").click()
    wait_idle(page)
    picker = page.get_by_role("combobox", name="Open a clinician's figures")
    picker.click()
    picker.fill("Charles")
    picker.press("Enter")
    wait_idle(page)
    page.get_by_text("Figures for this clinician").wait_for()  # the tab stays open after the rerun
    assert page.locator('[data-testid="stHeading"]', has_text="Dr Charles Babbage").count() == 1

    page.get_by_role("tab", name="Export").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    target = tmp_path / "outcomes.csv"
    download_info.value.save_as(target)
    text = target.read_text()
    assert "Dr Charles Babbage" in text and "Recovery" in text and "Closedcase" not in text
