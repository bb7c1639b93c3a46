"""The study config: one typed, validated model holding every default.

A config is a TOML file; relative paths in it are relative to the file. Every
numeric field states its unit. Fields marked *tunable* take either a fixed
value or a search range ``{ low = .., high = .., step = .., log = .. }`` that
Optuna explores as a global parameter next to the model's own.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    StrictBool,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import ConfigError
from .metrics import METRICS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntRange(_Strict):
    """An integer search range, inclusive bounds; ``step`` in the same unit."""

    low: int = Field(ge=1)
    high: int = Field(ge=1)
    step: int = Field(default=1, ge=1)
    log: StrictBool = False

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

    low: int | float | None = None
    high: int | float | None = None
    step: int | float | None = None
    log: StrictBool | None = None
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
    """Trials to finish (complete or pruned) in the study; a rerun continues up to this number."""
    timeout_s: float | None = Field(default=None, gt=0)
    """Stop starting new trials after this many seconds (default: no limit)."""
    metric: str = "rmse"
    """Score of a window, computed by the orchestrator from the predictions (see ``metrics.py``)."""
    direction: Literal["auto", "minimize", "maximize"] = "auto"
    """``auto`` takes the metric's own direction; a direction that contradicts it is an error."""
    also_minimize: list[Literal["fit_seconds"]] = Field(default_factory=list)
    """Extra objectives for a multi-objective study (Pareto front), e.g. ``["fit_seconds"]``:
    total model fit time of the trial, in seconds. Pruning is off for multi-objective studies."""
    aggregate: Literal["mean", "median", "worst", "mean_std", "recency"] = "mean"
    """How window scores become the trial score: mean, median, worst window, mean plus
    ``aggregate_k`` standard deviations (unfavourable side), or recency-weighted mean."""
    aggregate_k: float = Field(default=1.0, ge=0)
    """``k`` of ``mean_std``."""
    recency_half_life: float = Field(default=5.0, gt=0)
    """``recency``: windows whose weight halves going back in time."""
    seed: int | None = 0
    """Seed of the sampler (TPE); ``None`` for a different run each time."""
    pruner: Literal["none", "median", "successive_halving", "hyperband", "wilcoxon"] = "none"
    """Stop unpromising trials after a window: Optuna's MedianPruner, SuccessiveHalvingPruner,
    HyperbandPruner, or WilcoxonPruner (a paired test over the windows' scores against the best trial)."""
    pruner_startup_trials: int = Field(default=5, ge=0)
    """Trials that finish before ``median`` prunes anything."""
    max_consecutive_failures: int = Field(default=5, ge=1)
    """Stop the run with a clear message after this many failed trials in a row."""
    retries: int = Field(default=1, ge=0)
    """Times a trial whose model server died (crash, OOM kill, hang) is retried on a fresh server."""
    trial_timeout_s: float | None = Field(default=None, gt=0)
    """Seconds a trial may run; then it is cancelled, fails, and a hung server is replaced."""
    window_timeout_s: float | None = Field(default=None, gt=0)
    """Seconds a single window (fit + predict) may take, same handling as ``trial_timeout_s``."""
    heartbeat_s: int = Field(default=10, ge=1)
    """Seconds between heartbeats of a running trial (RDB storages); a trial silent for three
    heartbeats (its orchestrator was killed) is failed and retried by the next run or worker."""
    storage: str | None = None
    """Optuna storage URL (``postgresql://...`` to share a study between machines);
    default: SQLite ``study.db`` in the study's output folder, with heartbeats."""

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"unknown metric {value!r}; choose one of {', '.join(sorted(METRICS))}")
        return value

    @model_validator(mode="after")
    def _direction_fits_metric(self) -> "StudySection":
        natural = METRICS[self.metric].direction
        if self.direction != "auto" and self.direction != natural:
            raise ValueError(f"direction {self.direction!r} contradicts metric {self.metric!r}, which is "
                             f"{natural}d; remove direction or set it to {natural!r}")
        if self.also_minimize and self.pruner != "none":
            raise ValueError("pruning works on single-objective studies only; drop also_minimize or set pruner = 'none'")
        return self

    @property
    def directions(self) -> list[str]:
        """The study's directions: the metric's, then one per extra objective."""
        return [METRICS[self.metric].direction, *("minimize" for _ in self.also_minimize)]


