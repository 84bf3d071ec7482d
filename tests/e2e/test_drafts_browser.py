"""Nothing typed is lost, in a real browser (docs/ux.md §5): drafts come back in a new browser session whichever tab
the chart opens on, and text still being typed reaches the draft store without leaving the box.

* A clinician commits a note, a visit's note, a medication's reason and a questionnaire answer, leaves the chart, and
  comes back in a new browser session (sign in again, open the same patient): the chart opens on Overview, and each
  form shows its draft, and "Restored your unsaved draft", when its tab is opened. (Before the fix the boxes were
  filled in these runs but the notice was said in a run where the tab was closed, so it was never seen; the fields
  now also take ``persist_state`` so Streamlit resends a restored value until the browser has drawn the field.)
* A clinician types into the note and pauses without leaving the box: the text is committed (the draft is stored)
  while focus and caret stay where they were; a reload and a new session bring it back. Typing and reloading the page
  at once (no pause) commits too.

Runs on its own app (port 8630: this work's range).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.test_clinician_workflow import sign_in, wait_idle
from tests.e2e.test_forms_browser import key, open_tab

pytestmark = pytest.mark.browser

NOTE = "mother ~supportive~\n1) sleep better\n2) plan as before"
VISIT_NOTE = "bloods before the visit"
REASON = "first episode, moderate"
TYPED = "Seen with her sister. Sleeping 6 h; appetite returning"
RESTORED = "Restored your unsaved draft"


@pytest.fixture(scope="module")
def drafts_app(chromium_path, tmp_path_factory):  # type: ignore[no-untyped-def]
    from tests.browser_support import seeded_app

    with seeded_app(tmp_path_factory, "drafts", port=8630) as app:
        yield app


def new_session(browser):  # type: ignore[no-untyped-def]
    """A new browser session: a fresh context (no cookie, nothing in the browser)."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    ctx.set_default_timeout(30_000)
    return ctx


def stored(app, pid: int, form: str, field: str, seconds: float = 20.0) -> object:  # type: ignore[no-untyped-def]
    """The field of the user's stored draft of ``form`` once there is one (bounded wait: a busy server stores it a
    moment after the browser committed it)."""
    from novamind_core.domain.forms import FormName

    services = app["services"]
    user = services.users.get_by_username("demo.clinician")
    deadline = time.monotonic() + seconds
    while True:
        draft = services.drafts.load(user, pid, FormName(form))
        value = None if draft is None else draft.payload.get(field)
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


def stored_equal(app, pid: int, form: str, field: str, want: object, seconds: float = 20.0) -> object:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        value = stored(app, pid, form, field, seconds=0)
        if value == want or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


