"""report.json against the study storage and the data: the numbers must match."""

from __future__ import annotations

import statistics

import numpy as np
import optuna
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from .conftest import DATA

TRIAL_FIELDS = ("number", "state", "value", "params")


def rmse(a, b) -> float:
    return float(np.sqrt(np.mean((np.asarray(a, dtype=float) - np.asarray(b, dtype=float)) ** 2)))


def test_json_numbers_match_the_study_storage(ridge_run):
    report = ridge_run.report
    study = optuna.load_study(study_name="weather", storage=ridge_run.storage)
    trials = study.get_trials()
    assert report["status"] == "complete" and report["report_version"] == 2
    assert report["counts"] == {s.name.lower(): sum(t.state == s for t in trials) for s in optuna.trial.TrialState}
    assert report["best"]["number"] == study.best_trial.number
    assert report["best"]["value"] == pytest.approx(study.best_value)
    assert report["best"]["params"] == study.best_params
    assert len(report["trials"]) == len(trials)
    for row, trial in zip(report["trials"], trials, strict=True):
        assert row["number"] == trial.number and row["state"] == trial.state.name.lower()
        assert row["params"] == trial.params
        assert row["value"] == (pytest.approx(trial.value) if trial.value is not None else None)
        assert row["value_is_partial"] == (trial.state == optuna.trial.TrialState.PRUNED)  # last window, not a mean
        assert row["windows"] == trial.user_attrs.get("windows", [])
        assert row["duration_s"] == pytest.approx(trial.duration.total_seconds())
        # the windows reported to Optuna as intermediate values are the per-window scores
        assert [w["score"] for w in row["windows"]] == pytest.approx(
            [trial.intermediate_values[i] for i in sorted(trial.intermediate_values)])
    by_state = report["cost"]["by_state"]
    for state in ("complete", "pruned", "fail"):
        chosen = [t for t in trials if t.state.name.lower() == state]
        assert by_state[state]["trials"] == len(chosen)
        assert by_state[state]["seconds"] == pytest.approx(sum(t.duration.total_seconds() for t in chosen))
    importances = report["importances"]
    assert set(importances["values"]) == set(study.best_params)
    assert sum(importances["values"].values()) == pytest.approx(1.0)


def test_validation_reruns_the_best_trial_on_the_same_windows(ridge_run):
    report = ridge_run.report
    study = optuna.load_study(study_name="weather", storage=ridge_run.storage)
    stored = study.user_attrs["validation"]
    best_windows = study.best_trial.user_attrs["windows"]
    windows = report["validation"]["windows"]
    assert [w["id"] for w in windows] == [w["id"] for w in best_windows]
    # Ridge is deterministic: the rerun reproduces the trial's scores
    assert [w["score"] for w in windows] == pytest.approx([w["score"] for w in best_windows])
    assert report["validation"]["max_score_difference_to_trial"] == pytest.approx(0, abs=1e-9)
    assert windows == stored["windows"]
    scores = [w["score"] for w in windows]
    stability = report["stability"]
    assert stability["mean"] == pytest.approx(statistics.fmean(scores))
    assert stability["std"] == pytest.approx(statistics.stdev(scores))
    assert stability["worst_window"]["score"] == pytest.approx(max(scores))  # rmse: larger is worse
    assert stability["worst_window"]["id"] == windows[scores.index(max(scores))]["id"]
    assert all(w["default_score"] is not None and w["baselines"] for w in windows)


def test_holdout_scores_recomputed_from_the_data_and_the_predictions(ridge_run):
    report = ridge_run.report
    holdout = report["holdout"]
    predictions = pq.read_table(ridge_run.run_dir / "predictions.parquet")
    rows = predictions.filter(predictions.column("part").to_numpy(zero_copy_only=False) == "holdout")
    actual, tuned = rows.column("actual").to_numpy(), rows.column("tuned").to_numpy()
    assert holdout["score"] == pytest.approx(rmse(actual, tuned))
    assert holdout["default_score"] == pytest.approx(rmse(actual, rows.column("defaults").to_numpy()))
    # the holdout is the last 20% of the rows left after the largest lag (7) drops the first rows
    raw = pa_csv.read_csv(DATA).column("temp_max").to_numpy()[7:]
    n_holdout = int(len(raw) * 0.2)
    assert holdout["holdout_rows"] == [len(raw) - n_holdout, len(raw)]
    assert actual.tolist() == pytest.approx(raw[-n_holdout:].tolist())
    # the naive baseline, computed independently: yesterday's value (the smallest target lag is 1)
    expected_last = rmse(raw[-n_holdout:], raw[-n_holdout - 1:-1])
    baselines = {b["name"]: b for b in holdout["baselines"]}
    assert baselines["last value"]["score"] == pytest.approx(expected_last)
    assert baselines["seasonal naive"]["score"] == pytest.approx(rmse(raw[-n_holdout:], raw[-n_holdout - 7:-7]))
    strongest = min(holdout["baselines"], key=lambda b: b["score"])
    assert holdout["baseline"] == {"name": strongest["name"], "score": strongest["score"]}
    assert holdout["gain_vs_baseline_pct"] == pytest.approx(100 * (strongest["score"] - holdout["score"]) / strongest["score"])
    # and the windows' predictions give the windows' scores
    for w in report["validation"]["windows"]:
        part = predictions.filter(predictions.column("window").to_numpy(zero_copy_only=False) == w["id"])
        assert w["score"] == pytest.approx(rmse(part.column("actual").to_numpy(), part.column("tuned").to_numpy()))


def test_markdown_states_the_holdout_numbers(ridge_run):
    text = (ridge_run.run_dir / "report.md").read_text()
    holdout = ridge_run.report["holdout"]
    assert f"**{holdout['score']:.4g}**" in text
    assert "baseline: last value" in text and "model defaults" in text
