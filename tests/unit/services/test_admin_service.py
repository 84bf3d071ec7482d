"""Admin and audit services on the in-memory unit of work and a fake maintenance port. No database."""

from __future__ import annotations

import csv
import io

import pytest

from novamind_core.domain.administration import AdminSection, AuditFilter
from novamind_core.domain.errors import PermissionDenied, ValidationError
from novamind_core.domain.users import Role, User
from novamind_core.security.audit import AuditAction, AuditOutcome, AuditRecord
from novamind_core.services.admin import MAX_AUDIT_EXPORT_ROWS, AdminService
from novamind_core.services.keys import KeyService
from tests.fakes.repositories import FakeDatabaseMaintenance
from tests.fakes.uow import FakeStore, fake_context

ADMIN = User(1, "admin.a", "Admin A", Role.ADMIN)
CLINICIAN = User(7, "dr.a", "Dr A", Role.CLINICIAN)
ANALYST = User(9, "an.a", "Analyst A", Role.ANALYST)


@pytest.fixture
def store(tmp_path) -> FakeStore:  # type: ignore[no-untyped-def]
    store = FakeStore()
    for user in (ADMIN, CLINICIAN, ANALYST):
        store.repositories["users"].put(user)
    audit = store.repositories["audit"]
    ctx = fake_context(store)
    for i in range(5):
        audit.append(AuditRecord(ctx.now(), CLINICIAN.id, "dr.a", "clinician", AuditAction.PATIENT_READ, 100 + i,
                                 "success", ""))
    audit.append(AuditRecord(ctx.now(), ADMIN.id, "admin.a", "admin", AuditAction.USER_CREATE, None, "success", ""))
    return store


def admin_service(store: FakeStore, maintenance: FakeDatabaseMaintenance | None = None,
                  **settings: object) -> AdminService:
    return AdminService(fake_context(store, **settings), maintenance or FakeDatabaseMaintenance())


def written(store: FakeStore, before: int) -> list[AuditRecord]:
    return store.repositories["audit"].records[before:]


@pytest.mark.parametrize("section", [AdminSection.USERS, AdminSection.AUDIT_LOG, AdminSection.KEYS,
                                     AdminSection.MODELS, AdminSection.HEALTH])
def test_one_admin_page_view_writes_exactly_one_audit_event_naming_its_section(store, tmp_path, section):
    before = len(store.repositories["audit"].records)
    view = admin_service(store, model_dir=str(tmp_path)).view(ADMIN, section)
    [event] = written(store, before)
    assert view.section is section
    assert (event.action, event.outcome) == (AuditAction.ADMIN_VIEW, AuditOutcome.SUCCESS)
    assert event.detail.startswith(f"section={section.value} ")


def test_the_users_view_shows_every_account_and_says_how_many(store):
    view = admin_service(store).view(ADMIN, "users")
    assert [a.username for a in view.accounts] == ["admin.a", "an.a", "dr.a"]
    assert store.repositories["audit"].records[-1].detail == "section=users accounts=3"


def test_the_audit_log_view_filters_and_names_the_filter_in_its_audit_event(store):
    view = admin_service(store).view(ADMIN, AdminSection.AUDIT_LOG,
                                     audit_filter=AuditFilter(action=AuditAction.PATIENT_READ))
    assert len(view.audit_entries) == 5 and {e.action for e in view.audit_entries} == {AuditAction.PATIENT_READ}
    assert view.audit_entries[0].patient_id == 104  # newest first
    assert AuditAction.ADMIN_VIEW in view.audit_actions and len(view.accounts) == 3
    assert store.repositories["audit"].records[-1].detail == "section=audit_log rows=5 action=patient.read"


def test_the_keys_view_reports_values_under_older_keys(store):
    view = admin_service(store, FakeDatabaseMaintenance(stale_values=7)).view(ADMIN, "keys")
    assert view.key_status is not None and view.key_status.stale == 7 and not view.key_status.complete
    assert store.repositories["audit"].records[-1].detail == "section=keys keys=1 values=40 stale=7"


def test_an_unreachable_database_is_reported_without_an_audit_event_and_still_refuses_a_clinician(store):
    before = len(store.repositories["audit"].records)
    down = FakeDatabaseMaintenance(reachable=False)
    health = admin_service(store, down).view(ADMIN, "health").health
    assert health is not None and not health.db_reachable and "NOVAMIND_DATABASE_URL" in health.checks[0].detail
    with pytest.raises(PermissionDenied):
        admin_service(store, down).health(CLINICIAN)
    assert written(store, before) == []


@pytest.mark.parametrize("call", [
    lambda s: s.view(CLINICIAN, "users"),
    lambda s: s.view(ANALYST, "audit_log"),
    lambda s: s.view(CLINICIAN, "keys"),
    lambda s: s.health(CLINICIAN),
    lambda s: s.key_status(ANALYST),
    lambda s: s.audit_csv(CLINICIAN),
], ids=["users-view", "audit-view", "keys-view", "health", "key_status", "audit_csv"])
def test_admin_operations_are_refused_to_clinicians_and_analysts_and_the_refusal_is_audited(store, call):
    before = len(store.repositories["audit"].records)
    with pytest.raises(PermissionDenied):
        call(admin_service(store))
    [event] = written(store, before)
    assert event.outcome == AuditOutcome.DENIED and event.user_id in (CLINICIAN.id, ANALYST.id)


def test_the_audit_export_stops_at_its_row_limit_and_refuses_a_limit_beyond_the_cap(store):
    service = admin_service(store)
    rows = list(csv.DictReader(io.StringIO(service.audit_csv(ADMIN, limit=2).decode("utf-8"))))
    assert len(rows) == 2 and rows[0]["action"] == AuditAction.USER_CREATE and rows[0]["hash"]
    assert store.repositories["audit"].records[-1].detail == "rows=2"
    before = len(store.repositories["audit"].records)
    with pytest.raises(ValidationError, match="export limit"):
        service.audit_csv(ADMIN, limit=MAX_AUDIT_EXPORT_ROWS + 1)
    assert written(store, before) == []


def test_key_rotation_is_audited_once_with_its_counts(store):
    maintenance = FakeDatabaseMaintenance(stale_values=7)
    report = KeyService(fake_context(store), maintenance).rotate(ADMIN)
    assert report.values_rotated == 7 and maintenance.rotations == 1
    event = store.repositories["audit"].records[-1]
    assert event.action == AuditAction.KEYS_ROTATE and "rotated=7" in event.detail


def test_key_rotation_is_refused_to_a_clinician_before_any_value_is_touched(store):
    maintenance = FakeDatabaseMaintenance(stale_values=7)
    with pytest.raises(PermissionDenied):
        KeyService(fake_context(store), maintenance).rotate(CLINICIAN)
    assert maintenance.rotations == 0
