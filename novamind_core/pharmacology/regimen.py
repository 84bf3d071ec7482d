"""Regimens as data: scenario steps -> dose events (time, amount) per drug.

Scenario format (shared with the twin)::

    {"name": "...", "steps": [{"drug": "sertraline", "dose_mg": 50, "days": 14, "interval_h": 24},
                              {"drug": "none", "days": 7}, ...],
     "switch_strategy": "direct|taper|cross-taper", "adherence": 0.9, "missed_days": [12, 13],
     "cyp2d6": "NM", "cyp2c19": "PM", "seed": 1}

Steps run one after another from hour 0; ``"none"`` is a drug-free gap. Days are counted from 0 (day ``d`` covers
hours ``[24 d, 24 d + 24)``); ``missed_days`` removes every dose in those days. ``adherence`` is the probability
that each remaining dose is taken (drawn per patient and dose from ``seed`` when simulating). Keys this module does
not own (e.g. the twin's ``horizon_weeks``, ``psychotherapy``) are kept in ``Scenario.extra`` and written back by
:meth:`Scenario.to_dict`.

Switching between two different drugs on consecutive steps (no ``none`` gap between them):

* ``direct``: the new drug starts the day after the old one stops;
* ``taper`` (taper-and-switch): the old drug continues at half its last dose for its catalogue ``taper_days``, then
  the new drug starts (the timeline grows by the taper);
* ``cross-taper``: the old drug continues at half its last dose during the first ``taper_days`` of the new drug
  (capped at the new step's length), overlapping it.

Clinical basis: NICE NG222 (2022) and Horowitz & Taylor 2019 (Lancet Psychiatry 6:538) on tapering; docs/science.md §6.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.medications import MAX_DOSE_MG
from novamind_core.pharmacology.catalogue import PHENOTYPES, Catalogue, load_catalogue

NO_DRUG = "none"
SWITCH_STRATEGIES: tuple[str, ...] = ("direct", "taper", "cross-taper")
MAX_REGIMEN_DAYS = 3650
"""Longest regimen simulated (10 years): beyond it the hourly grid would not fit in memory, and no question asked
of the twin needs it."""
MIN_INTERVAL_H, MAX_INTERVAL_H = 1.0, 24.0 * 28
"""Dosing intervals from hourly to four-weekly (depot); every catalogue drug is dosed every 12-24 h."""

_OWN_KEYS = {"name", "steps", "switch_strategy", "adherence", "missed_days", "cyp2d6", "cyp2c19", "seed",
             "slc6a4", "htr2a"}


@dataclass(frozen=True)
class Step:
    """One regimen step: ``drug`` at ``dose_mg`` every ``interval_h`` hours for ``days`` days."""

    drug: str
    dose_mg: float
    days: float
    interval_h: float = 24.0


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario. ``extra`` holds keys owned by other modules, preserved verbatim.

    ``slc6a4`` and ``htr2a`` genotypes are accepted and recorded but never change dosing (CPIC 2023, Bousman et al.,
    Clin Pharmacol Ther 114:51, makes no dosing recommendation for them).
    """

    name: str
    steps: tuple[Step, ...]
    switch_strategy: str = "direct"
    adherence: float = 1.0
    missed_days: tuple[int, ...] = ()
    cyp2d6: str = "NM"
    cyp2c19: str = "NM"
    seed: int | None = None
    slc6a4: str | None = None
    htr2a: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.extra)
        out.update({
            "name": self.name,
            "steps": [{"drug": s.drug, "dose_mg": s.dose_mg, "days": s.days, "interval_h": s.interval_h}
                      for s in self.steps],
            "switch_strategy": self.switch_strategy, "adherence": self.adherence,
            "missed_days": list(self.missed_days), "cyp2d6": self.cyp2d6, "cyp2c19": self.cyp2c19, "seed": self.seed,
        })
        for gene in ("slc6a4", "htr2a"):
            if getattr(self, gene) is not None:
                out[gene] = getattr(self, gene)
        return out

    @property
    def total_days(self) -> float:
        return float(sum(s.days for s in self.steps))


@dataclass(frozen=True)
class DrugDoses:
    """Dose events of one drug: times (h from the first step's start) and nominal amounts (mg)."""

    drug: str
    times_h: np.ndarray
    amounts_mg: np.ndarray


@dataclass(frozen=True)
class Segment:
    """A stretch of constant dosing: ``drug`` at ``dose_mg`` every ``interval_h`` from ``start_h`` to ``end_h``."""

    drug: str
    start_h: float
    end_h: float
    dose_mg: float
    interval_h: float


