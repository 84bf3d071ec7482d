"""Notification preferences page (AppTest): one's own e-mail for urgent alerts and on/off; one read, one save."""

from __future__ import annotations

from sqlalchemy import text


def open_page(app_as, username: str = "demo.clinician"):  # type: ignore[no-untyped-def]
    at = app_as("preferences", username)
    at.run()
    assert not at.exception, at.exception
    return at


def email_box(at):  # type: ignore[no-untyped-def]
    return next(t for t in at.text_input if t.label == "Your e-mail for urgent alerts")


def save(at):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == "Save preferences").click().run()


def audit_actions_after(services, last: int) -> list[str]:  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        return [r.action for r in conn.execute(text("SELECT action FROM audit_log WHERE id > :i"), {"i": last})]


def last_audit_id(services) -> int:  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one())


def test_a_clinician_saves_an_email_for_urgent_alerts_and_sees_it_confirmed(seeded, app_as, page_text):
    services, _ = seeded
    at = open_page(app_as)
    assert "Add your e-mail address above" in page_text(at)
    email_box(at).input("ada@clinic.example.org")
    save(at)
    assert not at.exception
    assert any("urgent alerts go to ada@clinic.example.org" in s.value for s in at.success)
    prefs = services.reporting.notification_preferences(services.users.get_by_username("demo.clinician"))
    assert prefs.email == "ada@clinic.example.org" and prefs.urgent_by_email
    assert email_box(open_page(app_as)).value == "ada@clinic.example.org"


def test_an_invalid_email_is_named_under_the_field_and_the_entry_is_kept(seeded, app_as):
    services, _ = seeded
    at = open_page(app_as, "demo.clinician2")
    email_box(at).input("not an address")
    save(at)
    assert any("Enter a valid e-mail address" in e.value for e in at.error)
    assert email_box(at).value == "not an address"
    prefs = services.reporting.notification_preferences(services.users.get_by_username("demo.clinician2"))
    assert prefs.email is None


def test_other_staff_can_turn_urgent_emails_off(seeded, app_as, page_text):
    services, _ = seeded
    at = open_page(app_as, "demo.analyst")
    next(t for t in at.toggle if t.label.startswith("E-mail me urgent alerts")).set_value(False)
    save(at)
    assert any("urgent alerts are not e-mailed to you" in s.value for s in at.success)
    prefs = services.reporting.notification_preferences(services.users.get_by_username("demo.analyst"))
    assert prefs.urgent_by_email is False


def test_reading_the_page_is_one_audited_call_and_saving_is_one_more(seeded, app_as):
    services, _ = seeded
    at = open_page(app_as, "demo.admin")
    last = last_audit_id(services)
    at.run()
    assert audit_actions_after(services, last) == ["notification.preferences"]
    last = last_audit_id(services)
    email_box(at).input("adam@clinic.example.org")
    save(at)
    assert audit_actions_after(services, last).count("notification.preferences") == 3, \
        "the submitting run reads once and saves once; the confirming rerun reads once"
