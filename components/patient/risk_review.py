"""The structured risk review that closes a self-harm item (PHQ-9 item 9) alert, and the printable safety plan.

An open item-9 alert carries **Start risk review** instead of a one-click acknowledgement. The review shows the answers
that raised the alert, then asks for the C-SSRS screener (Posner et al. 2011), the risk formulation and level, the six
steps of the Stanley & Brown (2012) safety plan (started from the patient's last plan), the action taken and a
follow-up date. Every missing part is named next to its field and nothing typed is cleared; the alert closes only
when ``services.risk_reviews.complete`` accepts the whole review. The safety plan then prints for the patient.

Nothing typed is lost (``components.patient.form_state``): the fields are not in an ``st.form``; each one's
``on_change`` keeps the whole review as the user's server-side draft for this patient, and the first render in a new
browser session puts it back (the review reopens by itself while an item-9 alert is open). The submit carries a
submission token, so a double-click stores one review; the service drops the draft when the review is stored, and
Cancel drops it too.
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from components.patient.form_state import (
    PERSIST,
    Field,
    draft_restored_notice,
    forget_prefetched,
    keep,
    load_draft,
    payload,
    restore_once,
    submission_token,
)
from components.patient.risk_print import safety_plan_html
from components.shared.export import html_to_pdf, pdf_unavailable_reason
from components.shared.forms import field_error
from components.shared.session import flash, show_flash_at
from components.shared.text import plain
from components.shared.theme import format_date
from components.shared.ui import WRAPPED_ROW_PX
from novamind_core.domain.alerts import Alert, AlertKind
from novamind_core.domain.errors import ConflictError, NotFoundError, NovamindError, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.instrument_screeners import CSSRS_ITEMS, CSSRS_LEVELS
from novamind_core.domain.risk import (
    SAFETY_PLAN_STEPS,
    RiskLevel,
    RiskReviewForm,
    RiskReviewInput,
    SafetyPlan,
    review_problems,
)
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

REVIEW_ALERT_KEY = "nm_risk_review_alert"
ERRORS_KEY = "nm_risk_review_errors"
SUBMIT_LABEL = "Complete review and close alert"
START_LABEL = "Start risk review"
YES_NO = ("No", "Yes")
LEVEL_WORDS = {level.label: level for level in RiskLevel}
FORM = FormName.RISK_REVIEW


def cssrs_key(number: int) -> str:
    return f"nm_rr_cssrs_{number}"


def plan_key(step: str) -> str:
    return f"nm_rr_plan_{step}"


def start_review_button(alert: Alert, container: st.delta_generator.DeltaGenerator) -> None:
    """The button an open item-9 alert carries in place of Acknowledge."""
    if container.button(START_LABEL, key=f"nm_review_{alert.id}", icon=":material/health_and_safety:",
                        type="primary"):
        st.session_state[REVIEW_ALERT_KEY] = alert.id
        st.session_state.pop(ERRORS_KEY, None)


def _close_review() -> None:
    for key in [k for k in st.session_state if str(k).startswith("nm_rr_")]:
        del st.session_state[key]
    st.session_state.pop(REVIEW_ALERT_KEY, None)
    st.session_state.pop(ERRORS_KEY, None)


def _raising_answers(form: RiskReviewForm) -> None:
    when = f" on {format_date(form.administered_on)}" if form.administered_on else ""
    total = f", total {form.total}" if form.total is not None else ""
    if form.total is not None and (form.instrument or "").upper().startswith("C-SSRS"):  # its "total" is the triage
        total = f", {CSSRS_LEVELS[min(max(form.total, 0), len(CSSRS_LEVELS) - 1)]} risk on the screener's triage"
    st.markdown(f"**What raised it:** {form.instrument or 'questionnaire'}{when}{total}")
    if form.answers:
        rows = [{"Item": a.number, "Question": a.question, "Answer": f"{a.answer_label} ({a.answer})"}
                for a in form.answers]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", row_height=WRAPPED_ROW_PX,
                     column_config={"Item": st.column_config.NumberColumn(width=50),
                                    "Question": st.column_config.TextColumn(width="large"),
                                    "Answer": st.column_config.TextColumn(width="medium")})
    else:
        st.caption("The item answers are not available for this alert.")
    if form.previous_review is not None:
        r = form.previous_review
        st.caption(f"Last review {format_date(r.reviewed_at.date())} by {plain(r.reviewed_by_name or 'a clinician')}: "
                   f"{r.risk_level.label.lower()}, screener {r.cssrs_label.lower()}; the plan below starts from it.")


def review_fields(form: RiskReviewForm) -> tuple[Field, ...]:
    """The review's fields as kept in the draft: the screener, formulation, level, the six plan steps (started from
    the patient's last plan), the action and the follow-up date (a week ahead by default)."""
    previous = form.previous_plan or SafetyPlan()
    return (*(Field(f"cssrs_{n}", cssrs_key(n)) for n in range(1, len(CSSRS_ITEMS) + 1)),
            Field("formulation", "nm_rr_formulation", "text", ""),
            Field("risk_level", "nm_rr_level"),
            *(Field(f"safety_plan.{step.key}", plan_key(step.key), "text", "\n".join(previous.step(step.key)))
              for step in SAFETY_PLAN_STEPS),
            Field("action_taken", "nm_rr_action", "text", ""),
            Field("follow_up_on", "nm_rr_follow_up", "date", form.today + timedelta(days=7)))


