"""Bridge from the pharmacology engine (step 3) to the twin: daily occupancy and the drug-efficacy mix.

The twin runs on a daily grid. :func:`exposure_from_scenario` asks :func:`novamind_core.pharmacology.simulate_pk`
for concentrations and occupancies every ``PK_STEP_H`` hours for a batch of ``n_pk`` virtual PK patients and
averages them per day. Drugs on board are mixed into one efficacy scale

    eff(t) = sum_d w_d(t) E_d / sum_d w_d(t),   w_d(t) = c_d(t) / max_t c_d(t)   (per PK patient)

so that after a switch the new drug's fitted efficacy takes over as the old one washes out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from novamind_core.domain.errors import ValidationError
from novamind_core.twin.dynamics import TARGETS
from novamind_core.twin.params import PopulationParams

PK_STEP_H = 3.0  # sampling step for the PK engine; occupancy is averaged per day (8 samples)
TWIN_SCENARIO_KEYS = ("horizon_weeks", "psychotherapy", "baseline_phq9", "baseline_gad7")
MAX_HORIZON_WEEKS = 52


@dataclass(frozen=True)
class Exposure:
    """Daily exposure for ``n_pk`` PK patients: occupancy fractions per target and efficacy scale, (n_pk, n_days)."""

    n_days: int
    occupancy_fraction: dict[str, np.ndarray]
    efficacy_scale: np.ndarray
    drugs: tuple[str, ...] = ()
    pk: object | None = None
    times_h: np.ndarray | None = None
    warnings: list = field(default_factory=list)
    dose_guidance: list = field(default_factory=list)

    @property
    def n_pk(self) -> int:
        return int(self.efficacy_scale.shape[0])


def no_drug_exposure(n_days: int, n_pk: int = 1) -> Exposure:
    """All occupancies zero (placebo / drug-free course)."""
    zeros = np.zeros((n_pk, n_days))
    return Exposure(n_days, {t: zeros for t in TARGETS}, np.ones((n_pk, n_days)))


def daily_mean(x: np.ndarray, n_days: int) -> np.ndarray:
    """Mean per day of samples taken every ``PK_STEP_H`` hours from t=0: (P, n_days*k) -> (P, n_days)."""
    k = int(round(24.0 / PK_STEP_H))
    x = np.asarray(x, dtype=float)
    return x[:, : n_days * k].reshape(x.shape[0], n_days, k).mean(axis=-1)


def efficacy_mix(concentrations: dict[str, np.ndarray], params: PopulationParams) -> np.ndarray | None:
    """Efficacy scale (P, T) from daily concentrations of the catalogue drugs with a fitted efficacy."""
    num = den = None
    for name, c in concentrations.items():
        if name not in params.drug_efficacy:
            continue  # metabolites and the active moiety follow their parent's weight
        c = np.asarray(c, dtype=float)
        w = c / np.maximum(c.max(axis=-1, keepdims=True), 1e-12)
        num = w * params.efficacy(name) if num is None else num + w * params.efficacy(name)
        den = w if den is None else den + w
    if num is None:
        return None
    mean_eff = params.efficacy("__mean__")
    return np.where(den > 1e-9, num / np.maximum(den, 1e-12), mean_eff)


def split_scenario(scenario: dict) -> tuple[dict, dict]:
    """Split a twin scenario into the pharmacology part (step 3 format) and the twin's own keys (validated)."""
    if not isinstance(scenario, dict):
        raise ValidationError("a scenario must be a JSON object", field="scenario")
    pharm = {k: v for k, v in scenario.items() if k not in TWIN_SCENARIO_KEYS}
    twin = {k: scenario[k] for k in TWIN_SCENARIO_KEYS if k in scenario}
    horizon = twin.get("horizon_weeks", 12)
    if not isinstance(horizon, int | float) or isinstance(horizon, bool) or not 1 <= horizon <= MAX_HORIZON_WEEKS:
        raise ValidationError(f"horizon_weeks must be between 1 and {MAX_HORIZON_WEEKS}, got {horizon!r}",
                              field="horizon_weeks", value=horizon)
    twin["horizon_weeks"] = int(horizon)
    twin["psychotherapy"] = bool(twin.get("psychotherapy", False))
    for key, hi in (("baseline_phq9", 27), ("baseline_gad7", 21)):
        if key in twin and not (isinstance(twin[key], int | float) and 0 <= twin[key] <= hi):
            raise ValidationError(f"{key} must be between 0 and {hi}", field=key, value=twin[key])
    return pharm, twin


