"""Training data generated here: a response cohort, PHQ-9 series and actigraphy weeks (all seeded; all synthetic).

Response cohort (adapter over the twin, :mod:`novamind_core.twin`)
-----------------------------------------------------------------
The twin's cohort simulator returns cohort rates, not per-patient rows, so this adapter calls the twin's public
pieces directly: :func:`~novamind_core.twin.symptoms.sample_patients` (baseline PHQ-9/GAD-7 and the latents
``z = (placebo, shared sensitivity, drug-specific sensitivity)``), the pharmacology engine and neurotransmitter
dynamics through :func:`~novamind_core.twin.exposure.exposure_from_scenario` and
:func:`~novamind_core.twin.dynamics.simulate_dynamics` (so CYP2D6/CYP2C19 phenotypes change exposure exactly as in
the twin), :func:`~novamind_core.twin.symptoms.improvement_fraction` and
:func:`~novamind_core.twin.symptoms.observe`. Week-8 outcomes therefore follow the twin's calibrated population
behaviour. What the twin does not have (age, sex, items, episodes, prior failures, sleep metrics) is generated
here and *linked to the latents* so that a model can learn something, with assumed (not evidenced) strengths:

* prior treatment failures ~ Poisson(0.6 exp(-0.5 z_shared)) at entry (resistance lowers sensitivity; the
  direction reported by STAR*D, Rush et al. 2006), plus one per failed step in the simulated sequence;
* previous episodes ~ Poisson(1.2 exp(-0.3 z_placebo));
* item profiles: Dirichlet weights, item 9 (self-harm thoughts) less frequent; items sum exactly to the total;
* the drug-specific latent of drug d is ``0.5 s_d + sqrt(0.75) e`` with ``s_d`` a standardised score of the
  patient's anxiety, insomnia and anhedonia/energy with drug-class weights (:data:`DRUG_PROFILE_WEIGHTS`,
  assumptions for a learnable synthetic signal, *not* clinical evidence); its marginal stays N(0, 1), so the
  twin's calibration is unchanged;
* nightly sleep from the PHQ-9 sleep item; 30% of patients have no actigraphy (NaN), 20% no genotype (NaN);
* phenotype frequencies (approximate, European ancestry; CPIC frequency tables, PharmGKB, verify):
  CYP2D6 PM 6%, IM 28%, NM 63%, UM 3%; CYP2C19 PM 2%, IM 26%, NM 40%, RM 27%, UM 5%.

Each virtual patient enters on a random drug; non-remitters at week 8 move to another random drug for up to
``max_steps`` steps (placebo part attenuated per step as in the twin's STAR*D-like cohort). Rows of one patient are
correlated, which is what the grouped split and the leakage guard are for.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from novamind_core.ml.features import (
    CANDIDATE_DRUGS,
    PHENOTYPE_ORDINAL,
    REMISSION_MAX_PHQ9,
    drug_one_hot,
    response_feature_names,
)

PHENOTYPE_FREQUENCIES: dict[str, dict[str, float]] = {
    "CYP2D6": {"PM": 0.06, "IM": 0.28, "NM": 0.63, "RM": 0.0, "UM": 0.03},
    "CYP2C19": {"PM": 0.02, "IM": 0.26, "NM": 0.40, "RM": 0.27, "UM": 0.05},
}
"""Approximate phenotype frequencies, European ancestry (CPIC/PharmGKB frequency tables; verify)."""

DRUG_PROFILE_WEIGHTS: dict[str, tuple[float, float, float]] = {
    # (anxiety, insomnia, anhedonia+energy) -> drug-specific sensitivity; assumed directions, not evidence
    "sertraline": (0.3, 0.0, -0.3), "escitalopram": (0.4, 0.0, -0.3), "citalopram": (0.3, 0.0, -0.3),
    "fluoxetine": (0.1, -0.3, -0.1), "paroxetine": (0.4, 0.2, -0.3), "venlafaxine": (0.4, -0.1, 0.1),
    "desvenlafaxine": (0.3, -0.1, 0.1), "duloxetine": (0.4, 0.0, 0.1), "bupropion": (-0.5, -0.3, 0.6),
    "mirtazapine": (0.2, 0.7, -0.1), "vortioxetine": (0.2, 0.0, 0.2),
}
LATENT_LINK = 0.5
"""Correlation between the drug-specific latent and the patient's profile score (assumed)."""
OUTCOME_DAY = 56  # week 8


