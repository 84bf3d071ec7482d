"""The structured risk review that closes a self-harm item (PHQ-9 item 9) alert, and the printable safety plan.

An open item-9 alert carries **Start risk review** instead of a one-click acknowledgement. The review shows the answers
that raised the alert, then asks for the C-SSRS screener (Posner et al. 2011), the risk formulation and level, the six
steps of the Stanley & Brown (2012) safety plan (started from the patient's last plan), the action taken and a
follow-up date. Every missing part is named next to its field and nothing typed is cleared; the alert closes only
when ``services.risk_reviews.complete`` accepts the whole review. The safety plan then prints for the patient.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from components.patient.risk_print import safety_plan_html
from components.shared.export import html_to_pdf, pdf_unavailable_reason
from components.shared.forms import field_error
from components.shared.session import flash, show_flash_at
from components.shared.text import plain
from components.shared.theme import format_date
from novamind_core.domain.alerts import Alert, AlertKind
from novamind_core.domain.errors import ConflictError, NotFoundError, ValidationError
from novamind_core.domain.instrument_screeners import CSSRS_ITEMS
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
    st.markdown(f"**What raised it:** {form.instrument or 'questionnaire'}{when}{total}")
    if form.answers:
        rows = [{"Item": a.number, "Question": a.question, "Answer": f"{a.answer_label} ({a.answer})"}
                for a in form.answers]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption("The item answers are not available for this alert.")
    if form.previous_review is not None:
        r = form.previous_review
        st.caption(f"Last review {format_date(r.reviewed_at.date())} by {plain(r.reviewed_by_name or 'a clinician')}: "
                   f"{r.risk_level.label.lower()}, screener {r.cssrs_label.lower()}; the plan below starts from it.")


def _entries(form: RiskReviewForm, today: date) -> RiskReviewInput | None:
    """Draw the form; return what was entered when submitted (validated by the caller)."""
    errors: dict[str, str] = st.session_state.get(ERRORS_KEY, {})
    previous = form.previous_plan or SafetyPlan()
    with st.form("nm_risk_review_form", clear_on_submit=False, border=True):
        st.markdown("**C-SSRS screener** (past month). Ask 1 and 2; after a yes to 2 ask 3-5 (otherwise answer No); "
                    "always ask 6, and 7 after a yes to 6.")
        answers: list[int | None] = []
        for number, question in enumerate(CSSRS_ITEMS, start=1):
            choice = st.radio(f"{number}. {question}", YES_NO, index=None, horizontal=True, key=cssrs_key(number))
            field_error(errors, f"cssrs_{number}")
            answers.append(None if choice is None else YES_NO.index(choice))
        field_error(errors, "cssrs")
        formulation = st.text_area("Risk formulation *", key="nm_rr_formulation", max_chars=5000,
                                   placeholder="What raises the risk now, what protects, and how it has changed")
        field_error(errors, "formulation")
        level = st.radio("Risk level you judge *", list(LEVEL_WORDS), index=None, horizontal=True, key="nm_rr_level")
        field_error(errors, "risk_level")
        st.markdown("**Safety plan** (Stanley & Brown): one entry per line, in the patient's words.")
        plan: dict[str, str] = {}
        for step in SAFETY_PLAN_STEPS:
            key = plan_key(step.key)
            if key not in st.session_state:
                st.session_state[key] = "\n".join(previous.step(step.key))
            plan[step.key] = st.text_area(f"{step.heading} *", key=key, help=step.prompt, height=80)
            field_error(errors, f"safety_plan.{step.key}")
        action = st.text_area("Action taken *", key="nm_rr_action", max_chars=2000,
                              placeholder="e.g. safety plan agreed, family informed with consent, crisis team referral")
        field_error(errors, "action_taken")
        follow = st.date_input("Follow-up date *", value=today + timedelta(days=7), min_value=today,
                               max_value=today + timedelta(days=90), key="nm_rr_follow_up", format="DD/MM/YYYY")
        field_error(errors, "follow_up_on")
        if not st.form_submit_button(SUBMIT_LABEL, type="primary", icon=":material/task_alt:"):
            return None
    return RiskReviewInput(tuple(answers), formulation or "", LEVEL_WORDS.get(level) if level else None,
                           SafetyPlan.from_mapping(plan), action or "", follow if isinstance(follow, date) else None)


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
    entered = _entries(form, form.today)
    if st.button("Cancel review", key="nm_rr_cancel"):
        _close_review()
        st.rerun()
    if entered is None:
        return
    problems = review_problems(entered, form.today)
    if problems:
        st.session_state[ERRORS_KEY] = {k: v[:1].upper() + v[1:] for k, v in problems.items()}
        st.rerun()
    try:
        services.risk_reviews.complete(user, alert_id, cssrs_answers=entered.cssrs_answers,
                                       formulation=entered.formulation, risk_level=entered.risk_level,
                                       safety_plan=entered.safety_plan, action_taken=entered.action_taken,
                                       follow_up_on=entered.follow_up_on)
    except (ValidationError, ConflictError, NotFoundError) as exc:
        field = getattr(exc, "field", None) or "formulation"
        st.session_state[ERRORS_KEY] = {field: f"Not saved: {exc}."}
        st.rerun()
    _close_review()
    flash("Risk review saved: the alert is closed, your name and the time are recorded, and the safety plan is ready "
          "to print below.", at="risk_review")
    st.rerun()


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
    risk_review_panel(services, user, patient_id, today)
    show_flash_at("risk_review")
    if any(a.kind is AlertKind.ITEM9 for a in alerts):
        st.markdown("**Safety plan**")
        safety_plan_print(services, user, patient_id)
