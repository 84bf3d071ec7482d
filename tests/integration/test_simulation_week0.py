"""Week 0 of the simulation's PHQ-9 fan is the model's estimate on the day of the latest score (the posterior fitted
to every score), and the page says so beside the score observed that day (demo walk: the fan started near 15 while
the latest PHQ-9 was 11, unexplained)."""

from __future__ import annotations

from datetime import timedelta

from components.simulation.charts import week0_sentence

CONTINUE = {"name": "Continue", "steps": [{"drug": "sertraline", "dose_mg": 150, "days": 56}], "horizon_weeks": 8}


def test_a_fan_that_starts_away_from_the_latest_score_says_what_week_0_is_and_why(  # type: ignore[no-untyped-def]
        services, clinician, patient):
    today = services.context.today()
    start = today - timedelta(weeks=8)
    services.medications.add(clinician, patient.id, "sertraline", 150, start_date=start, reason="episode")
    for day, answers in ((0, [2] * 9), (14, [2] * 8 + [0]), (28, [2] * 8 + [0]), (42, [2] * 8 + [0]),
                         (56, [1, 1, 1, 1, 1, 1, 1, 1, 0])):
        services.assessments.record(clinician, patient.id, "PHQ-9", answers, start + timedelta(days=day))
    run = services.twin.run_scenarios(clinician, patient.id, [CONTINUE], draws=200)
    q = run.results[0].phq9
    assert run.observed_phq9[-1][1] == 8 and q.p50[0] > 8  # the fit does not copy the last score
    text = week0_sentence(run)
    assert "the date of the latest PHQ-9 (8 observed)" in text
    assert f"the model's estimate for that day, {q.p50[0]:.0f} (90% {q.p05[0]:.0f}–{q.p95[0]:.0f})" in text
    assert "fitted to all 5 PHQ-9 totals" in text
    if not q.p25[0] <= 8 <= q.p75[0]:
        assert "the next PHQ-9 will show whether 8 is the new level" in text
