"""gRPC servicers: convert protobuf to calls on the model and back; nothing more."""

from __future__ import annotations

import platform
import threading
import time
import traceback
from collections.abc import Iterator, Sequence

import grpc
import numpy as np
import pyarrow as pa

from ._proto.mow.v1 import (
    fold_service_pb2,
    fold_service_pb2_grpc,
    report_service_pb2,
    report_service_pb2_grpc,
    types_pb2,
)
from ._version import __version__
from .arrow_io import predictions_to_ipc
from .datasets import DatasetStore, DatasetTooLarge, HeldDataset, select_rows, take_table
from .model import Model
from .params import decode_value
from .protocol import PROTOCOL_VERSION
from .uploads import receive_buffer


class FoldServicer(fold_service_pb2_grpc.FoldServiceServicer):
    """Describe the served models and hold the uploaded datasets."""

    def __init__(self, models: Sequence[type[Model]], store: DatasetStore, max_message_bytes: int) -> None:
        self.models = models
        self.store = store
        self.max_message_bytes = max_message_bytes

    def Describe(self, request, context):  # noqa: N802 (gRPC method names)
        return fold_service_pb2.DescribeResponse(
            sdk_language=f"python {platform.python_version()}",
            sdk_version=__version__,
            protocol_version=PROTOCOL_VERSION,
            models=[m.spec() for m in self.models],
            max_message_bytes=self.max_message_bytes,
        )

    def HasDataset(self, request, context):  # noqa: N802
        held = self.store.get(request.fingerprint)
        if held is None:
            return fold_service_pb2.DatasetInfo(fingerprint=request.fingerprint, present=False)
        return held.info()

    def PutDataset(self, request_iterator, context):  # noqa: N802
        first = next(request_iterator, None)  # an uploads.ChunkView (see server._add_fold_service)
        if first is not None and first.error:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, first.error)
        if first is None or not first.fingerprint:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the first DatasetChunk must carry a fingerprint")
        total = first.total_bytes
        if total <= 0:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the first DatasetChunk must give total_bytes > 0")
        try:
            self.store.check_room(total)
        except DatasetTooLarge as exc:
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
        buffer, view = receive_buffer(total)
        received = 0
        for chunk in _chain(first, request_iterator):
            if chunk.error:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, chunk.error)
            end = received + len(chunk.data)
            if end > total:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"upload is larger than total_bytes={total}")
            view[received:end] = chunk.data
            received = end
        if received != total:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"upload ended after {received} of {total} bytes")
        return self._decode(first.fingerprint, buffer, context)

    def _decode(self, fingerprint: str, buffer: pa.Buffer, context) -> fold_service_pb2.DatasetInfo:
        try:
            held = self.store.put(fingerprint, buffer)
        except Exception as exc:  # not an Arrow IPC stream
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"upload is not an Arrow IPC stream: {exc}")
        return held.info()

    def DropDataset(self, request, context):  # noqa: N802
        held = self.store.drop(request.fingerprint)
        if held is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no dataset with fingerprint {request.fingerprint!r}")
        return fold_service_pb2.DatasetInfo(fingerprint=request.fingerprint, present=False)


def _chain(first, rest):
    yield first
    yield from rest


