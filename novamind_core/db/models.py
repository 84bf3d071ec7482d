"""SQLAlchemy 2 typed models. The schema is made only by the Alembic migrations in ``db/migrations``.

PHI columns use :mod:`novamind_core.db.types` (encrypted at the type level). Exact-match search on MRN and names goes
through HMAC blind-index columns (``*_bidx``), never through the ciphertext. Structured clinical values (scores, drug,
dose, ICD-10 codes) are stored in clear, linked to a patient only by id, so that de-identified analytics can query them.

The tables live in themed modules over one declarative base (:mod:`novamind_core.db.models_base`, one ``MetaData``);
this module imports them all, so ``Base.metadata`` is whole once it is imported, and re-exports every name:
``from novamind_core.db.models import X`` works for every table class.

* :mod:`~novamind_core.db.models_auth`: users, API tokens, organisation identities, sessions, throttling, TOTP;
* :mod:`~novamind_core.db.models_patients`: patients, diagnoses, care teams, summaries, assessments, medication
  orders, drug levels, visits, alerts;
* :mod:`~novamind_core.db.models_records`: notes, revisions, signatures, addenda, trainees, form drafts and
  submissions, patient links;
* :mod:`~novamind_core.db.models_audit`: the audit log and its head;
* :mod:`~novamind_core.db.models_twin`: wearable data, the twin's state and snapshots, saved scenarios;
* :mod:`~novamind_core.db.models_reporting`: measurement plans, consent, questionnaire requests, outbox, delivery
  events, rate limits, notification preferences;
* :mod:`~novamind_core.db.models_risk`: risk reviews and safety plans.
"""

from __future__ import annotations

from novamind_core.db.models_audit import AuditHeadRow, AuditRow
from novamind_core.db.models_auth import (
    OperatorTokenRow,
    SignInThrottleRow,
    UserIdentityRow,
    UserRow,
    UserSecondFactorRow,
    UserSessionRow,
)
from novamind_core.db.models_base import BIDX, NAMING_CONVENTION, Base
from novamind_core.db.models_patients import (
    AlertRow,
    AssessmentRow,
    CareTeamRow,
    DiagnosisRow,
    DrugLevelRow,
    MedicationOrderRow,
    PatientRow,
    PatientSummaryRow,
    VisitRow,
)
from novamind_core.db.models_records import (
    FormDraftRow,
    FormSubmissionRow,
    NoteAddendumRow,
    NoteRevisionRow,
    NoteRow,
    NoteSignatureRow,
    PatientLinkRow,
    TraineeRow,
)
from novamind_core.db.models_reporting import (
    ContactConsentRow,
    DeliveryEventRow,
    MeasurementPlanRow,
    NotificationPreferenceRow,
    OutboxRow,
    QuestionnaireRequestRow,
    RateLimitRow,
)
from novamind_core.db.models_risk import RiskReviewRow, SafetyPlanRow
from novamind_core.db.models_twin import (
    SavedScenarioRow,
    TwinSnapshotRow,
    TwinStateRow,
    WearableDailyRow,
    WearableMinuteDayRow,
)

__all__ = [
    "BIDX",
    "NAMING_CONVENTION",
    "AlertRow",
    "AssessmentRow",
    "AuditHeadRow",
    "AuditRow",
    "Base",
    "CareTeamRow",
    "ContactConsentRow",
    "DeliveryEventRow",
    "DiagnosisRow",
    "DrugLevelRow",
    "FormDraftRow",
    "FormSubmissionRow",
    "MeasurementPlanRow",
    "MedicationOrderRow",
    "NoteAddendumRow",
    "NoteRevisionRow",
    "NoteRow",
    "NoteSignatureRow",
    "NotificationPreferenceRow",
    "OperatorTokenRow",
    "OutboxRow",
    "PatientLinkRow",
    "PatientRow",
    "PatientSummaryRow",
    "QuestionnaireRequestRow",
    "RateLimitRow",
    "RiskReviewRow",
    "SafetyPlanRow",
    "SavedScenarioRow",
    "SignInThrottleRow",
    "TraineeRow",
    "TwinSnapshotRow",
    "TwinStateRow",
    "UserIdentityRow",
    "UserRow",
    "UserSecondFactorRow",
    "UserSessionRow",
    "VisitRow",
    "WearableDailyRow",
    "WearableMinuteDayRow",
]
