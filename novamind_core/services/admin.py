"""Administration: the Admin page's view, system health, key-rotation status, model-registry status, care teams by
MRN, audit export.

What the users, audit and keys services already do (create, roles, deactivate, reset password, set care team, query
and verify the audit chain, rotate keys) stays there; this service adds the read-outs an administrator needs around
them. Every method needs an admin permission (``MANAGE_USERS``, ``MANAGE_KEYS`` or ``READ_AUDIT``, see
:data:`novamind_core.domain.users.ROLE_PERMISSIONS`) and writes exactly one audit event. Nothing returned is PHI: a
care team is looked up by MRN through the blind index and answered with user ids and staff names only.

Work on the database as a whole (the health probe, the key scan) goes through the injected
:class:`~novamind_core.services.ports.DatabaseMaintenance`, always outside an open unit of work.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from novamind_core.domain.administration import (
    AdminSection,
    AdminView,
    AuditFilter,
    CareTeam,
    CareTeamMember,
    DatabaseProbe,
    HealthCheck,
    KeyRotationStatus,
    ModelStatus,
    SystemHealth,
    TableKeyStatus,
)
from novamind_core.domain.errors import NotFoundError, ValidationError
from novamind_core.domain.patients import normalise_mrn
from novamind_core.domain.spreadsheet import safe_row
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction, AuditOutcome
from novamind_core.security.rbac import require
from novamind_core.services.base import BaseService, ServiceContext
from novamind_core.services.ports import DatabaseMaintenance, UnitOfWork

ADMIN_HEALTH = AuditAction.ADMIN_HEALTH
ADMIN_KEY_STATUS = AuditAction.KEYS_STATUS
ADMIN_MODEL_STATUS = AuditAction.ADMIN_MODELS
ADMIN_CARE_TEAM_READ = AuditAction.CARE_TEAM_READ
ADMIN_VIEW = AuditAction.ADMIN_VIEW
AUDIT_EXPORT = AuditAction.AUDIT_EXPORT

MIN_FREE_DISK_BYTES = 1 << 30
"""Disk check fails under 1 GiB free for ``data/`` (SQLite file, keys, models) ..."""
MIN_FREE_DISK_FRACTION = 0.10
"""... or under 10% of the volume free (a common operations threshold)."""
MAX_AUDIT_EXPORT_ROWS = 50_000
AUDIT_VIEW_ROWS = 200
"""Events the Admin page's audit viewer shows (the CSV export allows more)."""

SECTION_PERMISSION = {AdminSection.AUDIT_LOG: Permission.READ_AUDIT, AdminSection.KEYS: Permission.MANAGE_KEYS}
"""The permission each Admin section needs beyond ``MANAGE_USERS`` (the default)."""


def _numeric_metrics(metrics: object, prefix: str = "", depth: int = 2) -> dict[str, float]:
    """Numeric leaves of a model card's ``metrics`` (two levels deep, e.g. ``response.auc``), in file order."""
    out: dict[str, float] = {}
    if not isinstance(metrics, dict) or depth == 0:
        return out
    for k, v in metrics.items():
        name = f"{prefix}{k}"
        if isinstance(v, int | float) and not isinstance(v, bool):
            out[name] = float(v)
        elif isinstance(v, dict) and k != "uncalibrated":
            out.update(_numeric_metrics(v, name + ".", depth - 1))
    return out


def _gib(n: int) -> str:
    return f"{n / (1 << 30):.1f} GiB"


def _filter_words(where: AuditFilter) -> str:
    """The filter in the audit detail: field names and ids only (an action name, an outcome, dates)."""
    parts = [f"{k}={v.isoformat(timespec='minutes') if isinstance(v, datetime) else v}"
             for k, v in vars(where).items() if v not in (None, "")]
    return " ".join(parts) or "unfiltered"


