"""Search spaces: the model's declared hyperparameters (from Describe), changed
by the config, plus the global parameters the orchestrator applies itself."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from typing import Any, Literal, Union

import optuna

from mow_model_sdk._proto.mow.v1 import types_pb2
from mow_model_sdk.params import decode_value

from ..config import IntRange, ParamOverride, TuneSection, WindowsSection
from ..errors import ConfigError

Value = Union[bool, int, float, str]

#: Name of the global train-length parameter in the Optuna study.
TRAIN_ROWS = "windows.train"
#: Names of the other window lengths a study may tune (``windows.gap = { low, high }``, ...).
WINDOW_LENGTHS = ("windows.gap", "windows.validation", "windows.step")
#: Name of the categorical parameter that picks the model when a study tunes several.
MODEL_CHOICE = "model"


@dataclass(frozen=True)
class Dimension:
    """One parameter of a study: tuned (float/int/categorical) or fixed."""

    name: str
    kind: Literal["float", "int", "categorical", "fixed"]
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    step: float | None = None
    choices: tuple[Value, ...] = ()
    value: Value | None = None

    def suggest(self, trial: optuna.Trial) -> Value:
        if self.kind == "float":
            return trial.suggest_float(self.name, self.low, self.high, log=self.log, step=self.step)
        if self.kind == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log, step=int(self.step or 1))
        if self.kind == "categorical":
            return trial.suggest_categorical(self.name, self.choices)
        return self.value  # type: ignore[return-value]

    @property
    def tuned(self) -> bool:
        return self.kind != "fixed"


def model_space(spec: types_pb2.ModelSpec, overrides: dict[str, Any]) -> list[Dimension]:
    """The model's declared parameters with the config's ``model.params`` applied."""
    dims = {p.name: _declared(p) for p in spec.params}
    for name, override in overrides.items():
        where = f"model.params.{name}"
        if not isinstance(override, ParamOverride):
            if name not in dims:
                raise ConfigError(
                    f"{where}: {spec.name} declares no parameter {name!r} (declared: {', '.join(dims) or 'none'}); "
                    "fix the name, or add a new parameter with a range { low, high } or { choices = [...] }"
                )
            dims[name] = _fixed(dims[name], override, where, spec.name)
        elif override.choices is not None:
            if name in dims and dims[name].kind in ("float", "int"):
                for choice in override.choices:  # each choice must fit the declared type
                    _fixed(dims[name], choice, where, spec.name)
            dims[name] = Dimension(name, "categorical", choices=tuple(override.choices))
        elif name in dims and dims[name].kind in ("float", "int"):
            dims[name] = _narrowed(dims[name], override, where)
        elif name in dims:
            raise ConfigError(f"{where}: {name!r} is {dims[name].kind} in {spec.name}; give choices = [...] or a fixed value")
        else:
            near = difflib.get_close_matches(name, [n for n in dims if n not in overrides], n=1, cutoff=0.85)
            if near:
                raise ConfigError(f"{where}: {spec.name} declares no parameter {name!r}; did you mean {near[0]!r}? "
                                  "(a new parameter needs a name not that close to a declared one)")
            dims[name] = _added(name, override, where)
    return list(dims.values())


def model_spaces(specs: list[types_pb2.ModelSpec], overrides: dict[str, Any]) -> dict[str, list[Dimension]]:
    """Each model's dimensions. With several models their names become ``<model>.<param>``
    (what Optuna stores); an override ``"Model.param"`` applies to one model, a plain name to
    every model that declares it."""
    if len(specs) == 1:
        return {specs[0].name: model_space(specs[0], overrides)}
    names = {spec.name for spec in specs}
    for key in overrides:
        owner = key.split(".", 1)[0] if "." in key else None
        if owner is not None and owner not in names:
            raise ConfigError(f"model.params.{key}: {owner!r} is not one of the tuned models ({', '.join(sorted(names))})")
        if owner is None and not any(key in {p.name for p in spec.params} for spec in specs):
            raise ConfigError(f"model.params.{key}: no tuned model declares {key!r}; "
                              f"write it as \"<model>.{key}\" to add it to one model")
    spaces = {}
    for spec in specs:
        declared = {p.name for p in spec.params}
        own = {k.split(".", 1)[1]: v for k, v in overrides.items() if k.startswith(f"{spec.name}.")}
        shared = {k: v for k, v in overrides.items() if "." not in k and k in declared}
        dims = model_space(spec, {**shared, **own})
        spaces[spec.name] = [replace(d, name=f"{spec.name}.{d.name}") for d in dims]
    return spaces


def global_space(windows: WindowsSection) -> list[Dimension]:
    """Window lengths applied by the orchestrator: the train length (tuned or fixed), then
    the gap, validation length and step where the config gives them as ranges."""
    dims = []
    for name in ("train", "gap", "validation", "step"):
        value = getattr(windows, name)
        if isinstance(value, IntRange):
            dims.append(Dimension(f"windows.{name}", "int", value.low, value.high, value.log, value.step))
        elif name == "train":
            dims.append(Dimension(TRAIN_ROWS, "fixed", value=value))
    return dims


@dataclass(frozen=True)
class WindowLengths:
    """One trial's window lengths: counts, or span texts such as ``"90D"`` (None: the config's)."""

    train: int | str
    gap: int | None = None
    validation: int | None = None
    step: int | None = None

    @classmethod
    def suggest(cls, trial: optuna.Trial, dims: dict[str, Dimension]) -> "WindowLengths":
        """Ask ``trial`` for each window length in ``dims`` (``windows.<name>``)."""
        values = {name.removeprefix("windows."): dim.suggest(trial) for name, dim in dims.items()
                  if name == TRAIN_ROWS or name in WINDOW_LENGTHS}
        return cls.of(values)

    @classmethod
    def of(cls, params: dict[str, Any], default_train: int | str | None = None) -> "WindowLengths":
        """From a trial's ``windows.<name>`` parameters, or from plain names."""
        get = {k.removeprefix("windows."): v for k, v in params.items()}.get
        train = get("train", default_train)
        return cls(train if isinstance(train, str) else int(train),  # type: ignore[arg-type]
                   *(None if get(n) is None else int(get(n)) for n in ("gap", "validation", "step")))


