"""Simulate a regimen for a batch of virtual patients: concentrations, occupancy and clinical warnings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology.catalogue import Catalogue, Drug, load_catalogue
from novamind_core.pharmacology.interactions import ClinicalWarning, _dedupe, check_interactions, check_switch
from novamind_core.pharmacology.occupancy import combined_occupancy_percent
from novamind_core.pharmacology.pgx import dose_guidance, effective_phenotypes
from novamind_core.pharmacology.pk import simulate_drug, validate_phenotype
from novamind_core.pharmacology.regimen import DoseSchedule, Scenario, Segment, build_dose_events, parse_scenario

_INHIBITION_PERSISTS_HALF_LIVES = 5.0  # an inhibitor acts until ~5 half-lives of its active moiety after stopping


def active_moiety_key(drug: str) -> str:
    """Key of a drug's active moiety (parent + active metabolites) in ``PKResult.concentration_ng_ml``."""
    return f"{drug}_active_moiety"


def analyte_label(key: str, catalogue: Catalogue | None = None) -> str:
    """Clinicians' words for an analyte key of ``PKResult.concentration_ng_ml``, the only form a page shows:
    ``"fluoxetine_active_moiety"`` -> ``"fluoxetine + norfluoxetine (active moiety)"``; a drug or metabolite name is
    its own label. A drug without active metabolites has no moiety beyond itself: ``"sertraline (active moiety)"``."""
    if not key.endswith("_active_moiety"):
        return key
    drug = key[: -len("_active_moiety")]
    entry = (catalogue or load_catalogue()).drugs.get(drug)
    active = [m.name for m in entry.metabolites if m.active] if entry is not None else []
    return " + ".join([drug, *active]) + " (active moiety)"


def has_active_metabolites(drug: str, catalogue: Catalogue | None = None) -> bool:
    """True when ``drug``'s active moiety differs from the drug itself (it has an active metabolite)."""
    entry = (catalogue or load_catalogue()).drugs.get(drug)
    return entry is not None and any(m.active for m in entry.metabolites)


def plasma_for_display(plasma: Mapping[str, Any], catalogue: Catalogue | None = None) -> dict[str, Any]:
    """Plasma values keyed by clinicians' labels (:func:`analyte_label`), the only keys a page may show: an active
    moiety that is the drug alone (no active metabolite) is left out, as it repeats the drug's own value."""
    cat = catalogue or load_catalogue()
    out: dict[str, Any] = {}
    for key, value in plasma.items():
        if key.endswith("_active_moiety") and not has_active_metabolites(key[: -len("_active_moiety")], cat):
            continue
        out[analyte_label(key, cat)] = value
    return out


@dataclass(frozen=True)
class PKResult:
    """Simulated exposure on a time grid.

    ``concentration_ng_ml`` maps parent names, metabolite names and ``<drug>_active_moiety`` to arrays of shape
    (n_patients, n_times); ``occupancy_percent`` maps targets (SERT, NET, DAT, 5-HT2A, H1, alpha-2, 5-HT1A, 5-HT3)
    bound by any simulated drug to arrays of the same shape, combined across co-administered drugs.
    """

    times_h: np.ndarray
    concentration_ng_ml: dict[str, np.ndarray]
    occupancy_percent: dict[str, np.ndarray]
    warnings: tuple[ClinicalWarning, ...]
    drugs: tuple[str, ...] = ()
    effective_phenotypes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

def _as_schedule(obj: Any, cat: Catalogue) -> DoseSchedule:
    if isinstance(obj, DoseSchedule):
        return obj
    if isinstance(obj, Scenario):
        return build_dose_events(obj, cat)
    if isinstance(obj, Mapping):
        return build_dose_events(parse_scenario(obj, cat), cat)
    raise ValidationError("simulate_pk needs a DoseSchedule, a Scenario or a scenario dict", field="schedule")