@dataclass(frozen=True)
class DoseSchedule:
    """Dose events per drug plus what simulation needs: adherence, its seed, phenotypes and the horizon."""

    drugs: Mapping[str, DrugDoses]
    segments: tuple[Segment, ...]
    end_h: float
    adherence: float = 1.0
    seed: int | None = None
    cyp2d6: str = "NM"
    cyp2c19: str = "NM"
    other_agents: tuple[str, ...] = ()

    def taken_mask(self, drug: str, n_patients: int) -> np.ndarray:
        """Boolean (P, Nd): which doses each virtual patient takes (Bernoulli(adherence), seeded).

        Drawn dose by dose (all patients' draws for dose 1, then dose 2, ...), so a schedule that continues another
        (a plan after the history, the timelines to today after the twin state's day) keeps the same missed doses
        on the days they share, and every page reads the same levels for them.
        """
        nd = self.drugs[drug].times_h.size
        if self.adherence >= 1.0:
            return np.ones((n_patients, nd), dtype=bool)
        salt = sum(map(ord, drug))
        rng = np.random.default_rng([0 if self.seed is None else self.seed, salt])
        return self.adherence > rng.random((nd, n_patients)).T


def _num(raw: Mapping[str, Any], key: str, where: str, default: float | None = None) -> float:
    value = raw.get(key, default)
    if value is None:
        raise ValidationError(f"{where}.{key} is required", field=f"{where}.{key}")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(f"{where}.{key} must be a number, got {value!r}", field=f"{where}.{key}", value=value)
    return float(value)


def parse_scenario(raw: Mapping[str, Any], catalogue: Catalogue | None = None) -> Scenario:
    """Validate a scenario dict. Raises :class:`ValidationError` whose ``field`` names the offending key.

    Drug names must be catalogue drugs, known interacting agents (e.g. an MAOI, shown in warnings but not
    simulated) or ``"none"``.
    """
    if not isinstance(raw, Mapping):
        raise ValidationError("scenario must be a JSON object", field="scenario")
    cat = catalogue or load_catalogue()
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise ValidationError("scenario.steps must be a non-empty list", field="steps")
    steps = []
    for i, s in enumerate(steps_raw):
        where = f"steps[{i}]"
        if not isinstance(s, Mapping) or "drug" not in s:
            raise ValidationError(f"{where} must be an object with a 'drug'", field=where)
        drug = str(s["drug"]).strip().lower()
        if drug != NO_DRUG:
            cat.agent(drug)  # raises naming the known drugs
        days = _num(s, "days", where)
        if days <= 0:
            raise ValidationError(f"{where}.days must be > 0, got {days:g}", field=f"{where}.days", value=days)
        interval = _num(s, "interval_h", where, 24.0)
        if not MIN_INTERVAL_H <= interval <= MAX_INTERVAL_H:
            raise ValidationError(f"{where}.interval_h must be within {MIN_INTERVAL_H:g}-{MAX_INTERVAL_H:g} h, got "
                                  f"{interval:g}", field=f"{where}.interval_h", value=interval)
        dose = _num(s, "dose_mg", where, 0.0 if drug in (NO_DRUG, "placebo") else None)
        if dose < 0 or dose > MAX_DOSE_MG:
            raise ValidationError(f"{where}.dose_mg must be within 0-{MAX_DOSE_MG:g} mg, got {dose:g}",
                                  field=f"{where}.dose_mg", value=dose)
        if drug not in (NO_DRUG, "placebo") and drug in cat.drugs and dose == 0:
            raise ValidationError(f"{where}.dose_mg must be > 0 for {drug} (use 'none' for a gap)",
                                  field=f"{where}.dose_mg")
        steps.append(Step(drug, dose, days, interval))
    total_days = sum(step.days for step in steps)
    if total_days > MAX_REGIMEN_DAYS:
        raise ValidationError(f"the regimen lasts {total_days:g} days; at most {MAX_REGIMEN_DAYS} days (10 years) can "
                              "be simulated", field="steps", value=total_days)
    strategy = str(raw.get("switch_strategy", "direct")).strip().lower()
    if strategy not in SWITCH_STRATEGIES:
        raise ValidationError(f"switch_strategy {strategy!r} is not one of {', '.join(SWITCH_STRATEGIES)}",
                              field="switch_strategy", value=strategy)
    adherence = _num(raw, "adherence", "scenario", 1.0)
    if not 0.0 <= adherence <= 1.0:
        raise ValidationError(f"adherence must be within 0-1, got {adherence:g}", field="adherence", value=adherence)
    missed = raw.get("missed_days", []) or []
    if not isinstance(missed, list) or any(isinstance(d, bool) or not isinstance(d, int)
                                           or not 0 <= d <= MAX_REGIMEN_DAYS for d in missed):
        raise ValidationError(f"missed_days must be a list of whole day numbers from 0 to {MAX_REGIMEN_DAYS}",
                              field="missed_days")
    phen = {}
    for gene in ("cyp2d6", "cyp2c19"):
        value = str(raw.get(gene, "NM")).strip().upper()
        if value not in PHENOTYPES:
            raise ValidationError(f"{gene} {value!r} is not one of {', '.join(PHENOTYPES)}", field=gene, value=value)
        phen[gene] = value
    seed = raw.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValidationError("seed must be a whole number", field="seed", value=seed)
    extra = {k: v for k, v in raw.items() if k not in _OWN_KEYS}
    return Scenario(name=str(raw.get("name", "scenario")), steps=tuple(steps), switch_strategy=strategy,
                    adherence=adherence, missed_days=tuple(sorted(set(missed))), seed=seed,
                    slc6a4=raw.get("slc6a4"), htr2a=raw.get("htr2a"), extra=extra, **phen)


