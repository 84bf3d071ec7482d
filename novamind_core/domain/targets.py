"""The drug targets the pharmacology engine and the twin know (transporters and receptors), in one order.

Standard library only. Affinities per target are in the drug catalogue (``data/drug_catalogue.json``); which targets
drive which neurotransmitter is in :mod:`novamind_core.twin.dynamics` (see ``docs/science.md``).
"""

from __future__ import annotations

#: Transporters (SERT, NET, DAT) and receptors, in the order of the catalogue's affinity tables.
TARGETS: tuple[str, ...] = ("SERT", "NET", "DAT", "5-HT2A", "H1", "alpha-2", "5-HT1A", "5-HT3")

__all__ = ["TARGETS"]
