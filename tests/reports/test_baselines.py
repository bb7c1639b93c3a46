"""Naive baselines and season inference, on small arrays worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from mow_orchestrator.optimize.baselines import Season, infer_season, naive_baselines

Y = np.arange(100, dtype=np.float64) * 10  # y[t] = 10 t


def by_name(baselines):
    return {b.name: b.predictions for b in baselines}


def test_last_value_with_target_lag_uses_the_value_lag_rows_earlier():
    found = by_name(naive_baselines(Y, task="forecasting", train_start=0, train_stop=50, start=50, stop=53, target_lag=2))
    assert found["last value"].tolist() == [480, 490, 500]


def test_without_target_lag_the_last_train_value_is_repeated():
    found = by_name(naive_baselines(Y, task="forecasting", train_start=0, train_stop=50, start=52, stop=55))
    assert found["last value"].tolist() == [490, 490, 490]


def test_seasonal_naive_reaches_back_whole_seasons_the_model_could_see():
    season = Season(7, "daily rows: weekly season")
    lagged = by_name(naive_baselines(Y, task="forecasting", train_start=0, train_stop=50, start=50, stop=52,
                                     target_lag=1, season=season))
    assert lagged["seasonal naive"].tolist() == [430, 440]  # y[t - 7]
    unlagged = by_name(naive_baselines(Y, task="forecasting", train_start=0, train_stop=50, start=50, stop=59,
                                       season=season))
    # the last known row is 49: rows 50..56 look back one season, 57..58 two seasons
    assert unlagged["seasonal naive"].tolist() == [430, 440, 450, 460, 470, 480, 490, 430, 440]


def test_regression_predicts_the_train_mean_and_classification_the_majority():
    (mean,) = naive_baselines(Y, task="regression", train_start=10, train_stop=20, start=20, stop=23)
    assert mean.name == "mean" and mean.predictions.tolist() == pytest.approx([145.0] * 3)
    labels = np.array(["sun", "rain", "rain", "fog", "sun", "rain"])
    (majority,) = naive_baselines(labels, task="classification", train_start=0, train_stop=4, start=4, stop=6)
    assert majority.name == "majority class" and majority.predictions.tolist() == ["rain", "rain"]


@pytest.mark.parametrize("step, rows", [("1D", 7), ("1h", 24), ("7D", 52), ("15m", 96)])
def test_season_is_inferred_from_regular_timestamps(step, rows):
    unit = {"1D": np.timedelta64(1, "D"), "1h": np.timedelta64(1, "h"), "7D": np.timedelta64(7, "D"),
            "15m": np.timedelta64(15, "m")}[step]
    times = np.datetime64("2024-01-01T00:00:00") + np.arange(50) * unit
    assert infer_season(times).rows == rows


def test_no_season_without_timestamps():
    assert infer_season(None) is None
    assert infer_season(np.arange(10)) is None
    irregular = np.datetime64("2024-01-01") + np.array([0, 3, 4, 11, 30], dtype="timedelta64[D]")
    assert infer_season(irregular) is None
