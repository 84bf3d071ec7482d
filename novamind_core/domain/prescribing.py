"""What a clinician sees before a medication is started: the drug as the catalogue knows it, and the checks.

A drug is *modelled* when it is in the drug catalogue (the twin simulates it), *known for interactions* when it is one
of the catalogue's other agents (MAOIs, lithium, tramadol...: checked for interactions, not simulated), and *not
modelled* otherwise: it can be recorded only when the clinician says so explicitly, and the twin then shows it as not
modelled instead of silently ignoring it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from novamind_core.domain.errors import ConflictError


class DrugKnowledge(str, Enum):
    MODELLED = "modelled"
    INTERACTIONS_ONLY = "checked for interactions, not simulated"
    NOT_MODELLED = "not modelled"


@dataclass(frozen=True)
class PrescribingWarning:
    """One finding of the check before a start: ``severity`` is info, moderate, major or contraindicated."""

    severity: str
    message: str
    source: str


@dataclass(frozen=True)
class StartCheck:
    """The check shown before "Start medication" saves: the drug as named in the catalogue, what the model knows of
    it, the interaction warnings with the patient's active medications, and whether the dose is outside the usual
    range."""

    drug: str
    knowledge: DrugKnowledge
    dose_mg: float
    warnings: tuple[PrescribingWarning, ...] = ()
    usual_range_mg_per_day: tuple[float, float] | None = None

    @property
    def needs_review(self) -> bool:
        """Whether the clinician must confirm they reviewed the warnings before the start is saved."""
        return bool(self.warnings)


class InteractionReviewRequired(ConflictError):
    """A start with interaction warnings was sent without ``interactions_reviewed=True``; the check rides along."""

    def __init__(self, check: StartCheck):
        super().__init__(f"starting {check.drug} needs the interaction check reviewed first: "
                         + "; ".join(w.message for w in check.warnings))
        self.check = check
        self.field = "drug"
