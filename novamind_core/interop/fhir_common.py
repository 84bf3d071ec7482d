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


def load_json(source: Any, problems: ProblemCollector) -> Any:
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
        return json.loads(text)
    except UnicodeDecodeError:
        problems.add("the file is not UTF-8 text (a FHIR JSON Bundle is expected)")
    except json.JSONDecodeError as exc:
        problems.add(f"not valid JSON: {exc.msg}", row=exc.lineno, column=f"character {exc.colno}")
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
