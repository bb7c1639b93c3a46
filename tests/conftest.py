"""Shared fixtures: a real SDK server in-process, and helpers to find leftovers."""

from __future__ import annotations

import os
import signal
import sys
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `support`, whichever folder pytest starts in
from support import ROOT, ZOO, processes_with_marker  # noqa: E402,F401

sys.path.insert(0, str(ZOO))


@pytest.fixture
def marker():
    """A unique MOW_TEST_MARKER value: processes started with it in their environment are found
    (and killed after the test, so that none leaks into the next one, even on failure)."""
    m = uuid.uuid4().hex
    yield m
    for pid in processes_with_marker(m):
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def make_server():
    """Start real gRPC servers (SDK) on a unix socket or port 0; stopped after the test."""
    from mow_model_sdk.server import start_server

    running = []

    def start(*models, listen=None, tmp=None, **kwargs):
        address = listen or "127.0.0.1:0"
        server = start_server(list(models), address, **kwargs)
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop(0)


@pytest.fixture
def numeric_table() -> pa.Table:
    n = 200
    x = np.arange(n, dtype=np.float64)
    return pa.table({"x": x, "x2": x * 2, "y": x * 3 + 1})
