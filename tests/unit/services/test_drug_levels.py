"""Measured drug levels on the chart: care-team check, audit, and the forecast view model (in-memory unit of work)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from novamind_core.domain.errors import PermissionDenied, ValidationError
from novamind_core.domain.patients import Patient, SexAtBirth
from novamind_core.domain.users import Role, User
from novamind_core.services.drug_levels import DrugLevelService
from novamind_core.services.medications import MedicationService
from tests.fakes.uow import FakeStore, fake_context

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CLINICIAN = User(id=7, username="dr.a", display_name="Dr A", role=Role.CLINICIAN)
OUTSIDER = User(id=9, username="dr.c", display_name="Dr C", role=Role.CLINICIAN)
PID = 101


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    for user in (CLINICIAN, OUTSIDER):
        store.repositories["users"].put(user)
    store.repositories["patients"].put(
        Patient(id=PID, mrn="NM-000101", given_name="Ada", family_name="Testcase", date_of_birth=date(1980, 1, 2),
                sex_at_birth=SexAtBirth.FEMALE, care_team=(CLINICIAN.id,)),
        registered_on=date(2026, 5, 1))
    return store


def _ctx(store):  # type: ignore[no-untyped-def]
    return fake_context(store, clock=lambda: NOW)


def test_a_clinician_on_the_care_team_records_a_level_and_it_is_audited(store):
    level = DrugLevelService(_ctx(store)).record(CLINICIAN, PID, "Escitalopram", 38.0, "2026-05-29T07:30:00+00:00")
    assert level.drug == "escitalopram" and level.concentration_ng_ml == 38.0
    assert "drug_level.create" in store.repositories["audit"].actions()


def test_a_clinician_outside_the_care_team_cannot_record_a_level(store):
    with pytest.raises(PermissionDenied):
        DrugLevelService(_ctx(store)).record(OUTSIDER, PID, "escitalopram", 38.0, "2026-05-29T07:30:00+00:00")
    assert store.repositories["drug_levels"].rows == []


def test_a_level_sampled_in_the_future_or_out_of_range_is_refused(store):
    service = DrugLevelService(_ctx(store))
    with pytest.raises(ValidationError) as err:
        service.record(CLINICIAN, PID, "escitalopram", 38.0, "2026-06-02T07:30:00+00:00")
    assert err.value.field == "sampled_at"
    with pytest.raises(ValidationError) as err:
        service.record(CLINICIAN, PID, "escitalopram", -1, "2026-05-29T07:30:00+00:00")
    assert err.value.field == "concentration_ng_ml"


def test_the_view_forecasts_from_the_level_and_suggests_a_dose_as_decision_support(store):
    MedicationService(_ctx(store)).add(CLINICIAN, PID, "escitalopram", 10, start_date="2026-05-20")
    service = DrugLevelService(_ctx(store))
    before = service.view(CLINICIAN, PID)
    assert before.forecast is not None and before.forecast.forecast.shrinkage.cl == pytest.approx(1.0)
    assert "prior" in (before.reason or "")
    service.record(CLINICIAN, PID, "escitalopram", 38.0, "2026-05-29T07:30:00+00:00")
    view = service.view(CLINICIAN, PID)
    f = view.forecast.forecast
    assert view.drug == "escitalopram" and len(view.levels) == 1 and view.reason is None
    assert f.shrinkage.cl < 1.0 and f.individual.cl_l_per_h.value < f.population.cl_l_per_h.value
    assert f.dose_for_target_mg is not None and "Decision support" in view.label
    assert view.curves.individual.shape == view.curves.population_p50.shape
    assert "drug_level.read" in store.repositories["audit"].actions()


def test_the_view_says_why_there_is_no_forecast_without_an_active_order(store):
    view = DrugLevelService(_ctx(store)).view(CLINICIAN, PID)
    assert view.forecast is None and "no active order" in view.reason
