"""Text still being typed (the box never left, nothing clicked) survives a reload of the chart.

Streamlit sends a text box's value to the server only when the box is left or Ctrl+Enter is pressed, so a reload in
mid-sentence used to lose the sentence: the draft store never heard of it. The app now commits the focused box when
the page is being left (``components/shared/keep_typing.py``), so the draft is saved and restored. Own app on
port 8952 (the forms work's range).
"""

from __future__ import annotations

import pytest

from tests.e2e.test_clinician_workflow import sign_in, wait_idle
from tests.e2e.test_forms_browser import key, open_tab

pytestmark = pytest.mark.browser

HALF_TYPED = "Seen with her sister. Sleeping 6 h; appetite returning; no thoughts of self-harm since the last vis"


@pytest.fixture(scope="module")
def typing_app(chromium_path, tmp_path_factory):  # type: ignore[no-untyped-def]
    from tests.browser_support import seeded_app

    with seeded_app(tmp_path_factory, "typing", port=8952) as app:
        yield app


def test_a_note_being_typed_when_the_page_is_reloaded_comes_back_after_the_reload(typing_app, context):
    pid = typing_app["cohort"].responder_id
    page = context.new_page()
    page.goto(typing_app["url"] + "/patient?mrn=NM-100001")
    sign_in(page)
    page.get_by_role("tablist").first.wait_for()
    wait_idle(page)
    open_tab(page, "Notes")
    box = key(page, f"nm_note_draft_{pid}").locator("textarea")
    box.click()
    page.keyboard.type(HALF_TYPED, delay=0)  # typed; the box is never left, nothing else is clicked
    page.reload()  # mid-sentence
    page.get_by_role("tablist").first.wait_for()
    wait_idle(page)
    open_tab(page, "Notes")
    assert key(page, f"nm_note_draft_{pid}").locator("textarea").input_value() == HALF_TYPED
