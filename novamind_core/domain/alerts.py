"""Clinical alerts raised by services when data arrives (never by a page)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum


class AlertKind(str, Enum):
    """Alert kinds in display priority order (item 9 first: docs/science.md §2, shown regardless of the total)."""

    ITEM9 = "item9"
    WORSENING = "worsening"
    OVERDUE = "overdue"

    @property
    def priority(self) -> int:
        return {"item9": 0, "worsening": 1, "overdue": 2}[self.value]


@dataclass(frozen=True)
class Alert:
    """An alert. ``id`` is ``None`` for the computed overdue alert, which clears itself when an assessment arrives."""

    id: int | None
    patient_id: int
    kind: AlertKind
    raised_at: datetime
    message: str
    instrument: str | None = None
    assessment_id: int | None = None
    value: int | None = None
    observed_on: date | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = None
    acknowledged_by_name: str | None = None

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None


def sort_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """The order a clinician reads alerts in: open before acknowledged; within each, item 9 (thoughts of self-harm)
    first, then worsening, then overdue; newest first within a kind.

    The one ordering of the app: the alerts tab, the banner and the services all use it.
    """
    return sorted(alerts, key=lambda a: (not a.open, a.kind.priority,
                                         -(a.raised_at.timestamp() if a.raised_at else 0.0)))
