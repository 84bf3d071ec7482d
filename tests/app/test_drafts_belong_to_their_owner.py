"""Drafted fields outlive a page that does not draw them (``persist_state``, docs/ux.md §5), so what they hold must
belong to the user and patient on screen: typing left in the tab by an earlier sign-in, or answers given for another
patient (the questionnaire's and the risk review's keys do not name the patient), is never shown; the user's own
draft is (AppTest; the browser side is tests/e2e/test_drafts_browser.py)."""

from __future__ import annotations

from components.patient.visit_note import draft_key
from novamind_core.domain.forms import FormName


def open_chart(app_as, patient_id: int, tab: str, **state: object):  # type: ignore[no-untyped-def]
    at = app_as("patient", "demo.clinician")
    at.session_state["nm_selected_patient_id"] = patient_id
    at.session_state["nm_chart_tab"] = tab
    for name, value in state.items():
        at.session_state[name] = value
    at.run()
    assert not at.exception
    return at


def test_typing_left_in_the_tab_by_another_user_is_not_shown_to_the_next_user(seeded, app_as):
    _, cohort = seeded
    pid = cohort.new_patient_id
    box = draft_key(pid)
    at = open_chart(app_as, pid, "Notes", **{box: "someone else's unsent words",
                                             f"nm_draft_owner_{box}": (cohort.other_clinician_id, pid)})
    assert at.text_area(key=box).value == ""


def test_the_next_user_sees_their_own_draft_in_place_of_what_an_earlier_sign_in_left(seeded, app_as):
    services, cohort = seeded
    pid = cohort.new_patient_id
    me = services.users.get_by_username("demo.clinician")
    services.drafts.save(me, pid, FormName.NOTE, {"text": "my own draft", "note_date": None})
    box = draft_key(pid)
    at = open_chart(app_as, pid, "Notes", **{box: "someone else's unsent words",
                                             f"nm_draft_owner_{box}": (cohort.other_clinician_id, pid)})
    assert at.text_area(key=box).value == "my own draft"
    services.drafts.discard(me, pid, FormName.NOTE)


def test_questionnaire_answers_given_for_another_patient_are_not_shown_on_this_chart(seeded, app_as):
    services, cohort = seeded
    me = services.users.get_by_username("demo.clinician")
    at = open_chart(app_as, cohort.new_patient_id, "Assessments",
                    nm_q_PHQ9_1=3, nm_q_answers_owner=(me.id, cohort.switched_id))
    assert at.radio(key="nm_q_PHQ9_1").value is None
