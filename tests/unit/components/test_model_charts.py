"""The model figure builders and the ranking table, checked on their figure data (no Streamlit)."""

from __future__ import annotations

from datetime import date, timedelta

from components.models import charts as mc
from components.models.panels import ranking_rows
from components.shared.theme import legend_and_title_apart
from novamind_core.services.model_cards import ForecasterBaseline
from novamind_core.services.predictions import Reason, TreatmentOption

OPTIONS = (
    TreatmentOption("sertraline", 0.62, 0.55, 0.70, 0.31, 0.25, 0.36,
                    (Reason("n_prior_treatment_failures", "previous treatment failures", "0", 0.4),)),
    TreatmentOption("bupropion", 0.48, 0.40, 0.57, 0.20, 0.15, 0.26,
                    (Reason("gad7_total", "baseline GAD-7 total", "14", -0.3),)),
)
TODAY = date(2026, 3, 12)
QUANTILES = {"p05": [6, 5, 4], "p25": [8, 7, 7], "p50": [10, 9, 8], "p75": [12, 11, 11], "p95": [14, 14, 15]}


def test_ranking_figure_puts_the_best_drug_on_top_with_its_80_percent_interval_in_percent():
    fig = mc.treatment_ranking_figure(OPTIONS)
    response = next(t for t in fig.data if "response" in t.name)
    assert list(response.y) == ["bupropion", "sertraline"]  # plotly draws the last category at the top
    assert list(response.x) == [48.0, 62.0]
    assert list(response.error_x.array) == [9.0, 8.0] and list(response.error_x.arrayminus) == [8.0, 7.0]
    assert "week 8" in fig.layout.title.text and "80% intervals" in fig.layout.title.text
    assert fig.layout.xaxis.title.text.endswith("(%)")


def test_ranking_figure_leaves_out_remission_when_the_model_gives_none():
    no_rem = tuple(TreatmentOption(o.drug, o.p_response, o.p_response_low, o.p_response_high, None, None, None, ())
                   for o in OPTIONS)
    names = [t.name for t in mc.treatment_ranking_figure(no_rem).data]
    assert names == ["P(response) at week 8"]


def test_forecast_fan_opens_from_the_last_observed_score_with_dashed_median_and_two_bands():
    observed = [(TODAY - timedelta(weeks=2), 14), (TODAY, 11)]
    dates = [TODAY + timedelta(weeks=h) for h in (1, 2, 3)]
    fig = mc.forecast_fan_figure(observed, dates, QUANTILES, "GRU symptom forecaster", origin=TODAY)
    median = next(t for t in fig.data if t.name.startswith("forecast median"))
    assert median.line.dash == "dash" and list(median.y) == [11, 10, 9, 8]
    bands = [t for t in fig.data if "band" in t.name]
    assert {t.name for t in bands} == {"forecast 90% band", "forecast 50% band"}
    ninety = next(t for t in bands if "90%" in t.name)
    assert list(ninety.y) == [11, 14, 14, 15, 4, 5, 6, 11]  # upper edge out, lower edge back
    obs = next(t for t in fig.data if t.name == "observed PHQ-9")
    assert obs.line.dash is None and list(obs.y) == [14, 11]
    assert len(fig.layout.shapes) == 6  # five severity bands and the "today" line
    assert fig.layout.yaxis.title.text == "PHQ-9 total (points)"


def test_forecast_fan_without_a_forecast_still_shows_the_observed_scores():
    fig = mc.forecast_fan_figure([(TODAY, 9)], [], {}, "GRU")
    assert [t.name for t in fig.data] == ["observed PHQ-9"]


def test_reliability_diagram_plots_stored_points_in_percent_against_the_diagonal():
    curves = {"response": [(0.1, 0.08, 50), (0.5, 0.55, 200)], "remission": [(0.2, 0.25, 10)]}
    fig = mc.reliability_figure(curves, "Treatment response")
    diagonal, response, remission = fig.data
    assert list(diagonal.x) == [0, 100] and list(diagonal.y) == [0, 100]
    assert list(response.x) == [10.0, 50.0] and list(response.y) == [8.0, 55.0]
    assert list(response.customdata) == [50, 200]
    assert response.marker.size[1] > response.marker.size[0]  # more cases, bigger point
    assert remission.name == "remission"
    assert fig.layout.title.text.startswith("Treatment response: Calibration on held-out data")


def test_forecaster_comparison_highlights_the_default_and_marks_nominal_coverage():
    baselines = [ForecasterBaseline("gru", "GRU", 0.56, 1.8, 91.4, 49.0, default=True),
                 ForecasterBaseline("locf", "LOCF", 0.72, 2.3, 91.9, 56.0, default=False)]
    fig = mc.forecaster_comparison_figure(baselines)
    loss, coverage = fig.data
    assert list(loss.x) == ["GRU (default)", "LOCF"] and list(loss.y) == [0.56, 0.72]
    assert loss.marker.color[0] != loss.marker.color[1]
    assert list(coverage.y) == [91.4, 91.9]
    assert any(s.y0 == 90 and s.y1 == 90 for s in fig.layout.shapes)


def test_ranking_rows_show_percentages_intervals_and_reasons_in_words():
    rows = ranking_rows(OPTIONS)
    assert rows[0]["Drug"] == "sertraline" and rows[0]["Response at week 8"] == "62%"
    assert rows[0]["Response 80% interval"] == "55%–70%"
    assert rows[1]["Main reasons"] == "baseline GAD-7 total (14) lowers the chance"


def test_every_model_figure_keeps_its_legend_at_the_foot_away_from_the_title():
    figures = [mc.treatment_ranking_figure(OPTIONS),
               mc.forecast_fan_figure([(TODAY, 11)], [TODAY + timedelta(weeks=h) for h in (1, 2, 3)], QUANTILES,
                                      "GRU", origin=TODAY),
               mc.reliability_figure({"response": [(0.1, 0.08, 50)]}, "Treatment response"),
               mc.forecaster_comparison_figure([ForecasterBaseline("gru", "GRU", 0.56, 1.8, 91.4, 49.0, default=True)])]
    for fig in figures:
        assert legend_and_title_apart(fig), fig.layout.title.text
