"""AppTest: the Treatment simulation page (signed-in clinician, seeded responder on sertraline)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from components.shared.theme import DISCLAIMER, SYNTHETIC_NOTICE
from tests.app.ui_cohort import CLINICIAN

PAGE = "../../pages/simulation.py"


@pytest.fixture(autouse=True)
def _no_plans_queued_before(cohort):  # type: ignore[no-untyped-def]
    """Each test starts with an empty comparison: queued plans are kept as the user's draft across sessions
    (tests/app/test_nothing_typed_is_lost.py), so one test's queue would otherwise come back in the next."""
    services, c = cohort
    user = services.users.get_by_username(CLINICIAN)
    for pid in (c.responder_id, c.item9_id, c.switched_id, c.new_patient_id):
        services.drafts.discard(user, pid, "simulation_plans")


def open_page(patient_id: int) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    for key, value in {"authentication_status": True, "username": CLINICIAN, "name": "Dr Ada Lovelace",
                       "roles": ["clinician"], "logout": None, "nm_selected_patient_id": patient_id}.items():
        at.session_state[key] = value
    return at.run()


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def add_plan(at: AppTest, name: str, adherence: int = 100, **numbers: float) -> AppTest:
    at.text_input(key="nm_sf_name").set_value(name)
    at.slider(key="nm_sf_adherence").set_value(adherence)
    for key, value in numbers.items():
        at.number_input(key=f"nm_sf_{key}").set_value(value)
    at.run()
    return at.button(key="nm_sf_add").click().run()


def fan(at: AppTest) -> dict:
    return next(json.loads(el.proto.spec) for el in at.get("plotly_chart")
                if "Predicted PHQ-9" in json.loads(el.proto.spec)["layout"]["title"]["text"])


def test_two_plans_run_into_a_fan_chart_and_an_outcomes_table(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)
    assert not at.exception
    assert at.number_input(key="nm_sf_start").value == 100.0  # continuing the week-0 drug: its current dose
    at.selectbox(key="nm_sf_drug").set_value("escitalopram").run()
    assert at.number_input(key="nm_sf_start").value == 10.0  # another drug: the catalogue's usual start
    at.selectbox(key="nm_sf_drug").set_value("sertraline").run()
    add_plan(at, "Stay on sertraline", start=100.0, dose2=0.0)
    add_plan(at, "Lower adherence", adherence=60, start=100.0, dose2=0.0)
    at.button(key="nm_sim_run_button").click().run()
    assert not at.exception
    figure = fan(at)
    medians = [t for t in figure["data"] if t["name"].endswith("(median, 50% and 90% bands)")]
    assert [t["name"].split(" (")[0] for t in medians] == ["Stay on sertraline", "Lower adherence"]
    assert any(t["name"] == "observed PHQ-9" for t in figure["data"])
    table = next(d.value for d in at.dataframe if "Scenario" in d.value.columns)
    assert list(table["Scenario"]) == ["Stay on sertraline", "Lower adherence"]
    assert table["P(response) wk 8"].iloc[0] > table["P(response) wk 8"].iloc[1]  # adherence matters
    assert any("Model: Novamind twin" in cap.value and "calibrated" in cap.value for cap in at.caption)
    assert sum("not a medical device" in cap.value for cap in at.caption) == 1  # once per page


def test_changing_the_dose_changes_the_predicted_outcome(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.switched_id)
    add_plan(at, "Low", start=10.0, dose2=0.0)
    at.selectbox(key="nm_sf_drug").set_value("sertraline").run()
    add_plan(at, "Sertraline 150", start=50.0, dose2=150.0, after2=7)
    at.button(key="nm_sim_run_button").click().run()
    table = next(d.value for d in at.dataframe if "Scenario" in d.value.columns)
    assert table["PHQ-9 median at end"].iloc[0] != table["PHQ-9 median at end"].iloc[1]


def test_a_dose_above_the_usual_maximum_shows_the_validation_message_and_blocks_adding(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)
    at.number_input(key="nm_sf_dose2").set_value(500.0).run()
    assert any("above the usual maximum of 200 mg/day" in e.value for e in at.error)
    assert at.button(key="nm_sf_add").disabled


def test_a_plan_saved_with_a_note_can_be_reloaded_into_the_comparison(cohort):  # type: ignore[no-untyped-def]
    services, c = cohort
    doc = services.users.get_by_username(CLINICIAN)
    at = open_page(c.item9_id)
    add_plan(at, "Escitalopram 20", start=10.0, dose2=20.0, after2=7)
    at.button(key="nm_sim_run_button").click().run()
    at.text_area[0].set_value("discussed with patient; review in 4 weeks")
    button(at, "Save to chart").click().run()
    assert not at.exception
    saved = services.twin.list_scenarios(doc, c.item9_id)
    assert saved[0].name == "Escitalopram 20" and saved[0].note == "discussed with patient; review in 4 weeks"
    fresh = open_page(c.item9_id)
    fresh.button(key="nm_sim_load").click().run()
    assert any("Escitalopram 20" in m.value for m in fresh.markdown)
    assert fresh.session_state["nm_sim_queue"][0].to_mapping()["steps"] == saved[0].scenario["steps"]


