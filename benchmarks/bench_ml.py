"""ML benchmarks: training times, one-patient prediction latency, and import cost of the lazy ML.

``run(quick=False) -> list[dict]`` with the house keys; every baseline is measured in the same run:

* training (``--quick`` sizes; ``quick=True`` shrinks them further): response, forecaster and actigraphy
  training time vs the time to generate their synthetic training data (ratio = training / data generation);
* prediction for one patient with the shipped models (trained tiny models when none are shipped): response
  ranking over all 11 drugs vs one twin scenario of one drug (1,000 draws, 8 weeks); forecaster vs the twin's
  mechanistic forecast of the same history; actigraphy embedding of one week vs classic rhythm metrics (IS, IV,
  RA, cosinor) of the same week;
* import time (fresh interpreter) of the app-level core (config, services, twin) with ``novamind_core.ml`` and
  ``novamind_core.insights`` vs without them (ratio ~ 1 means lazy ML costs nothing at start-up), and what an
  eager import of torch + xgboost would add.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
APP_CORE = "import novamind_core.config, novamind_core.services, novamind_core.twin"
"""What the app imports at start-up from the core (settings, services, the twin)."""


def _timed(fn, repeat: int = 1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _row(name, value, unit, baseline_name, baseline_value, target=None, notes="", peak=None) -> dict:
    ratio = round(value / baseline_value, 3) if baseline_value else None
    return {"name": name, "value": round(value, 4), "unit": unit, "baseline_name": baseline_name,
            "baseline_value": round(baseline_value, 4), "ratio": ratio, "target": target, "peak_memory_mb": peak,
            "notes": notes}


def _import_time(code: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", f"import time; t=time.perf_counter(); {code}; "
                              "print(time.perf_counter() - t)"], cwd=ROOT, capture_output=True, text=True, check=True)
        best = min(best, float(out.stdout.strip().splitlines()[-1]))
    return best


def run(quick: bool = False) -> list[dict]:
    from novamind_core.ml import registry, training
    from novamind_core.ml.synthetic_data import (
        synthetic_actigraphy_weeks,
        synthetic_phq9_series,
        synthetic_response_cohort,
    )

    rows: list[dict] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench_ml_"))
    scale = 0.5 if quick else 1.0
    sizes = {name: {k: (max(1, int(v * scale)) if k.startswith("n_") else v) for k, v in s["quick"].items()}
             for name, s in training.SIZES.items()}
    synthetic_response_cohort(50, seed=99)  # warm the twin's PK libraries and imports

    # --- training times (quick sizes) vs generating the same data
    t_data, _ = _timed(lambda: synthetic_response_cohort(sizes["response"]["n_patients"], seed=0))
    t_train, _ = _timed(lambda: training.train_response(quick=True, model_dir=tmp, sizes=sizes["response"]))
    rows.append(_row("train response --quick (ratio = training / data generation)", t_train, "s",
                     "generate the synthetic cohort", t_data, notes=f"sizes {sizes['response']}"))
    t_data, _ = _timed(lambda: synthetic_phq9_series(sizes["forecaster"]["n_series"], seed=0))
    t_train, _ = _timed(lambda: training.train_forecaster(quick=True, model_dir=tmp, sizes=sizes["forecaster"]))
    rows.append(_row("train forecaster --quick (ratio = training / data generation)", t_train, "s",
                     "generate the synthetic series", t_data,
                     notes=f"sizes {sizes['forecaster']}; includes twin baseline forecasts on held-out series"))
    t_data, _ = _timed(lambda: synthetic_actigraphy_weeks(sizes["actigraphy"]["n_weeks"], seed=0))
    t_train, _ = _timed(lambda: training.train_actigraphy(quick=True, model_dir=tmp, sizes=sizes["actigraphy"]))
    rows.append(_row("train actigraphy --quick (ratio = training / data generation)", t_train, "s",
                     "generate the synthetic weeks", t_data, notes=f"sizes {sizes['actigraphy']}"))

    # --- one-patient latency with the shipped models (or the ones just trained)
    names = {e.name for e in registry.list_models()}
    model_dir = None if {"response", "forecaster", "actigraphy"} <= names else tmp
    source = "shipped models" if model_dir is None else "quick models (none shipped)"
    response = training.load_response_model(model_dir=model_dir)
    forecaster = training.load_forecaster(model_dir=model_dir)
    pat = training.load_actigraphy_model(model_dir=model_dir)
    patient = {"age_years": 40, "sex": "F", "phq9_items": [2, 2, 3, 2, 1, 2, 2, 1, 0],
               "gad7_items": [2, 2, 1, 2, 1, 1, 1], "n_prior_episodes": 1, "n_prior_treatment_failures": 1}
    repeat = 3 if quick else 10
    response.rank_drugs(patient)
    t_rank, _ = _timed(lambda: response.rank_drugs(patient), repeat)
    from novamind_core.twin import run_scenario

    scen = {"name": "b", "steps": [{"drug": "sertraline", "dose_mg": 50, "days": 56}], "horizon_weeks": 8}
    run_scenario(scen, draws=10)
    t_twin, _ = _timed(lambda: run_scenario(scen, draws=1000, seed=0), repeat)
    rows.append(_row("response ranking of 11 drugs for one patient (ratio = ranking / one twin scenario)", t_rank,
                     "s", "twin scenario, one drug, 1000 draws x 8 weeks", t_twin, target="< 0.5 s (interactive)",
                     notes=f"{source}; bootstrap ensemble, calibrated, with explanations"))

    series = synthetic_phq9_series(5, seed=4)
    hist = {"phq9": [None if np.isnan(v) else float(v) for v in series.phq9[0, :13]],
            "drug": [str(d) for d in series.drug[0, :13]], "adherence": [float(a) for a in series.adherence[0, :13]]}
    forecaster.predict_history(hist)
    t_fc, _ = _timed(lambda: forecaster.predict_history(hist), repeat)
    from novamind_core.ml.forecaster import twin_forecast

    t_tw, _ = _timed(lambda: twin_forecast(series, 0, 12, forecaster.horizon_weeks), 3 if quick else 5)
    rows.append(_row("forecaster, one patient (ratio = GRU / twin mechanistic forecast)", t_fc, "s",
                     "twin mechanistic forecast (MAP fit + 200 draws)", t_tw, target="< 0.1 s", notes=source))

    week = synthetic_actigraphy_weeks(1, seed=5).counts[0]
    pat.embed(week)
    t_emb, _ = _timed(lambda: pat.embed(week), repeat)
    import pandas as pd

    from novamind_core.biometrics.rhythm import (
        cosinor,
        interdaily_stability,
        intradaily_variability,
        relative_amplitude,
    )

    s = pd.Series(week, index=pd.date_range("2024-01-01", periods=week.size, freq="min"))
    t_rhythm, _ = _timed(lambda: (interdaily_stability(s), intradaily_variability(s), relative_amplitude(s),
                                  cosinor(s)), repeat)
    rows.append(_row("actigraphy embedding of one week (ratio = transformer / classic rhythm metrics)", t_emb, "s",
                     "IS, IV, RA and cosinor of the same week", t_rhythm, target="< 0.2 s",
                     notes=f"{source}; {pat.n_parameters} parameters"))

    # --- import cost: lazy ML must not slow the app's start
    n_imp = 3 if quick else 6
    t_base = t_ml = t_eager = float("inf")
    for _ in range(n_imp):  # interleaved, best of each: the machine's load drifts between runs
        t_base = min(t_base, _import_time(APP_CORE, 1))
        t_ml = min(t_ml, _import_time(f"{APP_CORE}, novamind_core.ml, novamind_core.insights", 1))
        t_eager = min(t_eager, _import_time(f"{APP_CORE}, torch, xgboost", 1))
    rows.append(_row("app-level import with ml + insights (ratio = with / without ML)", t_ml, "s",
                     f"{APP_CORE}", t_base, target="ratio <= 1.2 (lazy)",
                     notes="fresh interpreter each time, best of several"))
    rows.append(_row("app-level import + eager torch and xgboost (ratio = eager / without ML)", t_eager, "s",
                     f"{APP_CORE}", t_base,
                     notes="what a page would pay if ML were imported eagerly"))
    return rows


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
