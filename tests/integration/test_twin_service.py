"""The twin service the pages use: RBAC, one audit event per call, versioning only on changed inputs, scenarios."""

from __future__ import annotations

from datetime import timedelta

import pytest

from novamind_core.domain.errors import NotFoundError, PermissionDenied, ValidationError
from novamind_core.services.twin_inputs import adherence_from_note

PLAN = {"name": "Sertraline 100", "steps": [{"drug": "sertraline", "dose_mg": 100, "days": 56}], "horizon_weeks": 8}


@pytest.fixture
def treated(services, clinician, patient, clock):  # type: ignore[no-untyped-def]
    """The patient on sertraline 50 -> 100 mg with four weekly PHQ-9s (the last one today)."""
    today = services.context.today()
    start = today - timedelta(weeks=3)
    order = services.medications.add(clinician, patient.id, "sertraline", 50, start_date=start, reason="episode")
    services.medications.titrate(clinician, order.id, 100, "partial response", on=start + timedelta(days=7))
    for week, answers in enumerate(([2, 2, 2, 2, 2, 2, 2, 2, 0], [2, 2, 2, 1, 2, 2, 1, 2, 0],
                                    [2, 1, 2, 1, 1, 2, 1, 1, 0], [1, 1, 1, 1, 1, 1, 1, 1, 0])):
        services.assessments.record(clinician, patient.id, "PHQ-9", answers, start + timedelta(weeks=week))
    return patient


def test_current_state_builds_the_twin_from_the_chart_and_says_what_it_is_based_on(services, clinician, treated):  # type: ignore[no-untyped-def]
    view = services.twin.current_state(clinician, treated.id)
    assert view.version == 1 and view.is_new_version and view.trigger == "assessment"
    assert view.drugs_on_board == ("sertraline",)
    assert view.state.occupancy_percent["SERT"] > 50
    assert view.state.symptoms.phq9_total == 8
    status = {c.source: c.status for c in view.completeness}
    assert status["PHQ-9"] == "present" and status["GAD-7"] == "missing" and status["Pharmacogenomics"] == "missing"


def test_a_new_version_is_stored_only_when_an_input_changed_and_names_the_change(services, clinician, treated):  # type: ignore[no-untyped-def]
    first = services.twin.current_state(clinician, treated.id)
    again = services.twin.current_state(clinician, treated.id)
    assert (again.version, again.is_new_version) == (first.version, False)
    order = services.medications.active(clinician, treated.id)[0]
    services.medications.set_adherence_note(clinician, order.id, "misses 2 doses a week")
    changed = services.twin.current_state(clinician, treated.id)
    assert changed.version == first.version + 1 and changed.trigger == "medication"
    assert changed.changed == ("medications",) and "medications and adherence" in changed.change_text
    history = services.twin.version_history(clinician, treated.id)
    assert [v.version for v in history] == [1, 2]
    diff = services.twin.compare(clinician, treated.id, 1, 2)
    assert any(path == "state.inputs.adherence" for path, _old, _new in diff.changed)


def test_each_twin_call_writes_exactly_one_audit_event(services, clinician, treated):  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from novamind_core.db.models import AuditRow

    def count() -> int:
        with services.context.uow() as uow:
            return uow.session.scalar(select(func.count()).select_from(AuditRow).where(
                AuditRow.patient_id == treated.id))

    for call in (lambda: services.twin.current_state(clinician, treated.id),
                 lambda: services.twin.current_state(clinician, treated.id),
                 lambda: services.twin.run_scenarios(clinician, treated.id, [PLAN], draws=100),
                 lambda: services.twin.timelines(clinician, treated.id, ["amygdala"], ["serotonin"]),
                 lambda: services.twin.record_export(clinician, treated.id, "csv")):
        before = count()
        call()
        assert count() == before + 1


