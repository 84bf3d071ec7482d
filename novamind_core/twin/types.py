"""The twin's typed path, from the scenario form to the charts: :class:`Scenario` in, :class:`ScenarioResult` out.

Frozen and pure (no numpy, no database). Dicts appear only at the JSON edges: :meth:`Scenario.from_mapping` (the CLI's
scenario file, a saved scenario's stored JSON) names the bad field on error, and ``to_mapping``/``to_dict`` write the
stored and printed forms. Decision support for research and demonstration; not a medical device.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.phenotypes import PHENOTYPE_CODES
from novamind_core.domain.scenario_limits import DEFAULT_HORIZON_WEEKS, MAX_HORIZON_WEEKS

#: Keys of the scenario format owned by the twin (the rest is the pharmacology engine's regimen format).
TWIN_KEYS = ("horizon_weeks", "psychotherapy", "baseline_phq9", "baseline_gad7")
NO_DRUG = "none"
PLACEBO = "placebo"


@dataclass(frozen=True)
class ScenarioStep:
    """``drug`` at ``dose_mg`` every ``interval_h`` hours for ``days`` days (``"none"``: a drug-free gap)."""

    drug: str
    days: float
    dose_mg: float = 0.0
    interval_h: float = 24.0

    @property
    def dose_mg_per_day(self) -> float:
        return self.dose_mg * 24.0 / self.interval_h

    @property
    def is_drug(self) -> bool:
        return self.drug not in (NO_DRUG, PLACEBO)

    def to_mapping(self) -> dict[str, Any]:
        if self.drug == NO_DRUG:
            return {"drug": NO_DRUG, "days": self.days}
        return {"drug": self.drug, "dose_mg": self.dose_mg, "days": self.days, "interval_h": self.interval_h}


@dataclass(frozen=True)
class Scenario:
    """A what-if treatment plan, validated once where it is made (the form, :meth:`from_mapping`).

    ``adherence``, ``cyp2d6`` and ``cyp2c19`` left ``None`` take the patient's own (observed adherence, phenotypes on
    the chart; full adherence and normal metabolisers without a history). ``missed_days`` count from the scenario's
    start. ``adherence_seed`` seeds which doses are missed at random (the pharmacology engine's ``seed``).
    """

    steps: tuple[ScenarioStep, ...]
    name: str = "scenario"
    switch_strategy: str = "direct"
    adherence: float | None = None
    missed_days: tuple[int, ...] = ()
    cyp2d6: str | None = None
    cyp2c19: str | None = None
    horizon_weeks: int = DEFAULT_HORIZON_WEEKS
    psychotherapy: bool = False
    baseline_phq9: float | None = None
    baseline_gad7: float | None = None
    adherence_seed: int | None = None

    def __post_init__(self) -> None:
        h = self.horizon_weeks
        if isinstance(h, bool) or not isinstance(h, int) or not 1 <= h <= MAX_HORIZON_WEEKS:
            raise ValidationError(f"horizon_weeks must be between 1 and {MAX_HORIZON_WEEKS}, got {h!r}",
                                  field="horizon_weeks", value=h)
        if self.adherence is not None and not 0.0 <= self.adherence <= 1.0:
            raise ValidationError(f"adherence must be within 0-1, got {self.adherence:g}", field="adherence",
                                  value=self.adherence)
        for gene in ("cyp2d6", "cyp2c19"):
            value = getattr(self, gene)
            if value is not None and value not in PHENOTYPE_CODES:
                raise ValidationError(f"{gene} {value!r} is not one of {', '.join(PHENOTYPE_CODES)}", field=gene,
                                      value=value)
        for key, hi in (("baseline_phq9", 27), ("baseline_gad7", 21)):
            value = getattr(self, key)
            if value is not None and not 0 <= value <= hi:
                raise ValidationError(f"{key} must be between 0 and {hi}", field=key, value=value)

    @property
    def drugs(self) -> tuple[str, ...]:
        """Drugs in the steps, in order of first use (``none`` and placebo left out)."""
        out: list[str] = []
        for s in self.steps:
            if s.is_drug and s.drug not in out:
                out.append(s.drug)
        return tuple(out)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Scenario:
        """Parse the JSON scenario format (shared with the pharmacology engine); ValidationError names the field."""
        from novamind_core.pharmacology import parse_scenario

        if not isinstance(raw, Mapping):
            raise ValidationError("a scenario must be a JSON object", field="scenario")
        regimen = parse_scenario({k: v for k, v in raw.items() if k not in TWIN_KEYS})
        horizon = raw.get("horizon_weeks", DEFAULT_HORIZON_WEEKS)
        if isinstance(horizon, bool) or not isinstance(horizon, int | float) or not 1 <= horizon <= MAX_HORIZON_WEEKS:
            raise ValidationError(f"horizon_weeks must be between 1 and {MAX_HORIZON_WEEKS}, got {horizon!r}",
                                  field="horizon_weeks", value=horizon)
        baselines = {}
        for key in ("baseline_phq9", "baseline_gad7"):
            value = raw.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise ValidationError(f"{key} must be a number", field=key, value=value)
            baselines[key] = None if value is None else float(value)
        return cls(
            steps=tuple(ScenarioStep(s.drug, s.days, s.dose_mg, s.interval_h) for s in regimen.steps),
            name=regimen.name, switch_strategy=regimen.switch_strategy,
            adherence=regimen.adherence if "adherence" in raw else None, missed_days=regimen.missed_days,
            cyp2d6=regimen.cyp2d6 if "cyp2d6" in raw else None, cyp2c19=regimen.cyp2c19 if "cyp2c19" in raw else None,
            horizon_weeks=int(horizon), psychotherapy=bool(raw.get("psychotherapy", False)),
            adherence_seed=regimen.seed, **baselines)

    def to_mapping(self) -> dict[str, Any]:
        """The JSON scenario format (what :meth:`from_mapping` reads back; stored with a saved scenario)."""
        out: dict[str, Any] = {"name": self.name, "steps": [s.to_mapping() for s in self.steps],
                               "switch_strategy": self.switch_strategy, "missed_days": list(self.missed_days),
                               "horizon_weeks": self.horizon_weeks}
        for key in ("adherence", "cyp2d6", "cyp2c19", "baseline_phq9", "baseline_gad7"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.adherence_seed is not None:
            out["seed"] = self.adherence_seed
        if self.psychotherapy:
            out["psychotherapy"] = True
        return out


@dataclass(frozen=True)
class Quantiles:
    """Weekly 5th, 25th, 50th, 75th and 95th percentiles; also readable as ``q["p50"]`` and iterable by name."""

    p05: tuple[float, ...]
    p25: tuple[float, ...]
    p50: tuple[float, ...]
    p75: tuple[float, ...]
    p95: tuple[float, ...]

    NAMES = ("p05", "p25", "p50", "p75", "p95")

    def __getitem__(self, name: str) -> tuple[float, ...]:
        if name not in self.NAMES:
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.NAMES)

    def keys(self) -> tuple[str, ...]:
        return self.NAMES

    def values(self) -> tuple[tuple[float, ...], ...]:
        return tuple(getattr(self, n) for n in self.NAMES)

    def items(self) -> tuple[tuple[str, tuple[float, ...]], ...]:
        return tuple((n, getattr(self, n)) for n in self.NAMES)

    def to_dict(self) -> dict[str, list[float]]:
        return {n: list(getattr(self, n)) for n in self.NAMES}


@dataclass(frozen=True)
class PKSeries:
    """Median daily plasma level (ng/mL) per analyte and occupancy (%) per occupied target, day 0 = scenario start."""

    days: tuple[int, ...]
    concentration_ng_ml: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    occupancy_percent: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"days": list(self.days),
                "concentration_ng_ml": {k: list(v) for k, v in self.concentration_ng_ml.items()},
                "occupancy_percent": {k: list(v) for k, v in self.occupancy_percent.items()}}


@dataclass(frozen=True)
class ScenarioWarning:
    """A warning with its source. ``severity``: ``info``, ``minor``, ``moderate``, ``major`` or ``contraindicated``;
    ``source`` ``"twin"`` marks the model's own notes (prior in use, uncalibrated parameters)."""

    severity: str
    message: str
    source: str

    @property
    def is_clinical(self) -> bool:
        """A warning a clinician acts on (not an ``info`` note)."""
        return self.severity != "info"

    def to_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "message": self.message, "source": self.source}


