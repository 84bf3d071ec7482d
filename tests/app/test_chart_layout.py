"""The chart's layout (AppTest): the tabs come right under the banner (the outcome summary and trajectory are the
first tab, not a screen above the tabs), the open tab survives a save's rerun and a reload (``?tab=``), and a save's
confirmation is shown inside the tab whose form made it, not at the top of the page."""

from __future__ import annotations


def open_chart(app_as, patient_id: int, tab: str | None = None, **query: str):  # type: ignore[no-untyped-def]
    at = app_as("patient", "demo.clinician", **query)
    at.session_state["nm_selected_patient_id"] = patient_id
    if tab is not None:
        at.session_state["nm_chart_tab"] = tab
    at.run()
    assert not at.exception
    return at


def tab(at, name: str):  # type: ignore[no-untyped-def]
    return next(t for t in at.tabs if t.label.split(" (")[0] == name)


def change_dose(at, dose: float, reason: str) -> None:  # type: ignore[no-untyped-def]
    next(n for n in at.number_input if n.label == "New dose (mg)").set_value(dose)
    next(t for t in at.text_input if t.label == "Reason *").input(reason)
    next(b for b in at.button if b.label == "Save change").click().run()
    assert not at.exception


def test_the_outcome_summary_and_trajectory_are_the_first_tab_so_the_tabs_sit_under_the_banner(seeded, app_as):
    _, cohort = seeded
    at = open_chart(app_as, cohort.responder_id)
    assert at.tabs[0].label == "Overview"
    overview = tab(at, "Overview")
    assert len(overview.get("plotly_chart")) == 1, "the trajectory is inside the first tab"
    assert any("latest" in m.label for m in overview.metric), "the outcome cards are inside the first tab"
    assert not [m for m in at.main.metric if m not in list(overview.metric) and "latest" in m.label]


def test_the_open_tab_survives_a_saves_rerun_and_is_named_in_the_address_bar(seeded, app_as):
    _, cohort = seeded
    at = open_chart(app_as, cohort.switched_id, tab="Medications")
    assert at.query_params["tab"] in ("medications", ["medications"])
    change_dose(at, 15, "partial response at 4 weeks")
    assert at.session_state["nm_chart_tab"] == "Medications"
    assert at.query_params["tab"] in ("medications", ["medications"])


def test_a_reload_with_a_tab_in_the_address_bar_opens_that_tab(seeded, app_as):
    _, cohort = seeded
    at = app_as("patient", "demo.clinician", tab="visits")  # a fresh session: nothing remembered but the URL
    at.session_state["nm_selected_patient_id"] = cohort.switched_id
    at.run()
    assert not at.exception
    assert at.session_state["nm_chart_tab"] == "Visits"
    assert at.query_params["tab"] in ("visits", ["visits"])


def test_a_dose_changes_confirmation_is_shown_inside_the_medications_tab_not_at_the_page_top(seeded, app_as):
    _, cohort = seeded
    at = open_chart(app_as, cohort.switched_id, tab="Medications")
    change_dose(at, 20, "still partial at 6 weeks")
    inside = [s.value for s in tab(at, "Medications").success]
    assert any("Changed to" in v and "20 mg" in v for v in inside)
    everywhere = [s.value for s in at.success if "Changed to" in s.value]
    assert everywhere == [v for v in inside if "Changed to" in v], "shown once, beside the form, not also at the top"
    assert any("Changed to" in str(t.proto.body) for t in at.toast), "and as a toast"
    at.run()
    assert not [s for s in at.success if "Changed to" in s.value], "shown once, not on the next rerun"


def test_the_medication_to_change_and_the_confirm_button_get_the_forms_whole_width_not_a_narrow_column(seeded, app_as):
    _, cohort = seeded
    at = open_chart(app_as, cohort.switched_id, tab="Medications")
    # in a quarter column "vortioxetine 10 mg daily" read "vortioxeti…": the select's column is the form's own
    holding = [c for c in at.columns if any(s.label == "Medication" for s in c.selectbox)]
    assert holding and all(any(b.label == "Save change" for b in c.button) for c in holding)
    for item, value in enumerate([1, 1, 1, 1, 1, 1, 0, 0, 0], start=1):
        at.radio(key=f"nm_q_PHQ9_{item}").set_value(value)
    at.run()
    at.button(key="nm_q_PHQ9_review").click().run()
    # side by side in the narrow score column the button read "Confir…": it has the score column's width
    holding = [c for c in at.columns if any(b.key == "nm_q_PHQ9_confirm" for b in c.button)]
    assert holding and all(any(b.key == "nm_q_PHQ9_review" for b in c.button) for c in holding)


def test_a_confirmation_whose_section_was_not_drawn_is_toasted_once_and_not_carried_to_another_chart(seeded, app_as):
    _, cohort = seeded
    at = app_as("patient", "demo.clinician")
    at.session_state["nm_selected_patient_id"] = cohort.switched_id
    at.session_state["nm_flash_at"] = {"levels-of-a-stopped-drug": ["Saved a sertraline level of 40 ng/mL."]}
    at.run()
    assert not at.exception
    assert [t for t in at.toast if "sertraline level" in str(t.proto.body)]
    at.session_state["nm_selected_patient_id"] = cohort.responder_id
    at.run()
    assert not [t for t in at.toast if "sertraline level" in str(t.proto.body)]
    assert not [s for s in at.success if "sertraline level" in s.value]
