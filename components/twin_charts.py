"""Re-export of the twin figure builders, kept so existing imports work.

The builders live in :mod:`components.twin_state_charts` (current twin: heatmap, brain map, symptom profile,
occupancy, versions, diff rows) and :mod:`components.scenario_charts` (timelines, fan chart, PK and neurotransmitter
panels, outcomes table, comparison CSV, model statement). New code imports from those modules directly.
"""

from __future__ import annotations

from components.scenario_charts import (
    LEVEL_COLOURS,
    MEDICATION_COLOUR,
    OCCUPANCY_COLOURS,
    PHQ9_BANDS,
    PLAN_COLOUR,
    comparison_csv,
    fan_chart,
    model_statement,
    nt_panel,
    outcomes_frame,
    pk_panels,
    timelines_figure,
)
from components.twin_state_charts import (
    DOMAIN_LABELS,
    MODELLED,
    NT_DRIVERS,
    brain_map,
    diff_rows,
    driver_text,
    occupancy_bars,
    region_order,
    state_heatmap,
    symptom_profile,
    version_timeline,
)
from novamind_core.domain.brain import CIRCUITS, NEUROTRANSMITTERS, REGIONS, Neurotransmitter, Region

__all__ = [
    "CIRCUITS", "DOMAIN_LABELS", "LEVEL_COLOURS", "MEDICATION_COLOUR", "MODELLED", "NEUROTRANSMITTERS", "NT_DRIVERS",
    "OCCUPANCY_COLOURS", "PHQ9_BANDS", "PLAN_COLOUR", "REGIONS", "Neurotransmitter", "Region", "brain_map",
    "comparison_csv", "diff_rows", "driver_text", "fan_chart", "model_statement", "nt_panel", "occupancy_bars",
    "outcomes_frame", "pk_panels", "region_order", "state_heatmap", "symptom_profile", "timelines_figure",
    "version_timeline",
]
