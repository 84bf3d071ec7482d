"""Append-only audit records chained by SHA-256, and chain verification.

Each row stores ``prev_hash`` (the previous row's ``hash``; :data:`GENESIS_HASH` for the first row) and

    hash = SHA-256( canonical_json( {at, user_id, username, role, action, patient_id, outcome, detail,
                                     prev_hash[, channel]} ) )

with ``canonical_json`` = JSON with sorted keys, no whitespace, UTF-8, ``at`` as UTC ISO-8601 with microseconds.
Changing any field of any row, deleting or inserting a row in the middle, or reordering rows breaks the chain at
that row; :func:`verify_chain` reports the first broken row. (Truncating the newest rows leaves a valid, shorter
chain: keep the latest hash elsewhere, e.g. in the operations log, to detect that.)

``channel`` says through which door the action came: ``web`` (the app), ``cli`` (the command line) or ``worker``
(the background sender). Rows written before channels existed (migration 0005) have none; their canonical JSON
has no ``channel`` key, so they keep verifying, while every newer row hashes its channel (changing or blanking it
breaks the chain like any other field).

Audit rows carry ids, roles and action names only, never PHI: ``detail`` is a short PHI-free note
(e.g. ``"page=2 sort=last_assessment"``). Schneier & Kelsey, "Secure audit logs to support computer forensics",
ACM TISSEC 2(2):159-176, 1999, describe hash-chained logs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first audit row."""


class AuditAction:
    """Action names written to the audit log (stable strings: they are stored)."""

    PATIENT_READ = "patient.read"
    PATIENT_LIST = "patient.list"
    PATIENT_SEARCH = "patient.search"
    PATIENT_CREATE = "patient.create"
    PATIENT_UPDATE = "patient.update"
    PATIENT_DISCHARGE = "patient.discharge"
    CARE_TEAM_UPDATE = "patient.care_team_update"
    ASSESSMENT_READ = "assessment.read"
    ASSESSMENT_CREATE = "assessment.create"
    MEDICATION_READ = "medication.read"
    MEDICATION_CREATE = "medication.create"
    MEDICATION_UPDATE = "medication.update"
    DRUG_LEVEL_CREATE = "drug_level.create"
    DRUG_LEVEL_READ = "drug_level.read"
    NOTE_READ = "note.read"
    NOTE_CREATE = "note.create"
    TWIN_READ = "twin.read"
    TWIN_UPDATE = "twin.update"
    SIMULATION_RUN = "simulation.run"
    AUTH_SIGN_IN = "auth.sign_in"
    AUTH_SIGN_IN_FAILED = "auth.sign_in_failed"
    AUTH_LOCKED = "auth.locked"
    AUTH_SIGN_OUT = "auth.sign_out"
    EXPORT_CSV = "export.csv"
    EXPORT_FHIR = "export.fhir"
    EXPORT_HTML = "export.html"
    EXPORT_PDF = "export.pdf"
    EXPORT_DEIDENTIFIED = "export.deidentified"
    IMPORT_DATA = "import.data"
    USER_CREATE = "user.create"
    USER_SET_ROLE = "user.set_role"
    USER_DEACTIVATE = "user.deactivate"
    USER_PASSWORD_CHANGE = "user.password_change"
    USER_REACTIVATE = "user.reactivate"
    USER_UNLOCK = "user.unlock"
    USER_LIST = "user.list"
    AUDIT_READ = "audit.read"
    AUDIT_VERIFY = "audit.verify"
    KEYS_ROTATE = "keys.rotate"
    KEYS_STATUS = "keys.status"
    COHORT_VIEW = "cohort.view"
    ADMIN_HEALTH = "admin.health"
    ADMIN_MODELS = "admin.models"
    ADMIN_VIEW = "admin.view"  # one Admin page view (its detail names the section and what it showed)
    CARE_TEAM_READ = "patient.care_team_read"
    AUDIT_EXPORT = "audit.export"
    DEMO_SEED = "demo.seed"
    ACCESS_DENIED = "access.denied"
    PREDICTION_READ = "prediction.read"
    INSIGHT_READ = "insight.read"
    MODEL_CARD_READ = "model.card_read"
    # patient-reported measurement (docs/reporting.md)
    MEASUREMENT_READ = "measurement.read"
    PLAN_SET = "plan.set"
    PLAN_PAUSE = "plan.pause"
    PLAN_RESTART = "plan.restart"
    CONSENT_RECORD = "consent.record"
    CONSENT_OPT_OUT = "consent.opt_out"
    REQUEST_CREATE = "request.create"
    KIOSK_START = "kiosk.start"
    REQUEST_OPEN = "request.open"
    REQUEST_REFUSED = "request.refused"
    REQUEST_DOB_FAILED = "request.dob_failed"
    REQUEST_DOB_VERIFIED = "request.dob_verified"
    REQUEST_LOCKED = "request.locked"
    REQUEST_SUBMIT = "request.submit"
    NOTIFICATION_PREFERENCES = "notification.preferences"
    # clinic outcomes and measurement billing (docs/outcomes.md)
    OUTCOMES_VIEW = "outcomes.view"
    OUTCOMES_EPISODES = "outcomes.episodes"
    BILLING_EXPORT = "billing.export"
    MEASUREMENT_EVENTS = "measurement.events"  # one patient's measurement events of a date, for the visit note
    # operators' personal API tokens (docs/security.md, "Operators")
    TOKEN_CREATE = "token.create"
    TOKEN_LIST = "token.list"
    TOKEN_REVOKE = "token.revoke"
    AUTH_TOKEN = "auth.token"  # a command authenticated with a token (detail: token id and scope)
    AUTH_TOKEN_REFUSED = "auth.token_refused"  # unknown, expired, revoked or out-of-scope token

    @classmethod
    def all(cls) -> tuple[str, ...]:
        """Every defined action name."""
        return tuple(v for k, v in vars(cls).items() if k.isupper() and isinstance(v, str))


