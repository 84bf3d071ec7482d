"""A scripted browser visit of the chart's forms: nothing typed is lost or silently changed.

The clinician opens a chart from an old ``?mrn=`` link (the address bar then names it by an opaque token), types a
note with characters Markdown would change, reloads mid-note (the draft comes back), types a future date (refused by
name, nothing saved), double-clicks "Save note" (one note, shown exactly as typed), signs it (locked), types a
misspelt drug (refused with the catalogue's spelling), double-clicks "Book visit" (one visit, with its note), and
reloads the Twin state page (same patient). Runs on its own app (port 8951: this work's range).
"""

from __future__ import annotations

import pytest

from tests.e2e.test_clinician_workflow import sign_in, wait_idle

pytestmark = pytest.mark.browser

TYPED = "mother ~supportive~\n1) sleep better\n2) plan as before"


@pytest.fixture(scope="module")
def forms_app(chromium_path, tmp_path_factory):  # type: ignore[no-untyped-def]
    from tests.browser_support import seeded_app

    with seeded_app(tmp_path_factory, "forms", port=8951) as app:
        yield app


def key(page, name: str):  # type: ignore[no-untyped-def]
    """The element of the widget with session key ``name`` (Streamlit marks it with an ``st-key-`` class)."""
    return page.locator(f".st-key-{name}")


def open_tab(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name=name).first.click()
    wait_idle(page)


def set_date(page, name: str, day) -> None:  # type: ignore[no-untyped-def]
    """Type a date into the field's day/month/year segments, as a user does, and leave the field."""
    key(page, name).locator('[role="spinbutton"]').first.click()
    page.keyboard.type(day.strftime("%d%m%Y"))
    page.keyboard.press("Tab")
    wait_idle(page)


def draft_text(app, pid: int) -> str | None:  # type: ignore[no-untyped-def]
    from novamind_core.domain.forms import FormName

    services = app["services"]
    draft = services.drafts.load(services.users.get_by_username("demo.clinician"), pid, FormName.NOTE)
    return None if draft is None else str(next(iter(v for k, v in draft.payload.items() if k == "text"), ""))


def wait_for_draft(app, pid: int, seconds: float = 20.0) -> str | None:  # type: ignore[no-untyped-def]
    """The note draft once the server has stored it (bounded wait: a busy server runs the leaving page's last
    commit a moment later)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = draft_text(app, pid)
        if text:
            return text
        time.sleep(0.25)
    return draft_text(app, pid)


def test_a_clinician_loses_nothing_typed_and_nothing_is_silently_changed(forms_app, context):
    services, cohort = forms_app["services"], forms_app["cohort"]
    user = services.users.get_by_username("demo.clinician")
    pid = cohort.responder_id
    today = services.context.today()
    page = context.new_page()
    page.goto(forms_app["url"] + "/patient?mrn=NM-100001")
    sign_in(page)
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    wait_idle(page)
    assert "mrn=" not in page.url and "p=" in page.url  # an opaque token, never the MRN

    # a half-typed note survives a reload
    open_tab(page, "Notes")
    note_box = key(page, f"nm_note_draft_{pid}").locator("textarea")
    note_box.fill(TYPED)
    note_box.press("Tab")  # committed (as leaving the box does)
    wait_idle(page)
    assert wait_for_draft(forms_app, pid) == TYPED  # stored server-side before the reload (bounded wait)
    page.reload()
    page.get_by_role("tablist").first.wait_for()  # the reload reopens the Notes tab (?tab=notes), not the trajectory
    wait_idle(page)
    open_tab(page, "Notes")
    assert key(page, f"nm_note_draft_{pid}").locator("textarea").input_value() == TYPED

    # a future date is refused by name; nothing saved, the text kept
    before = len(services.notes.list(user, pid))
    set_date(page, f"nm_note_date_{pid}", today.replace(year=today.year + 1))
    key(page, f"nm_note_new_save_{pid}").locator("button").dblclick()
    wait_idle(page)
    page.get_by_text("is in the future").first.wait_for()
    assert len(services.notes.list(user, pid)) == before
    assert key(page, f"nm_note_draft_{pid}").locator("textarea").input_value() == TYPED

    # today's date: a double-click saves one note, shown exactly as typed
    set_date(page, f"nm_note_date_{pid}", today)
    key(page, f"nm_note_new_save_{pid}").locator("button").dblclick()
    wait_idle(page)
    page.get_by_text("Note saved for").first.wait_for()
    notes = services.notes.list(user, pid)
    assert len(notes) == before + 1 and notes[0].text == TYPED
    assert page.locator("del").count() == 0  # no Markdown strike-through of ~supportive~
    assert key(page, f"nm_note_draft_{pid}").locator("textarea").input_value() == ""

    # sign and lock
    page.wait_for_timeout(1000)
    wait_idle(page)
    key(page, f"nm_note_sign_{notes[0].id}").get_by_role("button", name="Sign and lock").click()
    page.get_by_text("Note signed and locked").first.wait_for()
    assert services.notes.list(user, pid)[0].signed

    # a misspelt drug is refused with the catalogue's spelling; nothing saved
    open_tab(page, "Medications")
    drug = key(page, f"nm_med_drug_{pid}").locator("input")
    drug.click()
    drug.fill("sertralin")
    drug.press("Enter")
    wait_idle(page)
    dose = key(page, f"nm_med_dose_{pid}").locator("input")
    dose.fill("50")
    dose.press("Tab")
    wait_idle(page)
    key(page, f"nm_med_start_btn_{pid}").locator("button").dblclick()
    wait_idle(page)
    page.get_by_text("did you mean sertraline").first.wait_for()
    assert all(m.drug != "sertralin" for m in services.medications.history(user, pid))

    # a double-clicked booking books one visit with its note
    open_tab(page, "Visits")
    note = key(page, f"nm_visit_note_{pid}").locator("input")
    note.fill("bloods before the visit")
    note.press("Tab")
    wait_idle(page)
    key(page, f"nm_visit_book_{pid}").locator("button").dblclick()
    wait_idle(page)
    page.get_by_text("Visit booked for").first.wait_for()
    assert len([v for v in services.visits.list(user, pid) if v.note == "bloods before the visit"]) == 1

    # the chart's link opens the Twin state page of the same patient in a new tab, and survives a reload there
    from urllib.parse import parse_qs, urlparse

    token = parse_qs(urlparse(page.url).query)["p"][0]
    tab = context.new_page()
    tab.goto(f"{forms_app['url']}/twin_state?p={token}")
    tab.get_by_text("Synthia Testcase").first.wait_for()
    wait_idle(tab)
    assert f"p={token}" in tab.url
    tab.reload()
    tab.get_by_text("Synthia Testcase").first.wait_for()
    wait_idle(tab)
    tab.wait_for_timeout(1500)
    wait_idle(tab)
    assert tab.get_by_text("Choose one from your caseload").count() == 0  # the page's "no patient" message
    assert tab.get_by_text("How is this patient responding to the current treatment?").count() == 1
