"""Widgets of the clinic outcomes page: controls that return the lead's choices, and aggregate cards and tables.

Nothing here reads data: the page calls ``services.outcomes.report`` once and passes the report in. Everything shown is
aggregate (no patient is named); counts from 1 to 4 read "<5" (docs/ux.md; official-statistics practice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components.outcomes.charts import eligible_text
from components.outcomes.report_view import (
    GROUP_WORDS,
    STANDARD_NAMES,
    HeadlineCell,
    headline,
    measure_name,
    rate_words,
)
from novamind_core.analytics.clinic_report_types import GroupOutcomes, OutcomeReport

KEY_PREFIX = "nm_oc_"
DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class OutcomeControls:
    """What the lead chose: the standard, the period, the grouping and month or quarter."""

    standard: str
    start: date
    end: date
    by: str
    period: str


def controls(today: date | None = None) -> OutcomeControls:
    """One row of controls; the period defaults to the last 12 months ending today."""
    today = today or date.today()
    c1, c2, c3, c4, c5 = st.columns([1.6, 1, 1, 1.1, 1])
    standard = c1.radio("Standard", list(STANDARD_NAMES), format_func=STANDARD_NAMES.__getitem__,
                        key=KEY_PREFIX + "standard", horizontal=False,
                        help="NHS Talking Therapies counts episodes that closed in the period; the US measures count "
                             "episodes whose 6- or 12-month window ends in it.")
    start = c2.date_input("From", value=today - timedelta(days=365), max_value=today, key=KEY_PREFIX + "from",
                          format="DD/MM/YYYY")
    end = c3.date_input("To", value=today, max_value=today, key=KEY_PREFIX + "to", format="DD/MM/YYYY")
    by = c4.selectbox("Group by", list(GROUP_WORDS), format_func=lambda g: GROUP_WORDS[g].capitalize(),
                      key=KEY_PREFIX + "by")
    period = c5.radio("Over time by", ["month", "quarter"], format_func=str.capitalize, key=KEY_PREFIX + "period",
                      horizontal=True)
    return OutcomeControls(str(standard), start, end, str(by), str(period))  # type: ignore[arg-type]


def headline_cards(cells: Sequence[HeadlineCell]) -> None:
    """A row of cards: each measure's rate, its 95% interval and the episodes it rests on."""
    columns = st.columns(max(len(cells), 1))
    for col, cell in zip(columns, cells, strict=False):
        col.metric(cell.name, cell.value, help=f"{cell.interval}; {cell.basis}.")
        col.caption(f"{cell.interval} · {cell.basis}")


def groups_table(report: OutcomeReport) -> pd.DataFrame:
    """One row per group: every episode counted, each measure's rate with its interval and the eligible episodes it
    rests on (the chart's n, :func:`eligible_text`; "<5" when suppressed), and completeness."""
    word = GROUP_WORDS.get(report.by or "clinician", "group").capitalize()
    rows = []
    for g in report.groups:
        row: dict[str, str] = {word: g.label, EPISODES_COLUMN: _count(g.episodes)}
        for r in g.rates:
            value, interval, _ = rate_words(r)
            row[measure_name(report, r.label)] = value if r.suppressed or r.rate.estimate is None else \
                f"{value} ({interval}; {eligible_text(r)})"
        row["Data completeness"] = rate_words(g.completeness)[0]
        rows.append(row)
    return pd.DataFrame(rows)


EPISODES_COLUMN = "Episodes (all counted)"
"""Every episode of the group in the period; a measure's rate rests on its eligible ones (fewer when scores miss)."""


def _count(n: int) -> str:
    return "<5" if 0 < n < 5 else f"{n:,}"


def group_picker(report: OutcomeReport) -> GroupOutcomes | None:
    """Choose one group (e.g. a clinician) to see their figures; None for the whole clinic."""
    word = GROUP_WORDS.get(report.by or "clinician", "group")
    labels = [g.label for g in report.groups]
    choice = st.selectbox(f"Open a {word}'s figures", ["(whole clinic)", *labels], key=KEY_PREFIX + "open")
    return next((g for g in report.groups if g.label == choice), None)


def group_detail(report: OutcomeReport, group: GroupOutcomes) -> None:
    word = GROUP_WORDS.get(report.by or "clinician", "group")
    st.subheader(f"{group.label}")
    st.caption(f"Figures for this {word}: {_count(group.episodes)} episodes counted in the period.")
    headline_cards(headline(group, report))


def definitions_list(report: OutcomeReport) -> None:
    for d in report.definitions:
        st.markdown(f"**{d.name}**: {d.definition}  \nSource: _{d.source}_")
    st.caption(f"An episode opens at referral or the first assessment and closes at discharge, or after "
               f"{report.episode_gap_days} days without contact.")


__all__ = ["OutcomeControls", "controls", "definitions_list", "group_detail", "group_picker", "groups_table",
           "headline_cards"]
