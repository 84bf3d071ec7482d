"""Build the clinic outcome report from per-patient inputs: rates with Wilson intervals and suppression, data
completeness, rates over time, measurement completion, time to response and the funnel plots (raw and case-mix
adjusted). Pure and vectorised where it counts; the case-mix expectation is passed in (``expected``), so tests and
the benchmark can choose it (the service passes :func:`novamind_core.twin.case_mix.expected_probabilities`).

docs/outcomes.md describes the report; docs/science.md §12 the definitions and the statistics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from novamind_core.analytics.clinic_episodes import (
    CASE_MIX_OUTCOME,
    HEADLINE_MEASURE,
    MEASURES,
    EpisodeFacts,
    episode_facts,
    periods_between,
    response_time,
)
from novamind_core.analytics.clinic_report_types import (
    FunnelData,
    FunnelPoint,
    GroupOutcomes,
    MeasureDefinition,
    MeasurementCompletion,
    OutcomeReport,
    PeriodOutcomes,
)
from novamind_core.analytics.outcome_stats import (
    data_completeness,
    funnel_position,
    observed_expected_by_group,
    oe_exact_limits,
    oe_funnel_limits,
    outcome_rate,
    proportion_funnel_limits,
    rates_by_group,
    time_to_response,
)
from novamind_core.domain.episodes import DEFAULT_EPISODE_GAP_DAYS
from novamind_core.domain.outcome_records import PatientOutcomeInputs, QuestionnaireRequestFact

#: ``expected(outcome, baseline_phq9, baseline_gad7, drugs, cyp2d6, cyp2c19, horizon_days) -> probabilities``.
Expectation = Callable[..., np.ndarray]
FUNNEL_POINTS = 60
CASE_MIX_ASSUMPTIONS = (
    "Each episode's expected outcome comes from the twin's population model given the patient's baseline PHQ-9 "
    "and GAD-7, index drug and CYP2D6/CYP2C19 phenotypes (full adherence, usual therapeutic dose). O/E assumes the "
    "model is calibrated for this clinic's patients, that what it does not see (comorbidity, social circumstances, "
    "engagement, dose) is spread evenly between clinicians, and that episodes are independent. O/E above 1 means "
    "more good outcomes than expected, not proof of better care; a point outside the 99.8% limits is worth a "
    "conversation, not a verdict.")
_PATIENT_SOURCES = ("patient_remote", "kiosk")


@dataclass(frozen=True, eq=False)
class _Columns:
    """The episode facts as arrays (one entry per episode), computed once per report."""

    counted: np.ndarray
    complete: np.ndarray
    counted_on: np.ndarray  # date ordinal, -1 when not counted
    eligible: dict[str, np.ndarray]
    met: dict[str, np.ndarray]
    on: dict[str, np.ndarray]  # date ordinal each measure is counted on, -1 when not eligible


def _columns(facts: Sequence[EpisodeFacts], measures: Sequence[MeasureDefinition]) -> _Columns:
    def ordinal(d: date | None) -> int:
        return d.toordinal() if d is not None else -1

    return _Columns(
        counted=np.fromiter((f.counted for f in facts), bool, len(facts)),
        complete=np.fromiter((f.complete for f in facts), bool, len(facts)),
        counted_on=np.fromiter((ordinal(f.counted_on) for f in facts), np.int64, len(facts)),
        eligible={m.key: np.fromiter((f.measures[m.key].eligible for f in facts), bool, len(facts)) for m in measures},
        met={m.key: np.fromiter((f.measures[m.key].met for f in facts), bool, len(facts)) for m in measures},
        on={m.key: np.fromiter((ordinal(f.measures[m.key].counted_on) for f in facts), np.int64, len(facts))
            for m in measures})


def _group_outcomes(label: str, cols: _Columns, mask: np.ndarray, measures: Sequence[MeasureDefinition]
                    ) -> GroupOutcomes:
    counted = cols.counted & mask
    rates = tuple(outcome_rate(int((cols.met[m.key] & mask).sum()), int((cols.eligible[m.key] & mask).sum()),
                               label=m.key) for m in measures)
    return GroupOutcomes(label=label, episodes=int(counted.sum()),
                         completeness=data_completeness(int((cols.complete & counted).sum()), int(counted.sum())),
                         rates=rates)


def _groups(facts: Sequence[EpisodeFacts], cols: _Columns, by: str | None, measures: Sequence[MeasureDefinition]
            ) -> tuple[GroupOutcomes, ...]:
    """Per-group figures; each measure's row is suppressed as one table (primary and secondary suppression)."""
    if by is None or not facts:
        return ()
    labels = np.asarray([f.group(by) for f in facts], dtype=str)
    per_measure = {m.key: {r.label: r for r in rates_by_group(labels, cols.met[m.key], cols.eligible[m.key])}
                   for m in measures}
    out = []
    for label in np.unique(labels):
        plain = _group_outcomes(str(label), cols, labels == label, measures)
        rates = tuple(replace(per_measure[m.key][str(label)], label=m.key) for m in measures)
        out.append(replace(plain, rates=rates))
    return tuple(out)