def test_clinicians_off_the_care_team_and_analysts_are_refused_and_the_refusal_is_audited(  # type: ignore[no-untyped-def]
        services, treated, other_clinician, analyst):
    from sqlalchemy import select

    from novamind_core.db.models import AuditRow

    for user in (other_clinician, analyst):
        for call in (lambda u=user: services.twin.current_state(u, treated.id),
                     lambda u=user: services.twin.run_scenarios(u, treated.id, [PLAN], draws=50),
                     lambda u=user: services.twin.timelines(u, treated.id)):
            with pytest.raises(PermissionDenied):
                call()
    with services.context.uow() as uow:
        denied = uow.session.scalars(select(AuditRow.outcome).where(AuditRow.patient_id == treated.id)).all()
    assert denied.count("denied") >= 4


def test_run_scenarios_compares_plans_over_the_patients_posterior(services, clinician, treated):  # type: ignore[no-untyped-def]
    low = {**PLAN, "name": "Low adherence", "adherence": 0.5}
    run = services.twin.run_scenarios(clinician, treated.id, [PLAN, low], draws=400, seed=3)
    assert [t.name for t in run.table] == ["Sertraline 100", "Low adherence"]
    assert run.week0 == services.context.today() and len(run.observed_phq9) == 4
    assert not run.posterior.is_prior and run.posterior.n_observations == 4
    assert run.table[0].p_response_week8 >= run.table[1].p_response_week8
    again = services.twin.run_scenarios(clinician, treated.id, [PLAN, low], draws=400, seed=3)
    assert again.table == run.table  # seeded


def test_an_invalid_scenario_is_refused_naming_the_scenario_and_field(services, clinician, treated):  # type: ignore[no-untyped-def]
    bad = {"name": "Typo", "steps": [{"drug": "sertralin", "dose_mg": 50, "days": 7}]}
    with pytest.raises(ValidationError) as err:
        services.twin.run_scenarios(clinician, treated.id, [PLAN, bad], draws=50)
    assert str(err.value).startswith("Typo:") and err.value.row == 1
    with pytest.raises(ValidationError):
        services.twin.run_scenarios(clinician, treated.id, [PLAN] * 5, draws=50)


def test_a_saved_scenario_reloads_with_its_note_and_continues_the_timelines(services, clinician, treated):  # type: ignore[no-untyped-def]
    saved = services.twin.save_scenario(clinician, treated.id, "Switch", {
        "steps": [{"drug": "escitalopram", "dose_mg": 10, "days": 28}], "switch_strategy": "cross-taper",
        "horizon_weeks": 4}, note="if side effects")
    again = services.twin.get_scenario(clinician, saved.id)
    assert again.note == "if side effects" and again.scenario["steps"][0]["drug"] == "escitalopram"
    history = services.twin.timelines(clinician, treated.id, ["amygdala"], ["serotonin"])
    plan = services.twin.timelines(clinician, treated.id, ["amygdala"], ["serotonin"], saved_scenario_id=saved.id)
    assert plan.end_day == history.end_day + 28 and plan.scenario_name == "Switch"
    assert "escitalopram" in plan.plasma and plan.planned_events[0].label == "plan: escitalopram 10 mg"
    assert history.summary.drug == "sertraline" and history.summary.occupancy_today_percent["SERT"] > 50


def test_a_saved_scenario_of_another_patient_cannot_drive_the_timelines(services, clinician, treated):  # type: ignore[no-untyped-def]
    from tests.conftest import register_patient

    other = register_patient(services, clinician, mrn="NM-000777")
    saved = services.twin.save_scenario(clinician, other.id, "Other", PLAN)
    with pytest.raises(NotFoundError):
        services.twin.timelines(clinician, treated.id, saved_scenario_id=saved.id)


def test_patient_history_for_the_cli_is_looked_up_by_mrn_through_the_care_team(  # type: ignore[no-untyped-def]
        services, clinician, treated, other_clinician):
    history = services.twin.patient_history(clinician, treated.mrn)
    assert [y for _t, y in history.phq9] == [16.0, 14.0, 11.0, 8.0]
    assert history.medications[-1]["dose_mg"] == 100.0
    with pytest.raises(PermissionDenied):
        services.twin.patient_history(other_clinician, treated.mrn)


