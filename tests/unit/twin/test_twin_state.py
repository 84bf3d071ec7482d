"""Twin state: symptom domains from item answers, JSON round trip, version diff."""

import json

import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.twin.state import TwinState, build_twin_state, diff, symptom_domains

PHQ9 = [2, 3, 1, 2, 1, 3, 2, 0, 1]
GAD7 = [2, 2, 1, 1, 0, 1, 2]


def test_phq9_item_nine_above_zero_sets_the_suicidality_flag():
    assert symptom_domains(PHQ9).suicidality_risk_flag is True
    assert symptom_domains(PHQ9[:8] + [0]).suicidality_risk_flag is False


def test_domains_are_scaled_item_scores():
    d = symptom_domains(PHQ9, GAD7, isi_items=[4, 4, 4, 4, 4, 4, 4])
    assert d.anhedonia == pytest.approx(2 / 3, abs=1e-4)
    assert d.depressed_mood == pytest.approx((3 + 3) / 6, abs=1e-4)
    assert d.anxiety == pytest.approx(9 / 21, abs=1e-4)
    assert d.sleep == pytest.approx((1 / 3 + 1.0) / 2, abs=1e-4)
    assert d.phq9_total == 15 and d.gad7_total == 9 and d.isi_total == 28


def test_missing_instrument_leaves_its_domains_empty():
    d = symptom_domains(gad7_items=GAD7)
    assert d.depressed_mood is None and d.anxiety is not None and d.suicidality_risk_flag is False


def test_item_answers_out_of_range_are_rejected():
    with pytest.raises(ValidationError):
        symptom_domains([4] * 9)


def _state(**kw):
    history = {"phq9": [[0, 18], [14, 15]], "phq9_items": PHQ9, "gad7_items": GAD7}
    history.update(kw)
    return build_twin_state(history, biometrics={"sleep_efficiency_percent": 81.0})


def test_twin_state_survives_a_json_round_trip():
    s = _state()
    again = TwinState.from_dict(json.loads(json.dumps(s.to_dict())))
    assert again == s
    assert len(s.nt_levels) == 23 and all(len(r) == 12 for r in s.nt_levels)


def test_diff_lists_exactly_what_changed_between_two_versions():
    a = _state()
    b = TwinState.from_dict({**a.to_dict(), "version": 2,
                             "symptoms": {**a.to_dict()["symptoms"], "phq9_total": 10}})
    changes = diff(a, b)
    assert changes == {"version": (1, 2), "symptoms.phq9_total": (15, 10)}
    assert diff(a, a) == {}


def test_state_without_history_says_it_uses_the_prior():
    s = build_twin_state(None)
    assert s.parameters["is_prior"] is True
    assert all(v == 1.0 for row in s.nt_levels for v in row)
