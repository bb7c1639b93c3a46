"""Container benchmarks (issue 4): start to SERVING, dataset upload through the
unix socket, and per-trial cost of Docker against the process backend.

Run: python bench/bench_containers.py [--quick]   (Docker figures need an engine,
`make docker-ready`, and the image mow-test-example:latest, built by the docker tests
or by this script.)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import docker_available
from harness import BenchRun, Figure, command_line, median_time, parse_args  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "seattle_weather"
IMAGE = "mow-test-example:latest"
_BUILT: set[str] = set()


def process_backend(log_dir: Path):
    from mow_orchestrator.containers import ProcessBackend

    return ProcessBackend("model:RidgeForecaster", EXAMPLE, log_dir)


def docker_backend(log_dir: Path, transport: str = "unix"):
    from mow_orchestrator.config import DockerSection
    from mow_orchestrator.containers.docker import DockerBackend, build_image

    settings = DockerSection(image=IMAGE, transport=transport, memory="4g", cpus=2.0)
    if IMAGE in _BUILT:  # once per run: each build sends the wheelhouse to the engine again
        return DockerBackend(settings, run_id="bench", study="bench", log_dir=log_dir)
    _BUILT.add(IMAGE)
    build_image(DockerSection(image=IMAGE, build=EXAMPLE, wheelhouse=ROOT / "build" / "wheelhouse",
                              build_args={"BASE_IMAGE": "mow-base:bookworm"}))
    return DockerBackend(settings, run_id="bench", study="bench", log_dir=log_dir)


def start_seconds(backend, repeat: int) -> float:
    def once():
        model = backend.start(0)
        backend.stop(model)

    once()  # warm: image and page cache
    return median_time(once, repeat)


def upload_rate(backend, table: pa.Table, repeat: int) -> float:
    """MB/s of PutDataset for ``table`` (fresh fingerprint each time)."""
    from mow_orchestrator.client import EncodedDataset

    model = backend.start(0)
    try:
        rates = []
        for i in range(repeat):
            dataset = EncodedDataset.from_table(table.append_column("i", pa.array(np.full(table.num_rows, i))))
            t0 = time.perf_counter()
            model.client.ensure_dataset(dataset)
            rates.append(dataset.ipc.size / (time.perf_counter() - t0) / 1e6)
            model.client.folds.DropDataset(_drop(dataset.fingerprint))
        return float(np.median(rates))
    finally:
        backend.stop(model)


def _drop(fingerprint: str):
    from mow_model_sdk._proto.mow.v1 import fold_service_pb2

    return fold_service_pb2.DropDatasetRequest(fingerprint=fingerprint)


def memcpy_rate(table: pa.Table, repeat: int) -> float:
    from mow_model_sdk.arrow_io import table_to_ipc

    source = np.frombuffer(table_to_ipc(table), dtype=np.uint8)
    target = np.empty_like(source)
    seconds = median_time(lambda: np.copyto(target, source), repeat)
    return source.nbytes / seconds / 1e6


def seconds_per_trial(backend_factories: dict, n_trials: int, rounds: int, log_dir: Path) -> dict[str, float]:
    """Wall seconds per trial of the example study (Ridge, 10 windows) on each backend, servers already up.

    The backends take turns (``rounds`` rounds of ``n_trials`` trials each, median kept): measured
    one after the other, a change in the machine's load between the two phases would show up as
    a difference between the backends.
    """
    import statistics
    from contextlib import ExitStack

    import optuna

    from mow_orchestrator.config import load_config
    from mow_orchestrator.containers import ModelPool
    from mow_orchestrator.metrics import get_metric
    from mow_orchestrator.optimize.objective import Objective, TrialSetup
    from mow_orchestrator.optimize.search_space import global_space, model_space
    from mow_orchestrator.optimize.study import load_split

    config = load_config(EXAMPLE / "study.toml", {"model.entrypoint": "model:RidgeForecaster"})
    metric = get_metric(config.study.metric)
    split = load_split(config, metric)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    times: dict[str, list[float]] = {name: [] for name in backend_factories}
    with ExitStack() as stack:
        objectives = {}
        for name, factory in backend_factories.items():
            pool = stack.enter_context(ModelPool(factory(log_dir), 1))
            spec = next(m for m in pool.servers[0].client.describe().models if m.name == "RidgeForecaster")
            setup = TrialSetup.from_config(config, split, spec.name, metric)
            pool.upload(setup.dataset)
            objectives[name] = Objective(setup, {spec.name: model_space(spec, {})}, global_space(config.windows), pool)
        for _ in range(rounds):
            for name, objective in objectives.items():
                study = optuna.create_study(direction=metric.direction, sampler=optuna.samplers.TPESampler(seed=0))
                study.optimize(objective, n_trials=2)  # warm up
                t0 = time.perf_counter()
                study.optimize(objective, n_trials=n_trials)
                times[name].append((time.perf_counter() - t0) / n_trials)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    run = BenchRun("containers", command_line(), args.quick)
    repeat = 1 if args.quick else 7
    rows = 200_000 if args.quick else 12_500_000  # 12.5 M rows x 2 float64 columns = 200 MB
    rng = np.random.default_rng(0)
    table = pa.table({"a": rng.normal(size=rows), "b": rng.normal(size=rows)})
    have_docker = docker_available()
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp)
        process = process_backend(logs)
        t_process = start_seconds(process, repeat)
        if have_docker:
            docker = docker_backend(logs)
            t_docker = start_seconds(docker, repeat)
            run.add(Figure("start to SERVING, docker vs process backend (example model, imports scikit-learn)",
                           t_docker, t_process, "s", "process backend, same model",
                           target="docker under 3 s", passed=t_docker < 3.0))
        else:
            print("no Docker engine: the docker figures are skipped")
        copy = memcpy_rate(table, repeat)
        up_process = upload_rate(process, table, repeat)
        run.add(Figure("upload through unix socket, process backend", up_process, copy, "MB/s", "memory copy",
                       target=">= 500 MB/s", passed=up_process >= 500 if not args.quick else None))
        if have_docker:
            up_docker = upload_rate(docker, table, repeat)
            run.add(Figure("upload through unix socket, docker", up_docker, copy, "MB/s", "memory copy",
                           target=">= 500 MB/s", passed=up_docker >= 500 if not args.quick else None))
        n = 3 if args.quick else 20
        factories = {"process": lambda d: process_backend(d)}
        if have_docker:
            factories["docker"] = lambda d: docker_backend(d)
        per_trial = seconds_per_trial(factories, n, 1 if args.quick else 3, logs)
        per_process = per_trial["process"]
        if have_docker:
            per_docker = per_trial["docker"]
            run.add(Figure("seconds per trial, docker vs process (example, Ridge, 10 windows)", per_docker,
                           per_process, "s", "process backend", target="ratio <= 1.10",
                           notes="median of 3 alternating rounds" if not args.quick else "",
                           passed=per_docker / per_process <= 1.10 if not args.quick else None))
        process.stop_all()
        if have_docker:
            docker.stop_all()
    print(f"written {run.save()}")


if __name__ == "__main__":
    main()
