"""Profile PutDataset: py-spy samples the model server (native frames too) while this
process, under pyinstrument, uploads a table several times.

Run: python bench/profile_upload.py [MiB] [uploads]   (needs py-spy and pyinstrument:
`pip install py-spy pyinstrument`; py-spy may need ptrace permission)
Writes bench/profiles/upload-{server,client}.txt (py-spy, all threads, native frames; idle
threads show as epoll_wait/futex waits) and upload-client-main.txt (pyinstrument).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_dataplane import numeric_table

from common import process_backend

OUT = Path(__file__).resolve().parent / "profiles"


def main() -> None:
    from pyinstrument import Profiler

    from mow_model_sdk._proto.mow.v1 import fold_service_pb2
    from mow_orchestrator.client import EncodedDataset

    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 512
    uploads = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    OUT.mkdir(exist_ok=True)
    dataset = EncodedDataset.from_table(numeric_table(mib * 1024**2))
    with tempfile.TemporaryDirectory() as logs:
        backend = process_backend(Path(logs), "NoopModel")
        model = backend.start(0)
        pid = int(model.description.split()[-1])
        spies = []
        py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
        if py_spy:
            for side, who in (("server", pid), ("client", os.getpid())):
                spies.append(subprocess.Popen(
                    [py_spy, "record", "--pid", str(who), "--native", "--format", "raw", "--rate", "200",
                     "--output", str(OUT / f"upload-{side}.raw")],
                    stdout=subprocess.DEVNULL, stderr=open(OUT / "py-spy.log", "a")))  # noqa: SIM115
            time.sleep(1.5)
        profiler = Profiler(interval=0.001)
        profiler.start()
        t0 = time.perf_counter()
        for _ in range(uploads):
            model.client.ensure_dataset(dataset)
            model.client.folds.DropDataset(fold_service_pb2.DropDatasetRequest(fingerprint=dataset.fingerprint))
        seconds = time.perf_counter() - t0
        profiler.stop()
        for spy in spies:
            spy.send_signal(2)
            spy.wait(30)
        backend.stop(model)
        backend.stop_all()
    (OUT / "upload-client-main.txt").write_text(profiler.output_text(unicode=False, color=False, show_all=False))
    print(f"{uploads} uploads of {dataset.ipc.size / 1e6:.0f} MB: {uploads * dataset.ipc.size / seconds / 1e6:.0f} MB/s")
    for side in ("server", "client"):
        if (OUT / f"upload-{side}.raw").exists():
            print(summarise(OUT / f"upload-{side}.raw", OUT / f"upload-{side}.txt"))


def summarise(raw: Path, out: Path, top: int = 25) -> str:
    """Self time by leaf frame, and inclusive time by frame, from py-spy's collapsed stacks."""
    leaf, inclusive, total = {}, {}, 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames, n = stack.split(";"), int(count)
        total += n
        leaf[frames[-1]] = leaf.get(frames[-1], 0) + n
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n
    lines = [f"{total} samples of the model server during the uploads", "", "self (leaf frames):"]
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in sorted(leaf.items(), key=lambda x: -x[1])[:top]]
    lines += ["", "inclusive:"]
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in sorted(inclusive.items(), key=lambda x: -x[1])[:top]]
    out.write_text("\n".join(lines) + "\n")
    return "\n".join(lines[:top])


if __name__ == "__main__":
    main()
