"""Memory with overlapping windows (issue 7, item 2): a model server holding a 1 GiB
dataset runs 200 sliding windows over it; its peak RSS (VmHWM) divided by the
dataset size, against a process that materialises each window as its own copy.

Run: python bench/bench_memory.py [--quick]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    WindowShape,
    feature_names,
    mow_objective,
    new_study,
    process_backend,
    synthetic_table,
    trial_setup,
    vm_hwm_bytes,
)
from harness import BenchRun, Figure, command_line, parse_args

GIB = 1024**3
N_WINDOWS = 200
FEATURES = 7  # + the target: 8 float64 columns


def shape_for(rows: int) -> WindowShape:
    validation = rows // (2 * N_WINDOWS)
    return WindowShape(rows - N_WINDOWS * validation, validation, N_WINDOWS)


def mow_peak(table, model: str, shape: WindowShape, logs: Path) -> tuple[int, int]:
    """(VmHWM of the idle server, VmHWM after the upload and one trial of 200 windows), bytes."""
    setup = trial_setup(table, model, shape)
    backend = process_backend(logs, model)
    with mow_objective(backend, setup, upload=False) as objective:
        server = objective.pool.servers[0]
        pid = int(server.description.split()[-1])  # "process <pid>"
        idle = vm_hwm_bytes(pid)
        server.client.ensure_dataset(setup.dataset)
        study = new_study(setup.metric.direction)
        study.optimize(objective, n_trials=1)
        trial = study.trials[0]
        if trial.state.name != "COMPLETE" or trial.user_attrs["n_windows"] != N_WINDOWS:
            raise RuntimeError(f"the trial did not run {N_WINDOWS} windows: {trial.state} {trial.user_attrs}")
        return idle, vm_hwm_bytes(pid)


def materialising_peak(path: str, shape: WindowShape, n_windows: int) -> int:
    """VmHWM of a child that holds the table and copies each window before fitting (bytes)."""
    out = subprocess.run([sys.executable, __file__, "--materialise", path, str(shape.train), str(shape.validation),
                          str(n_windows)], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["vm_hwm"]


def _materialise(path: str, train: int, validation: int, n_windows: int) -> None:
    """Child: read the table into memory, then per window copy its rows out and run the same model."""
    import os

    import numpy as np
    import pyarrow as pa

    from common import TARGET, model_class, vm_hwm_bytes

    table = pa.ipc.open_file(pa.OSFile(path)).read_all()  # read, not mapped: the table lives in this process
    features = [c for c in table.column_names if c != TARGET]
    cls = model_class("TouchModel")
    for k in range(n_windows):
        start = k * validation
        part = table.slice(start, train + validation)
        X = np.column_stack([part.column(c).to_numpy() for c in features])  # the window, copied
        y = part.column(TARGET).to_numpy().copy()
        model = cls.build({})
        model.fit(X[:train], y[:train])
        model.predict(X[train:])
        del X, y, part
    print(json.dumps({"vm_hwm": vm_hwm_bytes(os.getpid())}), flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--materialise":
        _materialise(sys.argv[2], *map(int, sys.argv[3:6]))
        return
    args = parse_args(__doc__.splitlines()[0])
    run = BenchRun("memory", command_line(), args.quick)
    size = 32 * 1024**2 if args.quick else GIB
    rows = size // (8 * (FEATURES + 1))
    shape = shape_for(rows)
    table = synthetic_table(rows, FEATURES)
    nbytes = table.nbytes
    import pyarrow as pa

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "table.arrow")
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        reference = materialising_peak(path, shape, 3)  # the peak comes with the first window already
        results = {}
        for model in ("TouchModel", "TouchArrowModel"):
            results[model] = mow_peak(table, model, shape, Path(tmp) / "logs")
    label = f"{nbytes / GIB:.3g} GiB" if nbytes >= GIB / 4 else f"{nbytes / 1024**2:.0f} MiB"
    window_bytes = (shape.train + shape.validation) * nbytes / rows
    all_copies = N_WINDOWS * window_bytes / nbytes
    common_notes = (f"{rows} rows x {len(feature_names(table))} features + target, {N_WINDOWS} windows of "
                    f"{shape.train}+{shape.validation} rows; reference: a process holding the table that copies "
                    f"each window before fitting (sending every window as its own copy would be "
                    f"{all_copies:.0f}x the dataset on the wire)")
    idle, peak = results["TouchModel"]
    run.add(Figure(f"peak RSS / dataset, {label}, {N_WINDOWS} windows (numpy input)", peak / nbytes,
                   reference / nbytes, "x dataset", "materialise each window", target="MOW <= 1.5x dataset",
                   passed=peak / nbytes <= 1.5 if not args.quick else None,
                   notes=f"idle server {idle / 1024**2:.0f} MiB; " + common_notes))
    idle, peak = results["TouchArrowModel"]
    run.add(Figure(f"peak RSS / dataset, {label}, {N_WINDOWS} windows (arrow input)", peak / nbytes,
                   reference / nbytes, "x dataset", "materialise each window", target="MOW <= 1.5x dataset",
                   passed=peak / nbytes <= 1.5 if not args.quick else None,
                   notes=f"idle server {idle / 1024**2:.0f} MiB"))
    print(f"written {run.save()}")


if __name__ == "__main__":
    main()
