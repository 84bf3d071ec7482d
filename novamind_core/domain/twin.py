"""Twin state snapshots (versioned; content filled in by the twin modules) and saved what-if scenarios."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from novamind_core.domain.errors import ValidationError


class SnapshotTrigger(str, Enum):
    """What caused a new twin version."""

    ASSESSMENT = "assessment"
    MEDICATION = "medication"
    BIOMETRICS = "biometrics"
    CALIBRATION = "calibration"
    IMPORT = "import"
    MANUAL = "manual"


@dataclass(frozen=True)
class TwinSnapshot:
    """Version ``version`` (1, 2, ...) of a patient's twin state; ``payload`` is JSON-compatible."""

    patient_id: int
    version: int
    created_at: datetime
    trigger: SnapshotTrigger
    payload: Mapping[str, Any] = field(repr=False)
    created_by: int | None = None


@dataclass(frozen=True)
class SnapshotDifference:
    """Differences between two versions, as dotted key paths (``"state.serotonin.amygdala"``)."""

    patient_id: int
    from_version: int
    to_version: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[tuple[str, Any, Any], ...] = field(repr=False)


@dataclass(frozen=True)
class SavedScenario:
    id: int
    patient_id: int
    name: str
    scenario: Mapping[str, Any] = field(repr=False)
    note: str | None = field(default=None, repr=False)
    created_by: int | None = None
    created_at: datetime | None = None


def validate_scenario_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text or len(text) > 120:
        raise ValidationError("scenario name must be 1-120 characters", field="name", value=name)
    return text


def flatten(payload: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested mappings into ``{"a.b.c": leaf}`` (lists are leaves)."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, path))
        else:
            out[path] = value
    return out


def diff_snapshots(a: TwinSnapshot, b: TwinSnapshot) -> SnapshotDifference:
    """Key paths added, removed and changed from snapshot ``a`` to snapshot ``b``."""
    fa, fb = flatten(a.payload), flatten(b.payload)
    added = tuple(sorted(set(fb) - set(fa)))
    removed = tuple(sorted(set(fa) - set(fb)))
    changed = tuple((k, fa[k], fb[k]) for k in sorted(set(fa) & set(fb)) if fa[k] != fb[k])
    return SnapshotDifference(a.patient_id, a.version, b.version, added, removed, changed)
