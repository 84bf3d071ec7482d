"""From the clinic outcome report to what the page and the exports show (pure: no Streamlit).

One place turns :class:`~novamind_core.analytics.clinic_report_types.OutcomeReport` into figures, plain labels
("Mar 2026", "Q1 2026", "1 Jan 2026 to 31 Mar 2026"), export rows and header lines, so the screen, the CSV and the PDF
cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import plotly.graph_objects as go

from components.outcomes.charts import completion_figure, rates_by_group_figure, rates_over_time_figure
from components.outcomes.export import ReportRow
from components.outcomes.funnel import funnel_figure, oe_funnel_figure, time_to_response_figure
from components.shared.theme import format_date
from novamind_core.analytics.clinic_report_types import (
    GroupOutcomes,
    MeasureDefinition,
    OutcomeReport,
    PeriodOutcomes,
)
from novamind_core.analytics.outcome_stats import OutcomeRate

STANDARD_NAMES = {"talking_therapies": "NHS Talking Therapies", "us": "US depression measures (NQF / CMS)"}
GROUP_WORDS = {"clinician": "clinician", "drug": "drug", "diagnosis": "primary diagnosis"}
SYNTHETIC_NOTE = ("Synthetic data: these figures come from Novamind's generated demonstration patients, not from "
                  "real people.")


def period_label(period: PeriodOutcomes, kind: str) -> str:
    """A period as written on the axis: ``Mar 2026`` for a month, ``Q1 2026`` for a quarter."""
    start = period.start
    return f"Q{(start.month - 1) // 3 + 1} {start.year}" if kind == "quarter" else f"{start:%b %Y}"


def period_text(report: OutcomeReport) -> str:
    """The report's period in words: ``1 Jan 2026 to 31 Mar 2026``."""
    return f"{format_date(report.start)} to {format_date(report.end)}"


def standard_name(report: OutcomeReport) -> str:
    return STANDARD_NAMES.get(report.standard, report.standard)


def headline_measure(report: OutcomeReport) -> MeasureDefinition | None:
    """The measure the funnel compares (the report's funnel measure, else the first definition)."""
    key = report.funnel.measure if report.funnel is not None else None
    return next((d for d in report.definitions if d.key == key), report.definitions[0] if report.definitions else None)


def measure_name(report: OutcomeReport, key: str) -> str:
    return next((d.name for d in report.definitions if d.key == key), key)


def _named(rate: OutcomeRate, label: str) -> OutcomeRate:
    return replace(rate, label=label)


def over_time_figure(report: OutcomeReport) -> go.Figure:
    """Every measure's rate per month or quarter (one line each)."""
    series = {d.name: [_named(p.rates[i], period_label(p, report.period)) for p in report.over_time]
              for i, d in enumerate(report.definitions)}
    return rates_over_time_figure(series, period=report.period,
                                  title=f"{standard_name(report)} outcomes by {report.period}")


def group_figure(report: OutcomeReport, key: str) -> go.Figure:
    """One measure's rate per group (the report's ``by``), with the clinic's rate for reference."""
    word = GROUP_WORDS.get(report.by or "clinician", report.by or "clinician")
    rates = [_named(g.rate(key), g.label) for g in report.groups]
    return rates_by_group_figure(rates, measure=measure_name(report, key), group=word, overall=report.overall.rate(key))


def funnel_figures(report: OutcomeReport) -> tuple[go.Figure, go.Figure] | None:
    """(raw, case-mix adjusted) funnel plots, or None when the report has no funnel (``funnel_note`` says why)."""
    f = report.funnel
    if f is None:
        return None
    name = measure_name(report, f.measure)
    raw = funnel_figure([_named(p.rate, p.label) for p in f.points], f.raw_limits, measure=name,
                        positions=[p.position for p in f.points])
    adjusted = oe_funnel_figure([replace(p.oe, label=p.label) for p in f.points], f.oe_limits, measure=name,
                                positions=[p.oe_position for p in f.points])
    return raw, adjusted


