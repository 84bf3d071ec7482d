"""Real browser: a clinician uploads a daily-summaries CSV on the Data import page, sees the preview, confirms, and the
patient's biometrics panel shows the data; a malformed file shows each problem and stores nothing."""

from __future__ import annotations

import pytest

from tests.e2e.test_simulation_browser import sign_in_and_open, wait_idle

pytestmark = pytest.mark.browser

GOOD = "date,steps,sleep_minutes,resting_hr,hrv_rmssd\n" + "\n".join(
    f"2026-10-{d:02d},{6000 + 100 * d},{400 + d},{60 + d % 3},{40 + d % 5}" for d in range(1, 15)) + "\n"
BAD = "date,steps,sleep_minutes,resting_hr,hrv_rmssd\n2026-10-01,lots,420,61,40\n2026-13-02,5000,410,60,41\n"


def open_import(page, live_app, tmp_path, name: str, content: str):  # type: ignore[no-untyped-def]
    page.get_by_role("link", name="Data import").first.click()
    wait_idle(page)
    page.get_by_text("Data import").first.wait_for()
    page.get_by_role("combobox", name="File type").click()
    page.get_by_role("option", name="Daily summaries CSV", exact=False).click()
    wait_idle(page)
    path = tmp_path / name
    path.write_text(content)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    wait_idle(page)


def test_a_clinician_previews_and_imports_daily_wearable_summaries(live_app, context, tmp_path):
    services, cohort = live_app["services"], live_app["cohort"]
    user = services.users.get_by_username("demo.clinician")
    before = services.wearables.daily_summaries(user, cohort.responder_id)
    page = context.new_page()
    sign_in_and_open(page, live_app["url"], "Synthia Testcase (NM-100001)")
    open_import(page, live_app, tmp_path, "daily.csv", GOOD)
    page.get_by_text("Preview").first.wait_for()
    page.get_by_role("button", name="Import", exact=False).first.click()
    page.get_by_text("Imported", exact=False).first.wait_for(timeout=60_000)
    wait_idle(page)
    after = services.wearables.daily_summaries(user, cohort.responder_id)
    assert len(after) == len(before) + 14


def test_a_malformed_file_lists_each_problem_and_stores_nothing(live_app, context, tmp_path):
    services, cohort = live_app["services"], live_app["cohort"]
    user = services.users.get_by_username("demo.clinician")
    before = services.wearables.daily_summaries(user, cohort.switched_id)
    page = context.new_page()
    sign_in_and_open(page, live_app["url"], "Pat Partialis (NM-100003)")
    open_import(page, live_app, tmp_path, "bad.csv", BAD)
    page.get_by_text("lots").first.wait_for(state="attached", timeout=30_000)  # the offending value is named
    assert page.get_by_role("button", name="Import", exact=False).count() == 0
    assert services.wearables.daily_summaries(user, cohort.switched_id) == before
