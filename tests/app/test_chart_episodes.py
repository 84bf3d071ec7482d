"""Patient chart (AppTest): the episodes of care under the trajectory, and the visit note's measurement events in one
click, on the seeded SQLite database."""

from __future__ import annotations

from datetime import timedelta

from components.patient.visit_note import ADD_MEASUREMENTS, draft_key


def open_chart(app_as, patient_id: int):  # type: ignore[no-untyped-def]
    at = app_as("patient", "demo.clinician")
    at.session_state["nm_selected_patient_id"] = patient_id
    at.run()
    assert not at.exception
    return at


def episode_table(at) -> list[dict]:  # type: ignore[no-untyped-def]
    frame = next(d.value for d in at.dataframe if "Questionnaire" in d.value.columns and "Final" in d.value.columns)
    return frame.to_dict("records")


def last_audit_id(services) -> int:  # type: ignore[no-untyped-def]
    from novamind_core.services.base import SYSTEM_USER

    return max((r.id for r in services.audit.query(SYSTEM_USER, limit=1)), default=0)


def audit_actions_since(services, patient_id: int, last_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The patient's audit actions after ``last_id``, oldest first."""
    from novamind_core.services.base import SYSTEM_USER

    return [r.action for r in reversed(services.audit.query(SYSTEM_USER, patient_id=patient_id)) if r.id > last_id]


def test_the_chart_shows_the_open_episode_with_baseline_and_final_per_questionnaire_and_each_definition_labelled(
        seeded, app_as, page_text):  # type: ignore[no-untyped-def]
    services, cohort = seeded
    at = open_chart(app_as, cohort.responder_id)
    shown = page_text(at)
    assert "Episode 1 · opened" in shown and "· open (last contact" in shown
    assert "NHS Talking Therapies outcome: not counted yet" in shown
    rows = {r["Questionnaire"]: r for r in episode_table(at)}
    assert rows["PHQ-9"]["Baseline"].startswith("18 (") and rows["PHQ-9"]["Final"].startswith("8 (")
    assert rows["PHQ-9"]["Change"] == "-10"
    assert rows["PHQ-9"]["Reliable change (Jacobson-Truax)"].startswith("reliable improvement (RCI -")
    assert rows["PHQ-9"]["Talking Therapies (caseness; reliable change)"] == "case → not a case; reliable improvement"
    assert rows["GAD-7"]["Baseline"].startswith("14 (") and rows["GAD-7"]["Final"].startswith("8 (")


def test_the_chart_and_the_outcome_service_give_the_same_episodes_and_the_chart_view_stays_one_audit_row(
        seeded):  # type: ignore[no-untyped-def]
    services, cohort = seeded
    user = services.users.get_by_username("demo.clinician")
    last = last_audit_id(services)
    chart = services.charts.patient_chart(user, cohort.responder_id)
    assert audit_actions_since(services, cohort.responder_id, last) == ["chart.view"]
    from_outcomes = services.outcomes.episodes(user, cohort.responder_id)
    assert sorted((o.episode for o in chart.episodes), key=lambda e: e.number) == list(from_outcomes)


def test_add_measurements_puts_the_days_measurement_events_after_the_typed_text_and_save_keeps_them(
        seeded, app_as):  # type: ignore[no-untyped-def]
    services, cohort = seeded
    pid = cohort.responder_id
    day = services.context.today() - timedelta(weeks=3)  # a PHQ-9 of 9; another patient scored 16 that day
    at = open_chart(app_as, pid)
    at.date_input(key=f"nm_note_date_{pid}").set_value(day)
    at.text_area(key=draft_key(pid)).input("Reviewed today; sleeping better.")
    last = last_audit_id(services)
    next(b for b in at.button if b.label == ADD_MEASUREMENTS).click().run()
    assert not at.exception
    draft = at.text_area(key=draft_key(pid)).value
    assert draft.startswith("Reviewed today; sleeping better.\n\nPHQ-9 administered and scored "
                            f"{day.isoformat()}: total 9/27 (")
    assert draft.endswith("action: score reviewed; plan continued.")
    user = services.users.get_by_username("demo.clinician")
    scored_that_day = [a for a in services.assessments.history(user, pid) if a.administered_on == day]
    assert len(draft.split("\n\n", 1)[1].splitlines()) == len(scored_that_day), "this patient's events only"
    assert "measurement.events" in audit_actions_since(services, pid, last)
    next(b for b in at.button if b.label == ADD_MEASUREMENTS).click().run()
    assert at.text_area(key=draft_key(pid)).value == draft, "a second click adds no line twice"
    next(b for b in at.button if b.label == "Save note").click().run()
    assert not at.exception
    note = services.notes.list(user, pid)[0]
    assert note.text == draft and note.note_date == day
    assert at.text_area(key=draft_key(pid)).value == "", "the saved draft is cleared"


def test_a_date_without_scored_questionnaires_adds_nothing_and_says_so(
        seeded, app_as, page_text):  # type: ignore[no-untyped-def]
    _, cohort = seeded
    pid = cohort.new_patient_id
    at = open_chart(app_as, pid)
    at.text_area(key=draft_key(pid)).input("First contact.")
    next(b for b in at.button if b.label == ADD_MEASUREMENTS).click().run()
    assert at.text_area(key=draft_key(pid)).value == "First contact."
    assert "No questionnaire was administered and scored on" in page_text(at)


def test_a_discharged_course_shows_its_talking_therapies_outcome(seeded, app_as, page_text):  # type: ignore[no-untyped-def]
    services, cohort = seeded
    user = services.users.get_by_username("demo.clinician")
    patient = services.patients.get(user, cohort.responder_id)
    services.patients.discharge(user, patient.id, patient.version, services.context.today())
    at = open_chart(app_as, cohort.responder_id)
    shown = page_text(at)
    assert "(discharged)" in shown
    # PHQ-9 18 -> 8 and GAD-7 14 -> 8: both reliably improved, GAD-7 still at caseness (8 or more)
    assert "NHS Talking Therapies outcome: reliable improvement, still a case at the end." in shown
