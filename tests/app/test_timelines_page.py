"""AppTest: the Neurotransmitter timelines page (signed-in clinician, seeded patients)."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.app.ui_cohort import CLINICIAN

PAGE = "../../pages/timelines.py"


def open_page(patient_id: int) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in {"authentication_status": True, "username": CLINICIAN, "name": "Dr Ada Lovelace",
                       "roles": ["clinician"], "logout": None, "nm_selected_patient_id": patient_id}.items():
        at.session_state[key] = value
    return at.run()


def figure(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_timelines_show_linked_plasma_occupancy_and_level_panels_with_cards(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)
    assert not at.exception
    fig = figure(at)
    names = {t["name"] for t in fig["data"]}
    assert {"sertraline", "SERT", "Serotonin · Prefrontal cortex", "Dopamine · Amygdala"} <= names
    assert fig["layout"]["xaxis3"]["rangeselector"]["buttons"]
    assert [m.label for m in at.metric] == ["Current regimen", "Time to steady state", "Occupancy today",
                                            "Adaptation progress"]
    assert (at.metric[0].value, at.metric[0].delta) == ("sertraline 100 mg", "every 24 h")  # not cut in the card
    assert "On sertraline 100 mg" in at.info[0].value


def test_choosing_regions_and_neurotransmitters_changes_the_lines(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)
    at.multiselect(key="nm_tl_regions").set_value(["hippocampus"])
    at.multiselect(key="nm_tl_nts").set_value(["norepinephrine"]).run()
    names = {t["name"] for t in figure(at)["data"]}
    assert "Norepinephrine · Hippocampus" in names and "Serotonin · Prefrontal cortex" not in names


def test_a_saved_scenario_continues_the_timeline_dashed_after_today(cohort):  # type: ignore[no-untyped-def]
    services, c = cohort
    doc = services.users.get_by_username(CLINICIAN)
    services.twin.save_scenario(doc, c.switched_id, "Back to citalopram", {
        "steps": [{"drug": "citalopram", "dose_mg": 20, "days": 28}], "switch_strategy": "cross-taper",
        "horizon_weeks": 4}, note="if vortioxetine is not tolerated")
    at = open_page(c.switched_id)
    at.selectbox(key="nm_tl_scenario").select_index(1).run()
    assert not at.exception
    fig = figure(at)
    dashed = [t for t in fig["data"] if t.get("line", {}).get("dash") == "dash"]
    bands = [t for t in fig["data"] if t.get("fill") == "toself"]
    assert dashed and bands
    assert "saved plan 'Back to citalopram'" in fig["layout"]["title"]["text"]


def test_a_patient_with_no_medication_sees_the_baseline_sentence(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.new_patient_id)
    assert not at.exception
    assert "No simulated drug is on board today" in at.info[0].value


def test_a_measured_level_is_plotted_on_the_plasma_panel_against_the_population_band_and_individual_fit(cohort):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    services, c = cohort
    doc = services.users.get_by_username(CLINICIAN)
    sampled = services.context.now() - timedelta(days=1)
    services.drug_levels.record(doc, c.item9_id, "escitalopram", 21.0, sampled)
    at = open_page(c.item9_id)  # escitalopram 10 mg daily for 6 weeks, born 1991, male
    assert not at.exception
    traces = {t["name"]: t for t in figure(at)["data"]}
    measured = traces["escitalopram measured level"]
    assert measured["y"] == [21.0] and measured["xaxis"] == "x" and measured["yaxis"] == "y"
    assert "escitalopram population 90% band (TDM prior)" in traces
    assert traces["escitalopram individual fit (Bayesian)"]["yaxis"] == "y"
    caption = next(cap.value for cap in at.caption if "measured level(s)" in cap.value)
    assert "Decision support" in caption and "1 measured level(s)" in caption and "Assumes first dose" in caption


def test_the_timelines_caption_gives_qtc_the_qt_rules_and_where_the_trough_from_the_dosing_history_falls(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.item9_id)
    row = next(cap.value for cap in at.caption if cap.value.startswith("Current regimen"))
    assert "escitalopram 10 mg/day" in row and "predicted ΔΔQTc" in row and "upper 95%" in row
    assert "reference range (escitalopram) 15–80 ng/mL" in row
    assert "trough before the next dose, from the dosing history" in row
    assert "covariates used: age" in row and "sex male" in row and "Hiemke" in row
    on_sertraline = open_page(c.responder_id)
    row = next(cap.value for cap in on_sertraline.caption if cap.value.startswith("Current regimen"))
    assert "ΔΔQTc not available for sertraline: no thorough-QT figures" in row
