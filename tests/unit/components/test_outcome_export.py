"""Clinic outcome report exports: CSV that a spreadsheet cannot run, "<5" for suppressed cells, a printable report."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest

from components.outcomes.export import ReportFigure, ReportRow, neutralise, report_csv, report_html
from components.shared.export import pdf_unavailable_reason
from novamind_core.analytics.outcome_stats import outcome_rate

ROWS = [ReportRow("By clinician", "Dr Ada", "1 Jan 2026 to 31 Mar 2026", "Recovery", outcome_rate(12, 30)),
        ReportRow("By clinician", "=HYPERLINK(\"http://x\")", "1 Jan 2026 to 31 Mar 2026", "Recovery",
                  outcome_rate(3, 9))]


def parsed(text: str) -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if not line.startswith("# ")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1+A1", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text(dangerous):
    assert neutralise(dangerous) == "'" + dangerous


def test_numbers_stay_numbers_in_the_csv():
    assert neutralise(-3) == "-3" and neutralise(12.5) == "12.5" and neutralise("Dr Ada") == "Dr Ada"


def test_report_csv_has_one_row_per_figure_with_percent_and_interval():
    rows = parsed(report_csv(ROWS))
    first = rows[0]
    assert first["group"] == "Dr Ada" and first["numerator"] == "12" and first["denominator"] == "30"
    assert first["rate_percent"] == "40.0"
    assert float(first["ci95_lower_percent"]) == pytest.approx(100 * outcome_rate(12, 30).rate.lower, abs=0.05)


def test_report_csv_shows_less_than_five_for_a_suppressed_cell_and_never_its_value():
    row = parsed(report_csv(ROWS))[1]
    assert row["numerator"] == "<5" and row["denominator"] == "<5" and row["rate_percent"] == ""
    assert row["note"] == "suppressed (small numbers)"
    assert row["group"].startswith("'=")  # neutralised


def test_report_csv_header_names_the_clinic_and_period_and_is_neutralised_too():
    text = report_csv(ROWS, header_lines=["Novamind Clinic", "=evil()"])
    assert text.startswith("# Novamind Clinic\n# '=evil()\n")


def test_printed_report_has_clinic_period_page_numbers_figures_and_definitions():
    document = report_html(clinic="Novamind <Clinic>", title="Clinic outcomes", period="1 Jan 2026 to 31 Mar 2026",
                           rows=ROWS, figures=[ReportFigure("Funnel", b"\x89PNG", "Recovery by clinician")],
                           definitions=[("Recovery: a case at the start, below caseness at the end",
                                         "NHS Talking Therapies Manual")],
                           notes=["Synthetic demonstration data."], generated_by="Lead",
                           generated_at=datetime(2026, 4, 1, 9, 30))
    assert 'counter(page) " of " counter(pages)' in document
    assert "Novamind &lt;Clinic&gt;" in document and "Novamind <Clinic>" not in document
    assert "1 Jan 2026 to 31 Mar 2026" in document and "1 Apr 2026 09:30" in document
    assert "data:image/png;base64," in document and "Recovery by clinician" in document
    assert "NHS Talking Therapies Manual" in document and "Synthetic demonstration data." in document
    assert "<td>&lt;5 of &lt;5</td>" in document  # the suppressed row, as on screen


def test_printed_report_says_when_a_figure_could_not_be_exported():
    document = report_html(clinic="C", title="T", period="P", rows=[], figures=[ReportFigure("Funnel", None, "c")],
                           definitions=[], notes=[], generated_by="x", generated_at=datetime(2026, 1, 1))
    assert "Funnel: figure not included" in document


@pytest.mark.skipif(pdf_unavailable_reason() is not None, reason="chromium not installed")
def test_the_report_prints_to_a_multi_page_pdf():
    from components.shared.export import html_to_pdf

    rows = [ReportRow("By period", f"group {i}", "Jan 2026", "Recovery", outcome_rate(10, 20)) for i in range(90)]
    document = report_html(clinic="C", title="T", period="P", rows=rows, figures=[], definitions=[], notes=[],
                           generated_by="x", generated_at=datetime(2026, 1, 1))
    pdf = html_to_pdf(document)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) >= 2
