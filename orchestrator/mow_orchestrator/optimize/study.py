"""Run a whole study: data, model servers, Optuna, validation and holdout score, reports."""

from __future__ import annotations

import json
import random
import re
import shutil
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import optuna

from mow_model_sdk.params import decode_value

from .. import interrupt
from ..client import EncodedDataset
from ..config import MowConfig
from ..containers import ModelPool, RunningModel, make_backend
from ..data import Split, plan_for, prepare, read_table, resolve_source, split_holdout
from ..errors import ConfigError, ModelFailure, ModelStartError, MowError
from ..metrics import Metric, get_metric
from ..reports import ReportPaths, write_comparison, write_reports
from .objective import Objective, TrialSetup
from .search_space import global_space, model_spaces
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
    """The content of ``report.json`` (empty for a worker that only ran trials)."""
    paths: ReportPaths | None
    stopped: str | None = None
    """Why the run stopped before ``n_trials`` (repeated failures); None when it did not."""


def load_split(config: MowConfig, metric: Metric) -> Split:
    """Read, prepare and split the dataset; checks that at least one window fits."""
    raw = read_table(resolve_source(config.data), config.data.format)
    prepared = prepare(raw, config.data, numeric_target=metric.numeric_target, features=config.features,
                       folds=config.folds, tune=config.tune)
    split = split_holdout(prepared, config.holdout)
    plan_for(split, config.windows, config.folds)  # raises when a fold holds no window
    return split


def run_dir_of(config: MowConfig) -> Path:
    """``<output.dir>/<study.name>``: the same folder every time, so a rerun continues the study."""
    return config.output.dir / config.study.name


def study_dir(config: MowConfig) -> Path:
    """:func:`run_dir_of`, created if needed."""
    run_dir = run_dir_of(config)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"output.dir: cannot create {run_dir}: {exc.strerror or exc}; choose another output.dir") from None
    return run_dir


@dataclass(frozen=True)
class StudyUnit:
    """One Optuna study of a run: every listed model (``model.search = "choose"``) or one of them (``"each"``)."""

    name: str
    run_dir: Path
    """Where this study's reports (and ``predictions.parquet``) go."""
    model: str | None = None
    """The one model this study tunes; None: the config's models."""


def study_units(config: MowConfig, run_dir: Path) -> list[StudyUnit]:
    """The studies a run holds: one, or with ``model.search = "each"`` one per model
    (``<study.name>.<model>``, reports in ``<run_dir>/<model>/``), all in the same storage."""
    if config.model.search == "each":
        return [StudyUnit(f"{config.study.name}.{m}", run_dir / m, m) for m in config.model.names or []]
    return [StudyUnit(config.study.name, run_dir)]