@pytest.mark.parametrize(("note", "expected"), [("takes about 70% of doses", 0.7), ("misses 2 doses a week", 0.7143),
                                                ("poor adherence", 0.6), ("good", 1.0), ("see letter", None)])
def test_adherence_notes_are_read_as_a_fraction_of_doses_taken(note, expected):  # type: ignore[no-untyped-def]
    assert adherence_from_note(note)[0] == expected


def _audit_rows(services, patient_id: int) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from novamind_core.db.models import AuditRow

    with services.context.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.patient_id == patient_id))


@pytest.mark.parametrize("page", ["state", "timelines", "simulation"])
def test_each_twin_page_view_is_one_call_one_transaction_and_exactly_one_audit_row(  # type: ignore[no-untyped-def]
        services, clinician, treated, page):
    from tests.fakes import count_statements

    views = {"state": lambda: services.twin.state_view(clinician, treated.id),
             "timelines": lambda: services.twin.timelines_view(clinician, treated.id, ["amygdala"], ["serotonin"]),
             "simulation": lambda: services.twin.simulation_view(clinician, treated.id)}
    views[page]()  # the first state view stores version 1; the figures below are for a look at an unchanged twin
    before = _audit_rows(services, treated.id)
    with count_statements(services.engine) as statements:
        view = views[page]()
    assert _audit_rows(services, treated.id) == before + 1
    assert sum(1 for s in statements if s.lstrip().upper().startswith("COMMIT")) <= 1
    assert 0 < len(statements) < 60
    assert view is not None


def test_the_state_view_holds_the_twin_its_versions_and_the_latest_difference(services, clinician, treated):  # type: ignore[no-untyped-def]
    first = services.twin.state_view(clinician, treated.id)
    assert first.state.version == 1 and first.difference is None and [v.version for v in first.versions] == [1]
    order = services.medications.active(clinician, treated.id)[0]
    services.medications.set_adherence_note(clinician, order.id, "misses 2 doses a week")
    second = services.twin.state_view(clinician, treated.id)
    assert second.state.version == 2 and second.state.is_new_version
    assert second.difference is not None and (second.difference.from_version, second.difference.to_version) == (1, 2)
    assert not second.basis.is_prior and second.basis.n_observations == 4


def test_the_simulation_view_gives_the_form_the_week0_medication_and_the_saved_plans(services, clinician, treated):  # type: ignore[no-untyped-def]
    services.twin.save_scenario(clinician, treated.id, "Saved", PLAN)
    page = services.twin.simulation_view(clinician, treated.id)
    d = page.defaults
    assert (d.current_drug, d.current_dose_mg, d.week0) == ("sertraline", 100.0, services.context.today())
    assert d.cyp2d6 is None and "escitalopram" in d.drugs
    assert [s.name for s in page.saved] == ["Saved"]
    assert services.twin.versions(clinician, treated.id) == ()  # a look at the form stores no twin version


def test_the_timelines_view_without_a_region_lists_saved_plans_and_simulates_nothing(services, clinician, treated):  # type: ignore[no-untyped-def]
    services.twin.save_scenario(clinician, treated.id, "Saved", PLAN)
    page = services.twin.timelines_view(clinician, treated.id, [], ["serotonin"])
    assert page.data is None and [s.name for s in page.saved] == ["Saved"]


def test_a_typed_scenario_runs_and_saves_as_the_same_plan_it_reloads_to(services, clinician, treated):  # type: ignore[no-untyped-def]
    from novamind_core.twin import Scenario

    plan = Scenario.from_mapping(PLAN)
    run = services.twin.run_scenarios(clinician, treated.id, [plan], draws=100, seed=1)
    assert run.results[0].name == "Sertraline 100" and run.table[0].name == "Sertraline 100"
    saved = services.twin.save_scenario(clinician, treated.id, "Typed", plan)
    assert Scenario.from_mapping(saved.scenario) == plan


