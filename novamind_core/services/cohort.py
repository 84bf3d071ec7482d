"""Analyst cohort views over de-identified data: outcomes, response and remission by drug, time to response,
trajectory clusters, data completeness, a population what-if against the twin, and de-identified exports.

Pseudonymisation (a limited data set, not HIPAA Safe Harbor: README; helpers in :mod:`novamind_core.security.deid`)
-------------------------------------------------------------------------------------------------------------------
* No names, MRNs, contact details, dates of birth or database ids leave this module. A patient is a keyed pseudonym
  (``P-`` + 8 base32 characters of HMAC-SHA256 over the MRN, key ``NOVAMIND_DEID_KEY``); a clinician is a keyed
  label (``C-`` + 6 characters of HMAC-SHA256 over the user id).
* Ages are 10-year bands at the baseline assessment; every age above 89 is the single band ``"90+"``.
* Views carry **no calendar dates at all**: time is days since the patient's baseline PHQ-9 (intervals only).
  Exports carry dates moved by the patient's keyed offset (±1..180 days), so every interval is kept exactly while the
  calendar dates are not revealed (an expert-determination practice, 164.514(b)(1); the issue asks for it).
* Free text (medication reasons, notes) is never read.

Analysis definitions (index course, baseline, endpoint, response, remission, rates, time to response, trajectory
clusters) are stated once in :mod:`novamind_core.analytics.cohort_outcomes`, which computes them.

Permissions (:data:`novamind_core.domain.users.ROLE_PERMISSIONS`): views need ``READ_DEIDENTIFIED``; the what-if also
``RUN_SIMULATION``; exports ``EXPORT_DEIDENTIFIED``. Every call writes exactly one audit event.

Layout: result types in :mod:`novamind_core.analytics.cohort_types`, statistics in
:mod:`novamind_core.analytics.cohort_stats`, export builders in :mod:`novamind_core.interop.deidentified`; their public
names are re-exported here.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from novamind_core.analytics import cohort_outcomes as outcomes
from novamind_core.analytics.cohort_outcomes import (  # noqa: F401  (analysis constants re-exported for callers)
    BASELINE_WINDOW_AFTER_DAYS,
    BASELINE_WINDOW_BEFORE_DAYS,
    EVALUABLE_MIN_BASELINE_PHQ9,
    MIN_TRAJECTORY_SCORES,
    NO_MEDICATION,
    PHQ9_BANDS,
    REMISSION_MAX_PHQ9,
    TRAJECTORY_HORIZON_WEEKS,
    TRAJECTORY_STEP_WEEKS,
)
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
from novamind_core.analytics.cohort_types import (
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
from novamind_core.domain.cohort import IdentifiedAssessment, IdentifiedOrder, IdentifiedPatient  # noqa: F401
from novamind_core.domain.errors import ConfigurationError, PermissionDenied, ValidationError
from novamind_core.domain.users import Permission, User
from novamind_core.interop.deidentified import (  # noqa: F401  (export constants re-exported for callers)
    AGE_BAND_EXTENSION,
    PSEUDONYM_SYSTEM,
    export_frame,
    fhir_bundle,
)
from novamind_core.interop.spreadsheet import safe_frame
from novamind_core.security.audit import AuditAction
from novamind_core.security.rbac import require
from novamind_core.services.base import BaseService
from novamind_core.services.ports import UnitOfWork

COHORT_VIEW = AuditAction.COHORT_VIEW
"""Audit action of a cohort view (de-identified read)."""

EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv", "csv"), "parquet": ("application/vnd.apache.parquet", "parquet"),
    "fhir": ("application/fhir+json", "json"),
}
WHAT_IF_CHUNKS = 4


@dataclass(frozen=True)
class _Cohort:
    """The filtered cohort: identified records (for exports only), their de-identified summaries and baseline days
    (same order), the filter options over everyone, and how many patients there are in all."""

    raws: tuple[IdentifiedPatient, ...]
    patients: tuple[DeidentifiedPatient, ...]
    day0s: tuple[date | None, ...]
    options: FilterOptions
    n_total: int


def select_cohort(raws: Sequence[IdentifiedPatient], filters: CohortFilters, key: str, today: date) -> _Cohort:
    """De-identify every patient and keep those matching ``filters`` (pure; the options cover everyone)."""
    summaries = [outcomes.summarise(r, key, today) for r in raws]
    everyone = [s for s, _ in summaries]
    keep = [i for i, p in enumerate(everyone) if outcomes.matches(p, filters)]
    return _Cohort(tuple(raws[i] for i in keep), tuple(everyone[i] for i in keep),
                   tuple(summaries[i][1] for i in keep), outcomes.options(everyone), len(everyone))


# ================================================================================================= service
class CohortService(BaseService):
    """De-identified cohort analytics for analysts (see the module docstring for every definition)."""

    # ------------------------------------------------------------------ loading
    def _key(self) -> str:
        key = getattr(self.ctx.settings, "deid_key", "") or ""
        if not key:
            raise ConfigurationError("NOVAMIND_DEID_KEY: a de-identification key is required for cohort views")
        return key

    def _cohort(self, uow: UnitOfWork, filters: CohortFilters | None) -> _Cohort:
        """Load every patient, de-identify at once, and keep those that match ``filters``."""
        return select_cohort(uow.cohort.identified_patients(), filters or CohortFilters(), self._key(),
                             self.ctx.today())

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
            cohort = self._cohort(uow, f)
            options, n_total = cohort.options, cohort.n_total
            clusters, assignment = outcomes.clusters(list(cohort.patients), n_clusters, seed)
            patients = [replace(p, cluster=assignment.get(p.pseudonym)) for p in cohort.patients]
            drugs = sorted({p.drug for p in patients}, key=lambda d: (d == NO_MEDICATION, d))
            result = CohortView(
                filters=f, options=options, n_total=n_total, patients=tuple(patients),
                outcomes_by_drug=tuple(outcomes.drug_outcome(d, [p for p in patients if p.drug == d]) for d in drugs),
                overall=outcomes.drug_outcome("all", patients),
                time_to_response=outcomes.time_to_response(patients, drugs),
                clusters=clusters, completeness=outcomes.completeness(patients),
                baseline_bands=outcomes.bands(p.baseline_phq9 for p in patients),
                endpoint_bands=outcomes.bands(p.endpoint_phq9 for p in patients),
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
            patients = self._cohort(uow, f).patients
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
                                      outcomes.drug_outcome(drug, observed_group) if observed_group else None))
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
            cohort = self._cohort(uow, f)
            raws, patients, day0s, key = cohort.raws, cohort.patients, cohort.day0s, self._key()
            if fmt == "fhir":
                content, n_rows = fhir_bundle(raws, patients, key, self.ctx.now())
            else:
                frame = export_frame(raws, patients, day0s, key)
                n_rows = len(frame)
                if fmt == "csv":
                    content = safe_frame(frame).to_csv(index=False).encode("utf-8")  # no spreadsheet formulae
                else:
                    buffer = io.BytesIO()
                    frame.to_parquet(buffer, engine="pyarrow", index=False)
                    content = buffer.getvalue()
            self._audit(uow, actor, AuditAction.EXPORT_DEIDENTIFIED,
                        detail=f"format={fmt} patients={len(patients)} rows={n_rows} filters={f.active}")
            uow.commit()
        media, ext = EXPORT_FORMATS[fmt]
        return CohortExport(f"novamind_cohort_deidentified.{ext}", media, content, len(patients), n_rows)


__all__ = [
    "COHORT_VIEW", "CohortExport", "CohortFilters", "CohortService", "CohortView", "CompletenessItem",
    "DeidentifiedPatient", "DrugOutcome", "FilterOptions", "KaplanMeierCurve", "PopulationWhatIf", "Proportion",
    "TrajectoryCluster", "TrajectoryClusters", "WhatIfArm", "kaplan_meier", "kmeans", "resample_trajectories",
    "shape_label", "wilson_interval",
]
