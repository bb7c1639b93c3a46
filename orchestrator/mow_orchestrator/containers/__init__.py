"""Container backends: start model servers and hand back connected clients."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from ..client import EncodedDataset
from ..config import MowConfig
from ._base import Backend, RunningModel
from .address import AddressBackend
from .process import ProcessBackend


def make_backend(config: MowConfig, log_dir: Path, run_id: str) -> Backend:
    """The backend the config asks for."""
    backend = config.backend
    if backend.kind == "address":
        return AddressBackend(backend.addresses, start_timeout_s=backend.start_timeout_s)
    if backend.kind == "docker":
        from .docker import DockerBackend  # the docker SDK is imported only when used

        return DockerBackend(backend.docker, run_id=run_id, study=config.study.name, log_dir=log_dir,
                             start_timeout_s=backend.start_timeout_s)
    cpus = len(os.sched_getaffinity(0))
    return ProcessBackend(config.model.entrypoints, config.model.path, log_dir, start_timeout_s=backend.start_timeout_s,
                          threads=max(1, cpus // backend.workers))


class ModelPool:
    """``n_workers`` running model servers, handed out one trial at a time.

    A context manager: every server is stopped on exit, whatever the reason
    (success, error, Ctrl-C). A server that dies is replaced by a fresh one.

    Args:
        backend: starts and stops the servers.
        n_workers: how many servers run at once.
        on_event: receives one-line messages (a replaced server, ...).
    """

    def __init__(self, backend: Backend, n_workers: int, on_event: Callable[[str], None] = lambda m: None) -> None:
        self.backend = backend
        self.n_workers = n_workers
        self.on_event = on_event
        self.servers: list[RunningModel] = []
        self._free: queue.Queue[RunningModel] = queue.Queue()
        self._datasets: list[EncodedDataset] = []
        self._lock = threading.Lock()

    def __enter__(self) -> "ModelPool":
        try:
            self.backend.prepare(self.on_event)
            for worker in range(self.n_workers):
                self._add(self.backend.start(worker))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            servers, self.servers = self.servers, []
        for server in servers:
            self.backend.stop(server)
        self.backend.stop_all()

    def upload(self, dataset: EncodedDataset) -> None:
        """Send ``dataset`` to every server now and to every replacement later."""
        self._datasets.append(dataset)
        for server in list(self.servers):
            server.client.ensure_dataset(dataset)

    def acquire(self) -> RunningModel:
        return self._free.get()

    def release(self, server: RunningModel) -> None:
        self._free.put(server)

    def replace(self, server: RunningModel) -> tuple[RunningModel, str]:
        """Stop a broken server and start a fresh one for its worker; returns it and why the old one broke."""
        reason = self.backend.diagnose(server) or "the model server stopped answering"
        with self._lock:
            if server in self.servers:
                self.servers.remove(server)
        self.backend.stop(server)
        fresh = self.backend.start(server.worker)
        for dataset in self._datasets:
            fresh.client.ensure_dataset(dataset)
        with self._lock:
            self.servers.append(fresh)
        self.on_event(f"worker {server.worker}: {reason}; started a fresh server ({fresh.description})")
        return fresh, reason

    def _add(self, server: RunningModel) -> None:
        with self._lock:
            self.servers.append(server)
        self._free.put(server)


__all__ = ["AddressBackend", "Backend", "ModelPool", "ProcessBackend", "RunningModel", "make_backend"]
