"""Invariants the database itself enforces (migration 0006), tested with real concurrent writers.

Each writer is a thread calling a service, so each holds its own pooled connection and its own transaction. On
PostgreSQL (``NOVAMIND_TEST_DATABASE_URL``) these are true races under READ COMMITTED: before migration 0006 eight
simultaneous starts of one drug stored 5 to 8 active orders, and six parallel imports of one two-row CSV stored 4
rows. On SQLite every transaction is ``BEGIN IMMEDIATE`` (one writer at a time), so the same tests check that the
answers (one start, the others told "already active"; every import after the first skips what is stored) are the same
on both databases.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from novamind_core.domain.errors import ConflictError
from novamind_core.services.base import SYSTEM_USER
from novamind_core.services.imports import import_service
from tests.conftest import TEST_PASSWORD

WRITERS = 8
ASSESSMENTS_CSV = (b"date,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9\n"
                   b"2026-01-05,PHQ-9,1,2,1,1,0,1,2,1,0\n"
                   b"2026-01-19,PHQ-9,1,1,1,0,0,1,1,1,0\n")
FHIR_BUNDLE = Path(__file__).resolve().parents[1] / "data" / "fhir" / "ehr_bundle.json"


@pytest.fixture
def team(shared):  # type: ignore[no-untyped-def]
    """(services, clinician, colleague, patient): two clinicians on one care team, as two browsers would be."""
    services, _env, clin, patient = shared
    services.users.create(SYSTEM_USER, "dr.racer", "Dr Racer", "clinician", TEST_PASSWORD)
    colleague = services.users.get_by_username("dr.racer")
    services.users.set_care_team(SYSTEM_USER, patient.id, [clin.id, colleague.id])
    return services, clin, colleague, patient


def _race(n: int, attempt):  # type: ignore[no-untyped-def]
    """Run ``attempt(i)`` in ``n`` threads released together; each returns its result or the exception it raised."""
    barrier = threading.Barrier(n)

    def run(i: int):  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            return attempt(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_eight_simultaneous_starts_of_one_drug_leave_one_active_order_and_tell_the_others_it_is_active(team):
    services, a, b, patient = team
    outcomes = _race(WRITERS, lambda i: services.medications.add(a if i % 2 else b, patient.id, "sertraline", 50,
                                                                  reason=f"race {i}"))
    started = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(started) == 1, outcomes
    assert all(isinstance(e, ConflictError) and "already active" in str(e) for e in refused), refused
    active = services.medications.active(a, patient.id)
    assert [(m.drug, m.dose_mg) for m in active] == [("sertraline", 50.0)]
    assert services.audit.verify(SYSTEM_USER).ok


def test_the_database_refuses_a_second_active_order_of_one_drug_even_when_the_service_check_is_skipped(team):
    """The rule lives in the database (a partial unique index), not only in the service's read-then-write check."""
    from datetime import date

    services, a, _b, patient = team
    services.medications.add(a, patient.id, "sertraline", 50, reason="first")
    uow = services.context.uow_factory()
    with pytest.raises(ConflictError, match="already active"), uow:
        uow.medications.add(patient_id=patient.id, drug="sertraline", dose_mg=100.0, frequency="daily",
                            start_date=date(2026, 1, 1), change_kind="start", created_at=services.context.now())
        uow.commit()
    assert len(services.medications.active(a, patient.id)) == 1


def test_a_stopped_order_does_not_block_starting_the_drug_again_and_titration_keeps_one_active_order(team):
    services, a, _b, patient = team
    first = services.medications.add(a, patient.id, "sertraline", 50, start_date="2026-01-01", reason="start")
    services.medications.stop(a, first.id, "side effects", on="2026-02-01")
    again = services.medications.add(a, patient.id, "sertraline", 25, start_date="2026-03-01", reason="restart")
    services.medications.titrate(a, again.id, 50, "tolerated", on="2026-03-15")
    active = services.medications.active(a, patient.id)
    assert [(m.drug, m.dose_mg) for m in active] == [("sertraline", 50.0)]


def test_six_parallel_imports_of_one_csv_store_its_two_rows_once_and_each_import_answers_cleanly(team):
    services, a, b, patient = team
    imports = import_service(services)
    outcomes = _race(6, lambda i: imports.import_file(a if i % 2 else b, "assessments", ASSESSMENTS_CSV,
                                                      patient_id=patient.id, name="scores.csv"))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o.written.get("assessments", 0) for o in outcomes) == 2
    assert sum(o.skipped.get("assessments", 0) for o in outcomes) == 2 * 5  # every later import skipped both rows
    stored = services.assessments.history(a, patient.id, "PHQ-9")
    assert sorted(r.administered_on.isoformat() for r in stored) == ["2026-01-05", "2026-01-19"]


def test_parallel_imports_of_one_new_patients_bundle_register_one_chart(team):
    services, a, b, _patient = team
    imports = import_service(services)
    data = FHIR_BUNDLE.read_bytes()
    outcomes = _race(4, lambda i: imports.import_file(a, "fhir", data, name="bundle.json"))  # two tabs, one user
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o.created_patient for o in outcomes) == 1
    assert len({o.patient_id for o in outcomes}) == 1  # the later imports added to (or skipped into) that chart


def test_migration_0006_closes_duplicate_active_orders_left_by_the_race_and_keeps_the_oldest(team, db_url):
    """A database that the race already damaged still upgrades: the oldest active order stays, later duplicates
    close on their own start date, and the index is then in place."""
    from datetime import date

    from sqlalchemy import create_engine, insert, select

    from novamind_core.db.engine import downgrade, migrate
    from novamind_core.db.models import MedicationOrderRow

    services, a, _b, patient = team
    downgrade(db_url, "0005")
    engine = create_engine(db_url)
    table = MedicationOrderRow.__table__
    with engine.begin() as conn:
        for day in (1, 2, 3):
            conn.execute(insert(table).values(patient_id=patient.id, drug="sertraline", dose_mg=50.0,
                                              frequency="daily", start_date=date(2026, 1, day), change_kind="start",
                                              created_at=services.context.now()))
    migrate(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.start_date, table.c.stop_date).order_by(table.c.id)).all()
    engine.dispose()
    assert rows == [(date(2026, 1, 1), None), (date(2026, 1, 2), date(2026, 1, 2)),
                    (date(2026, 1, 3), date(2026, 1, 3))]
    with pytest.raises(ConflictError, match="already active"):
        services.medications.add(a, patient.id, "sertraline", 100, reason="again")
