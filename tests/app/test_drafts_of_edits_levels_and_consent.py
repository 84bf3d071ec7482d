"""Nothing typed is lost in the forms that were once ``st.form``s (AppTest): a note's edit box, a signed note's
addendum box, the drug level entry and the contact consent keep what was typed as a server-side draft when a field is
committed, put it back in a new browser session (a reload) with "Restored your unsaved draft", save once when the
button is clicked twice, keep every field when the service refuses, and drop the draft when saved or cancelled."""

from __future__ import annotations

from datetime import time, timedelta

from components.patient.note_drafts import addendum_key, edit_key
from novamind_core.domain.notes import MAX_NOTE_CHARS
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import SYSTEM_USER

RESTORED = "Restored your unsaved draft"


def open_chart(app_as, patient_id: int, tab: str = "Notes"):  # type: ignore[no-untyped-def]
    at = app_as("patient", "demo.clinician")
    at.session_state["nm_selected_patient_id"] = patient_id
    at.session_state["nm_chart_tab"] = tab
    at.run()
    assert not at.exception, at.exception
    return at


def clinician(services):  # type: ignore[no-untyped-def]
    return services.users.get_by_username("demo.clinician")


def click(at, label: str):  # type: ignore[no-untyped-def]
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception
    return at


def press(at, key: str):  # type: ignore[no-untyped-def]
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def restored(at) -> bool:  # type: ignore[no-untyped-def]
    return any(RESTORED in str(i.value) for i in at.info)


def errors(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(e.value) for e in at.error)


def draft(services, pid: int, form: str):  # type: ignore[no-untyped-def]
    found = services.drafts.load(clinician(services), pid, form)
    return None if found is None else found.payload


# --- a note's edit box ------------------------------------------------------------------------------------------
def test_a_half_typed_edit_of_a_note_is_kept_when_the_box_is_left_and_comes_back_after_a_reload(seeded, app_as):
    services, cohort = seeded
    pid = cohort.new_patient_id
    note = services.notes.add(clinician(services), pid, "Seen alone; low mood.")
    at = open_chart(app_as, pid)
    at.text_area(key=edit_key(note.id)).input("Seen alone; low mood.\n1) sleep ~poor~").run()
    assert draft(services, pid, "note_edit") == {str(note.id): {"text": "Seen alone; low mood.\n1) sleep ~poor~",
                                                                "revision": 1}}
    reloaded = open_chart(app_as, pid)  # a reload is a new session
    assert reloaded.text_area(key=edit_key(note.id)).value == "Seen alone; low mood.\n1) sleep ~poor~"
    assert restored(reloaded)
    assert services.notes.list(clinician(services), pid)[0].text == "Seen alone; low mood."  # not saved yet


def test_saving_an_edit_twice_saves_one_revision_and_drops_its_draft(seeded, app_as):
    services, cohort = seeded
    pid = cohort.item9_id
    note = services.notes.add(clinician(services), pid, "Item 9 discussed.")
    at = open_chart(app_as, pid)
    at.text_area(key=edit_key(note.id)).input("Item 9 discussed; safety plan agreed.")
    press(at, f"nm_note_save_{note.id}")
    press(at, f"nm_note_save_{note.id}")  # the second click of a double-click
    stored = next(n for n in services.notes.list(clinician(services), pid) if n.id == note.id)
    assert [r.text for r in stored.revisions] == ["Item 9 discussed.", "Item 9 discussed; safety plan agreed."]
    assert "did not change" not in errors(at)
    assert at.text_area(key=edit_key(note.id)).value == "Item 9 discussed; safety plan agreed."
    assert draft(services, pid, "note_edit") is None


