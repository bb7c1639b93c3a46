"""Hyperparameters a model declares, and their conversion to and from the wire.

A declaration gives the default search space; the orchestrator's config may
narrow, widen, fix or add parameters, so the SDK checks types, not bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Union

from ._proto.mow.v1 import types_pb2

Value = Union[float, int, str, bool]


@dataclass(frozen=True)
class FloatParam:
    """A real-valued hyperparameter in [low, high]; ``step`` 0 means continuous."""

    name: str
    low: float
    high: float
    default: float | None = None
    log: bool = False
    step: float = 0.0
    help: str = ""

    def __post_init__(self) -> None:
        _check_bounds(self.name, self.low, self.high, self.log, self.default)
        _check_step(self.name, self.low, self.high, self.default, self.log, self.step, continuous=True)

    def to_proto(self) -> types_pb2.ParamSpec:
        return types_pb2.ParamSpec(
            name=self.name, type=types_pb2.PARAM_TYPE_FLOAT, low=self.low, high=self.high,
            log=self.log, step=self.step, help=self.help,
            default=encode_value(float(self.default)) if self.default is not None else None,
        )

    def coerce(self, value: Value) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"parameter {self.name!r} must be a number, got {value!r}")
        return float(value)


@dataclass(frozen=True)
class IntParam:
    """An integer hyperparameter in [low, high] with ``step`` (default 1)."""

    name: str
    low: int
    high: int
    default: int | None = None
    log: bool = False
    step: int = 1
    help: str = ""

    def __post_init__(self) -> None:
        _check_bounds(self.name, self.low, self.high, self.log, self.default)
        _check_step(self.name, self.low, self.high, self.default, self.log, self.step, continuous=False)

    def to_proto(self) -> types_pb2.ParamSpec:
        return types_pb2.ParamSpec(
            name=self.name, type=types_pb2.PARAM_TYPE_INT, low=self.low, high=self.high,
            log=self.log, step=self.step, help=self.help,
            default=encode_value(int(self.default)) if self.default is not None else None,
        )

    def coerce(self, value: Value) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise TypeError(f"parameter {self.name!r} must be an integer, got {value!r}")
        return int(value)


@dataclass(frozen=True)
class CategoricalParam:
    """One of a fixed list of choices (strings, numbers or booleans)."""

    name: str
    choices: tuple[Value, ...]
    default: Value | None = None
    help: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", tuple(self.choices))
        if not self.choices:
            raise ValueError(f"parameter {self.name!r}: choices must not be empty")
        if self.default is not None and self.default not in self.choices:
            raise ValueError(f"parameter {self.name!r}: default {self.default!r} is not one of {self.choices}")

    def to_proto(self) -> types_pb2.ParamSpec:
        return types_pb2.ParamSpec(
            name=self.name, type=types_pb2.PARAM_TYPE_CATEGORICAL, help=self.help,
            choices=[encode_value(c) for c in self.choices],
            default=encode_value(self.default) if self.default is not None else None,
        )

    def coerce(self, value: Value) -> Value:
        return value


@dataclass(frozen=True)
class BoolParam:
    """A true/false hyperparameter."""

    name: str
    default: bool | None = None
    help: str = ""

    def to_proto(self) -> types_pb2.ParamSpec:
        return types_pb2.ParamSpec(
            name=self.name, type=types_pb2.PARAM_TYPE_BOOL, help=self.help,
            default=encode_value(bool(self.default)) if self.default is not None else None,
        )

    def coerce(self, value: Value) -> bool:
        if not isinstance(value, bool):
            raise TypeError(f"parameter {self.name!r} must be true or false, got {value!r}")
        return value


Param = Union[FloatParam, IntParam, CategoricalParam, BoolParam]


def _check_bounds(name: str, low: float, high: float, log: bool, default: float | None) -> None:
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise ValueError(f"parameter {name!r}: need finite low <= high, got low={low}, high={high}")
    if log and low <= 0:
        raise ValueError(f"parameter {name!r}: a log scale needs low > 0, got low={low}")
    if default is not None and not low <= default <= high:
        raise ValueError(f"parameter {name!r}: default {default} is outside [{low}, {high}]")


def _check_step(name: str, low: float, high: float, default: float | None, log: bool, step: float, *,
                continuous: bool) -> None:
    """An integer parameter has integer bounds and step; a step is a positive number (0 only for a
    continuous float), not combined with a log scale beyond 1; high and the default lie on the grid
    ``low + k * step``."""
    if isinstance(step, bool) or not isinstance(step, (int, float)):
        raise ValueError(f"parameter {name!r}: step must be a number, got {step!r}")
    if not continuous and not all(float(v).is_integer() for v in (low, high, step)):
        raise ValueError(f"parameter {name!r}: an integer parameter needs whole low, high and step, "
                         f"got low={low}, high={high}, step={step}")
    if step < 0 or (step == 0 and not continuous):
        raise ValueError(f"parameter {name!r}: step must be positive, got {step}")
    if log and step and not (not continuous and step == 1):
        raise ValueError(f"parameter {name!r}: a log scale cannot have a step (got step={step})")
    for what, value in (("high", high), ("default", default)):
        if step and value is not None:
            k = (value - low) / step
            if abs(k - round(k)) > 1e-9:
                raise ValueError(f"parameter {name!r}: {what} {value} is not on the grid {low} + k * {step}")


def encode_value(value: Value) -> types_pb2.ParamValue:
    """A Python value as a typed ParamValue (bool is checked before int)."""
    if isinstance(value, bool):
        return types_pb2.ParamValue(bool_value=value)
    if isinstance(value, int):
        return types_pb2.ParamValue(int_value=value)
    if isinstance(value, float):
        return types_pb2.ParamValue(float_value=value)
    if isinstance(value, str):
        return types_pb2.ParamValue(string_value=value)
    raise TypeError(f"cannot send a parameter value of type {type(value).__name__}: {value!r}")


def decode_value(value: types_pb2.ParamValue) -> Value | None:
    """The Python value of a ParamValue; None when it is unset."""
    kind = value.WhichOneof("kind")
    return None if kind is None else getattr(value, kind)


@dataclass
class ParamSet:
    """The declared parameters of one model, by name."""

    declared: dict[str, Param] = field(default_factory=dict)

    def resolve(self, given: dict[str, Value]) -> dict[str, Value]:
        """Declared defaults overlaid with ``given`` (coerced); undeclared names pass through."""
        values: dict[str, Value] = {
            name: p.default for name, p in self.declared.items() if p.default is not None
        }
        for name, value in given.items():
            spec = self.declared.get(name)
            values[name] = spec.coerce(value) if spec is not None else value
        return values
