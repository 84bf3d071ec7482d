"""Patient covariates (age, weight, sex, smoking) on apparent clearance and volume, from published population PK.

Each drug's effects live in ``data/pk_covariates.json`` with the source of every number. Four effect models
(docs/science.md §14.1):

* ``age_linear``: ``m = clip(1 + s (min(age, age_max) - age_ref), floor, 1)`` above the reference age, else 1
  (``s`` may differ by sex; the mean slope when sex is not given);
* ``weight_power``: ``m = (weight / 70 kg) ** exponent`` (allometric, Anderson & Holford 2008);
* ``sex_ratio``: female/male ratio ``r``: female ``sqrt(r)``, male ``1 / sqrt(r)``, not given 1;
* ``smoker_ratio``: smoker ``r``, non-smoker and not given 1.

The multipliers of one parameter multiply. Convention: ``CL/F_patient = CL/F_catalogue * cl_multiplier`` and
``V/F_patient = V/F_catalogue * v_multiplier``; pharmacogenomics stays separate (its exposure multiplier divides
CL/F, module ``pgx``). Everything is vectorised over patients: :func:`covariate_multipliers` takes arrays.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology.catalogue import Catalogue, Drug, load_catalogue

DEFAULT_COVARIATES_PATH = Path(__file__).resolve().parents[2] / "data" / "pk_covariates.json"
REFERENCE_WEIGHT_KG = 70.0
_SEXES = ("female", "male")
_PARAMETERS = ("cl_f", "v_f")


@dataclass(frozen=True)
class Covariates:
    """What is known about the patient; ``None`` means not known (the reference value is used)."""

    age_years: float | None = None
    weight_kg: float | None = None
    sex: str | None = None
    smoker: bool | None = None

    def __post_init__(self) -> None:
        if self.age_years is not None and not (math.isfinite(self.age_years) and 0 < self.age_years <= 120):
            raise ValidationError(f"age must be within 0-120 years, got {self.age_years:g}", field="age",
                                  value=self.age_years)
        if self.weight_kg is not None and not (math.isfinite(self.weight_kg) and 20 <= self.weight_kg <= 300):
            raise ValidationError(f"weight must be within 20-300 kg, got {self.weight_kg:g}", field="weight_kg",
                                  value=self.weight_kg)
        if self.sex is not None:
            sex = str(self.sex).strip().lower()
            if sex not in _SEXES:
                raise ValidationError(f"sex {self.sex!r} must be 'female' or 'male'", field="sex", value=self.sex)
            object.__setattr__(self, "sex", sex)

    @property
    def is_reference(self) -> bool:
        return self.age_years is None and self.weight_kg is None and self.sex is None and self.smoker is None


@dataclass(frozen=True)
class CovariateEffect:
    """One covariate's multiplier on one parameter (``cl_f`` or ``v_f``) for this patient, with its source."""

    covariate: str
    parameter: str
    multiplier: float
    source: str


@dataclass(frozen=True)
class CovariateAdjustment:
    """The patient's multipliers on CL/F and V/F for one drug, the effects behind them, and what was not used."""

    drug: str
    covariates: Covariates
    cl_multiplier: float
    v_multiplier: float
    effects: tuple[CovariateEffect, ...]
    not_in_model: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        c = self.covariates
        return {
            "age_years": c.age_years, "weight_kg": c.weight_kg, "sex": c.sex, "smoker": c.smoker,
            "cl_multiplier": round(self.cl_multiplier, 4), "v_multiplier": round(self.v_multiplier, 4),
            "effects": [{"covariate": e.covariate, "parameter": e.parameter, "multiplier": round(e.multiplier, 4),
                         "source": e.source} for e in self.effects],
            "not_in_model": list(self.not_in_model),
        }


@dataclass(frozen=True)
class _Effect:
    covariate: str
    parameter: str
    model: str
    params: Mapping[str, Any]
    source: str


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict[str, tuple[_Effect, ...]]:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    out: dict[str, tuple[_Effect, ...]] = {}
    for drug, effects in raw["drugs"].items():
        parsed = []
        for i, e in enumerate(effects):
            where = f"pk_covariates.drugs.{drug}[{i}]"
            if not str(e.get("source", "")).strip():
                raise ValidationError(f"{where}: missing source", field=where)
            if e["parameter"] not in _PARAMETERS or e["model"] not in _MODELS:
                raise ValidationError(f"{where}: unknown parameter or model", field=where)
            params = {k: v for k, v in e.items() if k not in ("covariate", "parameter", "model", "source")}
            parsed.append(_Effect(e["covariate"], e["parameter"], e["model"], params, e["source"]))
        out[drug.lower()] = tuple(parsed)
    return out


def covariate_effects(drug: str, path: str | Path | None = None) -> tuple[_Effect, ...]:
    """The published covariate effects for ``drug`` (empty when none are encoded)."""
    return _load(str(path or DEFAULT_COVARIATES_PATH)).get(str(drug).strip().lower(), ())


def _as_array(x: np.ndarray | float | None, n: int) -> np.ndarray:
    if x is None:
        return np.full(n, np.nan)
    return np.broadcast_to(np.asarray(x, dtype=float), (n,)).astype(float)


def _age_linear(p: Mapping[str, Any], age: np.ndarray, female: np.ndarray) -> np.ndarray:
    slope = p["change_per_year"]
    if isinstance(slope, Mapping):
        s = np.where(female == 1, slope["female"], np.where(female == 0, slope["male"],
                                                            0.5 * (slope["female"] + slope["male"])))
    else:
        s = np.full(age.shape, float(slope))
    ref = float(p["reference_age_years"])
    top = float(p.get("max_age_years", np.inf))
    years = np.clip(np.minimum(age, top) - ref, 0.0, None)
    m = np.clip(1.0 + s * years, float(p.get("floor", 0.0)), 1.0)
    return np.where(np.isnan(age), 1.0, m)


