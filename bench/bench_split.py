"""Holdout split of a 1 GiB Parquet file (issue 3's target): reading, preparing and
splitting it must add no full copy of the table.

Two fresh processes with the same imports read the same file: one only reads it (the
reference), the other runs MOW's whole data path (read_table, prepare, split_holdout into
the development part and the held-out test part, as `mow-orchestrate run` does before it
encodes the upload). Figure: peak RSS (VmHWM) of the second over the first; a full copy of
the table would make it about 2.

Run: python bench/bench_split.py [--quick]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import vm_hwm_bytes
from harness import BenchRun, Figure, command_line, parse_args

GIB = 1024**3
COLUMNS = 15  # float64 features + target; plus a timestamp column


def write_parquet(path: Path, nbytes: int) -> int:
    """A numeric table of about ``nbytes`` in memory with a sorted time column; returns its size in memory."""
    rows = nbytes // (8 * (COLUMNS + 1))
    rng = np.random.default_rng(0)
    columns = {"time": pa.array(np.arange(rows, dtype="int64") * 60_000_000, pa.timestamp("us"))}
    columns |= {f"x{j}": rng.standard_normal(rows) for j in range(COLUMNS - 1)}
    columns["y"] = rng.standard_normal(rows)
    table = pa.table(columns)
    pq.write_table(table, path, compression="none", row_group_size=1 << 20)
    return table.nbytes


def config_text(path: Path) -> str:
    features = ", ".join(f'"x{j}"' for j in range(COLUMNS - 1))
    return f"""
[study]
name = "split-bench"
[data]
path = "{path}"
time_column = "time"
target = "y"
features = [{features}]
[holdout]
fraction = 0.2
[windows]
train = 1000
validation = 100
[model]
entrypoint = "models:NoopModel"
"""


def child(mode: str, config: str) -> None:
    """Run in a fresh process: read only, or MOW's read + prepare + split; print VmHWM."""
    import os

    from mow_orchestrator.config import load_config
    from mow_orchestrator.data import prepare, read_table, resolve_source, split_holdout
    from mow_orchestrator.metrics import get_metric

    cfg = load_config(Path(config))
    raw = read_table(resolve_source(cfg.data), cfg.data.format)
    rows = raw.num_rows
    if mode == "split":
        prepared = prepare(raw, cfg.data, numeric_target=get_metric(cfg.study.metric).numeric_target,
                           features=cfg.features, folds=cfg.folds, tune=cfg.tune)
        del raw  # as in the run: only the split is kept
        split = split_holdout(prepared, cfg.holdout)
        rows = split.n_dev + split.n_holdout
    print(json.dumps({"vm_hwm": vm_hwm_bytes(os.getpid()), "rows": rows}))


def measure(mode: str, config: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(config)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    run = BenchRun("split", command_line(), args.quick)
    size = 32 * 1024**2 if args.quick else GIB
    label = f"{size / GIB:g} GiB" if size >= GIB else f"{size // 1024**2} MiB"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.parquet"
        table_bytes = write_parquet(path, size)
        config = Path(tmp) / "study.toml"
        config.write_text(config_text(path))
        read_only = [measure("read", config) for _ in range(2)]
        split = [measure("split", config) for _ in range(2)]
    reference = min(r["vm_hwm"] for r in read_only)
    mow = min(r["vm_hwm"] for r in split)
    if split[0]["rows"] != read_only[0]["rows"]:
        raise RuntimeError(f"the split lost rows: {split[0]['rows']} of {read_only[0]['rows']}")
    run.add(Figure(f"peak RSS, read + prepare + holdout split of a {label} Parquet file", mow / 2**20,
                   reference / 2**20, "MiB", "read the file only",
                   target="ratio <= 1.25 (a full copy of the table: ~2)", passed=mow / reference <= 1.25,
                   notes=f"table {table_bytes / 2**20:,.0f} MiB in memory, {COLUMNS} float64 columns and a time "
                         "column, holdout 20%; each side the smaller of 2 fresh processes; "
                         f"extra over reading: {(mow - reference) / table_bytes:.2f}x the table"))
    print(f"written {run.save()}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
