"""Run a whole study: data, model servers, Optuna, validation and holdout score, reports."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from mow_model_sdk.params import decode_value

from ..client import EncodedDataset
from ..config import MowConfig
from ..containers import ModelPool, RunningModel, make_backend
from ..data import Split, plan_for, prepare, read_table, resolve_source, split_holdout
from ..errors import ConfigError, ModelFailure, ModelStartError
from ..metrics import Metric, get_metric
from ..reports import ReportPaths, write_reports
from .objective import Objective, TrialSetup
from .search_space import global_space, model_space
from .validation import ValidationInputs, validate_best

TrialCallback = Callable[[optuna.Study, optuna.trial.FrozenTrial], None]

_TASK_NAMES = {1: "regression", 2: "classification", 3: "forecasting"}


@dataclass
class RunResult:
    """Where a run wrote its files, and the report it built."""

    run_dir: Path
    storage: str
    study_name: str
    report: dict[str, Any]
    """The content of ``report.json``."""
    paths: ReportPaths


def load_split(config: MowConfig, metric: Metric) -> Split:
    """Read, prepare and split the dataset; checks that at least one window fits."""
    raw = read_table(resolve_source(config.data), config.data.format)
    prepared = prepare(raw, config.data, numeric_target=metric.numeric_target, features=config.features)
    split = split_holdout(prepared, config.holdout)
    plan_for(split, config.windows, config.folds)  # raises when a fold holds no window
    return split


def new_run_dir(config: MowConfig) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = config.output.dir / f"{config.study.name}-{stamp}"
    suffix = 1
    while run_dir.exists():
        suffix += 1
        run_dir = config.output.dir / f"{config.study.name}-{stamp}-{suffix}"
    run_dir.mkdir(parents=True)
    return run_dir


def run_study(
    config: MowConfig,
    *,
    run_dir: Path | None = None,
    callbacks: Sequence[TrialCallback] = (),
    on_event: Callable[[str], None] = lambda message: None,
    on_optimize_start: Callable[[], None] = lambda: None,
) -> RunResult:
    """Run the study the config describes and write its report.

    Args:
        config: a validated config (see :func:`mow_orchestrator.load_config`).
        run_dir: where to write storage, logs and reports (default: a new folder
            ``<output.dir>/<study.name>-<timestamp>``).
        callbacks: called after every trial, e.g. to drive a progress bar.
        on_event: receives one-line messages about the stages of the run.
        on_optimize_start: called once the servers are up, just before the first trial.

    Raises:
        UserError: bad config or data, or a model that does not start; nothing
            is left running.
    """
    metric = get_metric(config.study.metric)
    split = load_split(config, metric)
    run_dir = run_dir or new_run_dir(config)
    if config.source:
        shutil.copyfile(config.source, run_dir / "config.toml")
    storage = config.study.storage or f"sqlite:///{run_dir / 'study.db'}"
    dev = EncodedDataset.from_table(split.dev)
    on_event(f"data: {split.n_dev} development rows, {split.n_holdout} held out, {len(split.prepared.feature_columns)} features")

    backend = make_backend(config, run_dir / "logs", run_id=run_dir.name)
    with ModelPool(backend, config.backend.workers, on_event) as pool:
        servers = pool.servers  # live list: a server that dies is replaced in it
        spec = _model_spec(servers[0], config, metric)
        on_event(f"model: {spec.name} ({_TASK_NAMES.get(spec.task, 'unknown task')}) on {config.backend.workers} "
                 f"{config.backend.kind} worker(s): {', '.join(s.description for s in servers)}")
        setup = TrialSetup(
            dataset=dev, target=split.dev.column(split.prepared.target).to_numpy(),
            feature_columns=split.prepared.feature_columns, target_column=split.prepared.target,
            model_name=spec.name, metric=metric, windows_kind=config.windows.kind,
            train_max=config.windows.max_train, validation=config.windows.validation,
            step=config.windows.step_rows, gap=config.windows.gap, max_windows=config.windows.max_windows,
            plan=plan_for(split, config.windows, config.folds),
        )
        model_dims, global_dims = model_space(spec, config.model.params), global_space(config.windows)
        study = _create_study(config, storage, metric)
        study.set_user_attr("metric", metric.name)
        study.set_user_attr("model", spec.name)
        study.set_user_attr("n_dev_rows", split.n_dev)
        study.set_user_attr("n_holdout_rows", split.n_holdout)
        study.set_user_attr("task", _task(spec.task, metric))
        study.set_user_attr("dataset_bytes", dev.ipc.size)  # Arrow IPC, sent once per server
        pool.upload(dev)  # data crosses the wire once per server, before any trial
        objective = Objective(setup, model_dims, global_dims, pool)
        on_optimize_start()
        study.optimize(
            objective, n_trials=config.study.n_trials, timeout=config.study.timeout_s,
            n_jobs=config.backend.workers, catch=(ModelFailure,), callbacks=list(callbacks),
        )
        target_lags = config.data.lags.get(split.prepared.target, [])
        inputs = ValidationInputs(
            split=split, setup=setup, task=_task(spec.task, metric), model_dims=model_dims,
            declared_defaults={p.name: decode_value(p.default) for p in spec.params if p.HasField("default")},
            target_lag=min(target_lags) if target_lags else None,
        )
        validation = validate_best(study, inputs, servers[0].client, run_dir, on_event)
        if validation is not None:
            study.set_user_attr("validation", validation)

    paths = write_reports(study, run_dir)
    return RunResult(run_dir, storage, study.study_name, paths.data, paths)


def _model_spec(server: RunningModel, config: MowConfig, metric: Metric):
    described = server.client.describe()
    names = [m.name for m in described.models]
    wanted = config.model.name or (names[0] if len(names) == 1 else None)
    if wanted is None:
        raise ConfigError(f"model.name: the server serves several models ({', '.join(names)}); name one")
    for spec in described.models:
        if spec.name == wanted:
            task = _TASK_NAMES.get(spec.task)
            if task == "classification" and metric.numeric_target:
                raise ConfigError(f"study.metric: {metric.name} is for regression but {spec.name} is a classification model")
            return spec
    raise ModelStartError(f"model.name: {wanted!r} is not served by {config.model.entrypoint}; served: {', '.join(names)}")


def _task(kind: int, metric: Metric) -> str:
    """The task name of a ModelSpec's TaskKind (unspecified: guessed from the metric)."""
    return _TASK_NAMES.get(kind) or ("regression" if metric.numeric_target else "classification")


def _create_study(config: MowConfig, storage: str, metric: Metric) -> optuna.Study:
    pruner = optuna.pruners.MedianPruner(n_startup_trials=5) if config.study.pruner == "median" else optuna.pruners.NopPruner()
    return optuna.create_study(
        storage=storage, study_name=config.study.name, direction=metric.direction,
        sampler=optuna.samplers.TPESampler(seed=config.study.seed), pruner=pruner, load_if_exists=True,
    )
