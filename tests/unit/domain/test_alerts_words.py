"""One wording for alerts on every screen (banner, alerts tab): no raw kind codes or storage prefixes."""

from __future__ import annotations

from datetime import UTC, datetime

from novamind_core.domain.alerts import URGENT_PREFIX, Alert, AlertKind


def alert(kind: AlertKind, message: str) -> Alert:
    return Alert(id=1, patient_id=1, kind=kind, raised_at=datetime(2026, 6, 1, tzinfo=UTC), message=message)


def test_a_patient_reported_item9_alert_reads_urgent_in_words_without_the_storage_prefix():
    a = alert(AlertKind.ITEM9, f"{URGENT_PREFIX}PHQ-9 item 9 answered 2 on 01 Jun 2026 (patient, remote link)")
    assert a.urgent
    assert a.text == "Urgent · Self-harm item: PHQ-9 item 9 answered 2 on 01 Jun 2026 (patient, remote link)"


def test_a_clinician_entered_alert_is_not_urgent_and_names_its_kind_in_words():
    a = alert(AlertKind.WORSENING, "PHQ-9 rose by 6 points")
    assert not a.urgent and a.text == "Worsening: PHQ-9 rose by 6 points"
    assert "worsening:" not in a.text and "item9" not in alert(AlertKind.ITEM9, "x").text