def test_the_twin_page_views_carry_the_banner_and_the_learned_models_with_no_audit_of_their_own(  # type: ignore[no-untyped-def]
        services, clinician, treated):
    state = services.twin.state_view(clinician, treated.id)
    banner = services.patients.chart(clinician, treated.id)
    assert state.chart.patient == banner.patient and state.chart.latest == banner.latest
    assert state.chart.active_medications == banner.active_medications
    ranking = services.predictions.rank_treatments(clinician, treated.id)
    assert state.models.ranking is not None and state.models.ranking.options == ranking.options
    forecast = services.predictions.forecast(clinician, treated.id)
    assert state.models.forecast is not None and state.models.forecast.quantiles == forecast.quantiles
    simulation = services.twin.simulation_view(clinician, treated.id)
    assert simulation.chart.patient == banner.patient
    assert simulation.models.ranking is not None and simulation.models.ranking.options == ranking.options
    assert simulation.models.forecast is None  # the simulation page shows no forecast
    timelines = services.twin.timelines_view(clinician, treated.id, ["amygdala"], ["serotonin"])
    assert timelines.chart.latest == banner.latest
    before = _audit_rows(services, treated.id)
    services.twin.state_view(clinician, treated.id)
    assert _audit_rows(services, treated.id) == before + 1


def test_a_missing_model_leaves_the_twin_page_view_whole_and_says_why_in_place_of_the_panel(  # type: ignore[no-untyped-def]
        services, clinician, treated, tmp_path):
    from dataclasses import replace

    from novamind_core.services.twin import TwinService

    twin = TwinService(replace(services.context, settings=services.settings.model_copy(update={"model_dir": tmp_path})))
    before = _audit_rows(services, treated.id)
    page = twin.state_view(clinician, treated.id)
    assert page.models.ranking is None and page.models.forecast is None
    assert "python -m novamind_core train response" in (page.models.ranking_unavailable or "")
    assert page.models.forecast_unavailable and page.state.version == 1 and page.chart.patient.id == treated.id
    assert _audit_rows(services, treated.id) == before + 1


def test_the_state_view_answers_why_not_responding_from_the_patients_own_chart(services, clinician, treated):  # type: ignore[no-untyped-def]
    page = services.twin.state_view(clinician, treated.id)
    review = page.review
    assert review is not None and review.course is not None
    assert (review.course.drug, review.course.dose_mg_per_day) == ("sertraline", 100.0)
    assert [s.name for s in review.signals][:2] == ["Exposure", "Target occupancy"]
    assert "2.0 weeks on 100 mg/day" in next(s.finding for s in review.signals if s.name.startswith("Time"))
    run = [o for o in review.outcomes if o.p_response is not None]
    assert [o.label for o in run][:2] == ["Continue unchanged", "Raise the dose to 150 mg/day"]
    for o in run:
        assert o.p_low <= o.p_response <= o.p_high and o.phq9_p05 <= o.phq9_median <= o.phq9_p95
    assert review.outcomes[-1].p_response is None  # augmentation: not modelled, and says so
    order = services.medications.active(clinician, treated.id)[0]
    services.medications.set_adherence_note(clinician, order.id, "misses 3 doses a week")
    again = services.twin.state_view(clinician, treated.id).review
    assert next(s for s in again.signals if s.name == "Adherence").status == "concern"


def test_a_measured_level_far_below_the_prediction_shows_as_an_adherence_signal_on_the_twin_state(  # type: ignore[no-untyped-def]
        services, clinician, treated):
    from datetime import UTC, datetime, time

    sampled = datetime.combine(services.context.today() - timedelta(days=1), time(8, 0), tzinfo=UTC)
    services.drug_levels.record(clinician, treated.id, "sertraline", 4.0, sampled)
    review = services.twin.state_view(clinician, treated.id).review
    adherence = next(s for s in review.signals if s.name == "Adherence")
    assert adherence.status == "concern" and "measured level" in adherence.finding
