"""Models the benchmarks serve: plain ``mow_model_sdk.Model`` subclasses.

The same classes run inside MOW's model server (``bench_models:NoopModel`` with
``bench/`` on the server's PYTHONPATH) and in the in-process reference loops,
so both sides execute exactly the same model code.
"""

from __future__ import annotations

import numpy as np

from mow_model_sdk import FloatParam, IntParam, Model


class NoopModel(Model):
    """Fits nothing, predicts zeros: what is left is the cost of the plumbing."""

    params = (FloatParam("alpha", 1e-3, 1.0, log=True, default=0.1),)

    def fit(self, X, y):
        pass

    def predict(self, X):
        return np.zeros(len(X))


class TouchModel(Model):
    """Reads every train target and the last train rows of every feature, copies nothing.

    For the memory benchmark: the window's data is really used, so a copy made
    on the way in would show up in the server's peak RSS.
    """

    params = (FloatParam("alpha", 1e-3, 1.0, log=True, default=0.1),)

    def fit(self, X, y):
        self.mean_ = float(np.mean(y)) + 0.0 * float(X[-1024:].sum())

    def predict(self, X):
        return np.full(len(X), self.mean_)


class BurnModel(Model):
    """CPU-bound in pure Python (one core, holds the GIL): ``work`` loop iterations per fit."""

    params = (
        IntParam("work", 1_000_000, 2_000_000, default=1_500_000),
        FloatParam("shrink", 0.0, 1.0, default=0.5),
    )

    def fit(self, X, y):
        acc = 0
        for i in range(self.work):
            acc += i & 7
        self.mean_ = float(np.mean(y)) * self.shrink + acc * 0.0

    def predict(self, X):
        return np.full(len(X), self.mean_)


class BoostedTrees(Model):
    """scikit-learn HistGradientBoostingRegressor: a realistic tabular model."""

    params = (
        IntParam("max_iter", 10, 60, default=30),
        FloatParam("learning_rate", 1e-3, 0.5, log=True, default=0.1),
        IntParam("max_leaf_nodes", 7, 63, default=31),
    )

    def fit(self, X, y):
        from sklearn.ensemble import HistGradientBoostingRegressor

        self.model_ = HistGradientBoostingRegressor(
            max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
            early_stopping=False, random_state=0,
        ).fit(X, y)

    def predict(self, X):
        return self.model_.predict(X)


class RidgeModel(Model):
    """scikit-learn Ridge; ``alpha`` spans bad (heavy shrinkage) to good fits: a study worth pruning."""

    params = (FloatParam("alpha", 1e-3, 1e5, log=True, default=1.0),)

    def fit(self, X, y):
        from sklearn.linear_model import Ridge

        self.model_ = Ridge(alpha=self.alpha).fit(X, y)

    def predict(self, X):
        return self.model_.predict(X)


class TouchArrowModel(TouchModel):
    """TouchModel fed ``pyarrow.Table`` slices (``input_format = "arrow"``)."""

    input_format = "arrow"

    def fit(self, X, y):
        tail = X.slice(max(0, X.num_rows - 1024))
        self.mean_ = float(np.mean(y)) + 0.0 * sum(float(np.sum(c.to_numpy())) for c in tail.columns)

    def predict(self, X):
        return np.full(X.num_rows, self.mean_)
