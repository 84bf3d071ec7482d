"""Clinician entry of the step-15 instruments on the chart (AppTest): PHQ-9 item 10 is optional and never scored;
AUDIT-C and the MDQ (with its two unscored questions) save through the same form; the clinician-asked C-SSRS
screener is offered last, read as a triage level, and any yes raises the self-harm risk alert."""

from __future__ import annotations


def open_chart(app_as, patient_id: int):  # type: ignore[no-untyped-def]
    at = app_as("patient", "demo.clinician")
    at.session_state["nm_selected_patient_id"] = patient_id
    at.run()
    assert not at.exception
    return at


def save(at, name: str):  # type: ignore[no-untyped-def]
    at.button(key=f"nm_q_{name}_review").click().run()
    at.button(key=f"nm_q_{name}_confirm").click().run()
    assert not at.exception
    return at


def latest(services, patient_id: int, instrument: str):  # type: ignore[no-untyped-def]
    user = services.users.get_by_username("demo.clinician")
    return services.assessments.history(user, patient_id, instrument)[-1]


def test_phq9_item_10_is_optional_saved_when_answered_and_not_in_the_total(seeded, app_as, page_text):
    services, cohort = seeded
    at = open_chart(app_as, cohort.new_patient_id)
    for item in range(1, 10):
        at.radio(key=f"nm_q_PHQ9_{item}").set_value(1)
    at.run()
    assert "Total 9 of 27" in page_text(at), "item 10 unanswered does not hold the total back"
    at.radio(key="nm_q_PHQ9_10").set_value(3).run()
    assert "Total 9 of 27" in page_text(at)
    save(at, "PHQ9")
    saved = latest(services, cohort.new_patient_id, "PHQ-9")
    assert saved.total == 9 and saved.answers == (1,) * 9 and saved.extra_answers == (3,)


def test_auditc_and_mdq_are_entered_and_scored_by_their_own_rules(seeded, app_as, page_text):
    services, cohort = seeded
    at = open_chart(app_as, cohort.new_patient_id)
    choice = at.segmented_control(key="nm_q_instrument")
    assert {"AUDIT-C", "MDQ", "PCL-5", "WSAS", "ASRM"} <= set(choice.options)
    choice.set_value("AUDIT-C").run()
    for item, value in enumerate([2, 1, 1], start=1):
        at.radio(key=f"nm_q_AUDITC_{item}").set_value(value)
    save(at.run(), "AUDITC")
    assert latest(services, cohort.new_patient_id, "AUDIT-C").severity == "positive"
    at.segmented_control(key="nm_q_instrument").set_value("MDQ").run()
    for item in range(1, 14):
        at.radio(key=f"nm_q_MDQ_{item}").set_value(1 if item <= 8 else 0)
    at.radio(key="nm_q_MDQ_14").set_value(1)
    at.radio(key="nm_q_MDQ_15").set_value(2)
    save(at.run(), "MDQ")
    mdq = latest(services, cohort.new_patient_id, "MDQ")
    assert mdq.total == 8 and len(mdq.answers) == 13 and mdq.extra_answers == (1, 2)


def test_the_cssrs_screener_is_entered_on_its_own_reads_as_a_triage_level_and_a_yes_raises_the_risk_alert(
        seeded, app_as, page_text):
    services, cohort = seeded
    pid = cohort.switched_id
    at = open_chart(app_as, pid)
    choice = at.segmented_control(key="nm_q_instrument")
    assert choice.options[-1] == "C-SSRS", "offered last: asked by the clinician, never sent to the patient"
    choice.set_value("C-SSRS").run()
    assert "Ask questions 1 and 2" in page_text(at)
    for item in range(1, 8):
        at.radio(key=f"nm_q_CSSRS_{item}").set_value(1 if item == 1 else 0)
    at.run()
    shown = page_text(at)
    assert "Triage: low risk" in shown and " of 3" not in shown, "a triage level, not a score out of 3"
    assert any("raises a self-harm risk alert" in e.value for e in at.error)
    at.button(key="nm_q_CSSRS_review").click().run()
    assert any("triage level low risk?" in w.value for w in at.warning)
    at.button(key="nm_q_CSSRS_confirm").click().run()
    assert not at.exception
    saved = latest(services, pid, "C-SSRS")
    assert saved.total == 1 and saved.answers == (1, 0, 0, 0, 0, 0, 0)
    assert any("Saved C-SSRS, triage level low risk," in s.value and "Alerts raised: Suicide risk screen" in s.value
               for s in at.success)
