"""The base class model authors subclass: declare, fit, predict.

The SDK builds a fresh instance per window with the trial's hyperparameters,
calls ``fit`` on the window's train rows and ``predict`` on its validation
rows. The target of the validation rows is never handed to the model.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pyarrow as pa

from ._proto.mow.v1 import types_pb2
from .params import Param, ParamSet, Value

Task = Literal["regression", "classification", "forecasting"]
InputFormat = Literal["numpy", "arrow"]

_TASKS: dict[str, int] = {
    "regression": types_pb2.TASK_KIND_REGRESSION,
    "classification": types_pb2.TASK_KIND_CLASSIFICATION,
    "forecasting": types_pb2.TASK_KIND_FORECASTING,
}


class Model:
    """Subclass this, set the class attributes, implement ``fit`` and ``predict``.

    Class attributes:
        name: the name the orchestrator uses for this model (default: the class name).
        task: ``"regression"`` (default), ``"classification"`` or ``"forecasting"``.
        params: the hyperparameters the model declares (``FloatParam``, ``IntParam``,
            ``CategoricalParam``, ``BoolParam``); they form the default search space.
        input_format: ``"numpy"`` (default): ``X`` is a 2-D float64 array whose rows
            are a view into the dataset for contiguous windows; ``"arrow"``: ``X`` is a
            ``pyarrow.Table`` slice of the feature columns (zero-copy).

    The constructor stores every hyperparameter as an attribute of the same name
    (declared defaults first), like scikit-learn estimators; learned state goes
    into attributes ending in ``_``.
    """

    name: ClassVar[str | None] = None
    task: ClassVar[Task] = "regression"
    params: ClassVar[tuple[Param, ...]] = ()
    input_format: ClassVar[InputFormat] = "numpy"

    def __init__(self, **hyperparameters: Any) -> None:
        self.hyperparameters = dict(hyperparameters)
        self._log_lines: list[str] = []
        for key, value in hyperparameters.items():
            setattr(self, key, value)

    def fit(self, X: Any, y: np.ndarray) -> None:
        """Learn from the train rows of one window. ``y`` is a 1-D array."""
        raise NotImplementedError(f"{type(self).__name__} must implement fit(X, y)")

    def predict(self, X: Any) -> np.ndarray | pa.Array:
        """Return one prediction per row of ``X`` (a 1-D array)."""
        raise NotImplementedError(f"{type(self).__name__} must implement predict(X)")

    def log(self, message: str) -> None:
        """Add a line to this window's report (shown in the orchestrator's reports)."""
        self.__dict__.setdefault("_log_lines", []).append(str(message))  # also when __init__ skipped super()

    # -- used by the SDK server -------------------------------------------------

    @classmethod
    def model_name(cls) -> str:
        return cls.name or cls.__name__

    @classmethod
    def param_set(cls) -> ParamSet:
        return ParamSet({p.name: p for p in cls.params})

    @classmethod
    def build(cls, given: dict[str, Value]) -> "Model":
        """A fresh instance with declared defaults overlaid by ``given``."""
        return cls(**cls.param_set().resolve(given))

    @classmethod
    def spec(cls) -> types_pb2.ModelSpec:
        if cls.task not in _TASKS:
            raise ValueError(f"{cls.__name__}.task must be one of {sorted(_TASKS)}, got {cls.task!r}")
        return types_pb2.ModelSpec(
            name=cls.model_name(),
            task=_TASKS[cls.task],
            params=[p.to_proto() for p in cls.params],
            description=(cls.__doc__ or "").strip().split("\n")[0],
        )
