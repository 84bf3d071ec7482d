"""The cohort service on the in-memory unit of work: filters, small cells, de-identification and one audit event
per view, with no database anywhere in this file."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta

import pytest

from novamind_core.analytics.cohort_types import CohortFilters
from novamind_core.domain.cohort import IdentifiedAssessment, IdentifiedOrder, IdentifiedPatient
from novamind_core.domain.errors import ConfigurationError, PermissionDenied, ValidationError
from novamind_core.domain.users import Role, User
from novamind_core.security.audit import AuditOutcome
from novamind_core.services.cohort import COHORT_VIEW, CohortService
from tests.fakes.uow import FakeStore, fake_context

ANALYST = User(id=3, username="an.a", display_name="Analyst A", role=Role.ANALYST)
KEY = "unit-test-deidentification-key-0123456789"
START = date(2026, 1, 5)


def course(pid: int, mrn: str, drug: str, scores: tuple[int, ...], *, dob: date = date(1980, 3, 1),
           sex: str = "female", clinician: int | None = 7) -> IdentifiedPatient:
    """A patient started on ``drug`` on START with a PHQ-9 every four weeks from START."""
    phq = tuple(IdentifiedAssessment("PHQ-9", START + timedelta(weeks=4 * i), total, (0,) * 9)
                for i, total in enumerate(scores))
    order = IdentifiedOrder(pid * 10, drug, 50.0, "daily", START, None, "start", None)
    return IdentifiedPatient(pid, mrn, dob, sex, ("F32.1", "Depressive episode, moderate"), clinician, phq,
                             (order,))


@pytest.fixture
def store() -> FakeStore:
    s = FakeStore()
    s.repositories["users"].put(ANALYST)
    cohort = s.repositories["cohort"]
    cohort.put(course(1, "MRN-0001", "sertraline", (20, 14, 8)))      # response, no remission
    cohort.put(course(2, "MRN-0002", "escitalopram", (18, 9, 3)))     # response and remission
    cohort.put(course(3, "MRN-0003", "escitalopram", (16, 15, 14), sex="male", dob=date(1931, 2, 1)))
    return s


def service(store: FakeStore, **settings: object) -> CohortService:
    return CohortService(fake_context(store, **{"deid_key": KEY, **settings}))


def test_a_drug_filter_keeps_only_that_drugs_patients_while_the_options_still_list_every_drug(store):
    view = service(store).view(ANALYST, {"drugs": ["escitalopram"]})
    assert (view.n, view.n_total) == (2, 3)
    assert {p.drug for p in view.patients} == {"escitalopram"}
    assert set(view.options.drugs) == {"sertraline", "escitalopram"}


def test_response_and_remission_are_counted_per_drug_from_baseline_and_endpoint(store):
    by_drug = {o.drug: o for o in service(store).view(ANALYST).outcomes_by_drug}
    esc = by_drug["escitalopram"]
    assert (esc.response.successes, esc.response.n) == (1, 2)
    assert (esc.remission.successes, esc.remission.n) == (1, 2)
    assert (by_drug["sertraline"].response.successes, by_drug["sertraline"].remission.successes) == (1, 0)


def test_rates_from_fewer_than_eleven_patients_are_flagged_as_small_cells(store):
    view = service(store).view(ANALYST)
    assert all(o.response.small_cell and o.remission.small_cell for o in view.outcomes_by_drug)


def test_the_view_carries_no_mrn_birth_date_or_database_id_and_ages_over_89_are_one_band(store):
    view = service(store).view(ANALYST)
    text = repr([asdict(p) for p in view.patients])
    assert "MRN-000" not in text and "1980" not in text and "1931" not in text
    assert {p.pseudonym[:2] for p in view.patients} == {"P-"}
    assert "90+" in {p.age_band for p in view.patients}


def test_each_view_writes_exactly_one_audit_event_naming_how_many_patients_were_shown(store):
    service(store).view(ANALYST, CohortFilters(drugs=("sertraline",)))
    [record] = store.repositories["audit"].records
    assert record.action == COHORT_VIEW
    assert "patients=1/3" in record.detail


def test_without_a_deidentification_key_the_view_is_refused_and_nothing_is_shown(store):
    with pytest.raises(ConfigurationError):
        service(store, deid_key="").view(ANALYST)


def test_a_clinician_may_not_export_the_cohort_and_the_refusal_is_audited(store):
    clinician = store.repositories["users"].put(User(7, "dr.a", "Dr A", Role.CLINICIAN))
    with pytest.raises(PermissionDenied):
        service(store).export(clinician, "csv")
    assert [r.outcome for r in store.repositories["audit"].records] == [AuditOutcome.DENIED]


def test_an_unknown_filter_is_refused_before_any_data_is_read(store):
    with pytest.raises(ValidationError):
        service(store).view(ANALYST, {"postcode": ["SW1"]})
    assert store.repositories["audit"].records == []
