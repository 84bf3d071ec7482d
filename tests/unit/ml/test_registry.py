from __future__ import annotations

import json

import pytest

from novamind_core.domain.errors import NotFoundError
from novamind_core.ml import registry
from novamind_core.ml.features import response_feature_names
from novamind_core.ml.registry import ModelIntegrityError, SchemaMismatchError


def _save(tmp_path, version="1", features=("a", "b")):
    return registry.save_model("demo", version, {"weights.bin": b"\x00\x01weights", "config.json": b"{}"},
                               {"kind": "demo", "features": list(features), "data": {"synthetic": True},
                                "training": {"seed": 0}}, tmp_path)


def test_saved_model_records_sha256_of_each_weight_file_and_the_code_version(tmp_path):
    entry = _save(tmp_path)
    meta = json.loads((entry.path / "metadata.json").read_text())
    assert meta["checksum"]["files"]["weights.bin"] == registry.sha256_file(entry.path / "weights.bin")
    assert meta["checksum"]["combined"] == registry.combined_checksum(meta["checksum"]["files"])
    assert meta["code_version"] and meta["name"] == "demo" and meta["version"] == "1"
    assert registry.open_model("demo", model_dir=tmp_path, expected_features=["a", "b"]).version == "1"


def test_loading_refuses_a_weight_file_changed_after_training(tmp_path):
    entry = _save(tmp_path)
    (entry.path / "weights.bin").write_bytes(b"tampered")
    with pytest.raises(ModelIntegrityError, match="checksum mismatch for weights.bin"):
        registry.open_model("demo", model_dir=tmp_path)


def test_loading_refuses_a_missing_weight_file(tmp_path):
    entry = _save(tmp_path)
    (entry.path / "config.json").unlink()
    with pytest.raises(ModelIntegrityError, match="missing"):
        registry.open_model("demo", model_dir=tmp_path)


def test_loading_refuses_an_incompatible_feature_schema_with_a_clear_message(tmp_path):
    _save(tmp_path, features=("a", "b"))
    with pytest.raises(SchemaMismatchError, match=r"incompatible feature schema \(not trained on c.*train demo"):
        registry.open_model("demo", model_dir=tmp_path, expected_features=["a", "b", "c"])
    with pytest.raises(SchemaMismatchError, match="different order"):
        registry.open_model("demo", model_dir=tmp_path, expected_features=["b", "a"])


def test_the_latest_version_is_found_by_natural_order_and_unknown_names_are_named(tmp_path):
    _save(tmp_path, "2")
    _save(tmp_path, "10")
    assert registry.find_model("demo", model_dir=tmp_path).version == "10"
    with pytest.raises(NotFoundError, match="no model named 'nope'.*known: demo"):
        registry.find_model("nope", model_dir=tmp_path)


def test_response_loader_refuses_a_model_trained_with_other_features(tmp_path, tiny_response_model):
    from novamind_core.ml.training import load_response_model

    registry.save_model("response", "1", tiny_response_model.to_files(),
                        {"features": tiny_response_model.feature_names_}, tmp_path)
    assert load_response_model(model_dir=tmp_path).feature_names_ == response_feature_names()
    with pytest.raises(SchemaMismatchError):
        load_response_model(model_dir=tmp_path, extra_features=("pat_p_disturbance",))
