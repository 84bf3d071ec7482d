"""The screens a patient sees: date of birth, one question per screen, review, thank you, stop messages, refusal.

Plain words, large touch targets (the answer choices are full-width radio rows), one primary button per screen; it
must read well on a 390x844 phone. Nothing about the patient is shown: no name, diagnosis, record number or date of
birth (the page is given none). The clinic's crisis message appears on the question-9 screen as soon as an answer
above 0 is chosen, before the patient moves on, and again on the review and thank-you screens (docs/reporting.md).
PHQ-9 question 10 (how difficult the problems made work, home and getting along with people; not scored) follows the
nine once any of them is answered above 0, as the published form asks it ("If you checked off any problems").
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date

import streamlit as st

from components.questionnaire.state import PortalVisit, Stage
from novamind_core.domain.instruments import PHQ9_SELF_HARM_ITEM, Instrument

NO_LINK_MESSAGE = ("To answer your questionnaire, open the link in the message from your clinic. For your privacy, "
                   "this page forgets the link when it is reloaded or left open, so please open the link again. "
                   "It still works until you send your answers.")
LOCKED_MESSAGE = ("The date of birth did not match, so this link is now locked for your safety. Your clinic has been "
                  "told and will be in touch. If you need to answer sooner, please contact your clinic.")
KIOSK_THANKS = "Thank you. Please hand the tablet back to the clinic staff."

STYLE = """<style>
div[data-testid="stRadio"], div[data-testid="stRadio"] > div { width: 100%; }
div[data-testid="stRadioGroup"] { display: flex; flex-direction: column; align-items: stretch; gap: 0.5rem;
  width: 100%; }
