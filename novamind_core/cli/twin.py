"""Twin commands: ``simulate``, ``cohort-simulate``, ``calibrate`` (their JSON keys are a stable contract)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from novamind_core.cli.common import add_credential_arguments
from novamind_core.domain.errors import ValidationError


def _print(obj: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(obj))
        return
    for k, v in obj.items():
        if isinstance(v, dict | list) and len(json.dumps(v)) > 100:
            v = json.dumps(v)[:97] + "..."
        print(f"{k}: {v}")


def _simulate(args: argparse.Namespace) -> int:
    from novamind_core.twin import Scenario, run_scenario

    try:
        raw = json.loads(Path(args.scenario).read_text())
    except json.JSONDecodeError as exc:
        raise ValidationError(f"scenario file {args.scenario} is not valid JSON: {exc}", field="scenario") from exc
    scenario = Scenario.from_mapping(raw)  # the JSON edge: a bad field is named here, before anything runs
    history = None
    if args.patient:  # the patient's own history calibrates the twin: a care-team check and an audit event
        from novamind_core.cli.common import acting_user, open_services

        services = open_services()
        history = services.twin.patient_history(acting_user(services, args, "a patient's twin", "phi:read"),
                                                 args.patient)
    result = run_scenario(scenario, history, draws=args.draws, seed=args.seed)
    out = result.to_dict()
    keys = ("weeks", "phq9", "gad7", "p_response_week8", "p_remission_week8", "p_response_week12",
            "p_remission_week12", "pk", "neurotransmitters", "warnings")
    contract = {k: out[k] for k in keys}
    contract.update({k: out[k] for k in ("dose_guidance", "calibration", "limits")})
    _print(contract, args.json)
    return 0


def _cohort(args: argparse.Namespace) -> int:
    from novamind_core.twin import simulate_cohort

    r = simulate_cohort(args.drug, dose_mg=args.dose_mg, n=args.n, weeks=args.weeks, steps=args.steps, seed=args.seed)
    d = r.to_dict()
    keys = ("n", "response_rate", "remission_rate", "mean_change_phq9", "sd_change_phq9", "by_step",
            "cumulative_remission_rate")
    _print({k: d[k] for k in keys}, args.json)
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from novamind_core.twin.calibration import run_calibration

    _print(run_calibration(quick=args.quick), args.json)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("simulate", help="what-if scenario for a patient (or the population prior)")
    p.add_argument("--scenario", required=True,
                   help="scenario JSON file (regimen steps as in pharmacology.regimen, plus horizon_weeks)")
    p.add_argument("--patient", metavar="MRN", help="patient whose history calibrates the twin")
    add_credential_arguments(p, "the patient's twin (with --patient)")
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_simulate)

    c = subparsers.add_parser("cohort-simulate", help="virtual MDD cohort (trial-like, STAR*D-like steps)")
    c.add_argument("--drug", required=True, help="catalogue drug name or 'placebo'")
    c.add_argument("--dose-mg", type=float, default=None, help="target daily dose (default: catalogue usual dose)")
    c.add_argument("--n", type=int, required=True)
    c.add_argument("--weeks", type=int, required=True)
    c.add_argument("--steps", type=int, default=1)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=_cohort)

    k = subparsers.add_parser("calibrate", help="fit the twin's population parameters and write the report")
    k.add_argument("--quick", action="store_true", help="smaller cohorts, one round")
    k.add_argument("--json", action="store_true")
    k.set_defaults(func=_calibrate)
