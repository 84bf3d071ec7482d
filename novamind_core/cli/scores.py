"""Questionnaire commands: ``score`` (total, severity, item-9 flag) and ``change`` (change from baseline; with
``--json`` it carries the Jacobson-Truax reliable change, labelled ``rci`` / ``reliable_*``, and, for PHQ-9 and
GAD-7, the NHS Talking Therapies view in a ``talking_therapies`` block, null for other instruments).

Both are pure calculations over the domain rules: no database, no keys, no audit.
"""

from __future__ import annotations

import argparse
import json

from novamind_core.domain.errors import ValidationError


def _answers(text: str) -> list[int]:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    out = []
    for number, part in enumerate(parts, start=1):
        try:
            out.append(int(part))
        except ValueError:
            raise ValidationError(f"item {number} answer {part!r} is not a whole number", field=f"item_{number}",
                                  value=part) from None
    return out


def cmd_score(args: argparse.Namespace) -> int:
    from novamind_core.domain.assessments import score_assessment

    score = score_assessment(args.instrument, _answers(args.answers))
    payload = {"instrument": score.instrument.value, "answers": list(score.answers), "total": score.total,
               "max_total": score.max_total, "severity": score.severity, "item9_positive": score.item9_positive}
    if args.json:
        print(json.dumps(payload))
    else:
        flag = "; ITEM 9 POSITIVE: assess suicide risk now" if score.item9_positive else ""
        print(f"{score.instrument.value} total {score.total}/{score.max_total}: {score.severity}{flag}")
    return 0


def _int(text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationError(f"{field} total {text!r} is not a whole number", field=field, value=text) from None


def _talking_therapies(instrument: object, baseline: int, current: int) -> dict[str, bool] | None:
    """The NHS Talking Therapies block of ``change --json`` (None for an instrument the programme does not use)."""
    from novamind_core.domain.instruments import Instrument
    from novamind_core.domain.outcomes import TALKING_THERAPIES_THRESHOLDS, talking_therapies_change

    if instrument not in TALKING_THERAPIES_THRESHOLDS:
        return None
    assert isinstance(instrument, Instrument)
    return talking_therapies_change(instrument, baseline, current).to_json()


def cmd_change(args: argparse.Namespace) -> int:
    from novamind_core.domain.assessments import compare_to_baseline

    c = compare_to_baseline(args.instrument, _int(args.baseline, "baseline"), _int(args.current, "current"))
    if args.json:
        print(json.dumps({"instrument": c.instrument.value, "baseline": c.baseline_total, "current": c.current_total,
                          "change": c.change, "percent_change": c.percent_change, "response": c.response,
                          "remission": c.remission, "mcid_improved": c.mcid_improved,
                          "mcid_worsened": c.mcid_worsened, "rci": round(c.rci, 4) if c.rci is not None else None,
                          "reliable_improvement": c.reliable_improvement,
                          "reliable_deterioration": c.reliable_deterioration,
                          "baseline_severity": c.baseline_severity, "current_severity": c.current_severity,
                          "talking_therapies": _talking_therapies(c.instrument, c.baseline_total,
                                                                  c.current_total)}))
    else:
        print(c.describe())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("score", help="score a questionnaire: total, severity, item-9 flag")
    p.add_argument("--instrument", required=True, help="PHQ-9, GAD-7 or ISI")
    p.add_argument("--answers", required=True, help="comma-separated item answers, e.g. 1,2,0,3,1,0,2,1,0")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_score)

    p = subparsers.add_parser("change", help="change from baseline: response, remission, MCID, reliable change")
    p.add_argument("--instrument", required=True, help="PHQ-9, GAD-7 or ISI")
    p.add_argument("--baseline", required=True, help="baseline total")
    p.add_argument("--current", required=True, help="current total")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_change)