class ReportServicer(report_service_pb2_grpc.ReportServiceServicer):
    """Run trials window by window and stream a report for each."""

    def __init__(self, models: Sequence[type[Model]], store: DatasetStore) -> None:
        self.models = {m.model_name(): m for m in models}
        self.store = store
        self._running: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def CancelTrial(self, request, context):  # noqa: N802
        with self._lock:
            event = self._running.get(request.trial_id)
        if event is not None:
            event.set()
        return report_service_pb2.CancelTrialResponse(cancelled=event is not None)

    def Train(self, request, context) -> Iterator[report_service_pb2.Report]:  # noqa: N802
        model_cls = self._model(request.model, context)
        held = self.store.get(request.dataset_fingerprint)
        if held is None:
            context.abort(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"dataset {request.dataset_fingerprint!r} is not held here; upload it with PutDataset first",
            )
        missing = [c for c in (*request.feature_columns, request.target_column) if c not in held.table.column_names]
        if missing or not request.feature_columns or not request.target_column:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"feature/target columns missing from the dataset: {missing or 'none given'}",
            )
        try:
            params = {name: decode_value(v) for name, v in request.params.items()}
            model_cls.build(params)  # type-check the parameters once, before any window
        except (TypeError, ValueError) as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except Exception:  # noqa: S110 - other errors of the model's __init__: the first window reports them
            pass

        cancelled = threading.Event()
        context.add_callback(cancelled.set)  # the client cancelled or went away
        with self._lock:
            self._running[request.trial_id] = cancelled
        try:
            yield from self._run(model_cls, params, held, request, cancelled, context)
        finally:
            with self._lock:
                self._running.pop(request.trial_id, None)

    def _model(self, name: str, context) -> type[Model]:
        if not name and len(self.models) == 1:
            return next(iter(self.models.values()))
        if not name:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          f"this server serves several models ({', '.join(sorted(self.models))}): name one in TrainRequest.model")
        if name not in self.models:
            context.abort(
                grpc.StatusCode.NOT_FOUND, f"model {name!r} is not served here; served: {sorted(self.models)}"
            )
        return self.models[name]

    def _run(self, model_cls, params, held: HeldDataset, request, cancelled: threading.Event, context):
        started = time.perf_counter()
        features = tuple(request.feature_columns)
        target = read_only(held.column_array(request.target_column))
        done = 0
        for window in request.windows:
            if cancelled.is_set():
                yield _final(report_service_pb2.TRIAL_STATUS_CANCELLED, done, started)
                return
            try:  # the client's selection, not model code: a protocol error
                rows = select_rows(window.train, held.table.num_rows), select_rows(window.validation, held.table.num_rows)
            except IndexError as exc:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"window {window.id!r}: {exc}")
            report = _run_window(model_cls, params, held, features, target, window, rows)
            yield report_service_pb2.Report(window=report)
            if report.HasField("error"):
                yield _final(report_service_pb2.TRIAL_STATUS_FAILED, done, started, report.error)
                return
            done += 1
        yield _final(report_service_pb2.TRIAL_STATUS_COMPLETED, done, started)


def _final(status, done: int, started: float, error: types_pb2.ModelError | None = None):
    return report_service_pb2.Report(
        final=report_service_pb2.FinalReport(
            status=status, windows_done=done, seconds=time.perf_counter() - started, error=error
        )
    )


def _run_window(model_cls: type[Model], params, held: HeldDataset, features, target, window,
                rows) -> report_service_pb2.WindowReport:
    """Fit and predict one window; ``rows``: its (train, validation) selection. X and y are
    read-only however they were made (views of the dataset, or gathers for index arrays)."""
    report = report_service_pb2.WindowReport(window_id=window.id)
    model = None
    train_rows, valid_rows = rows
    try:
        if model_cls.input_format == "arrow":
            table = held.table.select(list(features))
            x_train, x_valid = take_table(table, train_rows), take_table(table, valid_rows)
        else:
            matrix = held.feature_matrix(features)
            x_train, x_valid = read_only(matrix[train_rows]), read_only(matrix[valid_rows])
        y_train = read_only(target[train_rows])
        n_valid = len(x_valid) if not hasattr(x_valid, "num_rows") else x_valid.num_rows
        model = model_cls.build(params)
        t0 = time.perf_counter()
        model.fit(x_train, y_train)
        t1 = time.perf_counter()
        predictions = model.predict(x_valid)
        t2 = time.perf_counter()
        report.predictions = predictions_to_ipc(predictions, n_valid)
        report.fit_seconds, report.predict_seconds = t1 - t0, t2 - t1
        _report_metrics(model, report)
    except Exception as exc:  # model code failed: report it, keep serving
        message = str(exc)
        if isinstance(exc, ValueError) and "read-only" in message:
            message += " (X and y are shared by every window and trial: copy them before writing, e.g. X = X.copy())"
        report.error.CopyFrom(
            types_pb2.ModelError(
                type=type(exc).__name__, message=message,
                traceback=traceback.format_exc(), window_id=window.id,
            )
        )
    if model is not None:
        report.logs.extend(getattr(model, "_log_lines", ()))  # absent when __init__ skipped super().__init__
    return report


def _report_metrics(model: Model, report: report_service_pb2.WindowReport) -> None:
    """Copy the numbers in ``model.metrics_`` into the report; anything else becomes a log line."""
    metrics = getattr(model, "metrics_", None)
    if metrics is None:
        return
    if not isinstance(metrics, dict):
        report.logs.append(f"metrics_ is a {type(metrics).__name__}, not a dict of numbers: not reported")
        return
    for key, value in metrics.items():
        try:
            if isinstance(value, (str, bytes)):
                raise TypeError
            report.metrics[str(key)] = float(value)
        except (TypeError, ValueError):
            report.logs.append(f"metrics_[{key!r}] = {value!r:.80} is not a number: not reported")


def read_only(array: np.ndarray) -> np.ndarray:
    """``array`` with writes refused (a model must not change data that later windows share)."""
    array.flags.writeable = False
    return array