def scenario_drugs(pharm_scenario: dict) -> tuple[str, ...]:
    """Names of the drugs in a scenario's steps, in order of first use (``none`` and placebo excluded)."""
    out: list[str] = []
    for step in pharm_scenario.get("steps", []) or []:
        d = str(step.get("drug", "none")).lower() if isinstance(step, dict) else "none"
        if d not in ("none", "placebo") and d not in out:
            out.append(d)
    return tuple(out)


def exposure_from_scenario(pharm_scenario: dict, n_days: int, params: PopulationParams, n_pk: int = 100,
                           seed: int = 0) -> Exposure:
    """Run the pharmacology engine on a step-3 scenario over ``n_days`` days for ``n_pk`` PK patients."""
    drugs = scenario_drugs(pharm_scenario)
    if not drugs:
        return no_drug_exposure(n_days, 1)
    from novamind_core import pharmacology as ph  # step 3 engine; imported lazily

    scenario = ph.parse_scenario(pharm_scenario)
    times_h = np.arange(0.0, n_days * 24.0, PK_STEP_H)
    pk = ph.simulate_pk(scenario, times_h, n_patients=n_pk, seed=seed,
                        cyp2d6=pharm_scenario.get("cyp2d6", "NM"), cyp2c19=pharm_scenario.get("cyp2c19", "NM"))
    occ = {t: daily_mean(np.asarray(v, float) / 100.0, n_days) for t, v in pk.occupancy_percent.items()}
    conc = {d: daily_mean(v, n_days) for d, v in pk.concentration_ng_ml.items()}
    eff = efficacy_mix(conc, params)
    if eff is None:
        eff = np.full((n_pk, n_days), params.efficacy("__mean__"))
    warnings = [_as_dict(w) for w in getattr(pk, "warnings", []) or []]
    guidance = _guidance(ph, scenario, pharm_scenario, drugs)
    return Exposure(n_days, occ, eff, drugs=drugs, pk=pk, times_h=times_h, warnings=warnings, dose_guidance=guidance)


def _as_dict(obj) -> dict:
    if isinstance(obj, dict):
        return obj
    for name in ("as_dict", "to_dict"):
        if hasattr(obj, name):
            return getattr(obj, name)()
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict
        return asdict(obj)
    return {"message": str(obj)}


def _guidance(ph, scenario, pharm_scenario: dict, drugs: tuple[str, ...]) -> list[dict]:
    """Dose guidance per drug from step 3 (best effort: absent function -> empty list)."""
    fn = getattr(ph, "dose_guidance", None)
    if fn is None:
        return []
    out = []
    for d in drugs:
        doses = [float(s.get("dose_mg", 0) or 0) for s in pharm_scenario.get("steps", []) if s.get("drug") == d]
        try:
            g = fn(d, max(doses, default=0.0), cyp2d6=pharm_scenario.get("cyp2d6", "NM"),
                   cyp2c19=pharm_scenario.get("cyp2c19", "NM"))
        except TypeError:
            g = fn(d, cyp2d6=pharm_scenario.get("cyp2d6", "NM"), cyp2c19=pharm_scenario.get("cyp2c19", "NM"))
        out.append({"drug": d, **_as_dict(g)})
    return out
