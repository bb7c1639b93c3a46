"""Ctrl-C/SIGTERM handling in the orchestrator process: when a signal raises and when it waits."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from mow_orchestrator import interrupt


@pytest.fixture
def handlers():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    saved_hook = sys.unraisablehook
    interrupt.INTERRUPTED.clear()
    interrupt.handle_signals()
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    sys.unraisablehook = saved_hook
    interrupt.INTERRUPTED.clear()


def _deliver(sig: int) -> None:
    os.kill(os.getpid(), sig)
    time.sleep(0.05)  # the handler runs at the next bytecode boundary of the main thread


def test_outside_the_optimization_loop_a_signal_raises_at_once(handlers):
    with pytest.raises(KeyboardInterrupt):
        _deliver(signal.SIGTERM)
    assert interrupt.INTERRUPTED.is_set() and interrupt.exit_code() == 143


def test_inside_the_loop_the_first_signal_waits_for_a_check_and_a_second_one_does_not(handlers):
    with interrupt.deferred():
        _deliver(signal.SIGINT)  # no exception here: Optuna's bookkeeping might be running
        assert interrupt.INTERRUPTED.is_set() and interrupt.exit_code() == 130
        with pytest.raises(KeyboardInterrupt):
            interrupt.check()
        with pytest.raises(KeyboardInterrupt):
            _deliver(signal.SIGINT)  # the user insists


def test_an_interrupt_swallowed_by_a_gc_callback_prints_no_traceback(handlers, capsys):
    class Unraisable:
        exc_value = KeyboardInterrupt()

    interrupt.INTERRUPTED.set()
    sys.unraisablehook(Unraisable())
    assert capsys.readouterr().err == ""