[data-testid="stRadioOption"] {
  width: 100%; align-self: stretch; min-height: 3.2rem; padding: 0.75rem 0.9rem; margin: 0; box-sizing: border-box;
  border: 1px solid #b8bec7; border-radius: 0.6rem; align-items: center; background: #fff; cursor: pointer; }
[data-testid="stRadioOption"][data-selected="true"] { border: 2px solid #1565c0; background: #e8f0fb; }
[data-testid="stRadioOption"] p { font-size: 1.1rem; line-height: 1.35; }
.nm-question { font-size: 1.3rem; font-weight: 600; line-height: 1.4; margin: 0.25rem 0 0.75rem 0; }
div[data-testid="stButton"] button, div[data-testid="stFormSubmitButton"] button { min-height: 3rem; }
</style>"""

Crisis = Callable[[], str]


def style() -> None:
    st.markdown(STYLE, unsafe_allow_html=True)


def crisis_box(text: str) -> None:
    """The clinic's crisis message, impossible to miss."""
    st.error(f"**Help is available now.** {text}", icon=":material/emergency:")


def message_screen(text: str, *, icon: str = ":material/info:") -> None:
    st.markdown("### Questionnaire")
    st.info(text, icon=icon)


def dob_screen(visit: PortalVisit, today: date) -> tuple[int | None, int | None, int | None] | None:
    """The date-of-birth form (day, month, year fields, no calendar); returns the three fields once sent."""
    assert visit.request is not None
    st.markdown(f"### Questionnaire from {visit.request.clinic_name}")
    st.markdown("Before we start, please confirm your **date of birth**. This keeps your answers private.")
    if visit.dob_message:
        st.error(visit.dob_message, icon=":material/error:")
    with st.form("nm_pq_dob", border=False):
        day = st.selectbox("Day", list(range(1, 32)), index=None, placeholder="Day")
        month = st.selectbox("Month", list(range(1, 13)), index=None, placeholder="Month",
                             format_func=lambda m: calendar.month_name[m])
        year = st.number_input("Year", min_value=1900, max_value=today.year, value=None, step=1, format="%d",
                               placeholder="YYYY")
        sent = st.form_submit_button("Continue", type="primary", width="stretch")
    return (day, month, int(year) if year is not None else None) if sent else None


def question_screen(visit: PortalVisit, crisis: Crisis) -> None:
    """One question: where the patient is, the question, large answer choices, Back and Next."""
    assert visit.request is not None
    instrument, item = visit.screens[visit.position]
    spec = instrument.spec
    instruments = visit.request.instruments
    which = f" · questionnaire {instruments.index(instrument) + 1} of {len(instruments)}"
    which = which if len(instruments) > 1 else ""
    st.caption(f"{spec.title} ({instrument.value}){which}")
    done, total = visit.progress
    overall = f" · {done} of {total} in this visit" if len(instruments) > 1 else ""
    st.progress(done / total, text=f"Question {item} of {visit.asked(instrument)}{overall}")
    if item <= len(spec.items):  # the stem ("Over the last 2 weeks, how often ...") is not PHQ-9 item 10's
        st.markdown(spec.stem)
    st.markdown(f'<p class="nm-question">{_escape(spec.all_items[item - 1])}</p>', unsafe_allow_html=True)
    choices = spec.all_choices[item - 1]
    labels = {c.value: c.label for c in choices}
    chosen = visit.answers[instrument][item - 1]
    key = f"nm_pq_{instrument.name}_{item}"
    st.radio(f"Answer to question {item}", list(labels), format_func=labels.get, key=key,
             index=list(labels).index(chosen) if chosen is not None else None, label_visibility="collapsed",
             on_change=_keep_answer, args=(visit, instrument, item, key))
    if _self_harm_positive(visit, instrument, item):
        crisis_box(crisis())
    back, forward = st.columns(2)
    with back:
        st.button("Back", key="nm_pq_back", icon=":material/arrow_back:", width="stretch",
                  disabled=visit.position == 0, on_click=_move, args=(visit, -1))
    last = visit.position == len(visit.screens) - 1
    with forward:
        st.button("Check my answers" if last else "Next", key="nm_pq_next", type="primary", width="stretch",
                  disabled=chosen is None, on_click=_move, args=(visit, +1))
    if chosen is None:
        st.caption("Choose an answer to go on.")


def review_screen(visit: PortalVisit, crisis: Crisis, submit: Callable[[PortalVisit], None]) -> None:
    """Every answer, folded per questionnaire so a phone screen stays short, a way back to any question, and Send
    at the top and at the bottom: both call ``submit`` with the same visit (one link token), which sends once
    however often either is clicked (:func:`~components.questionnaire.actions.send_answers`)."""
    assert visit.request is not None
    st.markdown("### Check your answers")
    st.markdown("Your answers go to your care team when you press **Send my answers**. Open a questionnaire to "
                "check or change an answer.")
    _send_button(visit, submit, "nm_pq_submit_top")
    several = len(visit.request.instruments) > 1
    for instrument in visit.request.instruments:
        spec = instrument.spec
        count = visit.asked(instrument)
        answered = sum(a is not None for a in visit.answers[instrument][:count])
        with st.expander(f"{spec.title} ({instrument.value}) · {answered} of {count} answered",
                         expanded=not several or answered < count):
            asked = zip(spec.all_items[:count], visit.answers[instrument][:count], strict=True)
            for item, (text, answer) in enumerate(asked, start=1):
                label = next((c.label for c in spec.all_choices[item - 1] if c.value == answer), "not answered")
                line, change = st.columns([5, 1], vertical_alignment="center")
                line.markdown(f"{item}. {_escape(text)}  \n**{label}**")
                change.button("Change", key=f"nm_pq_change_{instrument.name}_{item}", type="tertiary",
                              on_click=_go_to, args=(visit, visit.screens.index((instrument, item))))
    if any(_self_harm_positive(visit, i, PHQ9_SELF_HARM_ITEM) for i in visit.request.instruments):
        crisis_box(crisis())
    back, forward = st.columns(2)
    with back:
        st.button("Back", key="nm_pq_review_back", icon=":material/arrow_back:", width="stretch",
                  on_click=_go_to, args=(visit, len(visit.screens) - 1))
    with forward:
        _send_button(visit, submit, "nm_pq_submit")


def _send_button(visit: PortalVisit, submit: Callable[[PortalVisit], None], key: str) -> None:
    st.button("Send my answers", key=key, type="primary", width="stretch",
              disabled=visit.submitting or not visit.all_answered, on_click=submit, args=(visit,))


def thanks_screen(visit: PortalVisit) -> bool:
    """The end: thanks (kiosk: hand the tablet back), the crisis message again when it applies. True: staff sign-in."""
    submission = visit.submission
    if visit.kiosk:
        st.markdown(f"### {KIOSK_THANKS}")
    elif submission is not None and submission.already_received:
        st.markdown("### Thank you")
        st.markdown("We already have your answers from this link. There is nothing more to do.")
    else:
        st.markdown("### Thank you")
        clinic = visit.request.clinic_name if visit.request else "your clinic"
        st.markdown(f"Your answers have been sent to your care team at {clinic}. You can close this page.")
        st.caption("Answers are not read straight away. If you need help urgently, contact your clinic or "
                   "emergency services.")
    if submission is not None and submission.crisis_message:
        crisis_box(submission.crisis_message)
    if visit.kiosk:
        st.divider()
        return st.button("Staff sign-in", key="nm_pq_staff", icon=":material/login:")
    return False


def opt_out_screen(clinic_name: str) -> bool:
    """Confirm stopping questionnaire messages; True when the patient confirmed."""
    st.markdown("### Stop questionnaire messages")
    st.markdown(f"You will no longer get questionnaire e-mails or text messages from {clinic_name}. Your care "
                "carries on as usual, and you can ask your clinic to start them again at any time.")
    return st.button("Stop messages", key="nm_pq_opt_out", type="primary", width="stretch")


def opted_out_screen() -> None:
    st.markdown("### Messages stopped")
    st.success("You will not get any more questionnaire messages. If this was a mistake, please tell your clinic.",
               icon=":material/check_circle:")


# ------------------------------------------------------------------ callbacks (run before the next script run)
def _keep_answer(visit: PortalVisit, instrument: Instrument, item: int, key: str) -> None:
    visit.answers[instrument][item - 1] = st.session_state.get(key)


def _move(visit: PortalVisit, step: int) -> None:
    target = visit.position + step
    if target >= len(visit.screens):
        visit.stage = Stage.REVIEW
    else:
        visit.position = max(0, target)


def _go_to(visit: PortalVisit, position: int) -> None:
    visit.position = position
    visit.stage = Stage.QUESTIONS


def _self_harm_positive(visit: PortalVisit, instrument: Instrument, item: int) -> bool:
    if instrument is not Instrument.PHQ9 or item != PHQ9_SELF_HARM_ITEM or instrument not in visit.answers:
        return False
    answer = visit.answers[instrument][item - 1]
    return answer is not None and answer > 0


def _escape(text: str) -> str:
    import html

    return html.escape(text)
