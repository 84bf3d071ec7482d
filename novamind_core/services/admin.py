"""Administration: system health, key-rotation status, model-registry status, care teams by MRN, audit export.

What the users, audit and keys services already do (create, roles, deactivate, reset password, set care team, query
and verify the audit chain, rotate keys) stays there; this service adds the read-outs an administrator needs around
them. Every method needs an admin permission (``MANAGE_USERS``, ``MANAGE_KEYS`` or ``READ_AUDIT``, see
:data:`novamind_core.domain.users.ROLE_PERMISSIONS`) and writes exactly one audit event. Nothing returned is PHI: a
care team is looked up by MRN through the blind index and answered with user ids and staff names only.
"""

from __future__ import annotations

import csv
import io
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import LargeBinary, Text, func, select, type_coerce
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from novamind_core.db.models import AuditRow, CareTeamRow, PatientRow, UserRow
from novamind_core.domain.errors import NotFoundError, ValidationError
from novamind_core.domain.patients import normalise_mrn
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction
from novamind_core.security.rbac import require
from novamind_core.services.base import BaseService

ADMIN_HEALTH = AuditAction.ADMIN_HEALTH
ADMIN_KEY_STATUS = AuditAction.KEYS_STATUS
ADMIN_MODEL_STATUS = AuditAction.ADMIN_MODELS
ADMIN_CARE_TEAM_READ = AuditAction.CARE_TEAM_READ
AUDIT_EXPORT = AuditAction.AUDIT_EXPORT

MIN_FREE_DISK_BYTES = 1 << 30
"""Disk check fails under 1 GiB free for ``data/`` (SQLite file, keys, models) ..."""
MIN_FREE_DISK_FRACTION = 0.10
"""... or under 10% of the volume free (a common operations threshold)."""
MAX_AUDIT_EXPORT_ROWS = 50_000
KEY_SCAN_BATCH = 1000


