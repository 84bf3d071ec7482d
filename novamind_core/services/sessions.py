"""Server-side sign-in sessions: open, hand off to the browser's HttpOnly cookie, validate on every run, revoke.

A session lives in ``user_sessions``. Opening one (:meth:`SessionService.create_session`, after a password (+ TOTP)
check or an organisation sign-in) returns its id, which the app keeps in the server-side Streamlit session, and a
one-time **hand-off token** (2 minutes). The browser posts the hand-off to the app server's session endpoint
(``server/routes.py``), which calls :meth:`SessionService.redeem_handoff`: that mints the cookie secret, stores only
its hash, and the endpoint sets it as an ``HttpOnly; SameSite=Strict`` cookie (``Secure`` over TLS). A new tab or a
reload presents the cookie; :meth:`SessionService.resume` finds the session by the hash.

Every page run calls :meth:`SessionService.validate` with the session id: a revoked session, one idle past
``session_timeout_minutes`` or past its absolute expiry (``cookie_expiry_days``) signs nobody in, whatever the
browser holds. Sign-out, a password change, deactivation and an administrator revoke sessions in the database, so a
copied cookie dies with them. Every open, resume, revoke and refusal is audited (never the secret).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from novamind_core.domain.errors import NotFoundError, ValidationError
from novamind_core.domain.sessions import RevokeReason, SessionChannel, SessionGrant, SessionRecord
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction, AuditOutcome
from novamind_core.security.sessions import new_secret, secret_hash, well_formed
from novamind_core.services.base import BaseService
from novamind_core.services.ports import UnitOfWork

HANDOFF_SECONDS = 120
"""How long a hand-off token can be exchanged for the cookie (once)."""
TOUCH_EVERY_S = 15
"""A validation writes ``last_seen_at`` at most this often per session (each write extends the idle expiry)."""

SESSION_OPEN = "auth.session_open"
SESSION_RESUME = "auth.session_resume"
SESSION_REVOKE = "auth.session_revoke"
SESSION_LIST = "auth.session_list"


@dataclass(frozen=True)
class ActiveSession:
    """A live session and its user as stored now (role, active flag)."""

    session_id: int
    user: User
    channel: str


class SessionService(BaseService):
    # ------------------------------------------------------------------ open
    def create_session(self, user: User, channel: str | SessionChannel = SessionChannel.WEB) -> SessionGrant:
        """Open a session for ``user`` who has just proved who they are (password + TOTP, or single sign-on).

        Stable API (also used by single sign-on). Returns the session id and the one-time hand-off token for the
        browser's cookie. The caller has authenticated the user; this only refuses an unknown channel
        (ValidationError) and an account that is missing or deactivated (NotFoundError).
        """
        ch = SessionChannel(str(channel)) if str(channel) in {c.value for c in SessionChannel} else None
        if ch is None:
            raise ValidationError(f"unknown session channel {channel!r}", field="channel", value=str(channel))
        now = self.ctx.now()
        handoff = new_secret()
        with self._tx() as uow:
            fresh = uow.users.current(user.id)
            if fresh is None or not fresh.active:
                raise NotFoundError("this account cannot sign in")
            session_id = uow.sessions.add(fresh.id, ch.value, secret_hash(handoff), now + timedelta(
                seconds=HANDOFF_SECONDS), now, self._idle_expiry(now), self._absolute_expiry(now))
            self._audit(uow, fresh, SESSION_OPEN, detail=f"session {session_id} channel={ch.value}")
            uow.commit()
        return SessionGrant(session_id=session_id, handoff_token=handoff,
                            handoff_expires_at=now + timedelta(seconds=HANDOFF_SECONDS))

    def redeem_handoff(self, handoff_token: str) -> str | None:
        """Exchange a hand-off token (once, unexpired) for a new cookie secret; None when it is unusable.

        Called by the session endpoint (no user yet: the token is the credential). Only the secret's hash is stored.
        """
        if not well_formed(handoff_token):
            return None
        secret = new_secret()
        with self._tx() as uow:
            record = uow.sessions.take_handoff(secret_hash(handoff_token), self.ctx.now(), secret_hash(secret))
            uow.commit()
        return secret if record is not None else None

    # ------------------------------------------------------------------ validate
    def resume(self, cookie_secret: str) -> ActiveSession | None:
        """The live session a browser's cookie names (a reload, a new tab), touched; None (audited when a
        session was found but is dead) otherwise."""
        if not well_formed(cookie_secret):
            return None
        with self._tx() as uow:
            record = uow.sessions.by_token_hash(secret_hash(cookie_secret))
            if record is None:
                return None
            active = self._check(uow, record, resumed=True)
            uow.commit()
            return active

    def validate(self, session_id: int) -> ActiveSession | None:
        """Called before every page run: the session is not revoked, not idle-expired, not past its absolute
        expiry, and its account is active. Extends the idle expiry. None when the session no longer signs in."""
        if not isinstance(session_id, int) or isinstance(session_id, bool):
            return None
        with self._tx() as uow:
            record = uow.sessions.get(session_id)
            if record is None:
                return None
            active = self._check(uow, record, resumed=False)
            uow.commit()
            return active

    def why_ended(self, session_id: int) -> str | None:
        """Why a session no longer signs in ("idle timeout", "sign out", "absolute expiry", ...), or None if live."""
        with self._tx() as uow:
            record = uow.sessions.get(session_id) if isinstance(session_id, int) else None
            if record is None:
                return "unknown session"
            return record.why_not_live(self.ctx.now())

    def _check(self, uow: UnitOfWork, record: SessionRecord, *, resumed: bool) -> ActiveSession | None:
        now = self.ctx.now()
        user = uow.users.current(record.user_id)
        if user is None or not user.active:
            if record.revoked_at is None:
                uow.sessions.revoke(record.id, now, RevokeReason.DEACTIVATED.value)
            return None
        reason = record.why_not_live(now)
        if reason is not None:
            if resumed:
                self._audit(uow, user, AuditAction.AUTH_SIGN_IN_FAILED, outcome=AuditOutcome.DENIED,
                            detail=f"session {record.id} cookie refused: {reason}")
            if reason == "idle timeout" and record.revoked_at is None:
                uow.sessions.revoke(record.id, now, RevokeReason.IDLE.value)
            return None
        if resumed or (now - record.last_seen_at).total_seconds() >= TOUCH_EVERY_S:
            uow.sessions.touch(record.id, now, min(self._idle_expiry(now), record.absolute_expires_at))
        if resumed:
            self._audit(uow, user, SESSION_RESUME, detail=f"session {record.id} cookie")
        return ActiveSession(record.id, user, record.channel)

    # ------------------------------------------------------------------ revoke
    def end_session(self, session_id: int, reason: str = RevokeReason.SIGN_OUT.value) -> bool:
        """Revoke one session (sign-out, idle timeout, a patient page opened in the tab); audited as a sign-out."""
        if not isinstance(session_id, int):
            return False
        with self._tx() as uow:
            record = uow.sessions.get(session_id)
            if record is None:
                return False
            done = uow.sessions.revoke(session_id, self.ctx.now(), reason)
            user = uow.users.current(record.user_id)
            self._audit(uow, user, AuditAction.AUTH_SIGN_OUT, detail=f"{reason} (session {session_id})")
            uow.commit()
            return done

    def revoke(self, admin: User, session_id: int) -> SessionRecord:
        """An administrator ends one session (the user's next page run shows the sign-in form)."""
        with self._tx() as uow:
            actor = self._authorize(uow, admin, Permission.MANAGE_USERS, SESSION_REVOKE)
            record = uow.sessions.get(session_id)
            if record is None:
                raise NotFoundError(f"session {session_id} does not exist")
            uow.sessions.revoke(session_id, self.ctx.now(), RevokeReason.ADMIN.value)
            self._audit(uow, actor, SESSION_REVOKE, detail=f"session {session_id} of user {record.user_id}")
            uow.commit()
            return _as_revoked(record, self.ctx.now())

    def revoke_all(self, admin: User, user_id: int) -> int:
        """An administrator ends every session of one account; returns how many were live."""
        with self._tx() as uow:
            actor = self._authorize(uow, admin, Permission.MANAGE_USERS, SESSION_REVOKE)
            uow.users.get(user_id)  # NotFoundError for an unknown account
            count = uow.sessions.revoke_for_user(user_id, self.ctx.now(), RevokeReason.ADMIN.value)
            self._audit(uow, actor, SESSION_REVOKE, detail=f"all sessions of user {user_id} ({count})")
            uow.commit()
            return count

    def list_live(self, admin: User, user_id: int | None = None) -> tuple[SessionRecord, ...]:
        """Live sessions (newest activity first) for the Admin page; no secrets."""
        with self._tx() as uow:
            actor = self._authorize(uow, admin, Permission.MANAGE_USERS, SESSION_LIST)
            found = tuple(uow.sessions.live(self.ctx.now(), user_id))
            self._audit(uow, actor, SESSION_LIST, detail=f"{len(found)} live")
            uow.commit()
            return found

    # ------------------------------------------------------------------ clocks
    def _idle_expiry(self, now):  # type: ignore[no-untyped-def]
        return now + timedelta(minutes=getattr(self.ctx.settings, "session_timeout_minutes", 30))

    def _absolute_expiry(self, now):  # type: ignore[no-untyped-def]
        return now + timedelta(days=getattr(self.ctx.settings, "cookie_expiry_days", 1.0))


def _as_revoked(record: SessionRecord, now):  # type: ignore[no-untyped-def]
    """``record`` as it reads after a revoke by an administrator (no second query)."""
    from dataclasses import replace

    return replace(record, revoked_at=record.revoked_at or now,
                   revoked_reason=record.revoked_reason or RevokeReason.ADMIN.value)


def revoke_user_sessions(uow: UnitOfWork, user_id: int, now, reason: RevokeReason,  # type: ignore[no-untyped-def]
                         except_id: int | None = None) -> int:
    """Revoke every session of a user inside the caller's unit of work (password change, deactivation)."""
    return uow.sessions.revoke_for_user(user_id, now, reason.value, except_id=except_id)
