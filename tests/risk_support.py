"""A complete structured risk review for tests that need an item-9 alert closed (the only way it closes)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

SAFETY_PLAN = {
    "warning_signs": ["Not sleeping", "Withdrawing from friends"],
    "coping_strategies": ["Walk the dog"],
    "distraction_contacts": ["Sister's house"],
    "help_contacts": ["Sister 07700 900123"],
    "professional_contacts": ["Clinic 020 7946 0000", "Crisis line 116 123"],
    "environment_safety": ["Medicines kept locked away by partner"],
}


def complete_review_values(today: date, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for ``services.risk_reviews.complete`` that make a complete review."""
    values: dict[str, Any] = dict(
        cssrs_answers=[1, 1, 0, 0, 0, 0, 0], formulation="Passive ideation; no plan or intent; engaged in care.",
        risk_level="low", safety_plan=SAFETY_PLAN, action_taken="Safety plan agreed; review in clinic.",
        follow_up_on=(today + timedelta(days=7)).isoformat())
    values.update(overrides)
    return values
