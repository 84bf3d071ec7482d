"""Questionnaire page (AppTest): what a patient sees through a link or a kiosk, with no staff account.

Requests are created through ``services.reporting`` (as a clinician would); the page drives ``services.portal``. Every
test collects everything the page drew (texts, labels, options, the raw element protos) and checks that nothing about
the patient appears: name, record number, date of birth, diagnosis.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.app import ui_cohort as ui

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE = str(REPO_ROOT / "pages" / "questionnaire.py")
#: What the page must never show of the seeded responder (Synthia Testcase) and new patient (Newton Firstvisit).
PATIENT_DETAILS = ("Synthia", "Testcase", "NM-100001", "1984-03-12", "12 Mar 1984", "12/03/1984", "F32.2",
                   "Severe depressive episode", "Newton", "Firstvisit", "NM-100004", "2000-01-15", "F41.1",
                   "Generalized anxiety disorder", "sertraline")
RESPONDER_DOB = (12, 3, 1984)


@pytest.fixture(autouse=True)
def generous_rate_limit(monkeypatch):  # type: ignore[no-untyped-def]
    """AppTest has no client address, so every test shares one; only the rate-limit test lowers the limit."""
    monkeypatch.setenv("NOVAMIND_QUESTIONNAIRE_RATE_LIMIT", "100000")


# ------------------------------------------------------------------ helpers
def clinician(services):  # type: ignore[no-untyped-def]
    return services.users.get_by_username(ui.CLINICIAN)


def new_link(services, patient_id: int, instruments: str = "PHQ-9") -> str:  # type: ignore[no-untyped-def]
    return services.reporting.create_request(clinician(services), patient_id, instruments).token


def drawn(at) -> str:  # type: ignore[no-untyped-def]
    """Everything the last run drew, element protos included (labels, options, captions, markdown, help)."""
    parts: list[str] = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


class Visit:
    """One patient's AppTest session on the page, keeping everything drawn along the way."""

    def __init__(self, **query: str) -> None:
        from streamlit.testing.v1 import AppTest

        self.at = AppTest.from_file(PAGE, default_timeout=30)
        for key, value in query.items():
            self.at.query_params[key] = value
        self.seen: list[str] = []
        self.run()

    def run(self) -> Visit:
        self.at.run()
        assert not self.at.exception, [e.value for e in self.at.exception]
        self.seen.append(drawn(self.at))
        return self

    @property
    def text(self) -> str:
        return self.seen[-1]

    @property
    def everything(self) -> str:
        return "\n".join(self.seen)

    def click(self, label: str) -> Visit:
        button = next(b for b in self.at.button if b.label == label)
        button.click()
        return self.run()

    def dob(self, day: int, month: int, year: int) -> Visit:
        self.at.selectbox[0].set_value(day)
        self.at.selectbox[1].set_value(month)
        self.at.number_input[0].set_value(year)
        return self.click("Continue")

    def answer(self, value: int) -> Visit:
        self.at.radio[0].set_value(value)
        return self.run()

    def answer_all(self, answers: list[int]) -> Visit:
        for value in answers:
            self.answer(value)
            self.click("Next" if any(b.label == "Next" for b in self.at.button) else "Check my answers")
        return self


def assert_nothing_about_the_patient(text: str) -> None:
    leaked = [d for d in PATIENT_DETAILS if d in text]
    assert not leaked, f"patient details drawn: {leaked}"


# ------------------------------------------------------------------ tests
def test_a_valid_link_leads_through_date_of_birth_and_each_question_to_a_stored_patient_remote_assessment(seeded):
    services, cohort = seeded
    from novamind_core.domain.reporting import AssessmentSource

    visit = Visit(t=new_link(services, cohort.responder_id))
    assert "confirm your **date of birth**" in visit.text and "Question 1 of" not in visit.text
    visit.dob(*RESPONDER_DOB)
    assert "Question 1 of 9" in visit.text and "PHQ-9" in visit.text
    visit.answer(1).click("Next")
    assert "Question 2 of 10" in visit.text, "a problem reported: item 10 will be asked too"
    visit.answer_all([1, 1, 1, 0, 0, 0, 0, 0, 1])
    assert "Check your answers" in visit.text
    visit.click("Send my answers")
    assert "Your answers have been sent to your care team" in visit.text
    stored = services.assessments.history(clinician(services), cohort.responder_id, "PHQ-9")[-1]
    assert stored.answers == (1, 1, 1, 1, 0, 0, 0, 0, 0) and stored.extra_answers == (1,)
    assert stored.source is AssessmentSource.PATIENT_REMOTE and stored.completed_at is not None
    assert_nothing_about_the_patient(visit.everything)


