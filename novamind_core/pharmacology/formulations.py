"""Formulations that make small taper doses possible: licensed liquids, scored tablets, and what to do without them.

Hyperbolic tapers end on fractions of the smallest tablet (Horowitz & Taylor 2019, Lancet Psychiatry 6:538), so each
plan step names how to give its dose. Strengths and forms are from the US FDA prescribing information (Dosage Forms
and Strengths) unless the source says otherwise; UK/EU liquids are named where the US has none.
Decision support for research and demonstration; not a medical device.
"""

from __future__ import annotations

from dataclasses import dataclass

SMALLEST_MEASURABLE_ML = 0.2
"""Below this volume an oral syringe cannot measure reliably; the liquid is diluted first."""
_SPLIT_TOLERANCE = 0.02
MAX_PIECES_PER_DOSE = 4
"""More tablets or halves than this for one dose is given as liquid instead."""


@dataclass(frozen=True)
class Formulation:
    """How one drug is supplied: tablet strengths (and whether they may be split) and an oral liquid, with sources."""

    drug: str
    tablet_strengths_mg: tuple[float, ...]
    tablets_may_be_split: bool
    liquid: str | None
    liquid_mg_per_ml: float | None
    without_liquid: str
    source: str


_HOROWITZ = "Horowitz & Taylor 2019, Lancet Psychiatry 6:538, doi:10.1016/S2215-0366(19)30032-X"
FORMULATIONS: dict[str, Formulation] = {f.drug: f for f in (
    Formulation("sertraline", (25, 50, 100), True, "oral concentrate 20 mg/mL (dilute in water before taking)", 20.0,
                "", "US FDA prescribing information (Zoloft), Dosage Forms and Strengths: tablets 25/50/100 mg "
                    "(scored), oral concentrate 20 mg/mL"),
    Formulation("escitalopram", (5, 10, 20), True, "oral solution 1 mg/mL (5 mg/5 mL)", 1.0, "",
                "US FDA prescribing information (Lexapro): tablets 5/10/20 mg (10 and 20 mg scored), oral solution "
                "5 mg/5 mL"),
    Formulation("citalopram", (10, 20, 40), True, "oral solution 2 mg/mL (10 mg/5 mL)", 2.0, "",
                "US FDA prescribing information (Celexa): tablets 10/20/40 mg (20 and 40 mg scored), oral solution "
                "10 mg/5 mL"),
    Formulation("fluoxetine", (10, 20), False, "oral solution 4 mg/mL (20 mg/5 mL)", 4.0, "",
                "US FDA prescribing information (Prozac): capsules 10/20/40 mg, oral solution 20 mg/5 mL"),
    Formulation("paroxetine", (10, 20, 30, 40), True, "oral suspension 2 mg/mL (10 mg/5 mL)", 2.0, "",
                "US FDA prescribing information (Paxil): tablets 10/20/30/40 mg (10 and 20 mg scored), oral "
                "suspension 10 mg/5 mL"),
    Formulation("venlafaxine", (25, 37.5, 50, 75), True, "oral solution 7.5 mg/mL (37.5 mg/5 mL; UK)", 7.5,
                "counting the pellets in an extended-release capsule",
                "US FDA prescribing information (Effexor, immediate-release tablets 25/37.5/50/75/100 mg; Effexor XR "
                f"capsules of pellets); UK licensed oral solution 37.5 mg/5 mL (BNF); pellet counting: {_HOROWITZ}"),
    Formulation("desvenlafaxine", (25, 50, 100), False, None, None,
                "no licensed form below 25 mg (extended-release tablets must be swallowed whole): a pharmacy-"
                "compounded preparation is needed",
                "US FDA prescribing information (Pristiq): extended-release tablets 25/50/100 mg, swallow whole"),
    Formulation("duloxetine", (20, 30, 60), False, None, None,
                "counting the enteric-coated pellets of an opened capsule (off-label), or a compounded preparation",
                f"US FDA prescribing information (Cymbalta): delayed-release capsules 20/30/60 mg; {_HOROWITZ}"),
    Formulation("vortioxetine", (5, 10, 20), False, "oral drops 20 mg/mL (1 drop = 1 mg; EU)", 20.0, "",
                "US FDA prescribing information (Trintellix): tablets 5/10/20 mg; EU SmPC (Brintellix) oral drops "
                "20 mg/mL"),
    Formulation("mirtazapine", (15, 30, 45), True, "oral solution 15 mg/mL (UK)", 15.0, "",
                "US FDA prescribing information (Remeron): tablets 15/30/45 mg (scored); UK licensed oral solution "
                "15 mg/mL (BNF)"),
    Formulation("bupropion", (75, 100, 150), False, None, None,
                "modified-release tablets must not be split; smaller steps need immediate-release tablets",
                "US FDA prescribing information (Wellbutrin; SR/XL tablets swallowed whole)"),
)}


def formulation(drug: str) -> Formulation:
    """The drug's formulation entry (a generic one naming no liquid when the drug has none listed)."""
    key = drug.strip().lower()
    return FORMULATIONS.get(key, Formulation(key, (), False, None, None, "ask the pharmacy for a suitable form",
                                             "no formulation data for this drug"))


def _tablets(f: Formulation, dose_mg: float) -> str | None:
    pieces = [(s, 1.0) for s in f.tablet_strengths_mg]
    if f.tablets_may_be_split:
        pieces += [(s, 0.5) for s in f.tablet_strengths_mg]
    for strength, part in sorted(pieces, key=lambda p: -p[0] * p[1]):
        unit = strength * part
        n = dose_mg / unit
        if round(n) >= 1 and abs(n - round(n)) * unit <= _SPLIT_TOLERANCE * dose_mg and round(n) <= MAX_PIECES_PER_DOSE:
            what = f"half a {strength:g} mg tablet" if part == 0.5 else f"{strength:g} mg tablet"
            return f"{int(round(n))} × {what}"
    return None


def how_to_give(drug: str, dose_mg: float) -> str:
    """A sentence saying how this daily dose is given: tablets (split when allowed), a liquid volume, or what else.

    Examples
    --------
    >>> how_to_give("sertraline", 25)
    '1 × 25 mg tablet'
    >>> how_to_give("citalopram", 3)
    '1.5 mL of oral solution 2 mg/mL (10 mg/5 mL)'
    """
    if dose_mg <= 0:
        return "stop"
    f = formulation(drug)
    tablets = _tablets(f, dose_mg)
    if tablets:
        return tablets
    if f.liquid and f.liquid_mg_per_ml:
        ml = dose_mg / f.liquid_mg_per_ml
        if ml >= SMALLEST_MEASURABLE_ML:
            return f"{ml:.2g} mL of {f.liquid}" if ml < 1 else f"{ml:.1f} mL of {f.liquid}"
        return (f"{ml:.3f} mL of {f.liquid}: too small to measure, so dilute 1 mL to 10 mL with water and give "
                f"{10 * ml:.2f} mL at once")
    return f"{dose_mg:.3g} mg: {f.without_liquid}"
