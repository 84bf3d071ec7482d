"""Switching antidepressants: washout and cross-taper from the PK, MAOI washouts, and the Hunter checklist.

Washout is not a fixed number of days: it is the time after the last dose at steady state until the outgoing drug's
active moiety (parent + active metabolites) stays below 3% of its steady-state level (about five half-lives of the
longest-lived moiety; the fact :func:`~novamind_core.pharmacology.summary.steady_state_summary` computes, so every
page shows the same number). Fluoxetine's long washout emerges from norfluoxetine's half-life (label 7-15 days: five
half-lives at the short end is the label's five weeks). Before an MAOI the plan waits for whichever is longer, this
PK washout or the label's minimum; after an irreversible MAOI it waits 14 days, because MAO activity returns only as
new enzyme is made, whatever the drug's own half-life (US FDA prescribing information, Contraindications).

Whenever two serotonergic agents overlap (a cross-taper, or a direct switch while the outgoing drug is still
present), the plan carries the Hunter serotonin-toxicity criteria as a checklist (Dunkley et al. 2003, QJM 96:635,
doi:10.1093/qjmed/hcg109: sensitivity 84%, specificity 97% against a toxicologist's diagnosis).
Decision support for research and demonstration; not a medical device.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from novamind_core.pharmacology.catalogue import Catalogue, Drug, OtherAgent, load_catalogue
from novamind_core.pharmacology.interactions import MAOI_AFTER_STOP_DAYS
from novamind_core.pharmacology.summary import steady_state_summary
from novamind_core.pharmacology.taper import steady_state_levels_ng_ml

HUNTER_SOURCE = ("Dunkley et al. 2003, QJM 96:635, doi:10.1093/qjmed/hcg109 (Hunter Serotonin Toxicity Criteria; "
                 "sensitivity 84%, specificity 97%)")
HUNTER_PRECONDITION = "In the presence of a serotonergic agent, serotonin toxicity is present if any one of:"
HUNTER_CRITERIA: tuple[str, ...] = (
    "spontaneous clonus",
    "inducible clonus with agitation or diaphoresis",
    "ocular clonus with agitation or diaphoresis",
    "tremor with hyperreflexia",
    "hypertonia with temperature above 38 °C and ocular or inducible clonus",
)
WASHOUT_FRACTION = 0.03
PK_WASHOUT_SOURCE = ("PK washout: active moiety below 3% of its steady-state level after the last dose (about five "
                     "half-lives; Gibaldi & Perrier 1982, ch. 3), from the catalogue's half-lives")
MAOI_AFTER_STOP_SOURCE = ("US FDA prescribing information of SSRIs/SNRIs, Contraindications: 14 days after stopping "
                          "an MAOI (irreversible MAO inhibition outlasts the drug)")
STRATEGIES: tuple[str, ...] = ("direct", "taper", "cross-taper")
SELF_TAPER_RETAINED_FRACTION = 0.5
"""An outgoing drug whose SERT occupancy a week after stopping is still at least half its value at the stop tapers
itself (fluoxetine); no cross-taper is then needed."""


@dataclass(frozen=True)
class HunterChecklist:
    """The Hunter criteria, to tick at review while two serotonergic agents overlap."""

    precondition: str = HUNTER_PRECONDITION
    criteria: tuple[str, ...] = HUNTER_CRITERIA
    source: str = HUNTER_SOURCE


def hunter_serotonin_toxicity(findings: Iterable[str]) -> bool:
    """True when any Hunter criterion is among ``findings`` (criterion texts as in :data:`HUNTER_CRITERIA`)."""
    ticked = {f.strip().lower() for f in findings}
    unknown = ticked - set(HUNTER_CRITERIA)
    if unknown:
        from novamind_core.domain.errors import ValidationError

        raise ValidationError(f"unknown Hunter criterion {sorted(unknown)[0]!r}", field="findings")
    return bool(ticked)


@dataclass(frozen=True)
class Washout:
    """PK washout of a drug stopped from steady state (days), and the moiety that sets it."""

    drug: str
    dose_mg: float
    days: float
    longest_lived_moiety: str
    longest_half_life_h: float
    source: str


@dataclass(frozen=True)
class SwitchPlan:
    """How to go from one drug to another, derived from the outgoing drug's PK."""

    from_drug: str
    from_dose_mg: float
    to_drug: str
    strategy: str
    washout: Washout | None
    gap_days: float
    overlap_days: float
    cross_taper_days: float | None
    self_tapering: bool
    hunter: HunterChecklist | None
    advice: tuple[str, ...]
    sources: tuple[str, ...]


