"""The clinic outcome report, a patient's episodes and the measurement-billing export, on the in-memory unit of
work: no database anywhere in this file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from novamind_core.domain.errors import PermissionDenied, ValidationError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.outcome_records import (
    ClinicianRef,
    DrugPeriod,
    MeasuredScore,
    MeasurementEvent,
    PatientOutcomeInputs,
    QuestionnaireRequestFact,
)
from novamind_core.domain.patients import Patient, SexAtBirth
from novamind_core.domain.users import Role, User
from novamind_core.security.audit import AuditAction, AuditOutcome
from novamind_core.services.outcomes import OutcomeService
from tests.fakes.uow import FakeStore, fake_context

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
DR_A = User(id=1, username="dr.a", display_name="Dr A", role=Role.CLINICIAN)
DR_B = User(id=2, username="dr.b", display_name="Dr B", role=Role.CLINICIAN)
DR_C = User(id=3, username="dr.c", display_name="Dr C", role=Role.CLINICIAN)
LEAD = User(id=10, username="lead", display_name="Dr Lead", role=Role.CLINIC_LEAD)
ADMIN = User(id=11, username="admin", display_name="Admin", role=Role.ADMIN)
ANALYST = User(id=12, username="analyst", display_name="Analyst", role=Role.ANALYST)
START, END = date(2026, 1, 1), date(2026, 6, 30)


def course(pid: int, clinician: int, first: date, phq: tuple[int, int], gad: tuple[int, int], *,
           drug: str | None = "sertraline", weeks: int = 12, source: str = "clinician") -> PatientOutcomeInputs:
    """A finished course: PHQ-9 and GAD-7 at ``first`` and ``weeks`` later, then discharge a week after."""
    last = first + timedelta(weeks=weeks)
    scores = (MeasuredScore(Instrument.PHQ9, first, phq[0], source),
              MeasuredScore(Instrument.GAD7, first, gad[0], source),
              MeasuredScore(Instrument.PHQ9, last, phq[1], source),
              MeasuredScore(Instrument.GAD7, last, gad[1], source))
    return PatientOutcomeInputs(patient_id=pid, registered_on=first, discharged_on=last + timedelta(days=7),
                                clinician_id=clinician, primary_diagnosis="F32.1", cyp2d6="normal", cyp2c19="normal",
                                drugs=(DrugPeriod(drug, first),) if drug else (), scores=scores)


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    for user in (DR_A, DR_B, DR_C, LEAD, ADMIN, ANALYST):
        store.repositories["users"].put(user)
    repo = store.repositories["outcomes"]
    repo.staff = [ClinicianRef(u.id, u.display_name) for u in (DR_A, DR_B, DR_C, LEAD)]
    pid = 100
    # Dr A: 10 courses, 8 recover; Dr B: 10 courses, 3 recover; Dr C: 3 courses, all recover (a small cell)
    for clinician, n, recovered in ((DR_A.id, 10, 8), (DR_B.id, 10, 3), (DR_C.id, 3, 3)):
        for i in range(n):
            pid += 1
            end_scores = ((4, 3) if i < recovered else (14, 10))
            repo.put(course(pid, clinician, date(2026, 1, 5) + timedelta(days=3 * i), (18, end_scores[0]),
                            (13, end_scores[1])))
    return store


def service(store: FakeStore) -> OutcomeService:
    return OutcomeService(fake_context(store, clock=lambda: NOW, clinic_name="Riverside Clinic"))


def audit(store: FakeStore) -> list[tuple[str, str]]:
    return [(r.action, r.outcome) for r in store.repositories["audit"].records]


# ------------------------------------------------------------------------------------------------ the report
def test_a_clinic_lead_sees_every_clinicians_talking_therapies_figures_with_intervals(store):
    report = service(store).report(LEAD, standard="talking-therapies", start=START, end=END, by="clinician")
    assert report.scope == "clinic" and report.standard == "talking_therapies"
    assert report.overall.episodes == 23
    recovery = report.overall.rate("recovery")
    assert (recovery.numerator, recovery.denominator) == (14, 23)
    assert recovery.rate.lower < 14 / 23 < recovery.rate.upper
    assert [g.label for g in report.groups] == ["Dr A", "Dr B", "Dr C"]
    assert report.groups[0].rate("recovery").numerator == 8
    assert report.overall.completeness.numerator == report.overall.completeness.denominator == 23
    assert [d.key for d in report.definitions] == ["recovery", "reliable_improvement", "reliable_deterioration",
                                                   "reliable_recovery"]
    assert all(d.source for d in report.definitions)


def test_each_report_writes_exactly_one_outcomes_view_audit_event(store):
    service(store).report(LEAD, standard="us", start=START, end=END)
    assert audit(store) == [(AuditAction.OUTCOMES_VIEW, AuditOutcome.SUCCESS)]


def test_a_clinician_sees_only_their_own_episodes_and_only_their_own_funnel_point(store):
    report = service(store).report(DR_B, standard="talking_therapies", start=START, end=END, by="clinician")
    assert report.scope == "own"
    assert report.overall.episodes == 10
    assert [g.label for g in report.groups] == ["Dr B"]
    assert report.funnel is not None and [p.label for p in report.funnel.points] == ["Dr B"]
    assert report.funnel.target == pytest.approx(14 / 23)  # the clinic's rate stays the target


def test_an_analyst_is_refused_the_outcome_report_and_the_refusal_is_audited(store):
    with pytest.raises(PermissionDenied, match="analyst"):
        service(store).report(ANALYST, standard="us", start=START, end=END)
    assert audit(store) == [(AuditAction.OUTCOMES_VIEW, AuditOutcome.DENIED)]


def test_a_clinician_with_fewer_than_five_episodes_is_suppressed_and_a_second_cell_hides_with_it(store):
    report = service(store).report(ADMIN, standard="talking_therapies", start=START, end=END, by="clinician")
    by_label = {g.label: g.rate("recovery") for g in report.groups}
    assert by_label["Dr C"].suppressed
    assert sum(r.suppressed for r in by_label.values()) >= 2  # secondary suppression: the total would reveal it


def test_an_episode_without_a_gad7_pair_counts_but_is_not_complete_and_is_in_no_rate(store):
    repo = store.repositories["outcomes"]
    first = date(2026, 2, 2)
    repo.put(PatientOutcomeInputs(
        patient_id=999, registered_on=first, discharged_on=first + timedelta(weeks=10), clinician_id=DR_A.id,
        primary_diagnosis=None, cyp2d6=None, cyp2c19=None,
        scores=(MeasuredScore(Instrument.PHQ9, first, 20),
                MeasuredScore(Instrument.PHQ9, first + timedelta(weeks=8), 4))))
    report = service(store).report(LEAD, standard="talking_therapies", start=START, end=END)
    assert report.overall.episodes == 24
    assert (report.overall.completeness.numerator, report.overall.completeness.denominator) == (23, 24)
    assert report.overall.rate("recovery").denominator == 23


def test_the_funnel_places_the_weak_clinician_below_the_clinic_and_adjusts_for_case_mix(store):
    report = service(store).report(LEAD, standard="talking_therapies", start=START, end=END,
                                   funnel_measure="recovery")
    funnel = report.funnel
    assert funnel is not None and funnel.measure == "recovery"
    points = {p.label: p for p in funnel.points}
    assert points["Dr A"].rate.rate.estimate > funnel.target > points["Dr B"].rate.rate.estimate
    assert np.all(funnel.raw_limits.lower_998 <= funnel.raw_limits.lower_95)
    assert np.all(funnel.raw_limits.upper_95 <= funnel.raw_limits.upper_998)
    for p in points.values():  # expectations come from the twin's population model: strictly between 0 and n
        assert 0 < p.oe.expected < p.oe.n
        assert p.oe_lower_998 <= p.oe_lower_95 <= p.oe_upper_95 <= p.oe_upper_998
    assert points["Dr A"].oe.ratio > points["Dr B"].oe.ratio
    assert "calibrated" in funnel.assumptions


def test_rates_over_time_have_one_entry_per_month_or_quarter_of_the_period(store):
    monthly = service(store).report(LEAD, standard="talking_therapies", start=START, end=END)
    quarterly = service(store).report(LEAD, standard="talking_therapies", start=START, end=END, period="quarter")
    assert [p.label for p in monthly.over_time] == [f"2026-{m:02d}" for m in range(1, 7)]
    assert [p.label for p in quarterly.over_time] == ["2026-Q1", "2026-Q2"]
    assert sum(p.episodes for p in quarterly.over_time) == quarterly.overall.episodes


def test_measurement_completion_counts_requests_and_who_entered_each_score(store):
    repo = store.repositories["outcomes"]
    repo.requests = [QuestionnaireRequestFact(101, date(2026, 3, 3), True),
                     QuestionnaireRequestFact(102, date(2026, 3, 9), False)]
    repo.put(course(500, DR_A.id, date(2026, 3, 2), (15, 3), (10, 2), source="patient_remote"))
    report = service(store).report(LEAD, standard="talking_therapies", start=START, end=END)
    march = next(m for m in report.measurement if m.label == "2026-03")
    assert (march.requested, march.completed) == (2, 1)
    assert march.patient_entered == 2


def test_us_remission_at_six_months_counts_an_episode_whose_window_ends_in_the_period(store):
    repo = store.repositories["outcomes"]
    index = date(2025, 10, 1)
    repo.put(PatientOutcomeInputs(
        patient_id=700, registered_on=index, discharged_on=None, clinician_id=DR_A.id, primary_diagnosis="F32.1",
        cyp2d6=None, cyp2c19=None,
        scores=tuple(MeasuredScore(Instrument.PHQ9, index + timedelta(days=d), t)
                     for d, t in ((0, 16), (60, 10), (120, 7), (175, 3)))))
    report = service(store).report(LEAD, standard="us", start=START, end=END)
    assert report.overall.rate("remission_6m").numerator >= 1
    assert report.overall.rate("remission_12m").denominator == 0  # its 12-month window is still open


def test_the_report_refuses_an_unknown_standard_a_reversed_period_and_an_unknown_grouping(store):
    s = service(store)
    with pytest.raises(ValidationError, match="standard"):
        s.report(LEAD, standard="nhs", start=START, end=END)
    with pytest.raises(ValidationError, match="period"):
        s.report(LEAD, standard="us", start=END, end=START)
    with pytest.raises(ValidationError, match="by"):
        s.report(LEAD, standard="us", start=START, end=END, by="postcode")


def test_the_report_json_hides_suppressed_counts_and_carries_no_patient_id(store):
    payload = service(store).report(LEAD, standard="talking_therapies", start=START, end=END,
                                    by="clinician").to_json()
    dr_c = next(g for g in payload["groups"] if g["label"] == "Dr C")
    assert dr_c["rates"]["recovery"] == {"suppressed": True, "numerator": None, "denominator": None, "rate": None,
                                         "lower_95": None, "upper_95": None}
    assert "patient_id" not in repr(payload)


# ------------------------------------------------------------------------------------------------ episodes
def test_a_clinic_lead_opens_episodes_only_for_patients_on_their_own_care_team(store):
    patients = store.repositories["patients"]
    for pid, team in ((101, (LEAD.id,)), (102, (DR_A.id,))):
        patients.put(Patient(id=pid, mrn=f"NM-{pid}", given_name="T", family_name="P", date_of_birth=date(1980, 1, 1),
                             sex_at_birth=SexAtBirth.FEMALE, care_team=team), registered_on=date(2026, 1, 5))
    episodes = service(store).episodes(LEAD, 101)
    assert len(episodes) == 1 and episodes[0].is_closed
    with pytest.raises(PermissionDenied, match="care team"):
        service(store).episodes(LEAD, 102)
    assert audit(store) == [(AuditAction.OUTCOMES_EPISODES, AuditOutcome.SUCCESS),
                            (AuditAction.OUTCOMES_EPISODES, AuditOutcome.DENIED)]


# ------------------------------------------------------------------------------------------------ billing
def _event(pid: int, day: date, instrument: Instrument, total: int, mrn: str = "NM-1") -> MeasurementEvent:
    return MeasurementEvent(patient_id=pid, mrn=mrn, taken_on=day, instrument=instrument, total=total,
                            interpretation="moderate", action_taken="score reviewed; plan continued",
                            source="clinician", visit_id=None, clinician_id=DR_A.id)


def test_billing_gives_one_unit_per_instrument_per_patient_per_date_capped_per_encounter(store):
    day = date(2026, 5, 4)
    store.repositories["outcomes"].events = [
        _event(1, day, Instrument.PHQ9, 12), _event(1, day, Instrument.PHQ9, 11), _event(1, day, Instrument.GAD7, 9),
        _event(1, day, Instrument.ISI, 15), _event(2, day, Instrument.PHQ9, 5), _event(2, date(2026, 6, 1),
                                                                                       Instrument.PHQ9, 4)]
    events = service(store).billing(LEAD, "2026-05", cap_per_encounter=2)
    assert [(e.patient_id, e.instrument.value, e.billed) for e in events] == [
        (1, "PHQ-9", True), (1, "GAD-7", True), (1, "ISI", False), (2, "PHQ-9", True)]
    assert all(e.cpt == "96127" and e.units == 1 for e in events)
    assert events[0].total == 11  # the instrument scored twice that day is one unit, the last score documented
    assert audit(store) == [(AuditAction.BILLING_EXPORT, AuditOutcome.SUCCESS)]


def test_a_clinician_may_not_export_billing_and_the_refusal_is_audited(store):
    with pytest.raises(PermissionDenied, match="billing"):
        service(store).billing(DR_A, "2026-05")
    assert audit(store) == [(AuditAction.BILLING_EXPORT, AuditOutcome.DENIED)]


def test_the_billing_csv_neutralises_spreadsheet_formulae(store):
    store.repositories["outcomes"].events = [_event(1, date(2026, 5, 4), Instrument.PHQ9, 12, mrn="=HYPERLINK(1)")]
    rows = list(csv.DictReader(io.StringIO(service(store).billing_csv(ADMIN, date(2026, 5, 20)).decode())))
    assert rows[0]["mrn"] == "'=HYPERLINK(1)" and rows[0]["cpt"] == "96127" and rows[0]["billed"] == "yes"


def test_billing_refuses_a_cap_outside_one_to_twenty_and_a_month_that_is_not_one(store):
    with pytest.raises(ValidationError, match="cap"):
        service(store).billing(LEAD, "2026-05", cap_per_encounter=0)
    with pytest.raises(ValidationError, match="month"):
        service(store).billing(LEAD, "May 2026")
