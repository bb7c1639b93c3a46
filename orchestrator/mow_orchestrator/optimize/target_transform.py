"""Target transforms: the model learns a transformed target (``features.target_transform``);
MOW turns each prediction back and scores it against the target itself, so studies that try
several transforms compare like with like.

- ``log1p``: the model learns ``log(1 + y)``; a prediction ``p`` becomes ``expm1(p)``.
- ``diff``: the model learns ``y[t] - y[t-1]`` (per series); a prediction ``p`` for row ``t``
  becomes ``y[t-1] + p``, the last value known before ``t`` plus the predicted change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data import Split

#: Name of the Optuna parameter of ``tune.target_transform``.
TARGET_TRANSFORM = "target.transform"


@dataclass(frozen=True, eq=False)
class TargetTransform:
    """One transform of the target, and how to undo it on predictions.

    Attributes:
        name: ``none``, ``log1p`` or ``diff``.
        column: the column the model trains on (the target itself for ``none``).
        previous: ``diff`` only: ``y[t-1]`` of every row of the prepared table (development rows first).
    """

    name: str
    column: str
    previous: np.ndarray | None = None

    def inverse(self, predictions: np.ndarray, rows: slice | np.ndarray) -> np.ndarray:
        """The predictions on the target's own scale; ``rows`` are the rows they are for."""
        if self.name == "none":
            return predictions
        values = np.asarray(predictions, dtype=np.float64)
        if self.name == "log1p":
            return np.expm1(values)
        assert self.previous is not None
        return self.previous[rows] + values


def target_transforms(split: Split) -> dict[str, TargetTransform]:
    """Every transform whose column the prepared table holds, by name (``none`` always)."""
    prepared = split.prepared
    transforms = {"none": TargetTransform("none", prepared.target)}
    for name, column in prepared.target_columns.items():
        previous = None
        if name == "diff":
            y = split.full.column(prepared.target).to_numpy(zero_copy_only=False).astype(np.float64)
            previous = y - split.full.column(column).to_numpy(zero_copy_only=False)
        transforms[name] = TargetTransform(name, column, previous)
    return transforms
