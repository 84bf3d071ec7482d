"""Item-level questionnaire entry (PHQ-9, GAD-7, ISI) with a live total, severity, and confirmation before saving.

The wording, answer choices and bands come from :mod:`novamind_core.domain.assessments` (defined once). The entry
runs as a fragment, so clicking an answer reruns only this block (a live total without re-reading the whole chart).
Saving is one ``services.assessments.record`` call; alerts are raised by the service, not here.

Nothing typed is lost: every answer (and the date) is kept as the user's server-side draft for this patient as it is
clicked, and put back after a reload, in a new tab or a new sign-in, whichever tab the chart opened on
(``persist_state``, as in components/patient/form_state.py); the confirmation carries a submission token, so a
double-click stores the questionnaire once. A date typed in the future is refused by name, never replaced by today.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from components.patient.form_state import PERSIST, forget_prefetched, load_draft, submission_token
from components.shared.session import StateKeys, flash, show_flash_at
from components.shared.text import plain
from components.shared.theme import format_date
from components.shared.ui import severity_chip
from novamind_core.domain.assessments import Instrument, band_for, item9_answer, total_of
from novamind_core.domain.errors import NotFoundError, NovamindError, PermissionDenied, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services


def answer_key(instrument: Instrument, item: int) -> str:
    return f"nm_q_{instrument.name}_{item}"


def date_key(instrument: Instrument) -> str:
    return f"nm_q_{instrument.name}_date"


def current_answers(instrument: Instrument) -> list[int | None]:
    """Every item's answer so far, the unscored extra items too (PHQ-9 item 10, MDQ questions 2 and 3)."""
    return [st.session_state.get(answer_key(instrument, i)) for i in range(1, len(instrument.spec.all_items) + 1)]


def answers_to_save(instrument: Instrument, answers: list[int | None]) -> list[int | None]:
    """The answers the service scores: the asked items, plus an optional extra item (PHQ-9 item 10) when answered."""
    asked = instrument.spec.asked_item_count
    extra = answers[asked:]
    return answers[:asked] + (extra if extra and all(a is not None for a in extra) else [])


def entry_instruments() -> list[str]:
    """Instruments entered here: every one, the clinician-asked C-SSRS screener last (it is also asked within a risk
    review; entered here it screens a patient with no alert open, e.g. at intake, and any yes raises the alert)."""
    return [i.value for i in Instrument if i.spec.self_report] + [i.value for i in Instrument
                                                                    if not i.spec.self_report]


def is_triage(instrument: Instrument) -> bool:
    """Whether the instrument's "total" is a triage level (the C-SSRS screener), not a score to read as "x of y"."""
    return instrument is Instrument.CSSRS


def result_words(instrument: Instrument, total: int) -> str:
    """``"total **14** (moderate)"``, or for the C-SSRS screener ``"triage level moderate risk"``."""
    band = band_for(instrument, total)
    return f"triage level {band.name} risk" if is_triage(instrument) else f"total **{total}** ({band.label})"


def _draft_values(instrument: Instrument) -> dict[str, object]:
    on = st.session_state.get(date_key(instrument))
    return {"instrument": instrument.value, "answers": current_answers(instrument),
            "date": on.isoformat() if isinstance(on, date) else None}


def keep_answers(services: Services, user: User, patient_id: int, instrument: Instrument) -> None:
    """An answer's ``on_change``: keep the answers so far as the user's draft (dropped once nothing is answered)."""
    values = _draft_values(instrument)
    last = f"nm_q_draft_last_{patient_id}"
    if values == st.session_state.get(last):
        return
    try:
        if all(a is None for a in values["answers"]):  # type: ignore[union-attr]
            services.drafts.discard(user, patient_id, FormName.ASSESSMENT)
            forget_prefetched(user, patient_id, FormName.ASSESSMENT)
        else:
            services.drafts.save(user, patient_id, FormName.ASSESSMENT, values)
            forget_prefetched(user, patient_id, FormName.ASSESSMENT)
    except (NovamindError, ValueError):
        return
    st.session_state[last] = values


