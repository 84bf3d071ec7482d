"""The prediction service: ranking, forecast, insight and model cards from the chart, with RBAC, one audit event per
call, missing data reported instead of raised, and absent or corrupt models refused with a clear message."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from novamind_core.db.models import AuditRow
from novamind_core.domain.errors import NovamindError, PermissionDenied, ValidationError
from novamind_core.ml.features import CANDIDATE_DRUGS
from novamind_core.services.predictions import ModelUnavailableError, PredictionService

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED = REPO_ROOT / "data" / "models"


@pytest.fixture
def treated(services, clinician, patient):  # type: ignore[no-untyped-def]
    """Citalopram for 6 weeks without remission, switched to sertraline; weekly PHQ-9, two GAD-7, PGx, wearables."""
    today = services.context.today()
    start = today - timedelta(weeks=12)
    cit = services.medications.add(clinician, patient.id, "citalopram", 20, start_date=start, reason="episode")
    services.medications.switch(clinician, cit.id, "sertraline", 50, "no response", on=start + timedelta(weeks=6))
    for week, total in enumerate([19, 18, 17, 17, 16, 16, 15, 13, 12, 11, 10, 9, 9]):
        answers = [total // 8 + (1 if i < total % 8 else 0) for i in range(8)] + [0]
        services.assessments.record(clinician, patient.id, "PHQ-9", answers, start + timedelta(weeks=week))
    services.assessments.record(clinician, patient.id, "GAD-7", [2, 2, 2, 2, 2, 1, 1], start)
    services.assessments.record(clinician, patient.id, "GAD-7", [1, 1, 1, 1, 1, 1, 1], today)
    current = services.patients.get(clinician, patient.id)
    services.patients.update(clinician, patient.id, current.version, cyp2c19="poor")
    services.wearables.store_daily_summaries(clinician, patient.id, [
        {"date": (today - timedelta(days=d)).isoformat(), "steps": 6000, "sleep_minutes": 400}
        for d in range(10)])
    return patient


def audit_count(services, patient_id: int, action: str | None = None) -> int:  # type: ignore[no-untyped-def]
    stmt = select(func.count()).select_from(AuditRow).where(AuditRow.patient_id == patient_id)
    if action:
        stmt = stmt.where(AuditRow.action == action)
    with services.context.uow() as uow:
        return uow.session.scalar(stmt)


def test_ranking_covers_every_candidate_drug_best_first_with_intervals_and_reasons(services, clinician, treated):  # type: ignore[no-untyped-def]
    ranking = services.predictions.rank_treatments(clinician, treated.id)
    assert ranking.available and {o.drug for o in ranking.options} == set(CANDIDATE_DRUGS)
    probs = [o.p_response for o in ranking.options]
    assert probs == sorted(probs, reverse=True)
    for o in ranking.options:
        assert 0 <= o.p_response_low <= o.p_response <= o.p_response_high <= 1
        assert o.p_remission is not None and o.p_remission_low <= o.p_remission <= o.p_remission_high
        assert 1 <= len(o.reasons) <= 3 and all(r.text.endswith("the chance") for r in o.reasons)
    assert ranking.trained_on_synthetic_data and ranking.model.trained_on_synthetic_data
    assert ranking.outcome_week == 8 and ranking.interval_percent == 80
    assert any("Chekroud" in n for n in ranking.notes) and any("not a medical device" in n for n in ranking.notes)
    assert ranking.model.name == "response" and "AUC" in ranking.model.held_out_summary


def test_features_come_from_the_chart_and_say_where_they_came_from(services, clinician, treated):  # type: ignore[no-untyped-def]
    inputs = dict(services.predictions.rank_treatments(clinician, treated.id).inputs)
    assert inputs["Baseline PHQ-9"].startswith("9 ")  # the latest PHQ-9
    assert inputs["Baseline GAD-7"].startswith("7 ") and inputs["Comorbid anxiety"].startswith("no")
    assert inputs["Previous treatment failures"].startswith("1 (citalopram)")  # 6 weeks, ended, no remission
    assert inputs["Previous episodes"].startswith("0")  # F32: single episode
    assert inputs["CYP2C19"] == "poor metaboliser" and inputs["Sleep duration"].startswith("400 min/night")
    missing = " ".join(services.predictions.rank_treatments(clinician, treated.id).missing)
    assert "CYP2D6" in missing and "CYP2C19" not in missing


def test_a_subset_of_drugs_ranks_only_those_and_an_unknown_drug_is_refused(services, clinician, treated):  # type: ignore[no-untyped-def]
    ranking = services.predictions.rank_treatments(clinician, treated.id, ["Bupropion", "sertraline"])
    assert sorted(o.drug for o in ranking.options) == ["bupropion", "sertraline"]
    with pytest.raises(ValidationError, match="lithium"):
        services.predictions.rank_treatments(clinician, treated.id, ["lithium"])


def test_without_a_phq9_the_results_say_what_is_missing_instead_of_failing(services, clinician, patient):  # type: ignore[no-untyped-def]
    ranking = services.predictions.rank_treatments(clinician, patient.id)
    assert not ranking.available and ranking.options == ()
    assert any("No PHQ-9 yet" in m for m in ranking.missing)
    forecast = services.predictions.forecast(clinician, patient.id)
    assert not forecast.available and "No PHQ-9" in forecast.missing[0]
    insight = services.predictions.insight(clinician, patient.id)
    assert "No PHQ-9 or GAD-7 scores on record" in insight.text


def test_forecast_gives_ordered_quantile_bands_for_the_requested_weeks_by_the_cards_method(  # type: ignore[no-untyped-def]
        services, clinician, treated):
    fc = services.predictions.forecast(clinician, treated.id, weeks=6)
    assert fc.available and fc.weeks_ahead == (1, 2, 3, 4, 5, 6)
    from novamind_core.ml import model_card

    assert fc.method == model_card("forecaster", model_dir=SHIPPED)["default"]
    today = services.context.today()
    assert fc.origin == today and fc.dates[0] == today + timedelta(weeks=1)
    q = fc.quantiles
    for week in range(6):
        assert 0 <= q["p05"][week] <= q["p25"][week] <= q["p50"][week] <= q["p75"][week] <= q["p95"][week] <= 27
    assert len(fc.observed) == 13 and fc.trained_on_synthetic_data
    assert any("default" in n for n in fc.notes)


def test_the_twin_can_be_asked_for_the_forecast_instead_of_the_forecaster(services, clinician, treated):  # type: ignore[no-untyped-def]
    fc = services.predictions.forecast(clinician, treated.id, weeks=4, method="twin")
    assert fc.method == "twin" and len(fc.quantiles["p50"]) == 4
    assert all(lo <= hi for lo, hi in zip(fc.quantiles["p05"], fc.quantiles["p95"], strict=True))


def test_a_forecast_beyond_the_models_horizon_is_refused(services, clinician, treated):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="1 to 8"):
        services.predictions.forecast(clinician, treated.id, weeks=12)


def test_insight_narrates_change_predictions_and_certainty_with_the_synthetic_notice(services, clinician, treated):  # type: ignore[no-untyped-def]
    insight = services.predictions.insight(clinician, treated.id)
    headings = [h for h, _ in insight.sections]
    assert headings == ["What changed", "Medications", "What the models predict", "How sure"]
    assert "PHQ-9 fell 10 points" in insight.text and "sertraline" in insight.text
    assert "Response model" in insight.text and "PHQ-9 forecast" in insight.text and "The twin gives" in insight.text
    assert "synthetic data" in insight.text and insight.provider == "offline"
    assert "Zebediah" not in insight.text and "NM-000001" not in insight.text


def test_each_call_writes_exactly_one_audit_event_with_its_action(services, clinician, treated):  # type: ignore[no-untyped-def]
    for call, action in ((lambda: services.predictions.rank_treatments(clinician, treated.id), "prediction.read"),
                         (lambda: services.predictions.forecast(clinician, treated.id), "prediction.read"),
                         (lambda: services.predictions.insight(clinician, treated.id), "insight.read")):
        before, before_action = audit_count(services, treated.id), audit_count(services, treated.id, action)
        call()
        assert audit_count(services, treated.id) == before + 1
        assert audit_count(services, treated.id, action) == before_action + 1


def test_clinicians_off_the_care_team_and_analysts_are_refused_and_the_refusal_is_audited(  # type: ignore[no-untyped-def]
        services, treated, other_clinician, analyst):
    for user in (other_clinician, analyst):
        for call in (lambda u=user: services.predictions.rank_treatments(u, treated.id),
                     lambda u=user: services.predictions.forecast(u, treated.id),
                     lambda u=user: services.predictions.insight(u, treated.id)):
            with pytest.raises(PermissionDenied):
                call()
    with services.context.uow() as uow:
        outcomes = uow.session.scalars(select(AuditRow.outcome).where(
            AuditRow.patient_id == treated.id, AuditRow.action.in_(("prediction.read", "insight.read")))).all()
    assert outcomes.count("denied") == 6 and "success" not in outcomes


def test_an_absent_model_is_a_clear_error_that_says_how_to_rebuild_it(services, clinician, treated, tmp_path):  # type: ignore[no-untyped-def]
    empty = PredictionService(services.context, model_dir=tmp_path)
    with pytest.raises(ModelUnavailableError) as err:
        empty.rank_treatments(clinician, treated.id)
    assert isinstance(err.value, NovamindError)
    assert "python -m novamind_core train response" in str(err.value)
    assert empty.model_cards(clinician) == ()


def test_a_weight_file_changed_after_loading_is_refused_on_the_next_call(services, clinician, treated, tmp_path):  # type: ignore[no-untyped-def]
    shutil.copytree(SHIPPED / "response", tmp_path / "response")
    copy = PredictionService(services.context, model_dir=tmp_path)
    assert copy.rank_treatments(clinician, treated.id, ["sertraline"]).available  # loaded and cached
    booster = tmp_path / "response" / "1" / "booster_response_0.ubj"
    booster.write_bytes(booster.read_bytes() + b"tampered")
    with pytest.raises(ModelUnavailableError, match="checksum mismatch"):
        copy.rank_treatments(clinician, treated.id, ["sertraline"])
    card = next(c for c in copy.model_cards(clinician) if c.name == "response")
    assert not card.checksum_ok and "booster_response_0.ubj" in card.checksum_detail


def test_model_cards_show_computed_metrics_calibration_and_baselines_to_an_analyst(services, analyst):  # type: ignore[no-untyped-def]
    cards = {c.name: c for c in services.predictions.model_cards(analyst)}
    assert {"response", "forecaster", "actigraphy"} <= set(cards)
    response = cards["response"]
    assert response.checksum_ok and response.synthetic and response.seed == 0
    assert set(response.calibration) == {"response", "remission"} and len(response.calibration["response"]) >= 3
    assert "Chekroud" in response.published_context and dict(response.metrics)["Response: AUC"] == str(
        response.raw["metrics"]["response"]["auc"])
    forecaster = cards["forecaster"]
    assert {b.key for b in forecaster.baselines} == {"gru", "locf", "twin"}
    assert sum(b.default for b in forecaster.baselines) == 1
    assert "Ruan" in cards["actigraphy"].published_context
    with services.context.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditRow).where(
            AuditRow.action == "model.card_read", AuditRow.user_id == analyst.id)) == 1


def test_importing_the_prediction_service_imports_neither_torch_nor_xgboost():
    code = ("import sys; import novamind_core.services.predictions, novamind_core.bootstrap; "
            "print(sorted(m for m in ('torch', 'xgboost') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
