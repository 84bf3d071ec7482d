"""Interaction and switching rules, each warning with a severity, a clinician-readable message and its source.

Rules (docs/science.md §6):

* MAOI with a serotonergic antidepressant: contraindicated; switching needs the label washout (14 days for most
  SSRIs/SNRIs, 5 weeks after fluoxetine, 7 days after venlafaxine/desvenlafaxine, 5 after duloxetine, 21 after
  vortioxetine; 14 days after stopping an MAOI before any serotonergic antidepressant).
* Two or more serotonergic drugs together (incl. tramadol, linezolid, triptans, lithium): serotonin syndrome.
* Citalopram above 40 mg/day (20 mg/day above age 60, in CYP2C19 PM or with a CYP2C19 inhibitor): QT prolongation
  (FDA Drug Safety Communication 2011/2012).
* A strong or moderate CYP inhibitor with a drug cleared by that enzyme: exposure rises (phenoconversion).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from novamind_core.pharmacology.catalogue import Catalogue, Drug, load_catalogue
from novamind_core.pharmacology.pgx import phenoconvert

SEVERITIES: tuple[str, ...] = ("info", "moderate", "major", "contraindicated")
MAOI_AFTER_STOP_DAYS = 14.0  # days after stopping an MAOI before a serotonergic antidepressant (labels)
_MAOI_AFTER_STOP_SOURCE = ("US FDA prescribing information of SSRIs/SNRIs, Contraindications "
                           "(14 days after stopping an MAOI)")
_SEROTONIN_SOURCE = ("Boyer & Shannon 2005, N Engl J Med 352:1112; US FDA prescribing information, Warnings "
                     "(serotonin syndrome)")


@dataclass(frozen=True)
class ClinicalWarning:
    """A warning for the clinician. ``severity`` is one of ``info``, ``moderate``, ``major``, ``contraindicated``."""

    severity: str
    message: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "message": self.message, "source": self.source}


def _is_maoi(agent: object) -> bool:
    return getattr(agent, "agent_class", getattr(agent, "drug_class", "")) == "MAOI"


def check_interactions(drugs_with_doses: Mapping[str, float] | Iterable[tuple[str, float]],
                       cyp2c19: str | None = "NM", age_years: float | None = None,
                       catalogue: Catalogue | None = None) -> list[ClinicalWarning]:
    """Warnings for drugs taken together (name -> mg/day; non-catalogue agents such as MAOIs use any dose).

    Examples
    --------
    >>> [w.severity for w in check_interactions({"sertraline": 100, "phenelzine": 45})]
    ['contraindicated', 'major']
    """
    cat = catalogue or load_catalogue()
    items = list(drugs_with_doses.items() if isinstance(drugs_with_doses, Mapping) else drugs_with_doses)
    agents = [(cat.agent(name), float(dose)) for name, dose in items]
    warnings: list[ClinicalWarning] = []
    maois = [a for a, _ in agents if _is_maoi(a)]
    serotonergic = [a for a, _ in agents if getattr(a, "serotonergic", False)]
    if maois:
        for a, _ in agents:
            if a.serotonergic and not _is_maoi(a):
                washout = a.dose.maoi_washout_days if isinstance(a, Drug) and a.dose else 14.0
                warnings.append(ClinicalWarning(
                    "contraindicated",
                    f"{a.name} with the MAOI {maois[0].name}: risk of serotonin syndrome. Do not combine; stop "
                    f"{a.name} at least {washout:g} days before starting an MAOI, and wait 14 days after an MAOI.",
                    _washout_source(a) if isinstance(a, Drug) and a.dose else _maoi_source(a)))
    if len(serotonergic) >= 2:
        names = ", ".join(a.name for a in serotonergic)
        warnings.append(ClinicalWarning(
            "major", f"Serotonergic combination ({names}): watch for serotonin syndrome (agitation, tremor, "
                     "hyperthermia, clonus), especially after starting or raising a dose.", _SEROTONIN_SOURCE))
    for a, dose in agents:
        if not isinstance(a, Drug):
            continue
        qt = cat.qt_rules.get(a.name)
        if qt:
            cap = qt["max_dose_mg_per_day"]
            reason = ""
            if a.name == "citalopram":
                others = [n for n, _ in items if n.lower() != a.name]
                inhibited = any(cat.agent(n).inhibits.get("CYP2C19") in ("moderate", "strong") for n in others)
                pm = phenoconvert(str(cyp2c19 or "NM").upper(), None) == "PM"
                if (age_years is not None and age_years > 60) or inhibited or pm:
                    cap = qt["max_dose_elderly_mg_per_day"]
                    reason = " (age > 60, CYP2C19 poor metaboliser or CYP2C19 inhibitor)"
            if dose > cap.value:
                warnings.append(ClinicalWarning(
                    "major", f"{a.name} {dose:g} mg/day is above {cap.value:g} mg/day{reason}: dose-dependent QT "
                             "prolongation; use a lower dose or check an ECG.", cap.source))
        for other, _ in agents:
            if other is a:
                continue
            for enzyme in a.cleared_by[:2]:  # main clearing enzymes
                strength = other.inhibits.get(enzyme)
                if strength in ("moderate", "strong") and a.pgx is not None and a.pgx.enzyme == enzyme:
                    mult = a.pgx.exposure_multiplier["PM" if strength == "strong" else "IM"]
                    warnings.append(ClinicalWarning(
                        "moderate" if mult < 2 else "major",
                        f"{other.name} is a {strength} {enzyme} inhibitor and raises {a.name} exposure (about "
                        f"{mult:.1f}x, like a {enzyme} {'poor' if strength == 'strong' else 'intermediate'} "
                        f"metaboliser); consider a lower {a.name} dose.",
                        f"{getattr(other, 'source', '') or other.sources.get('cyp', '')}; "
                        f"{cat.phenoconversion_source}"))
    return _dedupe(warnings)


def _maoi_source(a: object) -> str:
    return "US FDA prescribing information, Contraindications (MAOIs); docs/science.md §6"


def check_switch(from_drug: str, to_drug: str, gap_days: float, catalogue: Catalogue | None = None,
                 ) -> list[ClinicalWarning]:
    """Washout rules when ``to_drug`` starts ``gap_days`` after ``from_drug`` stopped (0 = direct switch)."""
    cat = catalogue or load_catalogue()
    a, b = cat.agent(from_drug), cat.agent(to_drug)
    out = []
    if _is_maoi(b) and a.serotonergic and not _is_maoi(a):
        need = a.dose.maoi_washout_days if isinstance(a, Drug) and a.dose else 14.0
        if gap_days < need:
            out.append(ClinicalWarning(
                "contraindicated", f"Starting the MAOI {b.name} {gap_days:g} days after {a.name}: wait at least "
                                   f"{need:g} days (washout of {a.name} and its active metabolites).",
                _washout_source(a) if isinstance(a, Drug) and a.dose else _maoi_source(a)))
    if _is_maoi(a) and b.serotonergic and not _is_maoi(b) and gap_days < MAOI_AFTER_STOP_DAYS:
        out.append(ClinicalWarning(
            "contraindicated", f"Starting {b.name} {gap_days:g} days after the MAOI {a.name}: wait at least "
                               f"{MAOI_AFTER_STOP_DAYS:g} days.", _MAOI_AFTER_STOP_SOURCE))
    return out


def _washout_source(a: Drug) -> str:
    return (f"US FDA prescribing information ({a.name}), Contraindications: MAOI washout "
            f"{a.dose.maoi_washout_days:g} days")


def _dedupe(warnings: list[ClinicalWarning]) -> list[ClinicalWarning]:
    seen, out = set(), []
    for w in warnings:
        if w.message not in seen:
            seen.add(w.message)
            out.append(w)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(out, key=lambda w: -rank[w.severity])
