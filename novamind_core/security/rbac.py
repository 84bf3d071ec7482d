"""Role-based access checks that every service calls before it touches data.

Rules: clinicians and clinic leads see only patients on their care team (a clinic lead also sees the clinic's
aggregated outcomes); analysts see only de-identified data;
admins manage users and read the audit log but do not browse PHI unless they are on the patient's care team.
The permission table is :data:`novamind_core.domain.users.ROLE_PERMISSIONS`. Messages name the role and the
action and never contain PHI.
"""

from __future__ import annotations

from collections.abc import Iterable

from novamind_core.domain.errors import PermissionDenied
from novamind_core.domain.users import ROLE_PERMISSIONS, Permission, Role, User

PERMISSION_ACTIONS: dict[Permission, str] = {
    Permission.READ_PHI: "read identifiable patient data",
    Permission.WRITE_PHI: "change identifiable patient data",
    Permission.READ_DEIDENTIFIED: "read pseudonymised data",
    Permission.EXPORT_DEIDENTIFIED: "export pseudonymised data",
    Permission.EXPORT_PHI: "export identifiable patient data",
    Permission.MANAGE_USERS: "manage users",
    Permission.READ_AUDIT: "read the audit log",
    Permission.RUN_SIMULATION: "run simulations",
    Permission.MANAGE_KEYS: "manage encryption keys",
    Permission.READ_CLINIC_OUTCOMES: "read the whole clinic's outcome figures",
    Permission.EXPORT_BILLING: "export measurement billing",
}
"""Plain-language action for each permission, used in refusal messages."""


def can(user: User, permission: Permission) -> bool:
    """Whether an active ``user``'s role holds ``permission``."""
    return bool(user.active) and permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def require(user: User | None, permission: Permission) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` is active and their role holds ``permission``.

    The message names the role and the action, e.g. ``"role 'analyst' may not read identifiable patient data"``.
    """
    action = PERMISSION_ACTIONS.get(permission, str(permission.value))
    if user is None:
        raise PermissionDenied(f"sign in to {action}")
    if not user.active:
        raise PermissionDenied(f"account '{user.username}' is deactivated and may not {action}")
    if permission not in ROLE_PERMISSIONS.get(user.role, frozenset()):
        raise PermissionDenied(f"role '{user.role.value}' may not {action}")


def is_on_care_team(user: User, care_team_user_ids: Iterable[int]) -> bool:
    """Whether ``user.id`` is among the patient's care-team user ids."""
    return user.id in set(care_team_user_ids)


def require_care_team(
    user: User | None, care_team_user_ids: Iterable[int], permission: Permission = Permission.READ_PHI
) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` may use ``permission`` on this patient's PHI.

    Analysts never pass (they hold no PHI permission). Clinicians, clinic leads and admins pass only when their id
    is on the patient's care team: an admin's or a clinic lead's role alone does not open a chart.
    """
    require(user, permission)
    assert user is not None  # for type checkers: require() refused None
    if user.role is Role.ANALYST:  # defence in depth should the table ever grant an analyst PHI access
        raise PermissionDenied(f"role '{user.role.value}' may not {PERMISSION_ACTIONS[permission]}")
    if not is_on_care_team(user, care_team_user_ids):
        raise PermissionDenied(
            f"role '{user.role.value}' may not {PERMISSION_ACTIONS.get(permission, permission.value)} "
            "of a patient whose care team they are not on"
        )
