"""Virtual MDD cohorts: trial-like single-drug cohorts and a STAR*D-like sequence of treatment steps.

Cohort definition (documented assumptions, parameters in :mod:`novamind_core.twin.params`):

* Baseline PHQ-9 ~ Normal(17, 4) truncated to [10, 27] (moderate-or-worse MDD entering a trial); baseline
  GAD-7 ~ Normal(12, 4.5) truncated to [0, 21]. Latents z ~ N(0, I) (placebo responsiveness, shared and
  drug-specific drug sensitivity).
* Each step lasts ``weeks`` weeks on the step's drug at its dose (titrated from the catalogue's start dose by its
  titration step and interval); full adherence (trial conditions). Outcome at the end of the step from an observed
  PHQ-9 (measurement error added): response = PHQ-9 <= 50% of baseline, remission = PHQ-9 <= 4
  (:mod:`novamind_core.domain.scenario_limits`).
* Non-remitters enter the next step (direct switch). The illness course goes on (placebo and natural-course
  terms keep counting from the first step's start); the previous drug's effect ends; the new drug's
  drug-specific sensitivity is drawn afresh while the shared one is kept; each new step adds a non-specific
  (expectation) improvement of ``placebo_attenuation_per_step ** (k-1) * p'_i`` (step k >= 2), where ``p'_i`` is
  drawn from a latent correlated ``placebo_renewal_correlation`` with the patient's own placebo responsiveness; and
  the drug signal of step k >= 3 is scaled by ``drug_response_retained_per_further_failed_step ** (k-2)`` (treatment
  resistance: each failed adequate trial after the first leaves less responsiveness; resistance is usually staged
  from two failed trials). Step 1 and single-step (trial) cohorts are unchanged by these three.
* ``open_label=True`` (STAR*D, clinic): non-specific improvement is ``expit(m + shift + s z)`` with
  ``open_label_placebo_logit_shift``; placebo-controlled trials (the Cipriani and Furukawa targets) use shift 0.
  ``by_step`` remission = remitted at the end of the step / entered it;
  ``cumulative_remission_rate`` = ``1 - prod_k (1 - r_k)`` over the steps' remission rates ``r_k``, the figure Rush et
  al. 2006 report as 67% (it assumes those who left would have remitted at the same rates); with no attrition it
  equals remitted at any step / n exactly. ``cumulative_remission_observed_rate`` = remitted at any step / n.
* Attrition (optional, :data:`STARD_ATTRITION`, used for the STAR*D calibration): at each level a fraction stops the
  drug early for intolerance and leaves the level unremitted (STAR*D moved them on to the next level); of the
  non-remitters a fraction enters the next level, the rest leave the study (fractions from STAR*D's level sizes,
  3671 / 1439 / 390 / 123, and its by-level remission). Remission is then judged on the QIDS-SR16 mapped to PHQ-9
  (:func:`qids_sr_remission_phq9_max`).
* STAR*D-like sequence (:data:`STARD_SEQUENCE`), one switch option per level with the mean doses reported by
  STAR*D: level 1 citalopram (mean ~42 mg), level 2 sertraline (~136 mg), level 3 mirtazapine (~42 mg), level 4
  venlafaxine XR (~210 mg, given with mirtazapine in STAR*D; the twin models venlafaxine alone). Sources: Trivedi et
  al. 2006, Am J Psychiatry 163:28; Rush et al. 2006, Am J Psychiatry 163:1905 (verify doses). When the first step's
  drug repeats a later one, that later step uses bupropion (STAR*D level-2 option, mean ~283 mg) instead.

Patients are processed in chunks of ``chunk_size`` so memory stays bounded for very large ``n``: each PK-dynamics
run is done once per drug for a library of ``n_pk`` PK patients (their lagged signals at the step's final day);
virtual patients sample a library member.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.scenario_limits import PHQ9_REMISSION_MAX_TOTAL, RESPONSE_FRACTION_OF_BASELINE
from novamind_core.twin.dynamics import simulate_dynamics
from novamind_core.twin.exposure import exposure_from_scenario
from novamind_core.twin.params import PopulationParams, default_params, load_population_params
from novamind_core.twin.symptoms import PHQ9_MAX, improvement_fraction, observe, placebo_fraction, sample_patients

STARD_SEQUENCE: tuple[tuple[str, float], ...] = (
    ("citalopram", 40.0), ("sertraline", 150.0), ("mirtazapine", 45.0), ("venlafaxine", 225.0),
)
STARD_ALTERNATIVE: tuple[str, float] = ("bupropion", 300.0)
# Rush et al. 2006, Am J Psychiatry 163:1905 (doi:10.1176/ajp.2006.163.11.1905): patients entering levels 1-4
STARD_LEVEL_SIZES = (3671, 1439, 390, 123)
STARD_QIDS_SR_REMISSION_MAX = 5  # QIDS-SR16 <= 5 defined remission (Rush et al. 2006)


def qids_sr_remission_phq9_max() -> float:
    """PHQ-9 total equivalent to STAR*D's remission cut-off QIDS-SR16 <= 5.

    Both are 0-27 self-reports over the nine DSM-IV symptom domains and link nearly point for point at the low end
    (score linking of the PHQ-9 and the QIDS: Palmer et al. 2024, Neuropsychiatr Dis Treat 20:671,
    doi:10.2147/NDT.S444223; the QIDS-SR16 and QIDS-C16 are interchangeable, Rush et al. 2006 in STAR*D), so
    QIDS-SR16 <= 5 is taken as PHQ-9 <= 5 (one point above the PHQ-9's own remission cut-off of 4). The identity
    link is an approximation: docs/science.md section 16 lists it among the values still to verify.
    """
    return float(STARD_QIDS_SR_REMISSION_MAX)


def _continuation_from_level_sizes(sizes=STARD_LEVEL_SIZES, remission=(0.368, 0.306, 0.137)) -> tuple[float, ...]:
    """Fraction of each level's non-remitters who entered the next level: ``N_{k+1} / (N_k (1 - r_k))``."""
    return tuple(round(sizes[k + 1] / (sizes[k] * (1.0 - remission[k])), 3) for k in range(len(sizes) - 1))


@dataclass(frozen=True)
class StepAttrition:
    """Who leaves a treatment sequence between and within levels (STAR*D-like).

    ``intolerance_fraction[k]``: fraction who stop level ``k``'s drug early for side effects (not remitted there;
    they may go on). ``continuation_fraction[k]``: fraction of level ``k``'s non-remitters who enter level ``k+1``.
    ``remission_phq9_max``: the remission cut-off on the PHQ-9 scale.
    """

    intolerance_fraction: tuple[float, ...]
    continuation_fraction: tuple[float, ...]
    remission_phq9_max: float
    source: str


STARD_ATTRITION = StepAttrition(
    intolerance_fraction=(0.16, 0.20, 0.25, 0.30),
    continuation_fraction=_continuation_from_level_sizes(),  # (0.620, 0.390, 0.365)
    remission_phq9_max=qids_sr_remission_phq9_max(),
    source=("continuation: STAR*D level sizes 3671/1439/390/123 and remission 36.8/30.6/13.7% (Rush et al. 2006, "
            "Am J Psychiatry 163:1905); intolerance: assumed 16-30% exiting each level early, rising by level as "
            "STAR*D's exits for intolerance did (verify per level against Rush et al. 2006, Table 3); remission: "
            "QIDS-SR16 <= 5 mapped to PHQ-9 <= 5"),
)
MAX_STEPS = 4
DEFAULT_CHUNK = 50_000


def step_sequence(drug: str, dose_mg: float | None, steps: int) -> list[tuple[str, float | None]]:
    """Step 1 = the chosen drug; later steps follow :data:`STARD_SEQUENCE` (levels 2..), avoiding repeats."""
    if not 1 <= steps <= MAX_STEPS:
        raise ValidationError(f"steps must be between 1 and {MAX_STEPS}", field="steps", value=steps)
    seq: list[tuple[str, float | None]] = [(drug.lower(), dose_mg)]
    for name, dose in STARD_SEQUENCE[1:steps]:
        seq.append(STARD_ALTERNATIVE if name == drug.lower() else (name, dose))
    return seq


def titrated_steps(drug: str, dose_mg: float | None, n_days: int) -> tuple[list[dict], float]:
    """Scenario steps for ``drug``: the catalogue's start dose, titration step and interval, up to the target.

    Target = ``dose_mg`` or the catalogue's usual minimum therapeutic dose (``usual_min_mg_per_day``).
    Returns (steps, target daily dose in mg).
    """
    from novamind_core.pharmacology import load_catalogue

    d = load_catalogue().get(drug)
    if d.is_placebo or d.dose is None:
        return [], 0.0
    r = d.dose
    target = float(dose_mg) if dose_mg is not None else float(r.usual_min_mg_per_day)
    if target <= 0:
        raise ValidationError("dose_mg must be positive", field="dose_mg", value=dose_mg)
    per_admin = r.interval_h / 24.0
    steps, day, dose = [], 0, min(float(r.start_mg_per_day), target)
    while dose < target and day < n_days and r.titration_step_mg > 0:
        days = int(min(max(round(r.titration_interval_days), 1), n_days - day))
        steps.append({"drug": d.name, "dose_mg": dose * per_admin, "days": days, "interval_h": r.interval_h})
        day += days
        dose = min(dose + float(r.titration_step_mg), target)
    if n_days - day > 0:
        steps.append({"drug": d.name, "dose_mg": target * per_admin, "days": int(n_days - day),
                      "interval_h": r.interval_h})
    return steps, target


@lru_cache(maxsize=64)
def unit_signal_library(drug: str, dose_mg: float | None, n_days: int, n_pk: int = 200,
                        seed: int = 12345) -> np.ndarray:
    """Lagged therapeutic signal with efficacy 1, (n_pk, n_days), for ``drug`` titrated to ``dose_mg``.

    Mechanistic parameters only (not the fitted ones), so calibration can rescale it by a drug's efficacy:
    for one drug ``F = E_drug * lag(s)`` exactly, because the lag is linear.
    """
    if drug in ("placebo", "none"):
        return np.zeros((1, n_days))
    steps, _ = titrated_steps(drug, dose_mg, n_days)
    if not steps:
        return np.zeros((1, n_days))
    params = load_population_params()
    exp = exposure_from_scenario({"name": drug, "steps": steps}, n_days, params, n_pk=n_pk, seed=seed)
    dyn = simulate_dynamics(exp.occupancy_fraction, 1.0, params, efficacy_scale=1.0)
    out = dyn.therapeutic_signal
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class CohortResult:
    """Cohort outcome; ``to_dict()`` is the CLI contract."""

    n: int
    drug: str
    dose_mg: float | None
    weeks: int
    response_rate: float
    remission_rate: float
    mean_change_phq9: float
    sd_change_phq9: float
    by_step: list[dict]
    cumulative_remission_rate: float
    cumulative_remission_observed_rate: float | None = None

    def to_dict(self) -> dict:
        return {"n": self.n, "drug": self.drug, "dose_mg": self.dose_mg, "weeks": self.weeks,
                "response_rate": self.response_rate, "remission_rate": self.remission_rate,
                "mean_change_phq9": self.mean_change_phq9, "sd_change_phq9": self.sd_change_phq9,
                "by_step": self.by_step, "cumulative_remission_rate": self.cumulative_remission_rate,
                "cumulative_remission_observed_rate": self.cumulative_remission_observed_rate}


def simulate_cohort(drug: str, dose_mg: float | None = None, n: int = 1000, weeks: int = 8, steps: int = 1,
                    seed: int = 0, params: PopulationParams | None = None, chunk_size: int = DEFAULT_CHUNK,
                    libraries: dict[str, np.ndarray] | None = None,
                    attrition: StepAttrition | None = None, open_label: bool = False) -> CohortResult:
    """Simulate ``n`` virtual MDD patients through ``steps`` treatment steps of ``weeks`` weeks each (seeded).

    ``libraries`` (drug -> unit signal at the step's final day, (n_pk,)) can be passed to skip the PK engine
    (calibration does); otherwise :func:`unit_signal_library` provides them. ``attrition`` adds intolerance within
    and dropout between steps and its remission cut-off (:data:`STARD_ATTRITION`); ``None``: everyone stays.
    ``open_label``: everyone knows the treatment is active (STAR*D, clinic), so non-specific improvement is larger than
    in a placebo-controlled trial by ``open_label_placebo_logit_shift`` on the logit scale.
    """
    if not 1 <= int(n) <= 10_000_000:
        raise ValidationError("n must be between 1 and 10000000", field="n", value=n)
    if not 1 <= int(weeks) <= 52:
        raise ValidationError("weeks must be between 1 and 52", field="weeks", value=weeks)
    params = params or load_population_params()
    seq = step_sequence(drug, dose_mg, int(steps))
    day = 7 * int(weeks)
    libs = []
    for name, dose in seq:
        if libraries is not None and name in libraries:
            lib = libraries[name]
        else:
            lib = unit_signal_library(name, dose, day + 1)[:, day]
        eff = 0.0 if name in ("placebo", "none") else params.efficacy(name)
        libs.append(np.asarray(lib, float) * eff)

    rng = np.random.default_rng(seed)
    entered = np.zeros(len(seq), dtype=np.int64)
    remitted = np.zeros(len(seq), dtype=np.int64)
    n_resp = n_rem = 0
    s1 = s2 = 0.0
    new_step_placebo = 1.0 - np.exp(-day / params["tau_placebo_days"])
    cut_off = float(PHQ9_REMISSION_MAX_TOTAL) if attrition is None else float(attrition.remission_phq9_max)
    for start in range(0, int(n), int(chunk_size)):
        m = min(int(chunk_size), int(n) - start)
        pts = sample_patients(m, params, rng)
        z = pts.z.copy()
        shift = float(params["open_label_placebo_logit_shift"]) if open_label else 0.0
        boost = np.ones(m)  # remaining fraction after the non-specific improvement of each new step
        active = np.ones(m, dtype=bool)
        for k, lib in enumerate(libs):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            entered[k] += idx.size
            if k > 0:
                z[idx, 2] = rng.standard_normal(idx.size)  # new drug, new drug-specific sensitivity
                boost[idx] *= 1.0 - (params["placebo_attenuation_per_step"] ** k
                                     * _renewed_placebo(z[idx, 0], params, rng, shift) * new_step_placebo)
            f = lib[rng.integers(0, lib.shape[0], idx.size)][:, None]
            if k > 1:  # treatment resistance: each failed adequate trial after the first leaves less responsiveness
                f = f * params["drug_response_retained_per_further_failed_step"] ** (k - 1)
            t = np.array([float(day * (k + 1))])  # time since the first step started
            imp = improvement_fraction(t, f, z[idx], params, placebo_logit_shift=shift)[:, 0]
            y_exp = pts.baseline_phq9[idx] * (1.0 - imp) * boost[idx]
            y_obs = observe(y_exp, params["phq9_observation_sd"], PHQ9_MAX, rng)
            rem = y_obs <= cut_off
            if attrition is not None:
                rem &= rng.random(idx.size) >= attrition.intolerance_fraction[k]  # stopped early: not remitted
            remitted[k] += int(rem.sum())
            if k == 0:
                change = y_obs - pts.baseline_phq9
                n_resp += int((y_obs <= RESPONSE_FRACTION_OF_BASELINE * pts.baseline_phq9).sum())
                n_rem += int(rem.sum())
                s1 += float(change.sum())
                s2 += float((change**2).sum())
            active[idx[rem]] = False
            if attrition is not None and k + 1 < len(libs):
                stay = rng.random(idx.size) < attrition.continuation_fraction[k]
                active[idx[~rem & ~stay]] = False  # left the study before the next level
    mean = s1 / n
    sd = float(np.sqrt(max(s2 / n - mean**2, 0.0) * n / max(n - 1, 1)))
    by_step = [{"step": k + 1, "drug": name, "n_entered": int(entered[k]),
                "remission_rate": round(float(remitted[k] / entered[k]), 4) if entered[k] else None}
               for k, (name, _) in enumerate(seq)]
    return CohortResult(n=int(n), drug=drug, dose_mg=dose_mg, weeks=int(weeks),
                        response_rate=round(n_resp / n, 4), remission_rate=round(n_rem / n, 4),
                        mean_change_phq9=round(mean, 3), sd_change_phq9=round(sd, 3), by_step=by_step,
                        cumulative_remission_rate=round(_cumulative(remitted, entered), 4),
                        cumulative_remission_observed_rate=round(float(remitted.sum()) / n, 4))


def _renewed_placebo(z_placebo: np.ndarray, params: PopulationParams, rng: np.random.Generator,
                     logit_shift: float = 0.0) -> np.ndarray:
    """Non-specific improvement a new treatment step brings: ``expit(m + s z')`` with a fresh latent
    ``z' = rho z_p + sqrt(1 - rho^2) e`` correlated ``rho`` (``placebo_renewal_correlation``) with the patient's own
    placebo responsiveness; ``rho = 1`` repeats the first step's ``p_i``."""
    rho = float(params["placebo_renewal_correlation"])
    if rho >= 1.0:
        return placebo_fraction(z_placebo, params, logit_shift)
    fresh = rho * z_placebo + np.sqrt(max(1.0 - rho * rho, 0.0)) * rng.standard_normal(z_placebo.shape[0])
    return placebo_fraction(fresh, params, logit_shift)


def _cumulative(remitted: np.ndarray, entered: np.ndarray) -> float:
    """``1 - prod_k (1 - remitted_k / entered_k)`` over the steps anyone entered (Rush et al. 2006's 67%)."""
    rates = [r / e for r, e in zip(remitted.tolist(), entered.tolist(), strict=True) if e]
    return float(1.0 - np.prod([1.0 - r for r in rates])) if rates else 0.0


__all__ = ["STARD_ATTRITION", "STARD_SEQUENCE", "CohortResult", "StepAttrition", "qids_sr_remission_phq9_max",
           "default_params", "simulate_cohort", "step_sequence",
           "titrated_steps", "unit_signal_library"]
