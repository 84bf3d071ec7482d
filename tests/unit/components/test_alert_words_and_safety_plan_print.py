"""Alerts read in clinicians' words wherever they are listed, and the printed safety plan shows typed text as text."""

from __future__ import annotations

from datetime import UTC, date, datetime

from components.patient.risk_print import EMERGENCY_LINE, safety_plan_html
from novamind_core.domain.alerts import URGENT_PREFIX, Alert, AlertKind
from novamind_core.domain.risk import SAFETY_PLAN_STEPS, SafetyPlan, SafetyPlanView
from novamind_core.services.charts import timeline_events

RAISED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_the_timeline_lists_an_urgent_item9_alert_in_words_without_the_storage_prefix():
    alert = Alert(1, 5, AlertKind.ITEM9, RAISED, f"{URGENT_PREFIX}PHQ-9 item 9 (thoughts of self-harm) answered 2")
    [event] = timeline_events((), (), (), (), (alert,))
    assert event.title.startswith("Urgent · Self-harm item: PHQ-9 item 9")
    assert "URGENT:" not in event.title and "item9" not in event.title


def test_the_printed_safety_plan_has_the_six_steps_the_patient_and_escapes_typed_text():
    plan = SafetyPlan.from_mapping({s.key: [f"entry for {s.key}"] for s in SAFETY_PLAN_STEPS}
                                   | {"coping_strategies": ["<script>alert(1)</script> music"]})
    view = SafetyPlanView(5, "Ada <b>Testcase</b>", plan, RAISED, "Dr A", date(2026, 3, 8))
    document = safety_plan_html(view)
    assert all(step.heading in document for step in SAFETY_PLAN_STEPS)
    assert "<script>" not in document and "&lt;script&gt;" in document
    assert "Ada &lt;b&gt;Testcase&lt;/b&gt;" in document and "8 Mar 2026" in document
    assert EMERGENCY_LINE in document
