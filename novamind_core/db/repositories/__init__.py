"""Repositories: data access that returns frozen domain dataclasses (never model rows) to the services."""

from novamind_core.db.repositories.audit import AuditRepository
from novamind_core.db.repositories.clinical import (
    AlertRepository,
    AssessmentRepository,
    MedicationRepository,
    NoteRepository,
    VisitRepository,
)
from novamind_core.db.repositories.cohort import CohortRepository
from novamind_core.db.repositories.outbox import OutboxRepository
from novamind_core.db.repositories.outcomes import OutcomeRepository
from novamind_core.db.repositories.patients import PatientRepository
from novamind_core.db.repositories.reporting import (
    ContactConsentRepository,
    DeliveryLogRepository,
    MeasurementPlanRepository,
    NotificationPreferenceRepository,
    QuestionnaireRequestRepository,
    RateLimitRepository,
)
from novamind_core.db.repositories.twin import TwinRepository
from novamind_core.db.repositories.users import UserRepository
from novamind_core.db.repositories.wearables import WearableRepository

__all__ = [
    "AlertRepository",
    "AssessmentRepository",
    "AuditRepository",
    "CohortRepository",
    "ContactConsentRepository",
    "DeliveryLogRepository",
    "MeasurementPlanRepository",
    "NotificationPreferenceRepository",
    "QuestionnaireRequestRepository",
    "RateLimitRepository",
    "MedicationRepository",
    "NoteRepository",
    "OutboxRepository",
    "OutcomeRepository",
    "PatientRepository",
    "TwinRepository",
    "UserRepository",
    "VisitRepository",
    "WearableRepository",
]
