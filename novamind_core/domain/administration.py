"""What an administrator sees: staff credentials, care-team members, audit filters and exports, database health,
encryption-key status, model versions, and the Admin page's view model. Standard library only, like the domain.

None of these types carries patient data: a care team names the patient by database id only, audit rows carry ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from novamind_core.domain.records import AuditEntry, UserAccount
from novamind_core.domain.users import User


# ---------------------------------------------------------------------------------------------- sign-in
@dataclass(frozen=True)
class StoredCredentials:
    """A user with the stored password hash and lockout counters: what a sign-in check reads.

    The hash never leaves the users service except as :class:`LoginCredential` (the authenticator's shape).
    """

    user: User
    password_hash: str = field(repr=False)
    failed_attempts: int
    locked_until: datetime | None


@dataclass(frozen=True)
class LoginCredential:
    """One active account as the sign-in widget's credentials list needs it."""

    username: str
    display_name: str
    password_hash: str = field(repr=False)
    role: str


# ---------------------------------------------------------------------------------------------- care teams
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


# ---------------------------------------------------------------------------------------------- audit
@dataclass(frozen=True)
class AuditFilter:
    """Which audit events to show: every field optional (None = any); ``since`` inclusive, ``until`` exclusive."""

    action: str | None = None
    user_id: int | None = None
    patient_id: int | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class ChainedAuditEntry:
    """An audit event with its hash links, so an export can be checked against the chain."""

    entry: AuditEntry
    prev_hash: str
    hash: str


# ---------------------------------------------------------------------------------------------- health
@dataclass(frozen=True)
class DatabaseProbe:
    """One look at the database: reachable, round trip, schema revision and row counts (None when unreachable)."""

    backend: str
    reachable: bool
    latency_ms: float | None = None
    schema_revision: str | None = None
    users: int | None = None
    patients: int | None = None
    audit_rows: int | None = None


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


# ---------------------------------------------------------------------------------------------- keys
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


# ---------------------------------------------------------------------------------------------- models
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


# ---------------------------------------------------------------------------------------------- the Admin page
class AdminSection(StrEnum):
    """The sections of the Admin page; only the chosen one is read."""

    USERS = "users"
    CARE_TEAMS = "care_teams"
    AUDIT_LOG = "audit_log"
    KEYS = "keys"
    MODELS = "models"
    HEALTH = "health"


@dataclass(frozen=True)
class AdminView:
    """Everything one Admin page view shows, for its chosen ``section`` (the other fields stay empty).

    ``accounts``: staff accounts (users section; the user filter of the audit log; the care-team editor's choices).
    ``care_team``: the team of the patient whose MRN was entered (None without an MRN).
    """

    section: AdminSection
    accounts: tuple[UserAccount, ...] = ()
    care_team: CareTeam | None = None
    audit_entries: tuple[AuditEntry, ...] = ()
    audit_actions: tuple[str, ...] = ()
    key_status: KeyRotationStatus | None = None
    models: tuple[ModelStatus, ...] = ()
    health: SystemHealth | None = None
