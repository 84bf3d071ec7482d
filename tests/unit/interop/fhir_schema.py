"""Validate FHIR JSON against the official FHIR R4 JSON schema (``tests/data/fhir/fhir.schema.json``; where it
came from: ``tests/data/fhir/README.md``) with ``jsonschema`` (the schema is draft-06)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "data" / "fhir" / "fhir.schema.json"


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator(definition: str | None) -> Any:
    from jsonschema import Draft6Validator

    schema = _schema()
    if definition is None:
        return Draft6Validator(schema)
    return Draft6Validator({"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]})


def schema_errors(bundle: Mapping[str, Any]) -> list[str]:
    """Every schema error of ``bundle``: the Bundle against the schema's root, and each entry's resource against
    its own resource definition (so a message names the resource and the path, not just "not valid under any of
    the given schemas")."""
    from jsonschema.exceptions import best_match

    out = [f"Bundle: {e.message[:200]}" for e in _validator(None).iter_errors(bundle)]
    for n, entry in enumerate(bundle.get("entry", []) or [], start=1):
        resource = entry.get("resource", {})
        rtype = resource.get("resourceType")
        if rtype not in _schema()["definitions"]:
            out.append(f"entry[{n}]: unknown resourceType {rtype!r}")
            continue
        errors = list(_validator(rtype).iter_errors(resource))
        if errors:
            worst = best_match(errors)
            path = ".".join(str(p) for p in worst.absolute_path)
            out.append(f"entry[{n}] {rtype}.{path}: {worst.message[:200]} ({len(errors)} error(s))")
    return out
