"""Questionnaire requests and measurement plans from the command line (docs/reporting.md).

``python -m novamind_core requests create --patient MRN --instruments PHQ-9,GAD-7 --as USER [--channel link|email|sms]
[--link-hours H] [--print-link]``
``python -m novamind_core plans show --patient MRN --as USER``
``python -m novamind_core plans set --patient MRN --as USER [--instruments ..] [--every-days N]
[--deliveries N | --until-discharge] [--channel email|sms|kiosk] [--send-time HH:MM] [--reminder-hours H]
[--link-hours H] [--pause | --resume]``

Each acts as a clinician on the patient's care team (``--as`` or ``NOVAMIND_CLI_USER``), exactly as in the app: the
services check the role and the care team and audit every call. The link is printed only with ``--print-link`` (it
is a credential: whoever holds it can answer for the patient until it is used or expires).
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING

from novamind_core.cli.common import acting_user, add_credential_arguments, open_services
from novamind_core.domain.errors import ValidationError

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services
    from novamind_core.domain.reporting import MeasurementPlan
    from novamind_core.domain.reporting_views import MeasurementPanel
    from novamind_core.domain.users import User


def _context(args: argparse.Namespace, scope: str = "phi:write") -> tuple[Services, User, int]:
    services = open_services()
    try:
        user = acting_user(services, args, "questionnaires and measurement plans", scope)
        patient_id = services.patients.find_by_mrn(user, args.patient).id
    except BaseException:
        services.close()
        raise
    return services, user, patient_id


def _create(args: argparse.Namespace) -> int:
    services, user, patient_id = _context(args)
    try:
        created = services.reporting.create_request(user, patient_id, args.instruments, channel=args.channel,
                                                    lifetime_hours=args.link_hours)
    finally:
        services.close()
    print(f"request {created.request_id} created ({created.channel.value}); the link expires "
          f"{created.expires_at:%Y-%m-%d %H:%M} UTC")
    if args.print_link:
        print(created.link_url)
    elif created.channel.value == "link":
        print("the link is not shown: pass --print-link to print it (it is a credential; hand it to the patient only)")
    return 0


def _describe(panel: MeasurementPanel) -> list[str]:
    plan = panel.plan
    lines = [f"state: {panel.state.value}" + (f"; next due {panel.next_due.isoformat()}" if panel.next_due else "")]
    shown = plan or panel.suggested
    lines.append("plan: " + ("none (suggested below)" if plan is None else
                            f"version {plan.version}{'' if plan.active else ' (paused)'}"))
    lines += [f"  instruments: {','.join(i.value for i in shown.instruments)}",
              f"  schedule: {shown.rule.describe()} from {shown.anchor_on.isoformat()}"
              + (f" (restarted {shown.restarted_on.isoformat()})" if shown.restarted_on else ""),
              f"  channel: {shown.channel.value} at {shown.send_time:%H:%M}; reminder after "
              f"{shown.reminder_after_hours} h; links valid {shown.link_lifetime_hours} h"]
    consent = panel.consent
    if consent is None:
        lines.append("consent: none recorded")
    else:
        lines.append(f"consent: e-mail {'yes' if consent.email else 'no'}, SMS {'yes' if consent.sms else 'no'} "
                     f"(recorded {consent.recorded_on.isoformat()}"
                     + (f" by {consent.recorded_by_name}" if consent.recorded_by_name else "") + ")"
                     + (f"; opted out {consent.opted_out_at:%Y-%m-%d}" if consent.opted_out else ""))
    for r in panel.requests[:10]:
        lines.append(f"request {r.id}: {r.status.value}, due {r.due_on.isoformat()}, "
                     f"{','.join(i.value for i in r.instruments)} by {r.channel.value}")
    return lines


def _show(args: argparse.Namespace) -> int:
    services, user, patient_id = _context(args, "phi:read")
    try:
        panel = services.reporting.plan_view(user, patient_id)
    finally:
        services.close()
    print("\n".join(_describe(panel)))
    return 0


def _edited(base: MeasurementPlan, args: argparse.Namespace) -> MeasurementPlan:
    from novamind_core.domain.reporting import Channel, parse_instruments, parse_send_time

    rule = base.rule
    if args.every_days is not None:
        rule = dataclasses.replace(rule, interval_days=args.every_days)
    if args.until_discharge:
        rule = dataclasses.replace(rule, deliveries=None)
    elif args.deliveries is not None:
        rule = dataclasses.replace(rule, deliveries=args.deliveries)
    changes: dict[str, object] = {"rule": rule}
    if args.instruments:
        changes["instruments"] = parse_instruments(args.instruments)
    if args.channel:
        changes["channel"] = Channel(args.channel)
    if args.send_time:
        changes["send_time"] = parse_send_time(args.send_time)
    if args.reminder_hours is not None:
        changes["reminder_after_hours"] = args.reminder_hours
    if args.link_hours is not None:
        changes["link_lifetime_hours"] = args.link_hours
    if args.resume:
        changes["active"] = True
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _set(args: argparse.Namespace) -> int:
    services, user, patient_id = _context(args)
    try:
        panel = services.reporting.plan_view(user, patient_id)
        if args.pause:
            if panel.plan is None:
                raise ValidationError("the patient has no plan to pause", field="pause")
            saved = services.reporting.pause_plan(user, patient_id, panel.plan.version)
        else:
            plan = _edited(panel.plan or panel.suggested, args)
            saved = services.reporting.set_plan(user, patient_id, plan,
                                                panel.plan.version if panel.plan else None)
        panel = services.reporting.plan_view(user, patient_id)
    finally:
        services.close()
    print(f"plan saved (version {saved.version})")
    print("\n".join(_describe(panel)))
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--patient", required=True, metavar="MRN", help="the patient's medical record number")
    add_credential_arguments(p, "the patient's questionnaires")


def register(subparsers: argparse._SubParsersAction) -> None:
    requests = subparsers.add_parser("requests", help="questionnaire requests (links) for a patient")
    rsub = requests.add_subparsers(dest="requests_command", metavar="<action>", parser_class=type(requests))
    p = rsub.add_parser("create", help="create a questionnaire request now")
    _common(p)
    p.add_argument("--instruments", required=True, help="comma-separated: PHQ-9,GAD-7,ISI")
    p.add_argument("--channel", choices=("link", "email", "sms"), default="link",
                   help="link (printed; default), or e-mail/SMS through the outbox (needs consent)")
    p.add_argument("--link-hours", type=_positive, default=None, help="hours until the link expires")
    p.add_argument("--print-link", action="store_true", help="print the link (a credential: handle with care)")
    p.set_defaults(func=_create)
    requests.set_defaults(func=lambda a: (requests.print_help(), 2)[1])

    plans = subparsers.add_parser("plans", help="a patient's measurement plan (schedule of questionnaires)")
    psub = plans.add_subparsers(dest="plans_command", metavar="<action>", parser_class=type(plans))
    p = psub.add_parser("show", help="the plan (or the suggested default), consent, state and recent requests")
    _common(p)
    p.set_defaults(func=_show)
    p = psub.add_parser("set", help="create or change the plan (unset options keep their value)")
    _common(p)
    p.add_argument("--instruments", help="comma-separated: PHQ-9,GAD-7,ISI")
    p.add_argument("--every-days", type=_positive, help="days between questionnaires")
    until = p.add_mutually_exclusive_group()
    until.add_argument("--deliveries", type=_positive, help="how many times in all")
    until.add_argument("--until-discharge", action="store_true", help="no limit: until discharge")
    p.add_argument("--channel", choices=("email", "sms", "kiosk"))
    p.add_argument("--send-time", metavar="HH:MM", help="time of day to send, clinic time zone")
    p.add_argument("--reminder-hours", type=_positive, help="hours after the invitation to remind (0: none)")
    p.add_argument("--link-hours", type=_positive, help="hours a link stays valid")
    state = p.add_mutually_exclusive_group()
    state.add_argument("--pause", action="store_true", help="pause the plan (no new requests)")
    state.add_argument("--resume", action="store_true", help="resume a paused plan")
    p.set_defaults(func=_set)
    plans.set_defaults(func=lambda a: (plans.print_help(), 2)[1])