class AuditChannel:
    """Where an audited action came from (stored; never rename one)."""

    WEB = "web"
    CLI = "cli"
    WORKER = "worker"

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (cls.WEB, cls.CLI, cls.WORKER)


class AuditOutcome:
    """Outcome values of an audit row."""

    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


def _utc(at: datetime) -> datetime:
    """Return ``at`` in UTC; a naive datetime (as SQLite returns) is taken to be UTC already."""
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """The content of one audit row (everything the hash covers except ``prev_hash``).

    Attributes
    ----------
    at : datetime
        When the action happened, UTC (naive values are taken as UTC).
    user_id : int or None
        Acting user's id; None for a failed sign-in with an unknown username or a system action.
    username : str
        Acting (or attempted) username; staff identifiers are not patient PHI.
    role : str
        Acting user's role ("clinician", "analyst", "admin"), or "" when unknown.
    action : str
        One of :class:`AuditAction`.
    patient_id : int or None
        Database id of the patient concerned (never a name or MRN).
    outcome : str
        One of :class:`AuditOutcome`.
    detail : str
        Short PHI-free note.
    channel : str
        :class:`AuditChannel` value; "" only for rows written before channels existed (the repository fills in the
        channel of the process that writes the row when a caller leaves it empty).
    """

    at: datetime
    user_id: int | None
    username: str
    role: str
    action: str
    patient_id: int | None
    outcome: str
    detail: str = ""
    channel: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.at, datetime):
            raise TypeError("AuditRecord.at must be a datetime")
        object.__setattr__(self, "at", _utc(self.at))
        if not self.action:
            raise ValueError("AuditRecord.action must not be empty")

    @classmethod
    def now(
        cls,
        *,
        user_id: int | None,
        username: str,
        role: str,
        action: str,
        patient_id: int | None = None,
        outcome: str = AuditOutcome.SUCCESS,
        detail: str = "",
        channel: str = "",
    ) -> AuditRecord:
        """Build a record stamped with the current UTC time."""
        return cls(datetime.now(UTC), user_id, username, role, action, patient_id, outcome, detail, channel)

    def canonical(self, prev_hash: str) -> bytes:
        """The exact bytes :func:`chain_hash` digests: sorted-key compact JSON, UTF-8."""
        payload = {
            "action": self.action,
            "at": self.at.isoformat(timespec="microseconds"),
            "detail": self.detail,
            "outcome": self.outcome,
            "patient_id": self.patient_id,
            "prev_hash": prev_hash,
            "role": str(getattr(self.role, "value", self.role)),
            "user_id": self.user_id,
            "username": self.username,
        }
        if self.channel:  # rows from before migration 0005 have no channel and hash exactly as they did
            payload["channel"] = self.channel
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def chain_hash(prev_hash: str, record: AuditRecord) -> str:
    """``SHA-256(canonical_json(record fields + prev_hash))`` as 64 lowercase hex characters."""
    return hashlib.sha256(record.canonical(prev_hash)).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainVerification:
    """Result of :func:`verify_chain`.

    Attributes
    ----------
    ok : bool
        Every row checked links to the previous one and its hash matches its content.
    checked : int
        Number of rows examined (up to and including the first broken one).
    first_broken_id : int or None
        Id of the first row that fails, None when ``ok``.
    reason : str
        Plain-language reason ("" when ``ok``).
    last_hash : str
        Hash of the last good row (the ``prev_hash`` to resume verification from).
    """

    ok: bool
    checked: int
    first_broken_id: int | None
    reason: str
    last_hash: str = GENESIS_HASH

    def describe(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.checked} rows verified"
        return f"audit chain broken at row {self.first_broken_id}: {self.reason} ({self.checked} rows checked)"


def verify_chain(
    rows: Iterable[tuple[int, AuditRecord, str, str]], *, start_prev_hash: str = GENESIS_HASH
) -> ChainVerification:
    """Walk audit rows in id order and report the first one whose link or hash is wrong.

    Parameters
    ----------
    rows : iterable of (id, record, prev_hash, hash)
        Rows in ascending id order (a generator is fine: rows are read once, in batches by the caller).
    start_prev_hash : str
        The hash the first row must link to; :data:`GENESIS_HASH` for a whole-table check, the last verified
        hash when resuming.
    """
    expected_prev = start_prev_hash
    checked = 0
    last_id: int | None = None
    for row_id, record, prev_hash, stored_hash in rows:
        checked += 1
        if last_id is not None and row_id <= last_id:
            return ChainVerification(False, checked, row_id, f"rows out of order (id {row_id} after {last_id})",
                                     expected_prev)
        if prev_hash != expected_prev:
            reason = (
                "first row does not start the chain (rows before it were deleted?)"
                if last_id is None and start_prev_hash == GENESIS_HASH
                else "link to the previous row is broken (a row was deleted, inserted or its hash changed)"
            )
            return ChainVerification(False, checked, row_id, reason, expected_prev)
        if chain_hash(prev_hash, record) != stored_hash:
            return ChainVerification(
                False, checked, row_id, "content does not match its hash (the row was altered)", expected_prev
            )
        expected_prev = stored_hash
        last_id = row_id
    return ChainVerification(True, checked, None, "", expected_prev)
