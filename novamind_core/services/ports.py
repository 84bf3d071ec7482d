"""The unit of work the services depend on, as a protocol (cosmicpython's "abstract unit of work").

:class:`novamind_core.db.uow.UnitOfWork` implements it over SQLAlchemy; ``tests.fakes.FakeUnitOfWork`` implements it in
memory, so the service unit tests in ``tests/unit/services`` need no database. Repositories take and return domain
objects (``novamind_core.domain``); a service never sees a session or a row.

``with ctx.uow() as uow: ...; uow.commit()``: leaving the block without ``commit()`` rolls back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from novamind_core.domain.administration import DatabaseProbe, KeyRotationStatus
from novamind_core.domain.records import RotationReport

if TYPE_CHECKING:  # the concrete repositories document the methods; the fakes mirror them
    from novamind_core.db.repositories import (
        AlertRepository,
        AssessmentRepository,
        AuditRepository,
        CohortRepository,
        ContactConsentRepository,
        DeliveryLogRepository,
        MeasurementPlanRepository,
        MedicationRepository,
        NoteRepository,
        NotificationPreferenceRepository,
        OutboxRepository,
        OutcomeRepository,
        PatientRepository,
        QuestionnaireRequestRepository,
        RateLimitRepository,
        TwinRepository,
        UserRepository,
        VisitRepository,
        WearableRepository,
    )
    from novamind_core.db.repositories.drug_levels import DrugLevelRepository
    from novamind_core.db.repositories.forms import DraftRepository, PatientLinkRepository, SubmissionRepository
    from novamind_core.db.repositories.identities import IdentityRepository
    from novamind_core.db.repositories.operator_tokens import OperatorTokenRepository
    from novamind_core.db.repositories.risk import RiskReviewRepository
    from novamind_core.db.repositories.sessions import (
        SecondFactorRepository,
        SessionRepository,
        SignInThrottleRepository,
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
    cohort: CohortRepository
    plans: MeasurementPlanRepository
    consents: ContactConsentRepository
    requests: QuestionnaireRequestRepository
    delivery: DeliveryLogRepository
    rate_limits: RateLimitRepository
    preferences: NotificationPreferenceRepository
    outbox: OutboxRepository
    outcomes: OutcomeRepository
    drug_levels: DrugLevelRepository
    risk_reviews: RiskReviewRepository
    drafts: DraftRepository
    submissions: SubmissionRepository
    patient_links: PatientLinkRepository
    sessions: SessionRepository
    sign_in_throttle: SignInThrottleRepository
    second_factors: SecondFactorRepository
    operator_tokens: OperatorTokenRepository
    identities: IdentityRepository

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class DatabaseMaintenance(Protocol):
    """Work on the database as a whole (``novamind_core.db.maintenance.DatabaseMaintenance``), on its own
    connections: never call it inside an open unit of work (SQLite would wait for the unit of work's write lock)."""

    @property
    def backend(self) -> str: ...

    @property
    def key_count(self) -> int: ...

    def data_dir(self, default: Path) -> Path: ...

    def head_revision(self) -> str: ...

    def probe(self) -> DatabaseProbe: ...

    def key_status(self) -> KeyRotationStatus: ...

    def rotate(self, batch_size: int, on_batch: Callable[[str, int], None] | None = None) -> RotationReport: ...
