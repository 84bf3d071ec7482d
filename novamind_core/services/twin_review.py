"""The twin-state page's answer to "why is this patient not responding?" from the chart it has already read.

No database and no audit here: :meth:`TwinService.state_view` calls :func:`response_review` with the chart rows and
twin inputs of its one transaction. The signals are :func:`novamind_core.twin.response_review.review_signals`; the
options run through :func:`novamind_core.twin.compare_scenarios` over the patient's posterior (fitted to their PHQ-9
history), all with one seed (common random numbers), so differences between options are the treatments'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from novamind_core.domain.medications import Frequency, MedicationOrder
from novamind_core.domain.patients import Patient
from novamind_core.pharmacology.catalogue import Catalogue
from novamind_core.services.twin_inputs import TwinInputs, adherence_from_note
from novamind_core.twin.exposure import TROUGH_BASIS
from novamind_core.twin.params import PopulationParams
from novamind_core.twin.response_review import (
    QUESTION,
    CurrentCourse,
    MeasuredLevel,
    OptionOutcome,
    ResponseReview,
    options,
    review_signals,
    wilson_interval,
)

#: Weeks ahead the options are compared over (the 12-week horizon of acute-phase trials, Cipriani et al. 2018).
REVIEW_HORIZON_WEEKS = 12
REVIEW_DRAWS = 400
REVIEW_SEED = 0
ASSUMPTIONS = (
    "Response = PHQ-9 at or below half of the baseline; probabilities are over this patient's posterior (fitted to "
    "their PHQ-9 totals) with a 95% Monte Carlo interval; PHQ-9 shown as median and 90% interval.",
    "Adherence and phenotypes as on the chart (full adherence and normal metabolisers where not recorded).",
    "A new drug's patient-specific sensitivity is unknown and drawn from the population; doses change today.",
    "Decision support for research and demonstration; not a medical device.",
)


def current_course(orders: Sequence[MedicationOrder], catalogue_drugs: Sequence[str],
                   today: date) -> CurrentCourse | None:
    """The active catalogue antidepressant started most recently (its dose since, and since when the drug
    continuously), or ``None``; "as needed" orders are not a course."""
    live = [o for o in orders if o.drug in catalogue_drugs and o.drug != "placebo"
            and o.frequency is not Frequency.AS_NEEDED and o.start_date <= today
            and (o.stop_date is None or o.stop_date > today)]
    if not live:
        return None
    now = max(live, key=lambda o: (o.start_date, o.id))
    same = sorted((o for o in orders if o.drug == now.drug and o.start_date <= now.start_date),
                  key=lambda o: o.start_date)
    since = now.start_date
    for prev in reversed(same[:-1]):
        if prev.stop_date is not None and (since - prev.stop_date).days > 1:
            break
        since = min(since, prev.start_date)
    return CurrentCourse(now.drug, float(now.dose_mg), 24.0 / now.frequency.doses_per_day, now.start_date, since)


def response_review(orders: Sequence[MedicationOrder], inputs: TwinInputs, catalogue: Catalogue,
                    params: PopulationParams, today: date,
                    levels: Mapping[str, Sequence[MeasuredLevel]] | None = None,
                    draws: int = REVIEW_DRAWS, seed: int = REVIEW_SEED, patient: Patient | None = None
                    ) -> ResponseReview:
    """The signals and the options' outcomes for the patient's current course (see the module docstring)."""
    from novamind_core.twin import PatientHistory, compare_scenarios

    levels = levels or {}
    course = current_course(orders, tuple(catalogue.drugs), today)
    if course is None:
        return ResponseReview(QUESTION, None, (), (), REVIEW_HORIZON_WEEKS, ASSUMPTIONS,
                              "No antidepressant from the catalogue is active: there is no course to judge.")
    # levels of the current drug measured since the current dose: earlier ones describe another regimen
    current_levels = tuple(sorted((lv for lv in levels.get(course.drug, ()) if lv.sampled_on >= course.dose_since),
                                  key=lambda lv: lv.sampled_on))
    co_meds = tuple(sorted({o.drug for o in orders if o.drug != course.drug and o.start_date <= today
                            and (o.stop_date is None or o.stop_date > today)}))
    trough_ng_ml, occupancy = None, None
    if patient is not None:  # today's trough and occupancy from the dosing history: the numbers the timelines show
        from novamind_core.services.twin_timelines import current_levels as history_levels

        trough_ng_ml, occupancy = history_levels(patient, orders, catalogue, params, today, course.drug)
    notes = [o for o in orders if o.adherence_note]
    adherence, basis = adherence_from_note(notes[-1].adherence_note if notes else None)
    signals = review_signals(course, today, cyp2d6=inputs.chart_cyp2d6, cyp2c19=inputs.chart_cyp2c19,
                             co_medications=co_meds, adherence=adherence, adherence_basis=basis,
                             phq9=inputs.phq9_observed, levels=current_levels, catalogue=catalogue,
                             trough_ng_ml=trough_ng_ml, trough_basis=TROUGH_BASIS,
                             occupancy_percent=occupancy or None)
    choices = options(course, catalogue, REVIEW_HORIZON_WEEKS)
    runnable = [c for c in choices if c.scenario is not None]
    history = PatientHistory.from_dict(inputs.history) if inputs.history["phq9"] else None
    results = compare_scenarios([c.scenario for c in runnable], history, draws=draws, seed=seed,
                                params=params).results
    by_label = {c.label: r for c, r in zip(runnable, results, strict=True)}
    week = REVIEW_HORIZON_WEEKS
    outcomes = []
    for c in choices:
        r = by_label.get(c.label)
        if r is None or r.p_response_week12 is None:
            outcomes.append(OptionOutcome(c.label, None, None, None, None, None, None, c.assumption))
            continue
        lo, hi = wilson_interval(r.p_response_week12, draws)
        i = r.weeks.index(week)
        outcomes.append(OptionOutcome(c.label, r.p_response_week12, round(lo, 3), round(hi, 3), r.phq9.p50[i],
                                      r.phq9.p05[i], r.phq9.p95[i], c.assumption))
    return ResponseReview(QUESTION, course, signals, tuple(outcomes), week, ASSUMPTIONS)