@dataclass(frozen=True)
class HealthCheck:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class SystemHealth:
    """System health at ``checked_at`` (UTC). ``ok`` is True when every check passes."""

    checked_at: datetime
    database_backend: str
    db_reachable: bool
    db_latency_ms: float | None
    schema_revision: str | None
    head_revision: str
    migrations_current: bool
    data_dir: str
    disk_free_bytes: int | None
    disk_total_bytes: int | None
    users: int | None
    patients: int | None
    audit_rows: int | None
    checks: tuple[HealthCheck, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


@dataclass(frozen=True)
class TableKeyStatus:
    table: str
    values: int
    current: int

    @property
    def stale(self) -> int:
        return self.values - self.current


@dataclass(frozen=True)
class KeyRotationStatus:
    """How many encrypted values are not yet under the newest key (``NOVAMIND_ENCRYPTION_KEYS[0]``)."""

    key_count: int
    tables: tuple[TableKeyStatus, ...]

    @property
    def values(self) -> int:
        return sum(t.values for t in self.tables)

    @property
    def stale(self) -> int:
        return sum(t.stale for t in self.tables)

    @property
    def complete(self) -> bool:
        """True when every value is under the newest key: older keys may then be removed from the settings."""
        return self.stale == 0


@dataclass(frozen=True)
class ModelStatus:
    """One model version in the registry and whether its weight files still match their recorded checksums."""

    name: str
    version: str
    kind: str
    created: str
    synthetic: bool
    latest: bool
    checksum_ok: bool
    problem: str
    metrics: dict[str, float]
    path: str


@dataclass(frozen=True)
class CareTeamMember:
    user_id: int
    username: str
    display_name: str
    role: str
    active: bool


@dataclass(frozen=True)
class CareTeam:
    """A patient's care team, found by MRN; the patient is named by database id only."""

    patient_id: int
    members: tuple[CareTeamMember, ...]


def _data_dir(settings: Any) -> Path:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent
    from novamind_core.config import DATA_DIR

    return DATA_DIR


def _schema_revision(session: Any) -> str | None:
    """The Alembic revision, read on the caller's connection (a second SQLite connection would wait for the write
    lock the service transaction holds)."""
    from sqlalchemy import inspect, text

    conn = session.connection()
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _numeric_metrics(metrics: Any, prefix: str = "", depth: int = 2) -> dict[str, float]:
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


class AdminService(BaseService):
    # ------------------------------------------------------------------ health
    def health(self, user: User) -> SystemHealth:
        """Database reachable (and round-trip time), schema at the Alembic head, disk free for ``data/``.

        When the database cannot be reached the caller's role is checked from the session's user (the stored one
        cannot be read) and no audit event can be written; the result says so."""
        from novamind_core.db.engine import head_revision

        now = self.ctx.now()
        settings = self.ctx.settings
        backend = make_url(settings.database_url).get_backend_name()
        data_dir = _data_dir(settings)
        head = head_revision()
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
        try:
            with self._tx() as uow:
                actor = self._authorize(uow, user, Permission.MANAGE_USERS, ADMIN_HEALTH)
                t0 = time.perf_counter()
                uow.session.execute(select(1)).scalar()
                latency = (time.perf_counter() - t0) * 1000.0
                users = int(uow.session.scalar(select(func.count()).select_from(UserRow)) or 0)
                patients = int(uow.session.scalar(select(func.count()).select_from(PatientRow)) or 0)
                audit_rows = int(uow.session.scalar(select(func.count()).select_from(AuditRow)) or 0)
                current = _schema_revision(uow.session)
                checks = (
                    HealthCheck("database reachable", True, f"{backend}, round trip {latency:.1f} ms"),
                    HealthCheck("migrations current", current == head,
                                f"database at {current or 'no schema'}, code head {head}"
                                + ("" if current == head else "; run `python -m novamind_core migrate`")),
                    disk,
                )
                self._audit(uow, actor, ADMIN_HEALTH, detail="ok" if all(c.ok for c in checks) else "problems: "
                            + ", ".join(c.name for c in checks if not c.ok))
                uow.commit()
        except SQLAlchemyError:
            require(user, Permission.MANAGE_USERS)
            return SystemHealth(now, backend, False, None, None, head, False, str(data_dir), free, total, None, None,
                                None, (HealthCheck("database reachable", False,
                                                   f"{backend} database did not answer; check that it is running and "
                                                   "NOVAMIND_DATABASE_URL (this check could not be audited)"),
                                       HealthCheck("migrations current", False, "unknown: database unreachable"),
                                       disk))
        return SystemHealth(now, backend, True, round(latency, 2), current, head, current == head, str(data_dir), free,
                            total, users, patients, audit_rows, checks)

    # ------------------------------------------------------------------ keys
    def key_status(self, user: User) -> KeyRotationStatus:
        """Count, per table, the encrypted values not yet under the newest key (raw tokens, read-only, in batches).

        A value is current when the newest key alone authenticates it (:meth:`FieldCipher.is_current`)."""
        from novamind_core.db.rotation import encrypted_columns
        from novamind_core.db.types import EncryptedBytes

        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_KEYS, ADMIN_KEY_STATUS)
        cipher = self.ctx.cipher
        tables = []
        for spec in encrypted_columns():
            table = spec.table
            pk = table.c[spec.pk]
            cols = [type_coerce(table.c[c], LargeBinary() if isinstance(table.c[c].type, EncryptedBytes) else Text())
                    .label(c) for c in spec.columns]
            values = current = 0
            last: Any = None
            with self.ctx.engine.connect() as conn:
                while True:
                    stmt = select(pk, *cols).order_by(pk).limit(KEY_SCAN_BATCH)
                    if last is not None:
                        stmt = stmt.where(pk > last)
                    rows = conn.execute(stmt).all()
                    if not rows:
                        break
                    for row in rows:
                        for token in row[1:]:
                            if token is None:
                                continue
                            text = bytes(token).decode("ascii") if isinstance(token, bytes | memoryview) else token
                            values += 1
                            current += bool(cipher.is_current(text))
                    last = rows[-1][0]
            tables.append(TableKeyStatus(table.name, values, current))
        status = KeyRotationStatus(int(cipher.key_count), tuple(tables))
        with self._tx() as uow:
            self._audit(uow, actor, ADMIN_KEY_STATUS,
                        detail=f"keys={status.key_count} values={status.values} stale={status.stale}")
            uow.commit()
        return status

    # ------------------------------------------------------------------ models
    def model_status(self, user: User) -> tuple[ModelStatus, ...]:
        """Every model version under ``NOVAMIND_MODEL_DIR`` with its checksum verified now."""
        from novamind_core.ml.registry import ModelIntegrityError, list_models, verify_checksum

        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_USERS, ADMIN_MODEL_STATUS)
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
                metrics = _numeric_metrics(meta.get("metrics"))
                out.append(ModelStatus(e.name, e.version, str(meta.get("kind", "")), str(meta.get("created", "")),
                                       bool(data.get("synthetic")) if isinstance(data, dict) else False,
                                       latest[e.name] == e.version, not problem, problem, metrics, str(e.path)))
            self._audit(uow, actor, ADMIN_MODEL_STATUS,
                        detail=f"models={len(out)} checksum_failures={sum(not m.checksum_ok for m in out)}")
            uow.commit()
            return tuple(out)

    # ------------------------------------------------------------------ care teams
    def care_team_by_mrn(self, user: User, mrn: str) -> CareTeam:
        """Find a patient by MRN (exact, through the blind index) and return the care team, without any PHI.

        Lets an administrator assign clinicians (``services.users.set_care_team``) without opening the chart."""
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_USERS, ADMIN_CARE_TEAM_READ)
            try:
                key = normalise_mrn(mrn)
            except ValidationError:
                raise ValidationError("enter the patient's full MRN (letters, digits and hyphens)", field="mrn",
                                      value=None) from None
            patient_id = uow.patients.id_for_mrn(key)
            if patient_id is None:
                self._audit(uow, actor, ADMIN_CARE_TEAM_READ, outcome="failure", detail="no patient with that MRN")
                uow.commit()
                raise NotFoundError("no patient has that MRN")
            members = self._members(uow, patient_id)
            self._audit(uow, actor, ADMIN_CARE_TEAM_READ, patient_id=patient_id, detail=f"members={len(members)}")
            uow.commit()
            return CareTeam(patient_id, members)

    @staticmethod
    def _members(uow: Any, patient_id: int) -> tuple[CareTeamMember, ...]:
        rows = uow.session.execute(select(UserRow.id, UserRow.username, UserRow.display_name, UserRow.role,
                                          UserRow.active)
                                   .join(CareTeamRow, CareTeamRow.user_id == UserRow.id)
                                   .where(CareTeamRow.patient_id == patient_id).order_by(UserRow.username)).all()
        return tuple(CareTeamMember(*r) for r in rows)

    # ------------------------------------------------------------------ audit export
    def audit_csv(self, user: User, *, action: str | None = None, user_id: int | None = None,
                  patient_id: int | None = None, outcome: str | None = None, since: datetime | None = None,
                  until: datetime | None = None, limit: int = 10_000) -> bytes:
        """The filtered audit log as CSV (newest first, at most ``limit`` rows), with each row's hash links so the
        export itself can be checked against the chain. Audited as ``audit.export``."""
        if not isinstance(limit, int) or not 1 <= limit <= MAX_AUDIT_EXPORT_ROWS:
            raise ValidationError(f"export limit must be 1-{MAX_AUDIT_EXPORT_ROWS}", field="limit", value=limit)
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.READ_AUDIT, AUDIT_EXPORT)
            stmt = select(AuditRow)
            for column, value in ((AuditRow.action, action), (AuditRow.user_id, user_id),
                                  (AuditRow.patient_id, patient_id), (AuditRow.outcome, outcome)):
                if value not in (None, ""):
                    stmt = stmt.where(column == value)
            if since is not None:
                stmt = stmt.where(AuditRow.at >= since)
            if until is not None:
                stmt = stmt.where(AuditRow.at < until)
            rows = list(uow.session.scalars(stmt.order_by(AuditRow.id.desc()).limit(limit)))
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["id", "at_utc", "user_id", "username", "role", "action", "patient_id", "outcome",
                             "detail", "prev_hash", "hash"])
            for r in rows:
                writer.writerow([r.id, r.at.isoformat(timespec="seconds"), r.user_id, r.username, r.role, r.action,
                                 r.patient_id, r.outcome, r.detail, r.prev_hash, r.hash])
            self._audit(uow, actor, AUDIT_EXPORT, detail=f"rows={len(rows)}")
            uow.commit()
            return buffer.getvalue().encode("utf-8")


def audit_actions(extra: Sequence[str] = ()) -> tuple[str, ...]:
    """Every audit action name the services write (for the audit viewer's filter)."""
    from novamind_core.security.audit import AuditAction
    from novamind_core.services import cohort, users

    names = set(AuditAction.all()) | {ADMIN_HEALTH, ADMIN_KEY_STATUS, ADMIN_MODEL_STATUS, ADMIN_CARE_TEAM_READ,
                                      AUDIT_EXPORT, cohort.COHORT_VIEW, users.USER_LIST, users.USER_REACTIVATE,
                                      users.USER_UNLOCK, *extra}
    return tuple(sorted(names))


__all__ = ["AdminService", "CareTeam", "CareTeamMember", "HealthCheck", "KeyRotationStatus", "ModelStatus",
           "SystemHealth", "TableKeyStatus", "audit_actions"]
