"""Chart exports are checked and audited by the patients service before a file leaves the server."""

from __future__ import annotations

import pytest

from novamind_core.domain.errors import PermissionDenied, ValidationError


def _exports(services, admin):
    return [r for r in services.audit.query(admin, patient_id=None) if r.action.startswith("export.")]


@pytest.mark.parametrize("kind,action", [("csv", "export.csv"), ("html", "export.html"), ("pdf", "export.pdf")])
def test_a_chart_export_writes_one_audit_event_naming_its_kind(services, clinician, patient, admin, kind, action):
    services.patients.record_export(clinician, patient.id, kind)
    rows = [r for r in _exports(services, admin) if r.patient_id == patient.id]
    assert [(r.action, r.outcome) for r in rows] == [(action, "success")]


def test_a_clinician_outside_the_care_team_cannot_export_and_the_refusal_is_audited(
        services, other_clinician, patient, admin):
    with pytest.raises(PermissionDenied):
        services.patients.record_export(other_clinician, patient.id, "csv")
    rows = [r for r in _exports(services, admin) if r.patient_id == patient.id]
    assert [(r.action, r.outcome) for r in rows] == [("export.csv", "denied")]


def test_an_unknown_export_kind_is_refused_with_the_allowed_kinds(services, clinician, patient):
    with pytest.raises(ValidationError, match="csv, html, pdf"):
        services.patients.record_export(clinician, patient.id, "docx")