def _declared(p: types_pb2.ParamSpec) -> Dimension:
    if p.type == types_pb2.PARAM_TYPE_FLOAT:
        return Dimension(p.name, "float", p.low, p.high, p.log, p.step or None)
    if p.type == types_pb2.PARAM_TYPE_INT:
        return Dimension(p.name, "int", p.low, p.high, p.log, p.step or 1)
    if p.type == types_pb2.PARAM_TYPE_BOOL:
        return Dimension(p.name, "categorical", choices=(False, True))
    if p.type == types_pb2.PARAM_TYPE_CATEGORICAL:
        return Dimension(p.name, "categorical", choices=tuple(decode_value(c) for c in p.choices))
    raise ConfigError(f"model declares parameter {p.name!r} with an unknown type ({p.type})")


def _narrowed(dim: Dimension, o: ParamOverride, where: str) -> Dimension:
    low = dim.low if o.low is None else o.low
    high = dim.high if o.high is None else o.high
    log = dim.log if o.log is None else o.log
    if o.step is not None and o.step <= 0:
        raise ConfigError(f"{where}: step must be positive, got {o.step}")
    if o.step is not None and log and not (dim.kind == "int" and o.step == 1):
        raise ConfigError(f"{where}: a log-scale parameter cannot have a step (set log = false to use one)")
    step = None if log else (dim.step if o.step is None else o.step)
    if dim.kind == "int" and not all(float(v).is_integer() for v in (low, high, step or 1)):
        raise ConfigError(f"{where}: this parameter is an integer; low, high and step must be whole numbers")
    return _checked(Dimension(dim.name, dim.kind, low, high, log, step), where)