class AdminService(BaseService):
    def __init__(self, ctx: ServiceContext, maintenance: DatabaseMaintenance):
        super().__init__(ctx)
        self.maintenance = maintenance

    # ------------------------------------------------------------------ the page
    def view(self, user: User, section: AdminSection | str, *, mrn: str = "",
             audit_filter: AuditFilter | None = None) -> AdminView:
        """Everything one Admin page view shows for ``section``, with one audit event (``admin.view``) naming it.

        ``mrn`` (care teams): the patient whose team to show (an unknown MRN is audited as a failure and raises
        NotFoundError). ``audit_filter`` (audit log): which events to list, newest first, at most
        :data:`AUDIT_VIEW_ROWS`. The key scan runs after the permission check, outside the transaction (it reads
        every encrypted value on its own connections); an unreachable database shows its health unaudited.
        """
        chosen = AdminSection(section)
        permission = SECTION_PERMISSION.get(chosen, Permission.MANAGE_USERS)
        if chosen is AdminSection.HEALTH:
            probe = self.maintenance.probe()
            if not probe.reachable:
                require(user, permission)
                return AdminView(chosen, health=self._health(probe))
            with self._tx() as uow:
                actor = self._authorize(uow, user, permission, ADMIN_VIEW)
                health = self._health(probe)
                self._audit(uow, actor, ADMIN_VIEW, detail=f"section=health {self._health_words(health)}")
                uow.commit()
                return AdminView(chosen, health=health)
        if chosen is AdminSection.KEYS:
            with self._tx() as uow:
                actor = self._authorize(uow, user, permission, ADMIN_VIEW)
            status = self.maintenance.key_status()
            with self._tx() as uow:
                self._audit(uow, actor, ADMIN_VIEW, detail=f"section=keys {self._key_words(status)}")
                uow.commit()
            return AdminView(chosen, key_status=status)
        with self._tx() as uow:
            actor = self._authorize(uow, user, permission, ADMIN_VIEW)
            if chosen is AdminSection.USERS:
                view = AdminView(chosen, accounts=tuple(uow.users.list(True)))
                detail, patient_id = f"accounts={len(view.accounts)}", None
            elif chosen is AdminSection.CARE_TEAMS:
                team = self._care_team(uow, actor, mrn, ADMIN_VIEW) if mrn.strip() else None
                accounts = tuple(uow.users.list(False)) if team is not None else ()
                view = AdminView(chosen, accounts=accounts, care_team=team)
                detail = "no MRN entered" if team is None else f"members={len(team.members)}"
                patient_id = None if team is None else team.patient_id
            elif chosen is AdminSection.AUDIT_LOG:
                where = audit_filter or AuditFilter()
                entries = tuple(uow.audit.query(where, limit=AUDIT_VIEW_ROWS))
                view = AdminView(chosen, accounts=tuple(uow.users.list(True)), audit_entries=entries,
                                 audit_actions=audit_actions())
                detail, patient_id = f"rows={len(entries)} {_filter_words(where)}", None
            else:
                models = self._models()
                view = AdminView(chosen, models=models)
                detail, patient_id = self._model_words(models), None
            self._audit(uow, actor, ADMIN_VIEW, patient_id=patient_id, detail=f"section={chosen.value} {detail}")
            uow.commit()
            return view

    # ------------------------------------------------------------------ health
    def health(self, user: User) -> SystemHealth:
        """Database reachable (and round-trip time), schema at the Alembic head, disk free for ``data/``.

        When the database cannot be reached the caller's role is checked from the session's user (the stored one
        cannot be read) and no audit event can be written; the result says so."""
        probe = self.maintenance.probe()
        if not probe.reachable:
            require(user, Permission.MANAGE_USERS)
            return self._health(probe)
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_USERS, ADMIN_HEALTH)
            health = self._health(probe)
            self._audit(uow, actor, ADMIN_HEALTH, detail=self._health_words(health))
            uow.commit()
            return health

    def _health(self, probe: DatabaseProbe) -> SystemHealth:
        from novamind_core.config import DATA_DIR

        now = self.ctx.now()
        backend = probe.backend
        data_dir = self.maintenance.data_dir(DATA_DIR)
        head = self.maintenance.head_revision()
        try:
            usage = shutil.disk_usage(data_dir if data_dir.exists() else data_dir.parent)
            free, total = int(usage.free), int(usage.total)
        except OSError:
            free = total = None
        disk_ok = free is not None and total is not None and free >= MIN_FREE_DISK_BYTES \
            and free / max(total, 1) >= MIN_FREE_DISK_FRACTION
        disk = HealthCheck("disk for data", disk_ok,
                           f"{_gib(free)} free of {_gib(total)} at {data_dir}" if free is not None and total
                           else f"cannot read disk usage at {data_dir}")
        if not probe.reachable:
            return SystemHealth(now, backend, False, None, None, head, False, str(data_dir), free, total, None, None,
                                None, (HealthCheck("database reachable", False,
                                                   f"{backend} database did not answer; check that it is running and "
                                                   "NOVAMIND_DATABASE_URL (this check could not be audited)"),
                                       HealthCheck("migrations current", False, "unknown: database unreachable"),
                                       disk))
        current = probe.schema_revision
        checks = (
            HealthCheck("database reachable", True, f"{backend}, round trip {probe.latency_ms:.1f} ms"),
            HealthCheck("migrations current", current == head,
                        f"database at {current or 'no schema'}, code head {head}"
                        + ("" if current == head else "; run `python -m novamind_core migrate`")),
            disk,
        )
        return SystemHealth(now, backend, True, probe.latency_ms, current, head, current == head, str(data_dir), free,
                            total, probe.users, probe.patients, probe.audit_rows, checks)

    @staticmethod
    def _health_words(health: SystemHealth) -> str:
        return "ok" if health.ok else "problems: " + ", ".join(c.name for c in health.checks if not c.ok)

    # ------------------------------------------------------------------ keys
    def key_status(self, user: User) -> KeyRotationStatus:
        """Count, per table, the encrypted values not yet under the newest key (raw tokens, read-only, in batches)."""
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_KEYS, ADMIN_KEY_STATUS)
        status = self.maintenance.key_status()
        with self._tx() as uow:
            self._audit(uow, actor, ADMIN_KEY_STATUS, detail=self._key_words(status))
            uow.commit()
        return status

    @staticmethod
    def _key_words(status: KeyRotationStatus) -> str:
        return f"keys={status.key_count} values={status.values} stale={status.stale}"

    # ------------------------------------------------------------------ models
    def model_status(self, user: User) -> tuple[ModelStatus, ...]:
        """Every model version under ``NOVAMIND_MODEL_DIR`` with its checksum verified now."""
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_USERS, ADMIN_MODEL_STATUS)
            models = self._models()
            self._audit(uow, actor, ADMIN_MODEL_STATUS, detail=self._model_words(models))
            uow.commit()
            return models

    def _models(self) -> tuple[ModelStatus, ...]:
        from novamind_core.ml.registry import ModelIntegrityError, list_models, verify_checksum

        entries = list_models(Path(self.ctx.settings.model_dir))
        latest = {e.name: e.version for e in entries}  # list_models is in version order
        out = []
        for e in entries:
            problem = ""
            try:
                verify_checksum(e)
            except ModelIntegrityError as exc:
                problem = str(exc)
            meta = e.metadata
            data = meta.get("data", {})
            out.append(ModelStatus(e.name, e.version, str(meta.get("kind", "")), str(meta.get("created", "")),
                                   bool(data.get("synthetic")) if isinstance(data, dict) else False,
                                   latest[e.name] == e.version, not problem, problem,
                                   _numeric_metrics(meta.get("metrics")), str(e.path)))
        return tuple(out)

    @staticmethod
    def _model_words(models: Sequence[ModelStatus]) -> str:
        return f"models={len(models)} checksum_failures={sum(not m.checksum_ok for m in models)}"

    # ------------------------------------------------------------------ care teams
    def care_team_by_mrn(self, user: User, mrn: str) -> CareTeam:
        """Find a patient by MRN (exact, through the blind index) and return the care team, without any PHI.

        Lets an administrator assign clinicians (``services.users.set_care_team``) without opening the chart."""
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_USERS, ADMIN_CARE_TEAM_READ)
            team = self._care_team(uow, actor, mrn, ADMIN_CARE_TEAM_READ)
            self._audit(uow, actor, ADMIN_CARE_TEAM_READ, patient_id=team.patient_id,
                        detail=f"members={len(team.members)}")
            uow.commit()
            return team

    def _care_team(self, uow: UnitOfWork, actor: User, mrn: str, action: str) -> CareTeam:
        """The team of the patient with ``mrn``; an unknown MRN is audited (as ``action``, failure) and not found."""
        try:
            key = normalise_mrn(mrn)
        except ValidationError:
            raise ValidationError("enter the patient's full MRN (letters, digits and hyphens)", field="mrn",
                                  value=None) from None
        patient_id = uow.patients.id_for_mrn(key)
        if patient_id is None:
            self._audit(uow, actor, action, outcome=AuditOutcome.FAILURE, detail="no patient with that MRN")
            uow.commit()
            raise NotFoundError("no patient has that MRN")
        return CareTeam(patient_id, uow.users.care_team_members(patient_id))

    # ------------------------------------------------------------------ audit export
    def audit_csv(self, user: User, *, action: str | None = None, user_id: int | None = None,
                  patient_id: int | None = None, outcome: str | None = None, since: datetime | None = None,
                  until: datetime | None = None, limit: int = 10_000, where: AuditFilter | None = None) -> bytes:
        """The filtered audit log as CSV (newest first, at most ``limit`` rows), with each row's hash links so the
        export itself can be checked against the chain. ``where`` replaces the separate filters. Audited as
        ``audit.export``."""
        if not isinstance(limit, int) or not 1 <= limit <= MAX_AUDIT_EXPORT_ROWS:
            raise ValidationError(f"export limit must be 1-{MAX_AUDIT_EXPORT_ROWS}", field="limit", value=limit)
        where = where or AuditFilter(action, user_id, patient_id, outcome, since, until)
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.READ_AUDIT, AUDIT_EXPORT)
            rows = uow.audit.export(where, limit=limit)
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["id", "at_utc", "user_id", "username", "role", "action", "patient_id", "outcome",
                             "detail", "prev_hash", "hash", "channel"])  # channel: part of the hash since 0005
            for r in rows:  # usernames typed at sign-in and details are text: formulae neutralised (safe_row)
                e = r.entry
                writer.writerow(safe_row([e.id, e.at.isoformat(timespec="seconds"), e.user_id, e.username, e.role,
                                          e.action, e.patient_id, e.outcome, e.detail, r.prev_hash, r.hash,
                                          e.channel]))
            self._audit(uow, actor, AUDIT_EXPORT, detail=f"rows={len(rows)}")
            uow.commit()
            return buffer.getvalue().encode("utf-8")


def audit_actions(extra: Sequence[str] = ()) -> tuple[str, ...]:
    """Every audit action name the services write (for the audit viewer's filter)."""
    return tuple(sorted(set(AuditAction.all()) | set(extra)))


__all__ = ["AdminService", "CareTeam", "CareTeamMember", "HealthCheck", "KeyRotationStatus", "ModelStatus",
           "SystemHealth", "TableKeyStatus", "audit_actions"]
