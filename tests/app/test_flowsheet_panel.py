"""The flowsheet on the chart's Questionnaires tab (AppTest): one column per date, item rows, total and band, and
the trajectory of whichever instrument is chosen."""

from __future__ import annotations


def test_the_flowsheet_shows_each_phq9_item_per_date_and_follows_the_chosen_instrument(seeded, app_as):
    services, cohort = seeded
    user = services.users.get_by_username("demo.clinician")
    phq9_dates = {a.administered_on for a in services.assessments.history(user, cohort.responder_id, "PHQ-9")}
    at = app_as("patient", "demo.clinician")
    at.session_state["nm_selected_patient_id"] = cohort.responder_id
    at.session_state["nm_chart_tab"] = "Questionnaires"
    at.run()
    assert not at.exception
    frame = next(d.value for d in at.dataframe if "Item" in d.value.columns)
    assert len(frame.columns) == 1 + len(phq9_dates) >= 3
    assert frame["Item"].iloc[8].startswith("9. Thoughts that you would be better off dead")
    assert list(frame["Item"].iloc[-2:]) == ["Total (of 27)", "Band"]
    choice = next(s for s in at.selectbox if s.label == "Questionnaire")
    assert choice.value == "PHQ-9"
    if "GAD-7" in choice.options:
        choice.set_value("GAD-7").run()
        assert not at.exception
        frame = next(d.value for d in at.dataframe if "Item" in d.value.columns)
        assert frame["Item"].iloc[-2] == "Total (of 21)"
