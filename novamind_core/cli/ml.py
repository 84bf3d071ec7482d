"""CLI for the learned models: ``train response|forecaster|actigraphy``, ``models list``, ``models card NAME``.

``train`` prints progress lines and a one-line summary; the shipped models in ``data/models`` are reproduced by
``python -m novamind_core train <name>`` (seed 0, full sizes). ``--json`` prints machine-readable output.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

MODEL_NAMES = ("response", "forecaster", "actigraphy")


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _train(args: argparse.Namespace) -> int:
    from novamind_core.ml.training import TRAINERS

    entry = TRAINERS[args.model](data=args.data, quick=args.quick, seed=args.seed, version=args.version,
                                 model_dir=Path(args.model_dir) if args.model_dir else None,
                                 progress=None if args.json else _progress)
    summary = {"name": entry.name, "version": entry.version, "path": str(entry.path),
               "metrics": entry.metadata.get("metrics"), "checksum": entry.metadata["checksum"]["combined"]}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"trained {entry.name} {entry.version} -> {entry.path} (checksum {summary['checksum'][:12]})")
    return 0


def _headline(meta: dict) -> str:
    m = meta.get("metrics", {})
    if meta.get("kind") == "response":
        r = m["response"]
        return (f"test AUC response {r['auc']} (accuracy {r['accuracy']}, base rate {r['base_rate']}), "
                f"remission {m['remission']['auc']}")
    if meta.get("kind") == "forecaster":
        return f"default {meta.get('default')}; GRU MAE {m['gru']['mae_median_points']} points"
    if meta.get("kind") == "actigraphy":
        return f"test AUC {m['test']['auc']}"
    return ""


def _list(args: argparse.Namespace) -> int:
    from novamind_core.ml.registry import list_models

    entries = list_models(Path(args.model_dir) if args.model_dir else None)
    rows = [{"name": e.name, "version": e.version, "kind": e.metadata.get("kind"),
             "synthetic": e.metadata.get("data", {}).get("synthetic"), "created": e.metadata.get("created"),
             "code_version": e.metadata.get("code_version"), "summary": _headline(e.metadata),
             "path": str(e.path)} for e in entries]
    if args.json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        print("no models registered; train one with `python -m novamind_core train response`")
    else:
        for r in rows:
            data = "synthetic data" if r["synthetic"] else "clinic data"
            print(f"{r['name']:<11} {r['version']:<6} {data:<15} {r['code_version'] or '':<10} {r['summary']}")
    return 0


def _card(args: argparse.Namespace) -> int:
    from novamind_core.ml.registry import model_card

    card = model_card(args.name, args.version, Path(args.model_dir) if args.model_dir else None)
    if args.json:
        print(json.dumps(card, indent=2))
        return 0
    print(f"{card['name']} {card['version']} ({card.get('model_type', '')})")
    print(f"  data: {card['data']['description']}")
    print(f"  held-out: {card['metrics'].get('held_out', '')} -> {_headline(card)}")
    if card.get("default"):
        print(f"  default method: {card['default']} ({card.get('default_reason', '')})")
    print(f"  intended use: {card.get('intended_use', '')}")
    for line in card.get("limitations", []):
        print(f"  limitation: {line}")
    print(f"  seed {card['training']['seed']}, code {card.get('code_version')}, sha256 {card['checksum']['combined']}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser("train", help="train a learned model and add it to the registry")
    train.add_argument("model", choices=MODEL_NAMES)
    train.add_argument("--data", help="training file (clinic CSV; see novamind_core/ml/datasets.py); default synthetic")
    train.add_argument("--quick", action="store_true", help="small sizes (seconds to a minute)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--version", default="1", help="registry version (default 1; overwrites it)")
    train.add_argument("--model-dir", help="registry root (default: NOVAMIND_MODEL_DIR or data/models)")
    train.add_argument("--json", action="store_true")
    train.set_defaults(func=_train)

    models = subparsers.add_parser("models", help="list registered models or show a model card")
    msub = models.add_subparsers(dest="models_command", metavar="<list|card>", parser_class=type(models))
    lst = msub.add_parser("list", help="registered models with their held-out headline")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--model-dir")
    lst.set_defaults(func=_list)
    card = msub.add_parser("card", help="a model's card (data, features, held-out metrics, calibration)")
    card.add_argument("name")
    card.add_argument("--version")
    card.add_argument("--json", action="store_true")
    card.add_argument("--model-dir")
    card.set_defaults(func=_card)
