"""Symptom response model: PHQ-9 and GAD-7 trajectories under drug, placebo, natural course and psychotherapy.

For virtual patient ``i`` at day ``t`` (``t`` counted from the start of the current treatment course):

    P_i(t)   = p_i * c_step * (1 - exp(-t / tau_p))            non-specific (placebo), p_i = expit(m + s z_p)
    N(t)     = n_max * (1 - exp(-t / tau_n))                   natural course (slow spontaneous improvement)
    Dr_i(t)  = 1 - exp(-k_i * F_i(t))                          drug, F = lagged therapeutic signal (dynamics module)
    Psy(t)   = psy_max * (1 - exp(-t / tau_psy))               psychotherapy, when the scenario includes it
    I_i(t)   = 1 - (1 - P)(1 - N)(1 - Dr)(1 - Psy)             improvement fraction, 0 <= I < 1
    PHQ9_i(t) = y0_i * (1 - I_i(t));   GAD7_i(t) = g0_i * (1 - r_gad * I_i(t))

``k_i = exp(mu + sd_shared * z_a + sd_drug * z_b)``: a patient-level sensitivity shared across drugs and a
drug-specific part (fresh for each new drug). An observed score adds measurement error (SEM from each instrument's
test-retest reliability) and is clipped to the instrument range (PHQ-9 0-27, GAD-7 0-21). Because every factor is a
fraction in [0, 1), the expected scores stay inside the range by construction. Parameters and sources:
:mod:`novamind_core.twin.params`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from novamind_core.twin.params import PopulationParams

PHQ9_MAX, GAD7_MAX = 27.0, 21.0
N_LATENT = 3  # z_placebo, z_shared, z_drug


@dataclass(frozen=True)
class VirtualPatients:
    """Per-patient parameters (arrays of length n): baselines and standard-normal latents."""

    baseline_phq9: np.ndarray
    baseline_gad7: np.ndarray
    z: np.ndarray  # (n, 3): placebo, shared drug sensitivity, drug-specific sensitivity

    @property
    def n(self) -> int:
        return int(self.baseline_phq9.shape[0])

    def take(self, index: np.ndarray) -> VirtualPatients:
        return VirtualPatients(self.baseline_phq9[index], self.baseline_gad7[index], self.z[index])


def sample_baseline_phq9(n: int, params: PopulationParams, rng: np.random.Generator) -> np.ndarray:
    """Baseline PHQ-9 of a trial-like MDD cohort: normal(mean, sd) truncated to [entry minimum, 27]."""
    from novamind_core.twin.sampling import truncnorm_rvs  # scipy.stats' algorithm without its 0.8 s import

    m, s, lo = params["baseline_phq9_mean"], params["baseline_phq9_sd"], params["baseline_phq9_min"]
    return truncnorm_rvs((lo - m) / s, (PHQ9_MAX - m) / s, loc=m, scale=s, size=n, rng=rng)


def sample_patients(n: int, params: PopulationParams, rng: np.random.Generator,
                    baseline_phq9: float | None = None, baseline_gad7: float | None = None) -> VirtualPatients:
    """Draw ``n`` virtual patients from the population prior (baselines given -> used for everyone)."""
    y0 = np.full(n, float(baseline_phq9)) if baseline_phq9 is not None else sample_baseline_phq9(n, params, rng)
    if baseline_gad7 is not None:
        g0 = np.full(n, float(baseline_gad7))
    else:
        from novamind_core.twin.sampling import truncnorm_rvs

        m, s = params["baseline_gad7_mean"], params["baseline_gad7_sd"]
        g0 = truncnorm_rvs(-m / s, (GAD7_MAX - m) / s, loc=m, scale=s, size=n, rng=rng)
    return VirtualPatients(np.asarray(y0, float), np.asarray(g0, float), rng.standard_normal((n, N_LATENT)))


def placebo_fraction(z_placebo: np.ndarray, params: PopulationParams, logit_shift: float = 0.0) -> np.ndarray:
    """Maximum non-specific improvement fraction ``expit(m + shift + s z)``.

    ``logit_shift`` is 0 in a placebo-controlled trial; an open-label course (everyone knows the drug is active, as in
    STAR*D and in clinic) adds ``open_label_placebo_logit_shift``.
    """
    from novamind_core.twin.sampling import expit  # scipy.special's arithmetic without its import

    return expit(params["placebo_logit_mean"] + logit_shift + params["placebo_logit_sd"] * z_placebo)


def drug_sensitivity(z_shared: np.ndarray, z_drug: np.ndarray, params: PopulationParams) -> np.ndarray:
    """``k = exp(mu + sd_shared z_a + sd_drug z_b)`` (dimensionless)."""
    return np.exp(params["drug_sensitivity_log_mean"] + params["drug_sensitivity_shared_sd"] * z_shared
                  + params["drug_sensitivity_drug_sd"] * z_drug)


def improvement_fraction(t_days: np.ndarray, therapeutic_signal: np.ndarray, z: np.ndarray, params: PopulationParams,
                         psychotherapy: bool = False, placebo_scale: float = 1.0,
                         placebo_logit_shift: float = 0.0) -> np.ndarray:
    """Improvement fraction I (n, T) at days ``t_days`` (T,) given the lagged signal F (n, T) and latents z (n, 3)."""
    t = np.maximum(np.asarray(t_days, dtype=float), 0.0)[None, :]
    p_i = placebo_scale * placebo_fraction(z[:, 0], params, placebo_logit_shift)[:, None]
    placebo = p_i * (1.0 - np.exp(-t / params["tau_placebo_days"]))
    natural = params["natural_course_fraction"] * (1.0 - np.exp(-t / params["tau_natural_course_days"]))
    k = drug_sensitivity(z[:, 1], z[:, 2], params)[:, None]
    drug = 1.0 - np.exp(-k * np.maximum(therapeutic_signal, 0.0))
    remaining = (1.0 - placebo) * (1.0 - natural) * (1.0 - drug)
    if psychotherapy:
        remaining = remaining * (1.0 - params["psychotherapy_fraction"]
                                 * (1.0 - np.exp(-t / params["tau_psychotherapy_days"])))
    return 1.0 - remaining


def expected_scores(improvement: np.ndarray, patients: VirtualPatients,
                    params: PopulationParams) -> tuple[np.ndarray, np.ndarray]:
    """Expected (noise-free) PHQ-9 and GAD-7 (n, T) from the improvement fraction."""
    phq9 = patients.baseline_phq9[:, None] * (1.0 - improvement)
    gad7 = patients.baseline_gad7[:, None] * (1.0 - params["gad7_improvement_ratio"] * improvement)
    return phq9, gad7


def observe(expected: np.ndarray, sd_points: float, maximum: float, rng: np.random.Generator) -> np.ndarray:
    """An observed score: expected + N(0, SEM), clipped to [0, maximum] (continuous, not rounded)."""
    return np.clip(expected + rng.normal(0.0, sd_points, size=expected.shape), 0.0, maximum)


PHQ9_ITEM_DOMAINS: dict[str, tuple[int, ...]] = {
    # PHQ-9 item order (Kroenke et al. 2001): 1 anhedonia, 2 depressed mood, 3 sleep, 4 energy, 5 appetite,
    # 6 worthlessness, 7 concentration, 8 psychomotor, 9 thoughts of self-harm.
    "anhedonia": (0,), "depressed_mood": (1, 5), "sleep": (2,), "energy": (3,), "concentration": (6,),
}


def predict_items(baseline_items: list[int] | np.ndarray, improvement: np.ndarray) -> np.ndarray:
    """Expected item scores (n, T, n_items) assuming every item improves by the same fraction (0-3 per item)."""
    items = np.asarray(baseline_items, dtype=float)
    return np.clip(items[None, None, :] * (1.0 - improvement[..., None]), 0.0, 3.0)