def test_the_token_is_taken_out_of_the_address_on_the_first_run(seeded):
    services, cohort = seeded
    visit = Visit(t=new_link(services, cohort.responder_id))
    assert "t" not in dict(visit.at.query_params)
    assert "date of birth" in visit.text


def test_a_wrong_date_of_birth_says_so_with_the_tries_left(seeded):
    services, cohort = seeded
    visit = Visit(t=new_link(services, cohort.responder_id)).dob(13, 3, 1984)
    assert "does not match" in visit.text and "2 tries left" in visit.text
    assert "Question 1 of 9" not in visit.text
    assert_nothing_about_the_patient(visit.everything)


def test_the_third_wrong_date_of_birth_locks_the_link_and_says_the_clinic_has_been_told(seeded):
    services, cohort = seeded
    token = new_link(services, cohort.responder_id)
    visit = Visit(t=token).dob(1, 1, 1990).dob(2, 1, 1990)
    assert "1 try left" in visit.text
    visit.dob(3, 1, 1990)
    assert "locked" in visit.text and "Your clinic has been told" in visit.text
    from novamind_core.domain.reporting_views import REFUSAL_MESSAGE

    again = Visit(t=token)  # the link no longer opens, even to ask the date of birth
    assert REFUSAL_MESSAGE in again.text and not again.at.selectbox
    assert_nothing_about_the_patient(visit.everything + again.everything)


def test_item_9_answered_2_shows_the_crisis_message_on_that_screen_and_again_after_sending(seeded):
    services, cohort = seeded
    crisis = services.portal.crisis_text()
    visit = Visit(t=new_link(services, cohort.new_patient_id)).dob(15, 1, 2000)
    visit.answer_all([0, 0, 0, 0, 0, 0, 0, 0])
    assert "Question 9 of 9" in visit.text and crisis not in visit.text
    visit.answer(2)
    assert crisis in visit.text, "the crisis message must show at once, before the patient moves on"
    visit.click("Next").answer(0).click("Check my answers").click("Send my answers")
    assert "Thank you" in visit.text and crisis in visit.text
    assert_nothing_about_the_patient(visit.everything)


def test_a_patient_who_reports_a_problem_is_asked_item_10_after_the_nine_and_it_is_stored_unscored(seeded):
    services, cohort = seeded
    from novamind_core.domain.flowsheet import flowsheet
    from novamind_core.domain.instruments import PHQ9_FUNCTION_ITEM

    visit = Visit(t=new_link(services, cohort.new_patient_id)).dob(15, 1, 2000)
    visit.answer_all([0, 0, 2, 0, 0, 0, 0, 0, 0])
    assert "Question 10 of 10" in visit.text and "If you checked off any problems" in visit.text
    assert "Over the last 2 weeks" not in visit.text, "the nine items' stem is not item 10's"
    assert visit.at.radio[0].options == ["Not difficult at all", "Somewhat difficult", "Very difficult",
                                         "Extremely difficult"]
    assert not any(b.label == "Next" for b in visit.at.button) and visit.at.button  # the last question
    visit.answer(3).click("Check my answers")
    assert "Extremely difficult" in visit.text and "10. " in visit.text
    visit.click("Send my answers")
    stored = services.assessments.history(clinician(services), cohort.new_patient_id, "PHQ-9")[-1]
    assert (stored.answers, stored.extra_answers, stored.total) == ((0, 0, 2, 0, 0, 0, 0, 0, 0), (3,), 2)
    sheet = flowsheet([stored], "PHQ-9")  # the chart's flowsheet of this questionnaire
    assert sheet.rows[9].label == f"10. {PHQ9_FUNCTION_ITEM} (not scored)" and sheet.rows[9].values == (3,)
    assert sheet.rows[10].values == (2,), "item 10 never counts in the total"
    assert_nothing_about_the_patient(visit.everything)


def test_a_patient_who_reports_no_problem_is_not_asked_item_10(seeded):
    services, cohort = seeded
    visit = Visit(t=new_link(services, cohort.new_patient_id)).dob(15, 1, 2000)
    visit.answer_all([0] * 9)
    assert "Check your answers" in visit.text and "If you checked off any problems" not in visit.text
    visit.click("Send my answers")
    stored = services.assessments.history(clinician(services), cohort.new_patient_id, "PHQ-9")[-1]
    assert stored.answers == (0,) * 9 and stored.extra_answers == ()


