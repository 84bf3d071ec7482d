"""The wearable panel's view on the in-memory unit of work: one call, one audit event, the right window."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from novamind_core.domain.errors import PermissionDenied
from novamind_core.domain.users import Role, User
from novamind_core.domain.wearables import DailySummary
from novamind_core.services.wearables import WEARABLES_READ, WearableService
from tests.fakes.uow import FakeStore, fake_context

CLINICIAN = User(id=7, username="dr.a", display_name="Dr A", role=Role.CLINICIAN)
PATIENT = 5
TODAY = date(2026, 6, 1)  # fake_context's clock: 2026-06-01 09:00 UTC


class CareTeams:
    """The two patient-repository reads the authorisation needs (patient 5, cared for by user 7)."""

    def exists(self, patient_id: int) -> bool:
        return patient_id == PATIENT

    def care_team(self, patient_id: int) -> tuple[int, ...]:
        return (7,) if patient_id == PATIENT else ()


@pytest.fixture
def store() -> FakeStore:
    s = FakeStore()
    s.repositories["users"].put(CLINICIAN)
    s.repositories["patients"] = CareTeams()
    return s


def put_minutes(store: FakeStore, first: date, n_days: int) -> None:
    days = [first + timedelta(days=k) for k in range(n_days)]
    store.repositories["wearables"].replace_minute_days(PATIENT, days, np.ones((n_days, 1440)), "watch", None)


def test_the_panel_view_holds_the_recent_window_and_summaries_and_writes_one_audit_event(store):
    put_minutes(store, TODAY - timedelta(days=40), 41)
    store.repositories["wearables"].replace_daily(PATIENT, [DailySummary(TODAY - timedelta(days=k), "watch", 5000)
                                                            for k in range(120)])
    view = WearableService(fake_context(store)).biometrics(CLINICIAN, PATIENT, 14)
    assert view.minute_days == tuple(TODAY - timedelta(days=k) for k in range(13, -1, -1))
    assert view.counts.shape == (14, 1440)
    assert len(view.summaries) == 91 and view.summaries[0].day == TODAY - timedelta(days=90)
    [record] = store.repositories["audit"].records
    assert (record.action, record.patient_id) == (WEARABLES_READ, PATIENT)
    assert "window=14 minute days=14 daily rows=91" in record.detail


def test_an_older_recording_shows_its_own_last_window_of_days(store):
    put_minutes(store, date(2025, 1, 1), 30)
    view = WearableService(fake_context(store)).biometrics(CLINICIAN, PATIENT, 14)
    assert view.minute_days[0] == date(2025, 1, 17) and view.minute_days[-1] == date(2025, 1, 30)
    assert not view.empty


def test_a_patient_without_wearable_data_gets_an_empty_view(store):
    assert WearableService(fake_context(store)).biometrics(CLINICIAN, PATIENT).empty


def test_a_clinician_off_the_care_team_is_refused(store):
    stranger = store.repositories["users"].put(User(8, "dr.b", "Dr B", Role.CLINICIAN))
    with pytest.raises(PermissionDenied):
        WearableService(fake_context(store)).biometrics(stranger, PATIENT)
