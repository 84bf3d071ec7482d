"""Audit completeness: every PHI-returning service method writes exactly one audit event, naming the patient.

The methods come from the same introspected matrix as the RBAC test. Whether a method returns PHI is not only
declared: the result of a real call is walked for the seeded identifiers and free-text marker, and a method whose
result holds them must be declared ``returns_phi`` (so a method that starts returning PHI cannot slip past).
"""

from __future__ import annotations

import pytest

from tests.security.conftest import ENTRIES, contains_any, phi_needles


def _caller(entry):  # type: ignore[no-untyped-def]
    """The first allowed (role, own) pair, preferring the treating clinician."""
    for pair in (("clinician", True), ("admin", True), ("admin", False), ("analyst", True), ("clinic_lead", True)):
        if pair in entry.allowed:
            return pair
    raise AssertionError("an entry nobody may call")


@pytest.mark.parametrize("method", sorted(ENTRIES))
def test_a_phi_returning_method_writes_exactly_one_audit_event_naming_the_patient(world, method):
    entry = ENTRIES[method]
    role, own = _caller(entry)
    user, pid = world.users[role], world.patient(role, own)
    prepared = entry.setup(world, pid) if entry.setup else None
    target = getattr(prepared, "pid", pid)
    last = world.last_audit_id()
    result = entry.call(world, user, pid, prepared)
    rows = world.audit_rows(last)
    if contains_any(result, phi_needles()):
        assert entry.returns_phi, f"{method} returned PHI but its matrix entry says returns_phi=False"
    if entry.returns_phi:
        assert len(rows) == 1, f"{method} wrote {len(rows)} audit events: {rows}"
        assert rows[0].outcome == "success"
        if entry.scoped:
            assert rows[0].patient_id == target, f"{method} audited patient {rows[0].patient_id}, not {target}"
    else:
        assert len(rows) == entry.audit_events, f"{method}: {rows}"


def test_audit_rows_never_carry_phi_after_every_method_has_run(world):
    for _method, entry in sorted(ENTRIES.items()):
        role, own = _caller(entry)
        pid = world.patient(role, own)
        prepared = entry.setup(world, pid) if entry.setup else None
        entry.call(world, world.users[role], pid, prepared)
    rows = world.audit_rows(0)
    assert len(rows) > len(ENTRIES)
    needles = phi_needles()
    leaked = [r for r in rows if any(n in (r.detail or "") or n in (r.username or "") for n in needles)]
    assert not leaked, f"audit rows with PHI: {leaked}"
    from novamind_core.services.base import SYSTEM_USER

    assert world.services.audit.verify(SYSTEM_USER).ok