def open_chart(page, address: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(address)
    sign_in(page)
    page.get_by_role("tablist").first.wait_for()
    wait_idle(page)


def chart_link(app, page) -> str:  # type: ignore[no-untyped-def]
    """The chart's own address without the open tab: a new session opens it on Overview."""
    return f"{app['url']}/patient?p={parse_qs(urlparse(page.url).query)['p'][0]}"


def fill_and_leave(page, name: str, text: str, tag: str = "input") -> None:  # type: ignore[no-untyped-def]
    box = key(page, name).locator(tag)
    box.fill(text)
    box.press("Tab")  # committed, as leaving the box does
    wait_idle(page)


def answer_two(page):  # type: ignore[no-untyped-def]
    """PHQ-9 item 1's answer "2 · More than half the days"."""
    return key(page, "nm_q_PHQ9_1").locator("label").filter(has_text="2 ·")


def box_value(page, name: str, tag: str = "input") -> str:  # type: ignore[no-untyped-def]
    return key(page, name).locator(tag).input_value()


def test_every_committed_draft_comes_back_in_a_new_browser_session_when_its_tab_is_opened(drafts_app, browser):
    pid = drafts_app["cohort"].responder_id
    first = new_session(browser)
    page = first.new_page()
    open_chart(page, drafts_app["url"] + "/patient?mrn=NM-100001")
    open_tab(page, "Notes")
    fill_and_leave(page, f"nm_note_draft_{pid}", NOTE, "textarea")
    assert stored(drafts_app, pid, "note", "text") == NOTE
    open_tab(page, "Visits")
    fill_and_leave(page, f"nm_visit_note_{pid}", VISIT_NOTE)
    assert stored(drafts_app, pid, "visit", "note") == VISIT_NOTE
    open_tab(page, "Medications")
    fill_and_leave(page, f"nm_med_reason_{pid}", REASON)
    assert stored(drafts_app, pid, "medication_start", "reason") == REASON
    open_tab(page, "Assessments")
    answer_two(page).click()  # item 1 answered 2
    wait_idle(page)
    assert (stored(drafts_app, pid, "assessment", "answers") or [None])[0] == 2
    link = chart_link(drafts_app, page)
    page.goto(drafts_app["url"] + "/caseload")  # the clinician leaves the chart
    wait_idle(page)
    first.close()

    second = new_session(browser)  # comes back another day: a new browser session, signed in again
    page = second.new_page()
    open_chart(page, link)
    assert "tab=overview" in page.url  # the chart opened on Overview: every form's tab is opened later
    open_tab(page, "Notes")
    assert box_value(page, f"nm_note_draft_{pid}", "textarea") == NOTE
    assert page.get_by_text(RESTORED).count() >= 1  # said where the form is, though its tab was opened later
    open_tab(page, "Visits")
    assert box_value(page, f"nm_visit_note_{pid}") == VISIT_NOTE
    open_tab(page, "Medications")
    assert box_value(page, f"nm_med_reason_{pid}") == REASON
    open_tab(page, "Assessments")
    assert answer_two(page).locator("input").is_checked()

    # within the same session: to the caseload and back, the fields are still there (Streamlit drops the state of
    # widgets a page does not draw)
    page.goto(drafts_app["url"] + "/caseload")
    wait_idle(page)
    page.goto(link)
    page.get_by_role("tablist").first.wait_for()
    wait_idle(page)
    open_tab(page, "Notes")
    assert box_value(page, f"nm_note_draft_{pid}", "textarea") == NOTE
    open_tab(page, "Visits")
    assert box_value(page, f"nm_visit_note_{pid}") == VISIT_NOTE
    second.close()


def caret(page) -> dict:  # type: ignore[no-untyped-def]
    return page.evaluate("""() => {
        const el = document.activeElement;
        return {tag: el ? el.tagName : null, key: el && el.closest('[class*="st-key-"]') ?
                    Array.from(el.closest('[class*="st-key-"]').classList).find(c => c.startsWith('st-key-')) : null,
                start: el ? el.selectionStart : null, end: el ? el.selectionEnd : null};
    }""")


def test_text_being_typed_is_kept_after_a_pause_without_moving_focus_or_caret_and_comes_back_after_a_reload(
        drafts_app, browser):
    pid = drafts_app["cohort"].switched_id
    ctx = new_session(browser)
    page = ctx.new_page()
    open_chart(page, drafts_app["url"] + "/patient?mrn=NM-100003")
    open_tab(page, "Notes")
    name = f"nm_note_draft_{pid}"
    key(page, name).locator("textarea").click()
    page.keyboard.type(TYPED)  # never leaves the box, nothing else clicked
    for _ in range(3):
        page.keyboard.press("ArrowLeft")  # the caret inside the text, not at its end
    where = len(TYPED) - 3
    assert caret(page) == {"tag": "TEXTAREA", "key": f"st-key-{name}", "start": where, "end": where}
    page.wait_for_timeout(2500)  # a pause in typing: the box is committed
    assert stored_equal(drafts_app, pid, "note", "text", TYPED) == TYPED
    wait_idle(page)
    assert caret(page) == {"tag": "TEXTAREA", "key": f"st-key-{name}", "start": where, "end": where}
    page.keyboard.type(" XY")  # typing goes on at the caret
    expected = TYPED[:where] + " XY" + TYPED[where:]
    assert box_value(page, name, "textarea") == expected
    page.wait_for_timeout(2500)
    assert stored_equal(drafts_app, pid, "note", "text", expected) == expected
    wait_idle(page)
    assert caret(page)["start"] == where + 3  # still focused, the caret after what was typed

    page.reload()
    page.get_by_role("tablist").first.wait_for()
    wait_idle(page)
    open_tab(page, "Notes")
    assert box_value(page, name, "textarea") == expected
    assert page.get_by_text(RESTORED).count() >= 1
    link = chart_link(drafts_app, page)

    # typed and reloaded at once, without a pause: the box is committed as the page goes
    box = key(page, name).locator("textarea")
    box.click()
    box.press("End")
    page.keyboard.type(" ZZ")
    page.reload()
    page.get_by_role("tablist").first.wait_for()
    wait_idle(page)
    open_tab(page, "Notes")
    expected += " ZZ"
    key(page, name).locator("textarea").wait_for()
    assert box_value(page, name, "textarea") == expected
    assert stored(drafts_app, pid, "note", "text") == expected
    ctx.close()

    other = new_session(browser)  # a new browser session restores it too
    page = other.new_page()
    open_chart(page, link)
    open_tab(page, "Notes")
    assert box_value(page, name, "textarea") == expected
    assert page.get_by_text(RESTORED).count() >= 1
    other.close()
