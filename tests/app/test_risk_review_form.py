"""The risk review form on the chart (AppTest): an item-9 alert has no one-click acknowledgement; an incomplete review
names every missing part next to its field and keeps what was typed; a complete one closes the alert and the safety
plan prints."""

from __future__ import annotations

from components.patient.risk_review import START_LABEL, SUBMIT_LABEL
from novamind_core.domain.instrument_screeners import CSSRS_ITEMS
from novamind_core.domain.risk import SAFETY_PLAN_STEPS


def open_chart(app_as, patient_id: int):  # type: ignore[no-untyped-def]
    at = app_as("patient", "demo.clinician")
    at.session_state["nm_selected_patient_id"] = patient_id
    at.run()
    assert not at.exception
    return at


def clinician(services):  # type: ignore[no-untyped-def]
    return services.users.get_by_username("demo.clinician")


def button(at, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def open_item9(services, patient_id: int):  # type: ignore[no-untyped-def]
    return [a for a in services.alerts.list_for_patient(clinician(services), patient_id)
            if a.kind.value == "item9" and a.open]


def start_review(at, alert_id: int):  # type: ignore[no-untyped-def]
    assert not any(b.key == f"nm_ack_{alert_id}" for b in at.button), "no one-click acknowledgement for item 9"
    next(b for b in at.button if b.key == f"nm_review_{alert_id}" and b.label == START_LABEL).click().run()
    assert not at.exception
    return at


def test_an_incomplete_review_names_each_missing_part_keeps_the_text_and_leaves_the_alert_open(seeded, app_as):
    services, cohort = seeded
    [alert] = open_item9(services, cohort.item9_id)[:1]
    at = open_chart(app_as, cohort.item9_id)
    start_review(at, alert.id)
    assert any("better off dead" in d.value.to_string() for d in at.dataframe), "the raising answers are shown"
    next(t for t in at.text_area if t.label == "Risk formulation *").input("Passive ideation, no plan.")
    button(at, SUBMIT_LABEL).click().run()
    assert not at.exception
    errors = " ".join(str(e.value) for e in at.error)
    assert "Answer screener question 1 yes or no" in errors
    assert "Choose the risk level you judge" in errors
    assert "Say what action was taken" in errors
    assert next(t for t in at.text_area if t.label == "Risk formulation *").value == "Passive ideation, no plan."
    assert open_item9(services, cohort.item9_id), "the alert stays open"


def test_a_complete_review_closes_the_alert_and_the_safety_plan_prints(seeded, app_as):
    services, cohort = seeded
    before = open_item9(services, cohort.item9_id)
    at = open_chart(app_as, cohort.item9_id)
    start_review(at, before[0].id)
    for number, question in enumerate(CSSRS_ITEMS, start=1):
        next(r for r in at.radio if r.label == f"{number}. {question}").set_value("Yes" if number == 1 else "No")
    next(t for t in at.text_area if t.label == "Risk formulation *").input("Passive wish to be dead; no plan.")
    next(r for r in at.radio if r.label == "Risk level you judge *").set_value("Low risk")
    for step in SAFETY_PLAN_STEPS:
        next(t for t in at.text_area if t.label == f"{step.heading} *").input(f"First {step.key}\nSecond")
    next(t for t in at.text_area if t.label == "Action taken *").input("Safety plan agreed with the patient.")
    button(at, SUBMIT_LABEL).click().run()
    assert not at.exception
    assert len(open_item9(services, cohort.item9_id)) == len(before) - 1
    [review] = services.risk_reviews.history(clinician(services), cohort.item9_id)[:1]
    assert review.cssrs_level == "low" and review.safety_plan.warning_signs == ("First warning_signs", "Second")
    assert any("Risk review saved" in str(s.value) for s in at.success)
    button(at, "Print the safety plan").click().run()
    assert not at.exception
    downloads = at.get("download_button")
    assert any("print view" in str(d.proto.label) for d in downloads)
