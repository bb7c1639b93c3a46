"""Paths and image names shared by the docker tests."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ZOO = ROOT / "tests" / "zoo"
WHEELHOUSE = ROOT / "build" / "wheelhouse"
BASE_IMAGE = os.environ.get("MOW_BASE_IMAGE", "mow-base:bookworm")
EXAMPLE_IMAGE = "mow-test-example:latest"
ZOO_IMAGE = "mow-test-zoo:latest"
