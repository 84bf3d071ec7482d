"""How is this patient responding, and if poorly, why? The twin's answer at week 4-8 (docs/science.md §17).

Pure: chart facts in (the current course, phenotypes, co-medication, adherence, PHQ-9 totals, measured levels),
frozen results out. Each signal is computed from the patient's own data and the model, with its source:

1. **Exposure**: today's trough from the patient's actual dosing history (``twin.exposure.troughs_on_day``, the
   number the timelines show; the typical patient's steady state from ``pharmacology.summary.steady_state_summary``
   when the caller has no history) and any measured level, against the AGNP
   reference range of the analyte (Hiemke et al. 2018, Pharmacopsychiatry 51:9, doi:10.1055/s-0043-116492).
2. **Target occupancy**: SERT occupancy today from the same history (steady state without one) against about 80%,
   the occupancy at the minimum therapeutic dose of SSRIs (Meyer et al. 2004, Am J Psychiatry 161:826,
   doi:10.1176/appi.ajp.161.5.826).
3. **Time on an adequate dose**: weeks since the current dose started against 4 weeks, the shortest trial after which
   non-response is judged (Bauer et al. 2013, WFSBP guidelines, World J Biol Psychiatry 14:334,
   doi:10.3109/15622975.2013.804195).
4. **Adherence**: the adherence note on the chart, and a measured level below half the predicted trough.
5. **PGx and phenoconversion**: chart phenotypes, then the phenotype after co-medication inhibits the enzyme
   (``pharmacology.pgx``; Cicali et al. 2021).
6. **Early improvement**: >= 20% PHQ-9 fall by week 2 (Wagner et al. 2017; :mod:`.early_improvement`).

Then the options: continue unchanged, raise the dose by one titration step, switch to a drug of another class, and
augment. Each is a :class:`~novamind_core.twin.types.Scenario` the service runs over the patient's posterior
(``services.twin``); augmentation with a second drug is not in the model (one drug at a time), and says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from novamind_core.domain.dates import day_month_year
from novamind_core.pharmacology.catalogue import Catalogue
from novamind_core.pharmacology.pgx import effective_phenotypes, exposure_multiplier
from novamind_core.pharmacology.reference_ranges import reference_range, trough_position
from novamind_core.pharmacology.summary import steady_state_summary
from novamind_core.twin.early_improvement import early_improvement
from novamind_core.twin.types import Scenario, ScenarioStep

#: The panel's heading: neutral, as the panel is drawn for every patient on an antidepressant, one in remission
#: included (the signals then say "fine"); it asks how, never presumes a poor response.
QUESTION = "How is this patient responding to the current treatment?"
SERT_TARGET_PERCENT = 80.0
SERT_SOURCE = "Meyer et al. 2004, Am J Psychiatry 161:826, doi:10.1176/appi.ajp.161.5.826 (~80% SERT at minimum dose)"
ADEQUATE_TRIAL_WEEKS = 4.0
TRIAL_SOURCE = "Bauer et al. 2013, WFSBP guidelines, World J Biol Psychiatry 14:334, doi:10.3109/15622975.2013.804195"
#: A measured level below this fraction of the predicted trough is an adherence (or fast-clearance) signal; a
#: modelling choice: the population's between-patient spread in CL/F is about this wide (docs/science.md §17).
LOW_LEVEL_FRACTION = 0.5
ADHERENCE_CONCERN = 0.8  # Osterberg & Blaschke 2005, N Engl J Med 353:487: the conventional 80% threshold
#: The drug a switch goes to, by the current drug's class (a different mechanism; STAR*D level 2 offered both).
SWITCH_TO = {"SSRI": "venlafaxine", "SNRI": "sertraline", "NDRI": "sertraline", "NaSSA": "sertraline",
             "multimodal serotonergic": "venlafaxine"}
OK, CONCERN, UNKNOWN = "ok", "concern", "unknown"


@dataclass(frozen=True)
class CurrentCourse:
    """The antidepressant being judged: its dose now, since when, and since when the drug itself."""

    drug: str
    dose_mg: float
    interval_h: float
    dose_since: date
    drug_since: date

    @property
    def dose_mg_per_day(self) -> float:
        return self.dose_mg * 24.0 / self.interval_h


@dataclass(frozen=True)
class MeasuredLevel:
    """A measured trough concentration (ng/mL) of the drug's analyte, and when it was sampled."""

    sampled_on: date
    concentration_ng_ml: float


