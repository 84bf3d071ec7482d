"""Organisation (OpenID Connect) identities linked to staff accounts. Staff identifiers only, never PHI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from novamind_core.db.models import UserIdentityRow


@dataclass(frozen=True, slots=True)
class LinkedIdentity:
    """One (issuer, subject) linked to ``user_id``, with the newest sign-in assertion accepted for it."""

    id: int
    user_id: int
    issuer: str
    subject: str
    last_issued_at: datetime | None
    last_assertion: str | None


def _linked(row: UserIdentityRow) -> LinkedIdentity:
    return LinkedIdentity(row.id, row.user_id, row.issuer, row.subject, row.last_issued_at, row.last_assertion)


class IdentityRepository:
    def __init__(self, session: Session):
        self.session = session

    def find(self, issuer: str, subject: str, *, for_update: bool = False) -> LinkedIdentity | None:
        """The identity for (issuer, subject); ``for_update`` locks its row (PostgreSQL) so that two sign-ins with
        the same assertion are serialised and the second sees the first's record."""
        stmt = select(UserIdentityRow).where(UserIdentityRow.issuer == issuer, UserIdentityRow.subject == subject)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.scalars(stmt).first()
        return _linked(row) if row is not None else None

    def for_user(self, user_id: int) -> tuple[LinkedIdentity, ...]:
        rows = self.session.scalars(select(UserIdentityRow).where(UserIdentityRow.user_id == user_id)
                                    .order_by(UserIdentityRow.id))
        return tuple(_linked(r) for r in rows)

    def add(self, user_id: int, issuer: str, subject: str, now: datetime) -> LinkedIdentity:
        row = UserIdentityRow(user_id=user_id, issuer=issuer, subject=subject, created_at=now)
        self.session.add(row)
        self.session.flush()
        return _linked(row)

    def record_assertion(self, identity_id: int, *, issued_at: datetime, assertion: str,
                         signed_in_at: datetime | None) -> None:
        """Remember the newest assertion used (accepted or refused for want of a role) and a successful sign-in."""
        row = self.session.get(UserIdentityRow, identity_id)
        if row is None:
            return
        row.last_issued_at, row.last_assertion = issued_at, assertion
        if signed_in_at is not None:
            row.last_sign_in_at = signed_in_at
        self.session.flush()
