"""Cohort chart builders: pure data -> figure, checked on the figure's data (no Streamlit)."""

from __future__ import annotations

import pytest

from components.cohort.charts import (
    change_histogram,
    clusters_figure,
    completeness_figure,
    km_figure,
    rates_figure,
    severity_shift_figure,
    what_if_figure,
)
from components.shared.theme import legend_and_title_apart
from novamind_core.services.cohort import (
    CompletenessItem,
    DrugOutcome,
    PopulationWhatIf,
    TrajectoryCluster,
    TrajectoryClusters,
    WhatIfArm,
    kaplan_meier,
    wilson_interval,
)


def outcome(drug: str, resp: int, rem: int, n: int) -> DrugOutcome:
    return DrugOutcome(drug, n, n, wilson_interval(resp, n), wilson_interval(rem, n), 8.0)


def test_rate_bars_are_percentages_with_asymmetric_wilson_whiskers_and_n_in_the_label():
    fig = rates_figure([outcome("sertraline", 6, 3, 10), outcome("escitalopram", 0, 0, 0)])
    response = fig.data[0]
    assert list(response.x) == ["sertraline<br>n=10"]  # drugs without evaluable patients are left out
    p = wilson_interval(6, 10)
    assert response.y[0] == pytest.approx(60.0)
    assert response.error_y.array[0] == pytest.approx(100 * (p.upper - 0.6))
    assert response.error_y.arrayminus[0] == pytest.approx(100 * (0.6 - p.lower))
    assert fig.layout.yaxis.title.text == "Patients (%)"


def test_rates_figure_explains_an_empty_cohort():
    fig = rates_figure([])
    assert "No evaluable patients" in fig.layout.annotations[0].text


def test_km_figure_plots_cumulative_response_in_weeks_as_steps_with_a_band():
    curve = kaplan_meier([14, 28, 28, 42], [1, 1, 0, 0], label="all")
    fig = km_figure([curve])
    band, line = fig.data
    assert line.line.shape == "hv" and list(line.x) == [0.0, 2.0, 4.0]
    assert list(line.y) == pytest.approx([0.0, 25.0, 50.0])
    assert band.fill == "toself" and len(band.x) == 2 * len(line.x)
    assert "n=4, 2 ever responded" in line.name


def test_severity_shift_uses_the_band_palette_and_names_each_band():
    from components.shared.theme import severity_colour

    fig = severity_shift_figure({"minimal": 1, "severe": 3}, {"minimal": 3, "severe": 1})
    severe = next(t for t in fig.data if t.name == "severe")
    assert severe.marker.color == severity_colour("severe") and list(severe.x) == [1, 3]
    assert list(severe.text) == ["severe", "severe"]  # never colour alone


def test_change_histogram_marks_the_response_threshold():
    class P:
        def __init__(self, pct):  # type: ignore[no-untyped-def]
            self.percent_change = pct

    fig = change_histogram([P(-60.0), P(-20.0), P(None)])
    assert list(fig.data[0].x) == [-60.0, -20.0]
    assert any(s.x0 == -50 for s in fig.layout.shapes)


def test_cluster_lines_follow_the_cluster_means_and_carry_their_size():
    clusters = TrajectoryClusters((0.0, 2.0), (TrajectoryCluster("relapse", 3, (1.0, 0.4), (18.0, 7.0)),), 3, 1, 0)
    fig = clusters_figure(clusters)
    line = fig.data[-1]
    assert list(line.y) == [18.0, 7.0] and line.name == "relapse (n=3)"
    assert fig.layout.yaxis.range == (0, 27)


def test_completeness_bars_show_percent_and_counts():
    fig = completeness_figure([CompletenessItem("baseline PHQ-9", 3, 4), CompletenessItem("GAD-7 recorded", 1, 4)])
    bar = fig.data[0]
    assert list(bar.y) == ["GAD-7 recorded", "baseline PHQ-9"] and list(bar.x) == [25.0, 75.0]
    assert list(bar.text) == ["1 of 4", "3 of 4"]


def test_what_if_figure_sets_twin_predictions_beside_observed_rates():
    arm = WhatIfArm("sertraline", None, wilson_interval(500, 1000), wilson_interval(300, 1000), -7.5,
                    outcome("sertraline", 2, 1, 4))
    none = WhatIfArm("bupropion", None, wilson_interval(450, 1000), wilson_interval(250, 1000), -7.0, None)
    result = PopulationWhatIf((arm, none), 1000, 8, 0, 15.0, 3.0, 10.0, 4, True)
    fig = what_if_figure(result)
    twin, observed = fig.data
    assert list(twin.y) == pytest.approx([50.0, 30.0, 45.0, 25.0]) and twin.marker.pattern.shape == "/"
    assert list(observed.y)[:2] == pytest.approx([50.0, 25.0]) and observed.y[2] is None
    assert fig.layout.title.text == "sertraline vs bupropion: twin prediction vs observed"


def test_every_cohort_figure_keeps_its_legend_at_the_foot_away_from_the_title():
    arm = WhatIfArm("sertraline", None, wilson_interval(500, 1000), wilson_interval(300, 1000), -7.5,
                    outcome("sertraline", 2, 1, 4))
    figures = [rates_figure([outcome("sertraline", 6, 3, 10)]),
               km_figure([kaplan_meier([14, 28, 28, 42], [1, 1, 0, 0], label="all")]),
               severity_shift_figure({"minimal": 1, "severe": 3}, {"minimal": 3, "severe": 1}),
               clusters_figure(TrajectoryClusters((0.0, 2.0), (TrajectoryCluster("relapse", 3, (1.0, 0.4),
                                                                                  (18.0, 7.0)),), 3, 1, 0)),
               completeness_figure([CompletenessItem("baseline PHQ-9", 3, 4)]),
               what_if_figure(PopulationWhatIf((arm,), 1000, 8, 0, 15.0, 3.0, 10.0, 4, True))]
    for fig in figures:
        assert legend_and_title_apart(fig), fig.layout.title.text


def _km_strata(n_drugs: int) -> list:
    curves = [kaplan_meier([14, 28, 28, 42] * 3, [1, 1, 0, 0] * 3, label="all")]
    for i in range(n_drugs):
        size = 2 + i  # drug{n-1} is the largest
        curves.append(kaplan_meier([14 * (j + 1) for j in range(size)], [j % 2 for j in range(size)],
                                   label=f"drug{i}"))
    return curves


def test_km_figure_draws_all_and_at_most_the_three_largest_strata_and_says_how_many_it_left_out():
    fig = km_figure(_km_strata(10))
    lines = [t for t in fig.data if t.fill != "toself"]
    assert [t.name.split(" (")[0] for t in lines] == ["all", "drug9", "drug8", "drug7"]
    assert "7 more" in fig.layout.title.text


def test_km_figure_drops_the_bands_when_more_than_three_curves_are_drawn():
    assert not [t for t in km_figure(_km_strata(10)).data if t.fill == "toself"]
    assert len([t for t in km_figure(_km_strata(2)).data if t.fill == "toself"]) == 3


def test_km_legend_and_the_response_card_name_their_different_definitions():
    from components.cohort.widgets import END_OF_COURSE_HELP, RESPONSE_CARD

    line = km_figure(_km_strata(0)).data[-1]
    assert "ever responded" in line.name
    assert "end of course" in RESPONSE_CARD and "ever" in END_OF_COURSE_HELP