@dataclass(frozen=True)
class Signal:
    """One answer to the question: ``status`` is ``ok``, ``concern`` or ``unknown``; ``finding`` has the numbers."""

    name: str
    status: str
    finding: str
    source: str


@dataclass(frozen=True)
class Option:
    """An alternative to compare: the scenario the twin runs, or ``None`` when the model cannot run it (``why``)."""

    label: str
    scenario: Scenario | None
    assumption: str


@dataclass(frozen=True)
class OptionOutcome:
    """The posterior probability of response (PHQ-9 <= 50% of baseline) ``horizon_weeks`` from today, with its 95%
    Monte Carlo interval, and the PHQ-9 then (median, 90% interval); all ``None`` when the option was not run."""

    label: str
    p_response: float | None
    p_low: float | None
    p_high: float | None
    phq9_median: float | None
    phq9_p05: float | None
    phq9_p95: float | None
    assumption: str


@dataclass(frozen=True)
class ResponseReview:
    """The twin's answer, shown first on the twin-state page."""

    question: str
    course: CurrentCourse | None
    signals: tuple[Signal, ...]
    outcomes: tuple[OptionOutcome, ...]
    horizon_weeks: int
    assumptions: tuple[str, ...]
    not_assessable: str | None = None


def wilson_interval(p: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion ``p`` from ``n`` draws (the Monte Carlo error of a probability)."""
    if n <= 0:
        return float("nan"), float("nan")
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _exposure(course: CurrentCourse, summary_trough: float, levels: Sequence[MeasuredLevel],
              basis: str = "predicted steady-state trough") -> Signal:
    rng = reference_range(course.drug)
    if rng is None:
        return Signal("Exposure", UNKNOWN, f"no reference range for {course.drug}: exposure cannot be judged", "")
    where = trough_position(rng, summary_trough)
    words = {"below": "below", "within": "within", "above": "above", "above_alert": "above the alert level of"}
    finding = (f"{basis} {summary_trough:.0f} ng/mL ({rng.analyte}) is {words[where]} the "
               f"reference range {rng.low_ng_ml:g}-{rng.high_ng_ml:g} ng/mL")
    status = OK if where == "within" else CONCERN
    if levels:
        last = levels[-1]
        measured = trough_position(rng, last.concentration_ng_ml)
        finding += (f"; measured {last.concentration_ng_ml:g} ng/mL on {day_month_year(last.sampled_on)} is "
                    f"{words[measured]} it")
        status = OK if measured == "within" else CONCERN
    else:
        finding += "; no measured level on the chart"
    return Signal("Exposure", status, finding, rng.source)


def _occupancy(course: CurrentCourse, occupancy: dict[str, float], basis: str = "steady state") -> Signal:
    if "SERT" not in occupancy:
        targets = ", ".join(f"{t} {v:.0f}%" for t, v in occupancy.items()) or "none"
        return Signal("Target occupancy", UNKNOWN, f"{course.drug} does not act on SERT ({basis}: {targets}); "
                                                   "the 80% SERT benchmark does not apply", SERT_SOURCE)
    sert = occupancy["SERT"]
    status = OK if sert >= SERT_TARGET_PERCENT - 2.5 else CONCERN
    return Signal("Target occupancy", status, f"SERT occupancy {sert:.0f}% ({basis}) against about "
                                               f"{SERT_TARGET_PERCENT:.0f}%", SERT_SOURCE)


def _time_on_dose(course: CurrentCourse, today: date, exposure_ok: bool) -> Signal:
    weeks_dose = (today - course.dose_since).days / 7.0
    weeks_drug = (today - course.drug_since).days / 7.0
    enough = weeks_dose >= ADEQUATE_TRIAL_WEEKS
    finding = (f"{weeks_dose:.1f} weeks on {course.dose_mg_per_day:g} mg/day ({weeks_drug:.1f} weeks on "
               f"{course.drug}); non-response is judged after {ADEQUATE_TRIAL_WEEKS:g} weeks on an adequate dose")
    if not exposure_ok:
        finding += "; the dose is not yet shown to be adequate"
    return Signal("Time on an adequate dose", OK if enough and exposure_ok else CONCERN, finding, TRIAL_SOURCE)


def _adherence(adherence: float | None, basis: str, levels: Sequence[MeasuredLevel], predicted: float) -> Signal:
    parts, status = [], UNKNOWN
    if adherence is not None:
        status = OK if adherence >= ADHERENCE_CONCERN else CONCERN
        parts.append(f"{basis} ({adherence:.0%} of doses taken)")
    else:
        parts.append(f"{basis or 'no adherence note'}: doses missed are not known")
    if levels:
        ratio = levels[-1].concentration_ng_ml / predicted if predicted > 0 else float("nan")
        low = ratio < LOW_LEVEL_FRACTION
        parts.append(f"measured level is {ratio:.0%} of the predicted trough"
                     + (" (below half: missed doses or fast clearance)" if low else ""))
        status = CONCERN if low or status == CONCERN else OK
    return Signal("Adherence", status, "; ".join(parts),
                  "Osterberg & Blaschke 2005, N Engl J Med 353:487 (80% threshold)")


def _pgx(course: CurrentCourse, cyp2d6: str | None, cyp2c19: str | None, co_medications: Sequence[str],
         catalogue: Catalogue) -> Signal:
    drug = catalogue.get(course.drug)
    if drug.pgx is None:
        return Signal("PGx and phenoconversion", UNKNOWN, "no pharmacogenomic rule for this drug", "")
    enzyme = drug.pgx.enzyme
    genotype = cyp2d6 if enzyme == "CYP2D6" else cyp2c19
    effective = effective_phenotypes(course.drug, cyp2d6, cyp2c19, co_medications, catalogue)[enzyme]
    mult = exposure_multiplier(course.drug, cyp2d6, cyp2c19, co_medications, catalogue)
    tested = genotype is not None
    finding = f"{enzyme} {genotype if tested else 'not tested (normal metaboliser assumed)'}"
    if effective != (genotype or "NM"):
        finding += f", {effective} after co-medication ({', '.join(co_medications)})"
    finding += f": exposure x{mult:.2f} of a normal metaboliser"
    status = CONCERN if mult < 0.8 or mult > 1.5 else (OK if tested else UNKNOWN)
    return Signal("PGx and phenoconversion", status, finding, catalogue.phenoconversion_source)


def _early(phq9: Sequence[tuple[date, int]], course: CurrentCourse) -> Signal:
    days = tuple((float((d - course.drug_since).days), float(t)) for d, t in phq9)
    evidence = early_improvement(days, 0.0)
    if evidence is None:
        return Signal("Early improvement", UNKNOWN, "no PHQ-9 at the start and at week 2 of this drug, so early "
                                                    "improvement cannot be judged", "Wagner et al. 2017")
    finding = (f"PHQ-9 {evidence.baseline_phq9:g} -> {evidence.week2_phq9:g} by week 2 "
               f"({evidence.improvement_fraction:.0%} fall; likelihood ratio {evidence.likelihood_ratio:.2f}). "
               f"{evidence.wording}")
    return Signal("Early improvement", OK if evidence.improved else CONCERN, finding, evidence.source)


def review_signals(course: CurrentCourse, today: date, *, cyp2d6: str | None, cyp2c19: str | None,
                   co_medications: Sequence[str], adherence: float | None, adherence_basis: str,
                   phq9: Sequence[tuple[date, int]], levels: Sequence[MeasuredLevel],
                   catalogue: Catalogue, trough_ng_ml: float | None = None,
                   trough_basis: str | None = None,
                   occupancy_percent: dict[str, float] | None = None) -> tuple[Signal, ...]:
    """The six signals, in the order a prescriber checks them (see the module docstring).

    ``trough_ng_ml``/``trough_basis``: today's trough from the dosing history (the service passes
    ``services.twin_timelines.current_trough``, the number the timelines show); without it, the typical patient's
    steady state. ``occupancy_percent``: today's occupancy from the same history (mean over the day), likewise."""
    ss = steady_state_summary(course.drug, course.dose_mg, course.interval_h, cyp2d6 or "NM", cyp2c19 or "NM",
                              co_medications=list(co_medications), catalogue=catalogue)
    rng = reference_range(course.drug)
    trough = (ss.active_moiety["cmin_ng_ml"] if rng is not None and rng.concentration_key.endswith("_active_moiety")
              and ss.active_moiety else ss.cmin_ng_ml)
    basis = "predicted steady-state trough"
    if trough_ng_ml is not None:
        trough, basis = trough_ng_ml, trough_basis or basis
    exposure = _exposure(course, trough, levels, basis)
    occupancy = (_occupancy(course, dict(occupancy_percent), "today, mean over the day, from the dosing history")
                 if occupancy_percent else _occupancy(course, dict(ss.steady_state_occupancy_percent)))
    adequate = exposure.status == OK or occupancy.status == OK
    return (exposure, occupancy, _time_on_dose(course, today, adequate),
            _adherence(adherence, adherence_basis, levels, trough),
            _pgx(course, cyp2d6, cyp2c19, co_medications, catalogue), _early(phq9, course))