@dataclass(frozen=True)
class ResponseDataset:
    """Rows x features with outcomes and patient groups (``synthetic`` says where the rows came from)."""

    X: np.ndarray
    feature_names: tuple[str, ...]
    y: np.ndarray  # (n, 2): response, remission at week 8
    groups: np.ndarray
    drugs: tuple[str, ...]
    phq9_week8: np.ndarray
    synthetic: bool
    description: str

    @property
    def n_patients(self) -> int:
        return int(np.unique(self.groups).size)


def _allocate_items(totals: np.ndarray, n_items: int, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Integer items 0-3 summing exactly to ``totals`` (n,), one unit at a time by Gumbel-max on log weights."""
    n = totals.size
    items = np.zeros((n, n_items), dtype=np.int64)
    logw = np.log(weights)
    rows = np.arange(n)
    for _ in range(3 * n_items):  # at most 27 units; vectorised over patients
        need = items.sum(axis=1) < totals
        if not need.any():
            break
        score = logw + rng.gumbel(size=logw.shape)
        score[items >= 3] = -np.inf
        pick = np.argmax(score, axis=1)
        items[rows[need], pick[need]] += 1
    return items


def _sample_items(totals: np.ndarray, n_items: int, rng: np.random.Generator, last_item_weight: float = 1.0
                  ) -> np.ndarray:
    alpha = np.full(n_items, 3.0)
    alpha[-1] *= last_item_weight
    weights = rng.dirichlet(alpha, size=totals.size)
    return _allocate_items(np.clip(np.round(totals), 0, 3 * n_items).astype(np.int64), n_items, weights, rng)


def _phenotypes(enzyme: str, n: int, rng: np.random.Generator) -> np.ndarray:
    freq = PHENOTYPE_FREQUENCIES[enzyme]
    names = list(freq)
    p = np.array([freq[k] for k in names])
    return np.array(names)[rng.choice(len(names), size=n, p=p / p.sum())]


@lru_cache(maxsize=256)
def _signal_at_week8(drug: str, cyp2d6: str, cyp2c19: str, n_pk: int = 64, seed: int = 12345) -> np.ndarray:
    """The twin's lagged therapeutic signal at day 56 (n_pk,) for ``drug`` titrated to its usual dose, for a
    phenotype (efficacy 1: the drug's calibrated efficacy is applied by the caller)."""
    from novamind_core.twin.cohort import titrated_steps
    from novamind_core.twin.dynamics import simulate_dynamics
    from novamind_core.twin.exposure import exposure_from_scenario
    from novamind_core.twin.params import load_population_params

    steps, _ = titrated_steps(drug, None, OUTCOME_DAY + 1)
    params = load_population_params()
    exp = exposure_from_scenario({"name": drug, "steps": steps, "cyp2d6": cyp2d6, "cyp2c19": cyp2c19},
                                 OUTCOME_DAY + 1, params, n_pk=n_pk, seed=seed)
    dyn = simulate_dynamics(exp.occupancy_fraction, 1.0, params, efficacy_scale=1.0)
    return np.asarray(dyn.therapeutic_signal[:, OUTCOME_DAY], float)


def _relevant_enzyme(drug: str) -> str | None:
    from novamind_core.pharmacology import load_catalogue

    d = load_catalogue().get(drug)
    if d.pgx is None or len(set(d.pgx.exposure_multiplier.values())) <= 1:
        return None
    return d.pgx.enzyme


def _standardise(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / (sd if sd > 0 else 1.0)


def synthetic_response_cohort(n_patients: int = 4000, seed: int = 0, max_steps: int = 3,
                              drugs: tuple[str, ...] = CANDIDATE_DRUGS) -> ResponseDataset:
    """Per-row baseline features and week-8 outcomes for ``n_patients`` virtual patients (1-``max_steps`` rows each).

    Vectorised over patients; the loop is over treatment steps (at most ``max_steps``).
    """
    from novamind_core.twin.params import load_population_params
    from novamind_core.twin.symptoms import PHQ9_MAX, improvement_fraction, observe, sample_patients

    params = load_population_params()
    rng = np.random.default_rng(seed)
    n = int(n_patients)
    pts = sample_patients(n, params, rng)
    z = pts.z
    age = np.clip(rng.normal(42.0, 13.0, n), 18, 80)
    female = (rng.random(n) < 0.63).astype(float)  # women ~ 2/3 of MDD trial participants (assumed)
    episodes = np.minimum(rng.poisson(1.2 * np.exp(-0.3 * z[:, 0])), 10)
    failures0 = np.minimum(rng.poisson(0.6 * np.exp(-0.5 * z[:, 1])), 3)
    cyp2d6 = _phenotypes("CYP2D6", n, rng)
    cyp2c19 = _phenotypes("CYP2C19", n, rng)
    has_geno = rng.random(n) >= 0.2
    has_sleep = rng.random(n) >= 0.3
    gad_items = _sample_items(pts.baseline_gad7, 7, rng)
    gad_total = gad_items.sum(axis=1).astype(float)
    y_start = pts.baseline_phq9.copy()
    active = np.ones(n, bool)
    tried = np.zeros((n, len(drugs)), bool)
    eff = np.array([params.efficacy(d) for d in drugs])
    enzymes = [_relevant_enzyme(d) for d in drugs]
    t = np.array([float(OUTCOME_DAY)])
    blocks = []
    for step in range(max_steps):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        m = idx.size
        y0 = np.clip(np.round(y_start[idx]), 0, PHQ9_MAX).astype(np.int64)
        phq_items = _sample_items(y0.astype(float), 9, rng, last_item_weight=0.3)
        y0f = phq_items.sum(axis=1).astype(float)
        # choose a drug not tried before
        score = rng.random((m, len(drugs)))
        score[tried[idx]] = -1.0
        d_idx = np.argmax(score, axis=1)
        tried[idx, d_idx] = True
        # sleep metrics from the PHQ-9 sleep item (item 3)
        sleep_item = phq_items[:, 2].astype(float)
        tst = np.clip(420 - 25 * (sleep_item - 1.5) + rng.normal(0, 40, m), 180, 660)
        se = np.clip(88 - 4 * (sleep_item - 1.5) + rng.normal(0, 4, m), 50, 99)
        # drug-specific latent linked to the profile
        anx = _standardise(gad_total[idx])
        ins = _standardise(sleep_item)
        anh = _standardise(phq_items[:, 0] + phq_items[:, 3].astype(float))
        w = np.array([DRUG_PROFILE_WEIGHTS.get(drugs[j], (0.0, 0.0, 0.0)) for j in d_idx])
        s = w[:, 0] * anx + w[:, 1] * ins + w[:, 2] * anh
        s = s / np.sqrt(np.maximum((w**2).sum(axis=1), 1e-9))
        z_step = z[idx].copy()
        z_step[:, 2] = LATENT_LINK * s + np.sqrt(1 - LATENT_LINK**2) * rng.standard_normal(m)
        # therapeutic signal at week 8 through the twin's PK/dynamics for the patient's phenotype
        f = np.empty(m)
        for j in np.unique(d_idx):
            rows = np.flatnonzero(d_idx == j)
            enz = enzymes[j]
            phen = (cyp2d6 if enz == "CYP2D6" else cyp2c19)[idx[rows]] if enz else np.full(rows.size, "NM")
            for ph in np.unique(phen):
                sel = rows[phen == ph]
                lib = _signal_at_week8(drugs[j], ph if enz == "CYP2D6" else "NM", ph if enz == "CYP2C19" else "NM")
                f[sel] = lib[rng.integers(0, lib.size, sel.size)] * eff[j]
        scale = params["placebo_attenuation_per_step"] ** step
        imp = improvement_fraction(t, f[:, None], z_step, params, placebo_scale=scale)[:, 0]
        y_exp = y0f * (1.0 - imp)
        y_obs = observe(y_exp, params["phq9_observation_sd"], PHQ9_MAX, rng)
        response = y_obs <= 0.5 * y0f
        remission = y_obs <= REMISSION_MAX_PHQ9
        geno = has_geno[idx]
        sleep_ok = has_sleep[idx]
        base = np.column_stack([
            age[idx], female[idx], phq_items, gad_items[idx], y0f, gad_total[idx], episodes[idx],
            failures0[idx] + step, (gad_total[idx] >= 10).astype(float),
            np.where(sleep_ok, np.round(tst), np.nan), np.where(sleep_ok, np.round(se, 1), np.nan),
            np.where(geno, [PHENOTYPE_ORDINAL[p] for p in cyp2d6[idx]], np.nan),
            np.where(geno, [PHENOTYPE_ORDINAL[p] for p in cyp2c19[idx]], np.nan),
        ])
        X = np.column_stack([base, drug_one_hot(d_idx, len(drugs))])
        blocks.append((X, np.column_stack([response, remission]).astype(float), idx, y_obs))
        y_start = y_start.copy()
        y_start[idx] = observe(y_exp, params["phq9_observation_sd"], PHQ9_MAX, rng)
        active[idx[remission]] = False
    X = np.concatenate([b[0] for b in blocks])
    y = np.concatenate([b[1] for b in blocks])
    groups = np.concatenate([b[2] for b in blocks])
    wk8 = np.concatenate([b[3] for b in blocks])
    desc = (f"synthetic: {n} virtual MDD patients from the twin's population model (calibrated="
            f"{params.calibrated}), {X.shape[0]} treatment courses of 8 weeks over up to {max_steps} steps, "
            f"seed {seed}; features partly linked to the twin's latents by assumption")
    return ResponseDataset(X, tuple(response_feature_names(drugs)), y, groups, tuple(drugs), wk8, True, desc)


# ----------------------------------------------------------------------------------------------- PHQ-9 series
SERIES_WEEKS = 26
ADHERENCE_LEVELS = (0.5, 0.7, 0.85, 1.0)
"""Adherence bins at which the twin's exposure is simulated (the patient's mean adherence is rounded to one)."""


@dataclass(frozen=True)
class PHQ9Series:
    """Weekly histories of virtual patients (week 0 = presentation); NaN = not measured that week.

    ``phq9_complete`` holds every week's observed-with-error score (the generator's truth for targets);
    ``phq9`` has the missing weeks blanked (what a clinic would have).
    """

    phq9: np.ndarray            # (n, W) observed PHQ-9 with NaN where not assessed
    phq9_complete: np.ndarray   # (n, W)
    drug: np.ndarray            # (n, W) current drug name or "none"
    med_change: np.ndarray      # (n, W) 1 in the week a drug starts or switches
    adherence: np.ndarray       # (n, W) fraction of doses taken that week (0 when no drug)
    sleep_min: np.ndarray       # (n, W) weekly mean total sleep (min), NaN without a wearable
    steps_per_day: np.ndarray   # (n, W) weekly mean daily steps, NaN without a wearable
    start_week: np.ndarray      # (n,) first drug's start
    switch_week: np.ndarray     # (n,) switch week or -1
    mean_adherence: np.ndarray  # (n,)
    cyp2d6: np.ndarray
    cyp2c19: np.ndarray
    description: str

    @property
    def n(self) -> int:
        return int(self.phq9.shape[0])

    def medication_steps(self, i: int, until_week: int) -> list[dict]:
        """Patient ``i``'s medications from day 0 to ``until_week`` in the twin's scenario step format."""
        from novamind_core.twin.cohort import titrated_steps

        steps: list[dict] = []
        w = 0
        while w < until_week:
            name = str(self.drug[i, w])
            end = w
            while end < until_week and self.drug[i, end] == name:
                end += 1
            days = int(7 * (end - w))
            if name == "none":
                steps.append({"drug": "none", "days": days})
            else:
                steps.extend(titrated_steps(name, None, days)[0])
            w = end
        return steps


@lru_cache(maxsize=128)
def _signal_course(drug: str, adherence: float, n_days: int, n_pk: int = 32, seed: int = 777) -> np.ndarray:
    """The twin's lagged therapeutic signal (n_pk, n_days) from starting ``drug`` (titrated) at day 0."""
    from novamind_core.twin.cohort import titrated_steps
    from novamind_core.twin.dynamics import simulate_dynamics
    from novamind_core.twin.exposure import exposure_from_scenario
    from novamind_core.twin.params import load_population_params

    params = load_population_params()
    steps, _ = titrated_steps(drug, None, n_days)
    exp = exposure_from_scenario({"name": drug, "steps": steps, "adherence": adherence, "seed": seed}, n_days, params,
                                 n_pk=n_pk, seed=seed)
    dyn = simulate_dynamics(exp.occupancy_fraction, 1.0, params, efficacy_scale=1.0)
    return np.asarray(dyn.therapeutic_signal, float) * params.efficacy(drug)


def synthetic_phq9_series(n_series: int = 2000, seed: int = 0, n_weeks: int = SERIES_WEEKS,
                          drugs: tuple[str, ...] = CANDIDATE_DRUGS, missing_fraction: float = 0.25,
                          wearable_fraction: float = 0.6) -> PHQ9Series:
    """Weekly PHQ-9 courses from the twin's symptom model with drug starts, switches, adherence and biometrics.

    Per patient: the first drug starts at week 0-4; 30% switch to another drug at week 6-10; mean adherence
    ~ Beta(8, 2) (mean 0.8; non-adherence is common, e.g. ~25-50% in depression, Sansone & Sansone 2012,
    Innov Clin Neurosci 9:41), rounded to :data:`ADHERENCE_LEVELS` for the twin's exposure and reported weekly
    with noise. Scores follow ``y0 (1 - I(t))`` from :func:`~novamind_core.twin.symptoms.improvement_fraction`
    with ``t`` from week 0; the drug signal after a switch is the new drug's from its start (carry-over of the
    old drug ignored). ``missing_fraction`` of weeks after week 0 are not assessed. Wearable patients
    (``wearable_fraction``) get weekly sleep ``420 - 4 (PHQ9 - 12) + N(0, 20)`` min and steps
    ``7000 - 150 (PHQ9 - 12) + N(0, 800)`` (assumed slopes, direction as in e.g. Difrancesco et al. 2019).
    """
    from novamind_core.twin.params import load_population_params
    from novamind_core.twin.symptoms import PHQ9_MAX, improvement_fraction, observe, sample_patients

    params = load_population_params()
    rng = np.random.default_rng(seed)
    n, W = int(n_series), int(n_weeks)
    n_days = 7 * W + 1
    pts = sample_patients(n, params, rng)
    start = rng.integers(0, 5, n)
    switch = np.where(rng.random(n) < 0.3, rng.integers(6, 11, n), -1)
    d1 = rng.integers(0, len(drugs), n)
    d2 = (d1 + rng.integers(1, len(drugs), n)) % len(drugs)
    mean_adh = rng.beta(8.0, 2.0, n)
    levels = np.asarray(ADHERENCE_LEVELS)
    adh_level = levels[np.argmin(np.abs(mean_adh[:, None] - levels[None, :]), axis=1)]
    days = np.arange(n_days)
    F = np.zeros((n, n_days))
    # one twin exposure per (drug, adherence level); patients share it through a random PK library member
    for j, dname in enumerate(drugs):
        for lvl in levels:
            lib = _signal_course(dname, float(lvl), n_days)
            for which, col, begin in ((0, d1, start), (1, d2, switch)):
                sel = np.flatnonzero((col == j) & (adh_level == lvl) & (begin >= 0))
                if sel.size == 0:
                    continue
                pk = lib[rng.integers(0, lib.shape[0], sel.size)]
                t0 = 7 * begin[sel]
                rel = days[None, :] - t0[:, None]
                val = np.take_along_axis(pk, np.clip(rel, 0, n_days - 1), axis=1)
                if which == 0:
                    end = np.where(switch[sel] >= 0, 7 * switch[sel], n_days)
                    mask = (rel >= 0) & (days[None, :] < end[:, None])
                else:
                    mask = rel >= 0
                F[sel] = np.where(mask, val, F[sel])
    week_days = 7 * np.arange(W)
    imp = np.empty((n, W))
    # improvement_fraction takes one time grid for all patients: evaluate per week column
    imp = improvement_fraction(week_days.astype(float), F[:, week_days], pts.z, params)
    y_exp = pts.baseline_phq9[:, None] * (1.0 - imp)
    complete = np.round(observe(y_exp, params["phq9_observation_sd"], PHQ9_MAX, rng))
    observed = complete.copy()
    miss = rng.random((n, W)) < missing_fraction
    miss[:, 0] = False
    observed[miss] = np.nan
    weeks = np.arange(W)[None, :]
    on1 = (weeks >= start[:, None]) & ((switch[:, None] < 0) | (weeks < switch[:, None]))
    on2 = (switch[:, None] >= 0) & (weeks >= switch[:, None])
    names = np.array([*drugs, "none"])
    drug = np.where(on1, names[d1][:, None], np.where(on2, names[d2][:, None], "none"))
    change = ((weeks == start[:, None]) | (weeks == switch[:, None])).astype(float)
    adherence = np.where(drug != "none", np.clip(mean_adh[:, None] + rng.normal(0, 0.08, (n, W)), 0, 1), 0.0)
    wear = rng.random(n) < wearable_fraction
    sleep = np.where(wear[:, None], 420 - 4 * (complete - 12) + rng.normal(0, 20, (n, W)), np.nan)
    steps = np.where(wear[:, None], 7000 - 150 * (complete - 12) + rng.normal(0, 800, (n, W)), np.nan)
    desc = (f"synthetic: {n} virtual patients x {W} weekly PHQ-9 (twin symptom model, calibrated="
            f"{params.calibrated}), drug starts/switches, adherence, wearable sleep/steps for {wearable_fraction:.0%}, "
            f"{missing_fraction:.0%} of weekly assessments missing, seed {seed}")
    return PHQ9Series(observed, complete, drug, change, adherence, sleep, steps, start, switch, mean_adh,
                      _phenotypes("CYP2D6", n, rng), _phenotypes("CYP2C19", n, rng), desc)


# ------------------------------------------------------------------------------------------- actigraphy weeks
MINUTES_PER_WEEK = 7 * 1440


@dataclass(frozen=True)
class ActigraphyWeeks:
    """One week of minute counts per row (n, 10080) and a sleep/circadian disturbance label (n,)."""

    counts: np.ndarray
    label: np.ndarray
    severity: np.ndarray
    episode_days: np.ndarray
    description: str
    groups: np.ndarray | None = None  # wearer of each week (None: one wearer per week)


def synthetic_actigraphy_weeks(n_weeks: int = 600, seed: int = 0) -> ActigraphyWeeks:
    """Weeks from :func:`novamind_core.biometrics.synthetic.synthetic_actigraphy` with a disturbance label.

    Each week belongs to a different virtual wearer (waking mean 300-700 counts/min, 0-3 non-wear gaps a week).
    40%: a depressive-episode disruption over 3-7 consecutive days at severity U(0.3, 1) -> label 1;
    20%: a subthreshold disruption (1-2 days, or severity U(0.05, 0.3)) -> label 0; 40%: undisturbed -> label 0.
    The label is "sleep/circadian disturbance present on at least 3 days at severity >= 0.3", a property of
    the generator, not a diagnosis.
    """
    from novamind_core.biometrics.synthetic import synthetic_actigraphy

    rng = np.random.default_rng(seed)
    n = int(n_weeks)
    counts = np.empty((n, MINUTES_PER_WEEK), np.float32)
    label = np.zeros(n, np.int64)
    severity = np.zeros(n)
    ep_days = np.zeros(n, np.int64)
    kind = rng.choice(3, size=n, p=[0.4, 0.2, 0.4])
    for i in range(n):  # the generator makes one wearer at a time; ~10 ms each
        if kind[i] == 0:
            length, sev = int(rng.integers(3, 8)), float(rng.uniform(0.3, 1.0))
        elif kind[i] == 1:
            if rng.random() < 0.5:
                length, sev = int(rng.integers(1, 3)), float(rng.uniform(0.3, 1.0))
            else:
                length, sev = int(rng.integers(3, 8)), float(rng.uniform(0.05, 0.3))
        else:
            length, sev = 0, 0.0
        first = int(rng.integers(0, 8 - length)) if length else 0
        episode = ((first, first + length - 1),) if length else None
        week = synthetic_actigraphy(7, seed=rng, episode_days=episode, episode_severity=sev,
                                    wake_mean_counts=float(rng.uniform(300, 700)),
                                    nonwear_per_week=float(rng.uniform(0, 3)))
        counts[i] = week.counts.to_numpy(np.float32)
        label[i] = int(length >= 3 and sev >= 0.3)
        severity[i], ep_days[i] = sev, length
    desc = (f"synthetic: {n} one-week minute-level recordings (novamind_core.biometrics.synthetic generator), "
            f"{label.mean():.0%} with a sleep/circadian disturbance label, seed {seed}")
    return ActigraphyWeeks(counts, label, severity, ep_days, desc)
