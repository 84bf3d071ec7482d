"""Admin page (AppTest, signed-in admin): users, care teams by MRN, audit viewer, keys, models, system health."""

from __future__ import annotations


def open_section(app_as, section: str):  # type: ignore[no-untyped-def]
    at = app_as("admin", "demo.admin")
    at.run()
    at.radio(key="nm_ad_section").set_value(section).run()
    assert not at.exception
    return at


def test_users_section_lists_every_account_and_creates_a_user(seeded, app_as, page_text):
    services, _ = seeded
    at = open_section(app_as, "Users")
    users = at.dataframe[0].value
    assert {"demo.clinician", "demo.analyst", "demo.admin"} <= set(users["Username"])
    at.text_input(key="nm_ad_new_username").input("dr.newcomer")
    at.text_input(key="nm_ad_new_name").input("Dr New Comer")
    at.selectbox(key="nm_ad_new_role").set_value("clinician")
    at.text_input(key="nm_ad_new_password").input("a-long-temporary-pass-42")
    next(b for b in at.button if b.label == "Create user").click().run()
    assert not at.exception
    assert "Created dr.newcomer (clinician)" in page_text(at)
    assert services.users.get_by_username("dr.newcomer").role.value == "clinician"


def test_a_weak_password_is_refused_with_the_rule(seeded, app_as, page_text):
    at = open_section(app_as, "Users")
    at.text_input(key="nm_ad_new_username").input("dr.weak")
    at.text_input(key="nm_ad_new_name").input("Dr Weak")
    at.text_input(key="nm_ad_new_password").input("short")
    next(b for b in at.button if b.label == "Create user").click().run()
    assert "Please check the entry" in page_text(at)


def test_deactivating_a_user_takes_effect(seeded, app_as, page_text):
    services, _ = seeded
    from novamind_core.services.base import SYSTEM_USER

    services.users.create(SYSTEM_USER, "to.leave", "To Leave", "analyst", "a-long-temporary-pass-42")
    at = open_section(app_as, "Users")
    target = services.users.get_by_username("to.leave")
    at.selectbox(key="nm_ad_user").set_value(target.id).run()
    next(b for b in at.button if b.label == "Deactivate").click().run()
    assert "Deactivated to.leave" in page_text(at)
    assert not services.users.get_by_username("to.leave").active


def test_care_team_is_found_by_mrn_without_showing_the_patient(seeded, app_as, page_text):
    at = open_section(app_as, "Care teams")
    at.text_input(key="nm_ad_mrn").input("NM-100001").run()
    shown = page_text(at)
    assert "care-team member" in shown and "Synthia" not in shown and "Testcase" not in shown


def test_audit_log_filters_and_verifies_the_chain(seeded, app_as, page_text):
    at = open_section(app_as, "Audit log")
    at.selectbox(key="nm_ad_au_action").set_value("patient.create").run()
    table = at.dataframe[0].value
    assert len(table) and set(table["Action"]) == {"patient.create"}
    next(b for b in at.button if b.label == "Verify the hash chain").click().run()
    assert "Audit chain intact" in page_text(at)
    next(b for b in at.button if b.label == "Prepare CSV export").click().run()
    assert at.get("download_button")


def test_key_status_shows_nothing_left_to_rotate_on_a_single_key(seeded, app_as, page_text):
    at = open_section(app_as, "Encryption keys")
    assert "Every value is encrypted under the newest key" in page_text(at)
    assert next(b for b in at.button if b.label == "Rotate to the newest key now").disabled


def test_models_and_health_sections_render(seeded, app_as, page_text):
    at = open_section(app_as, "Models")
    assert at.dataframe or "No models in the registry" in page_text(at)
    at.radio(key="nm_ad_section").set_value("System health").run()
    shown = page_text(at)
    assert "database reachable" in shown and "migrations current" in shown and not at.exception


def test_analysts_cannot_open_the_admin_page(seeded, app_as, page_text):
    at = app_as("admin", "demo.analyst")
    at.run()
    assert "not available for your role" in page_text(at)
    assert not at.dataframe


def test_an_admin_flags_a_clinician_as_a_trainee_and_back_from_the_user_row(seeded, app_as, page_text):
    services, _ = seeded
    from novamind_core.domain.administration import AdminSection
    from novamind_core.services.base import SYSTEM_USER

    services.users.create(SYSTEM_USER, "dr.trainee", "Dr In Training", "clinician", "a-long-temporary-pass-42")
    admin = services.users.get_by_username("demo.admin")

    def is_trainee() -> bool:
        accounts = services.admin.view(admin, AdminSection.USERS).accounts
        return next(a for a in accounts if a.username == "dr.trainee").trainee

    target = services.users.get_by_username("dr.trainee")
    at = open_section(app_as, "Users")
    at.selectbox(key="nm_ad_user").set_value(target.id).run()
    toggle = at.toggle(key=f"nm_ad_trainee_{target.id}")
    assert toggle.label == "Trainee (notes need a co-signature)" and toggle.value is False
    toggle.set_value(True).run()
    assert not at.exception
    assert "dr.trainee is now a trainee" in page_text(at)
    assert is_trainee()
    assert at.toggle(key=f"nm_ad_trainee_{target.id}").value is True
    at.toggle(key=f"nm_ad_trainee_{target.id}").set_value(False).run()
    assert "dr.trainee is no longer a trainee" in page_text(at)
    assert not is_trainee()


def test_the_trainee_toggle_is_off_limits_for_an_account_that_is_not_a_clinician(seeded, app_as):
    services, _ = seeded
    analyst = services.users.get_by_username("demo.analyst")
    at = open_section(app_as, "Users")
    at.selectbox(key="nm_ad_user").set_value(analyst.id).run()
    assert at.toggle(key=f"nm_ad_trainee_{analyst.id}").disabled


def test_the_audit_logs_patient_id_filter_is_empty_for_any_and_rows_without_a_patient_show_no_none(seeded, app_as):
    at = open_section(app_as, "Audit log")
    box = at.number_input(key="nm_ad_au_patient")
    assert box.value is None and box.min == 1  # empty means any patient: no 0 standing for "any"
    table = at.dataframe[0].value
    assert "None" not in set(table["Patient id"].astype(str)) and "" in set(table["Patient id"])
    patient = next(p for p in table["Patient id"] if p)
    box.set_value(int(patient)).run()
    assert set(at.dataframe[0].value["Patient id"]) == {patient}
