"""What several benchmarks share: synthetic tables, a MOW study driven through the
library (ModelPool + Objective, as ``run_study`` does), and the plain in-process
Optuna loop that is the reference for it.

Both sides use the same windows (MOW's own ``TrialSetup.windows``), the same
sampler seed, the same pruner, the same metric and the same model class, so the
only difference is where the model runs and how its data and predictions travel.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

MODELS_MODULE = "models"  # bench/models.py, on the model server's PYTHONPATH
DOCKER_IMAGE = "mow-bench-models:latest"
TARGET = "y"


def synthetic_table(rows: int, features: int, seed: int = 0, noise: float = 1.0) -> pa.Table:
    """``features`` float64 columns ``x0..`` and a target ``y`` that depends on them (plus noise)."""
    rng = np.random.default_rng(seed)
    columns = {f"x{j}": rng.standard_normal(rows) for j in range(features)}
    weights = np.linspace(1.0, 0.1, features)
    y = sum(w * c for w, c in zip(weights, columns.values(), strict=True))
    y = y + np.sin(columns["x0"] * 2) * 2 + noise * rng.standard_normal(rows)
    return pa.table({**columns, TARGET: y})


def feature_names(table: pa.Table) -> tuple[str, ...]:
    return tuple(c for c in table.column_names if c != TARGET)


def feature_matrix(table: pa.Table) -> np.ndarray:
    """The features as a C-ordered float64 matrix: what a plain loop would slice."""
    return np.column_stack([table.column(c).to_numpy() for c in feature_names(table)])


def model_class(name: str):
    import models

    return getattr(models, name)


# -- the MOW side ---------------------------------------------------------------------------------

def process_backend(log_dir: Path, model: str):
    from mow_orchestrator.containers import ProcessBackend

    return ProcessBackend(f"{MODELS_MODULE}:{model}", BENCH, log_dir)


def docker_available() -> bool:
    """An engine answers, the base image and the wheelhouse exist (``make docker-ready``)."""
    try:
        import docker

        client = docker.from_env()
        client.ping()
        client.images.get("mow-base:bookworm")
        return (ROOT / "build" / "wheelhouse").is_dir()
    except Exception:  # noqa: BLE001 (any failure means: no usable engine)
        return False


def docker_backend(log_dir: Path, *, cpus: float = 2.0, memory: str = "4g"):
    """Hardened containers of ``bench/Dockerfile`` (all bench models; the image is built when it changed)."""
    from mow_orchestrator.config import DockerSection
    from mow_orchestrator.containers.docker import DockerBackend, build_image

    build_image(DockerSection(image=DOCKER_IMAGE, build=BENCH, wheelhouse=ROOT / "build" / "wheelhouse",
                              build_args={"BASE_IMAGE": "mow-base:bookworm"}))
    settings = DockerSection(image=DOCKER_IMAGE, transport="unix", memory=memory, cpus=cpus)
    return DockerBackend(settings, run_id="bench", study="bench", log_dir=log_dir)


@dataclass(frozen=True)
class WindowShape:
    """Sliding windows in rows: ``train`` rows, then ``validation`` rows, every ``validation`` rows."""

    train: int
    validation: int
    n_windows: int

    @property
    def rows(self) -> int:
        return self.train + self.validation * self.n_windows


def trial_setup(table: pa.Table, model: str, shape: WindowShape, metric_name: str = "rmse"):
    """MOW's TrialSetup for ``table``: fixed train length, ``shape.n_windows`` windows."""
    from mow_orchestrator.client import EncodedDataset
    from mow_orchestrator.metrics import get_metric
    from mow_orchestrator.optimize.objective import TrialSetup

    metric = get_metric(metric_name)
    return TrialSetup(
        dataset=EncodedDataset.from_table(table), target=table.column(TARGET).to_numpy(),
        feature_columns=feature_names(table), target_column=TARGET, model_name=model, metric=metric,
        windows_kind="sliding", train_max=shape.train, validation=shape.validation, step=shape.validation,
        gap=0, max_windows=shape.n_windows,
    )


