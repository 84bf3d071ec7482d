"""The shared service machinery on the in-memory unit of work: no database anywhere in this file."""

from __future__ import annotations

import pytest

from novamind_core.domain.errors import PermissionDenied
from novamind_core.domain.users import Permission, Role, User
from novamind_core.security.audit import AuditOutcome
from novamind_core.services.base import BaseService
from tests.fakes.uow import FakeStore, FakeUnitOfWork, fake_context

CLINICIAN = User(id=7, username="dr.a", display_name="Dr A", role=Role.CLINICIAN)


class Probe(BaseService):
    """The smallest service: one permission-checked, audited read."""

    def read(self, user: User) -> str:
        with self._tx() as uow:
            self._authorize(uow, user, Permission.READ_PHI, "probe.read")
            self._audit(uow, user, "probe.read")
            uow.commit()
        return "ok"


def test_a_permitted_read_writes_one_audit_event_and_commits():
    store = FakeStore()
    store.repositories["users"].put(CLINICIAN)
    assert Probe(fake_context(store)).read(CLINICIAN) == "ok"
    assert store.repositories["audit"].actions() == ["probe.read"]
    assert store.commits == 1


def test_a_deactivated_account_is_refused_on_its_next_call_and_the_refusal_is_audited():
    store = FakeStore()
    store.repositories["users"].put(User(7, "dr.a", "Dr A", Role.CLINICIAN, active=False))
    with pytest.raises(PermissionDenied):
        Probe(fake_context(store)).read(CLINICIAN)
    [record] = store.repositories["audit"].records
    assert (record.action, record.outcome, record.user_id) == ("probe.read", AuditOutcome.DENIED, 7)


def test_a_deleted_account_counts_as_inactive():
    with pytest.raises(PermissionDenied):
        Probe(fake_context(FakeStore())).read(CLINICIAN)


def test_the_fake_unit_of_work_rolls_back_what_was_not_committed():
    store = FakeStore()
    with FakeUnitOfWork(store) as uow:
        uow.users.put(CLINICIAN)
    assert store.repositories["users"].current(7) is None
    with FakeUnitOfWork(store) as uow:
        uow.users.put(CLINICIAN)
        uow.commit()
    assert store.repositories["users"].current(7) == CLINICIAN
