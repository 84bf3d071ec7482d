"""Chart builders: data -> go.Figure, on the "novamind" template, checked without Streamlit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from components.patient.charts import (
    item_hover_text,
    short_item,
    timeline_figure,
    trajectory_caption,
    trajectory_figure,
)
from components.shared.theme import legend_and_title_apart
from novamind_core.domain.assessments import Instrument, score_assessment
from novamind_core.domain.medications import ChangeKind, Frequency, MedicationOrder
from novamind_core.domain.records import AssessmentRecord, TimelineEvent

START = date(2026, 1, 5)


def record(instrument: str, answers: list[int], on: date, rid: int = 1) -> AssessmentRecord:
    s = score_assessment(instrument, answers)
    return AssessmentRecord(rid, 1, s.instrument, on, s.answers, s.total, s.severity, s.item9_positive, None, 1)


@pytest.fixture
def history() -> list[AssessmentRecord]:
    phq = [[2] * 9, [2, 2, 2, 2, 2, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 0, 0, 0]]
    out = [record("PHQ-9", a, START + timedelta(weeks=3 * i), i) for i, a in enumerate(phq)]
    out.append(record("GAD-7", [2] * 7, START, 10))
    return out


@pytest.fixture
def orders() -> list[MedicationOrder]:
    first = MedicationOrder(1, 1, "sertraline", 50, Frequency.DAILY, START, START + timedelta(weeks=3))
    second = MedicationOrder(2, 1, "sertraline", 100, Frequency.DAILY, START + timedelta(weeks=3),
                             change_kind=ChangeKind.TITRATE, previous_id=1)
    return [first, second]


def traces(fig, name):  # type: ignore[no-untyped-def]
    return [t for t in fig.data if t.name == name]


def test_trajectory_plots_each_instrument_in_date_order(history, orders):
    fig = trajectory_figure(list(reversed(history)), orders)
    (phq,) = traces(fig, "PHQ-9")
    assert list(phq.y) == [18, 13, 6]
    assert list(phq.x) == [START, START + timedelta(weeks=3), START + timedelta(weeks=6)]
    assert list(traces(fig, "GAD-7")[0].y) == [14]


def test_trajectory_uses_the_shared_template_and_says_what_it_shows(history):
    fig = trajectory_figure(history)
    assert fig.layout.template.layout.colorway[0] == "#1565c0"
    assert "Symptom scores over time" in fig.layout.title.text
    assert fig.layout.yaxis.title.text == "PHQ-9 total (points)"
    assert "date" in fig.layout.xaxis2.title.text


def test_every_severity_band_of_both_instruments_is_shaded(history):
    fig = trajectory_figure(history)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == len(Instrument.PHQ9.spec.bands) + len(Instrument.GAD7.spec.bands)
    severe_phq = next(r for r in rects if r.y0 == 19.5)
    assert severe_phq.fillcolor != "white" and severe_phq.layer == "below"


def test_response_line_is_half_the_baseline_and_remission_line_at_four(history):
    fig = trajectory_figure(history)
    lines = {round(s.y0, 2) for s in fig.layout.shapes if s.type == "line" and s.y0 == s.y1}
    assert 9.0 in lines  # PHQ-9 baseline 18 -> response at <= 9
    assert 7.0 in lines  # GAD-7 baseline 14 -> response at <= 7
    assert 4.5 in lines  # remission <= 4 drawn between 4 and 5


def test_medication_changes_are_vertical_markers_with_drug_and_dose(history, orders):
    fig = trajectory_figure(history, orders)
    (markers,) = traces(fig, "Medication change")
    assert list(markers.text) == ["sertraline 50 mg", "sertraline 100 mg"]
    assert "Dose change: sertraline 100 mg daily" in markers.hovertext[1]
    verticals = [s for s in fig.layout.shapes if s.type == "line" and s.x0 == s.x1]
    assert len(verticals) == 2 * 2  # two events, drawn across both panels


def test_a_stopped_drug_gets_a_stop_marker():
    stopped = MedicationOrder(1, 1, "citalopram", 20, Frequency.DAILY, START, START + timedelta(weeks=8))
    fig = trajectory_figure([record("PHQ-9", [1] * 9, START)], [stopped])
    assert list(traces(fig, "Medication change")[0].text) == ["citalopram 20 mg", "stop citalopram"]


def test_hover_lists_every_item_answer(history):
    fig = trajectory_figure(history)
    (phq,) = traces(fig, "PHQ-9")
    hover = phq.customdata[0][1]
    assert hover.count("<br>") == 8
    assert "9. Thoughts that you would be better off" in hover and hover.endswith(": 2")


def test_an_instrument_without_scores_says_how_to_add_one():
    fig = trajectory_figure([record("PHQ-9", [1] * 9, START)])
    assert any("No GAD-7 yet" in a.text for a in fig.layout.annotations)
    assert not traces(fig, "GAD-7")


def test_short_item_cuts_at_a_word_boundary():
    assert short_item("Little interest or pleasure in doing things", 20) == "Little interest or…"
    assert short_item("Trouble relaxing") == "Trouble relaxing"
    assert item_hover_text(Instrument.GAD7, [0] * 7).startswith("1. Feeling nervous, anxious, or on edge: 0")


def test_timeline_puts_each_kind_on_its_own_row():
    events = [TimelineEvent(START, "assessment", "PHQ-9 18 (moderately severe)"),
              TimelineEvent(START, "medication", "Started sertraline 50 mg daily"),
              TimelineEvent(START + timedelta(days=3), "note", "Note by Dr A", "text")]
    fig = timeline_figure(events)
    assert {t.name for t in fig.data} == {"Assessment", "Medication", "Note"}
    assert fig.layout.title.text.startswith("Chart timeline")


def test_caption_falls_back_to_what_is_missing():
    assert trajectory_caption({}, {}) == "No assessments yet. Enter a PHQ-9 or GAD-7 under Assessments."


def test_the_newest_score_is_drawn_whole_with_room_past_the_last_date(history):
    fig = trajectory_figure(history)
    first, last = fig.layout.xaxis.range
    newest = max(a.administered_on for a in history)
    assert last >= newest + timedelta(days=2)
    assert first < START
    assert all(t.cliponaxis is False for t in fig.data if t.mode and "markers" in t.mode)


def test_the_trajectory_and_timeline_keep_legend_and_title_apart(history, orders):
    for fig in (trajectory_figure(history, orders), timeline_figure([TimelineEvent(START, "visit", "Visit", None)])):
        assert legend_and_title_apart(fig), fig.layout.title.text
