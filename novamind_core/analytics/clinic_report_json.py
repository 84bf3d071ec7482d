"""``OutcomeReport.to_json()``: the ``outcomes --json`` contract (docs/outcomes.md). Suppressed figures are null
with ``"suppressed": true``; no patient identifier appears."""

from __future__ import annotations

import math

from novamind_core.analytics.clinic_report_types import GroupOutcomes, OutcomeReport
from novamind_core.analytics.outcome_stats import OutcomeRate


def _num(x: float | None, digits: int = 4) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else round(float(x), digits)


def rate_json(r: OutcomeRate) -> dict[str, object]:
    """One rate: counts, estimate and Wilson 95% interval, or nulls when suppressed."""
    if r.suppressed:
        return {"suppressed": True, "numerator": None, "denominator": None, "rate": None, "lower_95": None,
                "upper_95": None}
    return {"suppressed": False, "numerator": r.numerator, "denominator": r.denominator,
            "rate": _num(r.rate.estimate), "lower_95": _num(r.rate.lower), "upper_95": _num(r.rate.upper)}


def group_json(g: GroupOutcomes) -> dict[str, object]:
    return {"label": g.label, "closed_episodes": g.episodes, "data_completeness": rate_json(g.completeness),
            "rates": {r.label: rate_json(r) for r in g.rates}}


def report_json(report: OutcomeReport) -> dict[str, object]:
    funnel = None
    if report.funnel is not None:
        f = report.funnel
        funnel = {"measure": f.measure, "target": _num(f.target), "assumptions": f.assumptions,
                  "points": [{"label": p.label, "rate": rate_json(p.rate), "position": p.position,
                              "observed": None if p.suppressed else p.oe.observed,
                              "expected": _num(p.oe.expected, 2),
                              "o_e": None if p.suppressed else _num(p.oe.ratio, 3),
                              "o_e_lower_95": None if p.suppressed else _num(p.oe.lower, 3),
                              "o_e_upper_95": None if p.suppressed else _num(p.oe.upper, 3),
                              "o_e_position": p.oe_position} for p in f.points]}
    km = report.time_to_response
    return {
        "standard": report.standard, "from": report.start.isoformat(), "to": report.end.isoformat(),
        "by": report.by, "period": report.period, "scope": report.scope, "clinic": report.clinic_name,
        "synthetic_data": report.synthetic_data, "episode_gap_days": report.episode_gap_days,
        "definitions": [{"key": d.key, "name": d.name, "definition": d.definition, "source": d.source}
                        for d in report.definitions],
        "overall": group_json(report.overall),
        "groups": [group_json(g) for g in report.groups],
        "over_time": [{"period": p.label, "closed_episodes": p.episodes,
                       "rates": {r.label: rate_json(r) for r in p.rates}} for p in report.over_time],
        "measurement": [{"period": m.label, "requested": m.requested, "completed": m.completed,
                         "completion": rate_json(m.completion), "clinician_entered": m.clinician_entered,
                         "patient_entered": m.patient_entered} for m in report.measurement],
        "time_to_response": None if km is None else {"episodes": km.n, "responses": km.n_events,
                                                     "median_days": _num(km.median_days, 1)},
        "funnel": funnel, "funnel_note": report.funnel_note,
    }
