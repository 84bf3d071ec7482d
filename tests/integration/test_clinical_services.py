"""Assessments and alerts, medications, notes, visits, wearables and twin storage through the services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from novamind_core.domain.errors import ConflictError, StaleWriteError, ValidationError


def test_phq9_item_nine_above_zero_raises_an_alert(services, clinician, patient):
    result = services.assessments.record(clinician, patient.id, "PHQ-9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert [a.kind.value for a in result.alerts] == ["item9"]
    assert services.alerts.list_for_patient(clinician, patient.id)[0].kind.value == "item9"


def test_worsening_by_the_mcid_raises_an_alert_and_less_does_not(services, clinician, patient):
    services.assessments.record(clinician, patient.id, "PHQ-9", [1] * 8 + [0], administered_on="2026-03-01")
    small = services.assessments.record(clinician, patient.id, "PHQ-9", [1] * 8 + [0], administered_on="2026-03-05")
    assert small.alerts == ()
    big = services.assessments.record(clinician, patient.id, "PHQ-9", [2] * 8 + [0])  # 8 -> 16: +8 >= 5
    assert [a.kind.value for a in big.alerts] == ["worsening"]
    assert big.change_from_baseline.change == 8


def test_acknowledging_an_alert_records_who_and_when(services, clinician, patient, clock):
    # a worsening alert: an item-9 alert closes only through a risk review (tests/unit/services/test_risk_reviews.py)
    services.assessments.record(clinician, patient.id, "PHQ-9", [0] * 9, administered_on="2026-03-01")
    alert = services.assessments.record(clinician, patient.id, "PHQ-9", [1] * 8 + [0]).alerts[0]
    assert alert.kind.value == "worsening"
    acked = services.alerts.acknowledge(clinician, alert.id)
    assert acked.acknowledged_by == clinician.id and acked.acknowledged_at == clock.now and not acked.open
    with pytest.raises(ConflictError):
        services.alerts.acknowledge(clinician, alert.id)
    assert services.patients.caseload(clinician).rows[0].open_alerts == 0


def test_medication_titrate_switch_and_stop_keep_a_history_with_reasons(services, clinician, patient, clock):
    order = services.medications.add(clinician, patient.id, "Sertraline", 50, start_date="2026-01-01",
                                     reason="first line")
    up = services.medications.titrate(clinician, order.id, 100, reason="partial response", on="2026-02-01")
    sw = services.medications.switch(clinician, up.id, "vortioxetine", 10, reason="side effects", on="2026-03-01")
    history = services.medications.history(clinician, patient.id)
    assert [(m.drug, m.dose_mg, m.stop_date) for m in history] == [
        ("sertraline", 50, date(2026, 2, 1)), ("sertraline", 100, date(2026, 3, 1)), ("vortioxetine", 10, None)]
    assert history[1].previous_id == order.id and history[2].change_kind.value == "switch"
    stopped = services.medications.stop(clinician, sw.id, reason="remission for 6 months", on="2026-03-10")
    assert stopped.stop_reason == "remission for 6 months"
    assert services.medications.active(clinician, patient.id) == ()
    with pytest.raises(ValidationError, match="reason"):
        services.medications.stop(clinician, services.medications.add(clinician, patient.id, "citalopram", 20).id,
                                  reason="  ")


def test_adding_an_already_active_drug_is_refused(services, clinician, patient):
    services.medications.add(clinician, patient.id, "sertraline", 50)
    with pytest.raises(ConflictError, match="titrate"):
        services.medications.add(clinician, patient.id, "sertraline", 100)


def test_editing_a_note_keeps_the_earlier_version_and_who_changed_it(services, clinician, patient, admin):
    services.users.set_care_team(admin, patient.id, [clinician.id, admin.id])
    note = services.notes.add(clinician, patient.id, "Mood low, sleep poor.")
    edited = services.notes.edit(admin, note.id, "Mood low, sleep poor. Safety plan reviewed.")
    assert edited.text.endswith("reviewed.")
    assert [(r.revision, r.text, r.edited_by) for r in edited.revisions] == [
        (1, "Mood low, sleep poor.", clinician.id), (2, "Mood low, sleep poor. Safety plan reviewed.", admin.id)]
    with pytest.raises(StaleWriteError):
        services.notes.edit(clinician, note.id, "another", expected_revision=1)


def test_booking_a_visit_sets_the_next_visit_and_due_date_on_the_caseload(services, clinician, patient, clock):
    when = clock.now + timedelta(days=14)
    services.visits.schedule(clinician, patient.id, when, next_assessment_due=date(2026, 3, 20))
    row = services.patients.caseload(clinician).rows[0]
    assert row.next_visit_at == when and row.next_assessment_due == date(2026, 3, 20) and not row.overdue
    clock.advance(days=9)
    assert services.patients.caseload(clinician).rows[0].overdue
    with pytest.raises(ValidationError, match="past"):
        services.visits.schedule(clinician, patient.id, datetime(2020, 1, 1, tzinfo=UTC))


def test_chart_summary_states_the_outcome_in_plain_words(services, clinician, patient):
    services.medications.add(clinician, patient.id, "sertraline", 100, start_date="2026-01-01")
    services.assessments.record(clinician, patient.id, "PHQ-9", [2] * 9, administered_on="2026-01-08")
    services.assessments.record(clinician, patient.id, "PHQ-9", [1] * 8 + [0], administered_on="2026-03-12")
    chart = services.patients.chart(clinician, patient.id)
    assert chart.outcomes["PHQ-9"].sentence == (
        "PHQ-9 fell from 18 to 8 over 9 weeks on sertraline 100 mg: response, not yet remission.")
    kinds = [e.kind for e in services.patients.timeline(clinician, patient.id)]
    assert kinds[:2] == ["medication", "assessment"]


def test_discharge_needs_the_current_version(services, clinician, patient):
    done = services.patients.discharge(clinician, patient.id, patient.version)
    assert done.status.value == "discharged" and done.version == patient.version + 1
    assert services.patients.caseload(clinician).total == 0
    assert services.patients.caseload(clinician, status="discharged").total == 1


def test_minute_activity_round_trips_with_missing_minutes(services, clinician, patient):
    counts = np.arange(2 * 1440, dtype=float).reshape(2, 1440) % 700
    counts[1, 100:200] = np.nan
    assert services.wearables.store_minute_activity(clinician, patient.id, "2026-03-01", counts) == 2
    back = services.wearables.minute_activity(clinician, patient.id)
    assert back.days == (date(2026, 3, 1), date(2026, 3, 2))
    np.testing.assert_array_equal(back.counts, counts)


def test_daily_summary_import_is_all_or_nothing(services, clinician, patient):
    good = {"date": "2026-03-01", "steps": 8000, "sleep_minutes": 420, "resting_hr": 61, "hrv_rmssd": 38}
    bad = {"date": "2026-03-02", "steps": 8000, "resting_hr": 900}
    with pytest.raises(ValidationError, match="row 2: resting_hr"):
        services.wearables.store_daily_summaries(clinician, patient.id, [good, bad])
    assert services.wearables.daily_summaries(clinician, patient.id) == ()
    services.wearables.store_daily_summaries(clinician, patient.id, [good])
    assert services.wearables.daily_summaries(clinician, patient.id)[0].steps == 8000


def test_twin_versions_can_be_compared_and_scenarios_saved(services, clinician, patient):
    services.twin.save_snapshot(clinician, patient.id, "assessment", {"state": {"serotonin": 1.0, "mood": 5}})
    services.twin.save_snapshot(clinician, patient.id, "medication", {"state": {"serotonin": 1.2, "sleep": 3}})
    diff = services.twin.compare(clinician, patient.id, 1, 2)
    assert diff.added == ("state.sleep",) and diff.removed == ("state.mood",)
    assert diff.changed == (("state.serotonin", 1.0, 1.2),)
    saved = services.twin.save_scenario(clinician, patient.id, "Switch to vortioxetine", {"horizon_weeks": 12},
                                        note="discuss at next visit")
    assert services.twin.get_scenario(clinician, saved.id).scenario == {"horizon_weeks": 12}
    assert [s.id for s in services.twin.list_scenarios(clinician, patient.id)] == [saved.id]
