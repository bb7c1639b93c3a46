"""Data plane (issue 7, item 1): a 1 GiB numeric Arrow table into a model server.

MOW's PutDataset (client.ensure_dataset: Arrow IPC in 2 MiB chunks) over a unix
socket and over loopback TCP, against Apache Arrow Flight's do_put of the same
table between two processes (client and server each in a process of its own,
away from grpcio) and against a raw memory copy, the physical ceiling.

Run: python bench/bench_dataplane.py [--quick]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BENCH, process_backend
from harness import BenchRun, Figure, command_line, median_time, parse_args

GIB = 1024**3
FLIGHT = [sys.executable, str(BENCH / "flight_peer.py")]


def numeric_table(nbytes: int, columns: int = 8) -> pa.Table:
    rows = nbytes // (8 * columns)
    rng = np.random.default_rng(0)
    return pa.table({f"c{j}": rng.standard_normal(rows) for j in range(columns)})


def scratch_dir() -> str:
    """A RAM-backed folder when there is one, so reading the table file costs no disk I/O."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


def memcpy_rate(size: int, repeat: int) -> float:
    """MB/s of one process copying ``size`` bytes between two arrays (numpy copyto): the ceiling."""
    source = np.ones(size, dtype=np.uint8)
    target = np.empty_like(source)
    return size / median_time(lambda: np.copyto(target, source), repeat) / 1e6


def flight_rate(location: str, path: str, repeat: int, batch_rows: int) -> float:
    """MB/s of do_put of the table in ``path`` in batches of ``batch_rows``: median over ``repeat`` puts."""
    server = subprocess.Popen([*FLIGHT, "serve", location], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        ready = server.stdout.readline().split()
        if not ready or ready[0] != "READY":
            raise RuntimeError(f"flight server did not start (said {ready!r})")
        out = subprocess.run([*FLIGHT, "put", ready[1], path, str(repeat), str(batch_rows)], check=True, capture_output=True,
                             text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        return result["bytes"] / float(np.median(result["seconds"])) / 1e6
    finally:
        server.stdin.close()
        server.wait(30)


def mow_rate(client, dataset, repeat: int) -> float:
    """MB/s of ensure_dataset (HasDataset + PutDataset until the server holds the decoded table)."""
    from mow_model_sdk._proto.mow.v1 import fold_service_pb2

    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        client.ensure_dataset(dataset)
        seconds.append(time.perf_counter() - t0)
        client.folds.DropDataset(fold_service_pb2.DropDatasetRequest(fingerprint=dataset.fingerprint))
    return dataset.ipc.size / float(np.median(seconds)) / 1e6


def tcp_server(log_dir: Path):
    """The same SDK server as the process backend starts, listening on 127.0.0.1 instead."""
    from mow_model_sdk.cli import READY_PREFIX
    from mow_orchestrator.client import ModelClient

    log = open(log_dir / "tcp.log", "wb")  # noqa: SIM115 (the child writes to it until it stops)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen(
        [sys.executable, "-m", "mow_model_sdk", "serve", "models:NoopModel", "--listen", "127.0.0.1:0",
         "--exit-with-parent"], cwd=BENCH, env=env, stdout=subprocess.PIPE, stderr=log,
        text=True, stdin=subprocess.DEVNULL)
    line = child.stdout.readline()
    if not line.startswith(READY_PREFIX):
        child.kill()
        raise RuntimeError(f"model server on TCP did not start: {line!r}")
    client = ModelClient(line[len(READY_PREFIX):].strip())
    client.wait_serving(30)
    return child, client


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    run = BenchRun("dataplane", command_line(), args.quick)
    size = 16 * 1024**2 if args.quick else GIB
    repeat = 2 if args.quick else 5
    label = f"{size / GIB:g} GiB" if size >= GIB else f"{size // 1024**2} MiB"
    from mow_orchestrator.client import EncodedDataset

    with tempfile.TemporaryDirectory(dir=scratch_dir()) as tmp, tempfile.TemporaryDirectory() as logs:
        table = numeric_table(size)
        path = str(Path(tmp) / "table.arrow")
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        del table
        table = pa.ipc.open_file(pa.memory_map(path)).read_all()  # the same bytes the Flight client maps

        memcpy = memcpy_rate(size, repeat + 2)

        # Flight at its best: record batches as large as MOW's chunks (one 1 GiB batch is 2-4x slower)
        from mow_model_sdk.protocol import DATASET_CHUNK_BYTES

        batch_rows = DATASET_CHUNK_BYTES // (8 * table.num_columns)
        flight_unix = flight_rate(f"grpc+unix://{tmp}/flight.sock", path, repeat, batch_rows)
        flight_tcp = flight_rate("grpc://127.0.0.1:0", path, repeat, batch_rows)

        t0 = time.perf_counter()
        dataset = EncodedDataset.from_table(table)
        encode_s = time.perf_counter() - t0

        backend = process_backend(Path(logs), "NoopModel")
        model = backend.start(0)
        try:
            unix = mow_rate(model.client, dataset, repeat)
            t0 = time.perf_counter()
            model.client.ensure_dataset(EncodedDataset.from_table(table))
            whole_s = time.perf_counter() - t0
        finally:
            backend.stop(model)
            backend.stop_all()
        child, client = tcp_server(Path(logs))
        try:
            tcp = mow_rate(client, dataset, repeat)
        finally:
            client.close()
            child.terminate()
            child.wait(30)

    n = dataset.ipc.size
    target = ">= 0.5x Flight (goal 1.0x)"
    run.add(Figure(f"upload {label}, unix socket (PutDataset vs Flight do_put)", unix, flight_unix, "MB/s",
                   "Arrow Flight do_put, unix socket", target=target, passed=unix / flight_unix >= 0.5,
                   notes=f"median of {repeat} uploads; Flight sends record batches of {batch_rows} rows "
                         f"(2 MiB, MOW's chunk size); both servers decode into a table they hold"))
    run.add(Figure(f"upload {label}, loopback TCP (PutDataset vs Flight do_put)", tcp, flight_tcp, "MB/s",
                   "Arrow Flight do_put, loopback TCP", target=target, passed=tcp / flight_tcp >= 0.5))
    run.add(Figure(f"upload {label}, unix socket, against the ceiling", unix, memcpy, "MB/s",
                   "memory copy (numpy copyto)", notes="share of the physical ceiling; no target"))
    run.add(Figure(f"encode + fingerprint + upload {label}, unix socket", n / whole_s / 1e6, flight_unix, "MB/s",
                   "Arrow Flight do_put, unix socket",
                   notes=f"what a study pays once per dataset; encoding + blake2b alone: {encode_s:.2f} s"))
    print(f"written {run.save()}")


if __name__ == "__main__":
    main()
