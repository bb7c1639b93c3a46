"""One Optuna trial = one Train stream on one model server, scored here."""

from __future__ import annotations

import contextlib
import functools
import math
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

import grpc
import numpy as np
import optuna

from mow_model_sdk._proto.mow.v1 import report_service_pb2, types_pb2
from mow_model_sdk.arrow_io import ipc_to_predictions
from mow_model_sdk.params import encode_value

from .. import interrupt
from ..client import EncodedDataset, ModelClient, row_range
from ..containers import ModelPool
from ..data import FoldPlan, Window, WindowPlan, make_windows, plan_for, trial_train
from ..errors import InvalidParameters, ModelFailure, ModelServerError, SurplusTrial, TrialTimedOut
from ..metrics import Metric, aggregate
from .search_space import MODEL_CHOICE, Dimension, Value, WindowLengths, choose_features
from .target_transform import TARGET_TRANSFORM, TargetTransform, target_transforms
from .watchdog import Watchdog

if TYPE_CHECKING:
    from ..config import MowConfig, TuneSection
    from ..data import Split


#: Which orchestrator ran a trial (``host:pid``), stored on every trial.
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class WindowResult:
    """The score of one window and what it cost; stored on the trial."""

    id: str
    fold: int
    score: float
    fit_s: float
    predict_s: float
    n_train: int
    n_valid: int
    model_metrics: dict[str, float] = field(default_factory=dict)
    """Numbers the model computed itself (``metrics_``); reported, never used for the score."""
    logs: list[str] = field(default_factory=list)
    """Lines the model logged (``self.log``), the first :data:`MAX_LOG_LINES`, each cut at :data:`MAX_LOG_CHARS`."""


#: Log lines of one window kept in the trial's attributes, and the characters kept of each.
MAX_LOG_LINES, MAX_LOG_CHARS = 20, 300


def _kept_logs(lines) -> list[str]:
    kept = [line[:MAX_LOG_CHARS] for line in list(lines)[:MAX_LOG_LINES]]
    if len(lines) > MAX_LOG_LINES:
        kept.append(f"... {len(lines) - MAX_LOG_LINES} more lines")
    return kept


