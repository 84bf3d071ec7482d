"""Nothing typed is lost, in the chart's forms (AppTest): a draft survives a reload (a new session), a repeated
submission saves once, a future date or an over-long note is refused next to its field with the input untouched, a
5,000 mg dose is refused by name (a misspelt drug: tests/e2e/test_forms_browser.py), a second antidepressant shows
the interaction check before anything is saved; notes show exactly what was typed and sign and lock; the twin pages
keep their patient across a reload through an opaque ``?p=`` link."""

from __future__ import annotations

from datetime import timedelta

from components.patient.visit_note import draft_key
from novamind_core.domain.notes import MAX_NOTE_CHARS


def open_chart(app_as, patient_id: int | None, tab: str = "Notes", **query: str):  # type: ignore[no-untyped-def]
    at = app_as("patient", "demo.clinician", **query)
    if patient_id is not None:
        at.session_state["nm_selected_patient_id"] = patient_id
    at.session_state["nm_chart_tab"] = tab
    at.run()
    assert not at.exception
    return at


def clinician(services):  # type: ignore[no-untyped-def]
    return services.users.get_by_username("demo.clinician")


def click(at, label: str):  # type: ignore[no-untyped-def]
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception
    return at


def errors(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(e.value) for e in at.error)


def test_a_half_typed_note_comes_back_after_a_reload(seeded, app_as):
    _, cohort = seeded
    pid = cohort.switched_id
    at = open_chart(app_as, pid)
    at.text_area(key=draft_key(pid)).input("mother ~supportive~\n1) sleep").run()
    reloaded = open_chart(app_as, pid)  # a reload is a new session
    assert reloaded.text_area(key=draft_key(pid)).value == "mother ~supportive~\n1) sleep"
    assert any("Restored your unsaved draft" in str(i.value) for i in reloaded.info)
    reloaded.text_area(key=draft_key(pid)).input("").run()  # emptied: the draft goes
    assert open_chart(app_as, pid).text_area(key=draft_key(pid)).value == ""


def test_opening_a_chart_in_a_new_session_reads_every_forms_draft_in_one_audited_read(seeded, app_as):
    from sqlalchemy import text

    services, cohort = seeded
    pid = cohort.switched_id
    open_chart(app_as, pid).text_area(key=draft_key(pid)).input("a half-typed note").run()
    with services.engine.connect() as conn:
        last = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one())
    reloaded = open_chart(app_as, pid)  # a new session: every drafted form on the chart looks for its draft
    assert reloaded.text_area(key=draft_key(pid)).value == "a half-typed note"
    with services.engine.connect() as conn:
        reads = conn.execute(text("SELECT detail FROM audit_log WHERE id > :i AND action = 'draft.read'"),
                             {"i": last}).scalars().all()
    assert len(reads) == 1 and "found=note" in reads[0], reads
    reloaded.text_area(key=draft_key(pid)).input("").run()


def test_saving_a_note_twice_with_the_same_text_saves_one_note_and_clears_the_box(seeded, app_as):
    services, cohort = seeded
    pid = cohort.switched_id
    before = len(services.notes.list(clinician(services), pid))
    at = open_chart(app_as, pid)
    at.text_area(key=draft_key(pid)).input("Double-clicked note.")
    click(at, "Save note")
    at.text_area(key=draft_key(pid)).input("Double-clicked note.")  # the second click still carried the text
    click(at, "Save note")
    notes = services.notes.list(clinician(services), pid)
    assert len(notes) == before + 1 and notes[0].text == "Double-clicked note."
    assert at.text_area(key=draft_key(pid)).value == ""


def test_a_future_note_date_is_refused_next_to_the_date_and_the_text_is_kept(seeded, app_as):
    services, cohort = seeded
    pid = cohort.switched_id
    before = len(services.notes.list(clinician(services), pid))
    at = open_chart(app_as, pid)
    at.date_input(key=f"nm_note_date_{pid}").set_value(services.context.today() + timedelta(days=3))
    at.text_area(key=draft_key(pid)).input("Seen in clinic.")
    click(at, "Save note")
    assert "is in the future" in errors(at)
    assert at.text_area(key=draft_key(pid)).value == "Seen in clinic."
    assert len(services.notes.list(clinician(services), pid)) == before


