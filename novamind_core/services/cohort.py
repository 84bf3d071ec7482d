"""Analyst cohort views over de-identified data: outcomes, response and remission by drug, time to response,
trajectory clusters, data completeness, a population what-if against the twin, and de-identified exports.

De-identification (HIPAA Safe Harbor, 45 CFR 164.514(b)(2); helpers in :mod:`novamind_core.security.deid`)
-----------------------------------------------------------------------------------------------------------
* No names, MRNs, contact details, dates of birth or database ids leave this module. A patient is a keyed pseudonym
  (``P-`` + 8 base32 characters of HMAC-SHA256 over the MRN, key ``NOVAMIND_DEID_KEY``); a clinician is a keyed
  label (``C-`` + 6 characters of HMAC-SHA256 over the user id).
* Ages are 10-year bands at the baseline assessment; every age above 89 is the single band ``"90+"``.
* Views carry **no calendar dates at all**: time is days since the patient's baseline PHQ-9 (intervals only).
  Exports carry dates moved by the patient's keyed offset (±1..180 days), so every interval is kept exactly while the
  calendar dates are not revealed (an expert-determination practice, 164.514(b)(1); the issue asks for it).
* Free text (medication reasons, notes) is never read.

Analysis definitions (stated once, used by every figure)
--------------------------------------------------------
* **Index course**: the patient's first medication course, i.e. the first order and every later order of the same
  drug (titrations) until a different drug starts or the drug is stopped. Patients without a medication form the
  group ``"no medication"``. ``dose_mg`` is the highest dose of the course.
* **Baseline**: the last PHQ-9 in the 30 days up to and including the course start, else the first one in the 14
  days after it (``BASELINE_WINDOW_*``; pragmatic-study practice, as drug effects are small in the first two weeks);
  without medication, the first PHQ-9. Day 0 of every time axis is the baseline date.
* **Endpoint**: the last PHQ-9 after baseline up to the end of the index course.
* **Response**: endpoint <= 50% of baseline; **remission**: endpoint <= 4 (SCIENCE.md §2: Kroenke 2001; response as
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
  28:129; k-means++ seeding, Arthur & Vassilvitskii 2007) and each cluster named by the shape of its centroid
  (:func:`shape_label`).

Permissions (:data:`novamind_core.domain.users.ROLE_PERMISSIONS`): views need ``READ_DEIDENTIFIED``; the what-if also
``RUN_SIMULATION``; exports ``EXPORT_DEIDENTIFIED``. Every call writes exactly one audit event.

Layout: result types in :mod:`novamind_core.services.cohort_types`, statistics in
:mod:`novamind_core.analytics.cohort_stats`, export builders in :mod:`novamind_core.interop.deidentified`; their public
names are re-exported here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select

from novamind_core.analytics.cohort_stats import (  # noqa: F401  (statistics re-exported for callers)
    EARLY_RESPONSE_WEEKS,
    SMALL_CELL,
    Z_95,
    KaplanMeierCurve,
    Proportion,
    kaplan_meier,
    kmeans,
    resample_trajectories,
    shape_label,
    wilson_interval,
)
from novamind_core.db.models import AssessmentRow, CareTeamRow, DiagnosisRow, MedicationOrderRow, PatientRow, UserRow
from novamind_core.domain.assessments import RESPONSE_MIN_REDUCTION_FRACTION, Instrument, severity_band
from novamind_core.domain.errors import ConfigurationError, PermissionDenied, ValidationError
from novamind_core.domain.users import Permission, Role, User
from novamind_core.interop.deidentified import (  # noqa: F401  (export constants re-exported for callers)
    AGE_BAND_EXTENSION,
    PSEUDONYM_SYSTEM,
    IdentifiedAssessment,
    IdentifiedOrder,
    IdentifiedPatient,
    export_frame,
    fhir_bundle,
)
from novamind_core.security.audit import AuditAction
from novamind_core.security.deid import age_band, age_years, pseudonym
from novamind_core.security.rbac import require
from novamind_core.services.base import BaseService
from novamind_core.services.cohort_types import (
    CohortExport,
    CohortFilters,
    CohortView,
    CompletenessItem,
    DeidentifiedPatient,
    DrugOutcome,
    FilterOptions,
    PopulationWhatIf,
    TrajectoryCluster,
    TrajectoryClusters,
    WhatIfArm,
)

COHORT_VIEW = AuditAction.COHORT_VIEW
"""Audit action of a cohort view (de-identified read)."""

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
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv", "csv"), "parquet": ("application/vnd.apache.parquet", "parquet"),
    "fhir": ("application/fhir+json", "json"),
}
WHAT_IF_CHUNKS = 4


# ================================================================================================= analysis
def _clinician_label(user_id: int, key: str) -> str:
    digest = hmac.new(key.encode("utf-8"), f"novamind/clinician/{user_id}".encode(), hashlib.sha256).digest()
    return "C-" + base64.b32encode(digest).decode("ascii")[:6]


def _index_course(orders: list[IdentifiedOrder]) -> tuple[str, float | None, date | None, date | None]:
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


def _summarise(raw: IdentifiedPatient, key: str, today: date) -> tuple[DeidentifiedPatient, date | None]:
    """De-identified summary of one patient and its (real) day-0 date, which stays inside this module."""
    drug, dose, start, end = _index_course(raw.orders)
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


def _matches(p: DeidentifiedPatient, f: CohortFilters) -> bool:
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


def _options(patients: Sequence[DeidentifiedPatient]) -> FilterOptions:
    dx = sorted({(p.diagnosis_code, p.diagnosis_label or "") for p in patients if p.diagnosis_code})
    return FilterOptions(
        diagnoses=tuple(dx), drugs=tuple(sorted({p.drug for p in patients})),
        baseline_severities=tuple(b for b in PHQ9_BANDS if any(p.baseline_severity == b for p in patients)),
        age_bands=tuple(sorted({p.age_band for p in patients}, key=_band_order)),
        sexes=tuple(sorted({p.sex for p in patients})),
        clinicians=tuple(sorted({p.clinician for p in patients if p.clinician})),
    )


def _drug_outcome(drug: str, patients: Sequence[DeidentifiedPatient]) -> DrugOutcome:
    ev = [p for p in patients if p.evaluable]
    weeks = [p.course_follow_up_days / 7.0 for p in ev if p.course_follow_up_days is not None]
    return DrugOutcome(drug, len(patients), len(ev), wilson_interval(sum(bool(p.response) for p in ev), len(ev)),
                       wilson_interval(sum(bool(p.remission) for p in ev), len(ev)),
                       float(np.median(weeks)) if weeks else None)


def _time_to_response(patients: Sequence[DeidentifiedPatient], drugs: Iterable[str]) -> tuple[KaplanMeierCurve, ...]:
    def curve(label: str, group: Sequence[DeidentifiedPatient]) -> KaplanMeierCurve:
        ev = [p for p in group if p.evaluable and p.days_to_response is not None]
        return kaplan_meier([p.days_to_response for p in ev], [p.responded for p in ev], label)

    out = [curve("all", patients)]
    for drug in drugs:
        group = [p for p in patients if p.drug == drug]
        if sum(p.evaluable for p in group) >= 2:
            out.append(curve(drug, group))
    return tuple(out)


def _clusters(patients: Sequence[DeidentifiedPatient], k: int, seed: int
              ) -> tuple[TrajectoryClusters, dict[str, str]]:
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
    names: list[str] = []
    clusters = []
    for j in range(centroids.shape[0]):
        members = labels == j
        if not members.any():
            continue
        name = shape_label(centroids[j], grid_weeks)
        if name in names:
            name = f"{name} ({sum(n.startswith(name) for n in names) + 1})"
        names.append(name)
        clusters.append((j, TrajectoryCluster(name, int(members.sum()), tuple(map(float, centroids[j])),
                                              tuple(map(float, absolute[members].mean(0))))))
    order = {"early responders": 0, "responders": 1, "partial responders": 2, "relapse": 3, "non-responders": 4}
    clusters.sort(key=lambda c: (order.get(c[1].label.split(" (")[0], 9), -c[1].n))
    by_j = {j: c.label for j, c in clusters}
    assignment = {p.pseudonym: by_j[int(labels[i])] for i, p in enumerate(usable)}
    return TrajectoryClusters(tuple(map(float, grid_weeks)), tuple(c for _, c in clusters), len(usable),
                              len(patients) - len(usable), seed), assignment


def _completeness(patients: Sequence[DeidentifiedPatient]) -> tuple[CompletenessItem, ...]:
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


def _bands(values: Iterable[int | None]) -> dict[str, int]:
    out = dict.fromkeys(PHQ9_BANDS, 0)
    for v in values:
        if v is not None:
            out[severity_band(Instrument.PHQ9, v)] += 1
    return out


# ================================================================================================= service
class CohortService(BaseService):
    """De-identified cohort analytics for analysts (see the module docstring for every definition)."""

    # ------------------------------------------------------------------ loading
    def _key(self) -> str:
        key = getattr(self.ctx.settings, "deid_key", "") or ""
        if not key:
            raise ConfigurationError("NOVAMIND_DEID_KEY: a de-identification key is required for cohort views")
        return key

    def _load(self, uow: Any) -> list[IdentifiedPatient]:
        s = uow.session
        patients: dict[int, IdentifiedPatient] = {}
        rows = s.execute(select(PatientRow.id, PatientRow.mrn, PatientRow.date_of_birth, PatientRow.sex_at_birth)
                         .order_by(PatientRow.id)).all()
        for pid, mrn, dob, sex in rows:
            patients[pid] = IdentifiedPatient(pid, mrn, date.fromisoformat(dob), sex)
        for pid, code, label in s.execute(select(DiagnosisRow.patient_id, DiagnosisRow.code, DiagnosisRow.label)
                                          .order_by(DiagnosisRow.patient_id, DiagnosisRow.is_primary.desc(),
                                                    DiagnosisRow.position)):
            if pid in patients and patients[pid].dx is None:
                patients[pid].dx = (code, label)
        for pid, uid in s.execute(select(CareTeamRow.patient_id, CareTeamRow.user_id)
                                  .join(UserRow, UserRow.id == CareTeamRow.user_id)
                                  .where(UserRow.role == Role.CLINICIAN.value)
                                  .order_by(CareTeamRow.patient_id, CareTeamRow.user_id)):
            if pid in patients and patients[pid].clinician_id is None:
                patients[pid].clinician_id = uid
        for pid, inst, on, total, answers in s.execute(
                select(AssessmentRow.patient_id, AssessmentRow.instrument, AssessmentRow.administered_on,
                       AssessmentRow.total, AssessmentRow.answers)
                .order_by(AssessmentRow.patient_id, AssessmentRow.administered_on, AssessmentRow.id)):
            if pid in patients:
                patients[pid].assessments.append(IdentifiedAssessment(inst, on, int(total), tuple(json.loads(answers))))
        for r in s.execute(select(MedicationOrderRow.patient_id, MedicationOrderRow.id, MedicationOrderRow.drug,
                                  MedicationOrderRow.dose_mg, MedicationOrderRow.frequency,
                                  MedicationOrderRow.start_date, MedicationOrderRow.stop_date,
                                  MedicationOrderRow.change_kind, MedicationOrderRow.previous_id)
                           .order_by(MedicationOrderRow.patient_id, MedicationOrderRow.start_date,
                                     MedicationOrderRow.id)):
            if r[0] in patients:
                patients[r[0]].orders.append(IdentifiedOrder(*r[1:]))
        return list(patients.values())

    def _cohort(self, uow: Any, filters: CohortFilters | None
                ) -> tuple[list[IdentifiedPatient], list[DeidentifiedPatient], list[date | None], FilterOptions, int]:
        key = self._key()
        raws = self._load(uow)
        today = self.ctx.today()
        summaries = [_summarise(r, key, today) for r in raws]
        everyone = [s for s, _ in summaries]
        f = filters or CohortFilters()
        keep = [i for i, p in enumerate(everyone) if _matches(p, f)]
        return ([raws[i] for i in keep], [everyone[i] for i in keep], [summaries[i][1] for i in keep],
                _options(everyone), len(everyone))

    @staticmethod
    def _filters(filters: CohortFilters | Mapping[str, Sequence[str]] | None) -> CohortFilters:
        if filters is None or isinstance(filters, CohortFilters):
            return filters or CohortFilters()
        if not isinstance(filters, Mapping):
            raise ValidationError("filters must be a CohortFilters or a mapping", field="filters")
        unknown = set(filters) - set(CohortFilters.__dataclass_fields__)
        if unknown:
            raise ValidationError(f"unknown filter {sorted(unknown)[0]!r}", field="filters")
        return CohortFilters(**{k: tuple(v) if not isinstance(v, str) else v for k, v in filters.items()})

    # ------------------------------------------------------------------ views
    def view(self, user: User, filters: CohortFilters | Mapping[str, Sequence[str]] | None = None, *,
             n_clusters: int = 4, seed: int = 0) -> CohortView:
        """The de-identified cohort after ``filters``, with outcomes, time to response, clusters and completeness."""
        f = self._filters(filters)
        if not isinstance(n_clusters, int) or not 1 <= n_clusters <= 8:
            raise ValidationError("number of trajectory clusters must be 1-8", field="n_clusters", value=n_clusters)
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.READ_DEIDENTIFIED, COHORT_VIEW)
            _, patients, _, options, n_total = self._cohort(uow, f)
            clusters, assignment = _clusters(patients, n_clusters, seed)
            patients = [_with_cluster(p, assignment.get(p.pseudonym)) for p in patients]
            drugs = sorted({p.drug for p in patients}, key=lambda d: (d == NO_MEDICATION, d))
            result = CohortView(
                filters=f, options=options, n_total=n_total, patients=tuple(patients),
                outcomes_by_drug=tuple(_drug_outcome(d, [p for p in patients if p.drug == d]) for d in drugs),
                overall=_drug_outcome("all", patients), time_to_response=_time_to_response(patients, drugs),
                clusters=clusters, completeness=_completeness(patients),
                baseline_bands=_bands(p.baseline_phq9 for p in patients),
                endpoint_bands=_bands(p.endpoint_phq9 for p in patients),
            )
            self._audit(uow, actor, COHORT_VIEW, detail=f"patients={len(patients)}/{n_total} filters={f.active}")
            uow.commit()
            return result

    def population_what_if(self, user: User, drug_a: str, drug_b: str,
                           filters: CohortFilters | Mapping[str, Sequence[str]] | None = None, *,
                           dose_a_mg: float | None = None, dose_b_mg: float | None = None, n_virtual: int = 2000,
                           weeks: int = 8, seed: int = 0,
                           on_progress: Callable[[int, int, str], None] | None = None) -> PopulationWhatIf:
        """Simulate drug A vs drug B (``simulate_cohort``) in virtual patients with this cohort's baseline PHQ-9
        distribution (truncated normal with the observed mean, SD and minimum) and set the predictions next to the
        observed outcomes on each drug. ``on_progress(done, total, message)`` is called after each chunk."""
        from novamind_core.pharmacology import load_catalogue
        from novamind_core.twin import simulate_cohort
        from novamind_core.twin.params import load_population_params

        f = self._filters(filters)
        catalogue = load_catalogue()
        names = [catalogue.get(d).name for d in (drug_a, drug_b)]
        if not isinstance(n_virtual, int) or not 100 <= n_virtual <= 200_000:
            raise ValidationError("virtual patients must be 100-200000", field="n_virtual", value=n_virtual)
        if not isinstance(weeks, int) or not 1 <= weeks <= 52:
            raise ValidationError("weeks must be 1-52", field="weeks", value=weeks)
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.READ_DEIDENTIFIED, AuditAction.SIMULATION_RUN)
            try:
                require(actor, Permission.RUN_SIMULATION)
            except PermissionDenied as exc:
                self._deny(uow, actor, AuditAction.SIMULATION_RUN, None, exc)
            _, patients, _, _, _ = self._cohort(uow, f)
            baselines = np.array([p.baseline_phq9 for p in patients if p.baseline_phq9 is not None], float)
            if baselines.size < 2:
                raise ValidationError("the what-if needs at least 2 patients with a baseline PHQ-9 in the cohort; "
                                      "widen the filters", field="filters", value=int(baselines.size))
            mean, sd = float(baselines.mean()), max(float(baselines.std(ddof=1)), 1.0)
            lowest = float(min(baselines.min(), 26.0))
            params = load_population_params().with_values(baseline_phq9_mean=mean, baseline_phq9_sd=sd,
                                                          baseline_phq9_min=lowest)
            arms = []
            total_steps = 2 * WHAT_IF_CHUNKS
            for a, (drug, dose) in enumerate(zip(names, (dose_a_mg, dose_b_mg), strict=True)):
                sizes = [n_virtual // WHAT_IF_CHUNKS + (1 if c < n_virtual % WHAT_IF_CHUNKS else 0)
                         for c in range(WHAT_IF_CHUNKS)]
                resp = rem = 0
                s1 = 0.0
                for c, m in enumerate(sizes):
                    r = simulate_cohort(drug, dose, n=m, weeks=weeks, seed=seed * 1009 + a * 101 + c, params=params)
                    resp += round(r.response_rate * m)
                    rem += round(r.remission_rate * m)
                    s1 += r.mean_change_phq9 * m
                    if on_progress:
                        on_progress(a * WHAT_IF_CHUNKS + c + 1, total_steps, f"{drug}: {sum(sizes[:c + 1])} of "
                                    f"{n_virtual} virtual patients")
                observed_group = [p for p in patients if p.drug == drug]
                arms.append(WhatIfArm(drug, dose, wilson_interval(resp, n_virtual), wilson_interval(rem, n_virtual),
                                      round(s1 / n_virtual, 2),
                                      _drug_outcome(drug, observed_group) if observed_group else None))
            self._audit(uow, actor, AuditAction.SIMULATION_RUN,
                        detail=f"cohort what-if {names[0]} vs {names[1]} n={n_virtual} weeks={weeks} "
                               f"baselines={baselines.size}")
            uow.commit()
        return PopulationWhatIf(tuple(arms), n_virtual, weeks, seed, round(mean, 2), round(sd, 2), lowest,
                                int(baselines.size), bool(params.calibrated))

    # ------------------------------------------------------------------ exports
    def export(self, user: User, fmt: str, filters: CohortFilters | Mapping[str, Sequence[str]] | None = None
               ) -> CohortExport:
        """De-identified export of the filtered cohort: ``csv`` / ``parquet`` (one row per assessment and per
        medication order) or ``fhir`` (an R4 ``collection`` Bundle). Dates are shifted per patient."""
        fmt = str(fmt or "").strip().lower()
        if fmt not in EXPORT_FORMATS:
            raise ValidationError(f"export format must be one of {', '.join(EXPORT_FORMATS)}", field="format",
                                  value=fmt)
        f = self._filters(filters)
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.EXPORT_DEIDENTIFIED, AuditAction.EXPORT_DEIDENTIFIED)
            raws, patients, day0s, _, _ = self._cohort(uow, f)
            key = self._key()
            if fmt == "fhir":
                content, n_rows = fhir_bundle(raws, patients, key, self.ctx.now())
            else:
                frame = export_frame(raws, patients, day0s, key)
                n_rows = len(frame)
                if fmt == "csv":
                    content = frame.to_csv(index=False).encode("utf-8")
                else:
                    buffer = io.BytesIO()
                    frame.to_parquet(buffer, engine="pyarrow", index=False)
                    content = buffer.getvalue()
            self._audit(uow, actor, AuditAction.EXPORT_DEIDENTIFIED,
                        detail=f"format={fmt} patients={len(patients)} rows={n_rows} filters={f.active}")
            uow.commit()
        media, ext = EXPORT_FORMATS[fmt]
        return CohortExport(f"novamind_cohort_deidentified.{ext}", media, content, len(patients), n_rows)


def _with_cluster(p: DeidentifiedPatient, cluster: str | None) -> DeidentifiedPatient:
    from dataclasses import replace

    return replace(p, cluster=cluster)


__all__ = [
    "COHORT_VIEW", "CohortExport", "CohortFilters", "CohortService", "CohortView", "CompletenessItem",
    "DeidentifiedPatient", "DrugOutcome", "FilterOptions", "KaplanMeierCurve", "PopulationWhatIf", "Proportion",
    "TrajectoryCluster", "TrajectoryClusters", "WhatIfArm", "kaplan_meier", "kmeans", "resample_trajectories",
    "shape_label", "wilson_interval",
]
