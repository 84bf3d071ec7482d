"""Users, roles and the permission table (standard library only).

Four roles:

* **clinician** reads and writes PHI for patients on their care team and runs simulations for them;
* **clinic lead** is a clinician who also runs the clinic: everything a clinician may do (PHI only for patients on
  their own care team), plus the clinic's aggregated outcome figures for every clinician and the monthly
  measurement-billing export (docs/outcomes.md);
* **analyst** sees de-identified data only and may export it;
* **admin** manages users, keys and the audit log; an admin reads PHI only when on a patient's care team
  (enforced by :func:`novamind_core.security.rbac.require_care_team`).

The table below is the single place that says which role may do what; services ask
:func:`novamind_core.security.rbac.require` rather than comparing role names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from novamind_core.domain.errors import ValidationError


class Role(str, Enum):
    """A user's role. Values are stored in the database and in the audit log: never rename one."""

    CLINICIAN = "clinician"
    ANALYST = "analyst"
    ADMIN = "admin"
    CLINIC_LEAD = "clinic_lead"

    @classmethod
    def parse(cls, value: str | Role) -> Role:
        """Return the role named by ``value`` (case-insensitive), or raise a ValidationError listing the roles."""
        if isinstance(value, Role):
            return value
        text = str(value).strip().casefold()
        for role in cls:
            if role.value == text:
                return role
        allowed = ", ".join(r.value for r in cls)
        raise ValidationError(f"role must be one of {allowed}; got {value!r}", field="role", value=value)


class Permission(str, Enum):
    """An action a role may be allowed. Values appear in error messages and the audit log."""

    READ_PHI = "read_phi"
    WRITE_PHI = "write_phi"
    READ_DEIDENTIFIED = "read_deidentified"
    EXPORT_DEIDENTIFIED = "export_deidentified"
    EXPORT_PHI = "export_phi"
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    RUN_SIMULATION = "run_simulation"
    MANAGE_KEYS = "manage_keys"
    READ_CLINIC_OUTCOMES = "read_clinic_outcomes"
    EXPORT_BILLING = "export_billing"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLINICIAN: frozenset(
        {
            Permission.READ_PHI,
            Permission.WRITE_PHI,
            Permission.EXPORT_PHI,
            Permission.READ_DEIDENTIFIED,
            Permission.RUN_SIMULATION,
        }
    ),
    Role.ANALYST: frozenset(
        {
            Permission.READ_DEIDENTIFIED,
            Permission.EXPORT_DEIDENTIFIED,
            Permission.RUN_SIMULATION,
        }
    ),
    # Admins hold READ_PHI/WRITE_PHI only so that an admin who is *on a care team* can work that patient's chart;
    # rbac.require_care_team still refuses them every other patient.
    Role.ADMIN: frozenset(
        {
            Permission.READ_PHI,
            Permission.WRITE_PHI,
            Permission.READ_DEIDENTIFIED,
            Permission.EXPORT_DEIDENTIFIED,
            Permission.MANAGE_USERS,
            Permission.READ_AUDIT,
            Permission.MANAGE_KEYS,
            Permission.READ_CLINIC_OUTCOMES,
            Permission.EXPORT_BILLING,
        }
    ),
    # A clinic lead carries a caseload like any clinician (the care-team check still limits PHI to their own
    # patients) and sees the whole clinic's outcomes as aggregates, never as patient rows.
    Role.CLINIC_LEAD: frozenset(
        {
            Permission.READ_PHI,
            Permission.WRITE_PHI,
            Permission.EXPORT_PHI,
            Permission.READ_DEIDENTIFIED,
            Permission.RUN_SIMULATION,
            Permission.READ_CLINIC_OUTCOMES,
            Permission.EXPORT_BILLING,
        }
    ),
}
"""Which permissions each role holds. Care-team membership is checked separately."""


def has_permission(role: Role, permission: Permission) -> bool:
    """Return whether ``role`` holds ``permission`` in :data:`ROLE_PERMISSIONS`."""
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())


@dataclass(frozen=True, slots=True)
class User:
    """The signed-in ("current") user that every service call takes.

    Parameters
    ----------
    id : int
        Database id of the user.
    username : str
        Sign-in name (not PHI; staff identifiers may appear in the audit log).
    display_name : str
        Name shown in the UI.
    role : Role
        The user's single role.
    active : bool
        Deactivated users cannot sign in and every permission check refuses them.
    """

    id: int
    username: str
    display_name: str
    role: Role
    active: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.role, Role):
            object.__setattr__(self, "role", Role.parse(self.role))

    @property
    def permissions(self) -> frozenset[Permission]:
        """The permissions of this user's role; empty when the user is deactivated."""
        if not self.active:
            return frozenset()
        return ROLE_PERMISSIONS[self.role]

    def can(self, permission: Permission) -> bool:
        """Return whether this (active) user's role holds ``permission``."""
        return permission in self.permissions


#: The actor of command-line maintenance (migrate, seed, users, rotate-keys, backup): trusted by OS access to the keys.
SYSTEM_USER = User(id=0, username="system", display_name="Command line", role=Role.ADMIN)
