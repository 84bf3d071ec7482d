"""Import and export commands: FHIR R4 Bundles, CSV files, device exports, and demo wearable data.

``python -m novamind_core import fhir FILE.json --as USERNAME``
``python -m novamind_core import csv --kind activity|daily|assessments|medications --patient MRN FILE.csv --as USER``
``python -m novamind_core import device --kind fitbit|apple_health --patient MRN FILE --as USERNAME``
``python -m novamind_core export fhir --patient MRN [--out FILE] --as USERNAME``
``python -m novamind_core seed-wearables [--patients N] [--days D]``

Imports and exports touch identifiable data, so they act as a named clinician on the patient's care team
(``--as``, or the ``NOVAMIND_CLI_USER`` environment variable): the command-line system user is on no care team and
is refused, exactly as in the app. ``--dry-run`` prints the preview (counts, dates, problems) and writes nothing.
A refused file prints every problem (row, column, value) and exits with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from novamind_core.cli.common import acting_user, add_credential_arguments, open_services
from novamind_core.domain.errors import NotFoundError

if TYPE_CHECKING:
    from novamind_core.biometrics.problems import ImportProblems
    from novamind_core.bootstrap import Services
    from novamind_core.domain.users import User

CSV_KINDS = ("activity", "daily", "assessments", "medications")
DEVICE_KINDS = ("fitbit", "apple_health")


def _services() -> Services:
    return open_services()


def _acting_user(services: Services, args: argparse.Namespace, scope: str) -> User:
    return acting_user(services, args, "imports and exports", scope)


def _patient_id(services: Services, user: User, mrn: str | None) -> int | None:
    if not mrn:
        return None
    return services.patients.find_by_mrn(user, mrn).id


def _print_problems(exc: ImportProblems) -> int:
    print(f"error: {exc.source}: {len(exc.problems)} problem(s); nothing was imported", file=sys.stderr)
    for p in exc.problems:
        print(f"  {p}", file=sys.stderr)
    return 2


def _progress(fraction: float, message: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{message}: {fraction * 100:5.1f}%", end="", file=sys.stderr, flush=True)


def _run_import(args: argparse.Namespace, kind: str) -> int:
    from novamind_core.biometrics.problems import ImportProblems
    from novamind_core.services.imports import import_service

    services = _services()
    try:
        user = _acting_user(services, args, "phi:read" if args.dry_run else "phi:write")
        service = import_service(services)
        patient_id = _patient_id(services, user, getattr(args, "patient", None))
        path = Path(args.file)
        if not path.is_file():
            raise NotFoundError(f"no such file: {path}")
        if args.dry_run:
            preview = service.preview(user, kind, path, patient_id=patient_id, name=path.name)
            out = {"ok": preview.ok, "counts": preview.counts,
                   "first_day": preview.first_day.isoformat() if preview.first_day else None,
                   "last_day": preview.last_day.isoformat() if preview.last_day else None,
                   "new_patient": preview.new_patient, "already_stored": preview.already_stored,
                   "problems": [str(p) for p in preview.problems], "notes": [str(n) for n in preview.notes]}
            print(json.dumps(out, indent=2))
            return 0 if preview.ok else 2
        try:
            result = service.import_file(user, kind, path, patient_id=patient_id, name=path.name, progress=_progress)
        except ImportProblems as exc:
            return _print_problems(exc)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        written = ", ".join(f"{v} {k}" for k, v in result.written.items()) or "nothing new"
        skipped = ", ".join(f"{v} {k}" for k, v in result.skipped.items())
        print(f"imported {path.name} into patient {result.patient_id}"
              f"{' (new patient)' if result.created_patient else ''}: {written}"
              f"{'; already stored: ' + skipped if skipped else ''}; alerts raised: {result.alerts_raised}")
        for note in result.notes:
            print(f"  note: {note}")
        return 0
    finally:
        services.close()


def cmd_import_fhir(args: argparse.Namespace) -> int:
    return _run_import(args, "fhir")


def cmd_import_csv(args: argparse.Namespace) -> int:
    return _run_import(args, args.kind)


def cmd_import_device(args: argparse.Namespace) -> int:
    return _run_import(args, args.kind)


def cmd_export_fhir(args: argparse.Namespace) -> int:
    from novamind_core.services.imports import import_service

    services = _services()
    try:
        user = _acting_user(services, args, "phi:export")
        bundle = import_service(services).export_fhir(user, 0, mrn=args.patient)
        text = json.dumps(bundle, indent=2)
        if args.out:
            Path(args.out).write_text(text + "\n", encoding="utf-8")
            print(f"wrote {len(bundle['entry'])} resources to {args.out}")
        else:
            print(text)
        return 0
    finally:
        services.close()


def cmd_seed_wearables(args: argparse.Namespace) -> int:
    from novamind_core.demo.wearables import seed_demo_wearables

    services = _services()
    try:
        report = seed_demo_wearables(services, n_patients=args.patients, days=args.days, seed=args.seed)
        print(f"minute actigraphy: {report.minute_days} days for {report.patients} patients "
              f"(skipped {report.skipped} that already had minute data)")
        return 0
    finally:
        services.close()


def _common(p: argparse.ArgumentParser, *, patient_required: bool) -> None:
    add_credential_arguments(p, "the patient's record")
    p.add_argument("--patient", metavar="MRN", required=patient_required, help="the patient's MRN")
    p.add_argument("--dry-run", action="store_true", help="print the preview (JSON) and write nothing")


def register(subparsers: argparse._SubParsersAction) -> None:
    imp = subparsers.add_parser("import", help="import a FHIR Bundle, a CSV file or a device export (all-or-nothing)")
    isub = imp.add_subparsers(dest="import_kind", metavar="<format>")
    p = isub.add_parser("fhir", help="import a FHIR R4 Bundle (JSON): Patient, PHQ-9/GAD-7, medications, "
                                     "conditions; a new MRN registers the patient")
    p.add_argument("file", metavar="FILE.json")
    _common(p, patient_required=False)
    p.set_defaults(func=cmd_import_fhir)
    p = isub.add_parser("csv", help="import a CSV of minute activity, daily summaries, assessments or medications")
    p.add_argument("--kind", choices=CSV_KINDS, required=True)
    p.add_argument("file", metavar="FILE.csv")
    _common(p, patient_required=True)
    p.set_defaults(func=cmd_import_csv)
    p = isub.add_parser("device", help="import a Fitbit export JSON or an Apple Health export.xml (daily summaries)")
    p.add_argument("--kind", choices=DEVICE_KINDS, required=True)
    p.add_argument("file", metavar="FILE")
    _common(p, patient_required=True)
    p.set_defaults(func=cmd_import_device)

    exp = subparsers.add_parser("export", help="export a patient's record")
    esub = exp.add_subparsers(dest="export_kind", metavar="<format>")
    p = esub.add_parser("fhir", help="export a patient as a FHIR R4 Bundle (JSON)")
    p.add_argument("--patient", metavar="MRN", required=True)
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    add_credential_arguments(p, "the patient's record")
    p.set_defaults(func=cmd_export_fhir)

    p = subparsers.add_parser("seed-wearables", help="add synthetic minute actigraphy to demo patients (not in "
                                                     "production)")
    p.add_argument("--patients", type=int, default=8, help="how many demo patients get minute data (default 8)")
    p.add_argument("--days", type=int, default=56, help="days of minute data per patient (default 56)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_seed_wearables)
