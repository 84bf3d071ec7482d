"""Pharmacogenomics: CYP2D6 / CYP2C19 phenotypes -> exposure multipliers and guideline dose guidance.

* Exposure multipliers per phenotype come from published TDM cohorts and labels, stored per drug in the catalogue
  (e.g. sertraline/CYP2C19: Braten et al. 2020, Neuropsychopharmacology 45:570; escitalopram: Jukic et al. 2018,
  Am J Psychiatry 175:463).
* Guidance: CPIC (Bousman et al. 2023, Clin Pharmacol Ther 114:51), DPWG (Brouwer et al. 2022, Eur J Hum Genet
  30:1114) and FDA labels; each recommendation carries its source.
* Phenoconversion: a strong inhibitor of the enzyme makes any phenotype behave as a poor metaboliser; a moderate one
  moves it one step toward PM (Cicali et al. 2021, Clin Pharmacol Ther 110:677).
* SLC6A4 and HTR2A genotypes are accepted and recorded but never change dosing (CPIC 2023: no recommendation).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology.catalogue import PHENOTYPES, Catalogue, load_catalogue

ENZYMES: tuple[str, ...] = ("CYP2D6", "CYP2C19")
_ONE_STEP_TOWARD_PM = {"UM": "NM", "RM": "NM", "NM": "IM", "IM": "PM", "PM": "PM"}
NON_DOSE_GENES: tuple[str, ...] = ("SLC6A4", "HTR2A")


@dataclass(frozen=True)
class DoseGuidance:
    """Guideline advice for one drug and genotype (``max_dose_mg_per_day`` is None where no cap applies)."""

    drug: str
    enzyme: str | None
    phenotype: str | None
    effective_phenotype: str | None
    max_dose_mg_per_day: float | None
    recommendation: str
    source: str
    slower_titration: bool = False
    avoid: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"max_dose_mg_per_day": self.max_dose_mg_per_day, "recommendation": self.recommendation,
                "source": self.source}


def _phenotype(value: str | None, gene: str) -> str:
    v = "NM" if value is None else str(value).strip().upper()
    if v not in PHENOTYPES:
        raise ValidationError(f"{gene} phenotype {value!r} is not one of {', '.join(PHENOTYPES)}", field=gene.lower(),
                              value=value)
    return v


def strongest_inhibition(enzyme: str, co_medications: Iterable[str], catalogue: Catalogue) -> tuple[str | None, str]:
    """The strongest inhibition of ``enzyme`` among co-medications: ('strong'|'moderate'|None, inhibitor name)."""
    best, who = None, ""
    rank = {"weak": 0, "moderate": 1, "strong": 2}
    for name in co_medications:
        agent = catalogue.agent(name)
        strength = agent.inhibits.get(enzyme)
        if strength in ("moderate", "strong") and (best is None or rank[strength] > rank[best]):
            best, who = strength, agent.name
    return best, who


def phenoconvert(phenotype: str, inhibition: str | None) -> str:
    """Phenotype after inhibition: strong -> PM; moderate -> one step toward PM (Cicali et al. 2021)."""
    if inhibition == "strong":
        return "PM"
    if inhibition == "moderate":
        return _ONE_STEP_TOWARD_PM[phenotype]
    return phenotype


def effective_phenotypes(drug: str, cyp2d6: str | None = "NM", cyp2c19: str | None = "NM",
                         co_medications: Iterable[str] = (), catalogue: Catalogue | None = None) -> dict[str, str]:
    """Genotype-predicted phenotypes after phenoconversion by co-medications (the drug itself excluded)."""
    cat = catalogue or load_catalogue()
    others = [c for c in co_medications if str(c).strip().lower() != drug.lower()]
    out = {}
    for enzyme, value in (("CYP2D6", cyp2d6), ("CYP2C19", cyp2c19)):
        inhibition, _ = strongest_inhibition(enzyme, others, cat)
        out[enzyme] = phenoconvert(_phenotype(value, enzyme), inhibition)
    return out


def exposure_multiplier(drug: str, cyp2d6: str | None = "NM", cyp2c19: str | None = "NM",
                        co_medications: Iterable[str] = (), catalogue: Catalogue | None = None) -> float:
    """Parent exposure relative to a normal metaboliser (1.0 where the drug's enzyme does not matter)."""
    cat = catalogue or load_catalogue()
    d = cat.get(drug)
    if d.pgx is None:
        return 1.0
    phen = effective_phenotypes(d.name, cyp2d6, cyp2c19, co_medications, cat)[d.pgx.enzyme]
    return d.pgx.exposure_multiplier[phen]


def dose_guidance(drug: str, dose_mg_per_day: float | None = None, cyp2d6: str | None = "NM",
                  cyp2c19: str | None = "NM", co_medications: Iterable[str] = (), age_years: float | None = None,
                  catalogue: Catalogue | None = None, slc6a4: str | None = None,
                  htr2a: str | None = None) -> DoseGuidance:
    """Guideline dose advice for ``drug`` given genotype, co-medications (phenoconversion) and age.

    ``slc6a4`` and ``htr2a`` are accepted and deliberately ignored (CPIC 2023 makes no dosing recommendation).
    Citalopram's FDA cap (20 mg/day in CYP2C19 PM, above age 60 or with a CYP2C19 inhibitor) and the usual
    maximum dose are applied on top of the genotype rule; the message says when ``dose_mg_per_day`` exceeds the cap.
    """
    cat = catalogue or load_catalogue()
    d = cat.get(drug)
    if dose_mg_per_day is not None and dose_mg_per_day < 0:
        raise ValidationError(f"dose must be >= 0 mg/day, got {dose_mg_per_day:g}", field="dose_mg",
                              value=dose_mg_per_day)
    co = list(co_medications)
    if d.pgx is None:
        return DoseGuidance(d.name, None, None, None, None, "No genotype-guided dosing (placebo)", "n/a")
    enzyme = d.pgx.enzyme
    genotype = _phenotype(cyp2d6 if enzyme == "CYP2D6" else cyp2c19, enzyme)
    effective = effective_phenotypes(d.name, cyp2d6, cyp2c19, co, cat)[enzyme]
    rule = next((r for r in d.pgx.guidance if effective in r.phenotypes), None)
    max_dose = rule.max_dose_mg_per_day if rule else None
    message = rule.recommendation if rule else "No genotype-guided dose change recommended"
    sources = [rule.source] if rule else []
    if effective != genotype:
        _, who = strongest_inhibition(enzyme, [c for c in co if c.lower() != d.name], cat)
        message = (f"{enzyme} {genotype} genotype behaves as {effective} with {who} (phenoconversion): " + message)
        sources.append(cat.phenoconversion_source)
    qt = cat.qt_rules.get(d.name)
    if qt:
        cap = qt["max_dose_mg_per_day"]
        elderly = qt.get("max_dose_elderly_mg_per_day")
        if d.name == "citalopram" and elderly is not None:
            inhibited = strongest_inhibition("CYP2C19", co, cat)[0] is not None
            if (age_years is not None and age_years > 60) or inhibited or effective == "PM":
                cap = elderly
                message += f"; citalopram maximum {elderly.value:g} mg/day (age > 60, CYP2C19 PM or CYP2C19 inhibitor)"
        elif elderly is not None and age_years is not None and age_years >= 65:
            cap = elderly
            message += f"; {elderly.value:g} mg/day recommended from age 65"
        if max_dose is None or cap.value < max_dose:
            max_dose = cap.value
            sources.append(cap.source)
    if max_dose is None and d.dose is not None:
        max_dose = d.dose.usual_max_mg_per_day
        sources.append(d.sources.get("dose", "US FDA prescribing information, Dosage and Administration"))
    if dose_mg_per_day is not None and max_dose is not None and dose_mg_per_day > max_dose:
        message = f"{dose_mg_per_day:g} mg/day exceeds the maximum of {max_dose:g} mg/day. " + message
    avoid = "alternative" in message.lower()
    return DoseGuidance(d.name, enzyme, genotype, effective, max_dose, message, "; ".join(dict.fromkeys(sources)),
                        slower_titration=bool(rule and rule.slower_titration), avoid=avoid)