def run_study(
    config: MowConfig,
    *,
    run_dir: Path | None = None,
    callbacks: Sequence[TrialCallback] = (),
    on_event: Callable[[str], None] = lambda message: None,
    on_optimize_start: Callable[[], None] = lambda: None,
    validate: bool = True,
) -> RunResult:
    """Run the study the config describes and write its report.

    Args:
        config: a validated config (see :func:`mow_orchestrator.load_config`).
        run_dir: where to write storage, logs and reports (default:
            ``<output.dir>/<study.name>``; running again continues the study there).
        callbacks: called after every trial, e.g. to drive a progress bar.
        on_event: receives one-line messages about the stages of the run.
        on_optimize_start: called once the servers are up, just before the first trial.
        validate: after the trials, validate the best configuration and score the holdout
            (``False`` for extra workers that only run trials).

    With ``model.search = "each"`` every model gets a study of its own (see :func:`study_units`),
    one after the other on the same servers, and ``report.json`` in ``run_dir`` compares them.

    Raises:
        UserError: bad config or data, or a model that does not start; nothing
            is left running.
    """
    metric = get_metric(config.study.metric)
    split = load_split(config, metric)
    run_dir = run_dir or study_dir(config)
    storage = config.study.storage or f"sqlite:///{run_dir / 'study.db'}"
    units = study_units(config, run_dir)
    # bad storage, directions or a changed setup fail here, before any server starts
    studies = [open_study(config, storage, unit.name) for unit in units]
    if config.source:
        shutil.copyfile(config.source, run_dir / "config.toml")
    dev = EncodedDataset.from_table(split.dev)
    on_event(f"data: {split.n_dev} development rows, {split.n_holdout} held out, {len(split.prepared.feature_columns)} features")

    backend = make_backend(config, run_dir / "logs", run_id=run_dir.name)
    stopped: list[str] = []
    with ModelPool(backend, config.backend.workers, on_event) as pool:
        servers = pool.servers  # live list: a server that dies is replaced in it
        specs = _model_specs(servers[0], config, metric)
        on_event(f"model: {', '.join(f'{s.name} ({_task(s.task, metric)})' for s in specs)} on "
                 f"{config.backend.workers} {config.backend.kind} worker(s): {', '.join(s.description for s in servers)}")
        setup = TrialSetup.from_config(config, split, specs[0].name, metric, dev)
        spaces, global_dims = model_spaces(specs, config.model.params), global_space(config.windows)
        pool.upload(dev)  # data crosses the wire once per server, before any trial
        on_optimize_start()
        for unit, study in zip(units, studies, strict=True):
            if unit.model is not None:
                on_event(f"study {unit.name!r}: model {unit.model}")
            unit_specs, unit_spaces = _unit_space(unit, specs, spaces)
            reason = _run_unit(config, study, unit, replace(setup, model_name=unit_specs[0].name), split, metric,
                               unit_specs, unit_spaces, global_dims, pool, callbacks, on_event, validate)
            if reason:
                stopped.append(reason if unit.model is None else f"{unit.model}: {reason}")
    stop_reason = "; ".join(stopped) or None
    if not validate:
        return RunResult(run_dir, storage, config.study.name, {}, None, stop_reason)
    written = [write_reports(study, unit.run_dir) for unit, study in zip(units, studies, strict=True)]
    if len(units) == 1:
        return RunResult(run_dir, storage, studies[0].study_name, written[0].data, written[0], stop_reason)
    paths = write_comparison(run_dir, config.study.name, [(u.model, u.run_dir, p) for u, p in zip(units, written, strict=True)],
                             storage=storage)
    return RunResult(run_dir, storage, config.study.name, paths.data, paths, stop_reason)


def _unit_space(unit: StudyUnit, specs: list, spaces: dict[str, list]) -> tuple[list, dict[str, list]]:
    """The specs and search spaces of one study: all of them, or one model's with its parameters'
    own names (``alpha``, not ``Ridge.alpha``: that study tunes one model)."""
    if unit.model is None:
        return specs, spaces
    dims = [replace(d, name=d.name.removeprefix(f"{unit.model}.")) for d in spaces[unit.model]]
    return [s for s in specs if s.name == unit.model], {unit.model: dims}


def _run_unit(config: MowConfig, study: optuna.Study, unit: StudyUnit, setup: TrialSetup, split: Split,
              metric: Metric, specs: list, spaces: dict[str, list], global_dims: list, pool: ModelPool,
              callbacks: Sequence[TrialCallback], on_event: Callable[[str], None], validate: bool) -> str | None:
    """Run one study's trials, then validate its best configuration; returns why it stopped early (or None)."""
    spec = specs[0]
    unit.run_dir.mkdir(parents=True, exist_ok=True)
    study.set_user_attr("metric", metric.name)
    study.set_user_attr("model", spec.name if len(specs) == 1 else [s.name for s in specs])
    study.set_user_attr("n_dev_rows", split.n_dev)
    study.set_user_attr("n_holdout_rows", split.n_holdout)
    study.set_user_attr("task", _task(spec.task, metric))
    study.set_user_attr("dataset_bytes", setup.dataset.ipc.size)  # Arrow IPC, sent once per server
    objective = Objective(setup, spaces, global_dims, pool, config.tune, n_trials=config.study.n_trials)
    stopped: TooManyFailures | None = None
    try:
        with interrupt.deferred():  # a signal must not land inside Optuna's own bookkeeping
            optimize(study, objective, config, callbacks, on_event)
    except TooManyFailures as exc:
        stopped = exc  # the reports are still written; RunResult.stopped says why the run ended early
    interrupt.check()
    if not validate:
        return stopped and str(stopped)
    target_lags = config.data.lags.get(split.prepared.target, [])
    spec = _best_model(study, specs)  # with several models: validate the one the best trial chose
    prefix = f"{spec.name}." if len(specs) > 1 else ""
    inputs = ValidationInputs(
        split=split, setup=replace(_best_setup(study, setup), model_name=spec.name),
        task=_task(spec.task, metric),
        model_dims=[replace(d, name=d.name.removeprefix(prefix)) for d in spaces[spec.name]],
        declared_defaults={p.name: decode_value(p.default) for p in spec.params if p.HasField("default")},
        target_lag=min(target_lags) if target_lags else None,
    )
    validation = validate_best(study, inputs, pool.servers[0].client, unit.run_dir, on_event)
    if validation is not None:
        study.set_user_attr("validation", validation)
    interrupt.check()
    return stopped and str(stopped)