def _active_until_h(seg: Segment, cat: Catalogue) -> float:
    agent = cat.drugs.get(seg.drug)
    if agent is None or agent.pk is None:
        return seg.end_h + 24.0 * 14
    half = max([agent.pk.half_life_h] + [m.half_life_h for m in agent.metabolites if m.active])
    return seg.end_h + _INHIBITION_PERSISTS_HALF_LIVES * half

def co_medications(drug: str, schedule: DoseSchedule, cat: Catalogue) -> list[str]:
    """Other agents whose (persisting) exposure overlaps ``drug``'s dosing in the schedule."""
    mine = [s for s in schedule.segments if s.drug == drug]
    out = []
    for seg in schedule.segments:
        if seg.drug == drug or seg.drug in out:
            continue
        if any(seg.start_h < m.end_h and m.start_h < _active_until_h(seg, cat) for m in mine):
            out.append(seg.drug)
    return out

def schedule_warnings(schedule: DoseSchedule, cat: Catalogue, cyp2d6: str, cyp2c19: str,
                      age_years: float | None = None) -> list[ClinicalWarning]:
    """Interactions among overlapping drugs, switch washouts, doses above the usual or genotype maximum."""
    warnings: list[ClinicalWarning] = []
    segs = list(schedule.segments)
    for i, a in enumerate(segs):
        daily = a.dose_mg * 24.0 / a.interval_h
        together = {a.drug: daily}
        for b in segs[i + 1:]:
            if b.drug != a.drug and b.start_h < a.end_h and a.start_h < b.end_h:
                together[b.drug] = b.dose_mg * 24.0 / b.interval_h
        warnings += check_interactions(together, cyp2c19=cyp2c19, age_years=age_years, catalogue=cat)
        nxt = next((b for b in segs[i + 1:] if b.drug != a.drug and b.start_h >= a.start_h), None)
        if nxt is not None and not any(s.drug == a.drug and s.end_h > a.end_h for s in segs):
            warnings += check_switch(a.drug, nxt.drug, max(0.0, (nxt.start_h - a.end_h) / 24.0), cat)
        drug = cat.drugs.get(a.drug)
        if drug is not None and drug.dose is not None:
            g = dose_guidance(a.drug, daily, cyp2d6, cyp2c19, co_medications(a.drug, schedule, cat), age_years,
                              catalogue=cat)
            if g.max_dose_mg_per_day is not None and daily > g.max_dose_mg_per_day + 1e-9:
                warnings.append(ClinicalWarning("major", f"{a.drug} {daily:g} mg/day: {g.recommendation}", g.source))
            elif g.avoid:
                warnings.append(ClinicalWarning("moderate", f"{a.drug}: {g.recommendation}", g.source))
    for name in schedule.other_agents:
        warnings.append(ClinicalWarning("info", f"{name} has no PK model here; shown only for interaction checks",
                                        "Novamind drug catalogue (other_agents)"))
    return _dedupe(warnings)

def _multipliers(drug: Drug, cyp2d6: Any, cyp2c19: Any, co: list[str], n: int, cat: Catalogue,
                 ) -> tuple[np.ndarray, dict[str, str]]:
    d6 = np.broadcast_to(np.asarray(cyp2d6, dtype=object), (n,))
    c19 = np.broadcast_to(np.asarray(cyp2c19, dtype=object), (n,))
    first: dict[str, str] = {}
    if drug.pgx is None:
        return np.ones(n), first
    cache: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
    pairs = np.char.add(np.char.add(d6.astype(str), "|"), c19.astype(str))
    uniq, inverse = np.unique(pairs, return_inverse=True)  # few distinct genotypes: loop over those, not patients
    values = np.empty(uniq.size)
    for k, pair in enumerate(uniq):
        g6, g19 = pair.split("|")
        key = (validate_phenotype(g6, "CYP2D6"), validate_phenotype(g19, "CYP2C19"))
        if key not in cache:
            eff = effective_phenotypes(drug.name, key[0], key[1], co, cat)
            cache[key] = (drug.pgx.exposure_multiplier[eff[drug.pgx.enzyme]], eff)
        values[k] = cache[key][0]
        if k == inverse[0]:
            first = cache[key][1]
    mult = values[inverse]
    return mult, first