def restore_answers(services: Services, user: User, patient_id: int) -> None:
    """When this user's browser session first draws the entry for this patient (the answer keys do not name the
    patient, and they outlive other pages and sign-ins: ``persist_state``), start from nothing and put the saved
    answers back (instrument, answers, date)."""
    flag = "nm_q_answers_owner"
    if st.session_state.get(flag) == (user.id, patient_id):
        return
    for instrument in Instrument:  # nothing of another patient's or another user's answers is left
        reset_answers(instrument)
    st.session_state.pop("nm_q_instrument", None)
    st.session_state[flag] = (user.id, patient_id)
    try:
        draft = load_draft(services, user, patient_id, FormName.ASSESSMENT)
    except (PermissionDenied, NotFoundError, ValidationError):
        return
    if draft is None:
        return
    try:
        instrument = Instrument.parse(str(draft.payload.get("instrument")))
    except ValidationError:
        return
    answers = list(draft.payload.get("answers") or [])[:len(instrument.spec.all_items)]
    st.session_state["nm_q_instrument"] = instrument.value
    for i, value in enumerate(answers, start=1):
        if value is not None:
            st.session_state[answer_key(instrument, i)] = int(value)
    if draft.payload.get("date"):
        with contextlib.suppress(ValueError):
            st.session_state[date_key(instrument)] = date.fromisoformat(str(draft.payload["date"]))
    st.session_state[f"nm_q_draft_last_{patient_id}"] = _draft_values(instrument)
    st.session_state[f"nm_q_draft_notice_{patient_id}"] = True


def reset_answers(instrument: Instrument) -> None:
    for i in range(1, len(instrument.spec.all_items) + 1):
        st.session_state.pop(answer_key(instrument, i), None)
    st.session_state.pop(date_key(instrument), None)


def live_summary(instrument: Instrument, answers: list[int | None]) -> str:
    """``"Total 14 of 27 · moderate"`` once complete; ``"12 so far · 7 of 9 answered"`` before."""
    answers = answers[:instrument.spec.asked_item_count]  # an optional unscored item never holds the total back
    given = [a for a in answers if a is not None]
    scored = [a for a in answers[:instrument.item_count] if a is not None]
    if len(given) < len(answers):
        if is_triage(instrument):
            return f"{len(given)} of {len(answers)} answered"
        return f"{sum(scored)} so far · {len(given)} of {len(answers)} answered"
    total = total_of(instrument, given)
    if is_triage(instrument):
        return f"Triage: {band_for(instrument, total).name} risk"
    return f"Total {total} of {instrument.max_total} · {band_for(instrument, total).label}"


def _questions(services: Services, user: User, patient_id: int, instrument: Instrument) -> None:
    spec = instrument.spec
    st.markdown(f"**{spec.title} ({instrument.value})** — {spec.stem}")
    for number, (item, choices) in enumerate(zip(spec.all_items, spec.all_choices, strict=True), start=1):
        labels = {c.value: c.label if is_triage(instrument) else f"{c.value} · {c.label}" for c in choices}
        optional = " (optional, not scored)" if number > spec.asked_item_count else ""
        st.radio(f"{number}. {item}{optional}", list(labels), format_func=labels.get, index=None, horizontal=True,
                 key=answer_key(instrument, number), on_change=keep_answers,
                 args=(services, user, patient_id, instrument), persist_state=PERSIST)