def test_a_note_over_the_limit_is_refused_with_its_length_and_kept(seeded, app_as):
    services, cohort = seeded
    pid = cohort.switched_id
    long = "word " * (MAX_NOTE_CHARS // 5 + 10)
    at = open_chart(app_as, pid)
    at.date_input(key=f"nm_note_date_{pid}").set_value(services.context.today())
    at.text_area(key=draft_key(pid)).input(long)
    click(at, "Save note")
    assert "at most 20,000 are allowed" in errors(at)
    assert at.text_area(key=draft_key(pid)).value == long
    assert any("of 20,000 characters" in str(c.value) for c in at.caption)


def test_a_note_is_shown_exactly_as_typed_and_signing_locks_it(seeded, app_as):
    services, cohort = seeded
    pid = cohort.new_patient_id
    typed = "mother ~supportive~\n1) sleep better\n2) plan as before"
    note = services.notes.add(clinician(services), pid, typed)
    at = open_chart(app_as, pid)
    assert typed in [str(t.value) for t in at.text]  # st.text: no Markdown strike-through or list
    at.button(key=f"nm_note_sign_{note.id}").click().run()
    assert not at.exception
    assert services.notes.list(clinician(services), pid)[0].signed
    assert not [b for b in at.button if b.key == f"nm_note_save_{note.id}"]  # no edit form on a signed note
    at.text_area(key=f"nm_addendum_text_{note.id}").input("Bloods normal.")
    next(b for b in at.button if b.label == "Add addendum").click().run()
    stored = services.notes.list(clinician(services), pid)[0]
    assert stored.text == typed and [a.text for a in stored.addenda] == ["Bloods normal."]


def test_a_5000_mg_dose_is_refused_naming_the_dose(seeded, app_as):
    services, cohort = seeded
    pid = cohort.new_patient_id
    at = open_chart(app_as, pid, tab="Medications")
    at.selectbox(key=f"nm_med_drug_{pid}").set_value("escitalopram")
    at.number_input(key=f"nm_med_dose_{pid}").set_value(5000)
    click(at, "Start medication")
    assert "at most 3000 mg" in errors(at)
    assert at.number_input(key=f"nm_med_dose_{pid}").value == 5000  # kept to be corrected


def test_a_second_antidepressant_shows_the_interaction_check_before_saving(seeded, app_as):
    services, cohort = seeded
    pid = cohort.responder_id  # on sertraline
    at = open_chart(app_as, pid, tab="Medications")
    at.selectbox(key=f"nm_med_drug_{pid}").set_value("duloxetine")
    at.number_input(key=f"nm_med_dose_{pid}").set_value(60)
    click(at, "Start medication")
    assert "second antidepressant" in errors(at)
    assert "duloxetine" not in {m.drug for m in services.medications.active(clinician(services), pid)}
    click(at, "Start after reviewing the warnings")
    assert "duloxetine" in {m.drug for m in services.medications.active(clinician(services), pid)}


def test_booking_the_same_visit_twice_books_one_with_its_note(seeded, app_as):
    services, cohort = seeded
    pid = cohort.item9_id
    at = open_chart(app_as, pid, tab="Visits")
    at.text_input(key=f"nm_visit_note_{pid}").input("bloods before visit")
    click(at, "Book visit")
    at.text_input(key=f"nm_visit_note_{pid}").input("bloods before visit")
    click(at, "Book visit")
    booked = [v for v in services.visits.list(clinician(services), pid) if v.note == "bloods before visit"]
    assert len(booked) == 1


def test_the_twin_state_page_finds_its_patient_from_the_link_after_a_reload(seeded, app_as, page_text):
    services, cohort = seeded
    token = services.drafts.patient_link(clinician(services), cohort.responder_id)
    at = app_as("twin_state", "demo.clinician", p=token)  # a reload: nothing selected in the new session
    at.run()
    assert not at.exception
    assert "Synthia Testcase" in page_text(at) and "No patient selected" not in page_text(at)
    assert at.query_params["p"] in (token, [token])
    other = app_as("twin_state", "demo.clinician2", p=token)  # not on this clinician's care team
    other.run()
    assert "Synthia Testcase" not in page_text(other)


def test_queued_simulation_plans_come_back_after_a_reload(seeded, app_as, page_text):
    services, cohort = seeded
    user = clinician(services)
    plan = {"name": "Sertraline 150", "steps": [{"drug": "sertraline", "dose_mg": 150, "days": 56}],
            "horizon_weeks": 8}
    services.drafts.save(user, cohort.responder_id, "simulation_plans", {"plans": [plan]})
    token = services.drafts.patient_link(user, cohort.responder_id)
    at = app_as("simulation", "demo.clinician", p=token)  # a reload: a new session, the patient from the link
    at.run()
    assert not at.exception
    assert "Plans to compare (1/" in page_text(at)


def test_a_typed_reason_to_change_or_stop_a_medication_comes_back_after_a_reload(seeded, app_as):
    services, cohort = seeded
    pid = cohort.switched_id  # on vortioxetine
    at = open_chart(app_as, pid, tab="Medications")
    at.text_input(key=f"nm_med_change_reason_{pid}").input("nausea since the last increase").run()
    reloaded = open_chart(app_as, pid, tab="Medications")  # a reload is a new session
    assert reloaded.text_input(key=f"nm_med_change_reason_{pid}").value == "nausea since the last increase"
    assert any("Restored your unsaved draft" in str(i.value) for i in reloaded.info)
    click(reloaded, "Save change")  # no new dose: refused, and the reason is still kept
    assert reloaded.text_input(key=f"nm_med_change_reason_{pid}").value == "nausea since the last increase"
    again = open_chart(app_as, pid, tab="Medications")
    assert again.text_input(key=f"nm_med_change_reason_{pid}").value == "nausea since the last increase"


def test_a_saved_medication_change_clears_its_reason_and_drops_its_draft(seeded, app_as):
    services, cohort = seeded
    pid = cohort.switched_id
    at = open_chart(app_as, pid, tab="Medications")
    at.text_input(key=f"nm_med_change_reason_{pid}").input("partial response at 6 weeks")
    at.number_input(key=f"nm_med_change_dose_{pid}").set_value(15)
    click(at, "Save change")
    assert not at.exception
    assert 15.0 in {m.dose_mg for m in services.medications.active(clinician(services), pid)}
    assert at.text_input(key=f"nm_med_change_reason_{pid}").value == ""
    assert services.drafts.load(clinician(services), pid, "medication_change") is None
    assert open_chart(app_as, pid, tab="Medications").text_input(key=f"nm_med_change_reason_{pid}").value == ""
