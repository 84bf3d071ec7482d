"""Item-level questionnaire entry (PHQ-9, GAD-7, ISI) with a live total, severity, and confirmation before saving.

The wording, answer choices and bands come from :mod:`novamind_core.domain.assessments` (defined once). The entry
runs as a fragment, so clicking an answer reruns only this block (a live total without re-reading the whole chart).
Saving is one ``services.assessments.record`` call; alerts are raised by the service, not here.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from components.shared.session import StateKeys, flash
from components.shared.theme import format_date
from components.shared.ui import severity_chip
from novamind_core.domain.assessments import Instrument, band_for, item9_answer
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services


def answer_key(instrument: Instrument, item: int) -> str:
    return f"nm_q_{instrument.name}_{item}"


def date_key(instrument: Instrument) -> str:
    return f"nm_q_{instrument.name}_date"


def current_answers(instrument: Instrument) -> list[int | None]:
    return [st.session_state.get(answer_key(instrument, i)) for i in range(1, instrument.item_count + 1)]


def reset_answers(instrument: Instrument) -> None:
    for i in range(1, instrument.item_count + 1):
        st.session_state.pop(answer_key(instrument, i), None)
    st.session_state.pop(date_key(instrument), None)


def live_summary(instrument: Instrument, answers: list[int | None]) -> str:
    """``"Total 14 of 27 · moderate"`` once complete; ``"12 so far · 7 of 9 answered"`` before."""
    given = [a for a in answers if a is not None]
    if len(given) < len(answers):
        return f"{sum(given)} so far · {len(given)} of {len(answers)} answered"
    total = sum(given)
    return f"Total {total} of {instrument.max_total} · {band_for(instrument, total).label}"


def _questions(instrument: Instrument) -> None:
    spec = instrument.spec
    st.markdown(f"**{spec.title} ({instrument.value})** — {spec.stem}")
    for number, (item, choices) in enumerate(zip(spec.items, spec.choices, strict=True), start=1):
        labels = {c.value: f"{c.value} · {c.label}" for c in choices}
        st.radio(f"{number}. {item}", list(labels), format_func=labels.get, index=None, horizontal=True,
                 key=answer_key(instrument, number))


def _confirm_and_save(services: Services, user: User, patient_id: int, instrument: Instrument) -> None:
    pending = st.session_state.get(StateKeys.PENDING_ASSESSMENT)
    if not pending or pending[0] != instrument.value:
        return
    _, answers, on = pending
    total = sum(answers)
    band = band_for(instrument, total)
    st.warning(f"Save {instrument.value} administered {format_date(on)}: total **{total}** ({band.label})? "
               "Check the answers above before confirming.", icon=":material/fact_check:")
    c1, c2 = st.columns(2)
    if c2.button("Cancel", key=f"nm_q_{instrument.name}_cancel"):
        st.session_state[StateKeys.PENDING_ASSESSMENT] = None
        st.rerun(scope="fragment")
    if c1.button("Confirm and save", type="primary", icon=":material/save:", key=f"nm_q_{instrument.name}_confirm"):
        try:
            result = services.assessments.record(user, patient_id, instrument.value, list(answers), on)
        except ValidationError as exc:
            st.session_state[StateKeys.PENDING_ASSESSMENT] = None
            st.error(f"Not saved: {exc}.", icon=":material/error:")
            return
        st.session_state[StateKeys.PENDING_ASSESSMENT] = None
        reset_answers(instrument)
        saved = result.assessment
        message = f"Saved {instrument.value} {saved.total} ({saved.severity}) for {format_date(saved.administered_on)}."
        if result.alerts:
            message += " Alerts raised: " + "; ".join(a.message for a in result.alerts) + "."
        flash(message)
        st.rerun()


@st.fragment
def assessment_entry(services: Services, user: User, patient_id: int, today: date) -> None:
    """Choose an instrument, answer every item, review the live total, confirm, save."""
    choice = st.segmented_control("Questionnaire", [i.value for i in Instrument], default=Instrument.PHQ9.value,
                                  key="nm_q_instrument")
    instrument = Instrument.parse(choice or Instrument.PHQ9.value)
    left, right = st.columns([3, 1.1])
    with left:
        _questions(instrument)
    answers = current_answers(instrument)
    with right, st.container(border=True):
        st.markdown("**Live score**")
        complete = all(a is not None for a in answers)
        total = sum(a for a in answers if a is not None)
        band = band_for(instrument, total).name if complete else None
        st.markdown(severity_chip(band, live_summary(instrument, answers)), unsafe_allow_html=True)
        item9 = item9_answer(instrument, answers)
        if item9:
            st.error(f"Item 9 (thoughts of self-harm) answered {item9}: an alert will be raised. Assess risk "
                     "today.", icon=":material/emergency:")
        on = st.date_input("Date administered", value=today, max_value=today, format="DD/MM/YYYY",
                           key=date_key(instrument), help="Defaults to today; cannot be in the future.")
        if st.button("Review and save", type="primary", disabled=not complete, icon=":material/task_alt:",
                     key=f"nm_q_{instrument.name}_review", width="stretch"):
            if on is None or on > today:
                st.error("Date administered must be today or earlier.", icon=":material/error:")
            else:
                st.session_state[StateKeys.PENDING_ASSESSMENT] = (instrument.value, tuple(answers), on)
        if not complete:
            st.caption("Answer every item to save.")
        _confirm_and_save(services, user, patient_id, instrument)
