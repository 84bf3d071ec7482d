"""In-memory twins of ``novamind_core/db/repositories/sessions.py`` (sessions, sign-in throttle, second factors)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from novamind_core.domain.sessions import SecondFactor, SessionRecord, ThrottleState


class FakeSessionRepository:
    def __init__(self) -> None:
        self.rows: dict[int, dict] = {}
        self.names: dict[int, str] = {}  # user id -> username (tests may set; default "user<id>")

    def _record(self, row: dict) -> SessionRecord:
        fields = {k: v for k, v in row.items() if k in SessionRecord.__dataclass_fields__}
        return SessionRecord(username=self.names.get(row["user_id"], f"user{row['user_id']}"), **fields)

    def add(self, user_id: int, channel: str, handoff_hash: str, handoff_expires_at: datetime, now: datetime,
            idle_expires_at: datetime, absolute_expires_at: datetime) -> int:
        sid = max(self.rows, default=0) + 1
        self.rows[sid] = dict(id=sid, user_id=user_id, channel=channel, created_at=now, last_seen_at=now,
                              idle_expires_at=idle_expires_at, absolute_expires_at=absolute_expires_at,
                              revoked_at=None, revoked_reason=None, token_hash=None, handoff_hash=handoff_hash,
                              handoff_expires_at=handoff_expires_at)
        return sid

    def get(self, session_id: int) -> SessionRecord | None:
        row = self.rows.get(session_id)
        return None if row is None else self._record(row)

    def by_token_hash(self, token_hash: str) -> SessionRecord | None:
        row = next((r for r in self.rows.values() if r["token_hash"] == token_hash), None)
        return None if row is None else self._record(row)

    def take_handoff(self, handoff_hash: str, now: datetime, token_hash: str) -> SessionRecord | None:
        row = next((r for r in self.rows.values() if r["handoff_hash"] == handoff_hash), None)
        if row is None:
            return None
        expires, row["handoff_hash"], row["handoff_expires_at"] = row["handoff_expires_at"], None, None
        if expires is None or expires <= now or row["revoked_at"] is not None:
            return None
        row["token_hash"] = token_hash
        return self._record(row)

    def touch(self, session_id: int, now: datetime, idle_expires_at: datetime) -> None:
        self.rows[session_id].update(last_seen_at=now, idle_expires_at=idle_expires_at)

    def revoke(self, session_id: int, now: datetime, reason: str) -> bool:
        row = self.rows.get(session_id)
        if row is None or row["revoked_at"] is not None:
            return False
        row.update(revoked_at=now, revoked_reason=reason[:40], handoff_hash=None)
        return True

    def revoke_for_user(self, user_id: int, now: datetime, reason: str, *, except_id: int | None = None) -> int:
        ids = [r["id"] for r in self.rows.values()
               if r["user_id"] == user_id and r["revoked_at"] is None and r["id"] != except_id]
        return sum(self.revoke(i, now, reason) for i in ids)

    def live(self, now: datetime, user_id: int | None = None, limit: int = 500) -> list[SessionRecord]:
        out = [self._record(r) for r in self.rows.values() if user_id in (None, r["user_id"])]
        return sorted((s for s in out if s.is_live(now)), key=lambda s: s.last_seen_at, reverse=True)[:limit]

    def purge(self, older_than: datetime) -> int:
        gone = [i for i, r in self.rows.items() if r["absolute_expires_at"] < older_than]
        for i in gone:
            del self.rows[i]
        return len(gone)


class FakeSignInThrottleRepository:
    def __init__(self) -> None:
        self.states: dict[str, ThrottleState] = {}

    def get(self, key: str, *, lock: bool = False) -> ThrottleState:
        return self.states.get(key[:80], ThrottleState(key[:80], 0, None, None))

    def record_failure(self, key: str, now: datetime, blocked_until: datetime | None) -> None:
        old = self.get(key)
        self.states[key[:80]] = replace(old, failures=old.failures + 1, last_failure_at=now,
                                        blocked_until=blocked_until)

    def put(self, key: str, failures: int, last_failure_at: datetime | None) -> None:
        self.states[key[:80]] = ThrottleState(key[:80], failures, last_failure_at, None)

    def clear_prefix(self, prefix: str) -> int:
        gone = [k for k in self.states if k.startswith(prefix)]
        for k in gone:
            del self.states[k]
        return len(gone)

    def clear(self, *keys: str) -> None:
        for k in keys:
            self.states.pop(k[:80], None)

    def blocked(self, now: datetime, prefix: str = "", limit: int = 200) -> list[ThrottleState]:
        return [s for k, s in self.states.items() if k.startswith(prefix) and s.blocked(now)][:limit]


class FakeSecondFactorRepository:
    def __init__(self) -> None:
        self.factors: dict[int, SecondFactor] = {}

    def get(self, user_id: int, *, lock: bool = False) -> SecondFactor | None:
        return self.factors.get(user_id)

    def put(self, user_id: int, secret: str, recovery_code_hashes: tuple[str, ...], now: datetime) -> None:
        self.factors[user_id] = SecondFactor(user_id, secret, None, tuple(recovery_code_hashes), -1)

    def confirm(self, user_id: int, now: datetime, step: int) -> None:
        self.factors[user_id] = replace(self.factors[user_id], confirmed_at=now, last_step=step)

    def used_step(self, user_id: int, step: int) -> None:
        self.factors[user_id] = replace(self.factors[user_id], last_step=step)

    def set_recovery_hashes(self, user_id: int, hashes: tuple[str, ...]) -> None:
        self.factors[user_id] = replace(self.factors[user_id], recovery_code_hashes=tuple(hashes))

    def remove(self, user_id: int) -> bool:
        return self.factors.pop(user_id, None) is not None

    def enabled_user_ids(self) -> set[int]:
        return {u for u, f in self.factors.items() if f.enabled}
