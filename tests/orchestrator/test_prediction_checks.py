"""Predictions a metric cannot score fail the window with the reason instead of scoring silently."""

from __future__ import annotations

import numpy as np
import pytest

from mow_orchestrator.metrics import METRICS


@pytest.mark.parametrize(
    "metric, y_true, y_pred, expected",
    [
        ("rmse", [1.0, 2.0, 3.0], [1.0, np.nan, 3.0], "1 of 3 predictions are NaN or infinite (the first at validation row 1)"),
        ("rmse", [1.0, 2.0], [np.inf, 1.0], "1 of 2 predictions are NaN or infinite"),
        ("mae", [1.0, 2.0], np.array(["a", "b"], dtype=object), "predictions are text, but mae needs numbers"),
        ("accuracy", [0, 1, 1], np.array(["no", "yes", "yes"], dtype=object), "predictions are text, but accuracy needs numbers"),
        ("accuracy", [0, 1], np.array([{"p": 1}, {"p": 0}], dtype=object), "predictions are dict values"),
        ("accuracy", [0, 1], [np.nan, np.nan], "2 of 2 predictions are NaN or infinite"),
        ("accuracy", np.array(["a", "b"], dtype=object), [0, 1], "predictions are numbers, but the target's labels are text"),
        ("log_loss", [0, 1], [0.2, 5.0], "log_loss needs P(class 1) in [0, 1] as predictions; got values from 0.2 to 5"),
        ("roc_auc", [0, 1], [-0.5, 0.4], "roc_auc needs P(class 1) in [0, 1]"),
    ],
)
def test_unscorable_predictions_are_named(metric, y_true, y_pred, expected):
    problem = METRICS[metric].prediction_problem(np.asarray(y_true), np.asarray(y_pred))
    assert problem is not None and expected in problem


@pytest.mark.parametrize(
    "metric, y_true, y_pred",
    [
        ("rmse", [1.0, 2.0], [1, 2]),
        ("accuracy", [0, 1], [1, 1]),
        ("accuracy", np.array(["a", "b"], dtype=object), np.array(["b", "b"], dtype=object)),
        ("log_loss", [0, 1], [0.0, 1.0]),
    ],
)
def test_scorable_predictions_pass(metric, y_true, y_pred):
    assert METRICS[metric].prediction_problem(np.asarray(y_true), np.asarray(y_pred)) is None


def test_label_metrics_want_labels_of_the_target():
    accuracy = METRICS["accuracy"]
    problem = accuracy.prediction_problem(np.array([0, 1]), np.array([0.3, 0.7]), labels=np.array([0, 1]))
    assert "2 of 2 predictions are not labels of the target (e.g. 0.3" in problem and "use log_loss or roc_auc" in problem
    assert accuracy.prediction_problem(np.array(["a", "b"], dtype=object), np.array(["a", "hail"], dtype=object),
                                       labels=np.array(["a", "b"], dtype=object)).startswith("1 of 2 predictions")
    assert accuracy.prediction_problem(np.array([0, 1]), np.array([1, 1]), labels=np.array([0, 1])) is None
