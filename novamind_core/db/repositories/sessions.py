"""Sign-in sessions, sign-in throttle counters and TOTP enrolments (staff data, not PHI).

Repositories own the SQL; they take and return :mod:`novamind_core.domain.sessions` records. The throttle's
read-modify-write locks its row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers), so app processes
sharing the database count every failure once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from novamind_core.db.models import UserRow
from novamind_core.db.models_auth import SignInThrottleRow, UserSecondFactorRow, UserSessionRow
from novamind_core.domain.sessions import SecondFactor, SessionRecord, ThrottleState


def _record(row: UserSessionRow, username: str) -> SessionRecord:
    return SessionRecord(id=row.id, user_id=row.user_id, username=username, channel=row.channel,
                         created_at=row.created_at, last_seen_at=row.last_seen_at,
                         idle_expires_at=row.idle_expires_at, absolute_expires_at=row.absolute_expires_at,
                         revoked_at=row.revoked_at, revoked_reason=row.revoked_reason)


class SessionRepository:
    def __init__(self, session: Session):
        self.session = session

    def _with_user(self, stmt):  # type: ignore[no-untyped-def]
        return stmt.join(UserRow, UserRow.id == UserSessionRow.user_id)

    def add(self, user_id: int, channel: str, handoff_hash: str, handoff_expires_at: datetime, now: datetime,
            idle_expires_at: datetime, absolute_expires_at: datetime) -> int:
        row = UserSessionRow(user_id=user_id, channel=channel, handoff_hash=handoff_hash,
                             handoff_expires_at=handoff_expires_at, created_at=now, last_seen_at=now,
                             idle_expires_at=idle_expires_at, absolute_expires_at=absolute_expires_at)
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, session_id: int) -> SessionRecord | None:
        found = self.session.execute(self._with_user(select(UserSessionRow, UserRow.username))
                                     .where(UserSessionRow.id == session_id)).first()
        return None if found is None else _record(found[0], found[1])

    def by_token_hash(self, token_hash: str) -> SessionRecord | None:
        found = self.session.execute(self._with_user(select(UserSessionRow, UserRow.username))
                                     .where(UserSessionRow.token_hash == token_hash)).first()
        return None if found is None else _record(found[0], found[1])

    def take_handoff(self, handoff_hash: str, now: datetime, token_hash: str) -> SessionRecord | None:
        """Exchange an unexpired hand-off (once): store ``token_hash`` as the session's cookie hash and clear the
        hand-off. None when no live session has that hand-off."""
        row = self.session.scalar(select(UserSessionRow).where(UserSessionRow.handoff_hash == handoff_hash)
                                  .with_for_update())
        if row is None:
            return None
        row.handoff_hash, expires, row.handoff_expires_at = None, row.handoff_expires_at, None
        if expires is None or expires <= now or row.revoked_at is not None:
            self.session.flush()
            return None
        row.token_hash = token_hash
        self.session.flush()
        return self.get(row.id)

    def touch(self, session_id: int, now: datetime, idle_expires_at: datetime) -> None:
        self.session.execute(update(UserSessionRow).where(UserSessionRow.id == session_id)
                             .values(last_seen_at=now, idle_expires_at=idle_expires_at))

    def revoke(self, session_id: int, now: datetime, reason: str) -> bool:
        """Revoke one live session; False when it was already revoked or does not exist."""
        result = self.session.execute(update(UserSessionRow)
                                      .where(UserSessionRow.id == session_id, UserSessionRow.revoked_at.is_(None))
                                      .values(revoked_at=now, revoked_reason=reason[:40], handoff_hash=None))
        return bool(result.rowcount)

    def revoke_for_user(self, user_id: int, now: datetime, reason: str, *, except_id: int | None = None) -> int:
        """Revoke every unrevoked session of a user (but ``except_id``); returns how many."""
        stmt = (update(UserSessionRow).where(UserSessionRow.user_id == user_id, UserSessionRow.revoked_at.is_(None))
                .values(revoked_at=now, revoked_reason=reason[:40], handoff_hash=None))
        if except_id is not None:
            stmt = stmt.where(UserSessionRow.id != except_id)
        return int(self.session.execute(stmt).rowcount or 0)

    def live(self, now: datetime, user_id: int | None = None, limit: int = 500) -> list[SessionRecord]:
        """Sessions not revoked and not expired, newest first (optionally of one user)."""
        stmt = (self._with_user(select(UserSessionRow, UserRow.username))
                .where(UserSessionRow.revoked_at.is_(None), UserSessionRow.idle_expires_at > now,
                       UserSessionRow.absolute_expires_at > now)
                .order_by(UserSessionRow.last_seen_at.desc()).limit(limit))
        if user_id is not None:
            stmt = stmt.where(UserSessionRow.user_id == user_id)
        return [_record(r, u) for r, u in self.session.execute(stmt)]

    def purge(self, older_than: datetime) -> int:
        """Drop sessions that ended (expired or revoked) before ``older_than`` (housekeeping)."""
        stmt = delete(UserSessionRow).where(UserSessionRow.absolute_expires_at < older_than)
        return int(self.session.execute(stmt).rowcount or 0)


class SignInThrottleRepository:
    def __init__(self, session: Session):
        self.session = session

    def _row(self, key: str, *, lock: bool) -> SignInThrottleRow | None:
        stmt = select(SignInThrottleRow).where(SignInThrottleRow.key == key[:80])
        return self.session.scalar(stmt.with_for_update() if lock else stmt)

    def get(self, key: str, *, lock: bool = False) -> ThrottleState:
        row = self._row(key, lock=lock)
        if row is None:
            return ThrottleState(key=key[:80], failures=0, last_failure_at=None, blocked_until=None)
        return ThrottleState(row.key, row.failures or 0, row.last_failure_at, row.blocked_until)

    def record_failure(self, key: str, now: datetime, blocked_until: datetime | None) -> None:
        """Count one failure under ``key`` (creating its row) and set its back-off."""
        row = self._row(key, lock=True)
        if row is None:
            self.session.add(SignInThrottleRow(key=key[:80], failures=1, last_failure_at=now,
                                               blocked_until=blocked_until))
        else:
            row.failures = (row.failures or 0) + 1
            row.last_failure_at = now
            row.blocked_until = blocked_until
        self.session.flush()

    def put(self, key: str, failures: int, last_failure_at: datetime | None) -> None:
        """Set a counter outright (the after-sign-in notice of earlier failures)."""
        self.clear(key)
        self.session.add(SignInThrottleRow(key=key[:80], failures=failures, last_failure_at=last_failure_at,
                                           blocked_until=None))
        self.session.flush()

    def clear_prefix(self, prefix: str) -> int:
        stmt = delete(SignInThrottleRow).where(SignInThrottleRow.key.startswith(prefix[:80]))
        return int(self.session.execute(stmt).rowcount or 0)

    def clear(self, *keys: str) -> None:
        if keys:
            self.session.execute(delete(SignInThrottleRow).where(SignInThrottleRow.key.in_([k[:80] for k in keys])))

    def blocked(self, now: datetime, prefix: str = "", limit: int = 200) -> list[ThrottleState]:
        """Keys whose back-off runs now (for the Admin page), longest first."""
        stmt = (select(SignInThrottleRow).where(SignInThrottleRow.blocked_until > now,
                                                SignInThrottleRow.key.startswith(prefix))
                .order_by(SignInThrottleRow.blocked_until.desc()).limit(limit))
        return [ThrottleState(r.key, r.failures, r.last_failure_at, r.blocked_until)
                for r in self.session.scalars(stmt)]


class SecondFactorRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, user_id: int, *, lock: bool = False) -> SecondFactor | None:
        stmt = select(UserSecondFactorRow).where(UserSecondFactorRow.user_id == user_id)
        row = self.session.scalar(stmt.with_for_update() if lock else stmt)
        if row is None:
            return None
        return SecondFactor(row.user_id, row.secret, row.confirmed_at,
                            tuple(h for h in (row.recovery_code_hashes or "").split() if h), row.last_step)

    def put(self, user_id: int, secret: str, recovery_code_hashes: tuple[str, ...], now: datetime) -> None:
        """Start (or restart) an enrolment: unconfirmed until :meth:`confirm`."""
        self.session.execute(delete(UserSecondFactorRow).where(UserSecondFactorRow.user_id == user_id))
        self.session.add(UserSecondFactorRow(user_id=user_id, secret=secret, confirmed_at=None,
                                             recovery_code_hashes=" ".join(recovery_code_hashes), last_step=-1,
                                             created_at=now))
        self.session.flush()

    def confirm(self, user_id: int, now: datetime, step: int) -> None:
        self.session.execute(update(UserSecondFactorRow).where(UserSecondFactorRow.user_id == user_id)
                             .values(confirmed_at=now, last_step=step))

    def used_step(self, user_id: int, step: int) -> None:
        self.session.execute(update(UserSecondFactorRow).where(UserSecondFactorRow.user_id == user_id)
                             .values(last_step=step))

    def set_recovery_hashes(self, user_id: int, hashes: tuple[str, ...]) -> None:
        self.session.execute(update(UserSecondFactorRow).where(UserSecondFactorRow.user_id == user_id)
                             .values(recovery_code_hashes=" ".join(hashes)))

    def remove(self, user_id: int) -> bool:
        result = self.session.execute(delete(UserSecondFactorRow).where(UserSecondFactorRow.user_id == user_id))
        return bool(result.rowcount)

    def enabled_user_ids(self) -> set[int]:
        stmt = select(UserSecondFactorRow.user_id).where(UserSecondFactorRow.confirmed_at.is_not(None))
        return set(self.session.scalars(stmt))
