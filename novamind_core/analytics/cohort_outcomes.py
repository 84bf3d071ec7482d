"""Per-patient and cohort outcome analysis over de-identified summaries: the index course, baseline and endpoint,
response and remission, filters, outcome rates by drug, time to response, trajectory clusters, data completeness and
severity-band counts.

Pure: no database, no session, no user. Identified chart data
(:class:`~novamind_core.domain.cohort.IdentifiedPatient`) comes in only to :func:`summarise`, which returns
the de-identified :class:`~novamind_core.analytics.cohort_types.DeidentifiedPatient` every other function works on.
Used by :class:`novamind_core.services.cohort.CohortService`; statistics in :mod:`novamind_core.analytics.cohort_stats`.

Analysis definitions (stated once, used by every figure)
--------------------------------------------------------
* **Index course**: the patient's first medication course, i.e. the first order and every later order of the same
  drug (titrations) until a different drug starts or the drug is stopped. Patients without a medication form the
  group ``"no medication"``. ``dose_mg`` is the highest dose of the course.
* **Baseline**: the last PHQ-9 in the 30 days up to and including the course start, else the first one in the 14
  days after it (``BASELINE_WINDOW_*``; pragmatic-study practice, as drug effects are small in the first two weeks);
  without medication, the first PHQ-9. Day 0 of every time axis is the baseline date.
* **Endpoint**: the last PHQ-9 after baseline up to the end of the index course.
* **Response**: endpoint <= 50% of baseline; **remission**: endpoint <= 4 (docs/science.md §2: Kroenke 2001; response as
  in trials). Evaluated only for patients with a baseline of at least 10 (moderate or worse, the usual trial entry
  criterion) and at least one follow-up score ("evaluable").
* **Rates**: proportions with the Wilson score 95% interval (Wilson 1927, J Am Stat Assoc 22:209;
  Brown, Cai & DasGupta 2001, Stat Sci 16:101 recommend it over the Wald interval for small n).
* **Time to response**: Kaplan-Meier estimate (Kaplan & Meier 1958, J Am Stat Assoc 53:457) of the first follow-up
  PHQ-9 at or below 50% of baseline during the index course, censored at the last score of the course; 95% intervals
  from Greenwood's variance on the log(-log) scale (Kalbfleisch & Prentice 2002, *The Statistical Analysis of
  Failure Time Data*, 2nd ed., §1.4), which keeps the bounds inside [0, 1].
* **Trajectory clusters**: every PHQ-9 from baseline on, relative to baseline, linearly interpolated on a 2-weekly
  grid over 24 weeks (the last score carried forward), clustered by k-means (Lloyd 1982, IEEE Trans Inf Theory
  28:129; k-means++ seeding, Arthur & Vassilvitskii 2007). Clusters carry neutral letters ("Cluster A", also each
  member's cluster) and a description from their members: the shape of the mean course (:func:`shape_label`), its
  mean change and how many members responded at the end of their course; a letter never claims that a member
  responded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

import numpy as np

from novamind_core.analytics.cohort_stats import (
    KaplanMeierCurve,
    kaplan_meier,
    kmeans,
    resample_trajectories,
    shape_label,
    wilson_interval,
)
from novamind_core.analytics.cohort_types import (
    CohortFilters,
    CompletenessItem,
    DeidentifiedPatient,
    DrugOutcome,
    FilterOptions,
    TrajectoryCluster,
    TrajectoryClusters,
)
from novamind_core.domain.assessments import RESPONSE_MIN_REDUCTION_FRACTION, Instrument, severity_band
from novamind_core.domain.cohort import IdentifiedAssessment, IdentifiedOrder, IdentifiedPatient
from novamind_core.security.deid import age_band, age_years, pseudonym

NO_MEDICATION = "no medication"
BASELINE_WINDOW_BEFORE_DAYS = 30
BASELINE_WINDOW_AFTER_DAYS = 14
EVALUABLE_MIN_BASELINE_PHQ9 = 10
"""Baseline PHQ-9 needed for response/remission (moderate or worse; Kroenke et al. 2001 bands)."""
REMISSION_MAX_PHQ9 = Instrument.PHQ9.spec.remission_max_total
TRAJECTORY_HORIZON_WEEKS = 24
TRAJECTORY_STEP_WEEKS = 2
MIN_TRAJECTORY_SCORES = 3
PHQ9_BANDS: tuple[str, ...] = tuple(b.name for b in Instrument.PHQ9.spec.bands)


def _clinician_label(user_id: int, key: str) -> str:
    digest = hmac.new(key.encode("utf-8"), f"novamind/clinician/{user_id}".encode(), hashlib.sha256).digest()
    return "C-" + base64.b32encode(digest).decode("ascii")[:6]


def index_course(orders: Sequence[IdentifiedOrder]) -> tuple[str, float | None, date | None, date | None]:
    """(drug, highest dose, start, end) of the first course; end None while it continues."""
    if not orders:
        return NO_MEDICATION, None, None, None
    first = orders[0]
    same = [o for o in orders if o.drug == first.drug]
    other_starts = [o.start for o in orders if o.drug != first.drug and o.start >= first.start]
    end: date | None = min(other_starts) if other_starts else None
    course = [o for o in same if end is None or o.start < end]
    if end is None and all(o.stop is not None for o in course):
        end = max(o.stop for o in course if o.stop is not None)
    return first.drug, max(o.dose_mg for o in course), first.start, end


def summarise(raw: IdentifiedPatient, key: str, today: date) -> tuple[DeidentifiedPatient, date | None]:
    """De-identified summary of one patient and its (real) day-0 date, which stays inside this module."""
    drug, dose, start, end = index_course(raw.orders)
    phq = [a for a in raw.assessments if a.instrument == Instrument.PHQ9.value]
    baseline: IdentifiedAssessment | None = None
    if start is None:
        baseline = phq[0] if phq else None
    else:
        before = [a for a in phq if -BASELINE_WINDOW_BEFORE_DAYS <= (a.on - start).days <= 0]
        after = [a for a in phq if 0 < (a.on - start).days <= BASELINE_WINDOW_AFTER_DAYS]
        baseline = before[-1] if before else (after[0] if after else None)
    day0 = baseline.on if baseline else (phq[0].on if phq else (start or None))
    age_on = day0 or (raw.assessments[0].on if raw.assessments else today)
    follow = [a for a in phq if baseline is not None and a.on > baseline.on and (end is None or a.on <= end)]
    endpoint = follow[-1] if follow else None
    evaluable = baseline is not None and endpoint is not None and baseline.total >= EVALUABLE_MIN_BASELINE_PHQ9
    response = remission = None
    days_to_response = None
    responded = False
    if evaluable:
        assert baseline is not None and endpoint is not None
        threshold = RESPONSE_MIN_REDUCTION_FRACTION * baseline.total
        response = endpoint.total <= threshold
        remission = endpoint.total <= REMISSION_MAX_PHQ9
        hit = next((a for a in follow if a.total <= threshold), None)
        responded = hit is not None
        days_to_response = ((hit or endpoint).on - baseline.on).days
    traj = [a for a in phq if day0 is not None and a.on >= day0]
    return DeidentifiedPatient(
        pseudonym=pseudonym(raw.mrn, key), age_band=age_band(max(age_years(raw.dob, age_on), 0)), sex=raw.sex,
        diagnosis_code=raw.dx[0] if raw.dx else None, diagnosis_label=raw.dx[1] if raw.dx else None,
        clinician=_clinician_label(raw.clinician_id, key) if raw.clinician_id is not None else None,
        drug=drug, dose_mg=dose, baseline_phq9=baseline.total if baseline else None,
        baseline_severity=severity_band(Instrument.PHQ9, baseline.total) if baseline else None,
        endpoint_phq9=endpoint.total if endpoint else None,
        endpoint_day=(endpoint.on - baseline.on).days if endpoint and baseline else None,
        evaluable=evaluable, response=response, remission=remission, days_to_response=days_to_response,
        responded=responded, course_follow_up_days=(endpoint.on - baseline.on).days if endpoint and baseline else None,
        n_phq9=len(phq), n_gad7=sum(1 for a in raw.assessments if a.instrument == Instrument.GAD7.value),
        trajectory_days=tuple((a.on - day0).days for a in traj) if day0 else (),
        trajectory_phq9=tuple(a.total for a in traj),
    ), day0


def matches(p: DeidentifiedPatient, f: CohortFilters) -> bool:
    """Whether ``p`` passes every active filter (a diagnosis filter matches the code or its ICD-10 category)."""
    if f.diagnoses and not (p.diagnosis_code and (p.diagnosis_code in f.diagnoses
                                                  or p.diagnosis_code.split(".")[0] in f.diagnoses)):
        return False
    return ((not f.drugs or p.drug in f.drugs)
            and (not f.baseline_severities or p.baseline_severity in f.baseline_severities)
            and (not f.age_bands or p.age_band in f.age_bands)
            and (not f.sexes or p.sex in f.sexes)
            and (not f.clinicians or p.clinician in f.clinicians))


def _band_order(band: str) -> tuple[int, str]:
    if band == "90+":
        return (90, band)
    head = band.split("-")[0]
    return (int(head) if head.isdigit() else 999, band)


def options(patients: Sequence[DeidentifiedPatient]) -> FilterOptions:
    """The filter choices present in ``patients`` (severities in band order, age bands youngest first)."""
    dx = sorted({(p.diagnosis_code, p.diagnosis_label or "") for p in patients if p.diagnosis_code})
    return FilterOptions(
        diagnoses=tuple(dx), drugs=tuple(sorted({p.drug for p in patients})),
        baseline_severities=tuple(b for b in PHQ9_BANDS if any(p.baseline_severity == b for p in patients)),
        age_bands=tuple(sorted({p.age_band for p in patients}, key=_band_order)),
        sexes=tuple(sorted({p.sex for p in patients})),
        clinicians=tuple(sorted({p.clinician for p in patients if p.clinician})),
    )


def drug_outcome(drug: str, patients: Sequence[DeidentifiedPatient]) -> DrugOutcome:
    """Response and remission rates (Wilson 95% intervals) and median follow-up (weeks) of the evaluable patients."""
    ev = [p for p in patients if p.evaluable]
    weeks = [p.course_follow_up_days / 7.0 for p in ev if p.course_follow_up_days is not None]
    return DrugOutcome(drug, len(patients), len(ev), wilson_interval(sum(bool(p.response) for p in ev), len(ev)),
                       wilson_interval(sum(bool(p.remission) for p in ev), len(ev)),
                       float(np.median(weeks)) if weeks else None)


def time_to_response(patients: Sequence[DeidentifiedPatient], drugs: Iterable[str]) -> tuple[KaplanMeierCurve, ...]:
    """Kaplan-Meier curves of days to response: all patients, then each drug with at least 2 evaluable patients."""
    def curve(label: str, group: Sequence[DeidentifiedPatient]) -> KaplanMeierCurve:
        ev = [p for p in group if p.evaluable and p.days_to_response is not None]
        return kaplan_meier([p.days_to_response for p in ev], [p.responded for p in ev], label)

    out = [curve("all", patients)]
    for drug in drugs:
        group = [p for p in patients if p.drug == drug]
        if sum(p.evaluable for p in group) >= 2:
            out.append(curve(drug, group))
    return tuple(out)


def clusters(patients: Sequence[DeidentifiedPatient], k: int, seed: int
              ) -> tuple[TrajectoryClusters, dict[str, str]]:
    """k-means clusters of PHQ-9 trajectories relative to baseline, and each clustered pseudonym's cluster label."""
    grid_weeks = np.arange(0, TRAJECTORY_HORIZON_WEEKS + TRAJECTORY_STEP_WEEKS, TRAJECTORY_STEP_WEEKS, dtype=float)
    usable = [p for p in patients if p.baseline_phq9 and len(p.trajectory_phq9) >= MIN_TRAJECTORY_SCORES]
    empty = TrajectoryClusters(tuple(map(float, grid_weeks)), (), 0, len(patients) - len(usable), seed)
    if not usable:
        return empty, {}
    counts = np.array([len(p.trajectory_days) for p in usable])
    idx = np.repeat(np.arange(len(usable)), counts)
    days = np.concatenate([np.asarray(p.trajectory_days, float) for p in usable])
    values = np.concatenate([np.asarray(p.trajectory_phq9, float) for p in usable])
    absolute = resample_trajectories(idx, days, values, len(usable), grid_weeks * 7.0)
    base = np.array([float(p.baseline_phq9 or 1) for p in usable])
    relative = absolute / base[:, None]
    labels, centroids, _ = kmeans(relative, k, seed=seed)
    found = []
    for j in range(centroids.shape[0]):
        members = labels == j
        if not members.any():
            continue
        who = [p for p, m in zip(usable, members, strict=True) if m]
        found.append((j, TrajectoryCluster("", int(members.sum()), tuple(map(float, centroids[j])),
                                           tuple(map(float, absolute[members].mean(0))),
                                           shape=shape_label(centroids[j], grid_weeks),
                                           n_responded=sum(p.response is True for p in who),
                                           n_evaluable=sum(p.response is not None for p in who))))
    order = {"early responders": 0, "responders": 1, "partial responders": 2, "relapse": 3, "non-responders": 4}
    found.sort(key=lambda c: (order.get(c[1].shape, 9), -c[1].n))
    clusters = [(j, replace(c, label=f"Cluster {chr(ord('A') + i)}")) for i, (j, c) in enumerate(found)]
    by_j = {j: c.label for j, c in clusters}
    assignment = {p.pseudonym: by_j[int(labels[i])] for i, p in enumerate(usable)}
    return TrajectoryClusters(tuple(map(float, grid_weeks)), tuple(c for _, c in clusters), len(usable),
                              len(patients) - len(usable), seed), assignment


