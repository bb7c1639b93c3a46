"""Build and run the model server: FoldService, ReportService, health, reflection."""

from __future__ import annotations

import fcntl
import importlib
import os
import signal
import threading
import time
from collections.abc import Sequence
from concurrent import futures
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from ._proto.mow.v1 import fold_service_pb2, report_service_pb2_grpc
from .datasets import DatasetStore
from .model import Model
from .protocol import DEFAULT_MAX_MESSAGE_BYTES, FOLD_SERVICE, REPORT_SERVICE, grpc_options

#: Default memory budget for held datasets, in bytes (8 GiB).
DEFAULT_MAX_DATASET_BYTES = 8 * 1024**3


class ModelLoadError(ValueError):
    """A ``module:Class`` reference that does not name an importable Model subclass."""


def load_model_class(reference: str) -> type[Model]:
    """Import ``package.module:ClassName`` and check it subclasses :class:`Model`."""
    module_name, sep, class_name = reference.partition(":")
    if not sep or not module_name or not class_name:
        raise ModelLoadError(f"model reference {reference!r} must look like 'module:ClassName'")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ModelLoadError(
            f"model module {module_name!r} does not import: {type(exc).__name__}: {exc}"
        ) from exc
    cls = getattr(module, class_name, None)
    if cls is None:
        models = sorted(n for n, v in vars(module).items() if isinstance(v, type) and issubclass(v, Model) and v is not Model)
        raise ModelLoadError(f"{reference!r}: no class {class_name!r} in module {module_name!r} "
                             f"(Model subclasses there: {', '.join(models) or 'none'})")
    if not (isinstance(cls, type) and issubclass(cls, Model)):
        raise ModelLoadError(f"{reference!r}: {class_name!r} is not a subclass of mow_model_sdk.Model in {module_name!r}")
    cls.spec()  # validates task and declared parameters
    return cls


@dataclass
class RunningServer:
    """A started server and the address clients should dial."""

    server: grpc.Server
    address: str
    health: health.HealthServicer

    def stop(self, grace_s: float = 2.0) -> None:
        """Report NOT_SERVING, then stop; running calls get ``grace_s`` seconds."""
        self.health.enter_graceful_shutdown()
        self.server.stop(grace_s).wait()


def start_server(
    models: Sequence[type[Model]],
    listen: str,
    *,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    max_dataset_bytes: int = DEFAULT_MAX_DATASET_BYTES,
    max_workers: int = 4,
) -> RunningServer:
    """Start serving ``models`` on ``listen`` (``unix:/path`` or ``host:port``; port 0 picks one)."""
    names = [m.model_name() for m in models]
    if not models or len(set(names)) != len(names):
        raise ValueError(f"serve at least one model, each with a unique name; got {names}")
    store = DatasetStore(max_dataset_bytes)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers), options=grpc_options(max_message_bytes))
    _add_fold_service(_servicers().FoldServicer(models, store, max_message_bytes), server)
    report_service_pb2_grpc.add_ReportServiceServicer_to_server(_servicers().ReportServicer(models, store), server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (FOLD_SERVICE, REPORT_SERVICE, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    port = server.add_insecure_port(listen)
    if port == 0 and not listen.startswith("unix:"):
        raise OSError(f"could not listen on {listen!r}")
    server.start()
    for service in ("", FOLD_SERVICE, REPORT_SERVICE):
        health_servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    address = listen if listen.startswith("unix:") else f"{listen.rsplit(':', 1)[0]}:{port}"
    return RunningServer(server, address, health_servicer)


def _add_fold_service(servicer, server: grpc.Server) -> None:
    """What the generated ``add_FoldServiceServicer_to_server`` does, except that PutDataset
    reads its chunks with :func:`~.uploads.decode_chunk` (no copy of the data; 1.2x the
    upload rate measured with bench/bench_dataplane.py)."""
    from .uploads import decode_chunk

    def handler(kind, method, request, response=fold_service_pb2.DatasetInfo):
        return kind(method, request_deserializer=request, response_serializer=response.SerializeToString)

    handlers = {
        "Describe": handler(grpc.unary_unary_rpc_method_handler, servicer.Describe,
                            fold_service_pb2.DescribeRequest.FromString, fold_service_pb2.DescribeResponse),
        "HasDataset": handler(grpc.unary_unary_rpc_method_handler, servicer.HasDataset,
                              fold_service_pb2.HasDatasetRequest.FromString),
        "PutDataset": handler(grpc.stream_unary_rpc_method_handler, servicer.PutDataset, decode_chunk),
        "DropDataset": handler(grpc.unary_unary_rpc_method_handler, servicer.DropDataset,
                               fold_service_pb2.DropDatasetRequest.FromString),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(FOLD_SERVICE, handlers),))
    server.add_registered_method_handlers(FOLD_SERVICE, handlers)


def _servicers():
    from . import servicers  # imported late: keeps `import mow_model_sdk` light

    return servicers


#: Seconds after a stop request by which the process exits even if model code still runs.
HARD_EXIT_S = 5.0
#: Seconds between checks that the parent process is still alive.
STOP_POLL_S = 0.2


def stop_on_signals() -> list[int]:
    """Make SIGINT and SIGTERM request a stop; returns the list the signals are recorded in.

    The handler only appends to a list: anything that takes a lock (``Event.set``) can
    deadlock when a second signal interrupts the first handler while it holds that lock.
    """
    requested: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _frame: requested.append(signum))
    return requested


def owner_gone(lock_fd: int) -> bool:
    """True once nobody holds the exclusive ``flock`` on the open file ``lock_fd``: the
    orchestrator that started this server (in a container, where it is no parent process)
    holds it for the server's whole life, and the kernel releases it when that process dies."""
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    fcntl.flock(lock_fd, fcntl.LOCK_UN)
    return True


def serve_forever(running: RunningServer, *, parent_pid: int | None = None, owner_lock_fd: int | None = None,
                  grace_s: float = 2.0, requested: list[int] | None = None) -> None:
    """Block until SIGINT/SIGTERM, process ``parent_pid`` is no longer our parent, or the
    owner's lock on ``owner_lock_fd`` is released (:func:`owner_gone`); then stop.

    Running calls get ``grace_s`` seconds; a model stuck in ``fit`` would keep the worker
    threads (and so the process) alive, so the process exits ``HARD_EXIT_S`` seconds after
    the stop request whatever its threads are doing. ``requested``: the record of
    :func:`stop_on_signals` when the caller installed the handlers earlier.
    """
    if requested is None:
        requested = stop_on_signals()
    while not requested:
        if parent_pid is not None and os.getppid() != parent_pid:
            break
        if owner_lock_fd is not None and owner_gone(owner_lock_fd):
            break
        time.sleep(STOP_POLL_S)  # a signal cuts the sleep short
    hard_exit = threading.Timer(grace_s + HARD_EXIT_S, os._exit, args=(0,))
    hard_exit.daemon = True
    hard_exit.start()
    running.stop(grace_s)
