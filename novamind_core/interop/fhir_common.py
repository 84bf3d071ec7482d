"""Shared helpers of the FHIR reader: loading JSON, validating a resource with ``fhir.resources`` (R4B models),
reading codings and dates. Pure."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from novamind_core.biometrics.problems import ProblemCollector

#: Deepest nesting of objects and lists accepted (FHIR resources nest about ten levels; a file nested far deeper is
#: an attack on the parser, e.g. 200,000 ``[``).
MAX_JSON_DEPTH = 64
#: Longest integer literal accepted (FHIR ``integer`` is 32-bit and ``integer64`` has 19 digits; a 5,000-digit number
#: would otherwise stop Python's ``int`` conversion).
MAX_INTEGER_DIGITS = 30


class _JsonLimit(ValueError):
    """A JSON file beyond :data:`MAX_JSON_DEPTH` or :data:`MAX_INTEGER_DIGITS`, or with NaN/Infinity."""


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise _JsonLimit(f"a number has {digits} digits (at most {MAX_INTEGER_DIGITS} are accepted)")
    return int(text)


def _no_constant(text: str) -> float:
    raise _JsonLimit(f"{text} is not a JSON number")


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Whether objects/lists nest deeper than ``limit`` (iterative, so it cannot itself overflow the stack)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return False


def load_json(source: Any, problems: ProblemCollector) -> Any:
    """Parse a FHIR JSON file; anything that is not plain, bounded JSON becomes a problem (never an exception)."""
    if isinstance(source, Mapping):
        return source
    try:
        if isinstance(source, bytes | bytearray):
            text = bytes(source).decode("utf-8-sig")
        elif isinstance(source, str) and source.lstrip().startswith("{"):
            text = source
        elif isinstance(source, str | os.PathLike):
            text = Path(source).read_text(encoding="utf-8-sig")
        elif hasattr(source, "read"):
            raw = source.read()
            text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        else:
            problems.add(f"cannot read a FHIR Bundle from {type(source).__name__}")
            return None
        data = json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise _JsonLimit(f"objects and lists nest more than {MAX_JSON_DEPTH} levels deep")
        return data
    except UnicodeDecodeError:
        problems.add("the file is not UTF-8 text (a FHIR JSON Bundle is expected)")
    except json.JSONDecodeError as exc:
        problems.add(f"not valid JSON: {exc.msg}", row=exc.lineno, column=f"character {exc.colno}")
    except _JsonLimit as exc:
        problems.add(f"not accepted as a FHIR Bundle: {exc}")
    except RecursionError:
        problems.add(f"not accepted as a FHIR Bundle: objects and lists nest more than {MAX_JSON_DEPTH} levels deep")
    except OSError as exc:
        problems.add(f"cannot read the file ({exc.strerror})")
    return None


def short(value: Any, limit: int = 80) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        text = value
    else:
        text = json.dumps(value, default=str)
    if isinstance(text, str) and len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def validate_resource(resource: Mapping[str, Any], rtype: str, n: int, problems: ProblemCollector) -> bool:
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError as PydanticError

    try:
        get_fhir_model_class(rtype).model_validate(dict(resource))
    except PydanticError as exc:
        for err in exc.errors()[:20]:
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            problems.add(f"{rtype} is not valid FHIR R4: {msg}", row=n,
                         column=f"entry[{n}].resource" + (f".{loc}" if loc else ""), value=short(err.get("input")))
        return False
    return True


def codings(concept: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """``[(system, code, display)]`` of a CodeableConcept."""
    if not concept:
        return []
    return [(c.get("system", ""), str(c.get("code", "")), c.get("display", "") or "")
            for c in concept.get("coding", []) or []]


def fhir_day(value: str | None, tz: ZoneInfo) -> date | None:
    """A FHIR date or dateTime -> the calendar day in the clinic's time zone; None for partial dates."""
    if not value:
        return None
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    if "T" not in text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment.astimezone(tz) if moment.tzinfo else moment).date()