@dataclass(frozen=True)
class DoseGuidanceNote:
    """Pharmacogenomic dose guidance for one drug of a scenario (``max_dose_mg_per_day`` None: no cap)."""

    drug: str
    max_dose_mg_per_day: float | None
    recommendation: str
    source: str

    @property
    def is_standard(self) -> bool:
        return "standard" in self.recommendation.lower()

    def to_dict(self) -> dict[str, Any]:
        return {"drug": self.drug, "max_dose_mg_per_day": self.max_dose_mg_per_day,
                "recommendation": self.recommendation, "source": self.source}


@dataclass(frozen=True)
class ModelBasis:
    """What a result is based on: the patient's fit (or the prior), the population calibration, draws and seed."""

    is_prior: bool
    population_calibrated: bool
    method: str = "prior"
    n_observations: int = 0
    message: str = ""
    posterior: Mapping[str, Mapping[str, float]] = field(default_factory=dict, repr=False)
    history_days: int = 0
    draws: int | None = None
    seed: int | None = None
    modelled_neurotransmitters: tuple[str, ...] = ()

    @classmethod
    def from_summary(cls, summary: Mapping[str, Any], population_calibrated: bool) -> ModelBasis:
        """From a posterior summary as stored in a twin snapshot (``Posterior.summary()``)."""
        return cls(is_prior=bool(summary.get("is_prior", True)), population_calibrated=bool(population_calibrated),
                   method=str(summary.get("method", "prior")), n_observations=int(summary.get("n_observations", 0)),
                   message=str(summary.get("message", "")), posterior=dict(summary.get("posterior") or {}))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "n_observations": self.n_observations, "is_prior": self.is_prior,
                               "message": self.message, "posterior": {k: dict(v) for k, v in self.posterior.items()},
                               "population_calibrated": self.population_calibrated,
                               "history_days": self.history_days}
        if self.draws is not None:
            out.update(draws=self.draws, seed=self.seed)
        out["modelled_neurotransmitters"] = list(self.modelled_neurotransmitters)
        return out


