"""Metrics computed by the orchestrator from a window's predictions and truth.

Every model, in any language, is scored by these same functions. Each metric
names its direction and the task kinds it applies to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

Direction = Literal["minimize", "maximize"]


@dataclass(frozen=True)
class Metric:
    name: str
    direction: Direction
    numeric_target: bool
    """True when the target (and predictions) must be numeric."""
    fn: Callable[[np.ndarray, np.ndarray], float]
    description: str

    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:
        if len(y_true) != len(y_pred):
            raise ValueError(f"{self.name}: {len(y_pred)} predictions for {len(y_true)} rows")
        return float(self.fn(y_true, y_pred))


def _numeric(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _rmse(y: np.ndarray, p: np.ndarray) -> float:
    return np.sqrt(np.mean((_numeric(y) - _numeric(p)) ** 2))


def _mae(y: np.ndarray, p: np.ndarray) -> float:
    return np.mean(np.abs(_numeric(y) - _numeric(p)))


def _mape(y: np.ndarray, p: np.ndarray) -> float:
    y, p = _numeric(y), _numeric(p)
    nonzero = y != 0
    if not nonzero.any():
        return float("nan")
    return 100.0 * np.mean(np.abs((y[nonzero] - p[nonzero]) / y[nonzero]))


def _r2(y: np.ndarray, p: np.ndarray) -> float:
    y, p = _numeric(y), _numeric(p)
    total = np.sum((y - y.mean()) ** 2)
    return 1.0 - np.sum((y - p) ** 2) / total if total > 0 else float("nan")


def _accuracy(y: np.ndarray, p: np.ndarray) -> float:
    return np.mean(np.asarray(y) == np.asarray(p))


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("rmse", "minimize", True, _rmse, "root mean squared error, in target units"),
        Metric("mae", "minimize", True, _mae, "mean absolute error, in target units"),
        Metric("mape", "minimize", True, _mape, "mean absolute percentage error, in % (rows with target 0 skipped)"),
        Metric("r2", "maximize", True, _r2, "coefficient of determination (1 is perfect)"),
        Metric("accuracy", "maximize", False, _accuracy, "share of rows whose predicted label equals the target"),
    )
}


def get_metric(name: str) -> Metric:
    """The metric called ``name``; ValueError listing the known ones otherwise."""
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; choose one of {', '.join(sorted(METRICS))}") from None
