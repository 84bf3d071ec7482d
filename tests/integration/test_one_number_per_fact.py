"""One number per fact: the twin pages' view models agree on each plasma level and occupancy for the same patient
and date, because one function computes each from the patient's actual regimen history; and a simulated plan keeps
dosing to the end of its horizon (issue 18, "One number per fact")."""

from __future__ import annotations

from datetime import timedelta

import pytest

CONTINUE_150 = {"name": "Continue 150 mg", "steps": [{"drug": "sertraline", "dose_mg": 150, "days": 56}],
                "horizon_weeks": 8}


def _titrated_to_150(services, clinician, patient, last_phq9_days_ago: int = 0):  # type: ignore[no-untyped-def]
    """Sertraline 50 mg for four weeks, then 150 mg; PHQ-9 every two weeks, the last one ``last_phq9_days_ago``."""
    today = services.context.today()
    start = today - timedelta(weeks=8)
    order = services.medications.add(clinician, patient.id, "sertraline", 50, start_date=start, reason="episode")
    services.medications.titrate(clinician, order.id, 150, "no improvement at 50 mg", on=start + timedelta(days=28))
    last = today - timedelta(days=last_phq9_days_ago)
    for day in (0, 14, 28, 42):
        services.assessments.record(clinician, patient.id, "PHQ-9", [2, 2, 2, 2, 2, 2, 2, 1, 0],
                                    start + timedelta(days=day))
    services.assessments.record(clinician, patient.id, "PHQ-9", [2, 2, 1, 2, 2, 2, 1, 1, 0], last)
    return patient


@pytest.mark.parametrize("adherence_note", [None, "misses 2 doses a week"])
def test_twin_state_timelines_and_simulation_show_the_same_occupancy_and_plasma_level_for_one_date(  # type: ignore[no-untyped-def]
        services, clinician, patient, adherence_note):
    _titrated_to_150(services, clinician, patient)
    if adherence_note:  # missed doses are drawn dose by dose, so a longer schedule keeps the same ones
        order = services.medications.active(clinician, patient.id)[0]
        services.medications.set_adherence_note(clinician, order.id, adherence_note)
    state = services.twin.state_view(clinician, patient.id).state
    timelines = services.twin.timelines_view(clinician, patient.id, ["amygdala"], ["serotonin"]).data
    simulation = services.twin.simulation_view(clinician, patient.id)
    assert state.as_of == simulation.defaults.week0 == services.context.today()
    today = timelines.summary
    week0 = simulation.week0_levels
    assert week0 is not None and week0.on == simulation.defaults.week0
    sert = state.state.occupancy_percent["SERT"]
    assert sert > (85 if adherence_note is None else 60)
    assert today.occupancy_today_percent["SERT"] == sert == week0.occupancy_percent["SERT"]
    assert today.plasma_today_ng_ml["sertraline"] == week0.plasma_ng_ml["sertraline"]
    assert 60 < week0.plasma_ng_ml["sertraline"] < 200  # 150 mg/day at steady state (AGNP range 10-150 ng/mL)

    run = services.twin.run_scenarios(clinician, patient.id, [CONTINUE_150], draws=200).results[0]
    assert run.pk.occupancy_percent["SERT"][0] == sert
    assert run.pk.concentration_ng_ml["sertraline"][0] == week0.plasma_ng_ml["sertraline"]


def test_the_twin_state_at_an_earlier_phq9_matches_the_timeline_on_that_date(  # type: ignore[no-untyped-def]
        services, clinician, patient):
    _titrated_to_150(services, clinician, patient, last_phq9_days_ago=5)
    state = services.twin.state_view(clinician, patient.id).state
    timelines = services.twin.timelines_view(clinician, patient.id, ["amygdala"], ["serotonin"]).data
    day = (state.as_of - timelines.origin).days
    assert 0 < day < timelines.today_day
    # the band's median is a percentile of the same daily means (equal up to the last rounded digit)
    assert timelines.occupancy["SERT"].p50[day] == pytest.approx(state.state.occupancy_percent["SERT"], abs=0.011)
    simulation = services.twin.simulation_view(clinician, patient.id)
    assert simulation.week0_levels.occupancy_percent["SERT"] == state.state.occupancy_percent["SERT"]


@pytest.mark.parametrize("adherence_note", [None, "misses 2 doses a week"])
def test_a_simulated_plan_keeps_dosing_to_the_last_day_of_its_horizon(  # type: ignore[no-untyped-def]
        services, clinician, patient, adherence_note):
    _titrated_to_150(services, clinician, patient)
    if adherence_note:
        order = services.medications.active(clinician, patient.id)[0]
        services.medications.set_adherence_note(clinician, order.id, adherence_note)
    result = services.twin.run_scenarios(clinician, patient.id, [CONTINUE_150], draws=100).results[0]
    plasma = result.pk.concentration_ng_ml["sertraline"]
    sert = result.pk.occupancy_percent["SERT"]
    assert len(plasma) == 7 * 8 + 1
    steady = sorted(plasma[-15:-1])
    assert plasma[-1] >= 0.9 * steady[len(steady) // 2]  # the last day is dosed like the days before it
    assert sert[-1] >= min(sert[-15:-1]) - 0.5
    for levels in result.neurotransmitters.values():
        serotonin = levels["serotonin"]
        assert serotonin[-1] >= serotonin[-2] - 0.01  # no fall in the last week as if the drug had stopped


@pytest.mark.parametrize("adherence_note", [None, "misses 2 doses a week"])
def test_the_twin_state_and_the_timelines_show_one_trough_from_the_dosing_history_with_one_label(  # type: ignore[no-untyped-def]
        services, clinician, patient, adherence_note):
    from novamind_core.twin.exposure import TROUGH_BASIS

    _titrated_to_150(services, clinician, patient)
    if adherence_note:
        order = services.medications.active(clinician, patient.id)[0]
        services.medications.set_adherence_note(clinician, order.id, adherence_note)
    review = services.twin.state_view(clinician, patient.id).review
    page = services.twin.timelines_view(clinician, patient.id, ["amygdala"], ["serotonin"])
    trough = page.data.summary.trough_today_ng_ml
    assert trough is not None and 10 < trough < page.data.summary.plasma_today_ng_ml["sertraline"]
    assert page.safety.trough_ng_ml == trough
    assert f"{TROUGH_BASIS} {trough:.0f} ng/mL" in page.safety.range_text()
    exposure = next(s for s in review.signals if s.name == "Exposure")
    assert exposure.finding.startswith(f"{TROUGH_BASIS} {trough:.0f} ng/mL")
    sert = page.data.summary.occupancy_today_percent["SERT"]  # the review's occupancy is today's, from the history
    occupancy = next(s for s in review.signals if s.name == "Target occupancy")
    assert occupancy.finding.startswith(f"SERT occupancy {sert:.0f}% (today, mean over the day, from the dosing "
                                        "history)")
