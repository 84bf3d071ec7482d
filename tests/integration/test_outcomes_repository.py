"""The outcome repository on SQLite and PostgreSQL: episode inputs, questionnaire requests, measurement events for
billing, the synthetic-data flag, and the demo seed's outcome history feeding the clinic lead's report."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from novamind_core.domain.instruments import Instrument
from tests.conftest import _make_user, register_patient
from tests.fakes import count_statements

PHQ_MODERATE = [2, 2, 2, 1, 1, 1, 1, 1, 0]  # 11
PHQ_ITEM9 = [1, 1, 1, 1, 1, 1, 1, 1, 1]  # 9, item 9 positive


@pytest.fixture
def lead(services):  # type: ignore[no-untyped-def]
    return _make_user(services, "lead.one", "clinic_lead")


def test_patient_inputs_carry_dates_clinician_diagnosis_drugs_scores_and_phenotypes(services, clinician, admin):
    p = register_patient(services, clinician, care_team=[admin.id, clinician.id], cyp2c19="poor")
    services.medications.add(clinician, p.id, "sertraline", 50, start_date="2026-01-05")
    services.assessments.record(clinician, p.id, "PHQ-9", PHQ_MODERATE, "2026-01-05")
    services.assessments.record(clinician, p.id, "GAD-7", [1] * 7, "2026-01-05")
    with services.context.uow() as uow:
        (inputs,) = uow.outcomes.patient_inputs()
    assert inputs.patient_id == p.id and inputs.clinician_id == clinician.id  # the admin carries no caseload
    assert inputs.primary_diagnosis.startswith("F32.1 ") and inputs.cyp2c19 == "poor" and inputs.cyp2d6 is None
    assert inputs.registered_on is not None and inputs.discharged_on is None
    assert [(d.drug, d.started_on) for d in inputs.drugs] == [("sertraline", date(2026, 1, 5))]
    assert [(s.instrument, s.total, s.source) for s in inputs.scores] == [
        (Instrument.PHQ9, 11, "clinician"), (Instrument.GAD7, 7, "clinician")]
    assert inputs.index_drug(date(2026, 1, 5), None) == "sertraline"


def test_patient_inputs_read_every_patient_in_a_fixed_number_of_statements(services, clinician):
    for n in range(6):
        p = register_patient(services, clinician, mrn=f"NM-00010{n}")
        services.assessments.record(clinician, p.id, "PHQ-9", PHQ_MODERATE, "2026-02-01")
    with services.context.uow() as uow, count_statements(services.engine) as seen:
        assert len(uow.outcomes.patient_inputs()) == 6
    assert len(seen) <= 7


def test_measurement_events_name_the_visit_the_interpretation_and_the_action_taken(services, clinician, clock):
    p = register_patient(services, clinician)
    visit = services.visits.schedule(clinician, p.id, datetime.combine(date(2026, 3, 13), time(10, 0), tzinfo=UTC))
    clock.advance(days=1)
    services.assessments.record(clinician, p.id, "PHQ-9", PHQ_ITEM9, "2026-03-13")
    services.assessments.record(clinician, p.id, "GAD-7", [1] * 7, "2026-03-13")
    services.medications.add(clinician, p.id, "sertraline", 50, start_date="2026-03-13")
    with services.context.uow() as uow:
        events = uow.outcomes.measurement_events(date(2026, 3, 1), date(2026, 3, 31))
    by_instrument = {e.instrument: e for e in events}
    assert set(by_instrument) == {Instrument.PHQ9, Instrument.GAD7}
    assert by_instrument[Instrument.PHQ9].action_taken.startswith("urgent alert")
    assert by_instrument[Instrument.GAD7].action_taken == "medication started or changed"
    assert all(e.visit_id == visit.id and e.mrn == "NM-000001" for e in events)
    assert by_instrument[Instrument.GAD7].interpretation == "mild"
    assert "GAD-7 administered and scored 2026-03-13: total 7/21 (mild)" in by_instrument[Instrument.GAD7].note_line()


def test_measurement_events_of_one_patient_leave_out_every_other_patient_scored_that_day(services, clinician, clock):
    clock.advance(days=2)
    mine = register_patient(services, clinician)
    other = register_patient(services, clinician, mrn="NM-000002")
    for pid in (mine.id, other.id):
        services.assessments.record(clinician, pid, "PHQ-9", PHQ_MODERATE, "2026-03-13")
    services.assessments.record(clinician, mine.id, "GAD-7", [1] * 7, "2026-03-14")
    day = date(2026, 3, 13)
    with services.context.uow() as uow:
        assert len(uow.outcomes.measurement_events(day, day)) == 2
        events = uow.outcomes.measurement_events(day, day, patient_ids=[mine.id])
    assert [(e.patient_id, e.instrument, e.taken_on) for e in events] == [(mine.id, Instrument.PHQ9, day)]


def test_questionnaire_requests_in_the_period_say_whether_they_were_completed(services, clinician):
    p = register_patient(services, clinician)
    services.reporting.create_request(clinician, p.id, "PHQ-9")
    with services.context.uow() as uow:
        inside = uow.outcomes.questionnaire_requests(date(2026, 3, 1), date(2026, 3, 31))
        outside = uow.outcomes.questionnaire_requests(date(2026, 4, 1), date(2026, 4, 30))
    assert [(r.patient_id, r.completed) for r in inside] == [(p.id, False)] and outside == []


def test_a_clinic_lead_bills_the_month_and_a_clinician_is_refused(services, clinician, lead):
    from novamind_core.domain.errors import PermissionDenied

    p = register_patient(services, clinician)
    services.assessments.record(clinician, p.id, "PHQ-9", PHQ_MODERATE, "2026-03-02")
    services.assessments.record(clinician, p.id, "GAD-7", [1] * 7, "2026-03-02")
    events = services.outcomes.billing(lead, "2026-03", cap_per_encounter=1)
    assert [(e.instrument, e.billed) for e in events] == [(Instrument.PHQ9, True), (Instrument.GAD7, False)]
    with pytest.raises(PermissionDenied):
        services.outcomes.billing(clinician, "2026-03")


def test_the_demo_seed_gives_the_clinic_lead_a_meaningful_synthetic_outcome_report(services):
    from novamind_core.demo.seed import seed_demo

    with services.context.uow() as uow:
        assert not uow.outcomes.demo_seeded()
    report = seed_demo(services, n_patients=6, seed=1, outcome_history=60)
    assert report.outcome_history_patients == 60
    lead = services.users.authenticate("demo.lead", "demo-lead-2024")
    tt = services.outcomes.report(lead, standard="talking_therapies", start="2025-03-01", end="2026-03-12",
                                  by="clinician")
    assert tt.synthetic_data and tt.scope == "clinic"
    assert {g.label for g in tt.groups} >= {"Dr Ada Demo", "Dr Ben Demo", "Dr Cleo Demo"}
    assert tt.overall.episodes >= 50 and tt.overall.completeness.rate.estimate > 0.9
    assert tt.funnel is not None and len(tt.funnel.points) == 3
    us = services.outcomes.report(lead, standard="us", start="2025-03-01", end="2026-03-12")
    assert us.overall.rate("remission_6m").denominator >= 10
    own = services.patients.find_by_mrn(lead, "NM-700001")  # the lead is on every fifth history patient's team
    (episode,) = services.outcomes.episodes(lead, own.id)
    assert episode.is_closed and episode.close_reason.value == "discharged"
    from novamind_core.domain.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.patients.find_by_mrn(lead, "NM-700002")
