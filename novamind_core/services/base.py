"""Shared machinery of every service: context (settings, unit of work, clock), transactions, authorisation, audit.

Services never see a database session, a row or SQLAlchemy: they open a unit of work (``self._tx()``), call its
repositories, which take and return domain objects, and commit. ``ServiceContext.uow_factory`` is what makes that
swappable: the app passes the SQLAlchemy :class:`~novamind_core.db.uow.UnitOfWork`; service unit tests pass the
in-memory ``tests.fakes.FakeUnitOfWork`` and run with no database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from novamind_core.domain.dates import day_month_year
from novamind_core.domain.errors import NotFoundError, PermissionDenied, ValidationError
from novamind_core.domain.users import SYSTEM_USER as SYSTEM_USER  # re-exported: the command-line actor
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditOutcome, AuditRecord
from novamind_core.security.rbac import require, require_care_team
from novamind_core.services.ports import UnitOfWork


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    """What every service shares. ``clock`` returns an aware UTC datetime (tests pin it).

    ``uow_factory`` opens one unit of work (one transaction). Work on the database as a whole (health probe, key
    rotation) is not here: the composition root hands a ``DatabaseMaintenance`` to the services that need it.
    """

    settings: Any
    uow_factory: Callable[[], UnitOfWork]
    clock: Callable[[], datetime] = field(default=_utc_now)
    bcrypt_rounds: int = 12

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today in the clinic's time zone (``settings.clinic_timezone``)."""
        return self.now().astimezone(ZoneInfo(self.settings.clinic_timezone)).date()

    def uow(self) -> UnitOfWork:
        return self.uow_factory()


class BaseService:
    def __init__(self, ctx: ServiceContext):
        self.ctx = ctx

    @contextmanager
    def _tx(self) -> Iterator[UnitOfWork]:
        with self.ctx.uow() as uow:
            yield uow

    # ------------------------------------------------------------------ audit
    def _audit(self, uow: UnitOfWork, user: User | None, action: str, *, patient_id: int | None = None,
               outcome: str = AuditOutcome.SUCCESS, detail: str = "", username: str | None = None) -> None:
        uid = user.id if user is not None and user.id > 0 else None
        uow.audit.append(AuditRecord(
            at=self.ctx.now(), user_id=uid, username=(username or (user.username if user else ""))[:64],
            role=user.role.value if user is not None else "", action=action, patient_id=patient_id,
            outcome=outcome, detail=detail[:500],
        ))

    def _deny(self, uow: UnitOfWork, user: User, action: str, patient_id: int | None,
              exc: PermissionDenied) -> NoReturn:
        """Undo whatever the call did, record the refusal in its own transaction, and re-raise."""
        uow.rollback()
        self._audit(uow, user, action, patient_id=patient_id, outcome=AuditOutcome.DENIED, detail=str(exc))
        uow.commit()
        raise exc

    # ------------------------------------------------------------------ authorisation
    def _fresh(self, uow: UnitOfWork, user: User) -> User:
        """The user as stored now: a deactivated account or a changed role takes effect on the next call."""
        if user is None:
            raise PermissionDenied("sign in first")
        if user.id <= 0:
            return user
        stored = uow.users.current(user.id)
        if stored is None:
            return User(user.id, user.username, user.display_name, user.role, active=False)
        return stored

    def _authorize(self, uow: UnitOfWork, user: User, permission: Permission, action: str) -> User:
        fresh = self._fresh(uow, user)
        try:
            require(fresh, permission)
        except PermissionDenied as exc:
            self._deny(uow, fresh, action, None, exc)
        return fresh

    def _authorize_patient(self, uow: UnitOfWork, user: User, patient_id: int, permission: Permission,
                           action: str) -> User:
        """Permission first, then care team; refusals are audited. Unknown patients raise NotFoundError."""
        fresh = self._fresh(uow, user)
        try:
            require(fresh, permission)
            if not isinstance(patient_id, int) or not uow.patients.exists(patient_id):
                raise NotFoundError(f"patient {patient_id} does not exist")
            require_care_team(fresh, uow.patients.care_team(patient_id), permission)
        except PermissionDenied as exc:
            self._deny(uow, fresh, action, patient_id if isinstance(patient_id, int) else None, exc)
        return fresh


def parse_date(value: date | str | None, field_name: str, *, default: date | None = None) -> date:
    """Accept a ``date`` or ISO ``YYYY-MM-DD`` text; raise ValidationError naming the field."""
    if value is None or value == "":
        if default is None:
            raise ValidationError(f"{field_name.replace('_', ' ')} is required", field=field_name)
        return default
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(f"{field_name.replace('_', ' ')} {value!r} is not a date (YYYY-MM-DD)",
                              field=field_name, value=value) from None


def not_in_future(value: date, today: date, field_name: str) -> date:
    if value > today:
        raise ValidationError(f"{field_name.replace('_', ' ')} {day_month_year(value)} is in the future",
                              field=field_name, value=value.isoformat())
    return value


def optional_text(value: str | None, field_name: str, max_len: int = 2000) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if len(text) > max_len:
        raise ValidationError(f"{field_name.replace('_', ' ')} must be at most {max_len} characters",
                              field=field_name, value=len(text))
    return text