@dataclass(frozen=True)
class TrialSetup:
    """Everything a trial needs besides its parameters."""

    dataset: EncodedDataset
    target: np.ndarray
    """Target of the development rows (the models never see validation targets)."""
    feature_columns: tuple[str, ...]
    target_column: str
    model_name: str
    metric: Metric
    windows_kind: str
    train_max: int | str
    """Largest train length (count of time steps, or a span such as ``"90D"``)."""
    validation: int | str
    """Validation length, step and gap of the placement (the largest of a tuned range)."""
    step: int | str
    gap: int | str
    max_windows: int | None
    plan: WindowPlan | FoldPlan | None = None
    """Windows placed by the data layer (folds, spans, anchoring; i.i.d. folds as index arrays);
    None: plain row counts."""
    replan: Callable[[int | None, int | None], WindowPlan | FoldPlan] | None = None
    """Places the windows for a trial's own validation length and step (when those are tuned)."""
    aggregate: str = "mean"
    """How window scores become the trial score (see ``metrics.aggregate``)."""
    aggregate_k: float = 1.0
    recency_half_life: float = 5.0
    also_minimize: tuple[str, ...] = ()
    """Extra objectives (``fit_seconds``) after the metric, for multi-objective studies."""
    trial_timeout_s: float | None = None
    window_timeout_s: float | None = None
    retries: int = 1
    """Times a trial is retried on a fresh server when its server died."""
    transform: TargetTransform | None = None
    """What the model learns instead of the target (None: the target itself); see ``target_transform``."""
    transforms: dict[str, TargetTransform] = field(default_factory=dict)
    """The target transforms the dataset holds a column for, by name (``tune.target_transform``)."""
    scaled_columns: dict[str, str] = field(default_factory=dict)
    """Input column -> its expanding-scaled column (``tune.scale``)."""

    def score(self, results: list["WindowResult"]) -> float:
        """The trial's score from its windows' scores, in window order."""
        return aggregate([r.score for r in results], self.aggregate, self.metric.direction,  # type: ignore[arg-type]
                         k=self.aggregate_k, half_life=self.recency_half_life)

    @classmethod
    def from_config(cls, config: "MowConfig", split: "Split", model_name: str, metric: Metric,
                    dataset: EncodedDataset | None = None) -> "TrialSetup":
        """The setup of a study: development rows of ``split``, windows from ``config``."""
        transforms = target_transforms(split)
        transform = transforms[config.features.target_transform]
        return cls(
            dataset=dataset or EncodedDataset.from_table(split.dev),
            target=split.dev.column(split.prepared.target).to_numpy(),
            feature_columns=split.prepared.feature_columns, target_column=transform.column,
            transform=transform, transforms=transforms, scaled_columns=split.prepared.scaled_columns,
            model_name=model_name, metric=metric, windows_kind=config.windows.kind,
            train_max=config.windows.max_train, validation=config.windows.max_validation,
            step=config.windows.step_rows, gap=config.windows.max_gap, max_windows=config.windows.max_windows,
            plan=plan_for(split, config.windows, config.folds),
            replan=_replanner(split, config) if {"validation", "step"} & set(config.windows.tuned) else None,
            aggregate=config.study.aggregate, aggregate_k=config.study.aggregate_k,
            recency_half_life=config.study.recency_half_life, also_minimize=tuple(config.study.also_minimize),
            trial_timeout_s=config.study.trial_timeout_s, window_timeout_s=config.study.window_timeout_s,
            retries=config.study.retries,
        )

    def with_transform(self, name: str) -> "TrialSetup":
        """This setup with the model learning the target transformed by ``name``."""
        transform = self.transforms[name]
        return replace(self, transform=transform, target_column=transform.column)

    def for_trial(self, trial: optuna.trial.FrozenTrial) -> "TrialSetup":
        """This setup with the input columns and target transform ``trial`` used."""
        setup = replace(self, feature_columns=tuple(trial.user_attrs.get("features") or self.feature_columns))
        name = trial.user_attrs.get("target_transform")
        return setup.with_transform(name) if name in self.transforms else setup

    def windows(self, lengths: WindowLengths | int | str) -> list[Window]:
        """The windows of a trial with these window lengths, or this train length (each carries its fold)."""
        if not isinstance(lengths, WindowLengths):
            lengths = WindowLengths(lengths)
        gap = None if lengths.gap is None else trial_train(lengths.gap, "windows.gap")
        if self.plan is not None:
            plan = self.plan
            if self.replan is not None and (lengths.validation is not None or lengths.step is not None):
                plan = self.replan(lengths.validation, lengths.step)
            return plan.windows(trial_train(lengths.train), gap)
        validation = int(lengths.validation or self.validation)
        return make_windows(
            len(self.target), kind=self.windows_kind, train=int(lengths.train), train_max=int(self.train_max),
            validation=validation, step=int(lengths.step or (validation if lengths.validation else self.step)),
            gap=int(self.gap), max_windows=self.max_windows, trial_gap=gap,  # type: ignore[arg-type]
        )


def _replanner(split: "Split", config: "MowConfig") -> Callable[[int | None, int | None], WindowPlan | FoldPlan]:
    """Window placement per (validation, step) of a trial, each placed once."""
    @functools.lru_cache(maxsize=64)
    def replan(validation: int | None, step: int | None) -> WindowPlan | FoldPlan:
        return plan_for(split, config.windows, config.folds, validation=validation, step=step)
    return replan


class Objective:
    """Callable for ``study.optimize``: suggest, train on a free server, score.

    Servers come from the pool, so with ``n_jobs`` threads each trial has a
    server of its own. When a server dies mid-trial, the trial fails with the
    reason (exit code, OOM kill) and the pool starts a fresh server.
    """

    def __init__(self, setup: TrialSetup, spaces: dict[str, list[Dimension]], global_dims: list[Dimension],
                 pool: ModelPool, tune: TuneSection | None = None, n_trials: int | None = None) -> None:
        self.n_trials = n_trials
        self.setup = setup
        self.spaces = spaces
        self.global_dims = {d.name: d for d in global_dims}
        self.pool = pool
        self.tune = tune

    def __call__(self, trial: optuna.Trial) -> float | tuple[float, ...]:
        try:
            return self._run(trial)
        except KeyboardInterrupt:
            with contextlib.suppress(Exception):  # the reason is a courtesy: never mask the interrupt
                trial.set_user_attr("failure", "interrupted (Ctrl-C or SIGTERM): the trial was cancelled")
            raise

    def _run(self, trial: optuna.Trial) -> float | tuple[float, ...]:
        interrupt.check()
        if self.n_trials is not None and _is_surplus(trial, self.n_trials):
            trial.set_user_attr("surplus", True)
            trial.study.stop()
            raise SurplusTrial("SurplusTrial", f"the study's {self.n_trials} trials are covered by other workers")
        names = list(self.spaces)
        model = names[0] if len(names) == 1 else trial.suggest_categorical(MODEL_CHOICE, names)
        prefix = f"{model}." if len(names) > 1 else ""
        params = {d.name.removeprefix(prefix): d.suggest(trial) for d in self.spaces[model]}
        trial.set_user_attr("model", model)
        lengths = WindowLengths.suggest(trial, self.global_dims)  # counts, or a span such as "90D"
        setup = self.setup
        if self.tune is not None and self.tune.any_tuned:
            columns = choose_features(trial, setup.feature_columns, self.tune, setup.scaled_columns)
            setup = replace(setup, feature_columns=columns)
            if self.tune.target_transform:
                setup = setup.with_transform(trial.suggest_categorical(TARGET_TRANSFORM, self.tune.target_transform))
        if setup.transform is not None and setup.transform.name != "none":
            trial.set_user_attr("target_transform", setup.transform.name)
        for attempt in range(setup.retries + 1):
            server = self.pool.acquire()
            try:
                return run_trial(trial, server.client, setup, params, lengths, model=model)
            except ModelServerError as lost:  # infrastructure: the server died or broke the protocol
                interrupt.check()  # a Ctrl-C that a blocked gRPC call turned into an error
                server, reason = self.pool.replace(server)
                trial.set_user_attr("server_failures", [*trial.user_attrs.get("server_failures", []), reason])
                if attempt == setup.retries:
                    trial.set_user_attr("failure", f"model server lost: {reason}")
                    raise ModelFailure("ModelServerLost", reason) from lost
            except TrialTimedOut:
                if not _stops_within(server.client, trial.user_attrs["trial_id"], grace_s=5.0):
                    server, reason = self.pool.replace(server)  # the model hangs: a fresh server
                raise
            finally:
                self.pool.release(server)
        raise AssertionError("unreachable")


