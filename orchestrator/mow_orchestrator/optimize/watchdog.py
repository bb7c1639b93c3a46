"""Cancel a streaming call that runs past its trial or window time limit."""

from __future__ import annotations

import threading
import time


class Watchdog:
    """Cancels ``call`` when the trial runs longer than ``trial_s`` seconds, or when
    ``window_s`` seconds pass without a report. Use as a context manager; call
    :meth:`kick` on every report. ``reason`` says why it fired (None if it did not).
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
        if self.trial_s or self.window_s:
            self._thread = threading.Thread(target=self._watch, name="mow-watchdog", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def kick(self) -> None:
        self._last = time.monotonic()

    def _deadline(self) -> tuple[float, str]:
        candidates = []
        if self.trial_s:
            candidates.append((self._started + self.trial_s, f"the trial ran longer than trial_timeout_s={self.trial_s:g} s"))
        if self.window_s:
            candidates.append((self._last + self.window_s, f"a window ran longer than window_timeout_s={self.window_s:g} s"))
        return min(candidates)

    def _watch(self) -> None:
        while True:
            deadline, reason = self._deadline()
            if self._done.wait(max(0.0, deadline - time.monotonic())):
                return
            if time.monotonic() >= self._deadline()[0]:
                self.reason = reason
                self.call.cancel()
                return