def _weight_power(p: Mapping[str, Any], weight: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(weight), 1.0, (weight / REFERENCE_WEIGHT_KG) ** float(p["exponent"]))


def _sex_ratio(p: Mapping[str, Any], female: np.ndarray) -> np.ndarray:
    half = math.sqrt(float(p["female_to_male"]))
    return np.where(female == 1, half, np.where(female == 0, 1.0 / half, 1.0))


def _smoker_ratio(p: Mapping[str, Any], smoker: np.ndarray) -> np.ndarray:
    return np.where(smoker == 1, float(p["smoker_to_non_smoker"]), 1.0)


_MODELS = ("age_linear", "weight_power", "sex_ratio", "smoker_ratio")


def _effect_multiplier(e: _Effect, age: np.ndarray, weight: np.ndarray, female: np.ndarray,
                       smoker: np.ndarray) -> np.ndarray:
    if e.model == "age_linear":
        return _age_linear(e.params, age, female)
    if e.model == "weight_power":
        return _weight_power(e.params, weight)
    if e.model == "sex_ratio":
        return _sex_ratio(e.params, female)
    return _smoker_ratio(e.params, smoker)


def covariate_multipliers(drug: str | Drug, age_years: np.ndarray | float | None = None,
                          weight_kg: np.ndarray | float | None = None, female: np.ndarray | float | None = None,
                          smoker: np.ndarray | float | None = None, n_patients: int | None = None,
                          path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Multipliers on CL/F and V/F, each of shape (P,), for arrays of patients.

    ``female`` and ``smoker`` are 1/0 (NaN or None: not known); a NaN age or weight is not known either.
    ``P`` is ``n_patients`` or the longest array given (1 when all are scalars).
    """
    name = drug.name if isinstance(drug, Drug) else str(drug)
    sizes = [np.size(x) for x in (age_years, weight_kg, female, smoker) if x is not None]
    n = n_patients or max(sizes, default=1)
    age, weight = _as_array(age_years, n), _as_array(weight_kg, n)
    fem, smk = _as_array(female, n), _as_array(smoker, n)
    cl, v = np.ones(n), np.ones(n)
    for e in covariate_effects(name, path):
        m = _effect_multiplier(e, age, weight, fem, smk)
        if e.parameter == "cl_f":
            cl = cl * m
        else:
            v = v * m
    return cl, v


def _to_numbers(c: Covariates) -> tuple[float, float, float, float]:
    nan = float("nan")
    female = nan if c.sex is None else float(c.sex == "female")
    smoker = nan if c.smoker is None else float(bool(c.smoker))
    return (nan if c.age_years is None else float(c.age_years), nan if c.weight_kg is None else float(c.weight_kg),
            female, smoker)


_GIVEN = {"age": "age_years", "weight": "weight_kg", "sex": "sex", "smoking": "smoker"}


def covariate_adjustment(drug: str | Drug, covariates: Covariates, path: str | Path | None = None,
                         catalogue: Catalogue | None = None) -> CovariateAdjustment:
    """The patient's CL/F and V/F multipliers for ``drug``, the effects behind them, and covariates not used."""
    name = drug.name if isinstance(drug, Drug) else (catalogue or load_catalogue()).get(drug).name
    age, weight, female, smoker = (np.array([x]) for x in _to_numbers(covariates))
    effects = []
    cl = v = 1.0
    used = set()
    for e in covariate_effects(name, path):
        m = float(_effect_multiplier(e, age, weight, female, smoker)[0])
        if getattr(covariates, _GIVEN[e.covariate]) is None:
            continue
        used.add(e.covariate)
        effects.append(CovariateEffect(e.covariate, e.parameter, m, e.source))
        if e.parameter == "cl_f":
            cl *= m
        else:
            v *= m
    not_in_model = tuple(
        f"{cov}: not a covariate in the published model encoded for {name}"
        for cov, attr in _GIVEN.items() if getattr(covariates, attr) is not None and cov not in used
    )
    return CovariateAdjustment(name, covariates, cl, v, tuple(effects), not_in_model)


def adjusted_drug(drug: Drug, covariates: Covariates | CovariateAdjustment) -> Drug:
    """``drug`` with its typical CL/F and V/F scaled for this patient (placebo returned unchanged)."""
    if drug.pk is None:
        return drug
    adj = covariates if isinstance(covariates, CovariateAdjustment) else covariate_adjustment(drug, covariates)
    if adj.cl_multiplier == 1.0 and adj.v_multiplier == 1.0:
        return drug
    pk = replace(drug.pk, cl_f_l_per_h=drug.pk.cl_f_l_per_h * adj.cl_multiplier,
                 v_f_l=drug.pk.v_f_l * adj.v_multiplier)
    return replace(drug, pk=pk)


def adjusted_catalogue(catalogue: Catalogue, covariates: Covariates, drugs: Iterable[str] | None = None) -> Catalogue:
    """A catalogue whose drugs (all, or those named) carry this patient's covariate-adjusted PK."""
    if covariates.is_reference:
        return catalogue
    names = {d.lower() for d in drugs} if drugs is not None else set(catalogue.drugs)
    new = {n: adjusted_drug(d, covariates) if n in names else d for n, d in catalogue.drugs.items()}
    return replace(catalogue, drugs=new)
