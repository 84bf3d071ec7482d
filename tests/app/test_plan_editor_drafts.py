"""The measurement-plan editor keeps its unsent settings like every chart form (AppTest): kept as a draft when a
setting is committed and put back in a new browser session (a reload), with the plan version it was made on; saved
once on a double-click; a draft made on a plan a colleague has since changed is refused as stale, never saved over it;
and an editor without changes follows the plan when the clinician pauses it."""

from __future__ import annotations

import dataclasses

from novamind_core.domain.forms import FormName

RESTORED = "Restored your unsaved draft"


def clinician(services):  # type: ignore[no-untyped-def]
    return services.users.get_by_username("demo.clinician")


def open_chart(app_as, patient_id: int):  # type: ignore[no-untyped-def]
    at = app_as("patient", "demo.clinician")
    at.session_state["nm_selected_patient_id"] = patient_id
    at.run()
    assert not at.exception, at.exception
    return at


def number(at, label: str):  # type: ignore[no-untyped-def]
    return next(n for n in at.number_input if n.label == label)


def button(at, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def start_plan(services, patient_id: int):  # type: ignore[no-untyped-def]
    user = clinician(services)
    panel = services.reporting.plan_view(user, patient_id)
    if panel.plan is None:
        return services.reporting.set_plan(user, patient_id, panel.suggested, expected_version=0)
    return panel.plan


def test_a_changed_plan_setting_comes_back_after_a_reload_with_the_restored_notice(seeded, app_as):
    services, cohort = seeded
    start_plan(services, cohort.responder_id)
    at = open_chart(app_as, cohort.responder_id)
    number(at, "Reminder after (hours; 0 for none)").set_value(36).run()
    assert not at.exception
    draft = services.drafts.load(clinician(services), cohort.responder_id, FormName.MEASUREMENT_PLAN)
    assert draft is not None and draft.payload["reminder_after_hours"] == 36
    reloaded = open_chart(app_as, cohort.responder_id)  # a reload is a new browser session
    assert number(reloaded, "Reminder after (hours; 0 for none)").value == 36
    assert any(RESTORED in str(i.value) for i in reloaded.info)
    assert not reloaded.warning, "the draft was made on the current plan: nothing stale to say"
    button(reloaded, "Save plan").click().run()
    assert not reloaded.exception
    assert services.reporting.plan_view(clinician(services), cohort.responder_id).plan.reminder_after_hours == 36
    assert services.drafts.load(clinician(services), cohort.responder_id, FormName.MEASUREMENT_PLAN) is None


def test_a_double_clicked_save_plan_stores_one_new_version(seeded, app_as):
    services, cohort = seeded
    before = start_plan(services, cohort.switched_id)
    at = open_chart(app_as, cohort.switched_id)
    number(at, "Link valid for (hours)").set_value(96)
    button(at, "Save plan").click().run()
    assert any("Plan saved" in str(s.value) for s in at.success)
    button(at, "Save plan").click().run()  # the second click of a double-click
    assert not at.exception and not at.error
    assert not any("Plan saved" in str(s.value) for s in at.success), "the second click is not a second save"
    plan = services.reporting.plan_view(clinician(services), cohort.switched_id).plan
    assert plan.link_lifetime_hours == 96 and plan.version == before.version + 1


def test_a_draft_made_on_a_plan_a_colleague_changed_since_is_refused_as_stale_and_can_be_dropped(seeded, app_as):
    services, cohort = seeded
    user = clinician(services)
    opened = start_plan(services, cohort.item9_id)
    at = open_chart(app_as, cohort.item9_id)
    number(at, "Every").set_value(3).run()
    with services.context.uow() as uow:  # a colleague on the care team saves first (their own drafts are theirs)
        uow.plans.save(dataclasses.replace(opened, reminder_after_hours=12), opened.version, None,
                       services.context.now())
        uow.commit()
    reloaded = open_chart(app_as, cohort.item9_id)
    assert number(reloaded, "Every").value == 3, "the user's change is put back"
    assert any("This plan was changed since you opened it" in str(w.value) for w in reloaded.warning)
    button(reloaded, "Save plan").click().run()
    assert any("someone else changed this plan after you opened it" in str(e.value) for e in reloaded.error)
    current = services.reporting.plan_view(user, cohort.item9_id).plan
    assert current.reminder_after_hours == 12 and current.version == opened.version + 1, "nothing saved over it"
    button(reloaded, "Load the current plan").click().run()
    assert not reloaded.exception
    assert number(reloaded, "Reminder after (hours; 0 for none)").value == 12
    assert not any("This plan was changed" in str(w.value) for w in reloaded.warning)
    assert services.drafts.load(user, cohort.item9_id, FormName.MEASUREMENT_PLAN) is None


def test_pausing_the_plan_does_not_make_an_untouched_editor_call_it_changed_by_someone_else(seeded, app_as):
    services, cohort = seeded
    start_plan(services, cohort.new_patient_id)
    at = open_chart(app_as, cohort.new_patient_id)
    button(at, "Pause plan").click().run()
    assert not at.exception
    at.run()
    assert not any("This plan was changed" in str(w.value) for w in at.warning)
    assert services.drafts.load(clinician(services), cohort.new_patient_id, FormName.MEASUREMENT_PLAN) is None


def test_unsaved_edits_survive_the_clinicians_own_pause_and_save_onto_the_paused_plan(seeded, app_as):
    services, cohort = seeded
    user = clinician(services)
    opened = start_plan(services, cohort.responder_id)
    at = open_chart(app_as, cohort.responder_id)
    number(at, "Link valid for (hours)").set_value(120).run()
    button(at, "Pause plan").click().run()
    assert not at.exception
    assert not any("This plan was changed" in str(w.value) for w in at.warning), "their own pause, not a colleague's"
    assert number(at, "Link valid for (hours)").value == 120, "the edit is kept"
    draft = services.drafts.load(user, cohort.responder_id, FormName.MEASUREMENT_PLAN)
    assert draft is not None and draft.payload["version"] == opened.version + 1, "a reload finds it current too"
    button(at, "Save plan").click().run()
    assert not at.error
    saved = services.reporting.plan_view(user, cohort.responder_id).plan
    assert saved.link_lifetime_hours == 120 and not saved.active, "saved onto the paused plan, still paused"
