"""The caseload as a table: ``CaseloadRow`` objects -> a pandas DataFrame and its severity styling (pure)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from pandas.io.formats.style import Styler

from components.shared.theme import ALERT_RED, format_date, severity_colour
from components.shared.ui import TEXT_DARK, tint, trend_arrow
from novamind_core.domain.caseload import SEVERITY_NAMES, SORT_KEYS
from novamind_core.domain.instruments import SHORT_BAND_NAMES
from novamind_core.domain.records import CaseloadRow
from novamind_core.domain.reporting import MeasurementState

SORT_LABELS: dict[str, str] = {
    "priority": "Needs attention first",
    "phq9": "Latest PHQ-9",
    "gad7": "Latest GAD-7",
    "last_assessed": "Last assessed",
    "next_due": "Next assessment due",
    "registered": "Registered",
    "name": "Name",
}
"""Caseload sort keys (:data:`novamind_core.domain.caseload.SORT_KEYS`) with the words shown in the menu (short
enough for the menu's width: :data:`SORT_HELP` says what "needs attention first" means)."""
SORT_HELP = "Needs attention first: self-harm risk, then open alerts, then the highest PHQ-9."
assert tuple(SORT_LABELS) == SORT_KEYS, "every caseload sort key needs its menu words, in the same order"

SEVERITY_FILTERS: tuple[str, ...] = SEVERITY_NAMES
"""The severity filter's choices: the PHQ-9 and GAD-7 band names, defined once in the domain."""

COLUMNS: tuple[str, ...] = ("Alerts", "Name", "MRN", "Age", "Primary diagnosis", "PHQ-9", "PHQ-9 trend", "GAD-7",
                            "GAD-7 trend", "Questionnaires", "Days since assessed", "Next due", "Medications")

FIRST_SCREEN_WIDTH_PX = 960
"""The table's width at a 1280 px screen with the sidebar open (wide layout, 256 px sidebar, the 1.5 rem side
padding of ``components/shared/layout.py``)."""

COLUMN_ORDER: tuple[str, ...] = ("Name", "Alerts", "PHQ-9", "PHQ-9 trend", "GAD-7", "GAD-7 trend", "Questionnaires",
                                 "Next due", "Days since assessed", "MRN", "Age", "Primary diagnosis", "Medications")
"""What the table shows, left to right: the triage columns first (Name to Next due fit in
:data:`FIRST_SCREEN_WIDTH_PX`), then the rest, reachable by scrolling sideways while the pinned Name stays."""
assert sorted(COLUMN_ORDER) == sorted(COLUMNS), "the shown order names every column once"
TRIAGE_COLUMNS = COLUMN_ORDER[:COLUMN_ORDER.index("Next due") + 1]

COLUMN_WIDTHS_PX: dict[str, int] = {
    "Name": 150, "Alerts": 110, "PHQ-9": 135, "PHQ-9 trend": 75, "GAD-7": 120, "GAD-7 trend": 75,
    "Questionnaires": 100, "Next due": 195, "Days since assessed": 70, "MRN": 100, "Age": 55,
    "Primary diagnosis": 220, "Medications": 240,
}
"""Each column's width in pixels (the triage columns add up to no more than :data:`FIRST_SCREEN_WIDTH_PX`)."""
assert sum(COLUMN_WIDTHS_PX[c] for c in TRIAGE_COLUMNS) <= FIRST_SCREEN_WIDTH_PX, "the triage columns fit at 1280 px"

#: An icon beside each questionnaire state's words (never colour alone); the chart's Questionnaires tab uses them too.
STATE_ICONS: dict[MeasurementState, str] = {
    MeasurementState.NO_PLAN: "○", MeasurementState.PAUSED: "‖", MeasurementState.NOT_DUE: "·",
    MeasurementState.DUE: "●", MeasurementState.OVERDUE: "⚠", MeasurementState.COMPLETED: "✓",
}
assert set(STATE_ICONS) == set(MeasurementState), "every questionnaire state needs its icon"


def state_text(state: MeasurementState) -> str:
    """``"⚠ Overdue"``, ``"○ No plan"``: what the caseload column and the chart's Questionnaires tab say."""
    return f"{STATE_ICONS[state]} {state.label}"


def score_text(total: int | None, band: str | None) -> str:
    """``"16 · mod. severe"``: the score and its band, short enough for the caseload's score column."""
    return "—" if total is None else f"{total} · {SHORT_BAND_NAMES.get((band or '').lower(), band)}"


def alert_text(row: CaseloadRow) -> str:
    """``"⚠ risk · 2 open"``, ``"⚠ 1 open · overdue"``, ``"overdue"`` or ``""``: icon and words, not colour alone.
    "Risk" is an open self-harm risk alert (PHQ-9 item 9 or a positive C-SSRS screener; the column's help says so):
    the short word fits the column at 1280 px, where "self-harm risk · 1 open" was cut."""
    parts = []
    if row.item9_alert:
        parts.append("risk")
    if row.open_alerts:
        parts.append(f"{row.open_alerts} open")
    text = "⚠ " + " · ".join(parts) if parts else ""
    if row.overdue:
        text = (text + " · " if text else "") + "overdue"
    return text


def due_text(row: CaseloadRow) -> str:
    if row.next_visit_at is not None:
        visit = f"visit {format_date(row.next_visit_at)}"
    else:
        visit = ""
    due = f"scores {format_date(row.next_assessment_due)}" if row.next_assessment_due else ""
    return " · ".join(p for p in (due, visit) if p) or ("overdue" if row.overdue else "")


def caseload_frame(rows: Sequence[CaseloadRow]) -> pd.DataFrame:
    """One line per patient in the order given (the service already put open alerts first)."""
    data = [{
        "Alerts": alert_text(r),
        "Name": r.full_name,
        "MRN": r.mrn,
        "Age": r.age_years,
        "Primary diagnosis": (f"{r.primary_diagnosis.code} {r.primary_diagnosis.label}" if r.primary_diagnosis
                              else "—"),
        "PHQ-9": score_text(r.phq9_latest, r.phq9_severity),
        "PHQ-9 trend": trend_arrow(r.phq9_trend),
        "GAD-7": score_text(r.gad7_latest, r.gad7_severity),
        "GAD-7 trend": trend_arrow(r.gad7_trend),
        "Questionnaires": state_text(r.questionnaires),
        "Days since assessed": r.days_since_assessment,
        "Next due": due_text(r),
        "Medications": ", ".join(r.active_medications) or "none",
    } for r in rows]
    return pd.DataFrame(data, columns=list(COLUMNS))


def style_caseload(frame: pd.DataFrame, rows: Sequence[CaseloadRow]) -> Styler:
    """Severity colours on the score cells (light tint + dark text, AA contrast), red on open alerts."""
    bands = {"PHQ-9": [r.phq9_severity for r in rows], "GAD-7": [r.gad7_severity for r in rows]}

    def column_style(col: pd.Series) -> list[str]:
        if col.name in bands:
            return [f"background-color: {tint(severity_colour(b), 0.28)}; color: {TEXT_DARK}" if b else ""
                    for b in bands[col.name]]
        if col.name == "Alerts":
            return [f"background-color: {tint(ALERT_RED, 0.15)}; color: {ALERT_RED}; font-weight: 600"
                    if ("⚠" in str(v)) else "" for v in col]
        if col.name == "Questionnaires":
            return [f"color: {ALERT_RED}; font-weight: 600" if str(v).startswith("⚠") else "" for v in col]
        if col.name in ("PHQ-9 trend", "GAD-7 trend"):
            return [f"color: {ALERT_RED}" if str(v).startswith("↑") else "" for v in col]
        return [""] * len(col)

    return frame.style.apply(column_style, axis=0)