def _bucket(ordinals: np.ndarray, buckets: Sequence[tuple[str, date, date]]) -> np.ndarray:
    """Index of the period holding each date ordinal; -1 outside every period."""
    starts = np.asarray([b[1].toordinal() for b in buckets])
    last = buckets[-1][2].toordinal()
    index = np.searchsorted(starts, ordinals, side="right") - 1
    return np.where((ordinals >= starts[0]) & (ordinals <= last), index, -1)


def _counts(index: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    keep = (index >= 0) & weights
    return np.bincount(index[keep], minlength=size)[:size]


def _over_time(cols: _Columns, measures: Sequence[MeasureDefinition], start: date, end: date,
               period: str) -> tuple[PeriodOutcomes, ...]:
    buckets = periods_between(start, end, period)
    size = len(buckets)
    episodes = _counts(_bucket(cols.counted_on, buckets), cols.counted, size)
    per = {}
    for m in measures:
        index = _bucket(cols.on[m.key], buckets)
        per[m.key] = (_counts(index, cols.met[m.key], size), _counts(index, cols.eligible[m.key], size))
    return tuple(PeriodOutcomes(label=label, start=first, end=last, episodes=int(episodes[i]),
                                rates=tuple(outcome_rate(int(per[m.key][0][i]), int(per[m.key][1][i]), label=m.key)
                                            for m in measures))
                 for i, (label, first, last) in enumerate(buckets))


def _measurement(patients: Sequence[PatientOutcomeInputs], requests: Sequence[QuestionnaireRequestFact],
                 start: date, end: date, period: str) -> tuple[MeasurementCompletion, ...]:
    buckets = periods_between(start, end, period)
    size = len(buckets)
    due = _bucket(np.fromiter((r.due_on.toordinal() for r in requests), np.int64, len(requests)), buckets)
    done = np.fromiter((r.completed for r in requests), bool, len(requests))
    scores = [s for p in patients for s in p.scores]
    taken = _bucket(np.fromiter((s.taken_on.toordinal() for s in scores), np.int64, len(scores)), buckets)
    by_clinician = np.fromiter((s.source == "clinician" for s in scores), bool, len(scores))
    by_patient = np.fromiter((s.source in _PATIENT_SOURCES for s in scores), bool, len(scores))
    req, com = _counts(due, np.ones(len(requests), bool), size), _counts(due, done, size)
    clin, pat = _counts(taken, by_clinician, size), _counts(taken, by_patient, size)
    return tuple(MeasurementCompletion(label=label, requested=int(req[i]), completed=int(com[i]),
                                       completion=outcome_rate(int(com[i]), int(req[i]), label="completion"),
                                       clinician_entered=int(clin[i]), patient_entered=int(pat[i]))
                 for i, (label, _, _) in enumerate(buckets))


def _funnel(all_facts: Sequence[EpisodeFacts], shown: Sequence[EpisodeFacts], measure: str,
            expected: Expectation | None) -> tuple[FunnelData | None, str]:
    eligible_all = [f for f in all_facts if f.measures[measure].eligible]
    n_all, k_all = len(eligible_all), sum(f.measures[measure].met for f in eligible_all)
    if n_all == 0 or k_all in (0, n_all):
        return None, "no funnel: the clinic's rate for this measure is 0%, 100% or has no episodes in the period"
    clinicians = sorted({f.clinician for f in eligible_all})
    if len(clinicians) < 2:
        return None, "no funnel: fewer than two clinicians have episodes in the period"
    facts = [f for f in shown if f.measures[measure].eligible]
    labels = [f.clinician for f in facts]
    met = np.array([f.measures[measure].met for f in facts], dtype=bool)
    rates = {r.label: r for r in rates_by_group(labels, met)} if facts else {}
    outcome = CASE_MIX_OUTCOME.get(measure)
    if expected is not None and outcome is not None and facts:
        p = np.clip(expected(outcome, [f.baseline_phq9 for f in facts], [f.baseline_gad7 for f in facts],
                             [None if f.drug == "no drug recorded" else f.drug for f in facts],
                             [f.cyp2d6 for f in facts], [f.cyp2c19 for f in facts],
                             [f.measures[measure].horizon_days for f in facts]), 0.0, 1.0)
    else:  # no model: expect the clinic's own rate for every episode (O/E then equals the rate ratio)
        p = np.full(len(facts), k_all / n_all)
    oes = {o.label: o for o in observed_expected_by_group(labels, met, p)} if facts else {}
    target = k_all / n_all
    points = []
    for label in sorted(rates):
        r, oe = rates[label], oes[label]
        mine = p[np.asarray(labels) == label]
        limits = oe_exact_limits(mine)
        one = proportion_funnel_limits(target, [r.denominator])
        points.append(FunnelPoint(
            label=label, rate=r, position=funnel_position(r.rate.estimate or 0.0, one.lower_95[0], one.upper_95[0],
                                                          one.lower_998[0], one.upper_998[0]),
            oe=oe, oe_lower_95=limits[0], oe_upper_95=limits[1], oe_lower_998=limits[2], oe_upper_998=limits[3],
            oe_position=funnel_position(oe.ratio if oe.ratio is not None else 1.0, *limits)))
    n_max = max(len([f for f in eligible_all if f.clinician == c]) for c in clinicians)
    grid = np.unique(np.linspace(1, max(n_max * 1.2, 10), FUNNEL_POINTS).round())
    e_max = max((o.expected for o in oes.values()), default=1.0)
    e_grid = np.linspace(max(e_max / FUNNEL_POINTS, 0.5), max(e_max * 1.2, 5.0), FUNNEL_POINTS)
    # O/E limits against E for a typical episode probability (the clinic's mean expectation)
    p_bar = float(np.mean(p)) if len(p) else target
    oe_limits = oe_funnel_limits(e_grid, e_grid * (1.0 - p_bar))
    return FunnelData(measure=measure, target=target, raw_limits=proportion_funnel_limits(target, grid),
                      oe_limits=oe_limits, points=tuple(points), assumptions=CASE_MIX_ASSUMPTIONS), ""


def build_outcome_report(patients: Sequence[PatientOutcomeInputs], clinicians: Mapping[int, str], *,
                         standard: str, start: date, end: date, by: str | None = None, period: str = "month",
                         own_clinician_id: int | None = None,
                         requests: Sequence[QuestionnaireRequestFact] = (), clinic_name: str = "",
                         synthetic_data: bool = False, gap_days: int = DEFAULT_EPISODE_GAP_DAYS,
                         expected: Expectation | None = None, funnel_measure: str | None = None) -> OutcomeReport:
    """The report for ``standard`` over ``start..end`` (inputs already validated by the service).

    ``own_clinician_id`` set: the "own" scope (a clinician): every figure counts that clinician's episodes only;
    the funnel keeps the clinic's rate as its target (one aggregate number) and shows only their own point.
    """
    measures = MEASURES[standard]
    all_facts = episode_facts(patients, clinicians, standard=standard, start=start, end=end, gap_days=gap_days)
    if own_clinician_id is None:
        facts, scoped_patients, scoped_requests = all_facts, patients, requests
    else:
        facts = [f for f in all_facts if f.clinician_id == own_clinician_id]
        mine = {p.patient_id for p in patients if p.clinician_id == own_clinician_id}
        scoped_patients = [p for p in patients if p.patient_id in mine]
        scoped_requests = [r for r in requests if r.patient_id in mine]
    cols = _columns(facts, measures)
    times = [t for t in (response_time(f, end) for f in facts
                         if f.episode.opened_on <= end and (f.episode.closed_on or end) >= start) if t is not None]
    km = time_to_response([t[0] for t in times], [t[1] for t in times], label="time to response") if times else None
    funnel, note = _funnel(all_facts, facts, funnel_measure or HEADLINE_MEASURE[standard], expected)
    return OutcomeReport(
        standard=standard, start=start, end=end, by=by, period=period,
        scope="clinic" if own_clinician_id is None else "own", clinic_name=clinic_name, definitions=measures,
        overall=_group_outcomes("All episodes", cols, np.ones(len(facts), bool), measures),
        groups=_groups(facts, cols, by, measures), over_time=_over_time(cols, measures, start, end, period),
        measurement=_measurement(scoped_patients, scoped_requests, start, end, period), time_to_response=km,
        funnel=funnel, funnel_note=note, episode_gap_days=gap_days, synthetic_data=synthetic_data)