def _model_specs(server: RunningModel, config: MowConfig, metric: Metric) -> list:
    """The ModelSpecs of the models to tune, in config order, checked against the metric."""
    described = server.client.describe()
    served = {m.name: m for m in described.models}
    wanted = config.model.names or (list(served) if len(served) == 1 else None)
    if wanted is None:
        raise ConfigError(f"model.name: the server serves several models ({', '.join(served)}); name one or a list")
    missing = [name for name in wanted if name not in served]
    if missing:
        raise ModelStartError(f"model.name: {missing[0]!r} is not served by {' '.join(config.model.entrypoints) or 'the server'}; "
                              f"served: {', '.join(served)}")
    specs = [served[name] for name in dict.fromkeys(wanted)]
    for spec in specs:
        task = _TASK_NAMES.get(spec.task)
        if task == "classification" and metric.numeric_target:
            raise ConfigError(f"study.metric: {metric.name} is for regression but {spec.name} is a classification model")
        if task in ("regression", "forecasting") and not metric.numeric_target:
            raise ConfigError(f"study.metric: {metric.name} is for classification but {spec.name} is a {task} model; "
                              "use rmse, mae, mape, smape, mase or r2")
    return specs


def _best_setup(study: optuna.Study, setup: TrialSetup) -> TrialSetup:
    """The setup with the input columns and target transform the best trial used (as it is
    when there is no best trial)."""
    try:
        return setup.for_trial(study.best_trial)
    except (ValueError, RuntimeError):
        return setup


def _best_model(study: optuna.Study, specs: list):
    """The spec of the model the best trial used (the first model when there is no best trial)."""
    if len(specs) == 1 or len(study.directions) > 1:
        return specs[0]
    try:
        name = study.best_trial.user_attrs.get("model", specs[0].name)
    except ValueError:
        return specs[0]
    return next((s for s in specs if s.name == name), specs[0])


def _task(kind: int, metric: Metric) -> str:
    """The task name of a ModelSpec's TaskKind (unspecified: guessed from the metric)."""
    return _TASK_NAMES.get(kind) or ("regression" if metric.numeric_target else "classification")


def open_study(config: MowConfig, storage_url: str, name: str | None = None) -> optuna.Study:
    """Create the study (``name``, default ``study.name``), or load it to continue; RDB storages
    get heartbeats so that a trial left RUNNING by a killed orchestrator is failed (and retried)
    by the next run.

    Raises:
        ConfigError: the storage cannot be opened, or the study exists with other directions.
    """
    study_cfg = config.study
    name = name or study_cfg.name
    for attempt in range(3):  # workers starting together race to create the tables: the loser retries
        try:
            storage = _rdb_storage(storage_url, study_cfg.heartbeat_s, study_cfg.retries) \
                if storage_url.split(":", 1)[0].split("+")[0] in _RDB_SCHEMES else storage_url
            existing = {s.study_name: s for s in optuna.get_all_study_summaries(storage)}
            break
        except Exception as exc:  # sqlalchemy errors, missing drivers, unreachable hosts
            if attempt < 2 and not isinstance(exc, ImportError):
                time.sleep(0.5 + random.random())
                continue
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"study.storage: cannot open {_redact(storage_url)}: {first}") from None
    _check_search_mode(config, existing, storage_url)
    directions = study_cfg.directions
    if name in existing:
        stored = [d.name.lower() for d in existing[name].directions]
        if stored != directions:
            raise ConfigError(
                f"study.name: study {name!r} already exists in {_redact(storage_url)} with directions "
                f"{stored}, not {directions}; choose another study.name or storage"
            )
    study = optuna.create_study(
        storage=storage, study_name=name, directions=directions,
        sampler=optuna.samplers.TPESampler(seed=_sampler_seed(study_cfg.seed, existing.get(name))),
        pruner=make_pruner(config), load_if_exists=True,
    )
    signature = study_signature(config)
    stored = study.user_attrs.get("signature")
    if stored is None:
        study.set_user_attr("signature", signature)
    elif stored != signature:
        changes = "; ".join(f"{key}: {_short(stored.get(key))} -> {_short(signature.get(key))}"
                            for key in sorted(set(stored) | set(signature)) if stored.get(key) != signature.get(key))
        raise ConfigError(
            f"study.name: study {name!r} in {_redact(storage_url)} was run with another setup ({changes}); "
            "its trials would not be comparable: choose a new study.name or remove the old study"
        )
    return study


