"""Users: create, roles, care-team assignment, deactivate, passwords, sign-in (throttled, uniform answer) and the
TOTP second factor. All audited. Sessions: :mod:`novamind_core.services.sessions`."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime

from novamind_core.domain.administration import LoginCredential
from novamind_core.domain.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError
from novamind_core.domain.records import UserAccount
from novamind_core.domain.sessions import RevokeReason, SecondFactor, SignInNotice, ThrottleState, TotpEnrolment
from novamind_core.domain.users import Permission, Role, User
from novamind_core.security import throttle, totp
from novamind_core.security.audit import AuditAction, AuditOutcome
from novamind_core.security.passwords import hash_password, validate_new_password, verify_password
from novamind_core.security.sessions import open_challenge, sign_challenge
from novamind_core.security.throttle import ThrottleKeys
from novamind_core.services.base import BaseService
from novamind_core.services.ports import UnitOfWork
from novamind_core.services.sessions import revoke_user_sessions

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
USER_REACTIVATE = AuditAction.USER_REACTIVATE
USER_UNLOCK = AuditAction.USER_UNLOCK
USER_LIST = AuditAction.USER_LIST
TOTP_ENROL = "auth.totp_enrol"
TOTP_RESET = "auth.totp_reset"
_dummy_hashes: dict[int, str] = {}
SIGN_IN_REFUSED = ("wrong username or password (after repeated failures, sign-in pauses for a few minutes; "
                   "an administrator can help)")
"""The one answer to every refused sign-in: unknown username, wrong password, deactivated account, back-off."""
CHALLENGE_TTL_S = 300
"""Seconds between the password step and the second-factor code."""


class SecondFactorRequired(AuthenticationError):
    """The password was right; a TOTP code (or, with ``enrol``, setting one up) completes the sign-in.

    ``challenge`` is the signed, 5-minute proof of the password step for
    :meth:`UserService.verify_second_factor` (and :meth:`UserService.start_totp_enrolment` when ``enrol``).
    """

    def __init__(self, challenge: str, *, enrol: bool = False):
        super().__init__("enter the 6-digit code from your authenticator app" if not enrol
                         else "administrators sign in with an authenticator app: set it up now")
        self.challenge = challenge
        self.enrol = enrol

#: ``change(uow, actor, target)``: one account change inside :meth:`UserService._change` (raises to refuse it).
AccountChange = Callable[[UnitOfWork, User, UserAccount], None]


def _dummy_hash(rounds: int) -> str:
    """A real bcrypt hash of a random string: checking an unknown username costs as long as a known one."""
    if rounds not in _dummy_hashes:
        _dummy_hashes[rounds] = hash_password(secrets.token_urlsafe(16) + "-Xy9!", rounds=rounds)
    return _dummy_hashes[rounds]


def _challenge_key(settings: object) -> str:
    """The key that signs second-factor challenges (the cookie key; a per-process random one when unset)."""
    return str(getattr(settings, "cookie_key", "") or _PROCESS_KEY)


_PROCESS_KEY = secrets.token_urlsafe(32)


def normalise_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise ValidationError("username must be 3-64 characters: lower-case letters, digits, '.', '_' or '-'",
                              field="username", value=username)
    return name


class UserService(BaseService):
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

    # ------------------------------------------------------------------ sign-in
    def authenticate(self, username: str, password: str, *, client_address: str = "unknown") -> User:
        """Check a password sign-in from ``client_address``; return the user, or raise AuthenticationError.

        Every refusal (unknown username, wrong password, deactivated account, back-off running) gives the one
        message :data:`SIGN_IN_REFUSED` after the same work: one bcrypt check (against the account's hash, or a
        dummy hash of the same cost) and one transaction that counts the failure and writes one audit row. Failures
        back off per account, per address and per (account, address) pair (:mod:`novamind_core.security.throttle`,
        counters in the database, so shared by every app process). Accounts with a TOTP second factor (or admins
        who must enrol one) get :class:`SecondFactorRequired` carrying a 5-minute challenge for
        :meth:`verify_second_factor` instead of the user.
        """
        settings = self.ctx.settings
        typed = (username or "").strip().lower()[:64]
        name = typed if USERNAME_PATTERN.match(typed) else ""  # never send a malformed name (e.g. a NUL) to the DB
        shown = typed.encode("unicode_escape").decode("ascii")[:64]
        keys = ThrottleKeys.of(name or shown, client_address)
        policy = throttle.limits(settings.login_max_attempts, settings.lockout_minutes)
        # The password is checked outside any transaction: holding the row locks through a bcrypt check made every
        # sign-in from one address (a clinic behind one public address, or every user behind a proxy that does not
        # forward the client's) wait for each other's hash. The outcome is then decided under the locks below, from
        # the counters as they are at that moment, so parallel guesses are still counted one at a time and a guess
        # that lands once a back-off has started is refused whatever its password.
        with self._tx() as uow:
            seen = uow.users.credentials(name) if name else None
        checked = seen.password_hash if seen is not None else _dummy_hash(self.ctx.bcrypt_rounds)
        password_ok = verify_password(password or "", checked)  # one check of the same cost on every path
        with self._tx() as uow:
            # the row locks serialise the counting, so failure counts (and back-offs) cannot be raced
            stored = uow.users.credentials(name, for_update=True) if name else None
            if stored is not None and stored.password_hash != checked:  # the password changed during the check
                password_ok = verify_password(password or "", stored.password_hash)
            now = self.ctx.now()
            states = {kind: uow.sign_in_throttle.get(getattr(keys, kind), lock=True)
                      for kind in ("pair", "account", "address")}
            blocked = [kind for kind, s in states.items() if s.blocked(now)]
            user = stored.user if stored is not None else None
            if blocked:
                self._audit(uow, user, AuditAction.AUTH_SIGN_IN_FAILED, outcome=AuditOutcome.DENIED,
                            detail=f"backing off ({', '.join(blocked)})", username=None if user else shown)
                uow.commit()
                raise AuthenticationError(SIGN_IN_REFUSED)
            if user is None or not user.active or not password_ok:
                why = ("unknown username" if user is None else "account deactivated" if not user.active
                       else "wrong password")
                started = self._count_failure(uow, keys, states, policy, now)
                if user is not None:
                    account = uow.sign_in_throttle.get(keys.account)
                    uow.users.record_sign_in_attempt(user.id, failed_attempts=account.failures,
                                                     locked_until=account.blocked_until)
                count = throttle.effective_failures(states["pair"].failures, states["pair"].last_failure_at, now) + 1
                self._audit(uow, user, AuditAction.AUTH_SIGN_IN_FAILED, outcome=AuditOutcome.FAILURE,
                            detail=f"{why} ({count})", username=None if user else shown)
                if started:
                    self._audit(uow, user, AuditAction.AUTH_LOCKED, outcome=AuditOutcome.FAILURE,
                                detail="back-off started: " + ", ".join(started), username=None if user else shown)
                uow.commit()
                raise AuthenticationError(SIGN_IN_REFUSED)
            factor = uow.second_factors.get(user.id)
            if (factor is not None and factor.enabled) or self._must_enrol(user, factor):
                self._audit(uow, user, AuditAction.AUTH_SIGN_IN, outcome=AuditOutcome.SUCCESS,
                            detail="password accepted; second factor " + (
                                "required" if factor is not None and factor.enabled else "enrolment required"))
                uow.commit()
                raise SecondFactorRequired(
                    sign_challenge(user.id, _challenge_key(settings), CHALLENGE_TTL_S, now=now.timestamp()),
                    enrol=not (factor is not None and factor.enabled))
            self._succeed(uow, user, keys, now, "password")
            uow.commit()
            return user

    def _count_failure(self, uow: UnitOfWork, keys: ThrottleKeys, states: dict[str, ThrottleState],
                       policy: dict[str, throttle.Limits], now: datetime) -> list[str]:
        """Count one failure under the three keys; returns the kinds whose back-off this failure started."""
        started = []
        for kind, state in states.items():
            failures = throttle.effective_failures(state.failures, state.last_failure_at, now) + 1
            until = throttle.blocked_until(failures, policy[kind], now)
            key = getattr(keys, kind)
            if throttle.effective_failures(state.failures, state.last_failure_at, now) == 0 and state.failures:
                uow.sign_in_throttle.clear(key)  # decayed: start counting again from this failure
            uow.sign_in_throttle.record_failure(key, now, until)
            if until is not None:
                started.append(f"{kind} {int((until - now).total_seconds())} s")
        return started

    def _succeed(self, uow: UnitOfWork, user: User, keys: ThrottleKeys, now: datetime, method: str) -> None:
        """A completed sign-in: leave a notice of earlier failures, reset the account's counters, audit."""
        account = uow.sign_in_throttle.get(keys.account)
        if account.failures:
            earlier = uow.sign_in_throttle.get(f"note:{user.id}")
            uow.sign_in_throttle.put(f"note:{user.id}", earlier.failures + account.failures,
                                     account.last_failure_at)
        uow.sign_in_throttle.clear(keys.pair, keys.account)
        uow.users.record_sign_in_attempt(user.id, failed_attempts=0, locked_until=None, signed_in_at=now)
        self._audit(uow, user, AuditAction.AUTH_SIGN_IN, detail=method)

    def _must_enrol(self, user: User, factor: SecondFactor | None) -> bool:
        required = getattr(self.ctx.settings, "totp_required_for_admins", None)
        if required is None:
            required = bool(getattr(self.ctx.settings, "is_production", False))
        return bool(required) and user.role is Role.ADMIN and not (factor is not None and factor.enabled)

    def verify_second_factor(self, challenge: str, code: str, *, client_address: str = "unknown") -> User:
        """Finish a sign-in that :meth:`authenticate` answered with :class:`SecondFactorRequired`.

        ``code`` is the 6-digit TOTP code (each time step works once), or one of the recovery codes (each works
        once). For an enrolment in progress (an admin's first sign-in) the first matching code confirms it. Wrong
        codes count as sign-in failures (same back-off and the same uniform message).
        """
        settings = self.ctx.settings
        now = self.ctx.now()
        uid = open_challenge(challenge, _challenge_key(settings), now=now.timestamp())
        with self._tx() as uow:
            user = uow.users.current(uid) if uid is not None else None
            if user is None or not user.active:
                raise AuthenticationError("the sign-in took too long; sign in again")
            keys = ThrottleKeys.of(user.username, client_address)
            policy = throttle.limits(settings.login_max_attempts, settings.lockout_minutes)
            states = {kind: uow.sign_in_throttle.get(getattr(keys, kind), lock=True)
                      for kind in ("pair", "account", "address")}
            factor = uow.second_factors.get(user.id, lock=True)
            if factor is None:
                raise AuthenticationError("set up your authenticator app first")
            if any(s.blocked(now) for s in states.values()):
                self._audit(uow, user, AuditAction.AUTH_SIGN_IN_FAILED, outcome=AuditOutcome.DENIED,
                            detail="second factor: backing off")
                uow.commit()
                raise AuthenticationError(SIGN_IN_REFUSED)
            step = totp.verify(factor.secret, code, now.timestamp(), after_step=factor.last_step)
            used_recovery = None
            if step is None and factor.enabled:
                digest = totp.recovery_code_hash(code)
                used_recovery = digest if digest in factor.recovery_code_hashes else None
            if step is None and used_recovery is None:
                started = self._count_failure(uow, keys, states, policy, now)
                self._audit(uow, user, AuditAction.AUTH_SIGN_IN_FAILED, outcome=AuditOutcome.FAILURE,
                            detail="wrong second-factor code" + (f"; back-off started: {', '.join(started)}"
                                                                 if started else ""))
                uow.commit()
                raise AuthenticationError(SIGN_IN_REFUSED)
            if used_recovery is not None:
                uow.second_factors.set_recovery_hashes(
                    user.id, tuple(h for h in factor.recovery_code_hashes if h != used_recovery))
                method = f"password + recovery code ({len(factor.recovery_code_hashes) - 1} left)"
            elif factor.enabled:
                uow.second_factors.used_step(user.id, step)  # type: ignore[arg-type]
                method = "password + TOTP"
            else:
                uow.second_factors.confirm(user.id, now, step)  # type: ignore[arg-type]
                method = "password + TOTP (enrolled)"
            self._succeed(uow, user, keys, now, method)
            uow.commit()
            return user

    def start_totp_enrolment(self, user: User | str) -> TotpEnrolment:
        """Begin a TOTP enrolment for a signed-in ``user`` (or the challenge of an admin who must enrol to sign in).

        Returns the secret, its ``otpauth://`` URI and ten recovery codes, shown once; the secret is stored
        encrypted, the recovery codes only as hashes. Until a first code confirms it the old factor (if any) stays.
        """
        with self._tx() as uow:
            subject = self._enrolling(uow, user)
            current = uow.second_factors.get(subject.id)
            if current is not None and current.enabled:
                raise ConflictError("a second factor is already set up; an administrator can reset it")
            secret = totp.new_secret()
            codes = totp.new_recovery_codes()
            uow.second_factors.put(subject.id, secret, tuple(totp.recovery_code_hash(c) for c in codes),
                                   self.ctx.now())
            self._audit(uow, subject, TOTP_ENROL, detail="enrolment started")
            uow.commit()
            return TotpEnrolment(secret=secret, uri=totp.provisioning_uri(secret, subject.username),
                                 recovery_codes=codes)

    def confirm_totp_enrolment(self, user: User, code: str) -> None:
        """A signed-in user confirms their enrolment with a first code from the app (ValidationError if wrong)."""
        now = self.ctx.now()
        with self._tx() as uow:
            fresh = self._fresh(uow, user)
            factor = uow.second_factors.get(fresh.id, lock=True)
            if factor is None or factor.enabled:
                raise ValidationError("start the set-up first", field="code")
            step = totp.verify(factor.secret, code, now.timestamp())
            if step is None:
                self._audit(uow, fresh, TOTP_ENROL, outcome=AuditOutcome.FAILURE, detail="wrong first code")
                uow.commit()
                raise ValidationError("that code does not match; check the time on your phone and try again",
                                      field="code")
            uow.second_factors.confirm(fresh.id, now, step)
            self._audit(uow, fresh, TOTP_ENROL, detail="enrolment confirmed")
            uow.commit()

    def second_factor_enabled(self, user: User) -> bool:
        """Whether ``user`` signs in with a TOTP code (no audit: staff settings, shown on their own screen)."""
        with self._tx() as uow:
            factor = uow.second_factors.get(user.id)
            return factor is not None and factor.enabled

    def reset_second_factor(self, user: User, user_id: int) -> UserAccount:
        """An administrator removes an account's TOTP enrolment (a lost phone); the account's sessions end."""
        def change(uow: UnitOfWork, actor: User, target: UserAccount) -> None:
            uow.second_factors.remove(target.id)
            revoke_user_sessions(uow, target.id, self.ctx.now(), RevokeReason.ADMIN)

        return self._change(user, user_id, TOTP_RESET, change, "second factor reset")

    def take_sign_in_notice(self, user: User) -> SignInNotice | None:
        """Failed sign-in attempts on this account since its previous sign-in (read once, then forgotten), for
        the banner after sign-in; None when there were none."""
        with self._tx() as uow:
            note = uow.sign_in_throttle.get(f"note:{user.id}")
            if not note.failures:
                return None
            uow.sign_in_throttle.clear(f"note:{user.id}")
            uow.commit()
            return SignInNotice(note.failures, note.last_failure_at)

    def _enrolling(self, uow: UnitOfWork, user: User | str) -> User:
        if isinstance(user, str):
            uid = open_challenge(user, _challenge_key(self.ctx.settings), now=self.ctx.now().timestamp())
            found = uow.users.current(uid) if uid is not None else None
            if found is None or not found.active:
                raise AuthenticationError("the sign-in took too long; sign in again")
            return found
        return self._fresh(uow, user)

    def record_sign_in(self, user: User, method: str = "cookie") -> None:
        """Audit a sign-in the UI accepted without a password (cookie re-login)."""
        with self._tx() as uow:
            fresh = self._fresh(uow, user)
            if not fresh.active:
                self._audit(uow, fresh, AuditAction.AUTH_SIGN_IN_FAILED, outcome=AuditOutcome.DENIED,
                            detail=f"{method}: account deactivated")
                uow.commit()
                raise AuthenticationError("this account is deactivated; ask an administrator")
            self._audit(uow, fresh, AuditAction.AUTH_SIGN_IN, detail=method)
            uow.commit()

    def sign_out(self, user: User, reason: str = "user") -> None:
        with self._tx() as uow:
            self._audit(uow, user, AuditAction.AUTH_SIGN_OUT, detail=reason)
            uow.commit()

    def get_by_username(self, username: str) -> User | None:
        """The stored user (no audit: used by the sign-in screen after authentication)."""
        with self._tx() as uow:
            return uow.users.find(username or "")

    def login_credentials(self) -> tuple[LoginCredential, ...]:
        """Every *active* account with its bcrypt hash, for the sign-in widget (no audit; no PHI). The app caches
        it and drops the hashes before handing it to the widget."""
        with self._tx() as uow:
            return uow.users.login_credentials()


def _clear_throttle(uow: UnitOfWork, username: str) -> None:
    """Lift an account's sign-in back-off: account-wide and from every address (not the addresses' own)."""
    uow.sign_in_throttle.clear(ThrottleKeys.of(username, "").account)
    uow.sign_in_throttle.clear_prefix(ThrottleKeys.pair_prefix(username))


def check_care_team(uow: UnitOfWork, team: Sequence[int]) -> None:
    """Every member of ``team`` must be an active clinician or admin (ValidationError naming the first who is not)."""
    roles = uow.users.roles(list(team))
    for uid in team:
        role_active = roles.get(uid)
        if role_active is None or not role_active[1] or role_active[0] == Role.ANALYST.value:
            raise ValidationError(f"care team member {uid} is not an active clinician or admin",
                                  field="care_team", value=uid)
