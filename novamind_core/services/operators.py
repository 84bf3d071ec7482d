"""Operators' personal API tokens: an admin issues, lists and revokes them; the command line authenticates with one.

A token belongs to one staff account and carries scopes (:class:`~novamind_core.domain.operators.TokenScope`):
the scope says which kind of command it opens, and the account's own role and care teams still decide, in every
service call, which patients the command may touch. Every issue, listing, revocation, use and refusal is audited;
the audit rows of a command name the token's owner and the channel ``cli``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from novamind_core.domain.errors import AuthenticationError, PermissionDenied, ValidationError
from novamind_core.domain.operators import (
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_DAYS,
    TOKEN_PREFIX,
    IssuedToken,
    OperatorToken,
    TokenScope,
    token_digest,
)
from novamind_core.domain.users import Permission, Role, User
from novamind_core.security.audit import AuditAction, AuditOutcome
from novamind_core.services.base import BaseService

#: One answer for an unknown, expired or revoked token (the caller learns nothing about which).
INVALID_TOKEN = ("the API token is not valid (unknown, expired or revoked): ask an administrator for a new one "
                 "(`python -m novamind_core tokens create`)")


def _scopes(scopes: str | Iterable[str]) -> tuple[str, ...]:
    items = scopes.replace(",", " ").split() if isinstance(scopes, str) else [str(s).strip() for s in scopes]
    chosen = tuple(dict.fromkeys(s for s in items if s))
    unknown = [s for s in chosen if s not in TokenScope.all()]
    if unknown or not chosen:
        raise ValidationError(f"token scopes must be among {', '.join(TokenScope.all())}; got "
                              f"{', '.join(unknown) or 'none'}", field="scopes")
    return chosen


class OperatorTokenService(BaseService):
    def create(self, user: User, username: str, scopes: str | Iterable[str], *, days: int = DEFAULT_TOKEN_DAYS,
               name: str = "") -> IssuedToken:
        """Issue a token for ``username`` (admins only). The token text is in the result once and stored nowhere."""
        chosen = _scopes(scopes)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
            raise ValidationError(f"a token lives 1 to {MAX_TOKEN_DAYS} days; got {days!r}", field="days")
        label = (name or "").strip()[:64] or "command line"
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_USERS, AuditAction.TOKEN_CREATE)
            owner = uow.users.find(username or "")
            if owner is None or not owner.active:
                raise ValidationError(f"no active user named {username!r}", field="username")
            if TokenScope.ADMIN in chosen and owner.role is not Role.ADMIN:
                raise ValidationError("only an administrator's token may carry the admin scope", field="scopes")
            token = TOKEN_PREFIX + secrets.token_urlsafe(32)
            now = self.ctx.now()
            info = uow.operator_tokens.add(user_id=owner.id, name=label, token_hash=token_digest(token),
                                           prefix=token[:10], scopes=chosen, created_at=now,
                                           created_by=actor.id if actor.id > 0 else None,
                                           expires_at=now + timedelta(days=days))
            self._audit(uow, actor, AuditAction.TOKEN_CREATE,
                        detail=f"token {info.id} for user {owner.id} scopes={' '.join(chosen)} days={days}")
            uow.commit()
            return IssuedToken(info, token)

    def list(self, user: User, username: str | None = None) -> tuple[OperatorToken, ...]:
        """Every token (or one user's), newest first; never the token text (admins only)."""
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_USERS, AuditAction.TOKEN_LIST)
            owner_id = None
            if username:
                owner = uow.users.find(username)
                owner_id = owner.id if owner is not None else -1
            tokens = tuple(uow.operator_tokens.list(owner_id))
            self._audit(uow, actor, AuditAction.TOKEN_LIST, detail=f"shown={len(tokens)}")
            uow.commit()
            return tokens

    def revoke(self, user: User, token_id: int) -> OperatorToken:
        """Revoke a token now (admins only); a revoked token never works again."""
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_USERS, AuditAction.TOKEN_REVOKE)
            info = uow.operator_tokens.revoke(int(token_id), self.ctx.now())
            self._audit(uow, actor, AuditAction.TOKEN_REVOKE, detail=f"token {info.id} of user {info.user_id}")
            uow.commit()
            return info

    def authenticate(self, token: str, scope: str) -> User:
        """The staff account a token belongs to, when the token is current and carries ``scope``.

        Raises
        ------
        AuthenticationError
            Unknown, expired or revoked token, or a deactivated owner (one message; the refusal is audited).
        PermissionDenied
            The token lacks ``scope`` (audited).
        """
        if scope not in TokenScope.all():
            raise ValidationError(f"unknown token scope {scope!r}", field="scope")
        text = (token or "").strip()
        with self._tx() as uow:
            now = self.ctx.now()
            info = uow.operator_tokens.by_hash(token_digest(text)) if text.startswith(TOKEN_PREFIX) else None
            owner = uow.users.current(info.user_id) if info is not None else None
            reason = ("unknown token" if info is None else "token revoked" if info.revoked_at is not None
                      else "token expired" if info.expires_at <= now
                      else "owner deactivated" if owner is None or not owner.active else "")
            if reason or owner is None or info is None:
                self._audit(uow, owner, AuditAction.AUTH_TOKEN_REFUSED, outcome=AuditOutcome.FAILURE,
                            detail=f"{reason}" + (f" token {info.id}" if info is not None else ""))
                uow.commit()
                raise AuthenticationError(INVALID_TOKEN)
            if scope not in info.scopes:
                self._audit(uow, owner, AuditAction.AUTH_TOKEN_REFUSED, outcome=AuditOutcome.DENIED,
                            detail=f"token {info.id} lacks scope {scope}")
                uow.commit()
                raise PermissionDenied(f"this token does not carry the {scope} scope this command needs "
                                       f"(it has: {' '.join(info.scopes)})")
            uow.operator_tokens.mark_used(info.id, now)
            self._audit(uow, owner, AuditAction.AUTH_TOKEN, detail=f"token {info.id} scope {scope}")
            uow.commit()
            return owner
