"""``pk``, ``pk-fit`` and ``drugs`` commands. JSON key names are a contract analysts script against."""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from novamind_core.domain.errors import ValidationError

NOTICE = "Decision support for research and demonstration; not a medical device."


def register(subparsers: argparse._SubParsersAction) -> None:
    pk = subparsers.add_parser("pk", help="simulate drug levels, occupancy and guidance for a regimen")
    pk.add_argument("--drug", help="catalogue drug name (see `drugs`)")
    pk.add_argument("--dose-mg", type=float, help="dose per administration (mg)")
    pk.add_argument("--interval-h", type=float, default=24.0, help="hours between doses (default 24)")
    pk.add_argument("--days", type=float, help="days of dosing from time 0")
    pk.add_argument("--stop-day", type=float, help="last dose before this day (S <= days); no doses after")
    pk.add_argument("--follow-days", type=float, default=0.0, help="extra days simulated after --days")
    pk.add_argument("--cyp2d6", default=None, help="CYP2D6 phenotype PM|IM|NM|RM|UM (default NM)")
    pk.add_argument("--cyp2c19", default=None, help="CYP2C19 phenotype PM|IM|NM|RM|UM (default NM)")
    pk.add_argument("--with", dest="with_", action="append", default=[], metavar="DRUG:DOSE",
                    help="co-medication taken daily throughout, e.g. --with bupropion:150 (repeatable)")
    pk.add_argument("--scenario", help="scenario JSON file (full regimen; replaces --drug/--dose-mg/--days)")
    pk.add_argument("--age", type=float, default=None,
                    help="age in years (PK covariate where published; dose caps for citalopram/escitalopram)")
    pk.add_argument("--weight-kg", type=float, default=None, help="body weight in kg (PK covariate where published)")
    pk.add_argument("--sex", choices=["female", "male"], default=None, help="sex (PK covariate where published)")
    pk.add_argument("--smoker", dest="smoker", action="store_const", const=True, default=None,
                    help="smokes tobacco (CYP1A2 induction: duloxetine, mirtazapine)")
    pk.add_argument("--non-smoker", dest="smoker", action="store_const", const=False, help="does not smoke")
    pk.add_argument("--hepatic-impairment", action="store_true", help="hepatic impairment (QT dose caps)")
    pk.add_argument("--baseline-qtc-ms", type=float, default=None, help="baseline QTc in ms (QT safety rules)")
    pk.add_argument("--potassium-mmol-l", type=float, default=None, help="serum potassium, mmol/L (QT safety)")
    pk.add_argument("--magnesium-mmol-l", type=float, default=None, help="serum magnesium, mmol/L (QT safety)")
    pk.add_argument("--qt-drug", action="append", default=[], metavar="NAME",
                    help="another QT-prolonging co-medication not in the catalogue, e.g. methadone (repeatable)")
    pk.add_argument("--json", action="store_true", help="print JSON")
    pk.set_defaults(func=run_pk)

    fit = subparsers.add_parser("pk-fit", help="fit a one-compartment model to measured drug levels (CSV)")
    fit.add_argument("--data", required=True, help="CSV: subject,time_h,concentration_ng_ml,dose_mg[,dose_times_h]")
    fit.add_argument("--json", action="store_true", help="print JSON")
    fit.set_defaults(func=run_pk_fit)

    drugs = subparsers.add_parser("drugs", help="list the drug catalogue with sources")
    drugs.add_argument("--json", action="store_true", help="print JSON")
    drugs.set_defaults(func=run_drugs)


def _round_list(a: np.ndarray, digits: int = 4) -> list[float]:
    return [round(float(x), digits) for x in np.asarray(a).ravel()]


