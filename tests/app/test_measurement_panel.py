"""The chart's Questionnaires tab (AppTest): plan, consent, state, actions, requests and log; patient-reported answers
with their source and the Urgent badge; the caseload's questionnaire column and filter agreeing with the chart; the
urgent e-mail's deep link."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from novamind_core.domain.instruments import Instrument
from novamind_core.domain.reporting import Channel, MeasurementState
from tests.risk_support import complete_review_values

CLIENT = "203.0.113.7"


def clinician(services):  # type: ignore[no-untyped-def]
    return services.users.get_by_username("demo.clinician")


def open_chart(app_as, patient_id: int, username: str = "demo.clinician", **query: str):  # type: ignore[no-untyped-def]
    at = app_as("patient", username, **query)
    at.session_state["nm_selected_patient_id"] = patient_id
    at.run()
    assert not at.exception, at.exception
    return at


def button(at, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def number(at, label: str):  # type: ignore[no-untyped-def]
    return next(n for n in at.number_input if n.label == label)


def set_overdue_plan(services, patient_id: int) -> None:  # type: ignore[no-untyped-def]
    """A fortnightly plan anchored 20 days ago: its latest date (6 days ago) went unanswered -> overdue."""
    user = clinician(services)
    panel = services.reporting.plan_view(user, patient_id)
    plan = dataclasses.replace(panel.suggested, anchor_on=services.context.today() - timedelta(days=20))
    services.reporting.set_plan(user, patient_id, plan, expected_version=panel.plan.version if panel.plan else 0)


def test_a_patient_without_a_plan_sees_no_plan_with_the_suggested_default_and_one_button_starts_it(
        seeded, app_as, page_text):  # type: ignore[no-untyped-def]
    services, cohort = seeded
    at = open_chart(app_as, cohort.switched_id)
    shown = page_text(at)
    assert "Questionnaires ○ No plan" in shown
    assert "No plan yet. Suggested for this diagnosis: PHQ-9, GAD-7, every 2 weeks until discharge" in shown
    button(at, "Start the suggested plan").click().run()
    assert not at.exception
    panel = services.reporting.plan_view(clinician(services), cohort.switched_id)
    assert panel.plan is not None and panel.plan.instruments == (Instrument.PHQ9, Instrument.GAD7)
    assert any("Plan started: PHQ-9, GAD-7" in s.value for s in at.success)
    assert "**Plan:** PHQ-9, GAD-7, every 2 weeks until discharge" in page_text(at)


def test_the_plan_form_names_a_validation_error_next_to_the_field_and_keeps_the_entries(seeded, app_as, page_text):
    services, cohort = seeded
    at = open_chart(app_as, cohort.new_patient_id)
    number(at, "Reminder after (hours; 0 for none)").set_value(200)
    number(at, "Link valid for (hours)").set_value(100)
    button(at, "Save plan").click().run()
    assert not at.exception
    assert any("The reminder must come before the link expires" in e.value for e in at.error)
    assert number(at, "Reminder after (hours; 0 for none)").value == 200, "the entry is kept"
    assert number(at, "Link valid for (hours)").value == 100
    assert services.reporting.plan_view(clinician(services), cohort.new_patient_id).plan is None, "nothing saved"
    number(at, "Reminder after (hours; 0 for none)").set_value(24)
    number(at, "Every").set_value(1)
    button(at, "Save plan").click().run()
    plan = services.reporting.plan_view(clinician(services), cohort.new_patient_id).plan
    assert plan is not None and plan.rule.interval_days == 7 and plan.reminder_after_hours == 24
    assert plan.link_lifetime_hours == 100


def test_a_stale_plan_edit_is_refused_with_a_clear_message_and_the_entries_kept(seeded, app_as, page_text):
    services, cohort = seeded
    user = clinician(services)
    set_overdue_plan(services, cohort.item9_id)
    at = open_chart(app_as, cohort.item9_id)
    number(at, "Every").set_value(3)
    current = services.reporting.plan_view(user, cohort.item9_id).plan
    services.reporting.set_plan(user, cohort.item9_id, dataclasses.replace(current, reminder_after_hours=12),
                                expected_version=current.version)  # someone else saves first
    button(at, "Save plan").click().run()
    assert not at.exception
    assert any("someone else changed this plan after you opened it" in e.value for e in at.error)
    assert number(at, "Every").value == 3
    assert services.reporting.plan_view(user, cohort.item9_id).plan.reminder_after_hours == 12


def test_sending_now_without_consent_is_refused_with_the_reason_and_with_consent_is_queued(seeded, app_as, page_text):
    services, cohort = seeded
    at = open_chart(app_as, cohort.responder_id)
    button(at, "Send").click().run()
    assert any("Not sent: the patient has no recorded consent to e-mail messages" in e.value for e in at.error)
    next(c for c in at.checkbox if c.label == "E-mail").check()
    button(at, "Record consent").click().run()
    assert not at.exception
    assert "E-mail yes · SMS no · recorded" in page_text(at) and "by Dr Ada Lovelace" in page_text(at)
    button(at, "Send").click().run()
    assert any("the patient has no e-mail address on file" in e.value for e in at.error), \
        "consent alone is not enough: the refusal names the missing address"


def test_printing_a_link_shows_it_once_with_its_expiry_and_forgets_it_on_the_next_run(seeded, app_as, page_text):
    services, cohort = seeded
    at = open_chart(app_as, cohort.responder_id)
    button(at, "Print link").click().run()
    assert not at.exception
    links = [c.value for c in at.code]
    assert len(links) == 1 and "/questionnaire?t=" in links[0]
    assert any("One-time link for the patient, valid until" in s.value for s in at.success)
    assert f"nm_mp_printed_{cohort.responder_id}" not in at.session_state, "not kept in the page state"
    assert "Link printed by a clinician" not in page_text(at)
    at.run()
    assert not [c.value for c in at.code], "shown once only"
    panel = services.reporting.plan_view(clinician(services), cohort.responder_id)
    assert panel.requests[0].channel is Channel.LINK


def test_an_opt_out_from_the_patients_link_shows_plainly_with_its_date(seeded, app_as, page_text):
    services, cohort = seeded
    user = clinician(services)
    created = services.reporting.create_request(user, cohort.responder_id, "PHQ-9")
    assert services.portal.opt_out(created.token, CLIENT)
    at = open_chart(app_as, cohort.responder_id)
    shown = page_text(at)
    assert "Opted out of messages on" in shown and "(from the link in a message): no e-mail or SMS is sent" in shown
    log = next(d for d in at.dataframe if "Event" in d.value.columns).value
    assert "Opted out" in list(log["Event"])


def test_kiosk_answers_show_their_source_and_an_item9_answer_shows_as_urgent(seeded, app_as, page_text):
    services, cohort = seeded
    created = services.reporting.start_kiosk(clinician(services), cohort.new_patient_id, "PHQ-9")
    services.portal.open(created.token, CLIENT)
    result = services.portal.submit(created.token, {"PHQ-9": [1, 1, 1, 1, 1, 1, 1, 1, 2]}, CLIENT)
    assert result.accepted and result.item9_positive
    at = open_chart(app_as, cohort.new_patient_id)
    shown = page_text(at)
    assert "Urgent" in shown and "Urgent · Self-harm item: " in shown
    assert any("Urgent" in m.value and "badge" in m.value for m in at.markdown), "a badge, not only words"
    assert "item9:" not in shown, "no raw alert codes"
    sources = next(d for d in at.dataframe if "Source" in d.value.columns).value["Source"]
    assert "Patient, clinic kiosk" in list(sources)


def test_an_urgent_patient_reported_alert_puts_the_patient_at_the_top_of_the_caseload(seeded, app_as):
    services, cohort = seeded
    user = clinician(services)
    for alert in services.alerts.list_for_patient(user, cohort.item9_id):
        if alert.open and alert.id is not None and alert.kind.value == "item9":  # closes only through a review
            services.risk_reviews.complete(user, alert.id, **complete_review_values(services.context.today()))
        elif alert.open and alert.id is not None:
            services.alerts.acknowledge(user, alert.id)
    created = services.reporting.start_kiosk(user, cohort.switched_id, "PHQ-9")
    services.portal.open(created.token, CLIENT)
    services.portal.submit(created.token, {"PHQ-9": [0, 0, 0, 0, 0, 0, 0, 0, 1]}, CLIENT)
    at = app_as("caseload", "demo.clinician")
    at.run()
    frame = at.dataframe[0].value
    flags = ["⚠ risk" in a for a in frame["Alerts"]]
    assert flags[0] and flags == sorted(flags, reverse=True), "every item-9 patient comes before any other"
    row = list(frame["MRN"]).index("NM-100003")
    assert flags[row], "the patient-reported item-9 answer put the patient among the first rows"


def test_the_caseload_column_and_the_chart_agree_on_every_seeded_patients_questionnaire_state(seeded, app_as):
    services, cohort = seeded
    user = clinician(services)
    set_overdue_plan(services, cohort.responder_id)
    services.patients.register(user, mrn="NM-100077", given_name="Nolan", family_name="Planless",
                               date_of_birth="1990-02-02", sex_at_birth="male")
    view = services.charts.caseload_view(user, page_size=200)
    states = {r.patient_id: r.questionnaires for r in view.rows}
    assert states[cohort.responder_id] is MeasurementState.OVERDUE
    assert MeasurementState.NO_PLAN in states.values()
    for pid, state in states.items():
        assert services.charts.patient_chart(user, pid).measurement.state is state
    at = app_as("caseload", "demo.clinician")
    at.run()
    frame = at.dataframe[0].value
    shown = dict(zip(frame["MRN"], frame["Questionnaires"], strict=True))
    assert shown["NM-100001"] == "⚠ Overdue" and shown["NM-100077"] == "○ No plan"


def test_the_questionnaire_overdue_filter_keeps_only_patients_whose_questionnaires_are_overdue(seeded, app_as):
    services, cohort = seeded
    set_overdue_plan(services, cohort.responder_id)
    at = app_as("caseload", "demo.clinician")
    at.run()
    next(t for t in at.toggle if t.label == "Questionnaire overdue").set_value(True).run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert "NM-100001" in list(frame["MRN"])
    assert set(frame["Questionnaires"]) == {"⚠ Overdue"}


def test_the_urgent_emails_deep_link_opens_the_alerts_patient_for_the_care_team(seeded, app_as, page_text):
    services, cohort = seeded
    alert = next(a for a in services.alerts.list_for_patient(clinician(services), cohort.item9_id) if a.id)
    at = app_as("patient", "demo.clinician", alert=str(alert.id))
    at.run()
    assert not at.exception
    assert "Demo Riskwell" in page_text(at)
    # The address bar then names the patient by an opaque link token, never the MRN, and drops the alert id.
    assert at.query_params.get("p") and "mrn" not in at.query_params and "alert" not in at.query_params
    assert "NM-100002" not in str(dict(at.query_params))


def test_an_alert_link_for_another_teams_patient_shows_a_friendly_message_and_nothing_else(seeded, app_as, page_text):
    services, cohort = seeded
    other = services.users.get_by_username("demo.clinician2")
    created = services.reporting.start_kiosk(other, cohort.other_patient_id, "PHQ-9")
    services.portal.open(created.token, CLIENT)
    services.portal.submit(created.token, {"PHQ-9": [1, 1, 1, 1, 1, 1, 1, 1, 3]}, CLIENT)
    alert = next(a for a in services.alerts.list_for_patient(other, cohort.other_patient_id) if a.id)
    for link in (str(alert.id), "999999", "not-a-number"):
        at = app_as("patient", "demo.clinician", alert=link)
        at.run()
        shown = page_text(at)
        assert "This alert is for a patient who is not on your care team, or it no longer exists." in shown
        assert "Hidden Otherteam" not in shown and "NM-900001" not in shown


def test_the_delivery_logs_detail_wraps_in_a_wide_column_instead_of_being_cut(seeded, app_as):
    import json

    from components.shared.ui import WRAPPED_ROW_PX

    services, cohort = seeded
    services.reporting.create_request(clinician(services), cohort.responder_id, "PHQ-9")
    at = open_chart(app_as, cohort.responder_id)
    log = next(d for d in at.dataframe if "Event" in d.value.columns)
    assert log.proto.row_height == WRAPPED_ROW_PX
    assert json.loads(log.proto.columns)["Detail"]["width"] == "large"
