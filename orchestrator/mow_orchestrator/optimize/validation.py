"""Validation after the search: how the best configuration behaves, and what tuning bought.

With the model servers still running, :func:`validate_best`

1. retrains the best trial's configuration on every walk-forward window and
   keeps its predictions (next to the same windows with the model's default
   hyperparameters and the naive baselines of :mod:`.baselines`);
2. fits it once on the last development rows and scores it on the holdout part,
   which no trial saw, next to the defaults and the baselines.

The numbers go into the study's user attribute ``validation`` (so reports can
be rebuilt from the storage alone); predictions go to ``predictions.parquet``
in the run directory. A model failure here is recorded, never raised: the
search's results stay valid and the report says what went wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pyarrow as pa
import pyarrow.parquet as pq

from ..client import EncodedDataset, ModelClient
from ..data import Split, Window
from ..data.plan import final_window, trial_train
from ..errors import DataError, ModelFailure, ModelServerError
from ..metrics import Metric
from .baselines import Season, infer_season, naive_baselines
from .objective import TrialSetup, stream_window_predictions, train_request
from .search_space import Dimension, Value, WindowLengths

#: Version of the ``validation`` study attribute's layout.
VALIDATION_VERSION = 1
PREDICTIONS_FILE = "predictions.parquet"


@dataclass(frozen=True)
class ValidationInputs:
    """What the validation needs besides the study and a server.

    Args:
        split: the prepared rows, development and holdout.
        setup: the trials' setup (windows, metric, columns).
        task: ``forecasting``, ``regression`` or ``classification``.
        model_dims: the study's model parameters; fixed ones are sent with the defaults.
        declared_defaults: the model's declared default of each parameter.
        target_lag: smallest lag of the target among the features, rows (None: no target lag).
        season: season for the seasonal naive baseline (None: inferred from the time column).
    """

    split: Split
    setup: TrialSetup
    task: str
    model_dims: list[Dimension]
    declared_defaults: dict[str, Value]
    target_lag: int | None = None
    season: Season | None = None


@dataclass
class _Run:
    """One configuration's predictions on some windows, or the reason it has none."""

    scores: dict[str, float]
    predictions: dict[str, np.ndarray]
    fit_s: dict[str, float]
    predict_s: dict[str, float]
    error: str | None = None


def validate_best(study: optuna.Study, inputs: ValidationInputs, client: ModelClient, run_dir: Path,
                  on_event: Callable[[str], None] = lambda message: None) -> dict[str, Any] | None:
    """Retrain the best trial on every window and score it once on the holdout.

    Returns the dict stored as the study's ``validation`` user attribute, or
    None when no trial completed (nothing to validate).
    """
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not complete or len(study.directions) > 1:
        return None
    started = time.perf_counter()
    best = study.best_trial
    setup, split = inputs.setup, inputs.split
    params: dict[str, Value] = best.user_attrs.get("model_params", {})
    lengths = WindowLengths.of(best.params, default_train=setup.train_max)  # rows, or a span such as "90D"
    train = lengths.train
    defaults = {d.name: d.value for d in inputs.model_dims if d.kind == "fixed"}
    shown_defaults = {**inputs.declared_defaults, **defaults}
    times = _times(split)
    season = inputs.season or infer_season(times)
    target = split.full.column(split.prepared.target).to_numpy(zero_copy_only=False)

    windows = setup.windows(lengths)
    on_event(f"validation: retraining trial {best.number} and the model's defaults on {len(windows)} windows")
    tuned = _run(client, setup, params, windows, setup.dataset, target)
    default = _run(client, setup, defaults, windows, setup.dataset, target)
    stored_scores = {w["id"]: w["score"] for w in best.user_attrs.get("windows", [])}
    window_rows = []
    parts: list[pa.Table] = []
    for w in windows:
        baselines = naive_baselines(target, task=inputs.task, train_start=w.train_start, train_stop=w.train_stop,
                                    start=w.valid_start, stop=w.valid_stop, target_lag=inputs.target_lag, season=season,
                                    probabilities=_wants_probabilities(setup.metric),
                                    train_rows=w.train_rows, rows=w.valid_rows)
        valid_rows = w.valid_array()
        window_rows.append({
            "id": w.id, "fold": w.fold, **_rows_entry(w),
            "start": _iso(times, int(valid_rows[0])), "end": _iso(times, int(valid_rows[-1])),
            "score": tuned.scores.get(w.id), "trial_score": stored_scores.get(w.id),
            "fit_s": tuned.fit_s.get(w.id), "predict_s": tuned.predict_s.get(w.id),
            "default_score": default.scores.get(w.id),
            "baselines": {b.name: _score(setup.metric, target, b.predictions, w) for b in baselines},
        })
        parts.append(_prediction_part("window", w.id, w.fold, valid_rows, target, times,
                                      tuned.predictions.get(w.id), default.predictions.get(w.id), baselines,
                                      _series(split)))

    reproduced = [abs(r["score"] - r["trial_score"]) for r in window_rows
                  if r["score"] is not None and r["trial_score"] is not None]
    result: dict[str, Any] = {
        "version": VALIDATION_VERSION,
        "trial": best.number,
        "task": inputs.task,
        "metric": setup.metric.name,
        "target": split.prepared.target,
        "params": params,
        "default_params": shown_defaults,
        "train": train,
        "window_lengths": {k: v for k, v in asdict(lengths).items() if v is not None},
        "windows_kind": setup.windows_kind,
        "time_column": split.prepared.time_column,
        "season": asdict(season) if season else None,
        "target_lag": inputs.target_lag,
        "windows": window_rows,
        "windows_error": tuned.error,
        "defaults_error": default.error,
        "max_score_difference_to_trial": max(reproduced) if reproduced else None,
        "holdout": _holdout(inputs, client, params, defaults, lengths, target, times, season, parts, on_event),
    }
    if parts:
        pq.write_table(pa.concat_tables(parts, promote_options="default"), run_dir / PREDICTIONS_FILE)
        result["predictions_file"] = PREDICTIONS_FILE
    result["seconds"] = time.perf_counter() - started
    return result


