"""The projection table: source nuclei -> target regions, and region centroids (``data/brain_projections.json``).

The table says how strongly a change at a monoamine source nucleus shows in each region. For neurotransmitter
``n`` and region ``r`` the weight is

    w[r, n] = max over source rows s of n: weight_s(r)        (0 <= w <= 1)

and the twin's regional level is ``level[r, n] = 1 + w[r, n] * (E_n - 1)`` with ``E_n`` the system-level relative
extracellular level (1 = the patient's own baseline). Neurotransmitters without a source row (GABA, glutamate,
acetylcholine, endorphins, substance P, oxytocin, glycine, adenosine) are not modelled and stay at 1.0.
Sources: the ``citation`` of each row in the data file (docs/science.md section 1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from novamind_core.domain.brain import NEUROTRANSMITTERS, REGIONS, Neurotransmitter, Region
from novamind_core.domain.errors import ConfigurationError
from novamind_core.twin.params import DATA_DIR

PROJECTIONS_PATH = DATA_DIR / "brain_projections.json"

MODELLED_NEUROTRANSMITTERS: tuple[Neurotransmitter, ...] = (
    Neurotransmitter.SEROTONIN, Neurotransmitter.NOREPINEPHRINE, Neurotransmitter.DOPAMINE, Neurotransmitter.HISTAMINE,
)
CORTICAL_REGIONS: tuple[Region, ...] = (
    Region.PREFRONTAL_CORTEX, Region.ANTERIOR_CINGULATE_CORTEX, Region.ORBITOFRONTAL_CORTEX, Region.INSULA,
    Region.PARIETAL_CORTEX, Region.TEMPORAL_CORTEX, Region.OCCIPITAL_CORTEX,
)


@dataclass(frozen=True)
class ProjectionTable:
    """Weights ``weights[r, n]`` (23 x 12 in ``domain.brain`` order), centroids and citations."""

    weights: np.ndarray
    centroids_mni_mm: dict[str, tuple[float, float, float]]
    atlas: dict[str, str]
    citations: dict[str, str]

    def weight(self, region: Region | str, nt: Neurotransmitter | str) -> float:
        return float(self.weights[REGIONS.index(Region(region)), NEUROTRANSMITTERS.index(Neurotransmitter(nt))])


@lru_cache(maxsize=1)
def load_projections() -> ProjectionTable:
    """Load and validate the projection table (every region and neurotransmitter from the one vocabulary)."""
    try:
        raw = json.loads(PROJECTIONS_PATH.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read {PROJECTIONS_PATH.name}: {exc}") from exc
    w = np.zeros((len(REGIONS), len(NEUROTRANSMITTERS)))
    citations: dict[str, str] = {}
    for row in raw["projections"]:
        src, nt = Region(row["source"]), Neurotransmitter(row["neurotransmitter"])
        if not row.get("citation"):
            raise ConfigurationError(f"projection {src.value} -> {nt.value} has no citation")
        citations[f"{src.value}:{nt.value}"] = row["citation"]
        j = NEUROTRANSMITTERS.index(nt)
        for region, weight in row["targets"].items():
            if not 0.0 <= float(weight) <= 1.0:
                raise ConfigurationError(f"projection weight {weight} for {region} is outside 0-1")
            i = REGIONS.index(Region(region))
            w[i, j] = max(w[i, j], float(weight))
    centroids, atlas = {}, {}
    for region in REGIONS:
        c = raw["centroids"].get(region.value)
        if c is None or not c.get("atlas"):
            raise ConfigurationError(f"region {region.value} has no centroid with a cited atlas")
        centroids[region.value] = tuple(float(x) for x in c["mni_mm"])
        atlas[region.value] = c["atlas"]
    w.setflags(write=False)
    return ProjectionTable(weights=w, centroids_mni_mm=centroids, atlas=atlas, citations=citations)
