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
    """True when the target must be numeric (regression); False for class labels."""
    fn: Callable[..., float]
    description: str
    needs_train: bool = False
    """True when the score is scaled by the window's train target (``mase``)."""
    probabilities: bool = False
    """True when predictions are P(class 1) in [0, 1] (``log_loss``, ``roc_auc``)."""

    def prediction_problem(self, y_true: np.ndarray, y_pred: np.ndarray, labels: np.ndarray | None = None) -> str | None:
        """Why ``y_pred`` cannot be scored against ``y_true`` (None: it can): values that are
        not numbers where numbers are needed, NaN or infinity, probabilities outside [0, 1], and
        for label metrics, values that are none of the target's ``labels``."""
        y_pred = np.asarray(y_pred)
        numeric_pred = y_pred.dtype.kind in "biuf"
        numeric_true = np.asarray(y_true).dtype.kind in "biuf"
        if self.numeric_target or self.probabilities or numeric_true:
            if not numeric_pred:
                return (f"predictions are {_kind(y_pred)}, but {self.name} needs numbers"
                        + ("" if self.numeric_target or self.probabilities else " (the target's labels are numbers)"))
            bad = np.flatnonzero(~np.isfinite(y_pred.astype(np.float64, copy=False)))
            if bad.size:
                return f"{bad.size} of {y_pred.size} predictions are NaN or infinite (the first at validation row {bad[0]})"
            if self.probabilities and (y_pred.min() < 0 or y_pred.max() > 1):
                return (f"{self.name} needs P(class 1) in [0, 1] as predictions; got values from "
                        f"{y_pred.min():.4g} to {y_pred.max():.4g}")
        elif numeric_pred:
            return f"predictions are numbers, but the target's labels are {_kind(np.asarray(y_true))}"
        if labels is not None and not self.numeric_target and not self.probabilities:
            unknown = y_pred[~np.isin(y_pred, labels)]
            if unknown.size:
                example = unknown[0].item() if isinstance(unknown[0], np.generic) else unknown[0]
                return (f"{unknown.size} of {y_pred.size} predictions are not labels of the target (e.g. {example!r}; "
                        f"labels: {', '.join(map(str, labels[:5]))}{', ...' if len(labels) > 5 else ''}); "
                        f"{self.name} compares labels (for P(class 1) use log_loss or roc_auc)")
        return None

    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray, y_train: np.ndarray | None = None) -> float:
        if len(y_true) != len(y_pred):
            raise ValueError(f"{self.name}: {len(y_pred)} predictions for {len(y_true)} rows")
        if self.needs_train:
            if y_train is None:
                raise ValueError(f"{self.name} needs the train target of the window")
            return float(self.fn(y_true, y_pred, y_train))
        return float(self.fn(y_true, y_pred))


def _kind(a: np.ndarray) -> str:
    if a.dtype.kind in "US" or (a.dtype.kind == "O" and a.size and isinstance(a.flat[0], str)):
        return "text"
    if a.dtype.kind == "O" and a.size:
        return f"{type(a.flat[0]).__name__} values"
    return f"{a.dtype} values"


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


def _smape(y: np.ndarray, p: np.ndarray) -> float:
    y, p = _numeric(y), _numeric(p)
    denominator = np.abs(y) + np.abs(p)
    ratio = np.divide(2.0 * np.abs(y - p), denominator, out=np.zeros_like(y), where=denominator != 0)
    return 100.0 * np.mean(ratio)


def _mase(y: np.ndarray, p: np.ndarray, y_train: np.ndarray) -> float:
    y_train = _numeric(y_train)
    if len(y_train) < 2:
        return float("nan")
    scale = np.mean(np.abs(np.diff(y_train)))
    return _mae(y, p) / scale if scale > 0 else float("nan")


def _r2(y: np.ndarray, p: np.ndarray) -> float:
    y, p = _numeric(y), _numeric(p)
    total = np.sum((y - y.mean()) ** 2)
    return 1.0 - np.sum((y - p) ** 2) / total if total > 0 else float("nan")


def _accuracy(y: np.ndarray, p: np.ndarray) -> float:
    return np.mean(np.asarray(y) == np.asarray(p))