class DataSection(_Strict):
    """Where the dataset comes from and how its rows are prepared (see ``mow_orchestrator.data``)."""

    path: Path | None = None
    """Local dataset file: CSV (also .csv.gz, .zip), Parquet, Feather/Arrow IPC or JSON lines."""
    url: str | None = None
    """``https://``, ``http://`` or ``file://`` URL, downloaded once into ``cache_dir`` (needs ``sha256``)."""
    package: str | None = None
    """A file shipped inside an installed Python package: ``"package.module:relative/path.csv"``."""
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    """Expected SHA-256 of the downloaded (or local) file, 64 hex digits; required with ``url``."""
    cache_dir: Path | None = None
    """Download cache (default: the user cache folder, ``~/.cache/mow``; ``MOW_CACHE_DIR`` overrides it)."""
    format: Literal["auto", "csv", "parquet", "feather", "jsonl"] = "auto"
    """File format; ``auto`` goes by the file extension."""
    columns: list[str] | None = None
    """Read only these columns (names before ``rename``; default: all)."""
    rename: dict[str, str] = Field(default_factory=dict)
    """Rename columns, ``{ old = "new" }``; every other field uses the new names."""
    types: dict[str, Literal["float64", "int64", "bool", "string", "timestamp"]] = Field(default_factory=dict)
    """Coerce columns to a type, e.g. ``{ store = "string" }``; a value that does not convert is an error."""
    time_column: str | None = None
    """Column that orders the rows in time; rows are sorted by it."""
    time_format: str | None = None
    """``strptime`` format of a text time column (default: ISO 8601, then ``%Y/%m/%d`` and similar)."""
    timezone: str | None = None
    """IANA zone (``Europe/Berlin``) of the time column: naive times are read as local times there,
    aware times are converted to it. Calendar spans (``1D``) then follow that zone's calendar."""
    series_column: str | None = None
    """Panel data: the column naming each series; rows are sorted by (time, series), so a
    time range is a contiguous block of rows that holds every series."""
    target: str = Field(min_length=1)
    """Column the model predicts."""
    features: list[str] = Field(default_factory=list)
    """Columns the model sees as inputs (feature columns from ``lags`` and ``[features]`` are added)."""
    lags: dict[str, list[Annotated[int, Field(ge=1)]]] = Field(default_factory=dict)
    """Lagged copies of columns, in time steps: ``{ temp = [1, 7] }`` adds ``temp_lag1``
    and ``temp_lag7`` (the value 1 and 7 steps earlier, per series). The first rows, which
    lack a lagged value, are dropped."""
    duplicates: Literal["error", "first", "last", "keep"] = "error"
    """Rows with the same timestamp (same series and timestamp for panel data): ``error``
    names them; ``first``/``last`` keep one; ``keep`` keeps all (they then form one time step)."""
    missing: Literal["error", "drop", "ffill"] = "error"
    """Null, NaN or infinite inputs: ``error`` names the column and first rows; ``drop``
    drops those rows; ``ffill`` carries the last valid value forward (per series; the
    target is never filled, leading gaps are dropped)."""

    @model_validator(mode="after")
    def _one_source(self) -> "DataSection":
        given = [n for n in ("path", "url", "package") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of path, url or package" + (f" (got {', '.join(given)})" if given else ""))
        if self.url is not None:
            if not self.url.startswith(("https://", "http://", "file://")):
                raise ValueError(f"url {self.url!r} must start with https://, http:// or file://")
            if self.sha256 is None:
                raise ValueError("a url needs sha256 = '<64 hex digits>' so the download can be verified "
                                 "(`sha256sum FILE` prints it)")
        if self.package is not None and not re.match(r"^[A-Za-z_][\w.]*:[^:]+$", self.package):
            raise ValueError(f"package {self.package!r} must look like 'package.module:relative/path.csv'")
        if self.target in self.features:
            raise ValueError(f"the target {self.target!r} cannot also be a feature (use lags for its past values)")
        if self.timezone is not None:
            from .data.spans import zone

            zone(self.timezone)
        return self

    @property
    def source_name(self) -> str:
        """The path, URL or package file, for messages."""
        return str(self.path or self.url or self.package)


class RollingFeature(_Strict):
    """Rolling statistics of one column over the ``window`` steps that end ``lag`` steps back."""

    windows: list[Annotated[int, Field(ge=1)]] = Field(min_length=1)
    """Window lengths in time steps (per series)."""
    stats: list[Literal["mean", "std", "min", "max", "sum"]] = Field(default_factory=lambda: ["mean"])
    """Statistics to compute; column ``<col>_roll<window>_<stat>``."""
    lag: int = Field(default=1, ge=0)
    """Steps between the window's last row and the row it describes (0 includes the row itself;
    never 0 for the target, which would leak it)."""


class FeaturesSection(_Strict):
    """Global feature parameters, computed without looking ahead: the feature of row ``t``
    uses only rows at or before ``t`` (of the same series)."""

    rolling: dict[str, RollingFeature] = Field(default_factory=dict)
    """``{ temp = { windows = [7, 28], stats = ["mean", "std"] } }``."""
    diff: dict[str, list[Annotated[int, Field(ge=1)]]] = Field(default_factory=dict)
    """Differences ``x[t-1] - x[t-1-k]`` per ``k`` (one step back, so safe for the target):
    column ``<col>_diff<k>``."""
    scale: Literal["none", "expanding"] = "none"
    """``expanding``: every input column becomes ``(x - mean) / std`` with mean and std of the rows
    up to and including ``t`` (per series), so no future row enters."""
    target_transform: Literal["none", "log1p", "diff"] = "none"
    """What the model learns instead of the target: ``log1p`` (``log(1 + y)``; needs y > -1) or
    ``diff`` (``y[t] - y[t-1]``, per series). MOW turns the predictions back (``expm1``, or adding
    ``y[t-1]``) and scores them against the target itself, so every transform is scored alike."""


class HoldoutSection(_Strict):
    """The held-out test part; it never reaches a model server during optimization."""

    kind: Literal["last", "stratified", "random"] = "last"
    """``last``: the last rows in time; ``stratified``/``random``: a seeded random part
    (i.i.d. data; ``stratified`` keeps each target class's share)."""
    fraction: float = Field(default=0.2, ge=0.0, lt=1.0)
    """Share of rows kept as the test part (0 keeps none); for ``last``, rounded down to whole time steps."""
    rows: int | None = Field(default=None, ge=1)
    """``last``: exactly the last ``rows`` time steps (rows, when timestamps are distinct) instead of ``fraction``."""
    cutoff: str | None = None
    """``last``: every row at or after this ISO 8601 time (e.g. ``2015-01-01``) instead of ``fraction``."""
    seed: int = 0
    """Seed of the random and stratified parts."""

    @model_validator(mode="after")
    def _one_size(self) -> "HoldoutSection":
        sizes = [n for n in ("rows", "cutoff") if getattr(self, n) is not None]
        if "fraction" in self.model_fields_set:
            sizes.append("fraction")
        if len(sizes) > 1:
            raise ValueError(f"give only one of fraction, rows or cutoff (got {', '.join(sizes)})")
        if self.kind != "last" and (self.rows is not None or self.cutoff is not None):
            raise ValueError(f"a {self.kind} holdout is sized by fraction; rows and cutoff are for kind = 'last'")
        return self


def _length(value: Any, minimum: int) -> int | str:
    """A count (``>= minimum``) or a time span text such as ``"90D"``."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("expected a count of rows such as 30 or a time span such as '90D'")
    if isinstance(value, int):
        if value < minimum:
            raise ValueError(f"Input should be greater than or equal to {minimum}")
        return value
    from .data.spans import parse_span

    parse_span(value)
    return value.strip()


PositiveLength = Annotated[Union[int, str], PlainValidator(lambda v: _length(v, 1))]
"""A count (at least 1) or a time span text."""
Length = Annotated[Union[int, str], PlainValidator(lambda v: _length(v, 0))]
"""A count (at least 0) or a time span text."""
TunableLength = Annotated[
    Union[Annotated[PositiveLength, Tag("value")], Annotated[IntRange, Tag("range")]], Discriminator(_shape)
]
"""A length (count or span), or a range of counts that a study tunes."""


class GapRange(IntRange):
    """A search range for the gap: like :class:`IntRange`, but ``low`` may be 0 (no gap)."""

    low: int = Field(ge=0)


TunableGap = Annotated[
    Union[Annotated[Length, Tag("value")], Annotated[GapRange, Tag("range")]], Discriminator(_shape)
]
"""A gap (count or span, at least 0), or a range of counts that a study tunes."""


def _largest(value: int | str | IntRange) -> int | str:
    """The value of a fixed length, or the top of a tuned range."""
    return value.high if isinstance(value, IntRange) else value


class WindowsSection(_Strict):
    """Walk-forward windows. Lengths are counts of time steps (rows, when timestamps are
    distinct) or time spans such as ``"90D"``, ``"12h"`` (see ``data/spans.py``)."""

    kind: Literal["sliding", "expanding"] = "sliding"
    """``sliding``: fixed train length; ``expanding``: train on every row of the fold before the gap."""
    train: TunableLength = 365
    """Train length per window (*tunable* as a count for sliding windows; the minimum for expanding)."""
    validation: TunableLength = 30
    """Validation length per window (*tunable* as a count: each trial's windows are then placed
    with its own length, so trials are scored on different rows)."""
    step: TunableLength | None = None
    """Between the starts of consecutive validation windows (default: ``validation``; *tunable*
    as a count, like ``validation``)."""
    gap: TunableGap = 0
    """Left out between train and validation (embargo; *tunable* as a count: windows are placed
    for the largest gap, so every trial is scored on the same validation rows)."""
    anchor: Literal["start", "end"] = "start"
    """``start``: the first window starts as early as the train part allows (or at ``start``);
    ``end``: the last window ends at the end of the data (as scikit-learn's TimeSeriesSplit)."""
    start: str | None = None
    """Earliest start of a validation window, ISO 8601 (an off-grid time rounds up to the next timestamp)."""
    partial: Literal["drop", "keep"] = "drop"
    """A last validation window that runs past the end: ``drop`` it or ``keep`` it shorter."""
    max_windows: int | None = Field(default=None, ge=1)
    """Keep only the most recent windows, per fold (default: all that fit)."""

    @model_validator(mode="after")
    def _tunable_only_when_sliding(self) -> "WindowsSection":
        if self.kind == "expanding" and isinstance(self.train, IntRange):
            raise ValueError("train can only be tuned for sliding windows (expanding windows use every earlier row)")
        if self.start is not None and self.anchor == "end":
            raise ValueError("start applies to anchor = 'start'; with anchor = 'end' the windows end at the data's end")
        return self

    @property
    def step_rows(self) -> int | str:
        """The step, defaulting to ``validation`` (the largest of a tuned one)."""
        return _largest(self.step) if self.step is not None else self.max_validation

    @property
    def max_train(self) -> int | str:
        """The largest train length a trial may pick (placement length)."""
        return _largest(self.train)

    @property
    def max_gap(self) -> int | str:
        """The largest gap a trial may pick (placement gap)."""
        return _largest(self.gap)

    @property
    def max_validation(self) -> int | str:
        """The largest validation length a trial may pick (the one ``data show`` places)."""
        return _largest(self.validation)

    @property
    def tuned(self) -> tuple[str, ...]:
        """Names of the lengths given as search ranges, e.g. ``("train", "gap")``."""
        return tuple(n for n in ("train", "gap", "validation", "step") if isinstance(getattr(self, n), IntRange))


#: ``folds.kind`` values for i.i.d. (non-temporal) data: each fold is one window.
IID_FOLDS = ("kfold", "stratified", "group", "purged")


class FoldsSection(_Strict):
    """Cut the development part into folds first (windows then slide inside each fold), or use
    k-fold families for i.i.d. data.

    With an i.i.d. kind (``kfold``, ``stratified``, ``group``, ``purged``) every fold is one
    window: it validates on its own rows and trains on the rest of the development part, so
    ``[windows]`` does not apply and must be left out. Those windows go to the model server as
    index arrays into the development table (still uploaded once)."""

    kind: Literal["none", "blocks", "period", "kfold", "stratified", "group", "purged"] = "none"
    """``none``: windows run across the whole development part; ``blocks``: ``n`` contiguous
    blocks of equal time steps; ``period``: one fold per calendar ``period``. I.i.d. data:
    ``kfold`` (as scikit-learn's ``KFold``), ``stratified`` (``StratifiedKFold``, by the target),
    ``group`` (``GroupKFold`` on ``group_column``: a group is never in two folds), ``purged``
    (contiguous folds in time order; train rows whose label interval ``[time, label_end]`` touches
    or overlaps the validation rows' are dropped, then ``embargo`` rows after the fold)."""
    n: int = Field(default=5, ge=1)
    """Number of blocks (``blocks``) or of folds (k-fold kinds, at least 2)."""
    period: str = "1Y"
    """Calendar period of a fold (``period``): ``1Y`` years, ``3M`` quarters, ``1M``, ``1W``, ``1D``."""
    drop_short: StrictBool = False
    """Leave out folds too short for one window (default: such a fold is an error)."""
    shuffle: StrictBool = False
    """``kfold``, ``stratified``: shuffle rows (seeded by ``seed``) before cutting folds."""
    seed: int | None = None
    """Seed of the shuffle (needs ``shuffle = true``; default 0)."""
    group_column: str | None = None
    """``group``: column whose value names each row's group (required; kept out of the features)."""
    label_end_column: str | None = None
    """``purged``: time at which each row's label ends (required; parsed like the time column).
    A row's label interval is ``[time, label_end]``, both ends included."""
    embargo: int = Field(default=0, ge=0)
    """``purged``: rows dropped from training just after each validation fold (after purging)."""

    @field_validator("period")
    @classmethod
    def _span(cls, value: str) -> str:
        from .data.spans import parse_span

        parse_span(value)
        return value

    @model_validator(mode="after")
    def _fields_for_kind(self) -> "FoldsSection":
        kind, given = self.kind, self.model_fields_set
        if self.iid and self.n < 2:
            raise ValueError(f"n: k-fold ({kind}) needs at least 2 folds (got {self.n})")
        if self.iid and given & {"period", "drop_short"}:
            field = sorted(given & {"period", "drop_short"})[0]
            raise ValueError(f"{field} applies to temporal folds (blocks, period), not to kind = '{kind}'")
        only = {"shuffle": ("kfold", "stratified"), "seed": ("kfold", "stratified"), "group_column": ("group",),
                "label_end_column": ("purged",), "embargo": ("purged",)}
        for field, kinds in only.items():
            if field in given and kind not in kinds:
                raise ValueError(f"{field} applies to kind = {' or '.join(repr(k) for k in kinds)}, not to '{kind}'")
        if self.seed is not None and not self.shuffle:
            raise ValueError("seed needs shuffle = true (without shuffling the folds are contiguous and unseeded)")
        if kind == "group" and not self.group_column:
            raise ValueError("kind = 'group' needs group_column = '<column naming each row's group>'")
        if kind == "purged" and not self.label_end_column:
            raise ValueError("kind = 'purged' needs label_end_column = '<column with the time each row's label ends>'")
        return self

    @property
    def iid(self) -> bool:
        """A k-fold family for i.i.d. data: each fold is one window of index arrays."""
        return self.kind in IID_FOLDS

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns the folds read besides the target and time (kept through preparation)."""
        return tuple(c for c in (self.group_column, self.label_end_column) if c)


Entrypoint = Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")]


class ModelSection(_Strict):
    entrypoint: Entrypoint | list[Entrypoint] | None = None
    """``module:ClassName`` of a ``mow_model_sdk.Model`` subclass, or a list of them served by one
    server (process backend; a docker image's own ENTRYPOINT says what it serves)."""
    path: Path = Path(".")
    """Directory put on the model server's PYTHONPATH (and its working directory)."""
    name: str | list[str] | None = None
    """Which served model to train (default: the only one). A list tunes several models (see ``search``)."""
    search: Literal["choose", "each"] = "choose"
    """With several models: ``choose`` tunes them in one study, where the model is a categorical
    parameter ``model`` and each model's parameters, named ``<model>.<param>``, are sampled only
    when that model is chosen; ``each`` runs one study per model (``<study.name>.<model>``, each
    with ``n_trials`` and reports in ``<run>/<model>/``) and a report that compares them."""
    params: dict[
        str,
        Annotated[
            Union[Annotated[Union[bool, int, float, str], Tag("value")], Annotated[ParamOverride, Tag("range")]],
            Discriminator(_shape),
        ],
    ] = Field(default_factory=dict)
    """Search space changes: a fixed value, new bounds ``{ low, high, log, step }``,
    or ``{ choices = [...] }``; an undeclared name adds a parameter. With several models,
    ``"Model.param"`` changes one model's parameter; a plain name, every model that declares it."""

    @model_validator(mode="after")
    def _each_needs_models(self) -> "ModelSection":
        names = self.names or []
        if len(set(names)) < len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"name lists {', '.join(map(repr, twice))} more than once")
        if self.search == "each" and len(names) < 2:
            raise ValueError("search = 'each' runs one study per model: list two or more in name = [...]")
        return self

    @property
    def entrypoints(self) -> list[str]:
        return [self.entrypoint] if isinstance(self.entrypoint, str) else list(self.entrypoint or [])

    @property
    def names(self) -> list[str] | None:
        """The models to tune; None: the server's only model."""
        return [self.name] if isinstance(self.name, str) else (list(self.name) if self.name else None)


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
    network: StrictBool = False
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


class TuneSection(_Strict):
    """Global feature parameters tuned next to the model's own. They choose columns of the
    dataset the servers already hold, so no trial sends new data."""

    feature_subset: StrictBool = False
    """Each input column is a yes/no parameter ``features.use.<column>`` (at least one is kept)."""
    max_lag: IntRange | None = None
    """Use only lag columns (``data.lags``) up to this many steps back: parameter ``features.max_lag``."""
    max_rolling: IntRange | None = None
    """Use only rolling columns (``features.rolling``) whose window is at most this many steps:
    parameter ``features.max_rolling``."""
    scale: StrictBool = False
    """Tune ``features.scale``: parameter ``features.scale`` picks ``none`` or ``expanding`` (the
    dataset carries both forms of every input column, so no trial sends new data)."""
    target_transform: list[Literal["none", "log1p", "diff"]] | None = Field(default=None, min_length=1)
    """Tune ``features.target_transform`` among these choices: parameter ``target.transform``."""

    @property
    def any_tuned(self) -> bool:
        """True when some feature parameter is tuned."""
        return bool(self.feature_subset or self.max_lag or self.max_rolling or self.scale or self.target_transform)


class MowConfig(_Strict):
    """A whole study: what data, which windows, which model, how to search."""

    study: StudySection = StudySection()
    data: DataSection
    holdout: HoldoutSection = HoldoutSection()
    windows: WindowsSection = WindowsSection()
    folds: FoldsSection = FoldsSection()
    features: FeaturesSection = FeaturesSection()
    tune: TuneSection = TuneSection()
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

    @model_validator(mode="after")
    def _has_inputs(self) -> "MowConfig":
        f = self.features
        if not (self.data.features or self.data.lags or f.rolling or f.diff):
            raise ValueError("data: give at least one input column in data.features, data.lags or [features]")
        target = self.data.target
        if target in f.rolling and f.rolling[target].lag == 0:
            raise ValueError(f"features.rolling.{target}.lag: 0 would put the target of row t into its own "
                             "feature; use lag >= 1")
        return self

    @model_validator(mode="after")
    def _tuned_features_exist(self) -> "MowConfig":
        tune, f = self.tune, self.features
        if tune.scale and "scale" in f.model_fields_set:
            raise ValueError("tune.scale tries both values of features.scale; remove features.scale or tune.scale")
        if tune.target_transform and "target_transform" in f.model_fields_set:
            raise ValueError("tune.target_transform lists the choices of features.target_transform; "
                             "remove one of the two")
        if tune.max_rolling and not f.rolling:
            raise ValueError("tune.max_rolling: there are no rolling features; add [features] rolling = {...}")
        if tune.max_lag and not self.data.lags:
            raise ValueError("tune.max_lag: there are no lag features; add data.lags = {...}")
        transforms = set(tune.target_transform or [f.target_transform]) - {"none"}
        if transforms and not METRICS[self.study.metric].numeric_target:
            raise ValueError(f"features.target_transform: {sorted(transforms)[0]} applies to numeric targets, "
                             f"not to the classification metric {self.study.metric!r}")
        return self

    @model_validator(mode="after")
    def _folds_fit_data(self) -> "MowConfig":
        folds = self.folds
        if not folds.iid:
            return self
        if self.windows.model_fields_set:
            raise ValueError(f"windows: folds.kind = '{folds.kind}' validates each fold once, trained on the other "
                             "folds, so [windows] does not apply; remove the [windows] section")
        for name in folds.columns:
            if name == self.data.target or name in self.data.features:
                role = "the target" if name == self.data.target else "a feature"
                raise ValueError(f"folds: column {name!r} is {role}; folds.group_column and folds.label_end_column "
                                 "name columns the model does not see")
        if folds.kind == "purged":
            if not self.data.time_column:
                raise ValueError("folds.kind = 'purged' needs data.time_column (the start of each row's label)")
            if folds.label_end_column == self.data.time_column:
                raise ValueError("folds.label_end_column: must differ from data.time_column (a label starts at the "
                                 "row's time and ends at label_end)")
            if self.holdout.kind != "last":
                raise ValueError(f"holdout.kind = '{self.holdout.kind}' with folds.kind = 'purged': labels that span "
                                 "time need a holdout at the end (holdout.kind = 'last')")
        return self

    def resolve_paths(self, base: Path) -> "MowConfig":
        """Paths made absolute relative to ``base`` (the config file's folder)."""
        return self.model_copy(
            update={
                "data": self.data.model_copy(update={
                    "path": (base / self.data.path).resolve() if self.data.path is not None else None,
                    "cache_dir": (base / self.data.cache_dir).resolve() if self.data.cache_dir is not None else None,
                }),
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


_FORMS = {
    "entrypoint": "module:ClassName (e.g. model:MyModel)",
    "name": "letters, digits, '_', '.' and '-'",
    "sha256": "64 hex digits (`sha256sum FILE` prints it)",
}


def _most_relevant(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The error to show: among union alternatives of one field, the one that went deepest into the
    value (the list branch for a list) and is not a mere 'wrong type' of another alternative."""
    first_field = _field_path(errors[0]["loc"])[:2]
    same_field = [e for e in errors if _field_path(e["loc"])[:2] == first_field]
    return max(same_field, key=lambda e: (e["type"] not in ("list_type", "string_type", "dict_type", "model_type"),
                                           len(e["loc"])))


def _field_path(loc: tuple) -> list[str]:
    """The user's field path of a pydantic error location, without union-member labels."""
    return [str(p) for p in loc if p not in _UNION_TAGS and "[" not in str(p) and not str(p).startswith("constrained-")
            and str(p) not in ("list", *_SCALAR_TYPES)]


def describe_validation_error(exc: ValidationError) -> str:
    """The first pydantic error as ``field: message`` (plus how many more)."""
    errors = exc.errors()
    first = _most_relevant(errors)
    loc = _field_path(first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key (check the spelling; see the README for the fields of each section)"
    elif first["type"] == "missing":
        message = "required field is missing"
    elif first["type"] == "string_pattern_mismatch":
        hint = _FORMS.get(loc[-1] if loc else "", "the documented form")
        message = f"{first['input']!r} is not of the form {hint}"
    scalar_union = "value" in first["loc"] and str(first["loc"][-1]) in _SCALAR_TYPES
    if scalar_union:  # one error per member of bool | int | float | str: report them as one
        message = "expected a fixed value (number, text, true/false) or a table such as { low = 1, high = 10 }"
    fields = {tuple(_field_path(e["loc"])) for e in errors} - {tuple(loc)}  # one per field, not per union member
    more = f" (and {len(fields)} more problem{'s' if len(fields) > 1 else ''})" if fields else ""
    return f"{'.'.join(loc) or 'config'}: {message}{more}"
