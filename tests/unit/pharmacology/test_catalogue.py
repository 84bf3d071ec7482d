"""The drug catalogue: complete, sourced, and strict about units, signs and sources."""

from __future__ import annotations

import copy
import json

import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology.catalogue import DEFAULT_CATALOGUE_PATH, ka_from_tmax, parse_catalogue

REQUIRED = ["sertraline", "escitalopram", "citalopram", "fluoxetine", "paroxetine", "venlafaxine", "desvenlafaxine",
            "duloxetine", "bupropion", "mirtazapine", "vortioxetine", "placebo"]


@pytest.fixture()
def raw():
    return json.loads(DEFAULT_CATALOGUE_PATH.read_text(encoding="utf-8"))


def test_catalogue_holds_every_required_drug_with_active_metabolites(catalogue):
    assert set(REQUIRED) <= set(catalogue.drugs)
    assert [m.name for m in catalogue.get("fluoxetine").metabolites] == ["norfluoxetine"]
    assert [m.name for m in catalogue.get("venlafaxine").metabolites] == ["O-desmethylvenlafaxine"]
    assert [m.name for m in catalogue.get("bupropion").metabolites] == ["hydroxybupropion"]


def test_catalogue_derives_clearance_from_half_life_and_volume(catalogue):
    d = catalogue.get("sertraline")
    assert d.pk.half_life_h == pytest.approx(26.0, rel=1e-9)  # Zoloft label


def test_every_real_drug_has_a_therapeutic_range_targets_and_a_dose_range(catalogue):
    for name in REQUIRED[:-1]:
        d = catalogue.get(name)
        assert d.therapeutic_range_ng_ml and d.targets and d.dose, name
        assert "Hiemke" in d.sources["therapeutic_range_ng_ml"]


def test_ka_from_tmax_reproduces_the_peak_time():
    import math

    k = 0.03
    ka = ka_from_tmax(6.0, k)
    assert math.log(ka / k) / (ka - k) == pytest.approx(6.0, rel=1e-9)


def test_catalogue_without_a_unit_is_rejected(raw):
    bad = copy.deepcopy(raw)
    del bad["drugs"]["sertraline"]["pk"]["half_life_h"]["unit"]
    with pytest.raises(ValidationError, match="sertraline.pk.half_life_h: missing unit"):
        parse_catalogue(bad)


def test_catalogue_with_a_negative_value_is_rejected(raw):
    bad = copy.deepcopy(raw)
    bad["drugs"]["citalopram"]["pk"]["v_f_l"]["value"] = -840
    with pytest.raises(ValidationError, match="negative value"):
        parse_catalogue(bad)


def test_catalogue_without_a_source_is_rejected(raw):
    bad = copy.deepcopy(raw)
    bad["drugs"]["escitalopram"]["targets"]["SERT"]["ec50_ng_ml"]["source"] = " "
    with pytest.raises(ValidationError, match="escitalopram.targets.SERT.ec50_ng_ml: missing source"):
        parse_catalogue(bad)


def test_catalogue_with_a_unit_that_contradicts_the_field_is_rejected(raw):
    bad = copy.deepcopy(raw)
    bad["drugs"]["duloxetine"]["pk"]["half_life_h"]["unit"] = "d"
    with pytest.raises(ValidationError, match="needs 'h'"):
        parse_catalogue(bad)


def test_unknown_drug_error_names_it_and_lists_the_known_ones(catalogue):
    with pytest.raises(ValidationError) as err:
        catalogue.get("prozacc")
    assert "prozacc" in str(err.value) and "fluoxetine" in str(err.value)
    assert err.value.field == "drug"
