"""Pruning savings (issue 7, item 6): the same study with and without Optuna's
MedianPruner (what ``study.pruner = "median"`` builds): model-seconds spent,
wall time and best score reached.

Run: python bench/bench_pruning.py [--quick]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    WindowShape,
    model_seconds,
    mow_objective,
    new_study,
    process_backend,
    single_thread_env,
    synthetic_table,
    trial_setup,
)
from harness import BenchRun, Figure, command_line, parse_args

MODEL = "BoostedTrees"


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    run = BenchRun("pruning", command_line(), args.quick)
    single_thread_env()
    shape = WindowShape(1_000, 100, 5) if args.quick else WindowShape(5_000, 500, 10)
    n_trials = 6 if args.quick else 40
    table = synthetic_table(shape.rows, 10)
    setup = trial_setup(table, MODEL, shape)
    results = {}
    with tempfile.TemporaryDirectory() as logs, mow_objective(process_backend(Path(logs), MODEL), setup) as objective:
        new_study(setup.metric.direction, "none").optimize(objective, n_trials=1)  # warm the server for both
        for pruner in ("none", "median"):
            study = new_study(setup.metric.direction, pruner)
            t0 = time.perf_counter()
            study.optimize(objective, n_trials=n_trials)
            wall = time.perf_counter() - t0
            pruned = sum(t.state.name == "PRUNED" for t in study.trials)
            windows = sum(len(t.user_attrs.get("windows", [])) for t in study.trials)
            results[pruner] = (model_seconds(study), wall, study.best_value, pruned, windows)
    (ms_off, wall_off, best_off, _, win_off), (ms_on, wall_on, best_on, pruned, win_on) = \
        results["none"], results["median"]
    about = f"{n_trials} trials of {shape.n_windows} windows ({shape.train}+{shape.validation} rows), TPE seed 0"
    run.add(Figure("model-seconds (fit + predict), MedianPruner vs none", ms_on, ms_off, "s", "no pruner",
                   notes=f"{about}; {pruned} trials pruned; windows run {win_on} vs {win_off}; "
                         "from the fit/predict seconds of the windows MOW received"))
    run.add(Figure("study wall time, MedianPruner vs none", wall_on, wall_off, "s", "no pruner"))
    run.add(Figure("best RMSE reached, MedianPruner vs none", best_on, best_off, "rmse", "no pruner",
                   notes="lower is better; ratio > 1: the pruner cost some accuracy"))
    print(f"written {run.save()}")


if __name__ == "__main__":
    main()
