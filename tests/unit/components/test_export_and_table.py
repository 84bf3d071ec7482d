"""Pure parts of the exports and the caseload table."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from components.caseload.table import alert_text, caseload_frame
from components.shared.export import chart_csv, pdf_unavailable_reason, summary_html
from components.shared.ui import severity_chip, tint
from novamind_core.domain.assessments import score_assessment
from novamind_core.domain.medications import Frequency, MedicationOrder
from novamind_core.domain.patients import Diagnosis, Patient, SexAtBirth
from novamind_core.domain.records import AssessmentRecord, CaseloadRow, ChartSummary


def rec(answers: list[int], on: date) -> AssessmentRecord:
    s = score_assessment("PHQ-9", answers)
    return AssessmentRecord(1, 1, s.instrument, on, s.answers, s.total, s.severity, s.item9_positive, None, 1)


ORDER = MedicationOrder(1, 1, "sertraline", 100, Frequency.DAILY, date(2026, 1, 1), start_reason="first episode")


def test_chart_csv_has_one_row_per_assessment_and_order_with_item_answers():
    text = chart_csv([rec([1] * 9, date(2026, 2, 1))], [ORDER])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["record"] for r in rows] == ["medication start", "assessment"]
    assert rows[1]["total"] == "9" and rows[1]["item_9"] == "1"
    assert rows[0]["drug"] == "sertraline" and rows[0]["reason"] == "first episode"


def chart_summary() -> ChartSummary:
    patient = Patient(1, "NM-1", "Synthia", "Testcase", date(1984, 3, 12), SexAtBirth.FEMALE,
                      diagnoses=(Diagnosis("F32.2", "Severe depressive episode", primary=True),))
    return ChartSummary(patient, ("Dr A",), 42, (ORDER,), {}, {}, (), None, None, False, 4.0)


def test_summary_html_embeds_the_figure_and_the_disclaimer_and_escapes_text():
    doc = summary_html(chart_summary(), [rec([1] * 9, date(2026, 2, 1))], [ORDER], figure=b"\x89PNG",
                       generated_by="Dr <A>", generated_at=datetime(2026, 3, 12, 9, 30))
    assert "data:image/png;base64,iVBORw==" in doc
    assert "not a medical device" in doc
    assert "Dr &lt;A&gt;" in doc and "Dr <A>" not in doc
    assert "sertraline 100 mg daily since 1 Jan 2026" in doc


def test_summary_html_without_a_figure_says_so():
    doc = summary_html(chart_summary(), [], [], figure=None, generated_by="x", generated_at=datetime(2026, 1, 1))
    assert "Figure not included" in doc


def test_pdf_explains_what_is_missing_without_chromium(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "")
    monkeypatch.setattr("components.shared.export.shutil.which", lambda name: None)
    reason = pdf_unavailable_reason()
    assert reason is not None and "apt-get install chromium" in reason


def row(**overrides) -> CaseloadRow:  # type: ignore[no-untyped-def]
    base = dict(patient_id=1, mrn="NM-1", given_name="A", family_name="B", age_years=40, sex_at_birth="female",
                status="active", primary_diagnosis=None, phq9_latest=17, phq9_previous=12,
                phq9_severity="moderately severe", phq9_latest_on=None, gad7_latest=None, gad7_previous=None,
                gad7_severity=None, gad7_latest_on=None, last_assessed_on=None, days_since_assessment=3,
                overdue=False, next_visit_at=None, next_assessment_due=None, open_alerts=2, item9_alert=True,
                active_medications=("sertraline 100 mg daily",))
    base.update(overrides)
    return CaseloadRow(**base)


def test_caseload_row_shows_words_and_arrows_not_colour_alone():
    frame = caseload_frame([row()])
    assert frame.loc[0, "PHQ-9"] == "17 · mod. severe"
    assert frame.loc[0, "PHQ-9 trend"] == "↑ worse"
    assert frame.loc[0, "Alerts"] == "⚠ risk · 2 open"
    assert frame.loc[0, "GAD-7"] == "—"


def test_alert_text_marks_overdue_patients():
    assert alert_text(row(open_alerts=0, item9_alert=False, overdue=True)) == "overdue"


def test_severity_chip_carries_the_band_word_on_a_light_tint():
    chip = severity_chip("severe")
    assert "severe" in chip and tint("#c62828") in chip
    assert tint("#000000", 0.5) == "#808080"


def test_the_caseloads_triage_cells_fit_their_columns_without_being_cut():
    """A generous estimate of the grid's text (7 px a character, 16 px of cell padding) fits each column's width:
    no "↑ wors" or "16 · moderately sever"."""
    from components.caseload.table import COLUMN_WIDTHS_PX, STATE_ICONS, score_text, state_text
    from components.shared.ui import trend_arrow
    from novamind_core.domain.reporting import MeasurementState

    def fits(text: str, column: str) -> bool:
        return 7 * len(text) + 16 <= COLUMN_WIDTHS_PX[column]

    for band in ("minimal", "mild", "moderate", "moderately severe", "severe"):
        assert fits(score_text(27, band), "PHQ-9"), score_text(27, band)
    for band in ("minimal", "mild", "moderate", "severe"):
        assert fits(score_text(21, band), "GAD-7"), score_text(21, band)
    for trend in ("up", "down", "flat"):
        assert fits(trend_arrow(trend), "PHQ-9 trend") and fits(trend_arrow(trend), "GAD-7 trend"), trend
    assert set(STATE_ICONS) == set(MeasurementState)
    for state in MeasurementState:
        assert fits(state_text(state), "Questionnaires"), state_text(state)


def test_the_sort_menus_words_fit_the_menu_and_its_help_says_what_needs_attention_first_means():
    from components.caseload.table import SORT_HELP, SORT_LABELS

    assert all(len(words) <= 28 for words in SORT_LABELS.values()), SORT_LABELS
    assert "self-harm risk" in SORT_HELP and "open alerts" in SORT_HELP
