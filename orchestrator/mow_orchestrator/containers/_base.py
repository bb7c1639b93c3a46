"""What every container backend provides: start a model server, hand back a
connected client, and stop it again no matter how the run ends."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

from ..client import ModelClient


@dataclass
class RunningModel:
    """A model server that reports SERVING, and the client connected to it."""

    worker: int
    client: ModelClient
    description: str
    """Human-readable origin, e.g. ``process 1234`` or ``address 127.0.0.1:50051``."""
    log_path: str | None = None
    _stopped: bool = field(default=False, repr=False)


class Backend(abc.ABC):
    """Starts and stops model servers. Implementations: ``ProcessBackend``, ``AddressBackend``."""

    @abc.abstractmethod
    def start(self, worker: int) -> RunningModel:
        """Start (or connect to) the server for ``worker`` and wait until it serves.

        Raises:
            ModelStartError: it did not start; nothing is left running.
        """

    @abc.abstractmethod
    def stop(self, model: RunningModel) -> None:
        """Stop the server (idempotent) and close the client."""

    def stop_all(self) -> None:  # noqa: B027 (a hook: nothing to do unless a backend needs it)
        """Stop everything this backend started (called on every exit path)."""

    def prepare(self, on_event=lambda message: None) -> None:  # noqa: B027 (a hook, as above)
        """Work done once before the first server starts (e.g. building an image)."""

    def diagnose(self, model: RunningModel) -> str | None:
        """Why ``model``'s server is gone (exit code, OOM, last log line); None if unknown."""
        return None
