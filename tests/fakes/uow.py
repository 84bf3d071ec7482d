"""An in-memory unit of work for service unit tests (cosmicpython chapter 6): no database, no SQL.

``FakeStore`` is the "database": one fake repository per ``UnitOfWork`` attribute, kept across units of work.
``FakeUnitOfWork(store)`` opens a transaction over it: leaving the block without ``commit()`` (or calling
``rollback()``) restores the repositories to what they held at the last commit, as a real transaction would.
``fake_context(...)`` builds a :class:`~novamind_core.services.base.ServiceContext` over a store.

Each fake repository mirrors the public methods of its SQLAlchemy twin in ``novamind_core/db/repositories`` that the
services call, with the same domain types in and out.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from novamind_core.services.base import ServiceContext
from tests.fakes import clinical, forms, reporting
from tests.fakes.data import FakeCohortRepository, FakeWearableRepository
from tests.fakes.drug_levels import FakeDrugLevelRepository
from tests.fakes.outbox import FakeOutboxRepository
from tests.fakes.outcomes import FakeOutcomeRepository
from tests.fakes.repositories import FakeAuditRepository, FakeUserRepository
from tests.fakes.risk import FakeRiskReviewRepository
from tests.fakes.sessions import (
    FakeSecondFactorRepository,
    FakeSessionRepository,
    FakeSignInThrottleRepository,
)

#: Every repository attribute of the unit of work, with the factory of its fake. Add a line when a service
#: starts using a new repository.
FAKE_REPOSITORIES: dict[str, Callable[[], Any]] = {
    "users": FakeUserRepository,
    "audit": FakeAuditRepository,
    "patients": clinical.FakePatientRepository,
    "assessments": clinical.FakeAssessmentRepository,
    "alerts": clinical.FakeAlertRepository,
    "medications": clinical.FakeMedicationRepository,
    "notes": clinical.FakeNoteRepository,
    "visits": clinical.FakeVisitRepository,
    "cohort": FakeCohortRepository,
    "wearables": FakeWearableRepository,
    "outbox": FakeOutboxRepository,
    "outcomes": FakeOutcomeRepository,
    "drug_levels": FakeDrugLevelRepository,
    "risk_reviews": FakeRiskReviewRepository,
    "drafts": forms.FakeDraftRepository,
    "submissions": forms.FakeSubmissionRepository,
    "patient_links": forms.FakePatientLinkRepository,
    "plans": reporting.FakeMeasurementPlanRepository,
    "consents": reporting.FakeContactConsentRepository,
    "requests": reporting.FakeQuestionnaireRequestRepository,
    "delivery": reporting.FakeDeliveryLogRepository,
    "rate_limits": reporting.FakeRateLimitRepository,
    "preferences": reporting.FakeNotificationPreferenceRepository,
    "sessions": FakeSessionRepository,
    "sign_in_throttle": FakeSignInThrottleRepository,
    "second_factors": FakeSecondFactorRepository,
}


class FakeStore:
    """The in-memory "database" shared by every unit of work a test opens."""

    def __init__(self) -> None:
        self.repositories = {name: make() for name, make in FAKE_REPOSITORIES.items()}
        for repo in self.repositories.values():  # fakes that answer with a sibling's data (tests/fakes/clinical.py)
            getattr(repo, "bind", lambda _: None)(self.repositories)
        self.commits = 0

    def snapshot(self) -> dict[str, dict[str, Any]]:
        return {name: copy.deepcopy(repo.__dict__) for name, repo in self.repositories.items()}

    def restore(self, saved: dict[str, dict[str, Any]]) -> None:
        for name, state in saved.items():
            repo = self.repositories[name]
            repo.__dict__.clear()
            repo.__dict__.update(copy.deepcopy(state))


class FakeUnitOfWork:
    """``with FakeUnitOfWork(store) as uow: ...; uow.commit()``: the same contract as the SQLAlchemy one."""

    def __init__(self, store: FakeStore):
        self.store = store
        self._saved: dict[str, dict[str, Any]] | None = None
        for name, repo in store.repositories.items():
            setattr(self, name, repo)

    def __enter__(self) -> FakeUnitOfWork:
        self._saved = self.store.snapshot()
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        self.rollback()

    def commit(self) -> None:
        self.store.commits += 1
        self._saved = self.store.snapshot()

    def rollback(self) -> None:
        if self._saved is not None:
            self.store.restore(self._saved)


def fake_context(store: FakeStore | None = None, *, clock: Callable[[], datetime] | None = None,
                 **settings: Any) -> ServiceContext:
    """A service context over ``store`` (a new one by default); ``settings`` override the few the services read."""
    store = store or FakeStore()
    defaults = {"clinic_timezone": "Europe/London", "environment": "testing", "overdue_days": 28}
    return ServiceContext(settings=SimpleNamespace(**{**defaults, **settings}),
                          uow_factory=lambda: FakeUnitOfWork(store),
                          clock=clock or (lambda: datetime(2026, 6, 1, 9, 0, tzinfo=UTC)), bcrypt_rounds=4)
