"""Example models for MOW: scikit-learn regressors behind the mow.v1 protocol.

Serve one by hand with ``mow-model serve model:GradientBoostingForecaster --listen 127.0.0.1:0``
from this folder; ``mow-orchestrate run study.toml`` starts it for you.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge

from mow_model_sdk import FloatParam, IntParam, Model


class GradientBoostingForecaster(Model):
    """Histogram gradient boosting on lagged weather features (scikit-learn)."""

    task = "forecasting"
    params = (
        FloatParam("learning_rate", 0.01, 0.3, log=True, default=0.1, help="shrinkage per boosting step"),
        IntParam("max_iter", 20, 200, default=100, help="number of boosting steps"),
        IntParam("max_leaf_nodes", 4, 31, default=31, help="leaves per tree"),
        FloatParam("l2_regularization", 1e-4, 10.0, log=True, default=1e-4, help="L2 penalty on leaf values"),
    )

    def fit(self, X: np.ndarray, y: np.ndarray) -> None:
        self.model_ = HistGradientBoostingRegressor(
            learning_rate=self.learning_rate, max_iter=self.max_iter, max_leaf_nodes=self.max_leaf_nodes,
            l2_regularization=self.l2_regularization, early_stopping=False, random_state=0,
        ).fit(X, y)
        self.log(f"fitted {self.model_.n_iter_} trees on {len(y)} rows")

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict(X)


class RidgeForecaster(Model):
    """Ridge regression on lagged weather features (scikit-learn)."""

    task = "forecasting"
    params = (FloatParam("alpha", 1e-3, 1e3, log=True, default=1.0, help="L2 penalty"),)

    def fit(self, X: np.ndarray, y: np.ndarray) -> None:
        self.model_ = Ridge(alpha=self.alpha).fit(X, y)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict(X)
