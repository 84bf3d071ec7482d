"""AppTest: the Twin state page for a signed-in clinician and a seeded patient (tests/app/ui_cohort.py)."""

from __future__ import annotations

import json
from datetime import timedelta

from streamlit.testing.v1 import AppTest

from components.shared.theme import DISCLAIMER, SYNTHETIC_NOTICE
from novamind_core.domain.brain import Neurotransmitter
from tests.app.ui_cohort import CLINICIAN

PAGE = "../../pages/twin_state.py"


def open_page(patient_id: int) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in {"authentication_status": True, "username": CLINICIAN, "name": "Dr Ada Lovelace",
                       "roles": ["clinician"], "logout": None, "nm_selected_patient_id": patient_id}.items():
        at.session_state[key] = value
    return at.run()


def figures(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def titles(at: AppTest) -> list[str]:
    return [f["layout"].get("title", {}).get("text", "") for f in figures(at)]


def test_twin_state_page_shows_the_heatmap_brain_map_symptoms_and_occupancy(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)
    assert not at.exception
    at.toggle(key="nm_twin_unmodelled").set_value(True).run()  # all 12 columns: the unmodelled ones are opt-in
    heat = next(f for f in figures(at) if f["data"][0]["type"] == "heatmap")
    assert len(heat["data"][0]["y"]) == 23 and len(heat["data"][0]["x"]) == 12
    found = " | ".join(titles(at))
    for part in ("Neurotransmitter levels by region", "Serotonin by region", "Symptom domains", "Target occupancy",
                 "Twin versions"):
        assert part in found
    assert any("not a medical device" in cap.value for cap in at.caption)


def test_choosing_another_neurotransmitter_redraws_the_brain_map(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)
    at.radio(key="nm_twin_map_nt").set_value(Neurotransmitter.NOREPINEPHRINE).run()
    assert not at.exception
    assert any(t.startswith("Norepinephrine by region") for t in titles(at))


def test_a_new_assessment_stores_a_new_version_that_can_be_compared(cohort):  # type: ignore[no-untyped-def]
    services, c = cohort
    doc = services.users.get_by_username(CLINICIAN)
    at = open_page(c.item9_id)
    before = services.twin.version_history(doc, c.item9_id)
    services.assessments.record(doc, c.item9_id, "PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 0],
                                services.context.today() - timedelta(days=1))
    at.run()
    assert not at.exception
    after = services.twin.version_history(doc, c.item9_id)
    assert len(after) == len(before) + 1 and after[-1].trigger == "assessment"
    assert at.metric[0].value == f"v{after[-1].version}"
    diff = next(d.value for d in at.dataframe if "what" in d.value.columns)
    assert len(diff) > 0 and any("phq9_total" in str(w) for w in diff["what"])


def test_a_patient_of_another_care_team_is_refused(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.other_patient_id)
    assert not at.exception
    assert any("not on your care team" in e.value for e in at.error)
    assert not at.get("plotly_chart")


def test_twin_page_shows_the_learned_models_ranking_and_forecast_marked_as_synthetic(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)
    assert not at.exception
    found = " | ".join(titles(at))
    assert "Predicted response and remission at week 8 by drug" in found
    assert "PHQ-9 forecast if the current treatment continues" in found
    text = " ".join(str(getattr(el, "value", "")) for el in [*at.markdown, *at.caption, *at.warning, *at.info])
    assert "synthetic" in text.lower()


def test_the_page_answers_why_not_responding_first_with_signals_options_and_assumptions(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)
    assert not at.exception
    assert at.subheader[0].value == "How is this patient responding to the current treatment?"
    signals, options = at.dataframe[0].value, at.dataframe[1].value  # the first two tables on the page
    assert list(signals["Check"]) == ["Exposure", "Target occupancy", "Time on an adequate dose", "Adherence",
                                      "PGx and phenoconversion", "Early improvement"]
    assert "reference range" in signals["Finding"].iloc[0] and "Hiemke" in signals["Source"].iloc[0]
    assert "SERT occupancy" in signals["Finding"].iloc[1]
    assert options["Option"].iloc[0] == "Continue unchanged"
    assert any(o.startswith("Switch to") for o in options["Option"])
    chance = options["Response within 12 weeks"].iloc[0]
    assert chance.endswith(")") and "–" in chance  # a probability with its interval
    assert "not modelled" in list(options["Response within 12 weeks"])[-1]  # augmentation is not in the model
    assert any("Response = PHQ-9 at or below half" in cap.value for cap in at.caption)


def test_only_the_modelled_neurotransmitters_show_until_the_toggle_that_says_the_rest_are_not_modelled(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)
    heat = next(f for f in figures(at) if f["data"][0]["type"] == "heatmap")
    assert heat["data"][0]["x"] == ["Serotonin", "Dopamine", "Norepinephrine"]
    toggle = at.toggle(key="nm_twin_unmodelled")
    assert "not modelled" in toggle.label and toggle.value is False
    toggle.set_value(True).run()
    heat = next(f for f in figures(at) if f["data"][0]["type"] == "heatmap")
    assert heat["data"][0]["x"][:3] == ["Serotonin", "Dopamine", "Norepinephrine"] and len(heat["data"][0]["x"]) == 12


def test_each_model_caption_and_the_synthetic_data_notice_appear_once_on_the_twin_page(cohort):  # type: ignore[no-untyped-def]
    _services, c = cohort
    at = open_page(c.responder_id)
    assert not at.exception
    texts = [el.value for el in (*at.caption, *at.warning)]
    assert sum("Model: Novamind twin" in t for t in texts) == 1
    assert sum(SYNTHETIC_NOTICE in t for t in texts) == 1  # the learned models' output is on the page
    assert sum(DISCLAIMER in t for t in texts) == 1, [t[:90] for t in texts if DISCLAIMER in t]


def test_the_signals_finding_and_source_wrap_in_wide_columns_instead_of_being_cut(cohort):  # type: ignore[no-untyped-def]
    import json

    from components.shared.ui import WRAPPED_ROW_PX

    _services, c = cohort
    at = open_page(c.responder_id)
    signals = at.dataframe[0].proto
    assert signals.row_height >= WRAPPED_ROW_PX > 64  # the grid wraps text only in rows taller than 4 rem
    columns = json.loads(signals.columns)
    assert columns["Finding"]["width"] >= 300 and columns["Source"]["width"] >= 300
    status = " ".join(at.dataframe[0].value["Status"])
    assert "✓" in status or "⚠" in status or "?" in status
