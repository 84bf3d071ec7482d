"""The risk review form on the chart (AppTest): an item-9 alert has no one-click acknowledgement; an incomplete review
names every missing part next to its field and keeps what was typed; a complete one closes the alert and the safety
plan prints."""

from __future__ import annotations

from components.patient.risk_review import START_LABEL, SUBMIT_LABEL
from novamind_core.domain.instrument_screeners import CSSRS_ITEMS
from novamind_core.domain.risk import SAFETY_PLAN_STEPS
from novamind_core.services.risk_reviews import RiskReviewService


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


def an_open_item9(services, patient_id: int):  # type: ignore[no-untyped-def]
    """An open item-9 alert of the patient (a PHQ-9 with item 9 answered is recorded when an earlier test closed the
    seeded one)."""
    if not open_item9(services, patient_id):
        services.assessments.record(clinician(services), patient_id, "PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 1])
    return open_item9(services, patient_id)


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


def test_a_half_written_risk_review_comes_back_in_a_new_session(seeded, app_as):
    services, cohort = seeded
    [alert] = an_open_item9(services, cohort.item9_id)[:1]
    at = open_chart(app_as, cohort.item9_id)
    start_review(at, alert.id)
    next(t for t in at.text_area if t.label == "Risk formulation *").input("Ideation since the loss; no plan.").run()
    next(r for r in at.radio if r.label == "Risk level you judge *").set_value("Low risk").run()
    assert not at.exception
    again = open_chart(app_as, cohort.item9_id)  # a reload: a new browser session, the same user
    formulation = next(t for t in again.text_area if t.label == "Risk formulation *")
    assert formulation.value == "Ideation since the loss; no plan."
    assert next(r for r in again.radio if r.label == "Risk level you judge *").value == "Low risk"
    assert any("Restored your unsaved draft" in str(i.value) for i in again.info)


def test_a_completed_review_drops_its_draft_and_a_repeated_submit_stores_one_review(seeded, app_as, monkeypatch):
    services, cohort = seeded
    before = an_open_item9(services, cohort.item9_id)
    calls: list[dict[str, object]] = []
    complete = RiskReviewService.complete

    def recording(self, user, alert_id, **entered):  # type: ignore[no-untyped-def]
        calls.append({"user": user, "alert_id": alert_id, **entered})
        return complete(self, user, alert_id, **entered)

    monkeypatch.setattr(RiskReviewService, "complete", recording)  # the page's services are built apart
    at = open_chart(app_as, cohort.item9_id)
    start_review(at, before[0].id)
    for number, question in enumerate(CSSRS_ITEMS, start=1):
        next(r for r in at.radio if r.label == f"{number}. {question}").set_value("No")
    next(t for t in at.text_area if t.label == "Risk formulation *").input("No current ideation; protective: family.")
    next(r for r in at.radio if r.label == "Risk level you judge *").set_value("Low risk")
    for step in SAFETY_PLAN_STEPS:
        next(t for t in at.text_area if t.label == f"{step.heading} *").input(f"Entry for {step.key}")
    next(t for t in at.text_area if t.label == "Action taken *").input("Plan agreed.")
    at.run()
    assert services.drafts.load(clinician(services), cohort.item9_id, "risk_review") is not None, "a draft was kept"
    button(at, SUBMIT_LABEL).click().run()
    assert not at.exception
    [first] = calls
    assert first["submission_token"], "the submit carries a submission token"
    # the repeat of that submission (a double-click or a resent request) returns the first review
    again = complete(services.risk_reviews, **first)
    history = services.risk_reviews.history(clinician(services), cohort.item9_id)
    mine = [r for r in history if r.alert_id == before[0].id]
    assert [r.id for r in mine] == [again.id]
    assert len(open_item9(services, cohort.item9_id)) == len(before) - 1
    assert services.drafts.load(clinician(services), cohort.item9_id, "risk_review") is None, "the draft is dropped"


def test_a_cssrs_alert_names_the_screeners_triage_level_not_a_total(seeded, app_as, page_text):
    services, cohort = seeded
    doc = clinician(services)
    services.assessments.record(doc, cohort.switched_id, "C-SSRS", [1, 1, 1, 1, 0, 0, 0])
    [alert] = [a for a in open_item9(services, cohort.switched_id) if a.instrument == "C-SSRS"][:1]
    at = open_chart(app_as, cohort.switched_id)
    start_review(at, alert.id)
    shown = page_text(at)
    assert "high risk on the screener's triage" in shown and "total 3" not in shown


def test_the_raising_answers_wrap_their_questions_instead_of_cutting_them(seeded, app_as):
    import json

    from components.shared.ui import WRAPPED_ROW_PX

    services, cohort = seeded
    [alert] = an_open_item9(services, cohort.item9_id)[:1]
    at = start_review(open_chart(app_as, cohort.item9_id), alert.id)
    answers = next(d for d in at.dataframe if "Question" in d.value.columns)
    assert answers.proto.row_height == WRAPPED_ROW_PX
    assert json.loads(answers.proto.columns)["Question"]["width"] == "large"
