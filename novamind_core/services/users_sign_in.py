"""Signing in with a password: the throttled, uniform-answer check (back-off per account, address and pair), the
challenge that hands over to the second factor, the notice of earlier failures, and the audit of sign-in and sign-out.

Part of :class:`novamind_core.services.users.UserService` (which re-exports every public name here); the second
factor is :mod:`novamind_core.services.users_second_factor`.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from novamind_core.domain.errors import AuthenticationError
from novamind_core.domain.sessions import SecondFactor, SignInNotice, ThrottleState
from novamind_core.domain.users import Role, User
from novamind_core.security import throttle
from novamind_core.security.audit import AuditAction, AuditOutcome
from novamind_core.security.passwords import hash_password, verify_password
from novamind_core.security.sessions import sign_challenge
from novamind_core.security.throttle import ThrottleKeys
from novamind_core.services.base import BaseService
from novamind_core.services.ports import UnitOfWork

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
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


def _dummy_hash(rounds: int) -> str:
    """A real bcrypt hash of a random string: checking an unknown username costs as long as a known one."""
    if rounds not in _dummy_hashes:
        _dummy_hashes[rounds] = hash_password(secrets.token_urlsafe(16) + "-Xy9!", rounds=rounds)
    return _dummy_hashes[rounds]


def _challenge_key(settings: object) -> str:
    """The key that signs second-factor challenges (the cookie key; a per-process random one when unset)."""
    return str(getattr(settings, "cookie_key", "") or _PROCESS_KEY)


_PROCESS_KEY = secrets.token_urlsafe(32)


def _clear_throttle(uow: UnitOfWork, username: str) -> None:
    """Lift an account's sign-in back-off: account-wide and from every address (not the addresses' own)."""
    uow.sign_in_throttle.clear(ThrottleKeys.of(username, "").account)
    uow.sign_in_throttle.clear_prefix(ThrottleKeys.pair_prefix(username))


class SignInService(BaseService):
    """The password step of signing in, and the audit around it (part of ``UserService``)."""

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
