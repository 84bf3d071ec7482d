"""The TOTP second factor: finishing a sign-in with a code or a one-time recovery code, enrolling (an admin's first
sign-in included) and confirming an authenticator app. Every step audited; wrong codes count as sign-in failures.

Part of :class:`novamind_core.services.users.UserService` (which re-exports every public name here); the password
step is :mod:`novamind_core.services.users_sign_in`.
"""

from __future__ import annotations

from novamind_core.domain.errors import AuthenticationError, ConflictError, ValidationError
from novamind_core.domain.sessions import TotpEnrolment
from novamind_core.domain.users import User
from novamind_core.security import throttle, totp
from novamind_core.security.audit import AuditAction, AuditOutcome
from novamind_core.security.sessions import open_challenge
from novamind_core.security.throttle import ThrottleKeys
from novamind_core.services.ports import UnitOfWork
from novamind_core.services.users_sign_in import SIGN_IN_REFUSED, SignInService, _challenge_key

TOTP_ENROL = "auth.totp_enrol"
TOTP_RESET = "auth.totp_reset"


class SecondFactorService(SignInService):
    """The second-factor steps of signing in and the TOTP enrolment (part of ``UserService``)."""

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

    def _enrolling(self, uow: UnitOfWork, user: User | str) -> User:
        if isinstance(user, str):
            uid = open_challenge(user, _challenge_key(self.ctx.settings), now=self.ctx.now().timestamp())
            found = uow.users.current(uid) if uid is not None else None
            if found is None or not found.active:
                raise AuthenticationError("the sign-in took too long; sign in again")
            return found
        return self._fresh(uow, user)
