"""The chart's and the caseload's forms (AppTest): each submitted form's typed choices reach the one service call
field by field: medication start, dose change and stop, visit booking, and registration with a diagnosis."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo


def open_chart(app_as, patient_id: int):  # type: ignore[no-untyped-def]
    at = app_as("patient", "demo.clinician")
    at.session_state["nm_selected_patient_id"] = patient_id
    at.run()
    return at


def clinician(services):  # type: ignore[no-untyped-def]
    return services.users.get_by_username("demo.clinician")


def press(at, label: str):  # type: ignore[no-untyped-def]
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception
    return at


def test_starting_a_medication_saves_the_drug_dose_frequency_and_reason(seeded, app_as):
    services, cohort = seeded
    at = open_chart(app_as, cohort.new_patient_id)
    next(s for s in at.selectbox if s.label == "Drug").set_value("sertraline")
    next(n for n in at.number_input if n.label == "Dose (mg)").set_value(50)
    next(s for s in at.selectbox if s.label == "Frequency").set_value("nightly")
    next(t for t in at.text_input if t.label == "Reason (optional)").input("first episode")
    press(at, "Start medication")
    [order] = services.medications.active(clinician(services), cohort.new_patient_id)
    assert (order.drug, order.dose_mg, order.frequency.value, order.start_reason) == (
        "sertraline", 50.0, "nightly", "first episode")


def test_a_dose_change_with_a_reason_titrates_and_a_stop_closes_the_order(seeded, app_as):
    services, cohort = seeded
    at = open_chart(app_as, cohort.switched_id)
    next(n for n in at.number_input if n.label == "New dose (mg)").set_value(20)
    next(t for t in at.text_input if t.label == "Reason *").input("partial response at 4 weeks")
    press(at, "Save change")
    [order] = services.medications.active(clinician(services), cohort.switched_id)
    assert order.dose_mg == 20.0 and order.start_reason == "partial response at 4 weeks"
    next(r for r in at.radio if r.label == "Action").set_value("Stop")
    next(t for t in at.text_input if t.label == "Reason *").input("side effects")
    press(at, "Save change")
    assert services.medications.active(clinician(services), cohort.switched_id) == ()
    stopped = max(services.medications.history(clinician(services), cohort.switched_id), key=lambda m: m.id)
    assert stopped.stop_reason == "side effects"


def test_booking_a_visit_saves_the_time_the_due_date_and_the_note(seeded, app_as):
    services, cohort = seeded
    at = open_chart(app_as, cohort.responder_id)
    next(t for t in at.text_input if t.label == "Note (optional)").input("review response")
    press(at, "Book visit")
    visit = next(v for v in services.visits.list(clinician(services), cohort.responder_id)
                 if v.note == "review response")
    local = visit.scheduled_for.astimezone(ZoneInfo(services.settings.clinic_timezone))
    assert local.time() == time(10, 0)  # the form's default time, in the clinic's time zone
    chart = services.patients.chart(clinician(services), cohort.responder_id)
    assert chart.next_assessment_due == local.date()  # both default to four weeks from today


def test_registering_with_a_listed_diagnosis_code_stores_it_as_primary_with_its_title(seeded, app_as):
    services, _ = seeded
    at = app_as("caseload", "demo.clinician3")
    at.run()
    at.text_input(key="nm_reg_mrn").input("NM-555077")
    at.text_input(key="nm_reg_given").input("Coded")
    at.text_input(key="nm_reg_family").input("Diagnosis")
    at.date_input(key="nm_reg_dob").set_value(date(1979, 2, 3))
    at.selectbox(key="nm_reg_sex").set_value("female")
    next(s for s in at.selectbox if s.label == "Primary diagnosis (ICD-10)").set_value("F32.1")
    press(at, "Register patient")
    user = services.users.get_by_username("demo.clinician3")
    patient = services.patients.find_by_mrn(user, "NM-555077")
    assert [(d.code, d.label, d.primary) for d in patient.diagnoses] == [
        ("F32.1", "Moderate depressive episode", True)]
