"""The unit of work the services depend on, as a protocol (cosmicpython's "abstract unit of work").

:class:`novamind_core.db.uow.UnitOfWork` implements it over SQLAlchemy; ``tests.fakes.FakeUnitOfWork`` implements it in
memory, so the service unit tests in ``tests/unit/services`` need no database. Repositories take and return domain
objects (``novamind_core.domain``); a service never sees a session or a row.

``with ctx.uow() as uow: ...; uow.commit()``: leaving the block without ``commit()`` rolls back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the concrete repositories document the methods; the fakes mirror them
    from novamind_core.db.repositories import (
        AlertRepository,
        AssessmentRepository,
        AuditRepository,
        MedicationRepository,
        NoteRepository,
        PatientRepository,
        TwinRepository,
        UserRepository,
        VisitRepository,
        WearableRepository,
    )


class UnitOfWork(Protocol):
    """One transaction with its repositories."""

    patients: PatientRepository
    assessments: AssessmentRepository
    medications: MedicationRepository
    notes: NoteRepository
    visits: VisitRepository
    alerts: AlertRepository
    users: UserRepository
    audit: AuditRepository
    wearables: WearableRepository
    twin: TwinRepository

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
