"""Paths and helpers shared by the tests (imported as ``support``; a module named
``conftest`` would be ambiguous, since several test folders have one)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZOO = Path(__file__).resolve().parent / "zoo"


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
