"""Caseload page (AppTest): the right patients for the role, open alerts first, search, empty state, register form."""

from __future__ import annotations


def caseload_names(at) -> list[str]:  # type: ignore[no-untyped-def]
    return list(at.dataframe[0].value["Name"])


def test_caseload_shows_only_the_clinicians_own_patients_with_open_alerts_first(seeded, app_as):
    at = app_as("caseload", "demo.clinician")
    at.run()
    assert not at.exception
    names = caseload_names(at)
    assert names[0] == "Demo Riskwell"  # item-9 alert
    assert {"Synthia Testcase", "Pat Partialis", "Newton Firstvisit"} <= set(names)
    assert "Hidden Otherteam" not in names  # on another clinician's care team
    assert at.dataframe[0].value["Alerts"].iloc[0].startswith("⚠ risk")


def test_caseload_search_by_mrn_finds_exactly_that_patient(seeded, app_as):
    at = app_as("caseload", "demo.clinician")
    at.run()
    at.text_input(key="nm_cl_search").input("nm-100003").run()
    assert caseload_names(at) == ["Pat Partialis"]


def test_searching_for_another_teams_patient_finds_nothing(seeded, app_as, page_text):
    at = app_as("caseload", "demo.clinician")
    at.run()
    at.text_input(key="nm_cl_search").input("NM-900001").run()
    assert not at.dataframe
    assert "No patients match these filters" in page_text(at)


def test_alert_filter_keeps_only_patients_with_open_alerts(seeded, app_as):
    at = app_as("caseload", "demo.clinician")
    at.run()
    at.toggle(key="nm_cl_alerts").set_value(True).run()
    assert caseload_names(at) == ["Demo Riskwell"]


def test_empty_caseload_explains_how_to_add_a_patient(seeded, app_as, page_text):
    at = app_as("caseload", "demo.clinician3")
    at.run()
    assert not at.exception
    assert "Your caseload is empty. Register a patient below" in page_text(at)


def test_register_form_names_every_missing_required_field(seeded, app_as, page_text):
    at = app_as("caseload", "demo.clinician3")
    at.run()
    next(b for b in at.button if b.label == "Register patient").click().run()
    shown = page_text(at)
    for message in ("MRN is required", "Given name is required", "Family name is required",
                    "Date of birth is required", "Sex at birth is required"):
        assert message in shown


def test_registering_a_duplicate_mrn_is_refused_next_to_the_mrn(seeded, app_as, page_text):
    from datetime import date

    at = app_as("caseload", "demo.clinician3")
    at.run()
    at.text_input(key="nm_reg_mrn").input("NM-100001")
    at.text_input(key="nm_reg_given").input("Another")
    at.text_input(key="nm_reg_family").input("Person")
    at.date_input(key="nm_reg_dob").set_value(date(1990, 1, 1))
    at.selectbox(key="nm_reg_sex").set_value("female")
    next(b for b in at.button if b.label == "Register patient").click().run()
    assert "A patient with MRN NM-100001 already exists" in [e.value for e in at.error]
    services, _ = seeded
    user = services.users.get_by_username("demo.clinician3")
    assert services.patients.caseload(user).total == 0


def test_registering_a_patient_selects_them_and_confirms(seeded, app_as):
    from datetime import date

    at = app_as("caseload", "demo.clinician3")
    at.run()
    at.text_input(key="nm_reg_mrn").input("NM-555001")
    at.text_input(key="nm_reg_given").input("Registered")
    at.text_input(key="nm_reg_family").input("Viaform")
    at.date_input(key="nm_reg_dob").set_value(date(1988, 6, 1))
    at.selectbox(key="nm_reg_sex").set_value("male")
    next(b for b in at.button if b.label == "Register patient").click().run()
    assert not at.exception
    services, _ = seeded
    user = services.users.get_by_username("demo.clinician3")
    page = services.patients.caseload(user)
    assert [r.mrn for r in page.rows] == ["NM-555001"]
    assert at.session_state["nm_selected_patient_id"] == page.rows[0].patient_id


