"""Prescribing from the catalogue: name a drug the way the catalogue does, check a start before it is saved.

Pure functions over the drug catalogue (``novamind_core.pharmacology``) that the medications service calls inside its
transaction; no database, no audit here. Rules:

* a name in the catalogue is modelled; a catalogue "other agent" (MAOIs, lithium, tramadol...) is checked for
  interactions but not simulated; any other name is refused unless the clinician records it explicitly as not
  modelled, and a near miss ("sertralin") is answered with the catalogue's spelling;
* starting a second antidepressant beside an active one, or any serotonergic combination, MAOI combination, QT dose
  limit or CYP inhibition (``pharmacology.interactions.check_interactions``), is a warning the clinician reviews before
  the start is saved;
* a daily dose outside the catalogue's usual range is a warning too.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.medications import Frequency, MedicationOrder, normalise_drug
from novamind_core.domain.prescribing import DrugKnowledge, PrescribingWarning, StartCheck

#: Drug classes the catalogue uses for antidepressants (placebo excluded).
ANTIDEPRESSANT_CLASSES = ("SSRI", "SNRI", "NDRI", "NaSSA", "multimodal serotonergic", "MAOI", "TCA")
_DUPLICATE_SOURCE = ("NICE NG222 (2022) 1.9 and BAP guidelines (Cleare et al. 2015, J Psychopharmacol 29:459): "
                     "combining antidepressants is a specialist decision with added monitoring")


def knowledge_of(drug: str) -> tuple[str, DrugKnowledge]:
    """The normalised name and what the catalogue knows of it."""
    from novamind_core.pharmacology import load_catalogue

    name = normalise_drug(drug)
    cat = load_catalogue()
    if name in cat.drugs and name != "placebo":
        return name, DrugKnowledge.MODELLED
    if name in cat.other_agents:
        return name, DrugKnowledge.INTERACTIONS_ONLY
    return name, DrugKnowledge.NOT_MODELLED


def known_names() -> tuple[str, ...]:
    """Every name the start form offers: catalogue drugs first, then the other agents, each alphabetical."""
    from novamind_core.pharmacology import load_catalogue

    cat = load_catalogue()
    return tuple(sorted(d for d in cat.drugs if d != "placebo")) + tuple(sorted(cat.other_agents))


def refuse_unknown(drug: str) -> None:
    """ValidationError naming the catalogue's closest spelling, for a name the catalogue does not know."""
    match = difflib.get_close_matches(drug, known_names(), n=1, cutoff=0.75)
    hint = f"did you mean {match[0]}? " if match else ""
    raise ValidationError(f"{drug!r} is not in the drug catalogue: {hint}Choose a listed drug, or record it "
                          "explicitly as not modelled (the twin will show it as not modelled)", field="drug",
                          value=drug)


def _drug_class(name: str) -> str | None:
    from novamind_core.pharmacology import load_catalogue

    cat = load_catalogue()
    if name in cat.drugs:
        return cat.drugs[name].drug_class
    if name in cat.other_agents:
        return cat.other_agents[name].agent_class
    return None


def check_start(active: Sequence[MedicationOrder], drug: str, dose_mg: float,
                frequency: Frequency = Frequency.DAILY) -> StartCheck:
    """The check shown before a start is saved (``active``: the patient's active orders)."""
    from novamind_core.pharmacology import load_catalogue
    from novamind_core.pharmacology.interactions import check_interactions

    name, knowledge = knowledge_of(drug)
    cat = load_catalogue()
    daily = float(dose_mg) * (frequency.doses_per_day or 1.0)
    warnings: list[PrescribingWarning] = []
    others = [m for m in active if m.drug != name]
    new_class = _drug_class(name)
    if new_class in ANTIDEPRESSANT_CLASSES:
        current = [m for m in others if _drug_class(m.drug) in ANTIDEPRESSANT_CLASSES]
        if current:
            warnings.append(PrescribingWarning(
                "major", f"{name} would be a second antidepressant beside {', '.join(m.describe() for m in current)}"
                         ": to switch, use Change or stop (or a switch plan); to combine, confirm it is intended.",
                _DUPLICATE_SOURCE))
    checkable = [(m.drug, m.daily_dose_mg) for m in others if knowledge_of(m.drug)[1] is not DrugKnowledge.NOT_MODELLED]
    if knowledge is not DrugKnowledge.NOT_MODELLED and checkable:
        for w in check_interactions([*checkable, (name, daily)], catalogue=cat):
            warnings.append(PrescribingWarning(w.severity, w.message, w.source))
    usual = None
    if knowledge is DrugKnowledge.MODELLED and cat.drugs[name].dose is not None:
        dose = cat.drugs[name].dose
        usual = (dose.usual_min_mg_per_day, dose.usual_max_mg_per_day)
        if daily > dose.usual_max_mg_per_day:
            warnings.append(PrescribingWarning(
                "major", f"{name} {daily:g} mg/day is above the usual maximum of {dose.usual_max_mg_per_day:g} "
                         "mg/day: check the dose and its unit.", cat.drugs[name].sources.get("dose", "")))
    return StartCheck(drug=name, knowledge=knowledge, dose_mg=float(dose_mg), warnings=tuple(warnings),
                      usual_range_mg_per_day=usual)


def not_modelled_lines(orders: Sequence[MedicationOrder]) -> list[str]:
    """One line per active order the twin does not simulate, in words (``"lithium 400 mg nightly: checked for
    interactions, not simulated"``), so a page showing the twin never ignores a medication silently."""
    out = []
    for m in orders:
        if not m.active:
            continue
        try:
            knowledge = knowledge_of(m.drug)[1]
        except ValidationError:
            knowledge = DrugKnowledge.NOT_MODELLED
        if knowledge is not DrugKnowledge.MODELLED:
            out.append(f"{m.describe()}: {knowledge.value}")
    return out