def _is_surplus(trial: optuna.Trial, n_trials: int) -> bool:
    """True when ``n_trials`` trials numbered before this one are finished or running.

    Trial numbers follow creation order in the storage, so every worker sharing
    the study reaches the same verdict, and together they finish exactly
    ``n_trials`` trials (a running one that fails leaves room for another).
    """
    finished_or_running = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED,
                           optuna.trial.TrialState.RUNNING)
    earlier = trial.study.get_trials(deepcopy=False, states=finished_or_running)
    return sum(t.number < trial.number for t in earlier) >= n_trials


def _stops_within(client: ModelClient, trial_id: str, grace_s: float) -> bool:
    """Ask the server to cancel ``trial_id`` and wait until it no longer runs it."""
    deadline = time.monotonic() + grace_s
    try:
        while client.cancel_trial(trial_id):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
    except ModelServerError:
        return False
    return True


def train_request(setup: TrialSetup, params: dict[str, Value], windows: list[Window],
                  dataset: EncodedDataset | None = None, model: str | None = None) -> report_service_pb2.TrainRequest:
    return report_service_pb2.TrainRequest(
        trial_id=uuid.uuid4().hex,
        model=model or setup.model_name,
        params={k: encode_value(v) for k, v in params.items()},
        dataset_fingerprint=(dataset or setup.dataset).fingerprint,
        feature_columns=setup.feature_columns,
        target_column=setup.target_column,
        windows=[
            types_pb2.Window(id=w.id, fold=w.fold, train=row_selection(w.train_index()),
                             validation=row_selection(w.valid_index()))
            for w in windows
        ],
    )


def row_selection(rows: slice | np.ndarray) -> types_pb2.RowSelection:
    """A window part on the wire: a range for a slice, ``RowIndices`` for an index array."""
    if isinstance(rows, slice):
        return row_range(rows.start, rows.stop)
    return types_pb2.RowSelection(indices=types_pb2.RowIndices(rows=rows.tolist()))


