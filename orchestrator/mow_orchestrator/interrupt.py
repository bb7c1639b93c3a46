"""Ctrl-C and SIGTERM: one flag that every layer can check.

Outside the optimization loop a signal raises KeyboardInterrupt in the main
thread, which unwinds through the context managers that stop the model servers.
Inside it (:func:`deferred`) the signal only sets the flag: an exception raised
at an arbitrary point of Optuna's own bookkeeping could leave a finished trial
unrecorded. There the running trial's watchdog cancels its gRPC call within
:data:`POLL_S`, and the objective raises KeyboardInterrupt itself (:func:`check`),
which Optuna records as a failed trial before it lets the exception through.
A second signal raises at once, wherever it lands.

The handler takes no lock (a second signal that arrives while the first
handler holds one would deadlock the main thread).
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator

#: Seconds between the checks of the flag by a running trial's watchdog.
POLL_S = 0.1


class _Flag:
    """A lock-free boolean (safe to set from a signal handler)."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def clear(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set


INTERRUPTED = _Flag()
_signal_number = [signal.SIGINT]
_deferred_depth = [0]


def _on_signal(signum, frame) -> None:
    again = INTERRUPTED.is_set()
    _signal_number[0] = signum
    INTERRUPTED.set()
    if _deferred_depth[0] == 0 or again:  # a second Ctrl-C does not wait for a safe point
        raise KeyboardInterrupt


def _quiet_interrupts(unraisable, default=sys.unraisablehook) -> None:
    """A KeyboardInterrupt that landed in a garbage-collector callback cannot propagate; the
    flag already holds it (and :func:`check` raises it again), so do not print a traceback."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt) and INTERRUPTED.is_set():
        return
    default(unraisable)


def exit_code() -> int:
    """The conventional exit code of the interruption: 128 + signal (130 for Ctrl-C, 143 for SIGTERM)."""
    return 128 + int(_signal_number[0])


def handle_signals() -> None:
    """Route SIGINT and SIGTERM through the flag (call from the main thread)."""
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    sys.unraisablehook = _quiet_interrupts


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Within: a signal sets the flag and nothing else; code inside must :func:`check` it."""
    _deferred_depth[0] += 1
    try:
        yield
    finally:
        _deferred_depth[0] -= 1


def check() -> None:
    """Raise KeyboardInterrupt when an interrupt arrived, even if something swallowed it."""
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt
