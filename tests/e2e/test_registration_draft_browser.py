"""A scripted browser visit of "Register a patient", once an ``st.form`` (nothing was kept before "Register
patient"): the clinician types the identity, leaves a field (the registration draft is stored, with no patient yet),
reloads (the form opens by itself with everything back), finishes it and double-clicks "Register patient" (one
patient, whose chart opens; the draft is gone). Runs on its own app (port 8660)."""

from __future__ import annotations

import time

import pytest

from tests.e2e.test_clinician_workflow import sign_in, wait_idle
from tests.e2e.test_forms_browser import key

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def register_app(chromium_path, tmp_path_factory):  # type: ignore[no-untyped-def]
    from tests.browser_support import seeded_app

    with seeded_app(tmp_path_factory, "register-drafts", port=8660) as app:
        yield app


def wait_for_draft(app, seconds: float = 20.0) -> dict | None:  # type: ignore[no-untyped-def]
    services = app["services"]
    user = services.users.get_by_username("demo.clinician")
    deadline = time.monotonic() + seconds
    while True:
        draft = services.drafts.load(user, None, "registration")
        if (draft is not None and draft.payload.get("date_of_birth")) or time.monotonic() > deadline:
            return None if draft is None else draft.payload
        time.sleep(0.25)


def test_a_half_typed_registration_survives_a_reload_and_a_double_click_registers_one_patient(register_app, context):
    services = register_app["services"]
    user = services.users.get_by_username("demo.clinician")
    page = context.new_page()
    page.goto(register_app["url"] + "/caseload")
    sign_in(page)
    page.get_by_text("Register a patient").first.wait_for()
    wait_idle(page)
    page.get_by_text("Register a patient").first.click()
    wait_idle(page)
    page.get_by_role("textbox", name="MRN *").fill("NM-555321")
    page.get_by_role("textbox", name="Given name *").fill("Rhoda")
    key(page, "nm_reg_dob").locator('[role="spinbutton"]').first.click()
    page.keyboard.type("02031990")
    page.get_by_role("textbox", name="Family name *").fill("Reload")  # on to the next field, as a user does
    page.get_by_role("textbox", name="Family name *").press("Tab")
    wait_idle(page)
    draft = wait_for_draft(register_app)
    assert draft is not None and draft["family_name"] == "Reload" and draft["date_of_birth"] == "1990-03-02"
    assert draft["given_name"] == "Rhoda" and draft["mrn"] == "NM-555321"

    page.reload()
    page.get_by_text("Restored your unsaved draft").first.wait_for()
    wait_idle(page)
    assert page.get_by_role("textbox", name="Given name *").input_value() == "Rhoda"
    wait_idle(page)
    key(page, "nm_reg_sex").get_by_role("combobox").click()  # focused (a scroll into view can close the list)
    page.keyboard.type("female")  # filters the list to the one choice
    page.get_by_role("option", name="female", exact=True).click()
    wait_idle(page)
    submit = key(page, "nm_reg_submit").locator("button")
    submit.scroll_into_view_if_needed()
    wait_idle(page)
    submit.dblclick()
    page.wait_for_url("**/patient?p=*", timeout=20_000)
    wait_idle(page)
    page.get_by_text("Registered Rhoda Reload (NM-555321)").first.wait_for()
    assert page.get_by_text("already exists").count() == 0
    assert services.patients.find_by_mrn(user, "NM-555321").given_name == "Rhoda"
    assert services.drafts.load(user, None, "registration") is None
