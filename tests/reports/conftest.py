"""Real runs for the report tests: `mow-orchestrate run` as a separate process,
real model servers, real SQLite storage. Each run is made once per session."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import ROOT, ZOO, processes_with_marker

EXAMPLE = ROOT / "examples" / "seattle_weather"
DATA = EXAMPLE / "data" / "seattle-weather.csv"
CLI = [sys.executable, "-m", "mow_orchestrator.cli"]
ARTIFACTS = ROOT / "artifacts"


def study_config(tmp: Path, *, model: str = "model:RidgeForecaster", model_path: Path = EXAMPLE, n_trials: int = 8,
                 extra: str = "", max_failures: int = 5) -> Path:
    text = f"""
[study]
name = "weather"
n_trials = {n_trials}
metric = "rmse"
pruner = "median"
max_consecutive_failures = {max_failures}

[data]
path = "{DATA}"
time_column = "date"
target = "temp_max"
features = ["temp_min"]
lags = {{ temp_max = [1, 2, 7] }}

[holdout]
fraction = 0.2

[windows]
train = {{ low = 60, high = 240, step = 60 }}
validation = 30
max_windows = 5

[model]
entrypoint = "{model}"
path = "{model_path}"

[output]
dir = "{tmp / 'runs'}"
{extra}
"""
    path = tmp / "study.toml"
    path.write_text(text)
    return path


def run_cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    marker = uuid.uuid4().hex
    env = {**os.environ, "MOW_TEST_MARKER": marker, "COLUMNS": "200"}
    try:
        return subprocess.run([*CLI, *args], env=env, text=True, capture_output=True, timeout=timeout,
                              check=False)
    finally:
        for pid in processes_with_marker(marker):  # never leak a model server into other tests
            os.kill(pid, signal.SIGKILL)


@dataclass(frozen=True)
class Run:
    result: subprocess.CompletedProcess
    run_dir: Path

    @property
    def report(self) -> dict:
        return json.loads((self.run_dir / "report.json").read_text())

    @property
    def storage(self) -> str:
        return f"sqlite:///{self.run_dir / 'study.db'}"


def _run(tmp: Path, **kwargs) -> Run:
    result = run_cli("run", str(study_config(tmp, **kwargs)))
    run_dirs = list((tmp / "runs").iterdir())
    assert len(run_dirs) == 1, result.stderr
    return Run(result, run_dirs[0])


@pytest.fixture(scope="session")
def ridge_run(tmp_path_factory) -> Run:
    """Ridge on the Seattle weather: 8 trials, median pruning, validation and holdout."""
    run = _run(tmp_path_factory.mktemp("ridge"))
    assert run.result.returncode == 0, run.result.stderr
    return run


@pytest.fixture(scope="session")
def failed_run(tmp_path_factory) -> Run:
    """Every trial fails in the model's fit."""
    run = _run(tmp_path_factory.mktemp("failing"), model="zoo_models:FailingModel", model_path=ZOO, n_trials=3,
               extra='[model.params]\nwhere = "fit"\n', max_failures=3)
    assert run.result.returncode == 1, run.result.stderr
    return run