def _holdout(inputs: ValidationInputs, client: ModelClient, params: dict[str, Value], defaults: dict[str, Value],
             lengths: WindowLengths, target: np.ndarray, times: np.ndarray | None, season: Season | None,
             parts: list[pa.Table], on_event: Callable[[str], None]) -> dict[str, Any]:
    split, setup = inputs.split, inputs.setup
    if split.n_holdout == 0:
        return {"skipped": "holdout.fraction is 0: no rows were held out"}
    try:
        window = _final_window(split, setup, lengths)
    except DataError as exc:
        return {"error": str(exc), "holdout_rows": [split.n_dev, split.full.num_rows]}
    train_start, train_stop = window.train_start, window.train_stop
    full = EncodedDataset.from_table(split.full)  # the holdout rows reach the model only now
    trained_on = (f"{window.n_train} development rows" if window.train_rows is not None
                  else f"rows [{train_start}, {train_stop})")
    on_event(f"holdout: refitting on {trained_on} and scoring {split.n_holdout} unseen rows once")
    try:
        bytes_sent = client.ensure_dataset(full)
    except ModelServerError as exc:
        return {"error": f"could not send the dataset with the holdout rows: {exc}"}
    tuned = _run(client, setup, params, [window], full, target)
    default = _run(client, setup, defaults, [window], full, target)
    baselines = naive_baselines(target, task=inputs.task, train_start=train_start, train_stop=train_stop,
                                start=split.n_dev, stop=split.full.num_rows, target_lag=inputs.target_lag, season=season,
                                probabilities=_wants_probabilities(setup.metric), train_rows=window.train_rows)
    parts.append(_prediction_part("holdout", "holdout", 0, np.arange(split.n_dev, split.full.num_rows), target, times,
                                  tuned.predictions.get("holdout"), default.predictions.get("holdout"), baselines,
                                  _series(split)))
    return {
        "train_rows": None if window.train_rows is not None else [train_start, train_stop],
        "n_train": window.n_train,
        "holdout_rows": [split.n_dev, split.full.num_rows],
        "start": _iso(times, split.n_dev), "end": _iso(times, split.full.num_rows - 1),
        "bytes_sent": bytes_sent,
        "score": tuned.scores.get("holdout"),
        "fit_s": tuned.fit_s.get("holdout"),
        "predict_s": tuned.predict_s.get("holdout"),
        "error": tuned.error,
        "default_score": default.scores.get("holdout"),
        "defaults_error": default.error,
        "baselines": [{"name": b.name, "description": b.description,
                       "score": _score(setup.metric, target, b.predictions, window)} for b in baselines],
    }


