"""Shared plumbing for benchmarks: a figure is MOW's number next to a reference
measured in the same run, their ratio, and the target it is checked against.

Each ``bench_*.py`` script writes ``bench/results/<name>.json``; ``report.py``
gathers them into BENCHMARKS.md and bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Where each bench writes ``<name>.json``; ``MOW_BENCH_RESULTS`` moves it (quick runs and tests
#: write elsewhere, so they never overwrite the figures of a full run).
RESULTS = Path(os.environ.get("MOW_BENCH_RESULTS") or Path(__file__).resolve().parent / "results")


@dataclass
class Figure:
    """One measured figure. ``ratio`` = mow / reference (what the target bounds)."""

    name: str
    mow: float
    reference: float
    unit: str
    reference_name: str
    target: str = ""
    passed: bool | None = None
    notes: str = ""

    @property
    def ratio(self) -> float:
        return self.mow / self.reference if self.reference else float("nan")


@dataclass
class BenchRun:
    bench: str
    command: str
    quick: bool
    figures: list[Figure] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        if self.quick:  # quick sizes only check that the bench runs: no verdicts on them
            figure.passed = None
        self.figures.append(figure)
        verdict = "" if figure.passed is None else ("  PASS" if figure.passed else "  MISS")
        print(f"{figure.name}: MOW {figure.mow:.4g} {figure.unit} vs {figure.reference_name} "
              f"{figure.reference:.4g} {figure.unit} -> ratio {figure.ratio:.3f}  {figure.target}{verdict}", flush=True)
        return figure

    def save(self) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.bench}.json"
        data = {
            "bench": self.bench, "command": self.command, "quick": self.quick,
            "machine": {"python": platform.python_version(), "cpus": _cpus(), "platform": platform.platform(),
                        "load_average_1m": round(os.getloadavg()[0], 2)},
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "figures": [{**asdict(f), "ratio": f.ratio} for f in self.figures],
        }
        path.write_text(json.dumps(data, indent=2) + "\n")
        return path


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="smallest sizes: checks the benchmark still runs")
    return parser.parse_args()


def command_line() -> str:
    return " ".join(["python", *[a for a in sys.argv if a]])


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
