"""The id-first caseload: late pages read from the far end, remembered totals and orders, and their invalidation, give
exactly the rows a plain front-to-back read gives (SQLite and PostgreSQL through the ``services`` fixture)."""

from __future__ import annotations

import pytest

from novamind_core.db.repositories import caseload as caseload_repo
from novamind_core.domain.caseload import SORT_KEYS
from tests.conftest import register_patient

PAGE = 3


@pytest.fixture
def cohort(services, clinician) -> list[int]:
    """Eleven patients: most with a PHQ-9 and GAD-7 (ties included), two never assessed (NULL scores and dates)."""
    ids = [register_patient(services, clinician, mrn=f"NM-{i:06d}", given=f"Given{i}", family=f"Fam{(i * 7) % 11}").id
           for i in range(11)]
    for i, pid in enumerate(ids[:9]):
        score = i % 4
        services.assessments.record(clinician, pid, "PHQ-9", [score % 4] * 8 + [0])
        services.assessments.record(clinician, pid, "GAD-7", [(i + 1) % 4] * 7)
    return ids


def _paged(services, clinician, sort: str, descending: bool) -> list[int]:
    first = services.patients.caseload(clinician, page_size=PAGE, sort=sort, descending=descending)
    seen = [r.patient_id for r in first.rows]
    for page in range(2, first.pages + 1):
        seen += [r.patient_id for r in services.patients.caseload(
            clinician, page=page, page_size=PAGE, sort=sort, descending=descending).rows]
    return seen


@pytest.mark.parametrize("descending", [True, False])
def test_paging_every_sort_gives_the_rows_of_one_front_to_back_read_whether_late_pages_come_from_the_far_end_or_a_remembered_order(  # noqa: E501
        services, clinician, cohort, monkeypatch, descending):
    for sort in SORT_KEYS:
        whole = [r.patient_id for r in services.patients.caseload(
            clinician, page_size=200, sort=sort, descending=descending).rows]
        assert sorted(whole) == sorted(cohort), sort
        monkeypatch.setattr(caseload_repo, "REMEMBER_ORDER_FROM", 10_000)
        caseload_repo.forget_caseload_totals()
        assert _paged(services, clinician, sort, descending) == whole, f"{sort}: paged from both ends"
        monkeypatch.setattr(caseload_repo, "REMEMBER_ORDER_FROM", 1)
        caseload_repo.forget_caseload_totals()
        assert _paged(services, clinician, sort, descending) == whole, f"{sort}: remembered order"


def test_never_assessed_patients_come_last_in_either_direction(services, clinician, cohort):
    for descending in (True, False):
        rows = services.patients.caseload(clinician, page_size=200, sort="phq9", descending=descending).rows
        assert [r.phq9_latest is None for r in rows][-2:] == [True, True]
        scores = [r.phq9_latest for r in rows if r.phq9_latest is not None]
        assert scores == sorted(scores, reverse=descending)


def test_a_remembered_order_and_total_are_forgotten_when_a_score_or_the_caseload_changes(
        services, clinician, cohort, monkeypatch):
    monkeypatch.setattr(caseload_repo, "REMEMBER_ORDER_FROM", 1)
    caseload_repo.forget_caseload_totals()
    before = services.patients.caseload(clinician, page_size=PAGE, sort="phq9")
    assert before.total == 11 and cohort[-1] not in [r.patient_id for r in before.rows]
    services.assessments.record(clinician, cohort[-1], "PHQ-9", [3] * 8 + [0])
    after = services.patients.caseload(clinician, page_size=PAGE, sort="phq9")
    assert cohort[-1] in [r.patient_id for r in after.rows]  # now among the highest PHQ-9 (24, ties by id)
    assert {r.phq9_latest for r in after.rows} == {24}
    newcomer = register_patient(services, clinician, mrn="NM-999999").id
    grown = services.patients.caseload(clinician, page_size=PAGE, sort="phq9")
    assert grown.total == 12
    assert newcomer in [r.patient_id for r in services.patients.caseload(
        clinician, page=grown.pages, page_size=PAGE, sort="phq9").rows]


def test_a_remembered_order_never_shows_another_clinicians_filters_or_a_search(services, clinician, cohort,
                                                                                 monkeypatch):
    monkeypatch.setattr(caseload_repo, "REMEMBER_ORDER_FROM", 1)
    caseload_repo.forget_caseload_totals()
    assert services.patients.caseload(clinician, page_size=PAGE).total == 11
    found = services.patients.caseload(clinician, page_size=PAGE, search="NM-000004")
    assert found.total == 1 and [r.patient_id for r in found.rows] == [cohort[4]]
    assert services.patients.caseload(clinician, page_size=PAGE, only_alerts=True).total == 0


def test_page_one_of_the_priority_sort_is_read_fresh_even_when_another_process_raised_an_alert(monkeypatch):
    """A remembered order is never used for the first page of the default sort (urgent alerts first, at once)."""
    from novamind_core.db.repositories import caseload as module
    from novamind_core.domain.caseload import CaseloadQuery

    calls: list[str] = []

    class Reader(module.CaseloadReader):
        def _total(self, where, key):  # type: ignore[no-untyped-def]
            return module.REMEMBER_ORDER_FROM + 10  # a large caseload, whose order would be remembered

        def _order_of(self, where, q, key, compute):  # type: ignore[no-untyped-def]
            calls.append("remembered order")
            return ()

        def _page_ids(self, where, q, total):  # type: ignore[no-untyped-def]
            calls.append("fresh page")
            return []

        def _matches(self, ids):  # type: ignore[no-untyped-def]
            return []

    reader = Reader(session=None)  # type: ignore[arg-type]
    reader.caseload(CaseloadQuery(user_id=1, sort="priority", offset=0))
    reader.caseload(CaseloadQuery(user_id=1, sort="priority", offset=25))
    assert calls == ["fresh page", "remembered order"]
