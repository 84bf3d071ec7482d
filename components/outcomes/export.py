"""Exports of the clinic outcome report: CSV (one tidy row per published figure) and a printable HTML/PDF.

Aggregates only, no patient data. Suppressed cells are exported as "<5" exactly as shown on screen, never as their
value. CSV cells that a spreadsheet would run as a formula (starting with ``= + - @`` or a control character) are
neutralised with a leading apostrophe (OWASP "CSV injection"). The PDF is chromium's print of the HTML (see
:func:`components.shared.export.html_to_pdf`), with page numbers from CSS ``@page`` margin boxes, the clinic's name,
the period, the figures (kaleido PNGs) and the definitions used.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from components.outcomes.charts import SUPPRESSED_TEXT
from components.shared.theme import format_datetime
from novamind_core.analytics.outcome_stats import OutcomeRate
from novamind_core.domain.spreadsheet import safe_cell

CSV_COLUMNS = ("section", "group", "period", "measure", "numerator", "denominator", "rate_percent",
               "ci95_lower_percent", "ci95_upper_percent", "note")


def neutralise(value: object) -> str:
    """A CSV cell a spreadsheet will show as text: a leading apostrophe before ``= + - @`` or a control character.

    Numbers are written as numbers (a negative number stays a number)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return str(safe_cell("" if value is None else str(value)))


@dataclass(frozen=True)
class ReportRow:
    """One published figure: where it sits in the report (section, group, period) and the rate itself."""

    section: str
    group: str
    period: str
    measure: str
    rate: OutcomeRate


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def row_cells(row: ReportRow) -> list[object]:
    """The CSV cells of one row; a suppressed rate shows "<5" for its counts and nothing for its percentages."""
    r = row.rate
    if r.suppressed:
        return [row.section, row.group, row.period, row.measure, SUPPRESSED_TEXT, SUPPRESSED_TEXT, "", "", "",
                "suppressed (small numbers)"]
    note = "" if r.denominator else "no eligible episodes"
    return [row.section, row.group, row.period, row.measure, r.numerator, r.denominator, _pct(r.rate.estimate),
            _pct(r.rate.lower), _pct(r.rate.upper), note]


def report_csv(rows: Sequence[ReportRow], header_lines: Sequence[str] = ()) -> str:
    """The report as CSV text: optional ``# ...`` header lines (clinic, period, standard), then one row per figure."""
    buffer = io.StringIO()
    for line in header_lines:
        buffer.write("# " + neutralise(line).replace("\n", " ") + "\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(c) for c in row_cells(row)])
    return buffer.getvalue()


@dataclass(frozen=True)
class ReportFigure:
    """One figure of the printed report: its PNG (None when static export is unavailable) and a caption."""

    title: str
    png: bytes | None
    caption: str


def _table(rows: Sequence[ReportRow]) -> str:
    esc = html.escape
    body = []
    for row in rows:
        cells = row_cells(row)
        interval = f"{cells[7]}-{cells[8]}%" if cells[7] != "" else ""
        rate = f"{cells[6]}%" if cells[6] != "" else (SUPPRESSED_TEXT if row.rate.suppressed else "–")
        body.append(f"<tr><td>{esc(row.group)}</td><td>{esc(row.period)}</td><td>{esc(row.measure)}</td>"
                    f"<td>{esc(str(cells[4]))} of {esc(str(cells[5]))}</td><td>{esc(rate)}</td>"
                    f"<td>{esc(interval)}</td></tr>")
    return ("<table><tr><th>Group</th><th>Period</th><th>Measure</th><th>Met of eligible episodes</th><th>Rate</th>"
            "<th>95% CI</th></tr>" + "".join(body) + "</table>")


def _css_string(text: str) -> str:
    """Text safe inside a CSS double-quoted string in a <style> element (no quote, backslash, < or newline)."""
    return "".join(f"\\{ord(c):x} " if c in '\\"<>\n\r' else c for c in text)


def report_html(*, clinic: str, title: str, period: str, rows: Sequence[ReportRow], figures: Sequence[ReportFigure],
                definitions: Sequence[tuple[str, str]], notes: Sequence[str], generated_by: str,
                generated_at: datetime) -> str:
    """A printable report: clinic and period in the header, the figures, a table per section, the definitions
    used (text and source) and page numbers ("Page 2 of 5") at the foot of every page."""
    esc = html.escape
    sections: dict[str, list[ReportRow]] = {}
    for row in rows:
        sections.setdefault(row.section, []).append(row)
    figs = "".join(
        f"<figure><img alt='{esc(f.title)}' src='data:image/png;base64,{base64.b64encode(f.png).decode()}'>"
        f"<figcaption>{esc(f.caption)}</figcaption></figure>" if f.png else
        f"<p class='muted'>{esc(f.title)}: figure not included (static export unavailable on this server).</p>"
        for f in figures)
    tables = "".join(f"<h2>{esc(name)}</h2>{_table(items)}" for name, items in sections.items())
    defs = "".join(f"<li><b>{esc(text)}</b><br><span class='muted'>{esc(source)}</span></li>"
                   for text, source in definitions)
    extra = "".join(f"<p class='note'>{esc(n)}</p>" for n in notes)
    footer = _css_string(f"{clinic} · {title} · {period}")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
 @page {{ size: A4; margin: 16mm 14mm 18mm 14mm;
   @bottom-left {{ content: "{footer}"; font-size: 8pt; color: #546e7a; }}
   @bottom-right {{ content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #546e7a; }} }}
 body {{ font-family: "Source Sans Pro", Helvetica, Arial, sans-serif; color: #1a2733; font-size: 10.5pt; }}
 h1 {{ font-size: 18pt; margin: 0; }} h2 {{ font-size: 13pt; border-bottom: 1px solid #cfd8dc; margin-top: 16px; }}
 .muted {{ color: #546e7a; }} .note {{ background: #fff8e1; padding: 4px 8px; border-left: 3px solid #f9a825; }}
 table {{ border-collapse: collapse; width: 100%; font-size: 9.5pt; page-break-inside: auto; }}
 tr {{ page-break-inside: avoid; }}
 td, th {{ border-bottom: 1px solid #e3e8ee; padding: 3px 6px; text-align: left; }}
 figure {{ margin: 10px 0; page-break-inside: avoid; }} img {{ width: 100%; }}
 figcaption {{ font-size: 9pt; color: #546e7a; }}
</style></head><body>
<h1>{esc(title)}</h1>
<p class="muted">{esc(clinic)} · {esc(period)} · generated {format_datetime(generated_at)} by {esc(generated_by)}
 · aggregate figures only; counts from 1 to 4 are shown as "&lt;5".</p>
{extra}
{figs}
{tables}
<h2>Definitions used</h2><ul>{defs}</ul>
</body></html>"""


__all__ = ["CSV_COLUMNS", "ReportFigure", "ReportRow", "neutralise", "report_csv", "report_html", "row_cells"]
