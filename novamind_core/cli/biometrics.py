"""``python -m novamind_core actigraphy FILE.csv [--json]``: rhythm and sleep metrics of a minute-level recording."""

from __future__ import annotations

import argparse
import json


def _actigraphy(args: argparse.Namespace) -> int:
    from novamind_core.biometrics.parsers.csv_files import read_activity_csv
    from novamind_core.biometrics.report import actigraphy_report

    activity = read_activity_csv(args.file, tz=args.tz)
    result = actigraphy_report(activity, method=args.method).as_dict()
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    s = result["sleep"]
    c = result["cosinor"]

    def f(v, spec=".2f"):
        return "n/a" if v is None else format(v, spec)

    print(f"days {result['days']}, wear {f(result['wear_time_percent'], '.1f')}%, nights {s['n_nights']}")
    print(f"IS {f(result['interdaily_stability'])}  IV {f(result['intradaily_variability'])}  "
          f"RA {f(result['relative_amplitude'])}")
    print(f"M10 {f(result['m10'], '.1f')} from {result['m10_onset']}  L5 {f(result['l5'], '.1f')} from "
          f"{result['l5_onset']}  (counts/min)")
    print(f"cosinor: mesor {f(c['mesor'], '.1f')}, amplitude {f(c['amplitude'], '.1f')}, acrophase {c['acrophase']}")
    print(f"sleep ({s['scoring_method']}): TST {f(s['total_sleep_min'], '.0f')} min, SE "
          f"{f(s['sleep_efficiency_percent'], '.1f')}%, SOL {f(s['sleep_onset_latency_min'], '.0f')} min, "
          f"WASO {f(s['waso_min'], '.0f')} min, awakenings {f(s['awakenings'], '.1f')}, "
          f"midpoint {s['sleep_midpoint']}, "
          f"SRI {f(s['sleep_regularity_index'], '.0f')}")
    for metric, reason in result["not_computable"].items():
        print(f"{metric}: not computable: {reason}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("actigraphy", help="rest-activity rhythm and sleep metrics from a minute-level CSV",
                              description="Columns timestamp, counts at 1-minute epochs.")
    p.add_argument("file", help="CSV with columns timestamp, counts (1-minute epochs)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--tz", default="UTC", help="time zone of naive timestamps (default UTC)")
    p.add_argument("--method", choices=("cole_kripke", "sadeh"), default="cole_kripke", help="sleep scoring")
    p.set_defaults(func=_actigraphy)
