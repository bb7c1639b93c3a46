"""Client of one model server: health, describe, dataset upload, trials."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import grpc
import pyarrow as pa
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mow_model_sdk._proto.mow.v1 import (
    fold_service_pb2,
    fold_service_pb2_grpc,
    report_service_pb2,
    report_service_pb2_grpc,
    types_pb2,
)
from mow_model_sdk.arrow_io import table_to_ipc
from mow_model_sdk.protocol import DATASET_CHUNK_BYTES, DEFAULT_MAX_MESSAGE_BYTES, PROTOCOL_VERSION, grpc_options

from . import interrupt
from .errors import ModelServerError, ModelStartError

#: gRPC waits 1 s (then longer) before redialling a server that was not there yet; a model
#: server we just started appears within a few hundred ms, so redial every 50-250 ms instead
#: (this took 0.7 s off every start to SERVING; bench/bench_startup.py).
_RECONNECT = [
    ("grpc.initial_reconnect_backoff_ms", 50),
    ("grpc.min_reconnect_backoff_ms", 50),
    ("grpc.max_reconnect_backoff_ms", 250),
]


@dataclass(frozen=True)
class EncodedDataset:
    """A table serialised once as Arrow IPC, named by a hash of its bytes."""

    ipc: pa.Buffer
    fingerprint: str
    num_rows: int

    @classmethod
    def from_table(cls, table: pa.Table) -> "EncodedDataset":
        ipc = table_to_ipc(table)
        digest = hashlib.blake2b(memoryview(ipc), digest_size=16).hexdigest()
        return cls(ipc, f"blake2b:{digest}", table.num_rows)


class ModelClient:
    """One gRPC channel to one model server.

    Args:
        address: ``unix:/path`` or ``host:port``.
        max_message_bytes: message limit set on the channel, bytes (default 64 MiB).
    """

    def __init__(self, address: str, *, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.address = address
        self.chunk_bytes = DATASET_CHUNK_BYTES
        """Data bytes per PutDataset message; :meth:`describe` lowers it to fit the server's limit."""
        self._described = False
        self.channel = grpc.insecure_channel(address, options=[*grpc_options(max_message_bytes), *_RECONNECT])
        self.folds = fold_service_pb2_grpc.FoldServiceStub(self.channel)
        self._put_dataset = self.channel.stream_unary(  # PutDataset with the one-copy chunk encoder
            "/mow.v1.FoldService/PutDataset", request_serializer=_encode_chunk,
            response_deserializer=fold_service_pb2.DatasetInfo.FromString,
        )
        self.reports = report_service_pb2_grpc.ReportServiceStub(self.channel)
        self._health = health_pb2_grpc.HealthStub(self.channel)

    def close(self) -> None:
        self.channel.close()

    def wait_serving(self, timeout_s: float, alive: Callable[[], bool] = lambda: True) -> None:
        """Poll grpc.health.v1 until SERVING; ``alive`` false or timeout raises ModelStartError."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                reply = self._health.Check(health_pb2.HealthCheckRequest(service=""), timeout=0.5)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            interrupt.check()  # Ctrl-C while a replacement server starts inside the optimization loop
            if not alive():
                raise ModelStartError(f"model server at {self.address} stopped before serving")
            if time.monotonic() > deadline:
                raise ModelStartError(
                    f"model server at {self.address} did not report SERVING within {timeout_s:g} s "
                    "(raise backend.start_timeout_s if it is slow to start)"
                )
            time.sleep(0.05)

    def describe(self) -> fold_service_pb2.DescribeResponse:
        reply = self._call(self.folds.Describe, fold_service_pb2.DescribeRequest())
        if reply.protocol_version != PROTOCOL_VERSION:
            raise ModelStartError(
                f"model server at {self.address} speaks {reply.protocol_version!r}, this orchestrator {PROTOCOL_VERSION!r}"
            )
        self._described = True
        if reply.max_message_bytes:  # a server with a smaller limit gets smaller chunks
            self.chunk_bytes = max(CHUNK_MARGIN_BYTES, min(DATASET_CHUNK_BYTES, reply.max_message_bytes - CHUNK_MARGIN_BYTES))
        return reply

    def ensure_dataset(self, dataset: EncodedDataset) -> int:
        """Upload ``dataset`` unless the server holds its fingerprint. Returns bytes sent."""
        held = self._call(self.folds.HasDataset, fold_service_pb2.HasDatasetRequest(fingerprint=dataset.fingerprint))
        if held.present:
            return 0
        if not self._described:
            self.describe()  # the server's message limit sets the chunk size
        self._call(self._put_dataset, _chunks(dataset, self.chunk_bytes))
        return dataset.ipc.size

    def train(self, request: report_service_pb2.TrainRequest) -> "grpc.CallIterator":
        """Start a trial; iterate the returned call for Reports, ``.cancel()`` to stop it."""
        return self.reports.Train(request)

    def cancel_trial(self, trial_id: str) -> bool:
        reply = self._call(self.reports.CancelTrial, report_service_pb2.CancelTrialRequest(trial_id=trial_id))
        return reply.cancelled

    def _call(self, method, request, timeout: float | None = None):
        try:
            return method(request, timeout=timeout)
        except grpc.RpcError as exc:
            raise ModelServerError(
                f"model server at {self.address}: {exc.code().name}: {exc.details()}"
            ) from None


#: Wire tag of ``DatasetChunk.data`` (field 3, length-delimited).
_DATA_TAG = b"\x1a"


#: Bytes of a message left for everything but the data (fingerprint, size, field tags).
CHUNK_MARGIN_BYTES = 4096


def _chunks(dataset: EncodedDataset, chunk_bytes: int = DATASET_CHUNK_BYTES) -> Iterator[tuple[bytes, memoryview]]:
    """The upload as ``(header, part)`` pairs: the first header carries fingerprint and size."""
    view = memoryview(dataset.ipc)
    total = len(view)
    for offset in range(0, total, chunk_bytes):
        header = b"" if offset else fold_service_pb2.DatasetChunk(
            fingerprint=dataset.fingerprint, total_bytes=total).SerializeToString()
        yield header, view[offset : offset + chunk_bytes]


def _encode_chunk(chunk: tuple[bytes, memoryview]) -> bytes:
    """A ``DatasetChunk`` in protobuf wire format, written with one copy of its data.

    Building the message object first would copy each chunk three times (slice to bytes,
    into the message, out to the wire); on this path that was the client's whole cost.
    """
    header, part = chunk
    return b"".join((header, _DATA_TAG, _varint(len(part)), part))


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def row_range(start: int, stop: int) -> types_pb2.RowSelection:
    return types_pb2.RowSelection(range=types_pb2.RowRange(start=start, stop=stop))
