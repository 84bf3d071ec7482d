"""Limits and outcome definitions of what-if scenarios, defined once for the engine, the service, the form and the CLI.

Standard library only. Response and remission follow ``docs/science.md`` (section 2): response is a PHQ-9 total at most
half the pre-treatment baseline; remission is a PHQ-9 total at or below the instrument's remission cut-off
(:attr:`novamind_core.domain.instruments.InstrumentSpec.remission_max_total`).
"""

from __future__ import annotations

from novamind_core.domain.instruments import Instrument

#: Most scenarios compared side by side (the comparison table and fan chart stay readable).
MAX_COMPARED_SCENARIOS = 4
#: Longest scenario horizon, in weeks.
MAX_HORIZON_WEEKS = 52
#: Default scenario horizon, in weeks.
DEFAULT_HORIZON_WEEKS = 12
#: Most Monte Carlo draws one run may ask for.
MAX_DRAWS = 100_000
#: Response: PHQ-9 at most this share of the pre-treatment baseline.
RESPONSE_FRACTION_OF_BASELINE = 0.5
#: Remission: PHQ-9 total at or below this (the PHQ-9 instrument's own cut-off).
PHQ9_REMISSION_MAX_TOTAL: int = Instrument.PHQ9.spec.remission_max_total

__all__ = ["DEFAULT_HORIZON_WEEKS", "MAX_COMPARED_SCENARIOS", "MAX_DRAWS", "MAX_HORIZON_WEEKS",
           "PHQ9_REMISSION_MAX_TOTAL", "RESPONSE_FRACTION_OF_BASELINE"]