def simulate_pk(
    schedule_or_scenario: DoseSchedule | Scenario | Mapping[str, Any],
    times_h: np.ndarray,
    n_patients: int = 1,
    seed: int | None = 0,
    cyp2d6: str | Sequence[str] | None = None,
    cyp2c19: str | Sequence[str] | None = None,
    *,
    catalogue: Catalogue | None = None,
    bsv: bool | None = None,
    dtype: type = np.float64,
    compute_occupancy: bool = True,
    two_compartment: bool | None = None,
    age_years: float | None = None,
    chunk_size: int = 1024,
) -> PKResult:
    """Concentrations and occupancy of every drug in a regimen for ``n_patients`` virtual patients.

    Parameters
    ----------
    schedule_or_scenario : DoseSchedule, Scenario or scenario dict
    times_h : array
        Output times (h from the start of the regimen).
    n_patients : int
        Batch size. Between-subject variability (log-normal on CL and V) is on when ``bsv`` is True, and by default
        when ``n_patients > 1``; a single patient is the typical patient.
    seed : int or None
        Seeds the BSV draws (adherence draws use the schedule's own ``seed``).
    cyp2d6, cyp2c19 : str or sequence of str, optional
        Phenotypes (one, or one per patient); default: the scenario's, else ``NM``. Co-prescribed inhibitors in the
        schedule phenoconvert them.
    dtype : numpy dtype
        ``np.float32`` halves memory for large batches.
    """
    cat = catalogue or load_catalogue()
    schedule = _as_schedule(schedule_or_scenario, cat)
    if n_patients < 1:
        raise ValidationError(f"n_patients must be >= 1, got {n_patients}", field="n_patients")
    times = np.asarray(times_h, dtype=float)
    if times.ndim != 1:
        raise ValidationError("times_h must be one-dimensional", field="times_h")
    d6 = schedule.cyp2d6 if cyp2d6 is None else cyp2d6
    c19 = schedule.cyp2c19 if cyp2c19 is None else cyp2c19
    use_bsv = n_patients > 1 if bsv is None else bsv
    conc: dict[str, np.ndarray] = {}
    drugs: list[Drug] = []
    phenotypes: dict[str, dict[str, str]] = {}
    warnings: list[ClinicalWarning] = []
    for index, (name, doses) in enumerate(schedule.drugs.items()):
        drug = cat.get(name)
        drugs.append(drug)
        co = co_medications(name, schedule, cat)
        mult, eff = _multipliers(drug, d6, c19, co, n_patients, cat)
        phenotypes[name] = eff
        amounts = doses.amounts_mg * schedule.taken_mask(name, n_patients)
        rng = np.random.default_rng(None if seed is None else [seed, index])
        part = simulate_drug(drug, doses.times_h, amounts, times, n_patients, exposure_multiplier=mult, bsv=use_bsv,
                             rng=rng, dtype=dtype, two_compartment=two_compartment, chunk_size=chunk_size,
                             active_moiety_key=active_moiety_key(name))  # parent + active metabolites, same pass
        for key, arr in part.items():
            if key in conc:
                conc[key] += arr
            else:
                conc[key] = arr
    occ = combined_occupancy_percent(conc, drugs) if compute_occupancy else {}
    g6 = d6 if isinstance(d6, str) else "NM"
    g19 = c19 if isinstance(c19, str) else "NM"
    warnings += schedule_warnings(schedule, cat, g6, g19, age_years)
    return PKResult(times, conc, occ, tuple(_dedupe(warnings)), tuple(d.name for d in drugs), phenotypes)
