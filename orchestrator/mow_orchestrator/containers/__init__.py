"""Container backends: start model servers and hand back connected clients."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from ..config import MowConfig
from ._base import Backend, RunningModel
from .address import AddressBackend
from .process import ProcessBackend


def make_backend(config: MowConfig, log_dir: Path) -> Backend:
    """The backend the config asks for."""
    backend = config.backend
    if backend.kind == "address":
        return AddressBackend(backend.addresses, start_timeout_s=backend.start_timeout_s)
    return ProcessBackend(config.model.entrypoint, config.model.path, log_dir, start_timeout_s=backend.start_timeout_s)


@contextlib.contextmanager
def running_models(backend: Backend, n_workers: int) -> Iterator[list[RunningModel]]:
    """Start ``n_workers`` servers; stop all of them on any exit (error, Ctrl-C)."""
    started: list[RunningModel] = []
    try:
        for worker in range(n_workers):
            started.append(backend.start(worker))
        yield started
    finally:
        for model in started:
            backend.stop(model)
        backend.stop_all()


__all__ = ["AddressBackend", "Backend", "ProcessBackend", "RunningModel", "make_backend", "running_models"]
