"""Episodes of care on the chart and the visit note's measurement events, on the in-memory unit of work: the chart
builds its episodes with the outcome service's builder inside its one audited view, and the day's measurement events
reach only the care team, audited once."""

from __future__ import annotations

from datetime import date

import pytest

from novamind_core.domain.episodes import EpisodeCloseReason, ScoredContact
from novamind_core.domain.errors import PermissionDenied, ValidationError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.outcome_records import MeasurementEvent
from novamind_core.security.audit import AuditAction, AuditOutcome
from novamind_core.services.assessments import AssessmentService
from novamind_core.services.charts import CHART_VIEW, ChartService
from novamind_core.services.outcomes import OutcomeService, episode_outcomes, patient_episodes
from tests.unit.services.test_clinical_record import CLINICIAN, OUTSIDER, PID, ctx, store  # noqa: F401

PHQ9_SEVERE = [2, 2, 2, 2, 2, 2, 2, 2, 0]  # 16
PHQ9_MILD = [1, 1, 1, 1, 0, 0, 0, 0, 0]  # 4
GAD7_HIGH = [2, 2, 2, 2, 2, 2, 0]  # 12
GAD7_LOW = [1, 1, 0, 0, 0, 0, 0]  # 2


def test_the_chart_carries_the_patients_episode_in_its_one_audited_view(store):  # noqa: F811
    c = ctx(store)
    record = AssessmentService(c).record
    record(CLINICIAN, PID, "PHQ-9", PHQ9_SEVERE, "2026-05-21")
    record(CLINICIAN, PID, "GAD-7", GAD7_HIGH, "2026-05-21")
    record(CLINICIAN, PID, "PHQ-9", PHQ9_MILD, "2026-05-30")
    rows = len(store.repositories["audit"].records)
    view = ChartService(c).patient_chart(CLINICIAN, PID)
    [audited] = store.repositories["audit"].records[rows:]
    assert audited.action == CHART_VIEW and "episodes=1" in audited.detail
    [shown] = view.episodes
    e = shown.episode
    assert (e.opened_on, e.close_reason) == (date(2026, 5, 20), EpisodeCloseReason.OPEN), "opens at registration"
    phq = e.score(Instrument.PHQ9)
    assert (phq.baseline, phq.final, phq.has_pair) == (16, 4, True)
    assert not e.score(Instrument.GAD7).has_pair
    assert shown.talking_therapies is None, "an open episode is not a finished Talking Therapies course"
    [tt] = shown.talking_therapies_changes
    assert tt.caseness_baseline and not tt.caseness_current and tt.reliable_improvement
    [jt] = shown.reliable_change
    assert jt.instrument is Instrument.PHQ9 and jt.reliable_improvement


def test_episodes_close_after_the_gap_and_the_chart_lists_the_newest_first_with_a_finished_courses_outcome():
    phq, gad = Instrument.PHQ9, Instrument.GAD7
    scores = [ScoredContact(phq, date(2026, 1, 5), 18), ScoredContact(gad, date(2026, 1, 5), 13),
              ScoredContact(phq, date(2026, 3, 30), 4), ScoredContact(gad, date(2026, 3, 30), 3),
              ScoredContact(phq, date(2026, 9, 1), 15)]
    episodes = patient_episodes(7, scores, date(2026, 1, 2), None, as_of=date(2026, 9, 10))
    assert [(e.number, e.opened_on, e.close_reason) for e in episodes] == [
        (1, date(2026, 1, 2), EpisodeCloseReason.NO_CONTACT), (2, date(2026, 9, 1), EpisodeCloseReason.OPEN)]
    shown = episode_outcomes(episodes)
    assert [o.episode.number for o in shown] == [2, 1], "newest first"
    first = shown[1].talking_therapies
    assert first is not None and first.reliable_recovery
    assert shown[0].talking_therapies is None and shown[0].reliable_change == ()


def _event(pid: int, day: date, instrument: Instrument, total: int) -> MeasurementEvent:
    return MeasurementEvent(patient_id=pid, mrn=f"NM-{pid}", taken_on=day, instrument=instrument, total=total,
                            interpretation="moderate", action_taken="score reviewed; plan continued",
                            source="clinician", visit_id=None, clinician_id=CLINICIAN.id)


def test_the_days_measurement_events_reach_the_care_team_for_that_patient_and_date_only_audited_once(
        store):  # noqa: F811
    day = date(2026, 5, 28)
    store.repositories["outcomes"].events = [
        _event(PID, day, Instrument.PHQ9, 12), _event(PID, day, Instrument.GAD7, 9),
        _event(PID, date(2026, 5, 27), Instrument.PHQ9, 14), _event(PID + 1, day, Instrument.PHQ9, 20)]
    service = OutcomeService(ctx(store))
    events = service.measurement_events(CLINICIAN, PID, day.isoformat())
    assert [(e.patient_id, e.taken_on, e.instrument) for e in events] == [
        (PID, day, Instrument.PHQ9), (PID, day, Instrument.GAD7)]
    assert events[0].note_line() == ("PHQ-9 administered and scored 2026-05-28: total 12/27 (moderate); action: "
                                     "score reviewed; plan continued.")
    [audited] = store.repositories["audit"].records
    assert (audited.action, audited.outcome, audited.patient_id) == (AuditAction.MEASUREMENT_EVENTS,
                                                                    AuditOutcome.SUCCESS, PID)
    assert "2026-05-28" in audited.detail and "2 events" in audited.detail


def test_measurement_events_are_refused_off_the_care_team_and_the_refusal_is_audited(store):  # noqa: F811
    store.repositories["outcomes"].events = [_event(PID, date(2026, 5, 28), Instrument.PHQ9, 12)]
    with pytest.raises(PermissionDenied):
        OutcomeService(ctx(store)).measurement_events(OUTSIDER, PID, date(2026, 5, 28))
    [audited] = store.repositories["audit"].records
    assert (audited.action, audited.outcome) == (AuditAction.MEASUREMENT_EVENTS, AuditOutcome.DENIED)


def test_measurement_events_refuse_a_date_that_is_not_one(store):  # noqa: F811
    with pytest.raises(ValidationError, match="date"):
        OutcomeService(ctx(store)).measurement_events(CLINICIAN, PID, "28/05/2026")
