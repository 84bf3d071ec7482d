"""Switching and discontinuation: washouts and overlaps from the PK, MAOIs, the Hunter checklist, Henssler risks."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology.catalogue import DEFAULT_CATALOGUE_PATH, parse_catalogue
from novamind_core.pharmacology.discontinuation import (
    ANY_SYMPTOMS_PERCENT,
    SEVERE_PERCENT,
    discontinuation_risk,
    sert_occupancy_after_stop_percent,
)
from novamind_core.pharmacology.switching import (
    HUNTER_CRITERIA,
    hunter_serotonin_toxicity,
    switch_plan,
    washout,
)


def catalogue_with_norfluoxetine_half_life(days: float):
    raw = copy.deepcopy(json.loads(DEFAULT_CATALOGUE_PATH.read_text(encoding="utf-8")))
    for m in raw["drugs"]["fluoxetine"]["metabolites"]:
        if m["name"] == "norfluoxetine":
            m["half_life_h"]["value"] = 24.0 * days
    return parse_catalogue(raw)


def test_fluoxetines_washout_is_set_by_norfluoxetine_and_is_five_weeks_at_its_seven_day_half_life():
    w = washout("fluoxetine", 20)
    assert w.longest_lived_moiety == "norfluoxetine"
    short = washout("fluoxetine", 20, catalogue_with_norfluoxetine_half_life(7.0))
    assert 30 <= short.days <= 40  # five half-lives of 7 days: the label's five weeks
    assert w.days == pytest.approx(short.days * w.longest_half_life_h / short.longest_half_life_h, rel=0.1)


def test_washout_before_an_maoi_is_the_longer_of_the_pk_and_the_label_and_never_overlaps():
    sert = switch_plan("sertraline", 100, "phenelzine")
    assert sert.gap_days == 14 and sert.overlap_days == 0 and sert.hunter is None
    fluox = switch_plan("fluoxetine", 20, "phenelzine")
    assert fluox.gap_days >= 35 and fluox.gap_days == np.ceil(fluox.washout.days)


def test_after_an_maoi_a_serotonergic_drug_waits_fourteen_days_for_new_enzyme():
    plan = switch_plan("phenelzine", 45, "sertraline")
    assert plan.gap_days == 14 and "enzyme" in plan.advice[0]


def test_two_serotonergic_drugs_that_overlap_bring_the_hunter_checklist():
    plan = switch_plan("escitalopram", 20, "sertraline", "cross-taper")
    assert plan.overlap_days > 14 and plan.hunter is not None
    assert plan.hunter.criteria == HUNTER_CRITERIA and "Dunkley" in plan.hunter.source
    direct = switch_plan("escitalopram", 20, "sertraline", "direct")
    assert 0 < direct.overlap_days < plan.overlap_days and direct.hunter is not None


def test_no_hunter_checklist_when_the_incoming_drug_is_not_serotonergic():
    assert switch_plan("venlafaxine", 150, "bupropion", "direct").hunter is None


def test_fluoxetine_tapers_itself_so_no_cross_taper_is_advised():
    plan = switch_plan("fluoxetine", 20, "sertraline", "direct")
    assert plan.self_tapering and plan.overlap_days > 28 and plan.hunter is not None
    assert not switch_plan("paroxetine", 20, "sertraline", "direct").self_tapering


def test_a_pk_cross_taper_lasts_until_the_new_drug_nears_steady_state():
    slow, fast = switch_plan("sertraline", 100, "vortioxetine"), switch_plan("sertraline", 100, "venlafaxine")
    assert slow.cross_taper_days > fast.cross_taper_days  # vortioxetine's 66 h half-life vs venlafaxine's


def test_hunter_criteria_any_one_is_serotonin_toxicity_and_unknown_findings_are_refused():
    assert hunter_serotonin_toxicity(["tremor with hyperreflexia"])
    assert not hunter_serotonin_toxicity([])
    with pytest.raises(ValidationError):
        hunter_serotonin_toxicity(["tremor"])


def test_an_unknown_strategy_is_refused():
    with pytest.raises(ValidationError):
        switch_plan("sertraline", 50, "escitalopram", "overnight")


def test_discontinuation_risk_carries_henssler_figures_and_ranks_drugs():
    r = discontinuation_risk("paroxetine", 20)
    assert r.any_symptoms_percent == ANY_SYMPTOMS_PERCENT == (31.0, 27.0, 35.0)
    assert r.severe_percent == SEVERE_PERCENT and r.attributable_percent == pytest.approx(14.0)
    assert "S2215-0366(24)00133-0" in r.source
    assert {d: discontinuation_risk(d).relative_to_pooled for d in
            ("paroxetine", "venlafaxine", "desvenlafaxine", "escitalopram", "fluoxetine", "sertraline")} == {
        "paroxetine": "higher", "venlafaxine": "higher", "desvenlafaxine": "higher", "escitalopram": "higher",
        "fluoxetine": "lower", "sertraline": "typical"}
    assert "31%" in r.summary()


def test_sert_occupancy_falls_fastest_after_stopping_short_half_life_drugs():
    drop = {d: discontinuation_risk(d) for d in ("venlafaxine", "sertraline", "fluoxetine")}
    lost = {d: r.sert_occupancy_at_stop_percent - r.sert_occupancy_after_3_days_percent for d, r in drop.items()}
    assert lost["venlafaxine"] > lost["sertraline"] > lost["fluoxetine"]


def test_occupancy_after_stop_at_time_zero_is_the_steady_state_trough():
    from novamind_core.pharmacology.summary import steady_state_summary

    ss = steady_state_summary("sertraline", 100)
    trough = {k: np.array([v[-1]]) for k, v in ss.curves_ng_ml.items()}
    from novamind_core.pharmacology.occupancy import occupancy_percent

    expected = occupancy_percent("sertraline", trough)["SERT"][0]
    assert sert_occupancy_after_stop_percent("sertraline", 100, np.array([1.0]))[0] == pytest.approx(expected, rel=1e-3)
