"""Per-trial overhead (issue 7, item 3): a no-op model on 20 windows of 1,000 train
rows. Trials per second through MOW (process backend, and Docker where an engine
runs) against a plain in-process Optuna loop that slices the same windows and
calls the same model code; the difference per window is MOW's overhead.

Run: python bench/bench_overhead.py [--quick] [--no-docker]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    InProcessObjective,
    WindowShape,
    docker_available,
    docker_backend,
    interleaved,
    mow_objective,
    new_study,
    process_backend,
    seconds_per_trial,
    synthetic_table,
    trial_setup,
)
from harness import BenchRun, Figure, command_line

SHAPE = WindowShape(train=1_000, validation=100, n_windows=20)
MODEL = "NoopModel"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smallest sizes: checks the benchmark still runs")
    parser.add_argument("--no-docker", action="store_true", help="skip the Docker figure")
    args = parser.parse_args()
    run = BenchRun("overhead", command_line(), args.quick)
    n_trials, rounds = (5, 1) if args.quick else (60, 5)
    table = synthetic_table(SHAPE.rows, 10)
    setup = trial_setup(table, MODEL, SHAPE)
    reference = InProcessObjective(table, setup, MODEL)
    study = partial(new_study, setup.metric.direction)
    with tempfile.TemporaryDirectory() as logs:
        backends = {"process": partial(process_backend, Path(logs), MODEL)}
        if not args.no_docker and docker_available():
            backends["docker"] = partial(docker_backend, Path(logs))
        per_trial = {}
        for kind, factory in backends.items():
            with mow_objective(factory(), setup) as objective:
                measured = interleaved({
                    "mow": lambda: seconds_per_trial(study, objective, n_trials),
                    "reference": lambda: seconds_per_trial(study, reference, n_trials),
                }, rounds)
            per_trial[kind] = measured
    for kind, measured in per_trial.items():
        mow, ref = measured["mow"], measured["reference"]
        per_window_ms = (mow - ref) / SHAPE.n_windows * 1e3
        run.add(Figure(f"trials/s, no-op model, {SHAPE.n_windows} windows of {SHAPE.train} rows, {kind} backend",
                       1 / mow, 1 / ref, "trials/s", "in-process Optuna loop",
                       notes=f"median of {rounds} alternating rounds of {n_trials} trials"))
        target_ms = 2.0 if kind == "process" else None
        run.add(Figure(f"overhead per window, {kind} backend", per_window_ms, ref / SHAPE.n_windows * 1e3, "ms",
                       "in-process loop, ms per window",
                       target="< 2 ms per window" if target_ms else "",
                       passed=(per_window_ms < target_ms) if (target_ms and not args.quick) else None,
                       notes="(MOW - reference) seconds per trial / windows; the reference column is the "
                             "in-process loop's own cost per window"))
    print(f"written {run.save()}")


if __name__ == "__main__":
    main()
