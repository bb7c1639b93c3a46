"""The study config: one typed, validated model holding every default.

A config is a TOML file; relative paths in it are relative to the file. Every
numeric field states its unit. Fields marked *tunable* take either a fixed
value or a search range ``{ low = .., high = .., step = .., log = .. }`` that
Optuna explores as a global parameter next to the model's own.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator, model_validator

from .errors import ConfigError
from .metrics import METRICS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntRange(_Strict):
    """An integer search range, inclusive bounds; ``step`` in the same unit."""

    low: int = Field(ge=1)
    high: int = Field(ge=1)
    step: int = Field(default=1, ge=1)
    log: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> "IntRange":
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        if self.log and self.step != 1:
            raise ValueError("a log-scale range cannot have a step")
        return self


def _shape(value: Any) -> str:
    """Union tag: a TOML table is a range/override, anything else a plain value."""
    return "range" if isinstance(value, (dict, BaseModel)) else "value"


TunableInt = Annotated[
    Union[Annotated[int, Field(ge=1), Tag("value")], Annotated[IntRange, Tag("range")]], Discriminator(_shape)
]
_UNION_TAGS = {"value", "range"}
_SCALAR_TYPES = {"bool", "int", "float", "str"}


class ParamOverride(_Strict):
    """Changes a model hyperparameter's search space: new bounds, or choices."""

    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool | None = None
    choices: list[Union[bool, int, float, str]] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "ParamOverride":
        if self.choices is not None:
            if not self.choices:
                raise ValueError("choices must not be empty")
            if any(v is not None for v in (self.low, self.high, self.step, self.log)):
                raise ValueError("give either choices or low/high, not both")
        elif self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self


class StudySection(_Strict):
    name: str = Field(default="mow", min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    """Study name in the Optuna storage (letters, digits, ``_ . -``)."""
    n_trials: int = Field(default=20, ge=1)
    """Number of trials to run."""
    timeout_s: float | None = Field(default=None, gt=0)
    """Stop starting new trials after this many seconds (default: no limit)."""
    metric: str = "rmse"
    """Score of a window, computed by the orchestrator from the predictions."""
    seed: int | None = 0
    """Seed of the sampler (TPE); ``None`` for a different run each time."""
    pruner: Literal["none", "median"] = "none"
    """Stop unpromising trials after each window (``median``: Optuna's MedianPruner)."""
    storage: str | None = None
    """Optuna storage URL; default: SQLite ``study.db`` in the run directory."""

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"unknown metric {value!r}; choose one of {', '.join(sorted(METRICS))}")
        return value


class DataSection(_Strict):
    path: Path
    """Dataset file: CSV (also .csv.gz), Parquet, Feather/Arrow IPC or JSON lines."""
    format: Literal["auto", "csv", "parquet", "feather", "jsonl"] = "auto"
    """File format; ``auto`` goes by the file extension."""
    time_column: str | None = None
    """Column that orders the rows in time; rows are sorted by it."""
    target: str = Field(min_length=1)
    """Column the model predicts."""
    features: list[str] = Field(default_factory=list)
    """Columns the model sees as inputs (lag columns are added to them)."""
    lags: dict[str, list[Annotated[int, Field(ge=1)]]] = Field(default_factory=dict)
    """Lagged copies of columns, in rows: ``{ temp = [1, 7] }`` adds ``temp_lag1``
    and ``temp_lag7`` (the value 1 and 7 rows earlier). The first rows, which
    lack a lagged value, are dropped."""

    @model_validator(mode="after")
    def _has_inputs(self) -> "DataSection":
        if not self.features and not self.lags:
            raise ValueError("give at least one input column in features or lags")
        if self.target in self.features:
            raise ValueError(f"the target {self.target!r} cannot also be a feature (use lags for its past values)")
        return self


class HoldoutSection(_Strict):
    fraction: float = Field(default=0.2, ge=0.0, lt=1.0)
    """Share of the last rows kept as the held-out test part (0 keeps none)."""


