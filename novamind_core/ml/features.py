"""Feature schemas of the learned models, in one place (the registry checks models against them).

Response model (one row = one patient starting one drug; outcome at week 8):

=============================== ======================================================================
``age_years``                   age at the start of the course (years)
``sex_female``                  1 female, 0 male
``phq9_item_1`` .. ``_9``       baseline PHQ-9 item answers 0-3 (Kroenke et al. 2001), order of the form
``gad7_item_1`` .. ``_7``       baseline GAD-7 item answers 0-3 (Spitzer et al. 2006)
``phq9_total``, ``gad7_total``  item sums
``n_prior_episodes``            previous depressive episodes (count)
``n_prior_treatment_failures``  adequate antidepressant trials without remission in this episode (count)
``comorbid_anxiety``            1 if GAD-7 >= 10 (Spitzer et al. 2006 cut-off) or a diagnosis
``sleep_total_min``             mean nightly total sleep time from actigraphy (min); missing allowed
``sleep_efficiency_percent``    mean sleep efficiency TST/TIB*100 (%); missing allowed
``cyp2d6_activity``             phenotype as an ordinal PM=0, IM=1, NM=2, RM=3, UM=4; missing allowed
``cyp2c19_activity``            same scale for CYP2C19
``drug_<name>``                 one-hot of the candidate drug (catalogue names)
=============================== ======================================================================

Missing values are NaN; xgboost learns a default direction for them (Chen & Guestrin 2016, KDD, §3.4).

Clinic CSV (``train response --data FILE``): one row per treatment course with columns ``patient_id``,
``age_years``, ``sex`` (F/M), the 16 item columns above, ``n_prior_episodes``, ``n_prior_treatment_failures``,
``comorbid_anxiety`` (0/1, optional: derived from GAD-7 when absent), ``sleep_total_min`` and
``sleep_efficiency_percent`` (optional, blank = missing), ``cyp2d6`` and ``cyp2c19`` (PM/IM/NM/RM/UM or blank),
``drug`` and ``phq9_week8`` (PHQ-9 total at week 8). Response = ``phq9_week8 <= 0.5 * baseline total``;
remission = ``phq9_week8 <=`` :data:`REMISSION_MAX_PHQ9` (4; docs/science.md §2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from novamind_core.domain.assessments import Instrument
from novamind_core.domain.errors import ValidationError

PHQ9_ITEMS = tuple(f"phq9_item_{i}" for i in range(1, 10))
GAD7_ITEMS = tuple(f"gad7_item_{i}" for i in range(1, 8))
PHENOTYPE_ORDINAL: dict[str, int] = {"PM": 0, "IM": 1, "NM": 2, "RM": 3, "UM": 4}

CANDIDATE_DRUGS: tuple[str, ...] = (
    "sertraline", "escitalopram", "citalopram", "fluoxetine", "paroxetine", "venlafaxine", "desvenlafaxine",
    "duloxetine", "bupropion", "mirtazapine", "vortioxetine",
)
"""The catalogue's antidepressants (``data/drug_catalogue.json`` without placebo) the response model ranks."""

BASE_FEATURES: tuple[str, ...] = (
    "age_years", "sex_female", *PHQ9_ITEMS, *GAD7_ITEMS, "phq9_total", "gad7_total", "n_prior_episodes",
    "n_prior_treatment_failures", "comorbid_anxiety", "sleep_total_min", "sleep_efficiency_percent",
    "cyp2d6_activity", "cyp2c19_activity",
)

CLINIC_CSV_COLUMNS: tuple[str, ...] = (
    "patient_id", "age_years", "sex", *PHQ9_ITEMS, *GAD7_ITEMS, "n_prior_episodes", "n_prior_treatment_failures",
    "drug", "phq9_week8",
)
"""Required columns of a clinic's training CSV (optional: comorbid_anxiety, sleep metrics, cyp2d6, cyp2c19)."""

OUTCOMES: tuple[str, ...] = ("response", "remission")
#: Remission: PHQ-9 at week 8 at or below the PHQ-9's own remission cut-off (one definition, in the domain).
REMISSION_MAX_PHQ9: int = Instrument.PHQ9.spec.remission_max_total

