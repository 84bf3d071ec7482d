"""Measured drug levels through the real service and repository, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from novamind_core.domain.errors import PermissionDenied


def test_a_recorded_level_is_read_back_in_sample_order_with_its_forecast(services, clinician, patient, clock):
    pid = patient.id
    now = clock()
    start = (now - timedelta(days=10)).date()
    services.medications.add(clinician, pid, "escitalopram", 10, start_date=start)
    later = now - timedelta(hours=2)
    earlier = now - timedelta(days=2)
    services.drug_levels.record(clinician, pid, "escitalopram", 30.0, later)
    services.drug_levels.record(clinician, pid, "escitalopram", 25.0, earlier)
    view = services.drug_levels.view(clinician, pid, "escitalopram")
    assert [lv.concentration_ng_ml for lv in view.levels] == [25.0, 30.0]
    assert view.levels[0].sampled_at.tzinfo is not None
    assert view.forecast is not None and len(view.forecast.forecast.levels) == 2


def test_a_clinician_outside_the_care_team_cannot_read_levels(services, other_clinician, patient):
    pid = patient.id
    with pytest.raises(PermissionDenied):
        services.drug_levels.view(other_clinician, pid)
