"""Note templates: a follow-up, a medication review and a risk review, filled in from the chart as it is today.

A template is text the clinician then edits; it only pulls in facts the chart already holds (the latest score of each
questionnaire with its change since the baseline, active medications, medication changes since the last visit,
open alerts) and leaves headed spaces for what only the clinician can write. Each fact carries its unit or scale
(``PHQ-9 14/27``, ``sertraline 100 mg daily``, dates as ``12 Mar 2026``), so the note stands on its own when printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from enum import Enum

from novamind_core.domain.alerts import Alert
from novamind_core.domain.dates import day_month_year
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.medications import MedicationOrder
from novamind_core.domain.records import AssessmentRecord

#: How far back "changes" reach when the chart does not say when the patient was last seen, days.
RECENT_CHANGES_DAYS = 42


class NoteTemplate(str, Enum):
    FOLLOW_UP = "follow-up"
    MEDICATION_REVIEW = "medication review"
    RISK_REVIEW = "risk review"

    @classmethod
    def parse(cls, value: str | NoteTemplate) -> NoteTemplate:
        try:
            return cls(value)
        except ValueError:
            raise ValidationError(f"unknown note template {value!r}; known: {', '.join(t.value for t in cls)}",
                                  field="template", value=value) from None


def _d(on: date) -> str:
    return day_month_year(on)


def score_lines(assessments: Sequence[AssessmentRecord]) -> list[str]:
    """One line per questionnaire: latest total with its maximum and band, and the change since the first score."""
    by_instrument: dict[str, list[AssessmentRecord]] = {}
    for a in sorted(assessments, key=lambda a: (a.administered_on, a.id)):
        by_instrument.setdefault(a.instrument.value, []).append(a)
    out = []
    for name, rows in by_instrument.items():
        first, last = rows[0], rows[-1]
        line = f"- {name} {last.total}/{last.instrument.max_total} ({last.severity}) on {_d(last.administered_on)}"
        if len(rows) > 1:
            line += f"; {last.total - first.total:+d} points since baseline {first.total} ({_d(first.administered_on)})"
        out.append(line)
    return out or ["- no questionnaire scores recorded"]


def medication_lines(orders: Sequence[MedicationOrder]) -> list[str]:
    active = [m for m in orders if m.active]
    return [f"- {m.describe()} since {_d(m.start_date)}" for m in active] or ["- no active medication"]


def change_lines(orders: Sequence[MedicationOrder], since: date) -> list[str]:
    """Medication starts, dose changes, switches and stops on or after ``since``, oldest first."""
    events: list[tuple[date, str]] = []
    for m in orders:
        if m.start_date >= since:
            verb = {"start": "started", "titrate": "dose changed to", "switch": "switched to"}[m.change_kind.value]
            events.append((m.start_date, f"- {_d(m.start_date)}: {verb} {m.describe()}"))
        if m.stop_date is not None and m.stop_date >= since and not any(
                o.previous_id == m.id for o in orders):  # a titration's closing is shown as the new dose
            events.append((m.stop_date, f"- {_d(m.stop_date)}: stopped {m.drug}"))
    return [text for _, text in sorted(events)] or [f"- no medication changes since {_d(since)}"]


def alert_lines(alerts: Sequence[Alert]) -> list[str]:
    return [f"- {a.text}" for a in alerts if a.open] or ["- no open alerts"]


def render_template(template: NoteTemplate | str, today: date, assessments: Sequence[AssessmentRecord],
                    orders: Sequence[MedicationOrder], alerts: Sequence[Alert] = (),
                    since: date | None = None) -> str:
    """The template's text for a note written ``today`` (plain text: what the clinician sees is what is saved)."""
    kind = NoteTemplate.parse(template)
    since = since or today - timedelta(days=RECENT_CHANGES_DAYS)
    scores = "\n".join(score_lines(assessments))
    meds = "\n".join(medication_lines(orders))
    changes = "\n".join(change_lines(orders, since))
    open_alerts = "\n".join(alert_lines(alerts))
    if kind is NoteTemplate.FOLLOW_UP:
        return (f"Follow-up review, {_d(today)}\n\nPresentation:\n\n\nScores:\n{scores}\n\n"
                f"Medication changes since {_d(since)}:\n{changes}\n\nCurrent medication:\n{meds}\n\n"
                f"Risk:\n{open_alerts}\n\nPlan:\n")
    if kind is NoteTemplate.MEDICATION_REVIEW:
        return (f"Medication review, {_d(today)}\n\nCurrent medication:\n{meds}\n\n"
                f"Changes since {_d(since)}:\n{changes}\n\nScores:\n{scores}\n\n"
                "Adherence:\n\nSide effects:\n\nInteractions checked:\n\nDecision and reason:\n")
    return (f"Risk review, {_d(today)}\n\nOpen alerts:\n{open_alerts}\n\nScores:\n{scores}\n\n"
            f"Current medication:\n{meds}\n\nRisk factors:\n\nProtective factors:\n\nRisk formulation:\n\n"
            "Safety plan discussed:\n\nAction taken and follow-up date:\n")
