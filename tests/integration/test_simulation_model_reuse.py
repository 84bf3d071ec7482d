"""The simulation page's learned ranking is kept per session and reused while what it was computed from is unchanged
(``services.twin.simulation_view(..., reuse=...)``); a changed chart, or another patient, computes it again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from novamind_core.services import predictions
from tests.conftest import register_patient


@pytest.fixture
def ranked(services, clinician, patient):  # type: ignore[no-untyped-def]
    """A patient with two PHQ-9s and a medication (enough for the response model's ranking)."""
    today = services.context.today()
    services.medications.add(clinician, patient.id, "sertraline", 50, start_date=today - timedelta(weeks=2),
                             reason="episode")
    for week, answers in enumerate(([2, 2, 2, 2, 2, 2, 2, 2, 0], [2, 1, 2, 1, 1, 2, 1, 1, 0])):
        services.assessments.record(clinician, patient.id, "PHQ-9", answers, today - timedelta(weeks=1 - week))
    return patient


@pytest.fixture
def ranking_calls(monkeypatch):  # type: ignore[no-untyped-def]
    """How many times the response model's ranking was computed."""
    calls: list[int] = []
    real = predictions.treatment_ranking

    def counted(patient_id, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(patient_id)
        return real(patient_id, *args, **kwargs)

    monkeypatch.setattr(predictions, "treatment_ranking", counted)
    return calls


def test_a_rerun_given_the_kept_ranking_shows_it_without_computing_it_again(services, clinician, ranked,  # type: ignore[no-untyped-def]
                                                                             ranking_calls):
    first = services.twin.simulation_view(clinician, ranked.id)
    assert first.kept_models is not None and first.kept_models.outputs is first.models
    again = services.twin.simulation_view(clinician, ranked.id, reuse=first.kept_models)
    assert again.models is first.models
    assert again.kept_models is not None and again.kept_models.key == first.kept_models.key
    assert ranking_calls == [ranked.id], "computed once, reused on the rerun"


def test_a_new_assessment_makes_the_kept_ranking_stale_and_it_is_computed_again(services, clinician, ranked,  # type: ignore[no-untyped-def]
                                                                                 ranking_calls):
    first = services.twin.simulation_view(clinician, ranked.id)
    services.assessments.record(clinician, ranked.id, "PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 0],
                                services.context.today())
    again = services.twin.simulation_view(clinician, ranked.id, reuse=first.kept_models)
    assert again.models is not first.models
    assert again.kept_models is not None and again.kept_models.key != first.kept_models.key
    assert ranking_calls == [ranked.id, ranked.id]


def test_a_ranking_kept_for_one_patient_is_never_shown_on_another_patients_page(services, clinician, ranked,  # type: ignore[no-untyped-def]
                                                                                 ranking_calls):
    other = register_patient(services, clinician, mrn="NM-000002", given="Other")
    first = services.twin.simulation_view(clinician, ranked.id)
    theirs = services.twin.simulation_view(clinician, other.id, reuse=first.kept_models)
    assert theirs.models is not first.models and theirs.kept_models is not None
    assert theirs.kept_models.key.patient_id == other.id
    assert ranking_calls == [ranked.id, other.id]