def options(course: CurrentCourse, catalogue: Catalogue, horizon_weeks: int) -> tuple[Option, ...]:
    """Continue, raise by one titration step (to the usual maximum), switch class, augment (not modelled)."""
    drug = catalogue.get(course.drug)
    days = 7 * horizon_weeks
    now = ScenarioStep(course.drug, days, course.dose_mg, course.interval_h)
    out = [Option("Continue unchanged", Scenario((now,), name="continue", horizon_weeks=horizon_weeks),
                  f"{course.dose_mg_per_day:g} mg/day of {course.drug}, adherence as on the chart")]
    dose = drug.dose
    if dose is not None and course.dose_mg_per_day < dose.usual_max_mg_per_day:
        higher = min(course.dose_mg_per_day + dose.titration_step_mg, dose.usual_max_mg_per_day)
        per = higher * course.interval_h / 24.0
        out.append(Option(f"Raise the dose to {higher:g} mg/day",
                          Scenario((ScenarioStep(course.drug, days, per, course.interval_h),), name="raise",
                                   horizon_weeks=horizon_weeks),
                          f"one titration step ({dose.titration_step_mg:g} mg) from today, capped at the usual "
                          f"maximum {dose.usual_max_mg_per_day:g} mg/day"))
    else:
        out.append(Option("Raise the dose", None, "already at the usual maximum dose"))
    target = SWITCH_TO.get(drug.drug_class)
    if target and target != course.drug and target in catalogue.drugs:
        t = catalogue.get(target)
        start = t.dose.usual_min_mg_per_day if t.dose else 0.0
        interval = t.dose.interval_h if t.dose else 24.0
        out.append(Option(f"Switch to {target} {start:g} mg/day",
                          Scenario((ScenarioStep(target, days, start * interval / 24.0, interval),), name="switch",
                                   switch_strategy="direct", horizon_weeks=horizon_weeks),
                          f"direct switch today to the minimum usual dose of {target} (another class); the new "
                          "drug's own sensitivity is drawn from the population"))
    out.append(Option("Augment (e.g. aripiprazole, lithium, mirtazapine)", None,
                      "not modelled: the twin simulates one antidepressant at a time"))
    return tuple(out)


__all__ = ["CurrentCourse", "MeasuredLevel", "Option", "OptionOutcome", "QUESTION", "ResponseReview", "Signal",
           "options", "review_signals", "wilson_interval"]