def new_study(direction: str, pruner: str = "none"):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    # the pruner MOW builds for study.pruner = "median" (optimize/study.py)
    chosen = optuna.pruners.MedianPruner(n_startup_trials=5) if pruner == "median" else optuna.pruners.NopPruner()
    return optuna.create_study(direction=direction, sampler=optuna.samplers.TPESampler(seed=0), pruner=chosen)


@contextmanager
def mow_objective(backend, setup, workers: int = 1, upload: bool = True):
    """A started ModelPool (dataset uploaded to every server unless ``upload`` is false;
    the first trial then sends it) and MOW's Objective over it."""
    from mow_orchestrator.containers import ModelPool
    from mow_orchestrator.optimize.objective import Objective
    from mow_orchestrator.optimize.search_space import TRAIN_ROWS, Dimension, model_space

    with ModelPool(backend, workers) as pool:
        spec = next(m for m in pool.servers[0].client.describe().models if m.name == setup.model_name)
        if upload:
            pool.upload(setup.dataset)
        train = Dimension(TRAIN_ROWS, "fixed", value=int(setup.train_max))
        yield Objective(setup, {spec.name: model_space(spec, {})}, [train], pool)


def model_seconds(study) -> float:
    """Seconds the model spent in fit + predict over all windows MOW received, from the trials' records."""
    return sum(w["fit_s"] + w["predict_s"] for t in study.trials for w in t.user_attrs.get("windows", []))


# -- the reference: a plain in-process Optuna loop --------------------------------------------------

class InProcessObjective:
    """What a user writes without MOW: slice the same windows of an in-memory matrix,
    call the same model code, score with the same metric, report to Optuna.

    The windows are cut once (a plain loop has nothing to recompute); model
    hyperparameters are suggested with the same names, bounds and order as MOW.
    """

    def __init__(self, table: pa.Table, setup, model: str) -> None:
        self.X = feature_matrix(table)
        self.y = table.column(TARGET).to_numpy()
        self.cls = model_class(model)
        self.metric = setup.metric
        self.train = int(setup.train_max)
        self.windows = [(slice(w.train_start, w.train_stop), slice(w.valid_start, w.valid_stop))
                        for w in setup.windows(self.train)]
        self.dims = [_dimension(p) for p in self.cls.params]
        self.model_seconds = 0.0

    def __call__(self, trial) -> float:
        import optuna

        params = {d.name: d.suggest(trial) for d in self.dims}
        scores = []
        for step, (train, valid) in enumerate(self.windows):
            model = self.cls.build(params)
            t0 = time.perf_counter()
            model.fit(self.X[train], self.y[train])
            predictions = model.predict(self.X[valid])
            self.model_seconds += time.perf_counter() - t0
            scores.append(self.metric(self.y[valid], predictions))
            trial.report(scores[-1], step=step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return statistics.fmean(scores)


def _dimension(param):
    from mow_orchestrator.optimize.search_space import _declared

    return _declared(param.to_proto())


# -- timing -------------------------------------------------------------------------------------------

def seconds_per_trial(study_factory: Callable[[], object], objective, n_trials: int, warmup: int = 2,
                      n_jobs: int = 1) -> float:
    """Wall seconds per trial of ``n_trials`` trials after ``warmup`` ones, on a fresh study."""
    study = study_factory()
    if warmup:
        study.optimize(objective, n_trials=warmup, n_jobs=n_jobs)
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=n_trials, n_jobs=n_jobs)
    return (time.perf_counter() - t0) / n_trials


def interleaved(measures: dict[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Run each measure ``rounds`` times, alternating, and keep each one's median.

    On a shared machine the load drifts; alternating puts MOW and its reference
    under the same drift.
    """
    values: dict[str, list[float]] = {k: [] for k in measures}
    for _ in range(rounds):
        for name, fn in measures.items():
            values[name].append(fn())
    return {k: statistics.median(v) for k, v in values.items()}


def vm_hwm_bytes(pid: int) -> int:
    """Peak resident set size of a process (``VmHWM`` in /proc/<pid>/status), bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")


def single_thread_env() -> None:
    """One BLAS/OpenMP thread per process: scaling comes from workers, not from library threads."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
