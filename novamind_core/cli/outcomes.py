"""Clinic outcomes and measurement billing from the command line (docs/outcomes.md).

``python -m novamind_core outcomes --standard talking-therapies|us --from DATE --to DATE [--by clinician|drug|diagnosis]
[--period month|quarter] --as USER [--json]``
``python -m novamind_core billing --month YYYY-MM [--cap N] --as USER [--csv] [--output FILE]``

Each acts as a named user (``--as`` or ``NOVAMIND_CLI_USER``), exactly as in the app: a clinic lead or an admin sees
the whole clinic, a clinician their own figures; only clinic leads and admins export billing; every call is audited.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from novamind_core.cli.common import acting_user, add_credential_arguments, open_services
from novamind_core.domain.outcome_records import DEFAULT_UNITS_CAP_PER_ENCOUNTER


def _pct(rate: dict) -> str:
    if rate["suppressed"]:
        return "<5 (suppressed)"
    if not rate["denominator"]:
        return "no episodes"
    return (f"{100 * rate['rate']:.0f}% ({rate['numerator']}/{rate['denominator']}; 95% CI "
            f"{100 * rate['lower_95']:.0f}-{100 * rate['upper_95']:.0f}%)")


def _text(payload: dict) -> list[str]:
    lines = [f"{payload['standard'].replace('_', ' ')} outcomes, {payload['from']} to {payload['to']} "
             f"({payload['scope']} figures{', synthetic demo data' if payload['synthetic_data'] else ''})"]
    names = {d["key"]: d["name"] for d in payload["definitions"]}
    for group in [payload["overall"], *payload["groups"]]:
        lines.append(f"{group['label']}: {group['closed_episodes']} episodes; data completeness "
                     f"{_pct(group['data_completeness'])}")
        lines += [f"  {names[key]}: {_pct(rate)}" for key, rate in group["rates"].items()]
    if payload["funnel"] is None:
        lines.append(payload["funnel_note"])
    return lines


def cmd_outcomes(args: argparse.Namespace) -> int:
    services = open_services()
    try:
        user = acting_user(services, args, "clinic outcomes", "phi:read")
        report = services.outcomes.report(user, standard=args.standard, start=args.start, end=args.end, by=args.by,
                                          period=args.period)
    finally:
        services.close()
    payload = report.to_json()
    print(json.dumps(payload) if args.json else "\n".join(_text(payload)))
    return 0


def cmd_billing(args: argparse.Namespace) -> int:
    services = open_services()
    try:
        user = acting_user(services, args, "measurement billing", "phi:export")
        if args.csv or args.output:
            data = services.outcomes.billing_csv(user, args.month, args.cap)
        else:
            events = services.outcomes.billing(user, args.month, args.cap)
    finally:
        services.close()
    if args.output:
        Path(args.output).write_bytes(data)
        print(f"billing export written to {args.output}")
    elif args.csv:
        sys.stdout.write(data.decode("utf-8"))
    else:
        billed = [e for e in events if e.billed]
        print(f"{len(billed)} billable units of CPT 96127 in {args.month} "
              f"({len(events) - len(billed)} over the per-encounter cap of {args.cap})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("outcomes", help="clinic outcome figures (NHS Talking Therapies or US measures)")
    p.add_argument("--standard", required=True, help="talking-therapies or us")
    p.add_argument("--from", dest="start", required=True, help="first day of the period (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", required=True, help="last day of the period (YYYY-MM-DD)")
    p.add_argument("--by", choices=["clinician", "drug", "diagnosis"], help="group the figures")
    p.add_argument("--period", choices=["month", "quarter"], default="month", help="rates over time by")
    add_credential_arguments(p, "clinic outcomes")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_outcomes)

    p = subparsers.add_parser("billing", help="monthly measurement billing export (CPT 96127)")
    p.add_argument("--month", required=True, help="the month to bill (YYYY-MM)")
    p.add_argument("--cap", type=int, default=DEFAULT_UNITS_CAP_PER_ENCOUNTER,
                   help=f"payer's units per encounter (default {DEFAULT_UNITS_CAP_PER_ENCOUNTER})")
    p.add_argument("--csv", action="store_true", help="print the CSV export")
    p.add_argument("--output", help="write the CSV export to this file")
    add_credential_arguments(p, "measurement billing")
    p.set_defaults(func=cmd_billing)