def _final_window(split: Split, setup: TrialSetup, lengths: WindowLengths) -> Window:
    """Train rows just before the holdout (same train length and gap as the trial), validate on the holdout."""
    gap = setup.gap if lengths.gap is None else lengths.gap
    if setup.plan is not None:
        return final_window(split, setup.plan, trial_train(lengths.train), trial_train(gap, "windows.gap"))
    train_stop = split.n_dev - int(gap)
    train_start = 0 if setup.windows_kind == "expanding" else max(0, train_stop - int(lengths.train))
    return Window("holdout", train_start, train_stop, split.n_dev, split.full.num_rows)


def _wants_probabilities(metric: Metric) -> bool:
    """Metrics scored on P(class 1) rather than labels get a base-rate baseline."""
    return metric.name in ("log_loss", "roc_auc")


def _score(metric: Metric, target: np.ndarray, predictions: np.ndarray, window: Window) -> float | None:
    """The metric of a baseline on ``window``'s validation rows (None when it does not apply)."""
    truth = target[window.valid_index()]
    try:
        if getattr(metric, "needs_train", False):  # scaled by the train target, e.g. mase
            return metric(truth, predictions, target[window.train_index()])
        return metric(truth, predictions)
    except (ValueError, TypeError):
        return None


def _run(client: ModelClient, setup: TrialSetup, params: dict[str, Value], windows: list[Window],
         dataset: EncodedDataset, target: np.ndarray) -> _Run:
    run = _Run({}, {}, {}, {})
    call = client.train(train_request(setup, params, windows, dataset=dataset))
    try:
        for result, predictions in stream_window_predictions(call, target, setup.metric, windows, setup.transform):
            run.scores[result.id] = result.score
            run.predictions[result.id] = predictions
            run.fit_s[result.id] = result.fit_s
            run.predict_s[result.id] = result.predict_s
    except (ModelFailure, ModelServerError) as exc:
        run.error = str(exc)
    finally:
        call.cancel()
    missing = [w.id for w in windows if w.id not in run.scores]
    if missing and run.error is None:
        run.error = f"the model server returned no predictions for window(s) {', '.join(missing)}"
    return run


def _times(split: Split) -> np.ndarray | None:
    column = split.prepared.time_column
    if column is None:
        return None
    return split.full.column(column).to_numpy(zero_copy_only=False)


def _series(split: Split) -> pa.ChunkedArray | None:
    """The series column of panel data (each prediction row names its series), else None."""
    column = split.prepared.series_column
    return split.full.column(column) if column else None


def _iso(times: np.ndarray | None, row: int) -> str | None:
    if times is None:
        return None
    value = times[row]
    if isinstance(value, np.datetime64):
        return str(np.datetime_as_string(value, unit="s")).removesuffix("T00:00:00")
    return str(value.item() if isinstance(value, np.generic) else value)


def _rows_entry(w: Window) -> dict[str, Any]:
    """A window's rows for the stored validation: ``[start, stop)`` of each part that is a range,
    None for an index array (i.i.d. folds; ``n_train`` / ``n_valid`` give the sizes)."""
    return {
        "train_rows": None if w.train_rows is not None else [w.train_start, w.train_stop],
        "validation_rows": None if w.valid_rows is not None else [w.valid_start, w.valid_stop],
        "n_train": w.n_train, "n_valid": w.n_valid,
    }


def _prediction_part(part: str, window_id: str, fold: int, rows: np.ndarray, target: np.ndarray,
                     times: np.ndarray | None, tuned: np.ndarray | None, default: np.ndarray | None,
                     baselines: list, series: pa.ChunkedArray | None = None) -> pa.Table:
    n = len(rows)
    columns: dict[str, Any] = {
        "part": pa.array([part] * n), "window": pa.array([window_id] * n),
        "fold": pa.array(np.full(n, fold, dtype=np.int32)), "row": pa.array(np.asarray(rows, dtype=np.int64)),
    }
    if times is not None:
        columns["time"] = pa.array(times[rows])
    if series is not None:
        columns["series"] = series.take(pa.array(np.asarray(rows, dtype=np.int64)))
    columns["actual"] = pa.array(target[rows])
    if tuned is not None:
        columns["tuned"] = pa.array(tuned)
    if default is not None:
        columns["defaults"] = pa.array(default)
    for b in baselines:
        columns[f"baseline: {b.name}"] = pa.array(b.predictions)
    return pa.table(columns)