def _parse_with(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, sep, dose = item.partition(":")
        if not sep or not name.strip():
            raise ValidationError(f"--with {item!r}: use DRUG:DOSE_MG, e.g. bupropion:150", field="with", value=item)
        try:
            value = float(dose)
        except ValueError:
            raise ValidationError(f"--with {item!r}: dose {dose!r} is not a number", field="with") from None
        if not math.isfinite(value) or value <= 0:
            raise ValidationError(f"--with {item!r}: dose must be > 0 mg", field="with", value=value)
        out[name.strip().lower()] = value
    return out


def _scenario_from_args(args: argparse.Namespace) -> tuple[dict[str, Any], float | None, float]:
    """Build a scenario dict from the simple flags; returns it, the last dose time (h) if stopped, and the horizon."""
    if not args.drug:
        raise ValidationError("pk needs --drug (or --scenario FILE.json)", field="drug")
    if args.dose_mg is None or args.days is None:
        raise ValidationError("pk needs --dose-mg and --days", field="dose_mg" if args.dose_mg is None else "days")
    if args.dose_mg < 0:
        raise ValidationError(f"--dose-mg must be >= 0, got {args.dose_mg:g}", field="dose_mg", value=args.dose_mg)
    if args.days <= 0:
        raise ValidationError(f"--days must be > 0, got {args.days:g}", field="days", value=args.days)
    if args.interval_h <= 0:
        raise ValidationError(f"--interval-h must be > 0, got {args.interval_h:g}", field="interval_h")
    from novamind_core.pharmacology.regimen import MAX_REGIMEN_DAYS

    if not 0 <= args.follow_days <= MAX_REGIMEN_DAYS:
        raise ValidationError(f"--follow-days must be within 0-{MAX_REGIMEN_DAYS}, got {args.follow_days:g}",
                              field="follow_days")
    dosing_days = args.days
    if args.stop_day is not None:
        if not 0 < args.stop_day <= args.days:
            raise ValidationError(f"--stop-day must be within 0 < S <= --days ({args.days:g}), got {args.stop_day:g}",
                                  field="stop_day", value=args.stop_day)
        dosing_days = args.stop_day
    steps = [{"drug": args.drug, "dose_mg": args.dose_mg, "days": dosing_days, "interval_h": args.interval_h}]
    rest = args.days - dosing_days + args.follow_days
    if rest > 0:
        steps.append({"drug": "none", "days": rest})
    scenario = {"name": f"{args.drug} {args.dose_mg:g} mg every {args.interval_h:g} h", "steps": steps}
    for gene in ("cyp2d6", "cyp2c19"):
        if getattr(args, gene):
            scenario[gene] = getattr(args, gene)
    stopped = args.stop_day is not None or args.follow_days > 0
    horizon = 24.0 * (args.days + args.follow_days)
    return scenario, (stopped, dosing_days), horizon


def run_pk(args: argparse.Namespace) -> int:
    from novamind_core.pharmacology import (
        active_moiety_key,
        build_dose_events,
        dose_guidance,
        load_catalogue,
        parse_scenario,
        simulate_pk,
    )
    from novamind_core.pharmacology.covariates import Covariates, adjusted_catalogue, covariate_adjustment
    from novamind_core.pharmacology.simulate import co_medications
    from novamind_core.pharmacology.summary import steady_state_summary, time_below_fraction_after_stop_h

    base_cat = load_catalogue()
    covariates = Covariates(age_years=args.age, weight_kg=args.weight_kg, sex=args.sex, smoker=args.smoker)
    cat = adjusted_catalogue(base_cat, covariates)  # the patient's covariate-adjusted CL/F and V/F
    co = _parse_with(args.with_)
    for name in co:
        cat.agent(name)
    if args.scenario:
        try:
            raw = json.loads(Path(args.scenario).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValidationError(f"scenario {args.scenario} is not valid JSON: {exc}", field="scenario") from None
        if isinstance(raw, dict):
            for gene in ("cyp2d6", "cyp2c19"):
                if getattr(args, gene):
                    raw[gene] = getattr(args, gene)
        scenario = parse_scenario(raw, cat)
        regimen: dict[str, Any] = scenario.to_dict()
    else:
        raw, _, _ = _scenario_from_args(args)
        scenario = parse_scenario(raw, cat)
        regimen = {"dose_mg": args.dose_mg, "interval_h": args.interval_h, "days": args.days,
                   "stop_day": args.stop_day, "follow_days": args.follow_days}
    schedule = build_dose_events(scenario, cat)
    if co:  # co-medications taken daily through the whole regimen
        days = schedule.end_h / 24.0
        extra = [build_dose_events(parse_scenario({"name": "with", "steps": [
            {"drug": n, "dose_mg": d, "days": days, "interval_h": 24.0}]}, cat), cat) for n, d in co.items()]
        schedule = _merge_schedules(schedule, extra)
        regimen["with"] = [{"drug": n, "dose_mg": d} for n, d in co.items()]
    main_segments = [s for s in schedule.segments if s.drug in cat.drugs and s.drug not in co]
    if not main_segments:
        raise ValidationError("the regimen has no drug doses to simulate", field="steps")
    last_seg = main_segments[-1]
    drug = cat.get(last_seg.drug)
    horizon_h = schedule.end_h
    step_h = min(1.0, last_seg.interval_h / 4.0)
    times = np.arange(0.0, horizon_h + 1e-9, step_h)
    result = simulate_pk(schedule, times, n_patients=1, seed=0, catalogue=cat, age_years=args.age)
    g6 = scenario.cyp2d6
    g19 = scenario.cyp2c19
    daily = last_seg.dose_mg * 24.0 / last_seg.interval_h
    co_names = co_medications(drug.name, schedule, cat)
    co_doses = {n: (co[n], 24.0) for n in co if n in cat.drugs and n != drug.name}
    ss = steady_state_summary(drug, last_seg.dose_mg, last_seg.interval_h, g6, g19, co_names, cat, co_doses=co_doses)
    active = result.concentration_ng_ml[active_moiety_key(drug.name)][0]
    main_dose_times = schedule.drugs[drug.name].times_h
    regimen_stops = last_seg.end_h < horizon_h - 1e-9 or args.stop_day is not None
    if regimen_stops:
        washout = time_below_fraction_after_stop_h(times, active, float(main_dose_times[-1]), 0.03)
    else:
        washout = ss.time_below_3pct_after_stop_h
    conc = {drug.name: _round_list(result.concentration_ng_ml[drug.name][0])}
    for m in drug.metabolites:
        conc[m.name] = _round_list(result.concentration_ng_ml[m.name][0])
    conc["active_moiety"] = _round_list(active)
    for other in result.drugs:
        if other != drug.name:
            conc[other] = _round_list(result.concentration_ng_ml[other][0])
    summary: dict[str, Any] = {
        "cmax_ng_ml": round(ss.cmax_ng_ml, 4), "cmin_ng_ml": round(ss.cmin_ng_ml, 4),
        "auc_tau_ng_h_per_ml": round(ss.auc_tau_ng_h_per_ml, 3), "accumulation_ratio": round(ss.accumulation_ratio, 4),
        "time_to_90pct_steady_state_h": round(ss.time_to_90pct_steady_state_h, 2),
        "steady_state_occupancy_percent": {k: round(v, 2) for k, v in ss.steady_state_occupancy_percent.items()},
        "time_below_3pct_after_stop_h": None if washout is None else round(washout, 2),
    }
    if ss.active_moiety is not None:
        summary["active_moiety"] = {k: round(v, 4) for k, v in ss.active_moiety.items()}
    guidance = dose_guidance(drug.name, daily, g6, g19, co_names, args.age, catalogue=cat)
    warnings = [w.as_dict() for w in result.warnings]
    safety = _safety(args, drug.name, daily, ss, g6, g19, co_names, base_cat, guidance.max_dose_mg_per_day)
    summary.update(safety.summary)
    warnings += safety.warnings
    if regimen_stops and washout is None:
        warnings.append({"severity": "info", "message": "the active moiety is still above 3% of its level at the last "
                         "dose at the end of the simulation; add --follow-days to see the washout",
                         "source": "Novamind pk summary definition"})
    out = {
        "drug": drug.name, "regimen": regimen, "times_h": _round_list(times, 3), "concentration_ng_ml": conc,
        "occupancy_percent": {k: _round_list(v[0], 3) for k, v in result.occupancy_percent.items()},
        "summary": summary, "dose_guidance": guidance.as_dict(), "warnings": warnings,
        "reference_range": safety.reference_range,
        "covariates": covariate_adjustment(drug, covariates).as_dict(),
    }
    if args.json:
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
        return 0
    print(f"{drug.name} ({drug.drug_class}) {last_seg.dose_mg:g} mg every {last_seg.interval_h:g} h. {NOTICE}")
    print(f"  steady state: Cmax {ss.cmax_ng_ml:.1f} ng/mL, Cmin {ss.cmin_ng_ml:.1f} ng/mL, "
          f"AUCtau {ss.auc_tau_ng_h_per_ml:.0f} ng*h/mL, accumulation x{ss.accumulation_ratio:.2f}")
    print(f"  90% of steady state after {ss.time_to_90pct_steady_state_h / 24:.1f} days; "
          f"below 3% {('after ' + format(washout / 24, '.1f') + ' days') if washout is not None else 'not reached'} "
          "after stopping")
    for target, value in ss.steady_state_occupancy_percent.items():
        print(f"  {target} occupancy at steady state: {value:.0f}%")
    for line in safety.lines:
        print(line)
    print(f"  guidance: {guidance.recommendation} [max {guidance.max_dose_mg_per_day} mg/day] ({guidance.source})")
    for w in warnings:
        print(f"  {w['severity'].upper()}: {w['message']} ({w['source']})")
    return 0


@dataclass(frozen=True)
class _Safety:
    summary: dict[str, Any]
    reference_range: dict[str, object] | None
    warnings: list[dict[str, str]]
    lines: list[str]


def _safety(args: argparse.Namespace, drug: str, daily_mg: float, ss: Any, cyp2d6: str, cyp2c19: str,
            co_names: list[str], catalogue: Any, guidance_max_mg: float | None) -> _Safety:
    """QTc prediction and rules, and the reference range with where the predicted trough falls (§13, §14)."""
    from novamind_core.pharmacology.qtc import predict_qtc, qt_assessment
    from novamind_core.pharmacology.reference_ranges import reference_range, trough_position

    qtc = predict_qtc(drug, ss.cmax_ng_ml, catalogue)
    findings = qt_assessment(drug, daily_mg, age_years=args.age, cyp2c19=cyp2c19, cyp2d6=cyp2d6,
                             co_medications=list(co_names) + [q.strip().lower() for q in args.qt_drug],
                             hepatic_impairment=args.hepatic_impairment, baseline_qtc_ms=args.baseline_qtc_ms,
                             potassium_mmol_l=args.potassium_mmol_l, magnesium_mmol_l=args.magnesium_mmol_l,
                             sex=args.sex, predicted=qtc, catalogue=catalogue)
    summary: dict[str, Any] = {"qtc_delta_ms": qtc.as_dict(), "qtc_delta_ms_reason": qtc.reason}
    lines = []
    if qtc.mean_ms is not None:
        lines.append(f"  predicted QTc prolongation at steady-state Cmax {qtc.cmax_ng_ml:.0f} ng/mL: "
                     f"{qtc.mean_ms:.1f} ms (upper 95% {qtc.upper_95_ms:.1f} ms; FDA label thorough-QT fit)")
    rng = reference_range(drug)
    rr = None
    summary["predicted_trough"] = None
    if rng is not None:
        moiety = rng.concentration_key.endswith("_active_moiety") and ss.active_moiety is not None
        trough = ss.active_moiety["cmin_ng_ml"] if moiety else ss.cmin_ng_ml
        position = trough_position(rng, trough)
        rr = rng.as_dict()
        summary["predicted_trough"] = {"analyte": rng.analyte, "trough_ng_ml": round(trough, 3),
                                       "position": position}
        where = position.replace("_", " ")
        lines.append(f"  reference range ({rng.analyte}): {rng.low_ng_ml:g}-{rng.high_ng_ml:g} ng/mL, alert "
                     f"{rng.alert_ng_ml:g} (AGNP 2018); predicted trough {trough:.1f} ng/mL: {where}")
    warnings = [f.as_dict() for f in findings if f.severity != "info" and not (  # cap already in dose_guidance
        f.max_dose_mg_per_day is not None and guidance_max_mg is not None and f.max_dose_mg_per_day >= guidance_max_mg)]
    return _Safety(summary, rr, warnings, lines)


def _merge_schedules(main, others):
    from dataclasses import replace

    drugs = dict(main.drugs)
    segments = list(main.segments)
    agents = list(main.other_agents)
    for other in others:
        for name, doses in other.drugs.items():
            if name in drugs:
                raise ValidationError(f"--with {name} is already in the regimen", field="with", value=name)
            drugs[name] = doses
        segments += list(other.segments)
        agents += [a for a in other.other_agents if a not in agents]
    return replace(main, drugs=drugs, segments=tuple(segments), other_agents=tuple(agents))


def run_pk_fit(args: argparse.Namespace) -> int:
    from novamind_core.pharmacology.tdm import fit_one_compartment, read_tdm_csv

    fit = fit_one_compartment(read_tdm_csv(args.data))
    out = fit.as_dict()
    if args.json:
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
        return 0
    p = fit.pooled
    se = p.standard_errors
    print(f"Pooled one-compartment fit ({p.n_observations} levels). {NOTICE}")
    print(f"  ka {p.ka_per_h:.3g} (SE {se['ka_per_h']:.2g}) /h, "
          f"CL/F {p.cl_l_per_h:.3g} (SE {se['cl_l_per_h']:.2g}) L/h, "
          f"V/F {p.v_l:.3g} (SE {se['v_l']:.2g}) L, t1/2 {p.half_life_h:.3g} (SE {se['half_life_h']:.2g}) h")
    print(f"  RMSE {p.rmse_ng_ml:.3g} ng/mL, R^2 {p.r_squared:.3f}, AIC {p.aic:.1f}")
    for s in fit.per_subject:
        print(f"  subject {s.subject}: ka {s.ka_per_h:.3g} /h, CL/F {s.cl_l_per_h:.3g} L/h, V/F {s.v_l:.3g} L, "
              f"t1/2 {s.half_life_h:.3g} h, R^2 {s.r_squared:.3f}")
    if fit.skipped_subjects:
        print(f"  skipped (fewer than 4 levels): {', '.join(fit.skipped_subjects)}")
    return 0


def run_drugs(args: argparse.Namespace) -> int:
    from novamind_core.pharmacology import load_catalogue

    cat = load_catalogue()
    rows = []
    for d in cat.drugs.values():
        row: dict[str, Any] = {"name": d.name, "class": d.drug_class, "serotonergic": d.serotonergic}
        if d.pk is not None:
            row["pk"] = {"ka_per_h": round(d.pk.ka_per_h, 4), "cl_f_l_per_h": round(d.pk.cl_f_l_per_h, 3),
                         "v_f_l": round(d.pk.v_f_l, 1), "half_life_h": round(d.pk.half_life_h, 2),
                         "tmax_h": d.pk.tmax_h}
            row["metabolites"] = [{"name": m.name, "half_life_h": m.half_life_h, "fraction_formed": m.fraction_formed,
                                   "sources": dict(m.sources)} for m in d.metabolites]
        if d.dose is not None:
            row["usual_dose_mg_per_day"] = [d.dose.usual_min_mg_per_day, d.dose.usual_max_mg_per_day]
        row["targets"] = {t.name: {"ec50_ng_ml": t.ec50_ng_ml, "source": t.source} for t in d.targets.values()}
        row["cleared_by"] = list(d.cleared_by)
        row["inhibits"] = dict(d.inhibits)
        if d.therapeutic_range_ng_ml:
            row["therapeutic_range_ng_ml"] = list(d.therapeutic_range_ng_ml)
        row["side_effects"] = list(d.side_effects)
        row["sources"] = dict(d.sources)
        rows.append(row)
    if args.json:
        json.dump({"drugs": rows, "source_file": cat.path}, sys.stdout)
        sys.stdout.write("\n")
        return 0
    print(f"Drug catalogue ({len(rows)} entries, {cat.path}). {NOTICE}")
    for r in rows:
        pk = r.get("pk")
        line = f"  {r['name']:<15} {r['class']:<24}"
        if pk:
            line += f" t1/2 {pk['half_life_h']:.0f} h, V/F {pk['v_f_l']:.0f} L"
        if "usual_dose_mg_per_day" in r:
            lo, hi = r["usual_dose_mg_per_day"]
            line += f", {lo:g}-{hi:g} mg/day"
        print(line)
        for key, src in r["sources"].items():
            print(f"      {key}: {src}")
    return 0
