"""One Optuna trial = one Train stream on one model server, scored here."""

from __future__ import annotations

import statistics
import uuid
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import grpc
import numpy as np
import optuna
from mow_model_sdk._proto.mow.v1 import report_service_pb2, types_pb2
from mow_model_sdk.arrow_io import ipc_to_predictions
from mow_model_sdk.params import encode_value

from ..client import EncodedDataset, ModelClient, row_range
from ..containers import ModelPool
from ..data import Window, WindowPlan, make_windows, plan_for, trial_train
from ..errors import ModelFailure, ModelServerError
from ..metrics import Metric
from .search_space import TRAIN_ROWS, Dimension, Value

if TYPE_CHECKING:
    from ..config import MowConfig
    from ..data import Split


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
    step: int | str
    gap: int | str
    max_windows: int | None
    plan: WindowPlan | None = None
    """Windows placed by the data layer (folds, spans, anchoring); None: plain row counts."""

    @classmethod
    def from_config(cls, config: "MowConfig", split: "Split", model_name: str, metric: Metric,
                    dataset: EncodedDataset | None = None) -> "TrialSetup":
        """The setup of a study: development rows of ``split``, windows from ``config``."""
        return cls(
            dataset=dataset or EncodedDataset.from_table(split.dev),
            target=split.dev.column(split.prepared.target).to_numpy(),
            feature_columns=split.prepared.feature_columns, target_column=split.prepared.target,
            model_name=model_name, metric=metric, windows_kind=config.windows.kind,
            train_max=config.windows.max_train, validation=config.windows.validation,
            step=config.windows.step_rows, gap=config.windows.gap, max_windows=config.windows.max_windows,
            plan=plan_for(split, config.windows, config.folds),
        )

    def windows(self, train: int | str) -> list[Window]:
        """The windows of a trial that trains on ``train`` (each carries its fold)."""
        if self.plan is not None:
            return self.plan.windows(trial_train(train))
        return make_windows(
            len(self.target), kind=self.windows_kind, train=int(train), train_max=int(self.train_max),
            validation=int(self.validation), step=int(self.step), gap=int(self.gap), max_windows=self.max_windows,
        )


class Objective:
    """Callable for ``study.optimize``: suggest, train on a free server, score.

    Servers come from the pool, so with ``n_jobs`` threads each trial has a
    server of its own. When a server dies mid-trial, the trial fails with the
    reason (exit code, OOM kill) and the pool starts a fresh server.
    """

    def __init__(self, setup: TrialSetup, model_dims: list[Dimension], global_dims: list[Dimension],
                 pool: ModelPool) -> None:
        self.setup = setup
        self.model_dims = model_dims
        self.global_dims = {d.name: d for d in global_dims}
        self.pool = pool

    def __call__(self, trial: optuna.Trial) -> float:
        params = {d.name: d.suggest(trial) for d in self.model_dims}
        suggested = self.global_dims[TRAIN_ROWS].suggest(trial)
        train = suggested if isinstance(suggested, str) else int(suggested)  # a count, or a span such as "90D"
        server = self.pool.acquire()
        try:
            return run_trial(trial, server.client, self.setup, params, train)
        except ModelServerError as lost:
            server, reason = self.pool.replace(server)
            trial.set_user_attr("failure", f"model server lost: {reason}")
            raise ModelFailure("ModelServerLost", reason) from lost
        finally:
            self.pool.release(server)


def train_request(setup: TrialSetup, params: dict[str, Value], windows: list[Window],
                  dataset: EncodedDataset | None = None) -> report_service_pb2.TrainRequest:
    return report_service_pb2.TrainRequest(
        trial_id=uuid.uuid4().hex,
        model=setup.model_name,
        params={k: encode_value(v) for k, v in params.items()},
        dataset_fingerprint=(dataset or setup.dataset).fingerprint,
        feature_columns=setup.feature_columns,
        target_column=setup.target_column,
        windows=[
            types_pb2.Window(id=w.id, fold=w.fold, train=row_range(w.train_start, w.train_stop),
                             validation=row_range(w.valid_start, w.valid_stop))
            for w in windows
        ],
    )


def run_trial(trial: optuna.Trial, client: ModelClient, setup: TrialSetup,
              params: dict[str, Value], train: int) -> float:
    """Run and score one trial; report each window's score to Optuna as it arrives."""
    windows = setup.windows(train)
    trial.set_user_attr("model_params", params)
    trial.set_user_attr("bytes_sent", client.ensure_dataset(setup.dataset))
    trial.set_user_attr("n_windows", len(windows))
    results: list[WindowResult] = []
    call = client.train(train_request(setup, params, windows))
    try:
        for result in stream_window_results(call, setup.target, setup.metric, windows):
            results.append(result)
            trial.report(result.score, step=len(results) - 1)
            if trial.should_prune():
                call.cancel()
                raise optuna.TrialPruned(f"pruned after window {result.id} ({result.score:.6g})")
    except ModelFailure as failure:
        trial.set_user_attr("failure", str(failure))
        trial.set_user_attr("failure_traceback", failure.traceback)
        raise
    finally:
        call.cancel()  # no-op once the stream ended; frees the server on any early exit
        trial.set_user_attr("windows", [asdict(r) for r in results])
    return statistics.fmean(r.score for r in results)


def stream_window_results(call, target: np.ndarray, metric: Metric, windows: list[Window]):
    """Yield a WindowResult per window report; raise ModelFailure on a model error."""
    for result, _ in stream_window_predictions(call, target, metric, windows):
        yield result


def stream_window_predictions(call, target: np.ndarray, metric: Metric, windows: list[Window]):
    """Like :func:`stream_window_results`, yielding ``(WindowResult, predictions)`` pairs.

    ``predictions`` are the values the model returned for the window's
    validation rows, in row order (numbers, or labels for classification).
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
                score = metric(target[window.valid_start : window.valid_stop], predictions)
                yield (WindowResult(window.id, window.fold, score, w_report.fit_seconds,
                                    w_report.predict_seconds, window.n_train, window.n_valid), predictions)
            elif report.final.status == report_service_pb2.TRIAL_STATUS_FAILED:
                e = report.final.error
                raise ModelFailure(e.type, e.message, e.traceback, e.window_id)
    except grpc.RpcError as exc:
        if exc.code() == grpc.StatusCode.CANCELLED:
            return
        raise ModelServerError(f"model server failed during a trial: {exc.code().name}: {exc.details()}") from None