def test_an_edit_over_the_limit_is_refused_under_its_box_and_kept(seeded, app_as):
    services, cohort = seeded
    pid = cohort.switched_id
    note = services.notes.add(clinician(services), pid, "Switched to vortioxetine.")
    long = "word " * (MAX_NOTE_CHARS // 5 + 10)
    at = open_chart(app_as, pid)
    at.text_area(key=edit_key(note.id)).input(long)
    press(at, f"nm_note_save_{note.id}")
    assert "at most 20,000 are allowed" in errors(at)
    assert at.text_area(key=edit_key(note.id)).value == long
    assert draft(services, pid, "note_edit")[str(note.id)]["text"] == long
    assert open_chart(app_as, pid).text_area(key=edit_key(note.id)).value == long
    press(at, f"nm_note_cancel_{note.id}")  # Cancel puts the note back and drops its draft
    assert at.text_area(key=edit_key(note.id)).value == "Switched to vortioxetine."
    assert draft(services, pid, "note_edit") is None


def test_an_edit_begun_before_a_colleagues_edit_is_refused_and_says_so(seeded, app_as):
    services, cohort = seeded
    pid = cohort.responder_id
    note = services.notes.add(clinician(services), pid, "Responding well.")
    at = open_chart(app_as, pid)
    at.text_area(key=edit_key(note.id)).input("Responding well; reduce visits.").run()
    colleague = services.users.get_by_username("demo.clinician2")
    services.users.set_care_team(SYSTEM_USER, pid, [cohort.clinician_id, colleague.id])
    services.notes.edit(colleague, note.id, "Responding well (colleague).")  # a colleague edits it meanwhile
    reloaded = open_chart(app_as, pid)
    assert reloaded.text_area(key=edit_key(note.id)).value == "Responding well; reduce visits."
    assert any("edited by someone else after your edit began" in str(w.value) for w in reloaded.warning)
    press(reloaded, f"nm_note_save_{note.id}")
    assert "someone else edited this note after your edit began" in errors(reloaded)
    stored = next(n for n in services.notes.list(clinician(services), pid) if n.id == note.id)
    assert stored.text == "Responding well (colleague)."


# --- a signed note's addendum box -------------------------------------------------------------------------------
def signed_note(services, pid: int, text: str):  # type: ignore[no-untyped-def]
    note = services.notes.add(clinician(services), pid, text)
    return services.notes.sign(clinician(services), note.id)


def test_a_half_typed_addendum_comes_back_after_a_reload(seeded, app_as):
    services, cohort = seeded
    pid = cohort.new_patient_id
    note = signed_note(services, pid, "Signed assessment.")
    at = open_chart(app_as, pid)
    at.text_area(key=addendum_key(note.id)).input("Bloods: TSH normal.").run()
    assert draft(services, pid, "addendum") == {str(note.id): {"text": "Bloods: TSH normal."}}
    reloaded = open_chart(app_as, pid)
    assert reloaded.text_area(key=addendum_key(note.id)).value == "Bloods: TSH normal."
    assert restored(reloaded)


def test_adding_an_addendum_twice_adds_one_clears_the_box_and_drops_its_draft(seeded, app_as):
    services, cohort = seeded
    pid = cohort.item9_id
    note = signed_note(services, pid, "Risk reviewed.")
    at = open_chart(app_as, pid)
    at.text_area(key=addendum_key(note.id)).input("Called back: safe.")
    press(at, f"nm_addendum_add_{note.id}")
    at.text_area(key=addendum_key(note.id)).input("Called back: safe.")  # the second click still carried the text
    press(at, f"nm_addendum_add_{note.id}")
    stored = next(n for n in services.notes.list(clinician(services), pid) if n.id == note.id)
    assert [a.text for a in stored.addenda] == ["Called back: safe."]
    assert at.text_area(key=addendum_key(note.id)).value == ""
    assert draft(services, pid, "addendum") is None


def test_an_over_long_addendum_is_refused_under_its_box_and_kept(seeded, app_as):
    services, cohort = seeded
    pid = cohort.switched_id
    note = signed_note(services, pid, "Medication review.")
    at = open_chart(app_as, pid)
    long = "x" * 5_001
    at.text_area(key=addendum_key(note.id)).input(long)
    press(at, f"nm_addendum_add_{note.id}")
    assert "at most 5,000 are allowed" in errors(at)
    assert at.text_area(key=addendum_key(note.id)).value == long
    assert draft(services, pid, "addendum")[str(note.id)]["text"] == long
    assert not next(n for n in services.notes.list(clinician(services), pid) if n.id == note.id).addenda


# --- the drug level entry ---------------------------------------------------------------------------------------
def levels(services, pid: int, drug: str) -> list[float]:  # type: ignore[no-untyped-def]
    return [lv.concentration_ng_ml for lv in services.drug_levels.view(clinician(services), pid, drug).levels]


def test_a_half_entered_drug_level_comes_back_after_a_reload(seeded, app_as):
    services, cohort = seeded
    pid = cohort.switched_id  # on vortioxetine
    at = open_chart(app_as, pid, tab="Medications")
    at.number_input(key=f"nm_level_conc_{pid}").set_value(37.5).run()
    assert draft(services, pid, "drug_level")["concentration_ng_ml"] == 37.5
    reloaded = open_chart(app_as, pid, tab="Medications")
    assert reloaded.number_input(key=f"nm_level_conc_{pid}").value == 37.5
    assert restored(reloaded)


def test_saving_a_level_twice_stores_one_clears_the_entry_and_drops_its_draft(seeded, app_as):
    services, cohort = seeded
    pid = cohort.responder_id  # on sertraline
    before = levels(services, pid, "sertraline")
    at = open_chart(app_as, pid, tab="Medications")
    at.time_input(key=f"nm_level_time_{pid}").set_value(time(0, 0))  # sampled at midnight: never in the future
    at.number_input(key=f"nm_level_conc_{pid}").set_value(61)
    click(at, "Save level")
    at.time_input(key=f"nm_level_time_{pid}").set_value(time(0, 0))  # the second click still carried the values
    at.number_input(key=f"nm_level_conc_{pid}").set_value(61)
    click(at, "Save level")
    assert levels(services, pid, "sertraline") == [*before, 61.0]
    assert at.number_input(key=f"nm_level_conc_{pid}").value is None
    assert draft(services, pid, "drug_level") is None
    assert any("Saved a sertraline level of 61 ng/mL" in str(s.value) for s in at.success)


def test_a_level_sampled_in_the_future_is_refused_under_the_sample_time_and_the_entry_is_kept(seeded, app_as):
    services, cohort = seeded
    pid = cohort.item9_id
    at = open_chart(app_as, pid, tab="Medications")
    drug = at.selectbox(key=f"nm_level_drug_{pid}").value
    before = levels(services, pid, drug)
    at.date_input(key=f"nm_level_day_{pid}").set_value(services.context.today() + timedelta(days=3))
    at.number_input(key=f"nm_level_conc_{pid}").set_value(12)
    click(at, "Save level")
    assert "is in the future" in errors(at)
    assert at.number_input(key=f"nm_level_conc_{pid}").value == 12
    assert at.date_input(key=f"nm_level_day_{pid}").value == services.context.today() + timedelta(days=3)
    assert levels(services, pid, drug) == before
    assert draft(services, pid, "drug_level")["concentration_ng_ml"] == 12


# --- the contact consent ----------------------------------------------------------------------------------------
def consent_records(services, pid: int) -> int:  # type: ignore[no-untyped-def]
    return len([r for r in services.audit.query(SYSTEM_USER, patient_id=pid)
                if r.action == AuditAction.CONSENT_RECORD])


def test_a_ticked_but_unrecorded_consent_comes_back_after_a_reload(seeded, app_as):
    services, cohort = seeded
    pid = cohort.new_patient_id
    at = open_chart(app_as, pid, tab="Questionnaires")
    at.checkbox(key=f"nm_consent_sms_{pid}").check().run()
    assert draft(services, pid, "consent")["sms"] is True
    reloaded = open_chart(app_as, pid, tab="Questionnaires")
    assert reloaded.checkbox(key=f"nm_consent_sms_{pid}").value is True
    assert restored(reloaded)


def test_recording_consent_twice_records_once_and_drops_its_draft(seeded, app_as, page_text):
    services, cohort = seeded
    pid = cohort.responder_id
    before = consent_records(services, pid)
    at = open_chart(app_as, pid, tab="Questionnaires")
    at.checkbox(key=f"nm_consent_email_{pid}").check()
    click(at, "Record consent")
    click(at, "Record consent")  # the second click of a double-click
    assert consent_records(services, pid) == before + 1
    assert "E-mail yes · SMS no · recorded" in page_text(at)
    assert at.checkbox(key=f"nm_consent_email_{pid}").value is True
    assert draft(services, pid, "consent") is None


def test_a_consent_dated_in_the_future_is_refused_under_the_date_and_the_choice_is_kept(seeded, app_as):
    services, cohort = seeded
    pid = cohort.switched_id
    before = consent_records(services, pid)
    future = services.context.today() + timedelta(days=2)
    at = open_chart(app_as, pid, tab="Questionnaires")
    at.checkbox(key=f"nm_consent_sms_{pid}").check()
    at.date_input(key=f"nm_consent_on_{pid}").set_value(future)
    click(at, "Record consent")
    assert "is in the future" in errors(at)
    assert at.checkbox(key=f"nm_consent_sms_{pid}").value is True
    assert at.date_input(key=f"nm_consent_on_{pid}").value == future
    assert consent_records(services, pid) == before
    assert draft(services, pid, "consent")["sms"] is True
