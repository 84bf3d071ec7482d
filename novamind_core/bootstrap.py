"""Composition root: ``build_services(settings) -> Services`` (engine, cipher, blind indexer, unit of work, services).

The app builds it once (``st.cache_resource``); tests build their own over a temporary database; the CLI builds one
per command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine

from novamind_core.db.engine import create_engine_for
from novamind_core.db.maintenance import DatabaseMaintenance
from novamind_core.db.uow import UnitOfWork, session_factory
from novamind_core.security.crypto import BlindIndexer, FieldCipher
from novamind_core.services.admin import AdminService
from novamind_core.services.alerts import AlertService
from novamind_core.services.assessments import AssessmentService
from novamind_core.services.audit import AuditService
from novamind_core.services.base import ServiceContext, _utc_now
from novamind_core.services.charts import ChartService
from novamind_core.services.cohort import CohortService
from novamind_core.services.drafts import DraftService
from novamind_core.services.drug_levels import DrugLevelService
from novamind_core.services.imports import ImportService
from novamind_core.services.keys import KeyService
from novamind_core.services.medications import MedicationService
from novamind_core.services.notes import NoteService
from novamind_core.services.notifications import NotificationService
from novamind_core.services.operators import OperatorTokenService
from novamind_core.services.outcomes import OutcomeService
from novamind_core.services.patients import PatientService
from novamind_core.services.portal import PortalService
from novamind_core.services.predictions import PredictionService
from novamind_core.services.reporting import ReportingService
from novamind_core.services.risk_reviews import RiskReviewService
from novamind_core.services.sessions import SessionService
from novamind_core.services.single_sign_on import SingleSignOnService
from novamind_core.services.twin import TwinService
from novamind_core.services.users import UserService
from novamind_core.services.visits import VisitService
from novamind_core.services.wearables import WearableService


@dataclass(frozen=True)
class Services:
    """Every service, sharing one engine. ``services.patients.caseload(user, ...)`` etc."""

    settings: Any
    context: ServiceContext
    engine: Engine
    cipher: FieldCipher
    patients: PatientService
    assessments: AssessmentService
    medications: MedicationService
    drug_levels: DrugLevelService
    notes: NoteService
    drafts: DraftService
    visits: VisitService
    alerts: AlertService
    risk_reviews: RiskReviewService
    users: UserService
    audit: AuditService
    wearables: WearableService
    twin: TwinService
    keys: KeyService
    cohort: CohortService
    admin: AdminService
    imports: ImportService
    predictions: PredictionService
    charts: ChartService
    reporting: ReportingService
    portal: PortalService
    notifications: NotificationService
    outcomes: OutcomeService
    sessions: SessionService
    operators: OperatorTokenService
    single_sign_on: SingleSignOnService

    def close(self) -> None:
        self.engine.dispose()


def build_services(settings: Any, *, clock: Callable[[], datetime] | None = None,
                   bcrypt_rounds: int | None = None, channel: str = "web") -> Services:
    """Build the services for ``settings`` (the schema must exist: run ``migrate`` first).

    ``channel`` (``web``, ``cli`` or ``worker``) is recorded on every audit row these services write. In production
    the settings are validated first, so a missing, short or unusable key stops every caller before any write.

    Raises ConfigurationError naming the variable when a key is missing or malformed.
    """
    if getattr(settings, "is_production", False):
        settings.validate_for_startup()  # fail closed: no service exists in production with a bad key
    from novamind_core.security.spool import configure_spool

    configure_spool(getattr(settings, "upload_spool_dir", None))  # 0700; clears uploads left by crashed processes
    cipher = FieldCipher(settings.encryption_keys)
    indexer = BlindIndexer(settings.blind_index_key)
    engine = create_engine_for(settings.database_url, cipher)
    if getattr(settings, "is_production", False):
        from novamind_core.db.key_check import stored_key_problems
        from novamind_core.domain.errors import ConfigurationError

        problems = stored_key_problems(engine, cipher, indexer)  # a well-formed key can still be the wrong one
        if problems:
            engine.dispose()
            raise ConfigurationError("; ".join(problems))
    rounds = bcrypt_rounds if bcrypt_rounds is not None else (4 if settings.environment == "testing" else 12)
    ctx = ServiceContext(settings=settings,
                         uow_factory=partial(UnitOfWork, session_factory(engine), indexer, channel),
                         clock=clock or _utc_now, bcrypt_rounds=rounds)
    maintenance = DatabaseMaintenance(engine, cipher, settings.database_url)
    return Services(
        settings=settings, context=ctx, engine=engine, cipher=cipher,
        patients=PatientService(ctx), assessments=AssessmentService(ctx), medications=MedicationService(ctx),
        drug_levels=DrugLevelService(ctx),
        notes=NoteService(ctx), drafts=DraftService(ctx), visits=VisitService(ctx), alerts=AlertService(ctx),
        risk_reviews=RiskReviewService(ctx), users=UserService(ctx),
        audit=AuditService(ctx), wearables=WearableService(ctx), twin=TwinService(ctx),
        keys=KeyService(ctx, maintenance), cohort=CohortService(ctx), admin=AdminService(ctx, maintenance),
        imports=ImportService(ctx),
        predictions=PredictionService(ctx), charts=ChartService(ctx),
        reporting=ReportingService(ctx), portal=PortalService(ctx),
        notifications=NotificationService(ctx),
        outcomes=OutcomeService(ctx),
        sessions=SessionService(ctx),
        operators=OperatorTokenService(ctx),
        single_sign_on=SingleSignOnService(ctx),
    )
