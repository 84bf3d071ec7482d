from __future__ import annotations

import numpy as np
import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.ml.forecaster import (
    QUANTILES,
    SymptomForecaster,
    forecast_metrics,
    locf_forecast,
    locf_residual_quantiles,
    make_windows,
    pinball_loss,
    twin_forecast,
    week_features,
)


def _slow_locf(x):
    out, last = [], np.nan
    for v in x:
        last = v if not np.isnan(v) else last
        out.append(last)
    return np.array(out)


def test_history_features_carry_the_last_measured_score_forward():
    phq = np.array([[15, np.nan, np.nan, 10, np.nan], [20, 18, np.nan, np.nan, 9]], float)
    zeros = np.zeros_like(phq)
    feats, locf = week_features(phq, zeros, zeros, zeros, np.full_like(phq, np.nan), np.full_like(phq, np.nan))
    for i in range(2):
        np.testing.assert_array_equal(locf[i], _slow_locf(phq[i]))
    np.testing.assert_array_equal(feats[..., 1], ~np.isnan(phq))


def test_pinball_loss_matches_its_definition():
    y = np.array([[10.0]])
    q = np.array([[[8.0, 9.0, 10.0, 11.0, 12.0]]])
    expected = np.mean([max(t * (10 - p), (t - 1) * (10 - p)) for t, p in zip(QUANTILES, q[0, 0], strict=True)])
    assert abs(pinball_loss(y, q) - expected) < 1e-12


@pytest.fixture(scope="module")
def tiny_forecaster(tiny_series):
    rows = np.arange(tiny_series.n)
    cuts = np.full(rows.size, 12)
    w = make_windows(tiny_series, cuts, 10, 6, rows)
    model = SymptomForecaster(hidden_size=8, history_weeks=10, horizon_weeks=6, epochs=2, random_state=0)
    return model.fit(w, w), w


def test_forecast_quantiles_are_ordered_and_within_the_phq9_range(tiny_forecaster):
    model, w = tiny_forecaster
    q = model.predict(w)
    assert q.shape == (w.X.shape[0], 6, len(QUANTILES))
    assert np.all(np.diff(q, axis=-1) >= 0)
    assert q.min() >= 0 and q.max() <= 27


def test_a_patient_history_gives_a_forecast_band_per_week(tiny_forecaster):
    model, _ = tiny_forecaster
    out = model.predict_history({"phq9": [18, None, 15, 14], "drug": ["none", "sertraline", "sertraline",
                                                                       "sertraline"], "adherence": [0, 0.9, 0.8, 1]})
    assert out["weeks_ahead"] == [1, 2, 3, 4, 5, 6]
    assert all(a <= b for a, b in zip(out["phq9"]["p05"], out["phq9"]["p95"], strict=True))
    with pytest.raises(ValidationError):
        model.predict_history({"phq9": [None, None]})


def test_saved_forecaster_predicts_the_same_after_loading(tiny_forecaster):
    model, w = tiny_forecaster
    files = model.to_files()
    again = SymptomForecaster.from_files(lambda n: files[n])
    np.testing.assert_allclose(model.predict(w), again.predict(w), atol=1e-6)


def test_locf_band_is_the_last_value_plus_the_training_quantiles_of_the_change(tiny_series):
    w = make_windows(tiny_series, np.full(tiny_series.n, 12), 10, 4)
    rq = locf_residual_quantiles(w)
    for h in range(4):  # slow reference, one horizon at a time
        changes = [w.y[i, h] - w.last[i] for i in range(w.y.shape[0]) if not np.isnan(w.y[i, h])]
        np.testing.assert_allclose(rq[h], np.quantile(changes, QUANTILES))
    q = locf_forecast(w.last, rq)
    np.testing.assert_allclose(q[:, 0, 2], np.clip(w.last + rq[0, 2], 0, 27))
    m = forecast_metrics(w.y, q)
    assert m["n_series"] == tiny_series.n and 0 <= m["coverage_90_percent"] <= 100


def test_twin_forecast_gives_ordered_quantiles_for_the_weeks_after_the_cut(tiny_series):
    q = twin_forecast(tiny_series, 0, 12, 4, draws=50)
    assert q.shape == (4, len(QUANTILES))
    assert np.all(np.diff(q, axis=-1) >= 0)