def _sampler_seed(seed: int | None, summary: optuna.study.StudySummary | None) -> int | None:
    """The sampler's seed: ``seed`` for a new study; for a continued one, ``seed`` plus its trial
    count, so that a rerun does not replay the first run's random start-up trials."""
    if seed is None or summary is None:
        return seed
    return seed + summary.n_trials


def _check_search_mode(config: MowConfig, existing: dict[str, Any], storage_url: str) -> None:
    """Refuse to mix the two layouts of several models (``model.search``) under one study name."""
    base, search = config.study.name, config.model.search
    per_model = [f"{base}.{m}" for m in config.model.names or [] if f"{base}.{m}" in existing]
    if search == "each" and base in existing:
        raise ConfigError(f"model.search: {_redact(storage_url)} holds study {base!r}, which chose between the models "
                          "in one study (model.search = 'choose'); 'each' needs a new study.name")
    if search == "choose" and per_model:
        raise ConfigError(f"model.search: {_redact(storage_url)} holds one study per model under {base!r} "
                          f"({', '.join(per_model)}: model.search = 'each'); 'choose' needs a new study.name")


def study_signature(config: MowConfig) -> dict[str, Any]:
    """What makes the trials of one study comparable; a rerun or another worker must not change it.

    The trial budget, timeouts, pruner, storage and search ranges may change between runs;
    the data, its preparation, the holdout, the windows and the score may not.
    """
    data = config.data.model_dump(mode="json", exclude={"cache_dir"})
    data["path"] = config.data.path.name if config.data.path else None  # the folder may move
    return _flat(json.loads(json.dumps({
        "study.metric": config.study.metric,
        "study.aggregate": [config.study.aggregate, config.study.aggregate_k, config.study.recency_half_life],
        "study.also_minimize": config.study.also_minimize,
        "data": data,
        "features": config.features.model_dump(mode="json"),
        "holdout": config.holdout.model_dump(mode="json"),
        "windows": config.windows.model_dump(mode="json"),
        "folds": config.folds.model_dump(mode="json"),
    }, default=str)))


def _flat(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"windows": {"train": 3}}`` as ``{"windows.train": 3}``."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _short(value: Any) -> str:
    """A changed value for a one-line message: the differing keys of a section, or the value."""
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


_RDB_SCHEMES = {"sqlite", "postgresql", "mysql"}


#: Seconds a write to a SQLite storage waits for another process to release the database.
SQLITE_BUSY_S = 60.0


