"""Concurrency: two clinicians editing the same patient get the optimistic-locking message and lose nothing; many
writers at once keep every write and a verifying audit chain (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from novamind_core.domain.errors import StaleWriteError
from novamind_core.services.base import SYSTEM_USER
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def two_clinicians(shared):  # type: ignore[no-untyped-def]
    services, env, clin, patient = shared
    services.users.create(SYSTEM_USER, "dr.colleague", "Dr Colleague", "clinician", TEST_PASSWORD)
    colleague = services.users.get_by_username("dr.colleague")
    services.users.set_care_team(SYSTEM_USER, patient.id, [clin.id, colleague.id])
    return services, clin, colleague, patient


def test_the_second_of_two_clinicians_saving_the_same_chart_is_told_to_reload_and_nothing_is_lost(two_clinicians):
    services, a, b, patient = two_clinicians
    seen_by_a = services.patients.get(a, patient.id)
    seen_by_b = services.patients.get(b, patient.id)
    services.patients.update(a, patient.id, seen_by_a.version, phone="+44 7700 900111")
    with pytest.raises(StaleWriteError, match="changed by someone else.*reload"):
        services.patients.update(b, patient.id, seen_by_b.version, email="new.address@example.invalid")
    reloaded = services.patients.get(b, patient.id)
    assert reloaded.contact.email == "zeb.quux@example.invalid"  # the refused change wrote nothing
    services.patients.update(b, patient.id, reloaded.version, email="new.address@example.invalid")
    final = services.patients.get(a, patient.id)
    assert final.contact.phone == "+44 7700 900111" and final.contact.email == "new.address@example.invalid"


def test_the_second_of_two_clinicians_editing_one_note_is_told_and_the_history_keeps_the_first_draft(
        two_clinicians):
    services, a, b, patient = two_clinicians
    note = services.notes.add(a, patient.id, "first draft")
    revision = 1  # a new note's first revision; both clinicians opened it at this revision
    services.notes.edit(a, note.id, "edited by A", expected_revision=revision)
    with pytest.raises(StaleWriteError, match="edited by someone else"):
        services.notes.edit(b, note.id, "edited by B", expected_revision=revision)
    stored = services.notes.list(a, patient.id)[0]
    assert stored.text == "edited by A"
    assert "first draft" in [r.text for r in stored.revisions]


def test_racing_chart_updates_each_either_apply_or_say_stale_and_the_version_counts_the_winners(two_clinicians):
    services, a, b, patient = two_clinicians
    start = services.patients.get(a, patient.id).version
    barrier = threading.Barrier(8)

    def attempt(i: int) -> str:
        user = a if i % 2 else b
        barrier.wait()
        try:
            services.patients.update(user, patient.id, start, address=f"{i} Race Street")
            return "applied"
        except StaleWriteError:
            return "stale"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert outcomes.count("applied") == 1, outcomes
    final = services.patients.get(a, patient.id)
    assert final.version == start + 1
    assert services.audit.verify(SYSTEM_USER).ok


def test_many_concurrent_writers_lose_no_assessment_and_the_audit_chain_verifies(two_clinicians):
    services, a, b, patient = two_clinicians

    def record(i: int) -> int:
        user = a if i % 2 else b
        return services.assessments.record(user, patient.id, "GAD-7", [i % 4, 1, 1, 0, 0, 1, 2], "2026-03-01"
                                           ).assessment.id

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(record, range(40)))
    assert len(set(ids)) == 40
    assert len(services.assessments.history(a, patient.id, "GAD-7")) == 40
    assert services.audit.verify(SYSTEM_USER).ok


def test_audit_verify_while_clinicians_write_reports_an_intact_chain(two_clinicians):
    """An admin verifying the chain during the working day must not see a false "tampering" report: rows appended
    while the walk runs are not a broken head (PostgreSQL reads each batch at a new snapshot)."""
    services, a, b, patient = two_clinicians
    for i in range(30):
        services.notes.add(a, patient.id, f"history {i}")
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            services.notes.add(b, patient.id, f"during verify {i}")

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        results = [services.audit.verify(SYSTEM_USER) for _ in range(40)]
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert all(r.ok for r in results), [r.describe() for r in results if not r.ok]