def completeness(patients: Sequence[DeidentifiedPatient]) -> tuple[CompletenessItem, ...]:
    """How many patients have each data item the analyses need (baseline, follow-up, medication ...)."""
    n = len(patients)
    items = (
        ("baseline PHQ-9", sum(p.baseline_phq9 is not None for p in patients)),
        ("follow-up PHQ-9 on the index course", sum(p.endpoint_phq9 is not None for p in patients)),
        ("evaluable for response (baseline >= 10 and follow-up)", sum(p.evaluable for p in patients)),
        (f"trajectory ({MIN_TRAJECTORY_SCORES}+ PHQ-9 scores)",
         sum(len(p.trajectory_phq9) >= MIN_TRAJECTORY_SCORES for p in patients)),
        ("medication recorded", sum(p.drug != NO_MEDICATION for p in patients)),
        ("GAD-7 recorded", sum(p.n_gad7 > 0 for p in patients)),
        ("primary diagnosis", sum(p.diagnosis_code is not None for p in patients)),
        ("clinician assigned", sum(p.clinician is not None for p in patients)),
    )
    return tuple(CompletenessItem(name, int(k), n) for name, k in items)


def bands(values: Iterable[int | None]) -> dict[str, int]:
    """Count of PHQ-9 totals per severity band (Kroenke 2001), in band order; ``None`` values are skipped."""
    out = dict.fromkeys(PHQ9_BANDS, 0)
    for v in values:
        if v is not None:
            out[severity_band(Instrument.PHQ9, v)] += 1
    return out


__all__ = [
    "BASELINE_WINDOW_AFTER_DAYS", "BASELINE_WINDOW_BEFORE_DAYS", "EVALUABLE_MIN_BASELINE_PHQ9", "MIN_TRAJECTORY_SCORES",
    "NO_MEDICATION", "PHQ9_BANDS", "REMISSION_MAX_PHQ9", "TRAJECTORY_HORIZON_WEEKS", "TRAJECTORY_STEP_WEEKS", "bands",
    "clusters", "completeness", "drug_outcome", "index_course", "matches", "options", "summarise", "time_to_response",
]