def _fixed(dim: Dimension, value: Any, where: str, model: str) -> Dimension:
    """A fixed value, checked against the declared kind (a wrong type is a config error, not N failed trials)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if dim.kind == "float" and not number:
        raise ConfigError(f"{where}: {value!r} is not a number ({model} declares {dim.name!r} as a float)")
    if dim.kind == "int" and not (number and float(value).is_integer()):
        raise ConfigError(f"{where}: {value!r} is not a whole number ({model} declares {dim.name!r} as an integer)")
    if dim.kind == "categorical" and dim.choices == (False, True) and not isinstance(value, bool):
        raise ConfigError(f"{where}: {value!r} is not true or false ({model} declares {dim.name!r} as a bool)")
    return Dimension(dim.name, "fixed", value=int(value) if dim.kind == "int" else value)


def _added(name: str, o: ParamOverride, where: str) -> Dimension:
    if o.low is None or o.high is None:
        raise ConfigError(
            f"{where}: the model does not declare {name!r}; give low and high, choices = [...], or a fixed value"
        )
    if o.step is not None and o.step <= 0:
        raise ConfigError(f"{where}: step must be positive, got {o.step}")
    is_int = all(isinstance(v, int) and not isinstance(v, bool) for v in (o.low, o.high, o.step or 1))
    kind: Literal["int", "float"] = "int" if is_int else "float"
    return _checked(Dimension(name, kind, o.low, o.high, bool(o.log), o.step), where)


def _checked(dim: Dimension, where: str) -> Dimension:
    if dim.low > dim.high:
        raise ConfigError(f"{where}: low ({dim.low}) must not exceed high ({dim.high})")
    if dim.log and dim.low <= 0:
        raise ConfigError(f"{where}: a log scale needs low > 0, got {dim.low}")
    if dim.log and dim.step not in (None, 1):
        raise ConfigError(f"{where}: a log-scale parameter cannot have a step")
    return dim


#: Prefix of the yes/no parameters of ``tune.feature_subset``.
USE_FEATURE = "features.use."
#: Name of the ``tune.max_lag`` parameter.
MAX_LAG = "features.max_lag"
#: Name of the ``tune.max_rolling`` parameter.
MAX_ROLLING = "features.max_rolling"
#: Name of the ``tune.scale`` parameter.
SCALE = "features.scale"
_LAG = re.compile(r"_lag(\d+)$")
_ROLLING = re.compile(r"_roll(\d+)_[a-z]+$")


def choose_features(trial: optuna.Trial, columns: tuple[str, ...], tune: TuneSection,
                    scaled: dict[str, str] | None = None) -> tuple[str, ...]:
    """The input columns of one trial (define-by-run): lags up to ``features.max_lag``, rolling
    windows up to ``features.max_rolling``, then the columns whose ``features.use.<column>`` is
    true (never none); with ``features.scale = expanding``, their scaled forms (``scaled``)."""
    chosen = list(columns)
    for dim, pattern, r in ((MAX_LAG, _LAG, tune.max_lag), (MAX_ROLLING, _ROLLING, tune.max_rolling)):
        if r is not None:
            longest = trial.suggest_int(dim, r.low, r.high, step=r.step, log=r.log)
            chosen = [c for c in chosen if not (m := pattern.search(c)) or int(m.group(1)) <= longest]
    if tune.feature_subset:
        kept = [c for c in chosen if trial.suggest_categorical(f"{USE_FEATURE}{c}", (True, False))]
        chosen = kept or chosen[:1]
    chosen = chosen or list(columns)
    if tune.scale and trial.suggest_categorical(SCALE, ("none", "expanding")) == "expanding":
        chosen = [(scaled or {}).get(c, c) for c in chosen]
    return tuple(chosen)