class WindowsSection(_Strict):
    kind: Literal["sliding", "expanding"] = "sliding"
    """``sliding``: fixed train length; ``expanding``: train on every row before the gap."""
    train: TunableInt = 365
    """Train rows per window (*tunable* for sliding windows; minimum rows for expanding)."""
    validation: int = Field(default=30, ge=1)
    """Validation rows per window."""
    step: int | None = Field(default=None, ge=1)
    """Rows between the starts of consecutive validation windows (default: ``validation``)."""
    gap: int = Field(default=0, ge=0)
    """Rows left out between train and validation (embargo)."""
    max_windows: int | None = Field(default=None, ge=1)
    """Keep only the most recent windows (default: all that fit)."""

    @model_validator(mode="after")
    def _tunable_only_when_sliding(self) -> "WindowsSection":
        if self.kind == "expanding" and isinstance(self.train, IntRange):
            raise ValueError("train can only be tuned for sliding windows (expanding windows use every earlier row)")
        return self

    @property
    def step_rows(self) -> int:
        return self.step or self.validation

    @property
    def max_train(self) -> int:
        return self.train.high if isinstance(self.train, IntRange) else self.train


class ModelSection(_Strict):
    entrypoint: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    """``module:ClassName`` of a ``mow_model_sdk.Model`` subclass (process backend; a
    docker image's own ENTRYPOINT says what it serves)."""
    path: Path = Path(".")
    """Directory put on the model server's PYTHONPATH (and its working directory)."""
    name: str | None = None
    """Which served model to train, when the server holds several (default: the only one)."""
    params: dict[
        str,
        Annotated[
            Union[Annotated[Union[bool, int, float, str], Tag("value")], Annotated[ParamOverride, Tag("range")]],
            Discriminator(_shape),
        ],
    ] = Field(default_factory=dict)
    """Search space changes: a fixed value, new bounds ``{ low, high, log, step }``,
    or ``{ choices = [...] }``; an undeclared name adds a parameter."""


class DockerSection(_Strict):
    """How model containers are built and run (``backend.kind = "docker"``)."""

    image: str = Field(min_length=1)
    """Image to run; with ``build`` set, the tag the built image gets."""
    build: Path | None = None
    """Folder with the Dockerfile to build from (default: use ``image`` as it is)."""
    dockerfile: str = "Dockerfile"
    """Dockerfile name inside ``build``."""
    wheelhouse: Path | None = None
    """Folder of wheels added to the build context as ``wheels/`` (``make wheelhouse``), so
    the build installs the local SDK without a network."""
    build_args: dict[str, str] = Field(default_factory=dict)
    """Build arguments, e.g. ``{ BASE_IMAGE = "mow-base:bookworm" }``."""
    transport: Literal["unix", "tcp"] = "unix"
    """``unix``: socket in a folder mounted from the host, container without network;
    ``tcp``: port published on 127.0.0.1 only (remote engines, languages without unix sockets)."""
    network: bool = False
    """Give the container a network (it has none by default; ``tcp`` always gets a bridge)."""
    memory: str = "2g"
    """Memory limit (Docker syntax: 512m, 2g)."""
    cpus: float = Field(default=1.0, gt=0)
    """CPU limit, in cores."""
    pids_limit: int = Field(default=256, ge=16)
    """Largest number of processes and threads in the container."""
    tmpfs_size: str = "256m"
    """Size of the writable /tmp (the root filesystem is read-only)."""
    user: str | None = None
    """``uid:gid`` to run as (default: the host user, or 10001:10001 when the host user is root)."""