def _rdb_storage(url: str, heartbeat_s: int, retries: int) -> optuna.storages.RDBStorage:
    """An RDB storage whose running trials send heartbeats; a stale one is failed and retried."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if hasattr(optuna.storages, "RetryHeartbeatStaleTrialCallback"):  # Optuna >= 4.9
            retry = {"heartbeat_stale_trial_callback": optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=retries)}
        else:
            retry = {"failed_trial_callback": optuna.storages.RetryFailedTrialCallback(max_retry=retries)}
        # SQLite: several local processes (workers, `report`, optuna-dashboard) take turns at the write
        # lock; wait up to SQLITE_BUSY_S for it instead of sqlite3's default 5 s.
        engine = {"connect_args": {"timeout": SQLITE_BUSY_S}} if url.startswith("sqlite") else None
        return optuna.storages.RDBStorage(url, engine_kwargs=engine, heartbeat_interval=heartbeat_s,
                                          grace_period=3 * heartbeat_s, **retry)


def _redact(url: str) -> str:
    """A storage URL without its password."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def make_pruner(config: MowConfig) -> optuna.pruners.BasePruner:
    """The pruner the config names; windows are the pruning steps."""
    kind, startup = config.study.pruner, config.study.pruner_startup_trials
    if kind == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=startup, n_warmup_steps=1)
    if kind == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner()
    if kind == "hyperband":
        return optuna.pruners.HyperbandPruner()
    if kind == "wilcoxon":
        return optuna.pruners.WilcoxonPruner(p_threshold=0.1)
    return optuna.pruners.NopPruner()


class TooManyFailures(MowError):
    """Several trials in a row failed: the run stops instead of burning its budget."""


def optimize(study: optuna.Study, objective, config: MowConfig, callbacks: Sequence[TrialCallback],
             on_event: Callable[[str], None]) -> None:
    """Run trials until ``n_trials`` are finished (complete or pruned) in the study.

    A rerun continues from what the storage holds; other workers sharing the
    storage count too. Raises TooManyFailures after ``max_consecutive_failures``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)  # RUNNING trials of a killed orchestrator: FAIL, then retried
    budget = _Budget(config.study.n_trials)
    done, running = budget.counts(study)
    remaining = config.study.n_trials - done - running
    if remaining <= 0:
        on_event(f"study {study.study_name!r} already has {done} finished trials"
                 + (f" and {running} running" if running else "")
                 + f" (n_trials = {config.study.n_trials}); raise study.n_trials to run more")
        return
    if done or running:
        on_event(f"continuing study {study.study_name!r}: {done} trials finished, {remaining} to go"
                 + (f" ({running} running elsewhere)" if running else ""))
    failures = _FailureStreak(config.study.max_consecutive_failures)
    study.optimize(
        # no trial count here: failed trials do not use the budget; _Budget stops at n_trials finished
        objective, n_trials=None, timeout=config.study.timeout_s, n_jobs=config.backend.workers,
        catch=(ModelFailure,), gc_after_trial=False, callbacks=[budget, failures, *callbacks, _stop_on_interrupt],
    )
    if failures.tripped:
        raise TooManyFailures(
            f"stopped after {failures.limit} failed trials in a row; last failure: {failures.last_reason} "
            "(see report.json; raise study.max_consecutive_failures to keep going)"
        )


def _stop_on_interrupt(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
    """Optuna callback: start no new trial after Ctrl-C/SIGTERM (the caller then checks the flag)."""
    if interrupt.INTERRUPTED.is_set():
        study.stop()


class _Budget:
    """Optuna callback: stop once finished plus running trials reach ``n_trials``.

    Running trials of every worker sharing the storage count, so several
    workers together run ``n_trials`` (a worker stops instead of starting a trial
    that another one already covers).
    """

    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)

    def __init__(self, n_trials: int) -> None:
        self.n_trials = n_trials

    def counts(self, study: optuna.Study) -> tuple[int, int]:
        trials = study.get_trials(deepcopy=False, states=(*self.finished, optuna.trial.TrialState.RUNNING))
        done = sum(t.state in self.finished for t in trials)
        return done, len(trials) - done

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if sum(self.counts(study)) >= self.n_trials:
            study.stop()


class _FailureStreak:
    """Optuna callback: stop the study after ``limit`` failed trials in a row."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.streak = 0
        self.tripped = False
        self.last_reason = ""
        self._lock = threading.Lock()

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if trial.user_attrs.get("surplus"):
            return
        with self._lock:
            if trial.state != optuna.trial.TrialState.FAIL:
                self.streak = 0
                return
            self.streak += 1
            self.last_reason = trial.user_attrs.get("failure") or trial.system_attrs.get("fail_reason", "unknown")
            if self.streak >= self.limit and not self.tripped:
                self.tripped = True
                study.stop()
