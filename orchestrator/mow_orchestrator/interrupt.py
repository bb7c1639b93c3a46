"""Ctrl-C and SIGTERM: one flag that every layer can check.

A signal raises KeyboardInterrupt in the main thread, which unwinds through the
context managers that stop the model servers. A library call blocked at that
moment may turn the interrupt into an error of its own (a cancelled gRPC call,
say); the flag lets the objective and the CLI still treat it as the
interruption it was.
"""

from __future__ import annotations

import signal
import threading

INTERRUPTED = threading.Event()
_signal_number = [signal.SIGINT]


def _raise_interrupt(signum, frame) -> None:
    _signal_number[0] = signum
    INTERRUPTED.set()
    raise KeyboardInterrupt


def exit_code() -> int:
    """The conventional exit code of the interruption: 128 + signal (130 for Ctrl-C, 143 for SIGTERM)."""
    return 128 + int(_signal_number[0])


def handle_signals() -> None:
    """Route SIGINT and SIGTERM through the flag (call from the main thread)."""
    signal.signal(signal.SIGINT, _raise_interrupt)
    signal.signal(signal.SIGTERM, _raise_interrupt)


def check() -> None:
    """Raise KeyboardInterrupt when an interrupt arrived, even if something swallowed it."""
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt
