"""The twin-state page's first panel: "How is this patient responding?" (signals, then the options compared).

Takes the :class:`~novamind_core.twin.response_review.ResponseReview` the page's view model carries; draws it, and
returns nothing (no choices). The rows are built by pure functions (:func:`signal_rows`, :func:`outcome_rows`) tested
without Streamlit. Decision support: the wording says "consider", never "switch".
"""

from __future__ import annotations

import streamlit as st

from components.shared.session import once_per_page
from components.shared.theme import DISCLAIMER, format_date
from components.shared.ui import WRAPPED_ROW_PX
from novamind_core.twin.response_review import OptionOutcome, ResponseReview, Signal

#: Symbols in the basic font (DejaVu Sans), not emoji, which draw as empty boxes where no emoji font exists.
STATUS_WORDS = {"ok": "✓ fine", "concern": "⚠ check", "unknown": "? not known"}


#: Finding and Source are sentences: wide columns in rows tall enough to wrap them, not cut them.
#: (Together about the page's width at 1280 px; four lines a row: a source is a long citation.)
SIGNAL_COLUMNS = {"Check": st.column_config.TextColumn(width=120), "Status": st.column_config.TextColumn(width=90),
                  "Finding": st.column_config.TextColumn(width=350),
                  "Source": st.column_config.TextColumn(width=350)}
SIGNAL_ROW_PX = WRAPPED_ROW_PX + 24


def signal_rows(signals: tuple[Signal, ...]) -> list[dict[str, str]]:
    """One row per signal: what was checked, its status in words, the finding with numbers, the source."""
    return [{"Check": s.name, "Status": STATUS_WORDS.get(s.status, s.status), "Finding": s.finding,
             "Source": s.source} for s in signals]


def _percent(p: float | None) -> str:
    return "n/a" if p is None else f"{100 * p:.0f}%"


def outcome_rows(outcomes: tuple[OptionOutcome, ...], horizon_weeks: int) -> list[dict[str, str]]:
    """One row per option: probability of response with its 95% interval and PHQ-9 (median, 90% interval)."""
    rows = []
    for o in outcomes:
        if o.p_response is None:
            rows.append({"Option": o.label, f"Response within {horizon_weeks} weeks": "not modelled",
                         f"PHQ-9 at week {horizon_weeks}": "—", "Assumes": o.assumption})
            continue
        rows.append({"Option": o.label,
                     f"Response within {horizon_weeks} weeks": f"{_percent(o.p_response)} "
                                                               f"({_percent(o.p_low)}–{_percent(o.p_high)})",
                     f"PHQ-9 at week {horizon_weeks}": f"{o.phq9_median:.0f} ({o.phq9_p05:.0f}–{o.phq9_p95:.0f})",
                     "Assumes": o.assumption})
    return rows


def response_review_panel(review: ResponseReview | None) -> None:
    """Draw the question, the course judged, the signals, the options and the assumptions named."""
    if review is None:
        return
    st.subheader(review.question, anchor=False)
    if review.course is None:
        st.info(review.not_assessable or "No course to judge.", icon=":material/info:")
        return
    c = review.course
    st.caption(f"Judging {c.drug} {c.dose_mg_per_day:g} mg/day (this dose since {format_date(c.dose_since)}, the drug "
               f"since {format_date(c.drug_since)}), from this patient's own chart and the twin.")
    st.dataframe(signal_rows(review.signals), hide_index=True, width="stretch", key="nm_twin_review_signals",
                 row_height=SIGNAL_ROW_PX, column_config=SIGNAL_COLUMNS,
                 height=38 + SIGNAL_ROW_PX * len(review.signals))  # every signal in view, no inner scroll
    concerns = [s.name.lower() for s in review.signals if s.status == "concern"]
    if concerns:
        st.markdown(f"**Consider first:** {', '.join(concerns)}: these can explain a poor response before a change "
                    "of drug does.")
    st.markdown(f"**If nothing changes, and the alternatives** (posterior over this patient, "
                f"{review.horizon_weeks} weeks from today)")
    st.dataframe(outcome_rows(review.outcomes, review.horizon_weeks), hide_index=True, width="stretch",
                 key="nm_twin_review_options", row_height=WRAPPED_ROW_PX,
                 column_config={"Assumes": st.column_config.TextColumn(width=350)})
    for line in review.assumptions:
        if line != DISCLAIMER or once_per_page("disclaimer"):  # the disclaimer once per page
            st.caption(line)
