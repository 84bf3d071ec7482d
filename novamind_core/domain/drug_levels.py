"""Measured drug levels (therapeutic drug monitoring): one blood sample's concentration and when it was taken."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from novamind_core.domain.errors import ValidationError

MAX_CONCENTRATION_NG_ML = 100_000.0  # far above any antidepressant's laboratory alert level: a unit error


@dataclass(frozen=True)
class DrugLevel:
    """A measured concentration (ng/mL) of ``drug`` (its reference-range analyte) sampled at ``sampled_at`` (UTC)."""

    id: int
    patient_id: int
    drug: str
    concentration_ng_ml: float
    sampled_at: datetime
    recorded_by: int | None
    created_at: datetime


def validate_concentration_ng_ml(value: float) -> float:
    """A measured concentration: a finite number from 0 to 100,000 ng/mL (higher is a unit error)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"concentration must be a number in ng/mL, got {value!r}", field="concentration_ng_ml",
                              value=value) from None
    if not math.isfinite(x) or not 0 <= x <= MAX_CONCENTRATION_NG_ML:
        raise ValidationError(f"concentration must be within 0-{MAX_CONCENTRATION_NG_ML:,.0f} ng/mL, got {value!r}",
                              field="concentration_ng_ml", value=value)
    return x
