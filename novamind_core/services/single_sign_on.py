"""Single sign-on: accept an organisation's (OpenID Connect) sign-in, matching or creating the staff account.

The UI (components/shared/sso.py) passes the claims of the ID token that Streamlit's ``st.login`` verified. This
service, in one transaction with one audit event:

1. reads and checks the claims (:func:`novamind_core.security.oidc.identity_from_claims`: issuer and subject present,
   issuer allowed, token fresh);
2. finds the account linked to ``(iss, sub)`` (row-locked), or creates one: a fresh username derived from the claims
   (never an existing account's: an organisation account is never linked to a local account by name), an unusable
   random password (local password sign-in stays off until an administrator sets one), the role mapped from the
   claims, or **no access** (created deactivated) when no group maps, until an administrator assigns a role;
3. refuses an assertion already used or older than the last one accepted (a copied identity cookie after sign-out);
4. keeps the role in step with the claims when a mapped group is present (the organisation is the source of truth
   for roles it maps; accounts without a mapped group keep the role an administrator gave them);
5. audits ``auth.sign_in`` (detail ``sso issuer=...``, plus what was created or changed) or ``auth.sign_in_failed``.

The caller then opens the app session exactly as for a password sign-in (the same server-side session).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from novamind_core.domain.errors import AuthenticationError
from novamind_core.domain.users import Role, User
from novamind_core.security.audit import AuditAction, AuditOutcome
from novamind_core.security.oidc import ClaimMapping, SsoIdentity, identity_from_claims, is_replay
from novamind_core.security.passwords import hash_password
from novamind_core.services.base import BaseService
from novamind_core.services.ports import UnitOfWork

AWAITING_ROLE_MESSAGE = ("your organisation account is recognised, but an administrator has not given it a role in "
                         "Novamind yet, so it cannot open any page; ask an administrator to assign your role")
PROVISIONAL_ROLE = Role.ANALYST
"""Stored role of an account created without a mapped role: it is created *deactivated*, so the role gives nothing
until an administrator sets the real role and reactivates the account."""


class SingleSignOnService(BaseService):
    def sign_in(self, claims: Mapping[str, object]) -> User:
        """Sign in with the claims of a verified OpenID Connect ID token; return the signed-in user.

        Raises :class:`AuthenticationError` (audited) when the claims are unusable, the assertion was already used,
        the account is deactivated, or the account has no role yet (:data:`AWAITING_ROLE_MESSAGE`).
        """
        mapping = ClaimMapping.from_settings(self.ctx.settings)
        now = self.ctx.now()
        with self._tx() as uow:
            try:
                identity = identity_from_claims(claims, mapping, now=now)
            except AuthenticationError as exc:
                issuer = str(claims.get("iss") or "")[:120] if isinstance(claims.get("iss"), str) else ""
                self._audit(uow, None, AuditAction.AUTH_SIGN_IN_FAILED, outcome=AuditOutcome.FAILURE,
                            detail=f"sso issuer={issuer}: {exc}", username="(single sign-on)")
                uow.commit()
                raise
            linked = uow.identities.find(identity.issuer, identity.subject, for_update=True)
            notes: list[str] = []
            if linked is None:
                user = self._provision(uow, identity, notes)
                linked = uow.identities.add(user.id, identity.issuer, identity.subject, now)
            else:
                stored = uow.users.current(linked.user_id)
                if stored is None:  # the account was removed: treat as unknown (never reached through a cascade)
                    raise AuthenticationError("this organisation account is not linked to a Novamind account")
                user = stored
                if is_replay(identity, linked.last_issued_at, linked.last_assertion):
                    self._audit(uow, user, AuditAction.AUTH_SIGN_IN_FAILED, outcome=AuditOutcome.DENIED,
                                detail=f"sso issuer={identity.issuer}: sign-in assertion already used")
                    uow.commit()
                    raise AuthenticationError("this sign-in has already been used; sign in with your "
                                              "organisation again")
                if identity.role is not None and identity.role != user.role and user.active:
                    uow.users.update(user.id, role=identity.role)
                    notes.append(f"role {user.role.value}->{identity.role.value} from claims")
                    user = User(user.id, user.username, user.display_name, identity.role, active=user.active)
            if not user.active:
                uow.identities.record_assertion(linked.id, issued_at=identity.issued_at,
                                                assertion=identity.assertion, signed_in_at=None)
                awaiting = any(n.startswith("created") for n in notes)
                self._audit(uow, user, AuditAction.AUTH_SIGN_IN_FAILED, outcome=AuditOutcome.DENIED,
                            detail=f"sso issuer={identity.issuer}: " + "; ".join(
                                notes + ["awaiting a role from an administrator" if awaiting
                                         else "account deactivated"]))
                uow.commit()
                raise AuthenticationError(AWAITING_ROLE_MESSAGE if awaiting
                                          else "this account is deactivated; ask an administrator")
            uow.identities.record_assertion(linked.id, issued_at=identity.issued_at, assertion=identity.assertion,
                                            signed_in_at=now)
            uow.users.record_sign_in_attempt(user.id, failed_attempts=0, locked_until=None, signed_in_at=now)
            self._audit(uow, user, AuditAction.AUTH_SIGN_IN,
                        detail="; ".join([f"sso issuer={identity.issuer}"] + notes))
            uow.commit()
            return user

    def _provision(self, uow: UnitOfWork, identity: SsoIdentity, notes: list[str]) -> User:
        """Create the account of a person seen for the first time (deactivated when no role is mapped)."""
        username = self._free_username(uow, identity.username)
        role = identity.role or PROVISIONAL_ROLE
        unusable = hash_password(secrets.token_urlsafe(32) + "-Sso9!", rounds=self.ctx.bcrypt_rounds)
        account = uow.users.add(username, identity.display_name, role, unusable, self.ctx.now())
        if identity.role is None:
            uow.users.update(account.id, active=False)
            notes.append(f"created user {account.id} without a role (deactivated)")
        else:
            notes.append(f"created user {account.id} role={role.value}")
        stored = uow.users.current(account.id)
        assert stored is not None
        return stored

    @staticmethod
    def _free_username(uow: UnitOfWork, wanted: str) -> str:
        """``wanted``, or ``wanted-2``, ``wanted-3``, ... : the first name no account holds."""
        if uow.users.find(wanted) is None:
            return wanted
        for n in range(2, 10_000):
            candidate = f"{wanted[:60]}-{n}"
            if uow.users.find(candidate) is None:
                return candidate
        raise AuthenticationError("no free username for this organisation account; ask an administrator")
