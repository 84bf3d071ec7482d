"""A scripted browser visit of a note's edit box, once an ``st.form`` (nothing was kept before "Save edit"): the
clinician types an edit and leaves the box (the draft is stored), reloads (the edit comes back with "Restored your
unsaved draft"), and double-clicks "Save edit" (one new revision; the draft is gone). Runs on its own app (port
8650: this work's range)."""

from __future__ import annotations

import time

import pytest

from tests.e2e.test_clinician_workflow import sign_in, wait_idle
from tests.e2e.test_forms_browser import key, open_tab

pytestmark = pytest.mark.browser

EDITED = "Low mood persists.\n1) sleep ~poor~\n2) review in 2 weeks"


@pytest.fixture(scope="module")
def drafts_app(chromium_path, tmp_path_factory):  # type: ignore[no-untyped-def]
    from tests.browser_support import seeded_app

    with seeded_app(tmp_path_factory, "note-drafts", port=8650) as app:
        yield app


def wait_for_edit(app, pid: int, note_id: int, seconds: float = 20.0) -> dict | None:  # type: ignore[no-untyped-def]
    """The stored edit draft of the note (bounded wait: the server stores it a moment after the box is left)."""
    services = app["services"]
    user = services.users.get_by_username("demo.clinician")
    deadline = time.monotonic() + seconds
    while True:
        draft = services.drafts.load(user, pid, "note_edit")
        entry = None if draft is None else draft.payload.get(str(note_id))
        if entry or time.monotonic() > deadline:
            return entry
        time.sleep(0.25)


def test_a_half_typed_note_edit_survives_a_reload_and_a_double_click_saves_it_once(drafts_app, context):
    services, cohort = drafts_app["services"], drafts_app["cohort"]
    user = services.users.get_by_username("demo.clinician")
    pid = cohort.item9_id
    note = services.notes.add(user, pid, "Low mood persists.")
    page = context.new_page()
    page.goto(drafts_app["url"] + "/patient?mrn=NM-100002")
    sign_in(page)
    page.get_by_role("tablist").first.wait_for()
    wait_idle(page)
    open_tab(page, "Notes")
    box = key(page, f"nm_note_text_{note.id}").locator("textarea")
    box.fill(EDITED)
    box.press("Tab")  # committed, as leaving the box does
    wait_idle(page)
    assert wait_for_edit(drafts_app, pid, note.id) == {"text": EDITED, "revision": 1}

    page.reload()
    page.get_by_role("tablist").first.wait_for()
    wait_idle(page)
    open_tab(page, "Notes")
    assert key(page, f"nm_note_text_{note.id}").locator("textarea").input_value() == EDITED
    page.get_by_text("Restored your unsaved draft").first.wait_for()

    key(page, f"nm_note_save_{note.id}").locator("button").dblclick()
    wait_idle(page)
    page.get_by_text("Note updated").first.wait_for()
    page.wait_for_timeout(1000)
    wait_idle(page)
    stored = next(n for n in services.notes.list(user, pid) if n.id == note.id)
    assert [r.text for r in stored.revisions] == ["Low mood persists.", EDITED]
    assert services.drafts.load(user, pid, "note_edit") is None
    assert page.get_by_text("did not change").count() == 0


def test_an_older_notes_restored_edit_stays_open_while_the_clinician_goes_on_typing(drafts_app, context):
    """The newest note's box is always open; an older note's opens when its edit draft is put back, and must stay
    open through the next commit (an expander whose expanded= changed between runs folded, hiding the box)."""
    from datetime import timedelta

    services, cohort = drafts_app["services"], drafts_app["cohort"]
    user = services.users.get_by_username("demo.clinician")
    pid = cohort.switched_id
    today = services.context.today()
    older = services.notes.add(user, pid, "Older note.", today - timedelta(days=3))
    services.notes.add(user, pid, "Newest note.")
    page = context.new_page()
    page.goto(drafts_app["url"] + "/patient?mrn=NM-100003")
    sign_in(page)
    page.get_by_role("tablist").first.wait_for()
    wait_idle(page)
    open_tab(page, "Notes")
    heading = f"{(today - timedelta(days=3)).day} {today - timedelta(days=3):%b %Y} · "
    page.get_by_text(heading).first.click()  # open the older note
    wait_idle(page)
    box = key(page, f"nm_note_text_{older.id}").locator("textarea")
    box.fill("Older note, first change.")
    box.press("Tab")
    wait_idle(page)
    assert wait_for_edit(drafts_app, pid, older.id) == {"text": "Older note, first change.", "revision": 1}

    page.reload()
    page.get_by_role("tablist").first.wait_for()
    wait_idle(page)
    open_tab(page, "Notes")
    box = key(page, f"nm_note_text_{older.id}").locator("textarea")
    assert box.input_value() == "Older note, first change."
    box.fill("Older note, second change.")
    box.press("Tab")  # a commit: the page runs again
    wait_idle(page)
    page.wait_for_timeout(1000)
    wait_idle(page)
    assert box.is_visible(), "the restored note's box stays open while it is being worked on"
    assert wait_for_edit(drafts_app, pid, older.id) == {"text": "Older note, second change.", "revision": 1}