class BackendSection(_Strict):
    kind: Literal["process", "docker", "address"] = "process"
    """``process``: the model server as a child process on a unix socket;
    ``docker``: one hardened container per worker (``[backend.docker]``);
    ``address``: servers that are already running (``addresses``)."""
    workers: int = Field(default=1, ge=1, le=64)
    """Model servers started, one trial each at a time."""
    addresses: list[str] = Field(default_factory=list)
    """gRPC addresses of running model servers (``address`` backend), one per worker."""
    docker: DockerSection | None = None
    """Image and limits for the ``docker`` backend."""
    start_timeout_s: float = Field(default=60.0, gt=0)
    """Seconds to wait for a model server to report SERVING."""

    @model_validator(mode="after")
    def _settings_for_kind(self) -> "BackendSection":
        if self.kind == "address" and not self.addresses:
            raise ValueError("the address backend needs addresses = ['host:port', ...]")
        if self.kind == "docker" and self.docker is None:
            raise ValueError('the docker backend needs a [backend.docker] section with at least image = "..."')
        return self


class OutputSection(_Strict):
    dir: Path = Path("runs")
    """Directory under which each run writes its own folder."""


class MowConfig(_Strict):
    """A whole study: what data, which windows, which model, how to search."""

    study: StudySection = StudySection()
    data: DataSection
    holdout: HoldoutSection = HoldoutSection()
    windows: WindowsSection = WindowsSection()
    model: ModelSection
    backend: BackendSection = BackendSection()
    output: OutputSection = OutputSection()
    source: Path | None = None
    """The file this config was read from (set by :func:`load_config`)."""

    @model_validator(mode="after")
    def _entrypoint_for_process(self) -> "MowConfig":
        if self.backend.kind == "process" and self.model.entrypoint is None:
            raise ValueError('model.entrypoint: required for the process backend ("module:ClassName")')
        return self

    def resolve_paths(self, base: Path) -> "MowConfig":
        """Paths made absolute relative to ``base`` (the config file's folder)."""
        return self.model_copy(
            update={
                "data": self.data.model_copy(update={"path": (base / self.data.path).resolve()}),
                "model": self.model.model_copy(update={"path": (base / self.model.path).resolve()}),
                "output": self.output.model_copy(update={"dir": (base / self.output.dir).resolve()}),
                "backend": self.backend.model_copy(update={"docker": _resolve_docker(self.backend.docker, base)}),
            }
        )


def _resolve_docker(docker: DockerSection | None, base: Path) -> DockerSection | None:
    if docker is None:
        return None
    return docker.model_copy(update={
        "build": (base / docker.build).resolve() if docker.build else None,
        "wheelhouse": (base / docker.wheelhouse).resolve() if docker.wheelhouse else None,
    })


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> MowConfig:
    """Read, validate and resolve a TOML config.

    Args:
        path: the TOML file.
        overrides: dotted keys set after reading, e.g. ``{"study.n_trials": 5}``.

    Raises:
        ConfigError: one line naming the file, the field and the problem.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    for dotted, value in (overrides or {}).items():
        node = raw
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    try:
        config = MowConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc)}") from None
    return config.resolve_paths(path.resolve().parent).model_copy(update={"source": path.resolve()})


def describe_validation_error(exc: ValidationError) -> str:
    """The first pydantic error as ``field: message`` (plus how many more)."""
    errors = exc.errors()
    first = errors[0]
    loc = [str(p) for p in first["loc"] if p not in _UNION_TAGS and "[" not in str(p)]
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key (check the spelling; see the README for the fields of each section)"
    elif first["type"] == "missing":
        message = "required field is missing"
    scalar_union = "value" in first["loc"] and loc and loc[-1] in _SCALAR_TYPES
    if scalar_union:  # one error per member of bool | int | float | str: report them as one
        loc.pop()
        prefix = first["loc"][: first["loc"].index("value") + 1]
        errors = [e for e in errors if e["loc"][: len(prefix)] != prefix] + [first]
        message = "expected a fixed value (number, text, true/false) or a table such as { low = 1, high = 10 }"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{'.'.join(loc) or 'config'}: {message}{more}"