def test_switch_and_stop_plans_show_discontinuation_risk_a_taper_and_the_hunter_checklist(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)  # on sertraline 100 mg at week 0
    at.selectbox(key="nm_sf_drug").set_value("escitalopram").run()
    add_plan(at, "Switch to escitalopram")
    at.selectbox(key="nm_sf_drug").set_value("placebo").run()
    add_plan(at, "Stop sertraline")
    assert not at.exception
    assert any("Coming off the current medication" in m.value for m in at.markdown)
    assert any("31%" in m.value and "Sertraline" in m.value for m in at.markdown)  # Henssler 2024 on the page
    assert any("Henssler" in cap.value for cap in at.caption)
    taper = next(d.value for d in at.dataframe if "SERT occupancy (%)" in d.value.columns)
    assert taper["Dose (mg/day)"].iloc[0] == 100 and taper["Dose (mg/day)"].iloc[-1] == 0
    hunter = [b for b in at.checkbox if b.key and b.key.startswith("nm_sim_off_0_hunter")]
    assert len(hunter) == 5 and any("Dunkley" in cap.value for cap in at.caption)
    hunter[3].check().run()
    assert any("Hunter criteria" in e.value for e in at.error)


def test_each_plan_shows_its_qtc_the_citalopram_qt_cap_and_the_reference_range_with_the_trough(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)  # born 1984, female, on sertraline 100 mg
    at.selectbox(key="nm_sf_drug").set_value("citalopram").run()
    at.number_input(key="nm_sf_start").set_value(40.0).run()
    add_plan(at, "Citalopram 40")
    at.selectbox(key="nm_sf_drug").set_value("sertraline").run()
    add_plan(at, "Stay on sertraline")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "**citalopram 40 mg/day**: predicted ΔΔQTc" in text and "upper 95%" in text
    assert "reference range (citalopram) 50–110 ng/mL" in text and "predicted steady-state trough" in text
    assert "ΔΔQTc not available for sertraline: no thorough-QT figures" in text
    assert "covariates used: age" in text and "sex female" in text
    assert any("citalopram QT-safe maximum 40 mg/day" in cap.value for cap in at.caption)  # the QT rule
    assert any("FDA" in cap.value and "Hiemke" in cap.value for cap in at.caption)


def model_notice_counts(at: AppTest) -> dict[str, int]:
    """How often each model caption appears in the page body (captions and warnings; the layout's footer is apart)."""
    texts = [el.value for el in (*at.caption, *at.warning)]
    return {name: sum(marker in text for text in texts) for name, marker in (
        ("model statement", "Model: Novamind twin"), ("synthetic data", SYNTHETIC_NOTICE), ("disclaimer", DISCLAIMER))}


def test_statistical_settings_sit_in_an_advanced_expander_in_plain_words_and_each_model_caption_shows_once(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)
    (advanced,) = [e for e in at.expander if e.label == "Advanced: simulation settings"]
    assert [s.label for s in advanced.selectbox] == ["Number of simulated patients"]
    assert [n.label for n in advanced.number_input] == ["Random seed (for repeatable results)"]
    labels = [w.label for w in (*at.selectbox, *at.number_input)]
    assert not [label for label in labels if "Monte Carlo" in label or label == "Seed"]
    add_plan(at, "Stay on sertraline", start=100.0, dose2=0.0)
    add_plan(at, "Lower adherence", adherence=60, start=100.0, dose2=0.0)
    at.button(key="nm_sim_run_button").click().run()
    assert not at.exception
    counts = model_notice_counts(at)
    assert counts["model statement"] == 1 and counts["disclaimer"] == 1 and counts["synthetic data"] <= 1, [
        t[:80] for t in (el.value for el in (*at.caption, *at.warning)) if DISCLAIMER in t or SYNTHETIC_NOTICE in t]
    assert not [cap.value for cap in at.caption if "Monte Carlo" in cap.value or "Laplace" in cap.value]
    (how,) = [e for e in at.expander if e.label == "Advanced: how these predictions were computed"]
    assert any("MAP + Laplace" in m.value for m in how.markdown)


def test_a_plan_added_twice_is_accepted_with_a_hint_that_it_is_the_same_as_the_earlier_plan(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)
    add_plan(at, "Stay on sertraline")
    assert not [w for w in at.warning if "is the same as plan" in str(w.value)]
    add_plan(at, "Stay on sertraline")
    assert "Plans to compare (2/" in " ".join(str(m.value) for m in at.markdown)  # accepted, not blocked
    assert any("Plan 2 is the same as plan 1" in str(w.value) for w in at.warning)
    add_plan(at, "Higher dose", start=150.0)
    assert not any("Plan 3 is the same" in str(w.value) for w in at.warning)
