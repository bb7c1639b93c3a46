"""Helpers for tests that run `mow-orchestrate` as a separate process (no fixtures here:
the ``marker`` fixture lives in conftest.py)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from support import ROOT, processes_with_marker

EXAMPLE = ROOT / "examples" / "seattle_weather"
CLI = [sys.executable, "-m", "mow_orchestrator.cli"]


def write_config(tmp_path: Path, *, model: str = "model:RidgeForecaster", model_path: Path = EXAMPLE,
                 n_trials: int = 4, extra: str = "", target: str = "temp_max", windows: str = "") -> Path:
    text = f"""
[study]
name = "t"
n_trials = {n_trials}
metric = "rmse"

[data]
path = "{EXAMPLE / 'data' / 'seattle-weather.csv'}"
time_column = "date"
target = "{target}"
features = ["temp_min"]
lags = {{ temp_max = [1, 2] }}

[windows]
{windows or 'train = { low = 60, high = 180, step = 60 }'}
validation = 30
max_windows = 4

[model]
entrypoint = "{model}"
path = "{model_path}"

[output]
dir = "{tmp_path / 'runs'}"
{extra}
"""
    path = tmp_path / "study.toml"
    path.write_text(text)
    return path


def run_cli(*args: str, marker: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOW_TEST_MARKER": marker, "COLUMNS": "200"}
    return subprocess.run([*CLI, *args], env=env, text=True, capture_output=True, timeout=timeout, **kwargs)


def start_cli(*args: str, marker: str) -> subprocess.Popen:
    env = {**os.environ, "MOW_TEST_MARKER": marker, "COLUMNS": "200"}
    return subprocess.Popen([*CLI, *args], env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def assert_no_leftovers(marker: str, within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while processes_with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with_marker(marker) == [], "a model server process was left running"


def wait_for_complete_trial(run_root: Path, timeout: float = 60) -> Path:
    """Poll the run's SQLite file read-only (never taking a write lock) for a finished trial."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for db in run_root.glob("*/study.db"):
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as conn:
                    (n,) = conn.execute("SELECT count(*) FROM trials WHERE state = 'COMPLETE'").fetchone()
            except sqlite3.Error:
                continue
            if n >= 1:
                return db
        time.sleep(0.2)
    raise AssertionError("no trial completed in time")
