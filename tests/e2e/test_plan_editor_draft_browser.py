"""A scripted browser visit of the measurement-plan editor, once an ``st.form`` (nothing was kept before "Save plan"):
the clinician changes a setting and leaves the field (the draft is stored with the plan version), reloads (the
editor opens by itself with the setting back and "Restored your unsaved draft", and stays open through a further
change), and double-clicks "Save plan" (one
new plan version; the draft is gone). Runs on its own app (port 8654)."""

from __future__ import annotations

import time

import pytest

from tests.e2e.test_clinician_workflow import sign_in, wait_idle
from tests.e2e.test_forms_browser import key, open_tab

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def plan_app(chromium_path, tmp_path_factory):  # type: ignore[no-untyped-def]
    from tests.browser_support import seeded_app

    with seeded_app(tmp_path_factory, "plan-drafts", port=8654) as app:
        yield app


def wait_for_draft(app, pid: int, seconds: float = 20.0) -> dict | None:  # type: ignore[no-untyped-def]
    """The stored plan draft (bounded wait: the server stores it a moment after the field is left)."""
    services = app["services"]
    user = services.users.get_by_username("demo.clinician")
    deadline = time.monotonic() + seconds
    while True:
        draft = services.drafts.load(user, pid, "measurement_plan")
        if draft is not None or time.monotonic() > deadline:
            return None if draft is None else draft.payload
        time.sleep(0.25)


def test_a_changed_plan_setting_survives_a_reload_and_a_double_click_saves_one_version(plan_app, context):
    services, cohort = plan_app["services"], plan_app["cohort"]
    user = services.users.get_by_username("demo.clinician")
    pid = cohort.item9_id
    panel = services.reporting.plan_view(user, pid)
    opened = panel.plan or services.reporting.set_plan(user, pid, panel.suggested, expected_version=0)
    page = context.new_page()
    page.goto(plan_app["url"] + "/patient?mrn=NM-100002")
    sign_in(page)
    page.get_by_role("tablist").first.wait_for()
    wait_idle(page)
    open_tab(page, "Questionnaires")
    page.get_by_text("Edit the plan").first.click()
    wait_idle(page)
    box = key(page, f"nm_mp_{pid}_reminder").locator("input")
    box.fill("36")
    box.press("Tab")  # committed, as leaving the field does
    wait_idle(page)
    draft = wait_for_draft(plan_app, pid)
    assert draft is not None and draft["reminder_after_hours"] == 36 and draft["version"] == opened.version

    page.reload()
    page.get_by_role("tablist").first.wait_for()
    wait_idle(page)
    open_tab(page, "Questionnaires")
    page.get_by_text("Restored your unsaved draft").first.wait_for()
    assert key(page, f"nm_mp_{pid}_reminder").locator("input").input_value() == "36"
    lifetime = key(page, f"nm_mp_{pid}_lifetime").locator("input")  # a further change: the editor stays open
    lifetime.fill("100")
    lifetime.press("Tab")
    wait_idle(page)

    key(page, f"nm_mp_save_{pid}").locator("button").dblclick()
    wait_idle(page)
    page.get_by_text("Plan saved").first.wait_for()
    page.wait_for_timeout(1000)
    wait_idle(page)
    saved = services.reporting.plan_view(user, pid).plan
    assert saved.reminder_after_hours == 36 and saved.link_lifetime_hours == 100
    assert saved.version == opened.version + 1, "one version, not two"
    assert services.drafts.load(user, pid, "measurement_plan") is None
    assert page.get_by_text("someone else changed this plan").count() == 0
