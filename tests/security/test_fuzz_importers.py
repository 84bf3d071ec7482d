"""Fuzzing every importer (FHIR Bundle, assessments/medications CSV, minute activity, daily summaries, Fitbit JSON,
Apple Health XML) through the import service: any file is parsed into problems or raises an ImportProblems
(a ValidationError), never another exception; and an import that is refused changes no row count."""

from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from novamind_core.domain.errors import NovamindError
from tests.security.conftest import fuzz_settings

FHIR_BUNDLE = json.loads((Path(__file__).resolve().parents[1] / "data" / "fhir" / "ehr_bundle.json").read_text())
KINDS = ("fhir", "assessments", "medications", "activity", "daily", "fitbit", "apple_health")

CELL = st.one_of(st.text(max_size=20), st.integers(-10**6, 10**12).map(str), st.floats().map(str),
                 st.dates().map(str), st.sampled_from(["", "PHQ-9", "GAD-7", "ISI", "sertraline", "daily", "NaN",
                                                       "2026-01-05T08:00:00+00:00", "2099-01-01", "1,2", '"']))
COLUMNS = ("date", "instrument", "item1", "item2", "item3", "item4", "item5", "item6", "item7", "item8", "item9",
           "drug", "dose_mg", "frequency", "start_date", "stop_date", "timestamp", "counts", "steps",
           "sleep_minutes", "resting_hr", "hrv_rmssd", "reason")
JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9), st.floats(allow_nan=False),
                              st.text(max_size=20)),
                    lambda inner: st.one_of(st.lists(inner, max_size=4),
                                            st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                    max_leaves=20)


@st.composite
def csv_files(draw):  # type: ignore[no-untyped-def]
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=12))
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=len(header) + 1), max_size=6))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    return "\n".join(lines).encode(draw(st.sampled_from(["utf-8", "utf-16", "latin-1"])), errors="replace")


def _mutate(node, path_choice: random.Random, value):  # type: ignore[no-untyped-def]
    """Replace one randomly chosen leaf or member of ``node`` (a deep copy) with ``value``."""
    node = json.loads(json.dumps(node))
    spots = []

    def walk(obj):  # type: ignore[no-untyped-def]
        items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
        for key, child in items:
            spots.append((obj, key))
            walk(child)

    walk(node)
    if spots:
        parent, key = path_choice.choice(spots)
        if value == "__delete__":
            del parent[key]
        else:
            parent[key] = value
    return node


@st.composite
def fhir_bundles(draw):  # type: ignore[no-untyped-def]
    bundle = FHIR_BUNDLE
    rng = random.Random(draw(st.integers(0, 2**32)))
    for _ in range(draw(st.integers(1, 4))):
        bundle = _mutate(bundle, rng, draw(st.one_of(JSON, st.just("__delete__"))))
    return json.dumps(bundle).encode()


@st.composite
def fitbit_files(draw):  # type: ignore[no-untyped-def]
    day = draw(st.one_of(st.dates().map(str), st.text(max_size=12), st.none()))
    value = draw(JSON)
    layout = draw(st.sampled_from([
        {"activities-heart": [{"dateTime": day, "value": {"restingHeartRate": value}}]},
        {"activities-heart": [{"dateTime": day}], "activities-heart-intraday": {"dataset": [{"time": value,
                                                                                            "value": value}]}},
        [{"dateTime": value, "value": value}],
        {"sleep": [{"startTime": value, "endTime": day, "minutesAsleep": value}]},
    ]))
    return draw(st.one_of(st.just(json.dumps(layout)), JSON.map(json.dumps))).encode()


@st.composite
def apple_exports(draw):  # type: ignore[no-untyped-def]
    kinds = ["HKQuantityTypeIdentifierStepCount", "HKQuantityTypeIdentifierHeartRate",
             "HKQuantityTypeIdentifierRestingHeartRate", "HKCategoryTypeIdentifierSleepAnalysis", "Bogus"]
    text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters='"<&\x00'),
                   max_size=25)
    records = draw(st.lists(st.fixed_dictionaries({
        "type": st.sampled_from(kinds), "unit": st.sampled_from(["count", "count/min", "ms", ""]) | text,
        "value": st.one_of(st.integers(-5, 10**7).map(str), text),
        "startDate": st.one_of(st.just("2026-01-05 08:00:00 +0000"), text),
        "endDate": st.one_of(st.just("2026-01-05 08:10:00 +0000"), text),
        "sourceName": text}), max_size=6))
    body = "".join("<Record " + " ".join(f'{k}="{v}"' for k, v in r.items()) + "/>" for r in records)
    tail = draw(st.sampled_from(["</HealthData>", "", "<Record", "</HealthData><x>"]))
    return f'<?xml version="1.0" encoding="UTF-8"?><HealthData locale="en_GB">{body}{tail}'.encode()


def _any_file(kind: str):  # type: ignore[no-untyped-def]
    special = {"fhir": fhir_bundles(), "fitbit": fitbit_files(), "apple_health": apple_exports()}
    return st.one_of(st.binary(max_size=300), special.get(kind, csv_files()))


def _counts(world):  # type: ignore[no-untyped-def]
    return world.table_counts()


def _check_import(world, kind: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    clin = world.users["clinician"]
    with contextlib.suppress(NovamindError):
        world.imports.parse(kind, data)
    before = _counts(world)
    try:
        world.imports.import_file(clin, kind, data, patient_id=world.own_pid if kind != "fhir" else None)
    except NovamindError:
        assert _counts(world) == before, f"a refused {kind} import changed stored data"


@fuzz_settings(25)
@given(data=fhir_bundles() | st.binary(max_size=200))
@example(data=b"[" * 200_000)  # crashers found by fuzzing (issue 17): always tried, whatever is drawn
@example(data=b'{"resourceType": "Bundle", "total": ' + b"9" * 5000 + b"}")
def test_fuzzed_fhir_bundles_are_refused_cleanly_or_imported_whole(world, data):
    _check_import(world, "fhir", data)


@fuzz_settings(25)
@given(kind=st.sampled_from(["assessments", "medications", "activity", "daily"]), data=st.data())
def test_fuzzed_csv_files_are_refused_cleanly_or_imported_whole(world, kind, data):
    _check_import(world, kind, data.draw(_any_file(kind)))


@fuzz_settings(25)
@given(data=fitbit_files() | st.binary(max_size=200))
@example(data=b'{"activities-heart": ["x"]}')
def test_fuzzed_fitbit_exports_are_refused_cleanly_or_imported_whole(world, data):
    _check_import(world, "fitbit", data)


@fuzz_settings(25)
@given(data=apple_exports() | st.binary(max_size=200))
def test_fuzzed_apple_health_exports_are_refused_cleanly_or_imported_whole(world, data):
    _check_import(world, "apple_health", data)
