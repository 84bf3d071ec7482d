"""Unit of work: one session, one transaction per service call, with repositories over it.

Database errors that mean a business rule was broken become domain errors with a clear message:
a unique constraint -> :class:`ConflictError`; an optimistic-lock miss (``StaleDataError``) -> :class:`StaleWriteError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

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
from novamind_core.db.repositories.sessions import SecondFactorRepository, SessionRepository, SignInThrottleRepository
from novamind_core.domain.errors import ConflictError, StaleWriteError


class UnitOfWork:
    """``with uow_factory() as uow: ...; uow.commit()`` — leaving the block without commit rolls back."""

    def __init__(self, session_factory: Callable[[], Session], indexer: Any, channel: str = "web"):
        self._session_factory = session_factory
        self.indexer = indexer
        self.channel = channel  # web | cli | worker: stamped on every audit row this unit of work writes
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        s = self.session
        self.patients = PatientRepository(s, self.indexer)
        self.assessments = AssessmentRepository(s)
        self.medications = MedicationRepository(s)
        self.notes = NoteRepository(s)
        self.visits = VisitRepository(s)
        self.alerts = AlertRepository(s)
        self.users = UserRepository(s)
        self.audit = AuditRepository(s, self.channel)
        self.operator_tokens = OperatorTokenRepository(s)
        self.wearables = WearableRepository(s)
        self.twin = TwinRepository(s)
        self.cohort = CohortRepository(s)
        self.plans = MeasurementPlanRepository(s)
        self.consents = ContactConsentRepository(s)
        self.requests = QuestionnaireRequestRepository(s)
        self.delivery = DeliveryLogRepository(s)
        self.rate_limits = RateLimitRepository(s)
        self.preferences = NotificationPreferenceRepository(s)
        self.outbox = OutboxRepository(s)
        self.outcomes = OutcomeRepository(s)
        self.drug_levels = DrugLevelRepository(s)
        self.risk_reviews = RiskReviewRepository(s)
        self.drafts = DraftRepository(s)
        self.submissions = SubmissionRepository(s)
        self.patient_links = PatientLinkRepository(s)
        self.sessions = SessionRepository(s)
        self.sign_in_throttle = SignInThrottleRepository(s)
        self.second_factors = SecondFactorRepository(s)
        self.identities = IdentityRepository(s)
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        """Roll back whatever was not committed, close the session, and translate a broken business rule
        (raised by a flush inside the block) into a domain error."""
        try:
            self.session.rollback()
        finally:
            self.session.close()
        if isinstance(exc, StaleDataError | IntegrityError):
            with translate_db_errors():
                raise exc

    def commit(self) -> None:
        with translate_db_errors():
            self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


@contextmanager
def translate_db_errors() -> Iterator[None]:
    try:
        yield
    except StaleDataError:
        raise StaleWriteError(
            "the record was changed by someone else while you were editing it; reload it and apply your change again"
        ) from None
    except IntegrityError as exc:
        text = str(exc.orig).lower()
        if "mrn_bidx" in text:
            raise ConflictError("a patient with this MRN already exists") from None
        if "uq_medication_orders_active_drug" in text or "medication_orders.patient_id, medication_orders.drug" in text:
            raise ConflictError("this drug is already active for this patient; titrate or stop it instead") from None
        if "username" in text:
            raise ConflictError("a user with this username already exists") from None
        raise ConflictError("the change conflicts with existing data (a uniqueness rule would be broken)") from None


def session_factory(engine: Any) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
