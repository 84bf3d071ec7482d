from __future__ import annotations

import json

import numpy as np
import pytest

from novamind_core.cli import main
from novamind_core.ml import registry
from novamind_core.ml.training import load_response_model, train_actigraphy, train_forecaster, train_response

TINY_RESPONSE = {"n_patients": 300, "n_bootstrap": 1, "n_estimators": 15}


@pytest.fixture(scope="module")
def trained_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    train_response(quick=True, seed=1, model_dir=d, sizes=TINY_RESPONSE)
    return d


def test_training_writes_a_card_with_computed_held_out_metrics_and_the_honesty_notes(trained_dir):
    meta = registry.find_model("response", model_dir=trained_dir).metadata
    assert meta["data"]["synthetic"] is True and "synthetic" in meta["data"]["description"]
    assert "60-65%" in meta["published_accuracy_note"]
    assert meta["training"]["seed"] == 1
    assert 0 < meta["metrics"]["response"]["auc"] < 1 and meta["metrics"]["response"]["n"] > 0
    assert meta["calibration"]["curve"]["response"]
    assert len(meta["checksum"]["combined"]) == 64


def test_training_twice_with_the_same_seed_gives_the_same_metrics(trained_dir, tmp_path):
    again = train_response(quick=True, seed=1, model_dir=tmp_path, sizes=TINY_RESPONSE).metadata
    first = registry.find_model("response", model_dir=trained_dir).metadata
    assert again["metrics"]["response"] == first["metrics"]["response"]


def test_cli_lists_models_and_prints_a_card_as_json(trained_dir, capsys):
    assert main(["models", "list", "--json", "--model-dir", str(trained_dir)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["name"] == "response" and rows[0]["synthetic"] is True
    assert main(["models", "card", "response", "--json", "--model-dir", str(trained_dir)]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["features"][0] == "age_years"


def test_cli_card_for_an_unknown_model_is_a_one_line_error(trained_dir, capsys):
    assert main(["models", "card", "nope", "--model-dir", str(trained_dir)]) == 2
    assert capsys.readouterr().err.startswith("error: no model named 'nope'")


def test_forecaster_training_compares_with_locf_and_the_twin_and_names_the_default(tmp_path):
    entry = train_forecaster(quick=True, seed=0, model_dir=tmp_path,
                             sizes={"n_series": 60, "windows_per_series": 1, "epochs": 1, "twin_eval_series": 5})
    m = entry.metadata
    assert set(m["metrics"]["comparison_on_twin_subset"]) == {"n_series", "gru", "locf", "twin"}
    sub = m["metrics"]["comparison_on_twin_subset"]
    assert m["default"] == min(("gru", "locf", "twin"), key=lambda k: sub[k]["pinball_loss"])


def test_actigraphy_training_reports_held_out_auc_and_the_published_note(tmp_path):
    entry = train_actigraphy(quick=True, seed=0, model_dir=tmp_path,
                             sizes={"n_weeks": 15, "pretrain_epochs": 1, "finetune_epochs": 1},
                             model_params={"d_model": 8, "n_layers": 1, "n_heads": 1, "ff_dim": 8, "decoder_dim": 8})
    m = entry.metadata
    assert "auc" in m["metrics"]["test"] and "0.6" in m["published_auc_note"]


def test_shipped_models_load_with_verified_checksums_and_say_they_are_synthetic():
    names = {e.name for e in registry.list_models()}
    if not {"response", "forecaster", "actigraphy"} <= names:
        pytest.skip("shipped models not trained yet (python -m novamind_core train ...)")
    model = load_response_model()
    assert model.rank_drugs({"phq9_items": [2] * 9, "gad7_items": [1] * 7})[0].p_response > 0
    total_bytes = 0
    for e in registry.list_models():
        registry.verify_checksum(e)
        assert e.metadata["data"]["synthetic"] is True
        total_bytes += sum(p.stat().st_size for p in e.path.iterdir())
    assert total_bytes < 8_000_000  # shipped models stay small


def test_clinic_csv_trains_the_response_model(tmp_path, tiny_cohort):
    from novamind_core.ml.datasets import response_dataset_from_csv
    from novamind_core.ml.features import CLINIC_CSV_COLUMNS, GAD7_ITEMS, PHQ9_ITEMS

    d = tiny_cohort
    names = list(d.feature_names)
    path = tmp_path / "clinic.csv"
    lines = [",".join(CLINIC_CSV_COLUMNS)]
    for i in range(d.X.shape[0]):
        x = d.X[i]
        drug = d.drugs[int(np.argmax(x[names.index(f"drug_{d.drugs[0]}"):]))]
        vals = [f"p{d.groups[i]}", f"{x[0]:.0f}", "F" if x[1] else "M",
                *(f"{x[names.index(c)]:.0f}" for c in (*PHQ9_ITEMS, *GAD7_ITEMS)),
                f"{x[names.index('n_prior_episodes')]:.0f}", f"{x[names.index('n_prior_treatment_failures')]:.0f}",
                drug, f"{d.phq9_week8[i]:.1f}"]
        lines.append(",".join(vals))
    path.write_text("\n".join(lines) + "\n")
    ds = response_dataset_from_csv(str(path))
    assert ds.X.shape[0] == d.X.shape[0] and not ds.synthetic
    np.testing.assert_array_equal(ds.y[:, 1], d.phq9_week8.round(1) <= 4)
    entry = train_response(data=path, model_dir=tmp_path / "m", sizes=TINY_RESPONSE)
    assert entry.metadata["data"]["synthetic"] is False


def test_clinic_csv_with_a_missing_column_is_refused_by_name(tmp_path):
    from novamind_core.domain.errors import ValidationError
    from novamind_core.ml.datasets import response_dataset_from_csv

    path = tmp_path / "bad.csv"
    path.write_text("patient_id,age_years\n1,40\n")
    with pytest.raises(ValidationError, match="missing column.*sex"):
        response_dataset_from_csv(str(path))