def _balanced_accuracy(y: np.ndarray, p: np.ndarray) -> float:
    y, p = np.asarray(y), np.asarray(p)
    return float(np.mean([np.mean(p[y == c] == c) for c in np.unique(y)]))


def _f1(y: np.ndarray, p: np.ndarray) -> float:
    """Macro F1: the mean over the classes present in the truth or the predictions."""
    y, p = np.asarray(y), np.asarray(p)
    scores = []
    for c in np.unique(np.concatenate([y, p])):
        tp = np.sum((p == c) & (y == c))
        fp, fn = np.sum((p == c) & (y != c)), np.sum((p != c) & (y == c))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return float(np.mean(scores))


def _binary(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y, p = _numeric(y), _numeric(p)
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("log_loss and roc_auc need a 0/1 target and predictions that are P(class 1)")
    return y, p


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    y, p = _binary(y, p)
    eps = np.finfo(np.float64).eps
    p = np.clip(p, eps, 1 - eps)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def _roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve via the rank-sum (Mann-Whitney U) statistic; ties get mid-ranks."""
    y, p = _binary(y, p)
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(len(p))
    sorted_p = p[order]
    i = 0
    while i < len(p):  # mid-ranks for ties
        j = i
        while j + 1 < len(p) and sorted_p[j + 1] == sorted_p[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return (ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("rmse", "minimize", True, _rmse, "root mean squared error, in target units"),
        Metric("mae", "minimize", True, _mae, "mean absolute error, in target units"),
        Metric("mape", "minimize", True, _mape, "mean absolute percentage error, in % (rows with target 0 skipped)"),
        Metric("smape", "minimize", True, _smape, "symmetric mean absolute percentage error, in % (0 to 200)"),
        Metric("mase", "minimize", True, _mase,
               "mean absolute scaled error: MAE over the MAE of the one-step naive forecast on the train rows",
               needs_train=True),
        Metric("r2", "maximize", True, _r2, "coefficient of determination (1 is perfect)"),
        Metric("accuracy", "maximize", False, _accuracy, "share of rows whose predicted label equals the target"),
        Metric("balanced_accuracy", "maximize", False, _balanced_accuracy, "mean recall over the target's classes"),
        Metric("f1", "maximize", False, _f1, "macro F1 over the classes"),
        Metric("log_loss", "minimize", False, _log_loss, "binary cross-entropy; predictions are P(class 1), target 0/1",
               probabilities=True),
        Metric("roc_auc", "maximize", False, _roc_auc, "area under the ROC curve; predictions are P(class 1), target 0/1",
               probabilities=True),
    )
}


def get_metric(name: str) -> Metric:
    """The metric called ``name``; ValueError listing the known ones otherwise."""
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; choose one of {', '.join(sorted(METRICS))}") from None


Aggregation = Literal["mean", "median", "worst", "mean_std", "recency"]


def aggregate(scores: list[float], how: Aggregation, direction: Direction, *, k: float = 1.0,
              half_life: float = 5.0) -> float:
    """One trial score from its windows' scores (in window order, oldest first).

    ``mean``; ``median``; ``worst`` (the largest error or the lowest score);
    ``mean_std``: mean plus ``k`` standard deviations in the unfavourable direction
    (penalises unstable configurations); ``recency``: weighted mean whose weights halve
    every ``half_life`` windows going back in time.
    """
    values = np.asarray(scores, dtype=np.float64)
    if values.size == 0:
        raise ValueError("no window scores to aggregate")
    sign = 1.0 if direction == "minimize" else -1.0
    if how == "mean":
        return float(values.mean())
    if how == "median":
        return float(np.median(values))
    if how == "worst":
        return float(values.max() if direction == "minimize" else values.min())
    if how == "mean_std":
        return float(values.mean() + sign * k * values.std())
    if how == "recency":
        age = np.arange(values.size)[::-1]
        weights = 0.5 ** (age / half_life)
        return float(np.sum(weights * values) / np.sum(weights))
    raise ValueError(f"unknown aggregation {how!r}; choose mean, median, worst, mean_std or recency")
