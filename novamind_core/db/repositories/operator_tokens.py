"""Operators' personal API tokens: stored as SHA-256 digests; looked up, listed, revoked and marked as used."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from novamind_core.db.models import OperatorTokenRow, UserRow
from novamind_core.domain.errors import NotFoundError
from novamind_core.domain.operators import OperatorToken


def _utc(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _token(row: OperatorTokenRow, username: str) -> OperatorToken:
    return OperatorToken(id=row.id, user_id=row.user_id, username=username, name=row.name, prefix=row.prefix,
                         scopes=tuple(row.scopes.split()), created_at=_utc(row.created_at),  # type: ignore[arg-type]
                         expires_at=_utc(row.expires_at),  # type: ignore[arg-type]
                         revoked_at=_utc(row.revoked_at), last_used_at=_utc(row.last_used_at),
                         created_by=row.created_by)


class OperatorTokenRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, *, user_id: int, name: str, token_hash: str, prefix: str, scopes: tuple[str, ...],
            created_at: datetime, created_by: int | None, expires_at: datetime) -> OperatorToken:
        row = OperatorTokenRow(user_id=user_id, name=name, token_hash=token_hash, prefix=prefix,
                               scopes=" ".join(scopes), created_at=created_at, created_by=created_by,
                               expires_at=expires_at)
        self.session.add(row)
        self.session.flush()
        username = self.session.scalar(select(UserRow.username).where(UserRow.id == user_id)) or ""
        return _token(row, username)

    def by_hash(self, token_hash: str) -> OperatorToken | None:
        """The token with this digest (in any state), or None."""
        found = self.session.execute(
            select(OperatorTokenRow, UserRow.username).join(UserRow, UserRow.id == OperatorTokenRow.user_id)
            .where(OperatorTokenRow.token_hash == token_hash)).one_or_none()
        return None if found is None else _token(found[0], found[1])

    def list(self, user_id: int | None = None) -> list[OperatorToken]:
        """Every token (or one user's), newest first."""
        stmt = select(OperatorTokenRow, UserRow.username).join(UserRow, UserRow.id == OperatorTokenRow.user_id)
        if user_id is not None:
            stmt = stmt.where(OperatorTokenRow.user_id == user_id)
        return [_token(r, u) for r, u in self.session.execute(stmt.order_by(OperatorTokenRow.id.desc()))]

    def revoke(self, token_id: int, at: datetime) -> OperatorToken:
        row = self.session.get(OperatorTokenRow, token_id)
        if row is None:
            raise NotFoundError(f"token {token_id} does not exist")
        if row.revoked_at is None:
            row.revoked_at = at
            self.session.flush()
        username = self.session.scalar(select(UserRow.username).where(UserRow.id == row.user_id)) or ""
        return _token(row, username)

    def mark_used(self, token_id: int, at: datetime) -> None:
        row = self.session.get(OperatorTokenRow, token_id)
        if row is not None:
            row.last_used_at = at
            self.session.flush()
