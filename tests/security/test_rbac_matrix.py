"""RBAC matrix: every role x every public service method x own/foreign patient.

The methods are enumerated from the Services container (plus the import service); each has an entry in
``tests/security/conftest.py`` saying which (role, own?) pairs may call it. An allowed call succeeds and writes its
audit events; every other pair raises PermissionDenied, writes exactly one ``denied`` audit row and changes no other
table.
"""

from __future__ import annotations

import pytest

from novamind_core.domain.errors import PermissionDenied
from tests.security.conftest import CLINICIAN_OWN, ENTRIES, OWN_CARE_TEAM, ROLES, WORKER_OPERATIONS, public_methods


def test_every_public_service_method_has_a_matrix_entry():
    methods = set(public_methods())
    missing = sorted(methods - set(ENTRIES) - set(WORKER_OPERATIONS))
    stale = sorted((set(ENTRIES) | set(WORKER_OPERATIONS)) - methods)
    assert not missing, f"add these methods to ENTRIES in tests/security/conftest.py: {missing}"
    assert not stale, f"these ENTRIES name methods that no longer exist: {stale}"


def test_no_page_or_component_reaches_the_worker_operations():
    """The worker's methods take no user, so nothing a signed-in browser drives may call them."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    ui_files = [root / "app.py", *(root / "pages").rglob("*.py"), *(root / "components").rglob("*.py")]
    offenders = [str(f.relative_to(root)) for f in ui_files
                 if "services.notifications" in f.read_text(encoding="utf-8")
                 or ".notifications." in f.read_text(encoding="utf-8")]
    assert offenders == []


def test_unaudited_methods_say_why_and_return_no_patient_data():
    for name, entry in ENTRIES.items():
        if entry.audit_events == 0:
            assert entry.why_unaudited, name
            assert not entry.returns_phi, name


@pytest.mark.parametrize("method", sorted(ENTRIES))
def test_each_role_may_call_the_method_only_on_the_patients_the_matrix_allows(world, method):
    entry = ENTRIES[method]
    if method not in public_methods():
        pytest.fail(f"{method} is in the matrix but not a public service method")
    for role in ROLES:
        for own in (True, False):
            user = world.users[role]
            pid = world.patient(role, own)
            prepared = entry.setup(world, pid) if entry.setup else None
            counts, last = world.table_counts(), world.last_audit_id()
            where = f"{method} as {role} on {'own' if own else 'foreign'} patient"
            if (role, own) in entry.allowed:
                entry.call(world, user, pid, prepared)
                rows = world.audit_rows(last)
                assert len(rows) == entry.audit_events, f"{where}: {len(rows)} audit rows {rows}"
                assert all(r.outcome == "success" for r in rows), f"{where}: {rows}"
            else:
                with pytest.raises(PermissionDenied):
                    entry.call(world, user, pid, prepared)
                rows = world.audit_rows(last)
                assert [r.outcome for r in rows] == ["denied"], f"{where}: refusal audited as {rows}"
                assert rows[0].username == user.username, where
                assert world.table_counts() == counts, f"{where}: a refused call changed stored data"


def test_a_deactivated_clinician_is_refused_every_patient_method_on_their_own_patient(world):
    from novamind_core.services.base import SYSTEM_USER

    clin = world.users["clinician"]
    patient_methods = {m: e for m, e in sorted(ENTRIES.items()) if e.allowed == OWN_CARE_TEAM or
                       e.allowed == CLINICIAN_OWN}
    prepared = {m: e.setup(world, world.own_pid) if e.setup else None for m, e in patient_methods.items()}
    world.services.users.deactivate(SYSTEM_USER, clin.id)
    for method, entry in patient_methods.items():
        with pytest.raises(PermissionDenied, match="deactivated"):
            entry.call(world, clin, world.own_pid, prepared[method])