def _entered() -> RiskReviewInput:
    """What the fields hold now."""
    state = st.session_state
    answers: list[int | None] = []
    for number in range(1, len(CSSRS_ITEMS) + 1):
        choice = state.get(cssrs_key(number))
        answers.append(YES_NO.index(choice) if choice in YES_NO else None)
    level = state.get("nm_rr_level")
    plan = {step.key: str(state.get(plan_key(step.key)) or "") for step in SAFETY_PLAN_STEPS}
    follow = state.get("nm_rr_follow_up")
    return RiskReviewInput(tuple(answers), str(state.get("nm_rr_formulation") or ""),
                           LEVEL_WORDS.get(str(level)) if level else None, SafetyPlan.from_mapping(plan),
                           str(state.get("nm_rr_action") or ""), follow if isinstance(follow, date) else None)


def _submit(services: Services, user: User, alert_id: int, form: RiskReviewForm) -> None:
    """The submit button's ``on_click``: check, then one ``complete`` call with this content's submission token; the
    fields are cleared only once the review is stored (the service drops the draft in the same transaction)."""
    entered = _entered()
    problems = review_problems(entered, form.today)
    if problems:
        st.session_state[ERRORS_KEY] = {k: v[:1].upper() + v[1:] for k, v in problems.items()}
        return
    token = submission_token(FORM, form.patient_id, payload(review_fields(form)))
    try:
        services.risk_reviews.complete(user, alert_id, cssrs_answers=entered.cssrs_answers,
                                       formulation=entered.formulation, risk_level=entered.risk_level,
                                       safety_plan=entered.safety_plan, action_taken=entered.action_taken,
                                       follow_up_on=entered.follow_up_on, submission_token=token)
    except (ValidationError, ConflictError, NotFoundError) as exc:
        field = getattr(exc, "field", None) or "formulation"
        st.session_state[ERRORS_KEY] = {field: f"Not saved: {plain(exc)}."}
        return
    _close_review()
    flash("Risk review saved: the alert is closed, your name and the time are recorded, and the safety plan is ready "
          "to print below.", at="risk_review")


def _cancel(services: Services, user: User, patient_id: int) -> None:
    """Cancel: the review closes and its draft is dropped (starting again starts from the last plan)."""
    with contextlib.suppress(NovamindError):
        services.drafts.discard(user, patient_id, FORM)
        forget_prefetched(user, patient_id, FORM)
    _close_review()


def _entries(services: Services, user: User, form: RiskReviewForm, alert_id: int) -> None:
    """Draw the fields (no ``st.form``: each is kept as the user's draft when it is committed) and the submit."""
    fields = review_fields(form)
    restore_once(services, user, form.patient_id, FORM, fields)
    follow = st.session_state.get("nm_rr_follow_up")
    latest = form.today + timedelta(days=90)
    if isinstance(follow, date) and not form.today <= follow <= latest:
        st.session_state["nm_rr_follow_up"] = min(max(follow, form.today), latest)  # an old draft's date
    keep_args = (services, user, form.patient_id, FORM, fields)
    errors: dict[str, str] = st.session_state.get(ERRORS_KEY, {})
    with st.container(border=True, key="nm_rr_form"):  # .st-key-nm_rr_form in the browser test
        draft_restored_notice(FORM, form.patient_id)
        st.markdown("**C-SSRS screener** (past month). Ask 1 and 2; after a yes to 2 ask 3-5 (otherwise answer No); "
                    "always ask 6, and 7 after a yes to 6.")
        for number, question in enumerate(CSSRS_ITEMS, start=1):
            st.radio(f"{number}. {question}", YES_NO, index=None, horizontal=True, key=cssrs_key(number),
                     on_change=keep, args=keep_args, persist_state=PERSIST)
            field_error(errors, f"cssrs_{number}")
        field_error(errors, "cssrs")
        st.text_area("Risk formulation *", key="nm_rr_formulation", max_chars=5000, on_change=keep, args=keep_args,
                     persist_state=PERSIST,
                     placeholder="What raises the risk now, what protects, and how it has changed")
        field_error(errors, "formulation")
        st.radio("Risk level you judge *", list(LEVEL_WORDS), index=None, horizontal=True, key="nm_rr_level",
                 on_change=keep, args=keep_args, persist_state=PERSIST)
        field_error(errors, "risk_level")
        st.markdown("**Safety plan** (Stanley & Brown): one entry per line, in the patient's words.")
        for step in SAFETY_PLAN_STEPS:
            st.text_area(f"{step.heading} *", key=plan_key(step.key), help=step.prompt, height=80, on_change=keep,
                         args=keep_args, persist_state=PERSIST)
            field_error(errors, f"safety_plan.{step.key}")
        st.text_area("Action taken *", key="nm_rr_action", max_chars=2000, on_change=keep, args=keep_args,
                     persist_state=PERSIST,
                     placeholder="e.g. safety plan agreed, family informed with consent, crisis team referral")
        field_error(errors, "action_taken")
        st.date_input("Follow-up date *", value=None, min_value=form.today, max_value=latest, key="nm_rr_follow_up",
                      format="DD/MM/YYYY", on_change=keep, args=keep_args, persist_state=PERSIST)
        field_error(errors, "follow_up_on", "submission_token")
        st.button(SUBMIT_LABEL, type="primary", icon=":material/task_alt:", key="nm_rr_submit", on_click=_submit,
                  args=(services, user, alert_id, form))


