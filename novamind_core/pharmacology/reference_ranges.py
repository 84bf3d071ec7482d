"""Therapeutic reference ranges and laboratory alert levels (AGNP consensus, Hiemke et al. 2018).

Values live in ``data/tdm_reference_ranges.json`` with their source. A range applies to the trough concentration at
steady state of its analyte: the parent, or the parent plus active metabolite (fluoxetine + norfluoxetine,
venlafaxine + O-desmethylvenlafaxine, bupropion + hydroxybupropion), which is the simulated
``<drug>_active_moiety`` curve (docs/science.md §14.2).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from novamind_core.domain.errors import ValidationError

DEFAULT_RANGES_PATH = Path(__file__).resolve().parents[2] / "data" / "tdm_reference_ranges.json"
POSITIONS: tuple[str, ...] = ("below", "within", "above", "above_alert")


@dataclass(frozen=True)
class ReferenceRange:
    """Therapeutic reference range (trough, steady state) and laboratory alert level of one drug's analyte."""

    drug: str
    analyte: str
    concentration_key: str  # key of the matching curve in simulate_pk / simulate_drug output
    low_ng_ml: float
    high_ng_ml: float
    alert_ng_ml: float
    source: str

    @property
    def middle_ng_ml(self) -> float:
        """The middle of the range (the target a dose suggestion aims at)."""
        return 0.5 * (self.low_ng_ml + self.high_ng_ml)

    def as_dict(self) -> dict[str, object]:
        return {"analyte": self.analyte, "low_ng_ml": self.low_ng_ml, "high_ng_ml": self.high_ng_ml,
                "alert_ng_ml": self.alert_ng_ml, "source": self.source}


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict[str, ReferenceRange]:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    out = {}
    for drug, r in raw["drugs"].items():
        name = drug.lower()
        values = {k: float(r[k]["value"]) for k in ("low_ng_ml", "high_ng_ml", "alert_ng_ml")}
        if not 0 < values["low_ng_ml"] < values["high_ng_ml"] <= values["alert_ng_ml"]:
            raise ValidationError(f"reference range for {drug}: needs 0 < low < high <= alert", field=drug)
        sources = {r[k]["source"] for k in ("low_ng_ml", "high_ng_ml", "alert_ng_ml")}
        key = f"{name}_active_moiety" if r["model_key"] == "active_moiety" else r["model_key"]
        out[name] = ReferenceRange(name, r["analyte"], key, source="; ".join(sorted(sources)), **values)
    return out


def reference_range(drug: str, path: str | Path | None = None) -> ReferenceRange | None:
    """The AGNP range for ``drug`` (None where there is none, e.g. placebo)."""
    return _load(str(path or DEFAULT_RANGES_PATH)).get(str(drug).strip().lower())


def all_reference_ranges(path: str | Path | None = None) -> dict[str, ReferenceRange]:
    return dict(_load(str(path or DEFAULT_RANGES_PATH)))


def trough_positions(rng: ReferenceRange, trough_ng_ml: np.ndarray) -> np.ndarray:
    """Where each trough falls: 'below' (< low), 'within' (low..high), 'above' (> high), 'above_alert' (>= alert).

    Vectorised over patients; the boundaries belong to the range (``low`` and ``high`` are 'within').
    """
    c = np.asarray(trough_ng_ml, dtype=float)
    idx = np.where(c < rng.low_ng_ml, 0, np.where(c <= rng.high_ng_ml, 1, np.where(c < rng.alert_ng_ml, 2, 3)))
    return np.asarray(POSITIONS, dtype=object)[idx]


def trough_position(rng: ReferenceRange, trough_ng_ml: float) -> str:
    """:func:`trough_positions` for one trough."""
    return str(trough_positions(rng, np.array([trough_ng_ml]))[0])
