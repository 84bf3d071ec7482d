"""The chart's drug-level figure: population band, individual fit, measured levels and the reference range."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from components.patient.levels import levels_figure
from components.shared.theme import legend_and_title_apart
from novamind_core.pharmacology.tdm_bayes import MeasuredLevel, forecast_curves
from novamind_core.pharmacology.tdm_patient import patient_forecast
from novamind_core.services.drug_levels import LevelsView


def test_the_levels_figure_shows_band_fit_measured_points_and_range():
    pf = patient_forecast("escitalopram", 10, 24, [MeasuredLevel(166.0, 38.0)])
    curves = forecast_curves(pf.forecast, np.linspace(0, 240, 100))
    view = LevelsView("escitalopram", (), datetime(2026, 5, 20, 8, tzinfo=UTC), 10, 24, pf, curves, None)
    fig = levels_figure(view)
    names = [t.name for t in fig.data]
    assert "population 90% band" in names and "individual fit" in names and "measured" in names
    assert fig.layout.shapes and fig.layout.shapes[0].y0 == 15.0 and fig.layout.shapes[0].y1 == 80.0


def test_without_a_forecast_the_figure_is_empty_rather_than_invented():
    view = LevelsView(None, (), None, None, None, None, None, "no active order")
    assert len(levels_figure(view).data) == 0


def test_the_levels_figure_uses_the_shared_template_so_its_legend_sits_at_the_foot():
    pf = patient_forecast("escitalopram", 10, 24, [MeasuredLevel(166.0, 38.0)])
    curves = forecast_curves(pf.forecast, np.linspace(0, 240, 100))
    fig = levels_figure(LevelsView("escitalopram", (), datetime(2026, 5, 20, 8, tzinfo=UTC), 10, 24, pf, curves, None))
    assert fig.layout.title.text
    assert legend_and_title_apart(fig)