def test_going_back_a_question_keeps_the_earlier_answers(seeded):
    services, cohort = seeded
    visit = Visit(t=new_link(services, cohort.responder_id)).dob(*RESPONDER_DOB)
    visit.answer(2).click("Next").answer(3).click("Next")
    assert "Question 3 of 10" in visit.text
    visit.click("Back")
    assert "Question 2 of 10" in visit.text and visit.at.radio[0].value == 3
    visit.click("Back")
    assert "Question 1 of 10" in visit.text and visit.at.radio[0].value == 2
    visit.click("Next")
    assert visit.at.radio[0].value == 3


def test_sending_twice_stores_one_assessment(seeded):
    services, cohort = seeded
    from components.questionnaire.actions import send_answers

    before = len(services.assessments.history(clinician(services), cohort.switched_id, "PHQ-9"))
    visit = Visit(t=new_link(services, cohort.switched_id))
    visit.dob(30, 11, 1975).answer_all([1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    state = visit.at.session_state["nm_portal_visit"]
    calls: list[object] = []

    class CountingPortal:
        def submit(self, *args):  # type: ignore[no-untyped-def]
            calls.append(args)
            return services.portal.submit(*args)

    send_answers(CountingPortal(), state, "test")  # type: ignore[arg-type]
    send_answers(CountingPortal(), state, "test")  # a double tap
    assert len(calls) == 1 and state.submission is not None and state.submission.accepted
    visit.run()
    assert "Thank you" in visit.text and not any(b.label == "Send my answers" for b in visit.at.button)
    after = services.assessments.history(clinician(services), cohort.switched_id, "PHQ-9")
    assert len(after) == before + 1


@pytest.mark.parametrize("kind", ["used", "expired", "tampered", "unknown"])
def test_used_expired_tampered_and_unknown_links_show_the_same_friendly_page_and_nothing_about_the_patient(
        seeded, kind):
    services, cohort = seeded
    from novamind_core.domain.instruments import Instrument
    from novamind_core.domain.reporting import new_link_token
    from novamind_core.domain.reporting_views import REFUSAL_MESSAGE

    token = new_link(services, cohort.responder_id)
    if kind == "used":
        check = services.portal.verify_dob(token, _dob(RESPONDER_DOB), "test")
        assert check.ok
        assert services.portal.submit(token, {Instrument.PHQ9: [0] * 9}, "test", check.session_proof).accepted
    elif kind == "expired":
        token = _expired_link(services, cohort.responder_id)
    elif kind == "tampered":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    else:
        token = new_link_token()
    visit = Visit(t=token)
    assert REFUSAL_MESSAGE in visit.text
    assert "confirm your" not in visit.text and "Question 1 of" not in visit.text
    assert not visit.at.radio and not visit.at.selectbox
    assert_nothing_about_the_patient(visit.everything)


def test_too_many_attempts_show_the_same_friendly_page(seeded, monkeypatch):
    services, cohort = seeded
    from novamind_core.domain.reporting_views import REFUSAL_MESSAGE

    monkeypatch.setenv("NOVAMIND_QUESTIONNAIRE_RATE_LIMIT", "1")
    token = new_link(services, cohort.responder_id)
    Visit(t=token)
    visit = Visit(t=token)
    assert REFUSAL_MESSAGE in visit.text and not visit.at.selectbox


def test_the_page_never_draws_the_sidebar_navigation(seeded):
    services, cohort = seeded
    visit = Visit(t=new_link(services, cohort.responder_id))
    screens = [visit.at.sidebar]
    visit.dob(*RESPONDER_DOB)
    screens.append(visit.at.sidebar)
    assert all(len(s.children) == 0 for s in screens)
    assert "Sign out" not in visit.everything and "Caseload" not in visit.everything


def test_a_session_without_a_link_asks_to_open_the_link_again(seeded):
    visit = Visit()
    assert "open the link in the message from your clinic" in visit.text
    assert not visit.at.radio and not visit.at.selectbox


def test_the_opt_out_link_confirms_then_stops_messages(seeded):
    services, cohort = seeded
    token = new_link(services, cohort.switched_id)
    visit = Visit(optout=token)
    assert "Stop questionnaire messages" in visit.text
    visit.click("Stop messages")
    assert "You will not get any more questionnaire messages" in visit.text
    panel = services.reporting.plan_view(clinician(services), cohort.switched_id)
    assert panel.opted_out
    assert_nothing_about_the_patient(visit.everything)


def test_a_kiosk_skips_the_date_of_birth_stores_a_kiosk_assessment_and_ends_by_asking_for_the_tablet_back(seeded):
    services, cohort = seeded
    from novamind_core.domain.instruments import Instrument
    from novamind_core.domain.reporting import AssessmentSource

    created = services.reporting.start_kiosk(clinician(services), cohort.responder_id, (Instrument.GAD7,))
    visit = Visit(k=created.token)
    assert "Question 1 of 7" in visit.text and "GAD-7" in visit.text
    visit.answer_all([1, 1, 0, 0, 0, 0, 0]).click("Send my answers")
    assert "Please hand the tablet back to the clinic staff." in visit.text
    stored = services.assessments.history(clinician(services), cohort.responder_id, "GAD-7")[-1]
    assert stored.source is AssessmentSource.KIOSK and stored.answers == (1, 1, 0, 0, 0, 0, 0)
    visit.click("Staff sign-in")
    assert "nm_portal_visit" not in visit.at.session_state
    assert "open the link in the message from your clinic" in visit.text
    assert_nothing_about_the_patient(visit.everything)


def test_the_kiosk_button_starts_a_kiosk_for_that_patient_in_this_tab(seeded):
    from streamlit.testing.v1 import AppTest

    services, cohort = seeded

    def chart_stub(patient_id: int) -> None:
        from components.questionnaire.kiosk import start_kiosk_button
        from components.shared.session import get_services

        svc = get_services()
        start_kiosk_button(svc, svc.users.get_by_username("demo.clinician"), patient_id)

    at = AppTest.from_function(chart_stub, args=(cohort.item9_id,), default_timeout=30).run()
    next(b for b in at.button if b.label == "Start kiosk and sign me out").click()
    at.run()
    assert not at.exception
    visit = at.session_state["nm_portal_visit"]
    view = services.portal.open(visit.token, "test")
    assert view.kiosk and not view.needs_dob


def _dob(fields: tuple[int, int, int]):  # type: ignore[no-untyped-def]
    from datetime import date

    day, month, year = fields
    return date(year, month, day)


def _expired_link(services, patient_id: int) -> str:  # type: ignore[no-untyped-def]
    """A link created by services whose clock is ten days behind, so it expired three days ago."""
    from novamind_core.bootstrap import build_services

    now = services.context.now()
    past = build_services(services.settings, clock=lambda: now - timedelta(days=10))
    try:
        return past.reporting.create_request(clinician(past), patient_id, "PHQ-9").token
    finally:
        past.close()


def _two_questionnaire_link(services, patient_id: int) -> str:  # type: ignore[no-untyped-def]
    from novamind_core.domain.instruments import Instrument

    return services.reporting.create_request(clinician(services), patient_id,
                                             (Instrument.PHQ9, Instrument.GAD7)).token


def test_the_progress_bar_counts_every_questionnaire_of_the_visit(seeded):
    services, cohort = seeded
    visit = Visit(t=_two_questionnaire_link(services, cohort.new_patient_id)).dob(15, 1, 2000)
    for _ in range(8):
        visit.answer(0).click("Next")
    assert "Question 9 of 9 · 9 of 16 in this visit" in visit.text
    assert visit.at.get("progress")[0].value == 56, "9 of 16 (percent): not 50% on PHQ-9's last question"
    visit.answer(0).click("Next")
    for _ in range(6):
        visit.answer(0).click("Next")
    assert "Question 7 of 7 · 16 of 16 in this visit" in visit.text
    assert visit.at.get("progress")[0].value == 100


def test_the_review_folds_each_questionnaire_and_offers_send_at_the_top_and_the_bottom_once(seeded):
    services, cohort = seeded
    before = len(services.assessments.history(clinician(services), cohort.new_patient_id, "GAD-7"))
    visit = Visit(t=_two_questionnaire_link(services, cohort.new_patient_id)).dob(15, 1, 2000)
    visit.answer_all([0] * 9 + [1] * 7)
    assert "Check your answers" in visit.text
    folds = visit.at.expander
    labels = [e.label for e in folds]
    assert len(labels) == 2 and "(PHQ-9) · 9 of 9 answered" in labels[0] and "(GAD-7) · 7 of 7 answered" in labels[1]
    assert not any(e.proto.expanded for e in folds), "folded: the phone screen is short, Send is near the top"
    sends = [b for b in visit.at.button if b.label == "Send my answers"]
    assert [b.key for b in sends] == ["nm_pq_submit_top", "nm_pq_submit"]
    review = visit.at.session_state["nm_portal_visit"]
    sends[0].click()  # the top one; the bottom one of the same (stale) screen is pressed after it
    visit.run()
    assert "Thank you" in visit.text
    from components.questionnaire.actions import send_answers

    send_answers(services.portal, review, "test")  # what the bottom button calls: nothing more is sent
    after = services.assessments.history(clinician(services), cohort.new_patient_id, "GAD-7")
    assert len(after) == before + 1 and after[-1].answers == (1,) * 7