def washout(drug: str | Drug, dose_mg: float, catalogue: Catalogue | None = None) -> Washout:
    """The PK washout of ``drug`` stopped from ``dose_mg``/day at steady state.

    Examples
    --------
    >>> w = washout("fluoxetine", 20)
    >>> w.longest_lived_moiety, 28 < w.days < 70
    ('norfluoxetine', True)
    """
    cat = catalogue or load_catalogue()
    d = drug if isinstance(drug, Drug) else cat.get(drug)
    tau = d.dose.interval_h if d.dose else 24.0
    ss = steady_state_summary(d, dose_mg, tau, catalogue=cat)
    moieties = [(d.name, d.pk.half_life_h)] + [(m.name, m.half_life_h) for m in d.metabolites if m.active]
    name, half_life = max(moieties, key=lambda m: m[1])
    return Washout(d.name, float(dose_mg), round(ss.time_below_3pct_after_stop_h / 24.0, 1), name, half_life,
                   PK_WASHOUT_SOURCE)


def days_present_after_stop(drug: Drug, last_dose_mg: float, reference_dose_mg: float, cat: Catalogue) -> float:
    """Days after stopping from ``last_dose_mg`` until the active moiety stays below 3% of the level that
    ``reference_dose_mg`` gives at steady state (vectorised over an hourly grid)."""
    tau = d_tau = drug.dose.interval_h if drug.dose else 24.0
    longest = max([drug.pk.half_life_h] + [m.half_life_h for m in drug.metabolites if m.active])
    hours = np.arange(0.0, 12 * longest + 2 * d_tau, 1.0)
    levels = steady_state_levels_ng_ml(drug, [last_dose_mg, reference_dose_mg], hours, tau, catalogue=cat)
    active = {drug.name} | {m.name for m in drug.metabolites if m.active}
    moiety = sum(v for k, v in levels.items() if k in active)
    above = np.nonzero(moiety[0] > WASHOUT_FRACTION * moiety[1, 0])[0]
    return 0.0 if above.size == 0 else round(float(hours[above[-1]] + 1.0) / 24.0, 1)


def _is_maoi(agent: Drug | OtherAgent) -> bool:
    return getattr(agent, "agent_class", getattr(agent, "drug_class", "")) == "MAOI"


