"""Cancel a streaming call that runs past its trial or window time limit, or on Ctrl-C."""

from __future__ import annotations

import threading
import time

from .. import interrupt


class Watchdog:
    """Cancels ``call`` when the trial runs longer than ``trial_s`` seconds, when
    ``window_s`` seconds pass without a report, or when Ctrl-C/SIGTERM arrived (checked
    every ``interrupt.POLL_S`` seconds). Use as a context manager; call :meth:`kick` on
    every report. ``reason`` says why a time limit fired (None if none did).
    """

    def __init__(self, call, *, trial_s: float | None, window_s: float | None) -> None:
        self.call = call
        self.trial_s = trial_s
        self.window_s = window_s
        self.reason: str | None = None
        self._started = time.monotonic()
        self._last = self._started
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "Watchdog":
        self._thread = threading.Thread(target=self._watch, name="mow-watchdog", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def kick(self) -> None:
        self._last = time.monotonic()

    def _deadline(self) -> tuple[float, str | None]:
        candidates: list[tuple[float, str | None]] = [(float("inf"), None)]
        if self.trial_s:
            candidates.append((self._started + self.trial_s, f"the trial ran longer than trial_timeout_s={self.trial_s:g} s"))
        if self.window_s:
            candidates.append((self._last + self.window_s, f"a window ran longer than window_timeout_s={self.window_s:g} s"))
        return min(candidates)

    def _watch(self) -> None:
        while True:
            deadline, reason = self._deadline()
            if self._done.wait(min(interrupt.POLL_S, max(0.0, deadline - time.monotonic()))):
                return
            if interrupt.INTERRUPTED.is_set():
                self.call.cancel()
                return
            if time.monotonic() >= self._deadline()[0]:
                self.reason = reason
                self.call.cancel()
                return
