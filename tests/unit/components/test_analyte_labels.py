"""No raw analyte code reaches a page: every plasma key the PK engine produces, for every catalogue drug, is shown in
clinicians' words (issue 18; docs/ux.md "One number per fact")."""

from __future__ import annotations

import numpy as np
import pytest

from components.twin.widgets import levels_sentence
from novamind_core.pharmacology import load_catalogue, simulate_pk
from novamind_core.pharmacology.simulate import analyte_label, plasma_for_display

DRUGS = sorted(d for d in load_catalogue().drugs if d != "placebo")


@pytest.mark.parametrize("drug", DRUGS)
def test_every_plasma_key_of_every_drug_reads_as_words_on_the_pages(drug):  # type: ignore[no-untyped-def]
    dose = load_catalogue().get(drug).dose
    scenario = {"steps": [{"drug": drug, "dose_mg": dose.usual_min_mg_per_day if dose else 10, "days": 3}]}
    pk = simulate_pk(scenario, np.arange(0.0, 72.0, 3.0))
    levels = {key: float(np.median(v)) for key, v in pk.concentration_ng_ml.items()}
    shown = plasma_for_display(levels)
    assert shown and all("_" not in label for label in shown), shown
    sentence = levels_sentence("Today", levels, {})
    assert "_" not in sentence and drug in sentence


def test_the_active_moiety_is_named_with_its_parts_and_a_drug_alone_is_not_repeated_as_its_moiety():
    assert analyte_label("fluoxetine_active_moiety") == "fluoxetine + norfluoxetine (active moiety)"
    sentence = levels_sentence("Today", {"sertraline": 82.4, "sertraline_active_moiety": 82.4}, {"SERT": 85.0})
    assert sentence == "Today: sertraline 82 ng/mL (plasma, mean over the day); SERT occupancy 85%."