def switch_plan(from_drug: str, from_dose_mg: float, to_drug: str, strategy: str = "cross-taper",
                catalogue: Catalogue | None = None) -> SwitchPlan:
    """Plan the switch from ``from_drug`` at ``from_dose_mg``/day to ``to_drug`` with a regimen strategy.

    ``strategy`` is the simulation's (``direct``, ``taper``: half dose for the catalogue taper period then switch,
    ``cross-taper``: half dose during the first taper days of the new drug). MAOIs on either side replace it with a
    washout.
    """
    from novamind_core.domain.errors import ValidationError

    if strategy not in STRATEGIES:
        raise ValidationError(f"unknown switch strategy {strategy!r}; use {', '.join(STRATEGIES)}", field="strategy")
    cat = catalogue or load_catalogue()
    a, b = cat.agent(from_drug), cat.agent(to_drug)
    both_serotonergic = bool(a.serotonergic and b.serotonergic)
    sources: list[str] = []
    advice: list[str] = []
    if _is_maoi(a):
        gap = MAOI_AFTER_STOP_DAYS if b.serotonergic else 0.0
        advice.append(f"Stop {a.name}; start {b.name} after {gap:g} days: MAO activity returns only as new enzyme "
                      "is made." if gap else f"No serotonergic washout is needed before {b.name}.")
        return SwitchPlan(a.name, float(from_dose_mg), b.name, "washout", None, gap, 0.0, None, False, None,
                          tuple(advice), (MAOI_AFTER_STOP_SOURCE,))
    if not isinstance(a, Drug) or a.is_placebo:
        raise ValidationError(f"{a.name} has no PK in the catalogue to plan a switch from", field="from_drug")
    wo = washout(a, from_dose_mg, cat)
    sources.append(wo.source)
    if _is_maoi(b):
        label = a.dose.maoi_washout_days if a.dose else 14.0
        gap = max(wo.days, label) if a.serotonergic else 0.0
        advice.append(f"Stop {a.name} and wait {math.ceil(gap):g} days before {b.name}: PK washout {wo.days:g} days "
                      f"(set by {wo.longest_lived_moiety}, half-life {wo.longest_half_life_h / 24:.1f} days); label "
                      f"minimum {label:g} days. Never overlap an MAOI with a serotonergic drug.")
        sources.append(f"US FDA prescribing information ({a.name}), Contraindications: MAOI washout {label:g} days")
        return SwitchPlan(a.name, float(from_dose_mg), b.name, "washout", wo, float(math.ceil(gap)), 0.0, None,
                          False, None, tuple(advice), tuple(sources))
    taper_days = a.dose.taper_days if a.dose else 14.0
    half = from_dose_mg / 2.0
    if strategy == "direct":
        overlap = days_present_after_stop(a, from_dose_mg, from_dose_mg, cat)
    elif strategy == "taper":
        overlap = days_present_after_stop(a, half, from_dose_mg, cat)
    else:
        overlap = taper_days + days_present_after_stop(a, half, from_dose_mg, cat)
    gap = taper_days if strategy == "taper" else 0.0
    from novamind_core.pharmacology.discontinuation import sert_occupancy_after_stop_percent

    self_tapering = False
    if "SERT" in a.targets:
        occ = sert_occupancy_after_stop_percent(a, from_dose_mg, np.array([0.0, 7.0]), catalogue=cat)
        self_tapering = bool(occ[1] >= SELF_TAPER_RETAINED_FRACTION * occ[0])
    cross_days = None
    if isinstance(b, Drug) and not b.is_placebo and b.dose is not None:
        ss_b = steady_state_summary(b, b.dose.start_mg_per_day, b.dose.interval_h, catalogue=cat)
        cross_days = float(math.ceil(ss_b.time_to_90pct_steady_state_h / 24.0))
        if self_tapering:
            advice.append(f"{a.name.capitalize()} tapers itself: a week after stopping its SERT occupancy is still "
                          f"{occ[1]:.0f}% (from {occ[0]:.0f}%), set by {wo.longest_lived_moiety}. Stop it and start "
                          f"{b.name} at a low dose ({b.dose.start_mg_per_day:g} mg); no cross-taper is needed.")
        else:
            advice.append(f"A PK-based cross-taper lasts about {cross_days:g} days: the time {b.name} takes to reach "
                          f"90% of steady state; reduce {a.name} over that time, then stop it.")
    if both_serotonergic and overlap > 0:
        advice.append(f"{a.name} stays present for about {overlap:g} days of {b.name} ({strategy}): watch for "
                      "serotonin toxicity with the Hunter criteria at each review.")
    return SwitchPlan(a.name, float(from_dose_mg), b.name, strategy, wo, float(gap), float(overlap), cross_days,
                      self_tapering, HunterChecklist() if both_serotonergic and overlap > 0 else None,
                      tuple(advice), tuple(sources + ([HUNTER_SOURCE] if both_serotonergic and overlap > 0 else [])))
