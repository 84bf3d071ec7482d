"""Reference ranges: AGNP values with sources, the analyte's model curve, and where a trough falls."""

from __future__ import annotations

import numpy as np
import pytest

from novamind_core.pharmacology import load_catalogue
from novamind_core.pharmacology.reference_ranges import all_reference_ranges, reference_range, trough_positions


def test_every_catalogue_drug_but_placebo_has_a_range_with_an_alert_level_and_a_source():
    cat = load_catalogue()
    assert set(all_reference_ranges()) == {n for n, d in cat.drugs.items() if not d.is_placebo}
    for name, r in all_reference_ranges().items():
        assert 0 < r.low_ng_ml < r.high_ng_ml <= r.alert_ng_ml
        assert "Hiemke" in r.source and "10.1055/s-0043-116492" in r.source
        assert (r.low_ng_ml, r.high_ng_ml) == cat.get(name).therapeutic_range_ng_ml  # one fact, two files agree
    assert reference_range("placebo") is None


def test_parent_plus_metabolite_ranges_read_the_active_moiety_curve():
    assert reference_range("fluoxetine").concentration_key == "fluoxetine_active_moiety"
    assert reference_range("venlafaxine").analyte == "venlafaxine + O-desmethylvenlafaxine"
    assert reference_range("sertraline").concentration_key == "sertraline"


def test_a_trough_is_placed_below_within_above_or_above_the_alert_level_with_inclusive_range_edges():
    r = reference_range("escitalopram")  # 15-80, alert 160
    got = trough_positions(r, np.array([14.99, 15.0, 80.0, 80.01, 159.9, 160.0]))
    assert list(got) == ["below", "within", "within", "above", "above", "above_alert"]
    assert r.middle_ng_ml == pytest.approx(47.5)