def _segments(scenario: Scenario, cat: Catalogue) -> tuple[list[Segment], float]:
    segs: list[Segment] = []
    t = 0.0
    prev: Step | None = None
    for step in scenario.steps:
        start = t
        switching = (prev is not None and prev.drug not in (NO_DRUG, step.drug) and step.drug != NO_DRUG)
        if switching and scenario.switch_strategy != "direct" and prev.drug in cat.drugs and prev.dose_mg > 0:
            dr = cat.drugs[prev.drug].dose
            taper_h = 24.0 * (dr.taper_days if dr else 14.0)
            if scenario.switch_strategy == "taper":
                segs.append(Segment(prev.drug, t, t + taper_h, prev.dose_mg / 2.0, prev.interval_h))
                t += taper_h
                start = t
            else:  # cross-taper: overlap the old drug at half dose with the start of the new one
                overlap = min(taper_h, 24.0 * step.days)
                segs.append(Segment(prev.drug, t, t + overlap, prev.dose_mg / 2.0, prev.interval_h))
        end = start + 24.0 * step.days
        if step.drug != NO_DRUG:
            segs.append(Segment(step.drug, start, end, step.dose_mg, step.interval_h))
        t = end
        prev = step
    return segs, t


def build_dose_events(scenario: Scenario | Mapping[str, Any], catalogue: Catalogue | None = None) -> DoseSchedule:
    """Turn a scenario into dose events per drug (missed days removed; adherence applied at simulation)."""
    cat = catalogue or load_catalogue()
    sc = scenario if isinstance(scenario, Scenario) else parse_scenario(scenario, cat)
    segs, end_h = _segments(sc, cat)
    missed = np.asarray(sc.missed_days, dtype=int)
    times: dict[str, list[np.ndarray]] = {}
    amounts: dict[str, list[np.ndarray]] = {}
    others: list[str] = []
    for seg in segs:
        if seg.drug not in cat.drugs:
            if seg.drug not in others:
                others.append(seg.drug)
            continue
        t = np.arange(seg.start_h, seg.end_h - 1e-9, seg.interval_h)
        if missed.size:
            t = t[~np.isin(np.floor(t / 24.0).astype(int), missed)]
        times.setdefault(seg.drug, []).append(t)
        amounts.setdefault(seg.drug, []).append(np.full(t.size, seg.dose_mg))
    drugs = {}
    for name in times:
        t = np.concatenate(times[name])
        a = np.concatenate(amounts[name])
        order = np.argsort(t, kind="stable")
        drugs[name] = DrugDoses(name, t[order], a[order])
    return DoseSchedule(drugs=drugs, segments=tuple(segs), end_h=end_h, adherence=sc.adherence, seed=sc.seed,
                        cyp2d6=sc.cyp2d6, cyp2c19=sc.cyp2c19, other_agents=tuple(others))


# ------------------------------------------------------------------------------------------ readable step builders


def titrate(drug: str, target_mg: float, hold_days: float, catalogue: Catalogue | None = None,
            start_mg: float | None = None, slower: bool = False) -> list[dict[str, Any]]:
    """Steps that start at the catalogue's start dose, rise by its titration step every titration interval up to
    ``target_mg``, then hold ``target_mg`` for ``hold_days``. ``slower`` doubles the titration interval (PGx)."""
    d = (catalogue or load_catalogue()).get(drug)
    if d.dose is None:
        return [{"drug": drug, "dose_mg": 0, "days": hold_days}]
    dose = start_mg if start_mg is not None else min(d.dose.start_mg_per_day, target_mg)
    interval_days = d.dose.titration_interval_days * (2 if slower else 1)
    steps = []
    while dose < target_mg - 1e-9:
        steps.append({"drug": drug, "dose_mg": dose, "days": interval_days})
        dose = min(dose + d.dose.titration_step_mg, target_mg)
    steps.append({"drug": drug, "dose_mg": target_mg, "days": hold_days})
    return steps


def taper(drug: str, from_mg: float, days: float, n_steps: int = 2) -> list[dict[str, Any]]:
    """Steps halving the dose ``n_steps`` times over ``days`` (hyperbolic-style reductions, Horowitz & Taylor 2019)."""
    per = days / n_steps
    return [{"drug": drug, "dose_mg": from_mg / 2 ** (i + 1), "days": per} for i in range(n_steps)]


def stop(days: float) -> list[dict[str, Any]]:
    """A drug-free gap of ``days``."""
    return [{"drug": NO_DRUG, "days": days}]


def scenario_from_steps(name: str, steps: Sequence[Mapping[str, Any]], **options: Any) -> dict[str, Any]:
    """A scenario dict from step lists built with :func:`titrate`, :func:`taper`, :func:`stop`."""
    return {"name": name, "steps": [dict(s) for s in steps], **options}
