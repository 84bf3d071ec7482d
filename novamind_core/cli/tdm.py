"""``tdm`` command: Bayesian forecasting from measured drug levels. JSON key names are a contract analysts script
against: ``individual``, ``population`` (``cl_l_per_h``, ``v_l`` with 90% intervals), ``shrinkage``,
``predicted_trough_ng_ml`` (``p05``, ``p50``, ``p95``), ``dose_for_target_mg``, ``reference_range``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from novamind_core.cli.pharmacology import NOTICE


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("tdm", help="Bayesian TDM: individual PK, trough forecast and dose from measured levels")
    p.add_argument("--drug", required=True, help="catalogue drug name (see `drugs`)")
    p.add_argument("--dose-mg", type=float, required=True, help="dose per administration of the current regimen (mg)")
    p.add_argument("--interval-h", type=float, default=24.0, help="hours between doses (default 24)")
    p.add_argument("--levels", required=True, metavar="FILE.csv",
                   help="CSV with time_h (hours since the first dose of the current regimen) and concentration_ng_ml")
    p.add_argument("--age", type=float, default=None, help="age in years")
    p.add_argument("--weight-kg", type=float, default=None, help="body weight in kg")
    p.add_argument("--sex", choices=("female", "male"), default=None, help="sex (where the drug's model uses it)")
    p.add_argument("--smoker", action="store_const", const=True, default=None, help="smokes tobacco (CYP1A2 drugs)")
    p.add_argument("--cyp2d6", default=None, help="CYP2D6 phenotype PM|IM|NM|RM|UM (default NM)")
    p.add_argument("--cyp2c19", default=None, help="CYP2C19 phenotype PM|IM|NM|RM|UM (default NM)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_tdm)


def _estimate(e) -> dict[str, float]:
    return {"value": round(e.value, 4), "p05": round(e.p05, 4), "p95": round(e.p95, 4)}


def forecast_as_dict(pf) -> dict[str, object]:
    """The JSON edge of a :class:`~novamind_core.pharmacology.tdm_patient.PatientForecast`."""
    f = pf.forecast
    trough = f.predicted_trough_ng_ml
    return {
        "drug": f.drug, "dose_mg": f.dose_mg, "interval_h": f.interval_h, "analyte": f.analyte,
        "n_levels": len(f.levels),
        "levels": [{"time_h": lv.time_h, "concentration_ng_ml": lv.concentration_ng_ml} for lv in f.levels],
        "individual": {"cl_l_per_h": _estimate(f.individual.cl_l_per_h), "v_l": _estimate(f.individual.v_l)},
        "population": {"cl_l_per_h": _estimate(f.population.cl_l_per_h), "v_l": _estimate(f.population.v_l)},
        "shrinkage": {"cl": round(f.shrinkage.cl, 4), "v": round(f.shrinkage.v, 4),
                      "definition": "posterior SD / prior SD of the log parameter: 1 = the prior alone, "
                                    "0 = the levels alone (Savic & Karlsson 2009, AAPS J 11:558)"},
        "predicted_trough_ng_ml": {"p05": round(trough.p05, 3), "p50": round(trough.p50, 3),
                                   "p95": round(trough.p95, 3)},
        "population_trough_ng_ml": {"p05": round(f.population_trough_ng_ml.p05, 3),
                                    "p50": round(f.population_trough_ng_ml.p50, 3),
                                    "p95": round(f.population_trough_ng_ml.p95, 3)},
        "dose_for_target_mg": None if f.dose_for_target_mg is None else round(f.dose_for_target_mg, 1),
        "target_trough_ng_ml": f.target_trough_ng_ml,
        "reference_range": None if pf.reference_range is None else pf.reference_range.as_dict(),
        "prior": {"exposure_multiplier": round(pf.exposure_multiplier, 4),
                  "effective_phenotypes": dict(pf.effective_phenotypes), "covariates": pf.covariates.as_dict()},
        "residual_error": {"proportional": f.residual.proportional, "additive_ng_ml": f.residual.additive_ng_ml,
                           "source": f.residual.source},
        "converged": f.converged, "method": f.method, "notice": NOTICE,
    }


def run_tdm(args: argparse.Namespace) -> int:
    from novamind_core.pharmacology.covariates import Covariates
    from novamind_core.pharmacology.tdm_patient import patient_forecast, read_levels_csv

    levels = read_levels_csv(Path(args.levels).read_text(encoding="utf-8"))
    covariates = Covariates(age_years=args.age, weight_kg=args.weight_kg, sex=args.sex, smoker=args.smoker)
    pf = patient_forecast(args.drug, args.dose_mg, args.interval_h, levels, covariates=covariates,
                          cyp2d6=args.cyp2d6, cyp2c19=args.cyp2c19)
    out = forecast_as_dict(pf)
    if args.json:
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
        return 0
    f = pf.forecast
    ind, pop = f.individual, f.population
    print(f"{f.drug} {f.dose_mg:g} mg every {f.interval_h:g} h, {len(f.levels)} level(s) of {f.analyte}. {NOTICE}")
    print(f"  CL/F {ind.cl_l_per_h.value:.1f} L/h (90% {ind.cl_l_per_h.p05:.1f}-{ind.cl_l_per_h.p95:.1f}); "
          f"population {pop.cl_l_per_h.value:.1f} L/h (90% {pop.cl_l_per_h.p05:.1f}-{pop.cl_l_per_h.p95:.1f})")
    print(f"  V/F {ind.v_l.value:.0f} L (90% {ind.v_l.p05:.0f}-{ind.v_l.p95:.0f}); "
          f"population {pop.v_l.value:.0f} L")
    print(f"  shrinkage toward the prior: CL {f.shrinkage.cl:.2f}, V {f.shrinkage.v:.2f} (1 = prior alone)")
    t = f.predicted_trough_ng_ml
    print(f"  steady-state trough {t.p50:.1f} ng/mL (90% {t.p05:.1f}-{t.p95:.1f})")
    if pf.reference_range is not None and f.dose_for_target_mg is not None:
        rr = pf.reference_range
        print(f"  reference range {rr.low_ng_ml:g}-{rr.high_ng_ml:g} ng/mL ({rr.source})")
        print(f"  decision support: {f.dose_for_target_mg:.1f} mg every {f.interval_h:g} h puts the trough at "
              f"{f.target_trough_ng_ml:g} ng/mL (middle of the range)")
    return 0
