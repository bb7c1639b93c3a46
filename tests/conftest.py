"""Shared fixtures: a real SDK server in-process, and helpers to find leftovers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

ROOT = Path(__file__).resolve().parent.parent
ZOO = Path(__file__).resolve().parent / "zoo"
sys.path.insert(0, str(ZOO))


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


def processes_with_marker(marker: str) -> list[int]:
    """PIDs of live processes whose environment contains ``MOW_TEST_MARKER=marker``."""
    needle = f"MOW_TEST_MARKER={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes():
                status = (entry / "status").read_text()
                if "State:\tZ" not in status:
                    found.append(int(entry.name))
        except OSError:
            continue
    return found