def _reopen_from_draft(services: Services, user: User, patient_id: int, alerts: tuple[Alert, ...]) -> None:
    """Once per browser session: when the user left a half-written review for this patient and an item-9 alert is
    still open, the review opens again (its fields are put back by ``restore_once``)."""
    flag = f"nm_risk_draft_checked_{patient_id}"
    if st.session_state.get(flag) or st.session_state.get(REVIEW_ALERT_KEY) is not None:
        return
    st.session_state[flag] = True
    open_item9 = [a for a in alerts if a.kind is AlertKind.ITEM9 and a.open]
    if not open_item9:
        return
    try:
        draft = load_draft(services, user, patient_id, FORM)
    except NovamindError:
        return
    if draft is not None:
        st.session_state[REVIEW_ALERT_KEY] = open_item9[0].id


def risk_review_panel(services: Services, user: User, patient_id: int, today: date) -> None:
    """The review form for the alert chosen with **Start risk review** (nothing when none is chosen)."""
    alert_id = st.session_state.get(REVIEW_ALERT_KEY)
    if alert_id is None:
        return
    try:
        form = services.risk_reviews.form(user, alert_id)
    except (NotFoundError, ConflictError, ValidationError) as exc:
        st.info(f"This alert has no review to complete: {plain(exc)}.", icon=":material/info:")
        _close_review()
        return
    if form.patient_id != patient_id:
        _close_review()
        return
    st.subheader("Risk review")
    st.markdown(f"**Alert:** {plain(form.alert.text)}")
    _raising_answers(form)
    _entries(services, user, form, alert_id)
    st.button("Cancel review", key="nm_rr_cancel", on_click=_cancel, args=(services, user, patient_id))


def safety_plan_print(services: Services, user: User, patient_id: int) -> None:
    """Print the patient's current safety plan (HTML print view, and PDF where Chromium is installed); the document
    is made once per click and kept for this session, so reruns do not print it again."""
    key = f"nm_safety_plan_doc_{patient_id}"
    if st.button("Print the safety plan", key=f"nm_print_plan_{patient_id}", icon=":material/print:"):
        view = services.risk_reviews.safety_plan(user, patient_id)
        document = safety_plan_html(view) if view is not None else ""
        pdf: bytes | str = ""
        if document:
            reason = pdf_unavailable_reason()
            try:
                pdf = html_to_pdf(document) if reason is None else reason
            except RuntimeError as exc:
                pdf = f"PDF not available: {exc}"
        st.session_state[key] = (document, pdf)
    if key not in st.session_state:
        return
    document, pdf = st.session_state[key]
    if not document:
        st.info("No safety plan yet: it is written in a risk review.", icon=":material/info:")
        return
    c1, c2 = st.columns(2)
    c1.download_button("Safety plan (print view, HTML)", document, file_name="safety-plan.html", mime="text/html",
                       key=f"nm_plan_html_{patient_id}", icon=":material/download:")
    if isinstance(pdf, bytes) and pdf:
        c2.download_button("Safety plan (PDF)", pdf, file_name="safety-plan.pdf", mime="application/pdf",
                           key=f"nm_plan_pdf_{patient_id}", icon=":material/picture_as_pdf:")
    else:
        c2.caption(f"{pdf} Open the print view and print it from your browser.")


def risk_section(services: Services, user: User, patient_id: int, alerts: tuple[Alert, ...], today: date) -> None:
    """Under the alerts: the open review form, then the safety plan to print."""
    _reopen_from_draft(services, user, patient_id, alerts)
    risk_review_panel(services, user, patient_id, today)
    show_flash_at("risk_review")
    if any(a.kind is AlertKind.ITEM9 for a in alerts):
        st.markdown("**Safety plan**")
        safety_plan_print(services, user, patient_id)
