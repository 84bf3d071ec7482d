"""``taper`` command: a hyperbolic taper plan from the drug's own SERT-occupancy curve. JSON keys are a contract."""

from __future__ import annotations

import argparse
import json

NOTICE = "Decision support for research and demonstration; not a medical device."


def register(subparsers: argparse._SubParsersAction) -> None:
    from novamind_core.pharmacology.taper import DEFAULT_STEP_OCCUPANCY_POINTS, DEFAULT_WEEKS_PER_STEP

    p = subparsers.add_parser("taper", help="hyperbolic taper plan: equal SERT-occupancy steps (Horowitz & Taylor "
                                            "2019)")
    p.add_argument("--drug", required=True, help="catalogue drug that binds SERT (see `drugs`)")
    p.add_argument("--from-mg", type=float, required=True, help="current daily dose (mg)")
    p.add_argument("--step-occupancy-points", type=float, default=DEFAULT_STEP_OCCUPANCY_POINTS,
                   help=f"SERT-occupancy percentage points per step (default {DEFAULT_STEP_OCCUPANCY_POINTS:g})")
    p.add_argument("--weeks-per-step", type=float, default=DEFAULT_WEEKS_PER_STEP,
                   help=f"weeks on each step, the clinician's choice (default {DEFAULT_WEEKS_PER_STEP:g})")
    p.add_argument("--cyp2d6", default="NM", help="CYP2D6 phenotype PM|IM|NM|RM|UM (default NM)")
    p.add_argument("--cyp2c19", default="NM", help="CYP2C19 phenotype PM|IM|NM|RM|UM (default NM)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_taper)


def run_taper(args: argparse.Namespace) -> int:
    from novamind_core.pharmacology.pk import validate_phenotype
    from novamind_core.pharmacology.taper import hyperbolic_taper

    plan = hyperbolic_taper(args.drug, args.from_mg, args.step_occupancy_points, args.weeks_per_step,
                            cyp2d6=validate_phenotype(args.cyp2d6, "CYP2D6"),
                            cyp2c19=validate_phenotype(args.cyp2c19, "CYP2C19"))
    if args.json:
        print(json.dumps({**plan.to_dict(), "notice": NOTICE}, indent=2))
        return 0
    print(f"{plan.drug} taper from {plan.from_mg:g} mg/day: {plan.step_occupancy_points:g} SERT-occupancy points "
          f"per step, {plan.weeks_per_step:g} weeks each ({plan.total_weeks:g} weeks)")
    print(f"{'week':>6}  {'dose mg':>8}  {'SERT %':>6}  how to give")
    for s in plan.steps:
        print(f"{s.week:>6g}  {s.dose_mg:>8g}  {s.sert_occupancy_percent:>6.1f}  {s.how_to_give}")
    print(f"method: {plan.method}\nsource: {plan.source}\nformulations: {plan.formulation_source}\n{NOTICE}")
    return 0