LIMITS = (
    "Decision support for research and demonstration; not a medical device.",
    "The model knows only PHQ-9/GAD-7 totals, medications, adherence and CYP2D6/CYP2C19 phenotype: not life "
    "events, comorbidity, substance use, side effects that stop treatment, or dropout.",
    "Efficacy is calibrated to trial averages (Cipriani 2018, STAR*D); an individual's response is uncertain, "
    "shown by the intervals.",
    "Neurotransmitter levels are model quantities relative to the patient's own baseline, not measurements; "
    "GABA, glutamate, acetylcholine, endorphins, substance P, oxytocin, glycine and adenosine are not modelled.",
)


@dataclass(frozen=True)
class ScenarioResult:
    """Everything a what-if run gives; ``to_dict()`` is the CLI's JSON contract.

    ``neurotransmitters[region][neurotransmitter]`` is the weekly median level (x the patient's baseline).
    """

    name: str
    weeks: tuple[int, ...]
    phq9: Quantiles
    gad7: Quantiles
    p_response_week8: float | None
    p_remission_week8: float | None
    p_response_week12: float | None
    p_remission_week12: float | None
    pk: PKSeries
    neurotransmitters: Mapping[str, Mapping[str, tuple[float, ...]]]
    warnings: tuple[ScenarioWarning, ...]
    dose_guidance: tuple[DoseGuidanceNote, ...]
    calibration: ModelBasis
    limits: tuple[str, ...] = LIMITS

    @property
    def clinical_warnings(self) -> tuple[ScenarioWarning, ...]:
        return tuple(w for w in self.warnings if w.is_clinical)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "weeks": list(self.weeks), "phq9": self.phq9.to_dict(),
                "gad7": self.gad7.to_dict(), "p_response_week8": self.p_response_week8,
                "p_remission_week8": self.p_remission_week8, "p_response_week12": self.p_response_week12,
                "p_remission_week12": self.p_remission_week12, "pk": self.pk.to_dict(),
                "neurotransmitters": {r: {n: list(v) for n, v in by.items()}
                                      for r, by in self.neurotransmitters.items()},
                "warnings": [w.to_dict() for w in self.warnings],
                "dose_guidance": [g.to_dict() for g in self.dose_guidance],
                "calibration": self.calibration.to_dict(), "limits": list(self.limits)}


@dataclass(frozen=True)
class ComparisonRow:
    """One row of the comparison table: median PHQ-9 at week 8 and at the end, outcome probabilities, warnings
    (clinical warnings only: the model's ``info`` notes are not counted)."""

    name: str
    phq9_p50_week8: float | None
    phq9_p50_end: float
    p_response_week8: float | None
    p_remission_week8: float | None
    p_response_week12: float | None
    p_remission_week12: float | None
    n_warnings: int

    @classmethod
    def of(cls, r: ScenarioResult) -> ComparisonRow:
        p50 = r.phq9.p50
        return cls(r.name, p50[8] if len(p50) > 8 else None, p50[-1], r.p_response_week8, r.p_remission_week8,
                   r.p_response_week12, r.p_remission_week12, len(r.clinical_warnings))


@dataclass(frozen=True)
class ScenarioComparison:
    """1-4 results with common random numbers and their comparison table (one row per result, same order)."""

    results: tuple[ScenarioResult, ...]
    table: tuple[ComparisonRow, ...]


__all__ = ["LIMITS", "TWIN_KEYS", "ComparisonRow", "DoseGuidanceNote", "ModelBasis", "PKSeries", "Quantiles",
           "Scenario", "ScenarioComparison", "ScenarioResult", "ScenarioStep", "ScenarioWarning"]
