"""Clinic outcome chart builders: pure data -> figure, checked on the figure's data (no Streamlit)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest

from components.outcomes.charts import (
    LEGEND_BELOW,
    SUPPRESSED_TEXT,
    completion_figure,
    rates_by_group_figure,
    rates_over_time_figure,
)
from components.outcomes.funnel import POSITION_STYLE, funnel_figure, oe_funnel_figure, time_to_response_figure
from components.shared.theme import legend_and_title_apart
from novamind_core.analytics.cohort_stats import kaplan_meier
from novamind_core.analytics.outcome_stats import (
    observed_expected_by_group,
    oe_funnel_limits,
    outcome_rate,
    proportion_funnel_limits,
    rates_by_group,
)


@dataclass(frozen=True)
class Completion:
    label: str
    requested: int
    completed: int
    clinician_entered: int


def trace(fig, name):  # type: ignore[no-untyped-def]
    return next(t for t in fig.data if t.name == name)


def all_text(fig) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(fig.to_plotly_json(), default=str)


def legend_is_below_the_plot(fig) -> bool:  # type: ignore[no-untyped-def]
    legend = fig.layout.legend
    return legend.yref == "container" and legend.y is not None and legend.y <= 0.05 and legend.yanchor == "bottom"


@pytest.fixture
def clinician_rates():
    return [outcome_rate(3, 10, "Dr Few"), outcome_rate(12, 30, "Dr Middle"), outcome_rate(20, 25, "Dr High")]


# ---------------------------------------------------------------------------------------------------- funnel (raw)
def test_funnel_draws_the_95_and_998_limits_on_both_sides_of_the_clinic_rate(clinician_rates):
    limits = proportion_funnel_limits(0.45, np.arange(1, 61))
    fig = funnel_figure(clinician_rates, limits, measure="Recovery")
    lines = [t for t in fig.data if t.name in ("95% limits", "99.8% limits")]
    assert len(lines) == 4  # an upper and a lower line at each level
    upper_95 = next(t for t in lines if t.name == "95% limits" and t.showlegend)
    assert list(upper_95.x) == list(range(1, 61))
    assert list(upper_95.y) == pytest.approx(100 * limits.upper_95)
    assert list(trace(fig, "clinic target").y) == pytest.approx([45.0] * 60)
    assert sum(1 for t in lines if t.showlegend) == 2  # one legend entry per level


def test_funnel_places_each_clinician_at_their_episodes_and_rate_and_marks_the_outlier_by_shape(clinician_rates):
    fig = funnel_figure(clinician_rates, proportion_funnel_limits(0.45, np.arange(1, 61)), measure="Recovery")
    points = trace(fig, "clinicians")
    placed = dict(zip(points.text, zip(points.x, points.y, strict=True), strict=True))
    assert placed == {"Dr Middle": (30.0, pytest.approx(40.0)), "Dr High": (25.0, pytest.approx(80.0))}
    positions = dict(zip(points.text, (c[0] for c in points.customdata), strict=True))
    assert positions == {"Dr Middle": "within", "Dr High": "above 99.8%"}
    symbols = dict(zip(points.text, points.marker.symbol, strict=True))
    assert symbols["Dr High"] == POSITION_STYLE["above 99.8%"][1] != symbols["Dr Middle"]


def test_funnel_leaves_out_a_suppressed_clinician_and_says_so_under_the_title(clinician_rates):
    fig = funnel_figure(clinician_rates, proportion_funnel_limits(0.45, np.arange(1, 61)), measure="Recovery")
    assert "Dr Few" not in trace(fig, "clinicians").text
    assert "1 clinician with fewer than 5 episodes or outcomes (<5) not plotted" in fig.layout.title.subtitle.text
    assert "3 of 10" not in all_text(fig)


def test_funnel_explains_when_no_clinician_can_be_plotted():
    fig = funnel_figure([outcome_rate(2, 4, "Dr Tiny")], proportion_funnel_limits(0.5, np.arange(1, 20)),
                        measure="Recovery")
    assert "No clinician has enough closed episodes" in fig.layout.annotations[0].text


# --------------------------------------------------------------------------------------------- funnel (case mix)
def test_case_mix_funnel_plots_observed_over_expected_against_the_expected_count_around_one():
    groups = ["A"] * 30 + ["B"] * 25 + ["C"] * 3
    outcomes = np.r_[np.ones(12), np.zeros(18), np.ones(20), np.zeros(5), [1, 0, 0]]
    units = observed_expected_by_group(groups, outcomes, np.full(58, 0.45))
    grid = np.linspace(0.5, 20, 60)
    limits = oe_funnel_limits(grid, grid * 0.55)
    fig = oe_funnel_figure(units, limits, measure="Recovery")
    points = trace(fig, "clinicians")
    by_name = dict(zip(points.text, zip(points.x, points.y, strict=True), strict=True))
    assert by_name["A"] == (pytest.approx(13.5), pytest.approx(12 / 13.5))
    assert by_name["B"] == (pytest.approx(11.25), pytest.approx(20 / 11.25))
    assert "C" not in by_name  # 1 of 3 outcomes: suppressed
    assert set(trace(fig, "clinic target").y) == {1.0}
    upper_998 = [t for t in fig.data if t.name == "99.8% limits"]
    assert any(list(t.y) == pytest.approx(limits.upper_998) for t in upper_998)
    assert fig.layout.yaxis.title.text == "Observed / expected (ratio)"
    assert "twin" in fig.layout.xaxis.title.text


# ------------------------------------------------------------------------------------------------ rates over time
def test_rates_over_time_draw_each_period_in_percent_with_wilson_whiskers():
    jan, feb = outcome_rate(6, 10, "Jan 2026"), outcome_rate(9, 12, "Feb 2026")
    fig = rates_over_time_figure({"Recovery": [jan, feb]}, period="month")
    line = trace(fig, "Recovery")
    assert list(line.x) == ["Jan 2026", "Feb 2026"]
    assert list(line.y) == pytest.approx([60.0, 75.0])
    assert line.error_y.array[0] == pytest.approx(100 * (jan.rate.upper - 0.6))
    assert line.error_y.arrayminus[1] == pytest.approx(100 * (0.75 - feb.rate.lower))
    assert fig.layout.yaxis.title.text == "Closed episodes (%)"
    assert "by month" in fig.layout.title.text


def test_a_suppressed_period_is_a_gap_in_the_line_and_reads_less_than_five():
    fig = rates_over_time_figure({"Recovery": [outcome_rate(6, 10, "Q1 2026"), outcome_rate(2, 9, "Q2 2026")]},
                                 period="quarter")
    line = trace(fig, "Recovery")
    assert line.y[1] is None
    marker = trace(fig, "Recovery: suppressed")
    assert list(marker.x) == ["Q2 2026"] and list(marker.text) == [SUPPRESSED_TEXT]
    assert "by quarter" in fig.layout.title.text
    assert "2 of 9" not in all_text(fig)


def test_rates_over_time_explain_an_empty_period():
    fig = rates_over_time_figure({"Recovery": []})
    assert "No closed episodes in this period" in fig.layout.annotations[0].text


# --------------------------------------------------------------------------------------------------- by group
def test_group_bars_show_rates_with_n_and_less_than_five_for_suppressed_groups():
    drugs = ["sertraline"] * 12 + ["escitalopram"] * 3 + ["vortioxetine"] * 9
    rates = rates_by_group(drugs, [1] * 6 + [0] * 6 + [1, 0, 0] + [1] * 5 + [0] * 4)
    fig = rates_by_group_figure(rates, measure="Recovery", group="drug", overall=outcome_rate(12, 24))
    bars = fig.data[0]
    shown = dict(zip(bars.y, bars.x, strict=True))
    assert shown["sertraline (n=12 eligible)"] == pytest.approx(50.0)
    # escitalopram (3 episodes) is suppressed; vortioxetine is hidden too, or the total would reveal it
    assert shown["escitalopram"] == 0.0 and shown["vortioxetine"] == 0.0
    texts = dict(zip(bars.y, bars.text, strict=True))
    assert texts["escitalopram"] == SUPPRESSED_TEXT == texts["vortioxetine"]
    assert fig.layout.shapes[0].x0 == pytest.approx(50.0)  # the clinic's rate, for reference
    assert fig.layout.title.text == "Recovery by drug"
    assert fig.layout.yaxis.automargin is True  # long clinician and drug names are not cut off


# ----------------------------------------------------------------------------------------------- completion
def test_completion_bars_count_sent_completed_and_clinician_entered_and_hide_small_counts():
    fig = completion_figure([Completion("Jan 2026", 20, 14, 6), Completion("Feb 2026", 18, 3, 9)])
    sent, completed, entered = (trace(fig, n) for n in ("Sent to patients", "Completed by patients",
                                                        "Entered by clinicians"))
    assert list(sent.y) == [20, 18] and list(entered.y) == [6, 9]
    assert list(completed.y) == [14, 0] and list(completed.text) == ["", SUPPRESSED_TEXT]
    assert completed.customdata[0] == "14 of 20 completed (70%)"
    assert "3" not in completed.customdata[1].split("completed")[1]


def test_completion_explains_an_empty_period_and_where_plans_are_set():
    fig = completion_figure([])
    assert "Measurement plans are set on each patient's chart" in fig.layout.annotations[0].text


# --------------------------------------------------------------------------------------------- time to response
def test_time_to_response_steps_in_weeks_and_leaves_out_curves_under_five_episodes():
    clinic = kaplan_meier([14, 28, 35, 42, 56, 70, 84], [1, 1, 0, 1, 1, 0, 1], label="clinic")
    small = kaplan_meier([14, 28], [1, 0], label="Dr Small")
    fig = time_to_response_figure([clinic, small])
    line = trace(fig, "clinic (7 episodes, 5 responded)")
    assert line.line.shape == "hv" and line.x[0] == 0.0 and line.x[1] == pytest.approx(2.0)
    assert line.y[-1] == pytest.approx(100 * clinic.cumulative_response[-1])
    assert not any("Dr Small" in (t.name or "") for t in fig.data)
    assert "Dr Small" in fig.layout.title.subtitle.text


def test_km_legend_shows_less_than_five_for_a_small_number_of_responses():
    curve = kaplan_meier([14, 28, 35, 42, 56, 70], [1, 0, 0, 0, 1, 0], label="clinic")
    fig = time_to_response_figure([curve])
    assert any(t.name == "clinic (6 episodes, <5 responded)" for t in fig.data)


# ---------------------------------------------------------------------------------------------- shared layout
def test_every_outcome_figure_puts_its_legend_below_the_plot_so_it_never_covers_the_title(clinician_rates):
    figures = [
        funnel_figure(clinician_rates, proportion_funnel_limits(0.45, np.arange(1, 40)), measure="Recovery"),
        rates_over_time_figure({"Recovery": [outcome_rate(6, 10, "Jan 2026")]}),
        completion_figure([Completion("Jan 2026", 20, 14, 6)]),
        time_to_response_figure([kaplan_meier([14, 28, 35, 42, 56], [1, 1, 0, 1, 1], label="clinic")]),
    ]
    for fig in figures:
        assert fig.layout.showlegend is not False
        assert legend_is_below_the_plot(fig), fig.layout.title.text
        assert fig.layout.legend.to_plotly_json() == {**LEGEND_BELOW}
        assert fig.layout.margin.b >= 100  # room for the axis title and the legend
        assert legend_and_title_apart(fig)
        assert fig.layout.template.layout.colorway[0] == "#1565c0"


def test_a_note_under_the_title_gets_its_own_room_above_the_plot(clinician_rates):
    fig = funnel_figure(clinician_rates, proportion_funnel_limits(0.45, np.arange(1, 40)), measure="Recovery")
    assert fig.layout.title.subtitle.text and fig.layout.margin.t >= 80


def test_funnel_uses_the_positions_the_service_computed_from_exact_limits(clinician_rates):
    fig = funnel_figure(clinician_rates, proportion_funnel_limits(0.45, np.arange(1, 61)), measure="Recovery",
                        positions=["within", "below 95%", "above 95%"])
    points = trace(fig, "clinicians")
    assert [c[0] for c in points.customdata] == ["below 95%", "above 95%"]  # Dr Few (suppressed) dropped with its own
    assert list(points.marker.symbol) == [POSITION_STYLE["below 95%"][1], POSITION_STYLE["above 95%"][1]]
