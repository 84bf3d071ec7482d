"""The chart's episodes of care: when each opened and closed (and why), baseline -> final per questionnaire, and the
outcome by each definition, labelled apart: the Jacobson-Truax reliable change index, and the NHS Talking Therapies
measures (caseness, reliable change in fixed points, recovery) the clinic's outcome figures count.

Everything shown comes from the chart's one view call (``PatientChart.episodes``, built by
:func:`novamind_core.services.outcomes.episode_outcomes`); this module only words and lays it out
(``docs/outcomes.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from components.shared.theme import format_date
from novamind_core.domain.assessments import ChangeSummary
from novamind_core.domain.episodes import DEFAULT_EPISODE_GAP_DAYS, Episode, EpisodeCloseReason
from novamind_core.domain.outcomes import TalkingTherapiesChange, TalkingTherapiesOutcome
from novamind_core.services.outcomes import EpisodeOutcomes

TALKING_THERAPIES = "NHS Talking Therapies outcome"
RELIABLE_CHANGE = "Reliable change (Jacobson-Truax)"
NOT_FINISHED = ("not counted yet: a course counts when the episode closes with PHQ-9 and GAD-7 each scored on two "
                "dates")
NOT_A_COURSE = "not a finished course (PHQ-9 and GAD-7 were not each scored on two dates)"


def episode_heading(e: Episode) -> str:
    """``"Episode 2 · opened 05 Jan 2026 · closed 12 Apr 2026 (discharged)"`` (or open, or closed for no contact)."""
    head = f"Episode {e.number} · opened {format_date(e.opened_on)}"
    if e.close_reason is EpisodeCloseReason.DISCHARGED:
        return f"{head} · closed {format_date(e.closed_on)} (discharged)"
    if e.close_reason is EpisodeCloseReason.NO_CONTACT:
        return (f"{head} · closed {format_date(e.closed_on)} (no contact for more than {DEFAULT_EPISODE_GAP_DAYS} "
                "days after it)")
    return f"{head} · open (last contact {format_date(e.last_contact_on)})"


def reliable_change_words(c: ChangeSummary | None) -> str:
    """Jacobson-Truax: ``"reliable improvement (RCI -3.10)"``; an empty string without a baseline-final pair."""
    if c is None:
        return ""
    verdict = ("reliable improvement" if c.reliable_improvement else
               "reliable deterioration" if c.reliable_deterioration else "no reliable change")
    return f"{verdict} (RCI {c.rci:+.2f})" if c.rci is not None else verdict


def talking_therapies_change_words(c: TalkingTherapiesChange | None) -> str:
    """One questionnaire by the programme's rules: ``"case -> not a case; reliable improvement"``."""
    if c is None:
        return ""

    def case(flag: bool) -> str:
        return "case" if flag else "not a case"

    verdict = ("reliable improvement" if c.reliable_improvement else
               "reliable deterioration" if c.reliable_deterioration else "no reliable change")
    return f"{case(c.caseness_baseline)} → {case(c.caseness_current)}; {verdict}"


def talking_therapies_words(o: TalkingTherapiesOutcome) -> str:
    """The course's outcome in the programme's words (both questionnaires together)."""
    if o.reliable_recovery:
        words = "reliable recovery (a case at the start, below caseness on both at the end, and reliably improved)"
    elif o.recovery:
        words = "recovery (below caseness on both at the end), without reliable improvement"
    elif o.reliable_improvement:
        words = "reliable improvement" + (", still a case at the end" if o.case_at_end else "")
    elif o.reliable_deterioration:
        words = "reliable deterioration"
    else:
        words = "no reliable change"
    if not o.case_at_start:
        words += "; not a case at the start, so outside the recovery count"
    return words


def episode_outcome_line(view: EpisodeOutcomes) -> str:
    """``"NHS Talking Therapies outcome: reliable recovery (...)"``, or why the episode is not (yet) counted."""
    if view.talking_therapies is not None:
        return f"{TALKING_THERAPIES}: {talking_therapies_words(view.talking_therapies)}."
    return f"{TALKING_THERAPIES}: {NOT_FINISHED if not view.episode.is_closed else NOT_A_COURSE}."


def _score(total: int, on: str) -> str:
    return f"{total} ({on})"


def episode_rows(view: EpisodeOutcomes) -> list[dict[str, str]]:
    """One row per questionnaire scored in the episode: baseline -> final and the change by each definition."""
    jt = {c.instrument: c for c in view.reliable_change}
    tt = {c.instrument: c for c in view.talking_therapies_changes}
    rows = []
    for s in view.episode.scores:
        rows.append({
            "Questionnaire": s.instrument.value,
            "Baseline": _score(s.baseline, format_date(s.baseline_on)),
            "Final": _score(s.final, format_date(s.final_on)) if s.has_pair else "one score only",
            "Change": f"{s.change:+d}" if s.has_pair else "",
            RELIABLE_CHANGE: reliable_change_words(jt.get(s.instrument)),
            "Talking Therapies (caseness; reliable change)": talking_therapies_change_words(tt.get(s.instrument)),
        })
    return rows


def episodes_section(episodes: Sequence[EpisodeOutcomes]) -> None:
    """The episodes, newest first, in one expander under the trajectory."""
    with st.expander(f"Episodes of care ({len(episodes)})", icon=":material/event_note:"):
        if not episodes:
            st.info("No episode of care yet: one opens at registration or the first scored questionnaire.",
                    icon=":material/event_note:")
            return
        for view in episodes:
            e = view.episode
            st.markdown(f"**{episode_heading(e)}**")
            if e.scores:
                st.dataframe(pd.DataFrame(episode_rows(view)), hide_index=True, width="stretch")
            else:
                st.caption("No questionnaire scored in this episode.")
            st.caption(episode_outcome_line(view))
        st.caption("An episode opens at registration (the referral) or the first scored questionnaire and closes at "
                   f"discharge or after {DEFAULT_EPISODE_GAP_DAYS} days without contact. Reliable change "
                   "(Jacobson-Truax) uses each questionnaire's reliability; NHS Talking Therapies uses fixed points "
                   "(PHQ-9 6, GAD-7 4) and caseness (PHQ-9 10 or more, GAD-7 8 or more).")
