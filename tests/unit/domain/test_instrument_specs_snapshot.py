"""Every instrument's definition stays exactly as published: item wording, answer choices, bands, thresholds, sources,
LOINC codes and rules are compared, field by field, with a snapshot taken from the definitions as first written
(``instrument_specs.json`` beside this file). A change to any of them must be deliberate: regenerate the snapshot with
``python -m tests.unit.domain.test_instrument_specs_snapshot`` and review the diff."""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from novamind_core.domain.instruments import INSTRUMENTS, Instrument

SNAPSHOT = Path(__file__).with_name("instrument_specs.json")
DERIVED = ("min_answer", "max_answer", "max_total", "asked_item_count", "has_change_statistics")


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if callable(value):
        return f"{value.__module__}.{value.__qualname__}"
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def spec_snapshot() -> list[dict[str, Any]]:
    """Every instrument's spec as plain JSON data, in the table's order, with the figures derived from it."""
    out = []
    for key, spec in INSTRUMENTS.items():
        record = {"key": key.value, **_plain(dataclasses.asdict(spec))}
        record["derived"] = {name: getattr(spec, name) for name in DERIVED}
        if spec.has_change_statistics:
            record["derived"]["reliable_change_points"] = spec.reliable_change_points
        out.append(record)
    return out


def test_the_instrument_table_holds_every_instrument_once_in_the_snapshot_order():
    stored = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert [r["key"] for r in stored] == [r["key"] for r in spec_snapshot()]
    assert {Instrument(r["key"]) for r in stored} == set(Instrument)


@pytest.mark.parametrize("instrument", list(Instrument), ids=lambda i: i.value)
def test_each_instrument_definition_is_identical_to_its_snapshot(instrument):
    stored = {r["key"]: r for r in json.loads(SNAPSHOT.read_text(encoding="utf-8"))}
    current = {r["key"]: r for r in spec_snapshot()}
    assert current[instrument.value] == stored[instrument.value]


def test_the_snapshot_file_is_byte_for_byte_what_the_definitions_produce():
    assert SNAPSHOT.read_text(encoding="utf-8") == _dump(spec_snapshot())


def _dump(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # regenerate (review the diff: every change here changes what clinicians see)
    SNAPSHOT.write_text(_dump(spec_snapshot()), encoding="utf-8")
