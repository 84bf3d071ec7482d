"""Clinical alerts raised by services when data arrives (never by a page)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum


class AlertKind(str, Enum):
    """Alert kinds in display priority order (item 9 first: docs/science.md §2, shown regardless of the total).

    ``ITEM9`` is the self-harm risk alert: PHQ-9 item 9 above 0, or a positive C-SSRS screener (any yes; its triage
    level is the alert's ``value``). Either closes only through a documented risk review. The stored value stays
    ``"item9"`` (never rename a stored value)."""

    ITEM9 = "item9"
    WORSENING = "worsening"
    OVERDUE = "overdue"

    @property
    def priority(self) -> int:
        return {"item9": 0, "worsening": 1, "overdue": 2}[self.value]


#: Stored at the start of a patient-reported item-9 alert's message (see :attr:`Alert.urgent`).
URGENT_PREFIX = "URGENT: "
#: Alert kinds in clinicians' words.
ALERT_WORDS = {"item9": "Self-harm item", "worsening": "Worsening", "overdue": "Overdue"}
#: The words of a self-harm alert raised by a whole suicide-risk screener (the C-SSRS screener) rather than an item.
SCREEN_ALERT_WORDS = {"C-SSRS": "Suicide risk screen"}


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

    @property
    def urgent(self) -> bool:
        """A patient-reported item-9 alert (answered by link or at the kiosk): the care team was e-mailed."""
        return self.message.startswith(URGENT_PREFIX)

    @property
    def text(self) -> str:
        """The alert in words for every screen: ``"Urgent · Self-harm item: PHQ-9 item 9 ..."``,
        ``"Suicide risk screen: C-SSRS screener, high risk ..."`` (no raw kind codes, no storage prefix)."""
        message = self.message.removeprefix(URGENT_PREFIX)
        kind = ALERT_WORDS.get(self.kind.value, self.kind.value.capitalize())
        if self.kind is AlertKind.ITEM9:
            kind = SCREEN_ALERT_WORDS.get(self.instrument or "", kind)
        return f"{'Urgent · ' if self.urgent else ''}{kind}: {message}"


def sort_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """The order a clinician reads alerts in: open before acknowledged; within each, item 9 (thoughts of self-harm)
    first, then worsening, then overdue; newest first within a kind.

    The one ordering of the app: the alerts tab, the banner and the services all use it.
    """
    return sorted(alerts, key=lambda a: (not a.open, a.kind.priority,
                                         -(a.raised_at.timestamp() if a.raised_at else 0.0)))
