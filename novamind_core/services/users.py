"""Users: create, roles, care-team assignment, deactivate, passwords, sign-in (throttled, uniform answer) and the
TOTP second factor. All audited. Sessions: :mod:`novamind_core.services.sessions`.

:class:`UserService` is one service in three modules: account administration here, the password step of signing in
in :mod:`novamind_core.services.users_sign_in`, the TOTP second factor in
:mod:`novamind_core.services.users_second_factor`. Every public name of those two is re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from novamind_core.domain.administration import LoginCredential
from novamind_core.domain.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError
from novamind_core.domain.records import UserAccount
from novamind_core.domain.sessions import RevokeReason
from novamind_core.domain.users import Permission, Role, User
from novamind_core.security.audit import AuditAction, AuditOutcome
from novamind_core.security.passwords import hash_password, validate_new_password, verify_password
from novamind_core.services.ports import UnitOfWork
from novamind_core.services.sessions import revoke_user_sessions
from novamind_core.services.users_second_factor import TOTP_ENROL, TOTP_RESET, SecondFactorService
from novamind_core.services.users_sign_in import (
    CHALLENGE_TTL_S,
    SIGN_IN_REFUSED,
    USERNAME_PATTERN,
    SecondFactorRequired,
    SignInService,
    _clear_throttle,
)

__all__ = [
    "CHALLENGE_TTL_S",
    "SIGN_IN_REFUSED",
    "TOTP_ENROL",
    "TOTP_RESET",
    "USERNAME_PATTERN",
    "USER_LIST",
    "USER_REACTIVATE",
    "USER_UNLOCK",
    "AccountChange",
    "SecondFactorRequired",
    "SecondFactorService",
    "SignInService",
    "UserService",
    "check_care_team",
    "normalise_username",
]

USER_REACTIVATE = AuditAction.USER_REACTIVATE
USER_UNLOCK = AuditAction.USER_UNLOCK
USER_LIST = AuditAction.USER_LIST

#: ``change(uow, actor, target)``: one account change inside :meth:`UserService._change` (raises to refuse it).
AccountChange = Callable[[UnitOfWork, User, UserAccount], None]


def normalise_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise ValidationError("username must be 3-64 characters: lower-case letters, digits, '.', '_' or '-'",
                              field="username", value=username)
    return name


class UserService(SecondFactorService):
    """Staff accounts: administration here; signing in (:class:`SignInService`) and the second factor
    (:class:`SecondFactorService`) are inherited."""

    def create(self, user: User, username: str, display_name: str, role: str | Role, password: str,
               *, allow_demo_password: bool = False) -> UserAccount:
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_USERS, AuditAction.USER_CREATE)
            name = normalise_username(username)
            shown = " ".join((display_name or "").split())
            if not shown or len(shown) > 120:
                raise ValidationError("display name must be 1-120 characters", field="display_name",
                                      value=display_name)
            parsed = Role.parse(role)
            validate_new_password(password, username=name, allow_demo=allow_demo_password)
            if uow.users.find(name) is not None:
                raise ConflictError(f"a user named {name} already exists")
            account = uow.users.add(name, shown, parsed, hash_password(password, rounds=self.ctx.bcrypt_rounds),
                                    self.ctx.now())
            self._audit(uow, actor, AuditAction.USER_CREATE, detail=f"user {account.id} role={parsed.value}")
            uow.commit()
            return account

    def list(self, user: User, include_inactive: bool = True) -> tuple[UserAccount, ...]:
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_USERS, USER_LIST)
            accounts = tuple(uow.users.list(include_inactive))
            self._audit(uow, actor, USER_LIST)
            uow.commit()
            return accounts

    def _change(self, user: User, user_id: int, action: str, change: AccountChange, detail: str) -> UserAccount:
        """Admin-only change of one account: authorise, load it (NotFoundError), ``change``, audit, commit."""
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_USERS, action)
            change(uow, actor, uow.users.get(user_id))
            self._audit(uow, actor, action, detail=f"user {user_id} {detail}".strip())
            account = uow.users.get(user_id)
            uow.commit()
            return account

    def set_role(self, user: User, user_id: int, role: str | Role) -> UserAccount:
        parsed = Role.parse(role)

        def change(uow: UnitOfWork, actor: User, target: UserAccount) -> None:
            if target.id == actor.id and parsed is not Role.ADMIN:
                raise ValidationError("you cannot remove your own admin role", field="role", value=parsed.value)
            uow.users.update(target.id, role=parsed)

        return self._change(user, user_id, AuditAction.USER_SET_ROLE, change, f"role={parsed.value}")

    def deactivate(self, user: User, user_id: int) -> UserAccount:
        def change(uow: UnitOfWork, actor: User, target: UserAccount) -> None:
            if target.id == actor.id:
                raise ValidationError("you cannot deactivate your own account", field="user_id", value=user_id)
            if not target.active:
                raise ConflictError(f"user {user_id} is already deactivated")
            uow.users.update(target.id, active=False)
            revoke_user_sessions(uow, target.id, self.ctx.now(), RevokeReason.DEACTIVATED)

        return self._change(user, user_id, AuditAction.USER_DEACTIVATE, change, "")

    def reactivate(self, user: User, user_id: int) -> UserAccount:
        def change(uow: UnitOfWork, actor: User, target: UserAccount) -> None:
            uow.users.update(target.id, active=True, clear_lockout=True)
            _clear_throttle(uow, target.username)

        return self._change(user, user_id, USER_REACTIVATE, change, "")

    def unlock(self, user: User, user_id: int) -> UserAccount:
        """An administrator ends an account's sign-in back-off (account-wide and from every address)."""
        def change(uow: UnitOfWork, actor: User, target: UserAccount) -> None:
            uow.users.update(target.id, clear_lockout=True)
            _clear_throttle(uow, target.username)

        return self._change(user, user_id, USER_UNLOCK, change, "")

    def reset_password(self, user: User, user_id: int, new_password: str) -> UserAccount:
        """An admin sets a new password (e.g. a temporary one); it also clears a lockout."""
        def change(uow: UnitOfWork, actor: User, target: UserAccount) -> None:
            validate_new_password(new_password, username=target.username)
            uow.users.update(target.id, password_hash=hash_password(new_password, rounds=self.ctx.bcrypt_rounds),
                             password_changed_at=self.ctx.now(), clear_lockout=True)
            _clear_throttle(uow, target.username)
            revoke_user_sessions(uow, target.id, self.ctx.now(), RevokeReason.PASSWORD_CHANGED)

        return self._change(user, user_id, AuditAction.USER_PASSWORD_CHANGE, change, "reset by admin")

    def change_password(self, user: User, current_password: str, new_password: str, *,
                        keep_session_id: int | None = None) -> None:
        """The signed-in user changes their own password (the current one is checked). Every other session of
        the account ends (``keep_session_id``, the session making the change, stays)."""
        with self._tx() as uow:
            stored = uow.users.credentials_of(user.id)
            if not verify_password(current_password, stored.password_hash):
                self._audit(uow, user, AuditAction.USER_PASSWORD_CHANGE, outcome=AuditOutcome.FAILURE,
                            detail="wrong current password")
                uow.commit()
                raise AuthenticationError("the current password is wrong")
            validate_new_password(new_password, username=stored.user.username)
            uow.users.update(user.id, password_hash=hash_password(new_password, rounds=self.ctx.bcrypt_rounds),
                             password_changed_at=self.ctx.now())
            ended = revoke_user_sessions(uow, user.id, self.ctx.now(), RevokeReason.PASSWORD_CHANGED,
                                         except_id=keep_session_id)
            self._audit(uow, user, AuditAction.USER_PASSWORD_CHANGE, detail=f"own password; {ended} sessions ended")
            uow.commit()

    def set_care_team(self, user: User, patient_id: int, user_ids: Sequence[int]) -> tuple[int, ...]:
        """Assign the clinicians (and admins) who may open a patient's chart. Admin only; no PHI is returned."""
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_USERS, AuditAction.CARE_TEAM_UPDATE)
            if not uow.patients.exists(patient_id):
                raise NotFoundError(f"patient {patient_id} does not exist")
            team = sorted(set(int(u) for u in user_ids))
            if not team:
                raise ValidationError("a care team needs at least one clinician", field="care_team")
            check_care_team(uow, team)
            uow.patients.set_care_team(patient_id, team)
            self._audit(uow, actor, AuditAction.CARE_TEAM_UPDATE, patient_id=patient_id,
                        detail="members=" + ",".join(map(str, team)))
            uow.commit()
            return tuple(team)

    def reset_second_factor(self, user: User, user_id: int) -> UserAccount:
        """An administrator removes an account's TOTP enrolment (a lost phone); the account's sessions end."""
        def change(uow: UnitOfWork, actor: User, target: UserAccount) -> None:
            uow.second_factors.remove(target.id)
            revoke_user_sessions(uow, target.id, self.ctx.now(), RevokeReason.ADMIN)

        return self._change(user, user_id, TOTP_RESET, change, "second factor reset")

    def get_by_username(self, username: str) -> User | None:
        """The stored user (no audit: used by the sign-in screen after authentication)."""
        with self._tx() as uow:
            return uow.users.find(username or "")

    def login_credentials(self) -> tuple[LoginCredential, ...]:
        """Every *active* account with its bcrypt hash, for the sign-in widget (no audit; no PHI). The app caches
        it and drops the hashes before handing it to the widget."""
        with self._tx() as uow:
            return uow.users.login_credentials()


def check_care_team(uow: UnitOfWork, team: Sequence[int]) -> None:
    """Every member of ``team`` must be an active clinician or admin (ValidationError naming the first who is not)."""
    roles = uow.users.roles(list(team))
    for uid in team:
        role_active = roles.get(uid)
        if role_active is None or not role_active[1] or role_active[0] == Role.ANALYST.value:
            raise ValidationError(f"care team member {uid} is not an active clinician or admin",
                                  field="care_team", value=uid)
