"""The one brain vocabulary: 23 regions and 12 neurotransmitters (docs/science.md §1).

Identifiers are stable (they are stored in twin snapshots and scenario files); never rename a value.
"""

from __future__ import annotations

from enum import Enum


class Region(str, Enum):
    """Brain regions modelled by the twin (the predecessor system's list of 23)."""

    PREFRONTAL_CORTEX = "prefrontal_cortex"
    ANTERIOR_CINGULATE_CORTEX = "anterior_cingulate_cortex"
    ORBITOFRONTAL_CORTEX = "orbitofrontal_cortex"
    INSULA = "insula"
    AMYGDALA = "amygdala"
    HIPPOCAMPUS = "hippocampus"
    NUCLEUS_ACCUMBENS = "nucleus_accumbens"
    VENTRAL_STRIATUM = "ventral_striatum"
    DORSAL_STRIATUM = "dorsal_striatum"
    STRIATUM = "striatum"
    BASAL_GANGLIA = "basal_ganglia"
    VENTRAL_TEGMENTAL_AREA = "ventral_tegmental_area"
    SUBSTANTIA_NIGRA = "substantia_nigra"
    RAPHE_NUCLEI = "raphe_nuclei"
    LOCUS_COERULEUS = "locus_coeruleus"
    HYPOTHALAMUS = "hypothalamus"
    PITUITARY = "pituitary"
    THALAMUS = "thalamus"
    PARIETAL_CORTEX = "parietal_cortex"
    TEMPORAL_CORTEX = "temporal_cortex"
    OCCIPITAL_CORTEX = "occipital_cortex"
    CEREBELLUM = "cerebellum"
    BRAIN_STEM = "brain_stem"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Neurotransmitter(str, Enum):
    """Neurotransmitters (and neuromodulators) tracked per region."""

    SEROTONIN = "serotonin"
    DOPAMINE = "dopamine"
    NOREPINEPHRINE = "norepinephrine"
    GABA = "gaba"
    GLUTAMATE = "glutamate"
    ACETYLCHOLINE = "acetylcholine"
    ENDORPHINS = "endorphins"
    SUBSTANCE_P = "substance_p"
    OXYTOCIN = "oxytocin"
    HISTAMINE = "histamine"
    GLYCINE = "glycine"
    ADENOSINE = "adenosine"

    @property
    def label(self) -> str:
        return "GABA" if self is Neurotransmitter.GABA else self.value.replace("_", " ").capitalize()


REGIONS: tuple[Region, ...] = tuple(Region)
NEUROTRANSMITTERS: tuple[Neurotransmitter, ...] = tuple(Neurotransmitter)

# Circuits used to group regions in views (textbook functional grouping; display only, not a model parameter).
CIRCUITS: dict[str, tuple[Region, ...]] = {
    "Cortical": (
        Region.PREFRONTAL_CORTEX, Region.ANTERIOR_CINGULATE_CORTEX, Region.ORBITOFRONTAL_CORTEX, Region.INSULA,
        Region.PARIETAL_CORTEX, Region.TEMPORAL_CORTEX, Region.OCCIPITAL_CORTEX,
    ),
    "Limbic": (Region.AMYGDALA, Region.HIPPOCAMPUS, Region.HYPOTHALAMUS, Region.PITUITARY),
    "Reward / basal ganglia": (
        Region.NUCLEUS_ACCUMBENS, Region.VENTRAL_STRIATUM, Region.DORSAL_STRIATUM, Region.STRIATUM,
        Region.BASAL_GANGLIA,
    ),
    "Monoamine nuclei": (
        Region.VENTRAL_TEGMENTAL_AREA, Region.SUBSTANTIA_NIGRA, Region.RAPHE_NUCLEI, Region.LOCUS_COERULEUS,
    ),
    "Relay and hindbrain": (Region.THALAMUS, Region.CEREBELLUM, Region.BRAIN_STEM),
}
assert sum(len(v) for v in CIRCUITS.values()) == len(REGIONS) == 23
assert len(NEUROTRANSMITTERS) == 12