def _confirm_and_save(services: Services, user: User, patient_id: int, instrument: Instrument) -> None:
    pending = st.session_state.get(StateKeys.PENDING_ASSESSMENT)
    if not pending or pending[0] != instrument.value:
        return
    _, answers, on = pending
    total = total_of(instrument, answers)
    st.warning(f"Save {instrument.value} administered {format_date(on)}: {result_words(instrument, total)}? "
               "Check the answers above before confirming.", icon=":material/fact_check:")
    # Stacked, each the column's full width: side by side in the narrow score column they read "Confir…".
    confirm = st.button("Confirm and save", type="primary", icon=":material/save:",
                        key=f"nm_q_{instrument.name}_confirm", width="stretch")
    if st.button("Cancel", key=f"nm_q_{instrument.name}_cancel", width="stretch"):
        st.session_state[StateKeys.PENDING_ASSESSMENT] = None
        st.rerun(scope="fragment")
    if confirm:
        token = submission_token(FormName.ASSESSMENT, patient_id,
                                 {"instrument": instrument.value, "answers": list(answers), "date": on.isoformat()})
        try:
            result = services.assessments.record(user, patient_id, instrument.value, list(answers), on,
                                                 submission_token=token)
        except ValidationError as exc:
            st.session_state[StateKeys.PENDING_ASSESSMENT] = None
            st.error(f"Not saved: {plain(exc)}.", icon=":material/error:")
            return
        st.session_state[StateKeys.PENDING_ASSESSMENT] = None
        reset_answers(instrument)
        st.session_state[f"nm_q_draft_last_{patient_id}"] = None  # the service dropped the draft with the save
        saved = result.assessment
        outcome = (f", {result_words(instrument, saved.total)}," if is_triage(instrument)
                   else f" {saved.total} ({saved.severity})")
        message = f"Saved {instrument.value}{outcome} for {format_date(saved.administered_on)}."
        if result.alerts:
            message += " Alerts raised: " + "; ".join(a.text for a in result.alerts) + "."
        flash(message, at="assessments")
        st.rerun()


@st.fragment
def assessment_entry(services: Services, user: User, patient_id: int, today: date) -> None:
    """Choose an instrument, answer every item, review the live total, confirm, save."""
    from components.shared.auth import ensure_live_session

    ensure_live_session(services)  # a fragment rerun skips app.py's session check
    restore_answers(services, user, patient_id)
    if st.session_state.pop(f"nm_q_draft_notice_{patient_id}", False):
        st.info("Restored your unsaved answers.", icon=":material/restore:")
    choice = st.segmented_control("Questionnaire", entry_instruments(), default=Instrument.PHQ9.value,
                                  key="nm_q_instrument", persist_state=PERSIST)
    instrument = Instrument.parse(choice or Instrument.PHQ9.value)
    left, right = st.columns([3, 1.1])
    with left:
        _questions(services, user, patient_id, instrument)
    answers = answers_to_save(instrument, current_answers(instrument))
    with right, st.container(border=True):
        st.markdown("**Live score**")
        complete = all(a is not None for a in answers)
        total = total_of(instrument, [a or 0 for a in answers])
        band = band_for(instrument, total).name if complete else None
        st.markdown(severity_chip(band, live_summary(instrument, answers)),
                    unsafe_allow_html=True)  # text-safe: scoring code
        item9 = item9_answer(instrument, answers)
        if item9:
            st.error(f"Item 9 (thoughts of self-harm) answered {item9}: an alert will be raised. Assess risk "
                     "today.", icon=":material/emergency:")
        if is_triage(instrument) and any(answers):
            st.error("A yes on the C-SSRS screener raises a self-harm risk alert, closed only through the risk "
                     "review. Assess risk today.", icon=":material/emergency:")
        if date_key(instrument) not in st.session_state:
            st.session_state[date_key(instrument)] = today
        on = st.date_input("Date administered", format="DD/MM/YYYY", key=date_key(instrument),
                           on_change=keep_answers, args=(services, user, patient_id, instrument),
                           persist_state=PERSIST,
                           help="Defaults to today; a date in the future is refused, never changed.")
        if st.button("Review and save", type="primary", disabled=not complete, icon=":material/task_alt:",
                     key=f"nm_q_{instrument.name}_review", width="stretch"):
            if on is None or on > today:
                st.error(f"Not saved: date administered {format_date(on) if on else '(empty)'} is in the future; "
                         "choose today or earlier.", icon=":material/error:")
            else:
                st.session_state[StateKeys.PENDING_ASSESSMENT] = (instrument.value, tuple(answers), on)
        if not complete:
            st.caption("Answer every item to save.")
        _confirm_and_save(services, user, patient_id, instrument)
        show_flash_at("assessments")  # the confirmation beside the button that saved, not at the page top