def km_figure(report: OutcomeReport) -> go.Figure:
    curves = [report.time_to_response] if report.time_to_response is not None else []
    return time_to_response_figure([replace(c, label="clinic") for c in curves])


def measurement_figure(report: OutcomeReport) -> go.Figure:
    periods = [replace(m, label=_measurement_label(m.label, report.period)) for m in report.measurement]
    return completion_figure(periods, title=f"Measurement completion by {report.period}")


def _measurement_label(label: str, kind: str) -> str:
    """"2026-03" -> "Mar 2026", "2026-Q1" -> "Q1 2026" (other labels unchanged)."""
    year, _, rest = label.partition("-")
    if rest.startswith("Q"):
        return f"{rest} {year}"
    if rest.isdigit() and year.isdigit() and 1 <= int(rest) <= 12:
        return f"{date(int(year), int(rest), 1):%b %Y}"
    return label


@dataclass(frozen=True)
class HeadlineCell:
    """One headline card: the measure, its rate in words ("42%" or "<5"), its interval and what it rests on."""

    name: str
    value: str
    interval: str
    basis: str


def rate_words(rate: OutcomeRate) -> tuple[str, str, str]:
    """(value, 95% interval, basis) in words; "<5" and no interval for a suppressed rate."""
    p = rate.rate
    if rate.suppressed:
        return "<5", "suppressed (small numbers)", "fewer than 5 episodes or outcomes"
    if p.estimate is None:
        return "–", "no eligible episodes", "0 episodes"
    return (f"{100 * p.estimate:.0f}%", f"95% CI {100 * (p.lower or 0):.0f}-{100 * (p.upper or 0):.0f}%",
            f"{p.successes} of {p.n} episodes")


def headline(group: GroupOutcomes, report: OutcomeReport) -> list[HeadlineCell]:
    """Cards for every measure of ``group`` and, last, its data completeness."""
    cells = [HeadlineCell(measure_name(report, r.label), *rate_words(r)) for r in group.rates]
    cells.append(HeadlineCell("Data completeness", *rate_words(group.completeness)))
    return cells


def report_rows(report: OutcomeReport) -> list[ReportRow]:
    """Every published figure of the report, for the CSV and the PDF tables."""
    whole = period_text(report)
    by = GROUP_WORDS.get(report.by or "", report.by or "")
    rows: list[ReportRow] = []
    for label, group, section in ([("Clinic", report.overall, "Clinic")]
                                  + [(g.label, g, f"By {by}") for g in report.groups]):
        rows += [ReportRow(section, label, whole, measure_name(report, r.label), r) for r in group.rates]
        rows.append(ReportRow(section, label, whole, "Data completeness", group.completeness))
    for p in report.over_time:
        rows += [ReportRow(f"By {report.period}", "Clinic", period_label(p, report.period),
                           measure_name(report, r.label), r) for r in p.rates]
    for m in report.measurement:
        rows.append(ReportRow("Measurement completion", "Clinic", _measurement_label(m.label, report.period),
                              "Questionnaires completed / sent", m.completion))
    return rows


def header_lines(report: OutcomeReport) -> list[str]:
    lines = [report.clinic_name, f"{standard_name(report)} outcomes", period_text(report),
             "Aggregate figures only; counts from 1 to 4 are shown as <5."]
    return lines + ([SYNTHETIC_NOTE] if report.synthetic_data else [])


def definitions(report: OutcomeReport) -> list[tuple[str, str]]:
    out = [(f"{d.name}: {d.definition}", d.source) for d in report.definitions]
    if report.funnel is not None:
        out.append(("Case-mix adjustment: " + report.funnel.assumptions,
                    "Spiegelhalter 2005, Stat Med 24:1185 (funnel limits); docs/outcomes.md"))
    return out


def filename(report: OutcomeReport, extension: str) -> str:
    return f"outcomes_{report.standard}_{report.start.isoformat()}_{report.end.isoformat()}.{extension}"