def test_opening_a_patient_from_the_caseload_selects_them(seeded, app_as):
    _, cohort = seeded
    at = app_as("caseload", "demo.clinician")
    at.run()
    at.selectbox(key="nm_cl_open").set_value(cohort.responder_id).run()
    at.button(key="nm_cl_open_btn").click().run()
    assert at.session_state["nm_selected_patient_id"] == cohort.responder_id


def test_analyst_cannot_open_the_caseload(seeded, app_as, page_text):
    at = app_as("caseload", "demo.analyst")
    at.run()
    assert not at.dataframe
    assert "This page is not available for your role" in page_text(at)


def test_signed_out_visitor_is_asked_to_sign_in_and_sees_no_patients(seeded, page_text):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "pages" / "caseload.py"), default_timeout=30)
    at.run()
    assert "Please sign in to continue" in page_text(at)
    assert not at.dataframe


def test_a_role_claimed_in_session_state_is_not_trusted(seeded, app_as, page_text):
    at = app_as("caseload", "demo.analyst")
    at.session_state["roles"] = ["clinician"]
    at.run()
    assert "This page is not available for your role" in page_text(at)


def test_the_caseload_pins_the_name_first_and_fits_the_triage_columns_in_a_1280_px_screen(seeded, app_as):
    import json

    at = app_as("caseload", "demo.clinician")
    at.run()
    table = at.dataframe[0].proto
    order = list(table.column_order)
    config = json.loads(table.columns)
    assert order[0] == "Name" and config["Name"]["pinned"] is True, "the name stays while the table scrolls sideways"
    assert order[1] == "Alerts"
    assert {"MRN", "Age", "Primary diagnosis", "Medications", "Days since assessed"} <= set(order), "all reachable"
    triage = order[:order.index("Next due") + 1]
    assert {"PHQ-9", "GAD-7", "Questionnaires"} <= set(triage)
    # 1280 px less the 256 px sidebar and the page's side padding: what the table has on a first screen
    assert sum(config[c]["width"] for c in triage) <= 960


def test_a_half_typed_registration_comes_back_after_a_reload_and_registering_drops_it(seeded, app_as, page_text):
    from datetime import date

    from novamind_core.domain.forms import FormName

    services, _ = seeded
    user = services.users.get_by_username("demo.clinician3")
    at = app_as("caseload", "demo.clinician3")
    at.run()
    at.text_input(key="nm_reg_mrn").input("NM-555123")
    at.text_input(key="nm_reg_given").input("Halfway")
    at.date_input(key="nm_reg_dob").set_value(date(1970, 5, 4)).run()
    draft = services.drafts.load(user, None, FormName.REGISTRATION)
    assert draft is not None and draft.payload["given_name"] == "Halfway" and draft.payload["date_of_birth"] == \
        "1970-05-04"
    reloaded = app_as("caseload", "demo.clinician3")  # a reload is a new browser session
    reloaded.run()
    assert not reloaded.exception
    assert reloaded.text_input(key="nm_reg_mrn").value == "NM-555123"
    assert reloaded.date_input(key="nm_reg_dob").value == date(1970, 5, 4)
    assert "Restored your unsaved draft" in page_text(reloaded)
    next(b for b in reloaded.button if b.label == "Register patient").click().run()
    assert "Family name is required" in page_text(reloaded)
    assert reloaded.text_input(key="nm_reg_given").value == "Halfway", "a refusal clears nothing"
    reloaded.text_input(key="nm_reg_family").input("Typed")
    reloaded.selectbox(key="nm_reg_sex").set_value("other")
    next(b for b in reloaded.button if b.label == "Register patient").click().run()
    assert not reloaded.exception
    assert services.patients.find_by_mrn(user, "NM-555123").family_name == "Typed"
    assert services.drafts.load(user, None, FormName.REGISTRATION) is None, "registered: the draft is gone"