# Friendly names for explanations shown to clinicians.
FEATURE_LABELS: dict[str, str] = {
    "age_years": "age", "sex_female": "sex", "phq9_total": "baseline PHQ-9 total", "gad7_total": "baseline GAD-7 total",
    "n_prior_episodes": "previous episodes", "n_prior_treatment_failures": "previous treatment failures",
    "comorbid_anxiety": "comorbid anxiety", "sleep_total_min": "sleep duration (actigraphy)",
    "sleep_efficiency_percent": "sleep efficiency (actigraphy)", "cyp2d6_activity": "CYP2D6 phenotype",
    "cyp2c19_activity": "CYP2C19 phenotype", "drug": "choice of drug",
    "phq9_item_1": "PHQ-9 anhedonia", "phq9_item_2": "PHQ-9 depressed mood", "phq9_item_3": "PHQ-9 sleep",
    "phq9_item_4": "PHQ-9 energy", "phq9_item_5": "PHQ-9 appetite", "phq9_item_6": "PHQ-9 worthlessness",
    "phq9_item_7": "PHQ-9 concentration", "phq9_item_8": "PHQ-9 psychomotor", "phq9_item_9": "PHQ-9 self-harm thoughts",
    "gad7_item_1": "GAD-7 nervousness", "gad7_item_2": "GAD-7 uncontrollable worry", "gad7_item_3": "GAD-7 worry",
    "gad7_item_4": "GAD-7 trouble relaxing", "gad7_item_5": "GAD-7 restlessness", "gad7_item_6": "GAD-7 irritability",
    "gad7_item_7": "GAD-7 fear",
}


def response_feature_names(drugs: Sequence[str] = CANDIDATE_DRUGS, extra: Sequence[str] = ()) -> list[str]:
    """The full response-model schema: base features, optional extras (e.g. actigraphy embeddings), drug one-hot."""
    return [*BASE_FEATURES, *extra, *(f"drug_{d}" for d in drugs)]


def phenotype_ordinal(value: object) -> float:
    """``"PM"`` -> 0 ... ``"UM"`` -> 4; blank or None -> NaN; anything else is a ValidationError."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return float("nan")
    key = str(value).strip().upper()
    if key not in PHENOTYPE_ORDINAL:
        raise ValidationError(f"unknown phenotype {value!r}: use one of {', '.join(PHENOTYPE_ORDINAL)}",
                              field="phenotype", value=value)
    return float(PHENOTYPE_ORDINAL[key])


def _num(patient: Mapping, key: str) -> float:
    v = patient.get(key)
    if v is None or (isinstance(v, str) and not v.strip()):
        return float("nan")
    try:
        return float(v)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{key} must be a number, got {v!r}", field=key, value=v) from exc


def patient_base_row(patient: Mapping, extra: Sequence[str] = ()) -> np.ndarray:
    """Base-feature vector of one patient from a plain dict (missing keys -> NaN).

    Accepts ``phq9_items``/``gad7_items`` lists instead of the item columns, ``sex`` ("F"/"M") instead of
    ``sex_female``, ``cyp2d6``/``cyp2c19`` phenotypes instead of the ordinals; totals are derived from items and
    ``comorbid_anxiety`` from GAD-7 >= 10 when not given.
    """
    p = dict(patient)
    for prefix, names in (("phq9", PHQ9_ITEMS), ("gad7", GAD7_ITEMS)):
        items = p.get(f"{prefix}_items")
        if items is not None:
            if len(items) != len(names):
                raise ValidationError(f"{prefix}_items needs {len(names)} answers, got {len(items)}",
                                      field=f"{prefix}_items", value=len(items))
            p.update(dict(zip(names, items, strict=True)))
        if p.get(f"{prefix}_total") is None and all(p.get(n) is not None for n in names):
            p[f"{prefix}_total"] = sum(float(p[n]) for n in names)
    if p.get("sex_female") is None and p.get("sex") is not None:
        p["sex_female"] = 1.0 if str(p["sex"]).strip().upper().startswith("F") else 0.0
    for enzyme in ("cyp2d6", "cyp2c19"):
        if p.get(f"{enzyme}_activity") is None and enzyme in p:
            p[f"{enzyme}_activity"] = phenotype_ordinal(p[enzyme])
    if p.get("comorbid_anxiety") is None and p.get("gad7_total") is not None:
        p["comorbid_anxiety"] = 1.0 if float(p["gad7_total"]) >= 10 else 0.0
    return np.array([_num(p, k) for k in (*BASE_FEATURES, *extra)], dtype=float)


def drug_one_hot(drug_index: np.ndarray, n_drugs: int) -> np.ndarray:
    out = np.zeros((np.asarray(drug_index).size, n_drugs))
    out[np.arange(out.shape[0]), np.asarray(drug_index, dtype=np.int64)] = 1.0
    return out