def run_trial(trial: optuna.Trial, client: ModelClient, setup: TrialSetup, params: dict[str, Value],
              lengths: WindowLengths | int | str, model: str | None = None) -> float | tuple[float, ...]:
    """Run and score one trial; report each window's score to Optuna as it arrives.

    Returns the aggregated score, followed by the extra objectives of a
    multi-objective study. Raises ModelFailure (model code raised),
    InvalidParameters, TrialTimedOut, ModelServerError (infrastructure),
    or optuna.TrialPruned.
    """
    windows = setup.windows(lengths)
    trial.set_user_attr("worker", WORKER_ID)
    trial.set_user_attr("model_params", params)
    trial.set_user_attr("features", list(setup.feature_columns))
    trial.set_user_attr("bytes_sent", client.ensure_dataset(setup.dataset))
    trial.set_user_attr("n_windows", len(windows))
    results: list[WindowResult] = []
    request = train_request(setup, params, windows, model=model)
    trial.set_user_attr("trial_id", request.trial_id)
    call = client.train(request)
    multi_objective = bool(setup.also_minimize)
    try:
        with Watchdog(call, trial_s=setup.trial_timeout_s, window_s=setup.window_timeout_s) as watchdog:
            for result in stream_window_results(call, setup.target, setup.metric, windows, setup.transform):
                watchdog.kick()
                results.append(result)
                if not multi_objective:
                    trial.report(result.score, step=len(results) - 1)
                    if len(results) < len(windows) and trial.should_prune():  # after the last window: nothing to save
                        call.cancel()
                        raise optuna.TrialPruned(f"pruned after window {result.id} ({result.score:.6g})")
        interrupt.check()  # the watchdog cancelled the call on Ctrl-C
        if watchdog.reason:
            raise TrialTimedOut("TrialTimedOut", f"cancelled: {watchdog.reason}")
        if len(results) < len(windows):
            raise ModelServerError(f"the model server ended the trial after {len(results)} of {len(windows)} windows")
    except ModelFailure as failure:
        trial.set_user_attr("failure", str(failure))
        trial.set_user_attr("failure_traceback", failure.traceback)
        raise
    finally:
        call.cancel()  # no-op once the stream ended; frees the server on any early exit
        trial.set_user_attr("windows", [asdict(r) for r in results])
    score = setup.score(results)
    if not multi_objective:
        return score
    fit_seconds = sum(r.fit_s for r in results)
    return (score, *(fit_seconds for _ in setup.also_minimize))


def stream_window_results(call, target: np.ndarray, metric: Metric, windows: list[Window],
                          transform: TargetTransform | None = None):
    """Yield a WindowResult per window report; raise ModelFailure on a model error."""
    for result, _ in stream_window_predictions(call, target, metric, windows, transform):
        yield result


#: (target array, its labels) of recent calls: the array is kept so that its id cannot be reused.
_LABELS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _labels(target: np.ndarray, metric: Metric) -> np.ndarray | None:
    """The class labels of ``target`` for a label metric (accuracy, f1, ...), found once per target array."""
    if metric.numeric_target or metric.probabilities:
        return None
    cached = _LABELS.get(id(target))
    if cached is None or cached[0] is not target:
        if len(_LABELS) >= 4:
            _LABELS.clear()
        cached = _LABELS[id(target)] = (target, np.unique(target))
    return cached[1]


def stream_window_predictions(call, target: np.ndarray, metric: Metric, windows: list[Window],
                              transform: TargetTransform | None = None):
    """Like :func:`stream_window_results`, yielding ``(WindowResult, predictions)`` pairs.

    ``predictions`` are the values the model returned for the window's validation rows, in
    row order (numbers, or labels for classification), turned back to the target's own scale
    when the model learned a transformed target (``transform``).
    """
    by_id = {w.id: w for w in windows}
    try:
        for report in call:
            if report.HasField("window"):
                w_report = report.window
                if w_report.HasField("error"):
                    e = w_report.error
                    raise ModelFailure(e.type, e.message, e.traceback, e.window_id)
                window = by_id[w_report.window_id]
                predictions = ipc_to_predictions(w_report.predictions)
                if transform is not None:
                    predictions = transform.inverse(predictions, window.valid_index())
                y_true = target[window.valid_index()]
                problem = (metric.prediction_problem(y_true, predictions, _labels(target, metric))
                           if len(predictions) == len(y_true) else None)
                if problem:  # the model's mistake: a failed trial with the reason, not a silent score
                    raise ModelFailure("InvalidPredictions", problem, "", window.id)
                y_train = target[window.train_index()] if metric.needs_train else None
                with np.errstate(over="ignore", invalid="ignore"):
                    score = metric(y_true, predictions, y_train)
                if not math.isfinite(score):
                    raise ModelFailure("InvalidPredictions", f"{metric.name} of these predictions is {score} (values "
                                       f"from {np.min(predictions):.4g} to {np.max(predictions):.4g})", "", window.id)
                yield (WindowResult(window.id, window.fold, score, w_report.fit_seconds,
                                    w_report.predict_seconds, window.n_train, window.n_valid,
                                    dict(w_report.metrics), _kept_logs(w_report.logs)), predictions)
            elif report.final.status == report_service_pb2.TRIAL_STATUS_FAILED:
                e = report.final.error
                raise ModelFailure(e.type, e.message, e.traceback, e.window_id)
    except grpc.RpcError as exc:
        if exc.code() == grpc.StatusCode.CANCELLED:
            return
        if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:
            raise InvalidParameters("InvalidParameters", exc.details() or "rejected by the model server") from None
        raise ModelServerError(f"model server failed during a trial: {exc.code().name}: {exc.details()}") from None
