"""Tiny models, one per behaviour, for tests (served for real, never mocked)."""

from __future__ import annotations

import os
import time

import numpy as np

from mow_model_sdk import BoolParam, CategoricalParam, FloatParam, IntParam, Model


class MeanModel(Model):
    """Predicts the train mean times ``scale``."""

    params = (
        FloatParam("scale", 0.5, 1.5, default=1.0),
        IntParam("unused_int", 1, 5, default=2),
        CategoricalParam("mode", ("a", "b"), default="a"),
        BoolParam("flag", default=False),
    )

    def fit(self, X, y):
        self.mean_ = float(np.mean(y)) * self.scale
        self.log(f"mean of {len(y)} rows")

    def predict(self, X):
        return np.full(len(X), self.mean_)


class FirstColumnModel(Model):
    """Predicts the first feature column; records what it saw."""

    def fit(self, X, y):
        self.metrics_ = {"n_train": len(y), "n_features": X.shape[1]}

    def predict(self, X):
        return X[:, 0]


class ArrowModel(Model):
    """Reads its input as a pyarrow.Table."""

    input_format = "arrow"

    def fit(self, X, y):
        self.names_ = X.column_names

    def predict(self, X):
        return X.column(self.names_[0])


class FailingModel(Model):
    """Raises in fit (or in predict with where='predict')."""

    params = (CategoricalParam("where", ("fit", "predict"), default="fit"),)

    def fit(self, X, y):
        if self.where == "fit":
            raise ValueError("boom in fit")

    def predict(self, X):
        raise RuntimeError("boom in predict")


class WrongLengthModel(Model):
    def fit(self, X, y):
        pass

    def predict(self, X):
        return np.zeros(len(X) + 1)


class SlowModel(Model):
    """Sleeps ``seconds`` per fit."""

    params = (FloatParam("seconds", 0.0, 5.0, default=0.2),)

    def fit(self, X, y):
        time.sleep(self.seconds)

    def predict(self, X):
        return np.zeros(len(X))


class CrashModel(Model):
    """Kills its own server process in fit (a model crash, not an exception)."""

    def fit(self, X, y):
        os._exit(3)

    def predict(self, X):
        return np.zeros(len(X))


class ClassifierModel(Model):
    task = "classification"

    def fit(self, X, y):
        values, counts = np.unique(y, return_counts=True)
        self.label_ = values[np.argmax(counts)]

    def predict(self, X):
        return np.full(len(X), self.label_)


class MemoryHogModel(Model):
    """Allocates ``megabytes`` of memory in fit (to trip a container's memory limit)."""

    params = (IntParam("megabytes", 1, 4096, default=512),)

    def fit(self, X, y):
        self.hog_ = np.ones(self.megabytes * 1024 * 1024 // 8)

    def predict(self, X):
        return np.zeros(len(X))


class RowEchoClassifier(Model):
    """The first feature is a row id: logs the ids it is asked to predict (``rows 3 7 ...``), so the
    report says which rows the server handed to ``predict``; fails when a validation row was also a
    train row. Predicts the most common train label."""

    task = "classification"

    def fit(self, X, y):
        self.train_ids_ = set(X[:, 0].astype(np.int64).tolist())
        values, counts = np.unique(y, return_counts=True)
        self.majority_ = values[np.argmax(counts)]

    def predict(self, X):
        ids = X[:, 0].astype(np.int64)
        if self.train_ids_.intersection(ids.tolist()):
            raise ValueError("a validation row was also a train row")
        self.log("rows " + " ".join(map(str, ids.tolist())))
        return np.full(len(ids), self.majority_)


class InPlaceModel(Model):
    """Writes into X in fit (a model bug that must not change the data later windows see)."""

    def fit(self, X, y):
        X[:, 0] = 0.0

    def predict(self, X):
        return np.zeros(len(X))


class NoSuperInitModel(Model):
    """Its __init__ forgets super().__init__(); logs anyway."""

    def __init__(self, **params):
        self.params = params

    def fit(self, X, y):
        self.log("fitting")

    def predict(self, X):
        return np.zeros(len(X))


class KeyErrorInitModel(Model):
    """Its __init__ raises something other than TypeError/ValueError."""

    def __init__(self, **params):
        raise KeyError("missing setting")

    def fit(self, X, y):
        pass

    def predict(self, X):
        return np.zeros(len(X))


class NaNModel(Model):
    """Predicts NaN for every row."""

    def fit(self, X, y):
        pass

    def predict(self, X):
        return np.full(len(X), np.nan)


class BadMetricsModel(Model):
    """Reports a number and a text in metrics_."""

    def fit(self, X, y):
        self.metrics_ = {"n": len(y), "note": "text"}

    def predict(self, X):
        return np.zeros(len(X))


class HugeModel(Model):
    """Finite predictions too large to score (their squares overflow)."""

    def fit(self, X, y):
        pass

    def predict(self, X):
        return np.full(len(X), 1e308)
