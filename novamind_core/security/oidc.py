"""OpenID Connect sign-in: from the claims of a verified ID token to a Novamind identity (pure; no I/O).

The app's identity provider (a hospital's Entra ID, Okta, Keycloak, ...) signs an ID token; Streamlit's ``st.login``
(Authlib) checks its signature, audience, expiry and nonce and hands us the claims. This module decides what those
claims mean for Novamind:

* **Who**: an account is matched by the pair ``(iss, sub)``, the only stable identifier OpenID Connect guarantees
  (OpenID Connect Core 1.0, section 5.7). A username or e-mail address is never used to *match*: an organisation
  account called ``admin`` must not inherit the local ``admin`` account. A new person's username is derived from
  ``preferred_username`` (else the local part of ``email``), normalised to Novamind's username alphabet.
* **Role**: read from a configurable claim (default ``groups``) through a mapping from the organisation's group
  names to Novamind roles (``NOVAMIND_SSO_ROLE_MAP``). When several groups map, the first one in the mapping's own
  order wins, so an administrator decides precedence by ordering the map. No mapped group means no role: the account
  is created deactivated and an administrator assigns the role (:class:`SingleSignOnService`).
* **Freshness**: a sign-in assertion (one ID token) is accepted once. Its digest and issue time are stored with the
  identity; the same assertion again (a copied ``_streamlit_user`` cookie after sign-out) or an older one is refused,
  and so is one issued more than ``max_age_s`` ago. This is what keeps Streamlit's stateless identity cookie from
  re-opening a session that was signed out or revoked.

Care teams are never taken from claims: they are clinical assignments made in Novamind by an administrator.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from novamind_core.domain.errors import AuthenticationError
from novamind_core.domain.users import Role

USERNAME_ALPHABET = re.compile(r"[^a-z0-9._-]+")
MAX_CLAIM_CHARS = 255
"""Longest issuer or subject stored (the column width); longer values are refused, never truncated."""


@dataclass(frozen=True, slots=True)
class ClaimMapping:
    """How the organisation's claims map onto Novamind.

    Attributes
    ----------
    role_claim : str
        Claim holding the person's groups or roles (a list, or one string of names separated by spaces or commas).
    role_map : tuple of (group, role) pairs
        Group name -> Novamind role, in precedence order (the first mapped group wins).
    allowed_issuers : tuple of str
        Issuers accepted; empty accepts the issuer Streamlit's configured provider verified.
    max_age_s : int
        Oldest ID token (by its ``iat``) accepted for a new sign-in, seconds.
    """

    role_claim: str = "groups"
    role_map: tuple[tuple[str, Role], ...] = ()
    allowed_issuers: tuple[str, ...] = ()
    max_age_s: int = 300

    @classmethod
    def from_settings(cls, settings: object) -> ClaimMapping:
        """Build the mapping from ``settings.sso_role_claim``, ``sso_role_map``, ``sso_allowed_issuers`` and
        ``sso_max_assertion_age_s`` (missing attributes take the defaults)."""
        raw_map = getattr(settings, "sso_role_map", None) or {}
        pairs = tuple((str(group), Role.parse(role)) for group, role in dict(raw_map).items())
        return cls(role_claim=str(getattr(settings, "sso_role_claim", "groups") or "groups"), role_map=pairs,
                   allowed_issuers=tuple(getattr(settings, "sso_allowed_issuers", ()) or ()),
                   max_age_s=int(getattr(settings, "sso_max_assertion_age_s", 300) or 300))


@dataclass(frozen=True, slots=True)
class SsoIdentity:
    """What one verified sign-in assertion says, reduced to what Novamind stores and audits (no PHI).

    ``assertion`` is a SHA-256 digest of (issuer, subject, iat, nonce): it identifies this one ID token without
    keeping it.
    """

    issuer: str
    subject: str
    username: str
    display_name: str
    role: Role | None
    issued_at: datetime
    assertion: str = field(repr=False)


def _text(claims: Mapping[str, object], name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def group_names(value: object) -> tuple[str, ...]:
    """The group names in a claim value: a list of strings, or one string separated by spaces or commas."""
    if isinstance(value, str):
        return tuple(part for part in re.split(r"[\s,]+", value) if part)
    if isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
        return tuple(str(v).strip() for v in value if isinstance(v, str | int) and str(v).strip())
    return ()


def mapped_role(claims: Mapping[str, object], mapping: ClaimMapping) -> Role | None:
    """The role of the first group in ``mapping.role_map`` that the claims hold; None when none is held."""
    held = {g.casefold() for g in group_names(claims.get(mapping.role_claim))}
    for group, role in mapping.role_map:
        if group.casefold() in held:
            return role
    return None


def username_candidate(claims: Mapping[str, object]) -> str:
    """A Novamind username for a new person: ``preferred_username``, else the local part of ``email``, else "sso".

    Lower-cased; characters outside ``a-z 0-9 . _ -`` become ``.``; trimmed to 60 characters so that a numeric
    suffix (added by the service when the name is taken) still fits the 64-character limit.
    """
    raw = _text(claims, "preferred_username") or _text(claims, "email").split("@", 1)[0] or "sso"
    name = USERNAME_ALPHABET.sub(".", raw.casefold()).strip("._-")[:60].strip("._-")
    if len(name) < 3:
        name = (name + ".sso").lstrip("._-") if name else "sso.user"
    return name


def display_name(claims: Mapping[str, object], username: str) -> str:
    """``name``, else ``given_name family_name``, else the username; whitespace collapsed, at most 120 characters."""
    text = _text(claims, "name") or " ".join(p for p in (_text(claims, "given_name"), _text(claims, "family_name"))
                                              if p)
    return " ".join(text.split())[:120] or username


def _issued_at(claims: Mapping[str, object]) -> datetime:
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise AuthenticationError("the organisation's sign-in did not say when it was issued; sign in again")
    return datetime.fromtimestamp(float(iat), UTC)


def assertion_digest(issuer: str, subject: str, issued_at: datetime, nonce: str) -> str:
    """SHA-256 over issuer, subject, issue time and nonce (NUL-separated): one ID token's fingerprint."""
    parts = (issuer, subject, issued_at.isoformat(), nonce)
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def identity_from_claims(claims: Mapping[str, object], mapping: ClaimMapping, *, now: datetime) -> SsoIdentity:
    """Read and check one assertion's claims; raise :class:`AuthenticationError` with a message a person can act on.

    Refused: no ``iss`` or ``sub``, either longer than :data:`MAX_CLAIM_CHARS`, an issuer outside
    ``mapping.allowed_issuers`` (when set), no ``iat``, or an ``iat`` older than ``mapping.max_age_s`` (or more than
    a minute in the future).
    """
    issuer, subject = _text(claims, "iss"), _text(claims, "sub")
    if not issuer or not subject:
        raise AuthenticationError("the organisation's sign-in did not name the person; ask IT to check the "
                                  "single sign-on settings")
    if len(issuer) > MAX_CLAIM_CHARS or len(subject) > MAX_CLAIM_CHARS:
        raise AuthenticationError("the organisation's sign-in sent an identifier too long to store")
    if mapping.allowed_issuers and issuer not in mapping.allowed_issuers:
        raise AuthenticationError("this organisation's sign-in is not accepted here")
    issued_at = _issued_at(claims)
    age_s = (now - issued_at).total_seconds()
    if age_s > mapping.max_age_s or age_s < -60:
        raise AuthenticationError("the organisation's sign-in has expired; sign in again")
    nonce = _text(claims, "nonce")
    username = username_candidate(claims)
    return SsoIdentity(issuer=issuer, subject=subject, username=username,
                       display_name=display_name(claims, username), role=mapped_role(claims, mapping),
                       issued_at=issued_at, assertion=assertion_digest(issuer, subject, issued_at, nonce))


def is_replay(identity: SsoIdentity, last_issued_at: datetime | None, last_assertion: str | None) -> bool:
    """True when ``identity``'s assertion was already used, or is older than the last one accepted."""
    if last_issued_at is None:
        return False
    last = last_issued_at if last_issued_at.tzinfo else last_issued_at.replace(tzinfo=UTC)
    return identity.issued_at < last or identity.assertion == last_assertion
