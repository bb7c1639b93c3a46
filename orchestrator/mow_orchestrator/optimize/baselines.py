"""Naive baselines: what a model must beat to be worth running.

Each baseline predicts rows ``[start, stop)`` from the target alone, using no
more of it than the model had:

- ``mean`` (regression): the mean of the train rows' target.
- ``majority class`` (classification): the most frequent label of the train rows
  (``base rate``, the train share of class 1, for metrics on probabilities).
- ``last value`` (forecasting): the most recent target value the model could
  see. With target lags configured (smallest lag ``L`` rows) that is the value
  ``L`` rows earlier, ``y[t - L]``, exactly what the model receives as its
  ``<target>_lag<L>`` feature; without target lags it is the last train value,
  repeated.
- ``seasonal naive`` (forecasting, when a season of ``m`` rows is known): the
  value one season earlier, ``y[t - k*m]`` with the smallest ``k >= 1`` that
  reaches a value the model could see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Seasons for regularly spaced time columns: (row spacing in seconds, season in rows, reason).
_SEASONS = (
    (60, 60, "minute rows: hourly season"),
    (600, 144, "10-minute rows: daily season"),
    (900, 96, "15-minute rows: daily season"),
    (1800, 48, "30-minute rows: daily season"),
    (3600, 24, "hourly rows: daily season"),
    (86400, 7, "daily rows: weekly season"),
    (7 * 86400, 52, "weekly rows: yearly season"),
)


@dataclass(frozen=True)
class Season:
    """A season length in rows and where it came from."""

    rows: int
    reason: str


@dataclass(frozen=True)
class Baseline:
    name: str
    description: str
    predictions: np.ndarray


def infer_season(times: np.ndarray | None) -> Season | None:
    """The season of regularly spaced timestamps (daily rows: 7), or None.

    ``times`` are ``datetime64`` values in row order; anything else (no time
    column, numbers, irregular spacing) gives None.
    """
    if times is None or len(times) < 3 or not np.issubdtype(np.asarray(times).dtype, np.datetime64):
        return None
    seconds = np.diff(np.asarray(times).astype("datetime64[s]").astype(np.int64))
    if len(seconds) == 0:
        return None
    spacing = float(np.median(seconds))
    for step, rows, reason in _SEASONS:
        if spacing == step:
            return Season(rows, reason)
    if 28 * 86400 <= spacing <= 31 * 86400:
        return Season(12, "monthly rows: yearly season")
    if 89 * 86400 <= spacing <= 92 * 86400:
        return Season(4, "quarterly rows: yearly season")
    return None


def naive_baselines(
    target: np.ndarray, *, task: str, train_start: int, train_stop: int, start: int, stop: int,
    target_lag: int | None = None, season: Season | None = None, probabilities: bool = False,
    train_rows: np.ndarray | None = None, rows: np.ndarray | None = None,
) -> list[Baseline]:
    """The baselines of ``task`` for rows ``[start, stop)``, trained on ``[train_start, train_stop)``.

    Args:
        target: the target of every row (development and holdout), in row order.
        task: ``forecasting``, ``regression`` or ``classification``.
        target_lag: smallest lag of the target among the model's features, in
            rows (None: the model sees no recent target values).
        season: season length for the seasonal naive forecast (None: skipped).
        probabilities: the metric scores P(class 1) (log loss, ROC AUC): a
            classification baseline predicts the train rate of class 1 instead of a label.
        train_rows, rows: sorted index arrays that replace the train range and the predicted
            range (windows of i.i.d. folds, see ``Window.train_index``).
    """
    rows = np.arange(start, stop) if rows is None else np.asarray(rows)
    n = len(rows)
    train = target[train_start:train_stop] if train_rows is None else target[train_rows]
    if train_rows is not None and len(train_rows):
        train_stop = int(train_rows[-1]) + 1  # the last row the model trained on
    if task == "classification" and probabilities:
        rate = float(np.mean(np.asarray(train, dtype=np.float64)))
        return [Baseline("base rate", f"P(class 1) = {rate:.3g}, the train share of class 1", np.full(n, rate))]
    if task == "classification":
        labels, counts = np.unique(train, return_counts=True)
        label = labels[np.argmax(counts)]
        return [Baseline("majority class", f"always {label!r}, the most frequent train label", np.full(n, label))]
    if task != "forecasting":
        return [Baseline("mean", "mean of the train target", np.full(n, float(np.mean(train))))]
    known_until = None if target_lag else train_stop - 1  # last row the model could see, without lags
    if target_lag:
        last = target[np.maximum(rows - target_lag, 0)]
        last_text = f"the target {target_lag} row{'s' if target_lag > 1 else ''} earlier (its smallest lag)"
    else:
        last = np.full(n, target[train_stop - 1])
        last_text = "the last train target, repeated"
    found = [Baseline("last value", last_text, np.asarray(last, dtype=np.float64))]
    if season is not None and season.rows > 1:
        m = season.rows
        if target_lag:
            back = m * math.ceil(target_lag / m)
            source = rows - back
        else:
            k = np.ceil((rows - known_until) / m).astype(np.int64)
            source = rows - k * m
        if (source >= 0).all():
            found.append(Baseline(
                "seasonal naive", f"the target one season ({m} rows; {season.reason}) earlier",
                np.asarray(target[source], dtype=np.float64),
            ))
    return found
