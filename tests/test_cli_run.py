"""`mow-orchestrate run` end to end, as separate processes: real model servers,
real gRPC, real SQLite storage. Also: bad input, model errors, Ctrl-C, SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import optuna
import pytest

from cli_support import EXAMPLE, assert_no_leftovers, run_cli, start_cli, wait_for_complete_trial, write_config
from support import ZOO, processes_with_marker


def test_run_end_to_end_writes_report_and_storage(tmp_path, marker):
    result = run_cli("run", str(write_config(tmp_path)), marker=marker)
    assert result.returncode == 0, result.stderr
    assert "Best trial" in result.stdout and "Holdout" in result.stdout
    (run_dir,) = (tmp_path / "runs").iterdir()
    report = json.loads((run_dir / "report.json").read_text())
    assert report["counts"]["complete"] == 4 and report["metric"] == "rmse"
    best = report["best"]
    assert set(best["params"]) == {"alpha", "windows.train"}
    assert len(best["windows"]) == 4 and all(w["n_valid"] == 30 for w in best["windows"])
    assert best["windows"][0]["n_train"] == best["params"]["windows.train"]
    assert best["value"] == pytest.approx(sum(w["score"] for w in best["windows"]) / 4)
    holdout = report["holdout"]
    assert holdout["score"] > 0 and holdout["trial"] == best["number"]
    assert {b["name"] for b in holdout["baselines"]} >= {"last value", "seasonal naive"}
    # the data crossed the wire once: before the first trial, never during one
    assert all(t["bytes_sent"] == 0 for t in report["trials"])
    # Optuna's own tools read the storage
    study = optuna.load_study(study_name="t", storage=f"sqlite:///{run_dir / 'study.db'}")
    assert len(study.trials) == 4 and study.best_value == pytest.approx(best["value"])
    assert study.trials[0].intermediate_values.keys() == {0, 1, 2, 3}
    assert (run_dir / "config.toml").is_file() and (run_dir / "logs" / "model-worker0.log").is_file()
    assert_no_leftovers(marker)

    rebuilt = run_cli("report", str(run_dir), marker=marker)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads((run_dir / "report.json").read_text())["best"] == best


def test_two_workers_run_trials_in_parallel(tmp_path, marker):
    config = write_config(tmp_path, n_trials=6, extra="[backend]\nworkers = 2\n")
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 0, result.stderr
    assert "2 process worker(s)" in result.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert json.loads((run_dir / "report.json").read_text())["counts"]["complete"] == 6
    assert_no_leftovers(marker)


def test_model_exception_fails_trials_with_the_reason(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:FailingModel", model_path=ZOO, n_trials=2,
                          extra="[model.params]\nwhere = \"fit\"\n")
    config.write_text(config.read_text().replace("n_trials = 2\n", "n_trials = 2\nmax_consecutive_failures = 2\n"))
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 1
    assert "No trial completed. Failure: ValueError: boom in fit (window w000)" in result.stdout
    assert "error: stopped after 2 failed trials in a row; last failure: ValueError: boom in fit" in result.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    report = json.loads((run_dir / "report.json").read_text())
    assert report["counts"]["fail"] == 2 and report["best"] is None
    assert_no_leftovers(marker)


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"extra": "[backend]\nbogus = 1\n"}, "backend.bogus: unknown key"),
        ({"target": "no_such_column"}, "data.target: column 'no_such_column' is not in seattle-weather.csv (columns there: date, "),
        ({"target": "weather"}, "data.target: column 'weather' is string, not numeric"),
        ({"windows": "train = 5000"}, "windows: one window needs 5030 rows (train 5000 + gap 0 + validation 30) but the development part has 1168"),
        ({"model": "broken_import:Model", "model_path": ZOO},
         "model server 'broken_import:Model' did not start: model module 'broken_import' does not import: ModuleNotFoundError"),
        ({"model": "zoo_models:ClassifierModel", "model_path": ZOO},
         "study.metric: rmse is for regression but ClassifierModel is a classification model"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, marker, kwargs, expected):
    result = run_cli("run", str(write_config(tmp_path, **kwargs)), marker=marker)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert_no_leftovers(marker)


def test_missing_config_file_exits_2(tmp_path, marker):
    result = run_cli("run", str(tmp_path / "nope.toml"), marker=marker)
    assert result.returncode == 2 and "config file not found" in result.stderr


@pytest.mark.parametrize("model, expected", [
    ("NaNModel", "InvalidPredictions: 30 of 30 predictions are NaN or infinite (the first at validation row 0) (window w000)"),
    ("HugeModel", "InvalidPredictions: rmse of these predictions is inf (values from 1e+308 to 1e+308) (window w000)"),
])
def test_predictions_that_cannot_be_scored_fail_the_trial_with_the_reason(tmp_path, marker, model, expected):
    config = write_config(tmp_path, model=f"zoo_models:{model}", model_path=ZOO, n_trials=1)
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 1
    assert expected in result.stdout + result.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert (run_dir / "report.html").is_file()  # the report says why
    assert_no_leftovers(marker)


def test_what_the_model_logs_and_computes_reaches_the_reports(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:FirstColumnModel", model_path=ZOO, n_trials=1)
    assert run_cli("run", str(config), marker=marker).returncode == 0
    (run_dir,) = (tmp_path / "runs").iterdir()
    windows = json.loads((run_dir / "report.json").read_text())["trials"][0]["windows"]
    assert windows[0]["model_metrics"] == {"n_train": windows[0]["n_train"], "n_features": 3}
    (tmp_path / "mean").mkdir()
    config = write_config(tmp_path / "mean", model="zoo_models:MeanModel", model_path=ZOO, n_trials=1)
    assert run_cli("run", str(config), marker=marker).returncode == 0
    (run_dir,) = (tmp_path / "mean" / "runs").iterdir()
    windows = json.loads((run_dir / "report.json").read_text())["trials"][0]["windows"]
    assert windows[0]["logs"] == [f"mean of {windows[0]['n_train']} rows"]
    assert f"w000: mean of {windows[0]['n_train']} rows" in (run_dir / "report.html").read_text()


def test_panel_data_predictions_name_their_series(tmp_path, marker):
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    days = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-05-01"))
    n = len(days)
    table = pa.table({"day": np.concatenate([days, days]).astype(str), "shop": ["a"] * n + ["b"] * n,
                      "sales": np.concatenate([np.arange(n) % 7, 10 + np.arange(n) % 5]).astype(float)})
    pacsv.write_csv(table, tmp_path / "panel.csv")
    config = tmp_path / "panel.toml"
    config.write_text(f"""
[study]
name = "panel"
n_trials = 1
metric = "mae"
[data]
path = "{tmp_path / 'panel.csv'}"
time_column = "day"
series_column = "shop"
target = "sales"
lags = {{ sales = [1, 7] }}
[windows]
train = 28
validation = 7
max_windows = 3
[model]
entrypoint = "zoo_models:MeanModel"
path = "{ZOO}"
[output]
dir = "{tmp_path / 'runs'}"
""")
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 0, result.stderr
    predictions = pq.read_table(tmp_path / "runs" / "panel" / "predictions.parquet")
    assert predictions.column_names[:6] == ["part", "window", "fold", "row", "time", "series"]
    for part in ("window", "holdout"):
        rows = predictions.filter(pa.compute.equal(predictions["part"], part))
        assert set(rows["series"].to_pylist()) == {"a", "b"}
        assert rows.num_rows == 2 * len(set(rows["time"].to_pylist()))  # every series at every time
    assert_no_leftovers(marker)


def test_ctrl_c_stops_model_server_and_keeps_completed_trials(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:SlowModel", model_path=ZOO, n_trials=50,
                          extra='[model.params]\nseconds = 0.1\n')
    proc = start_cli("run", str(config), marker=marker)
    try:
        db = wait_for_complete_trial(tmp_path / "runs")
        assert processes_with_marker(marker)  # the model server is running
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "interrupted; model servers stopped" in err and "Traceback" not in err
    assert f"`mow-orchestrate report {db.parent}` writes the report of what finished" in err
    assert_no_leftovers(marker)
    rebuilt = run_cli("report", str(db.parent), marker=marker)
    assert rebuilt.returncode == 0 and (db.parent / "report.html").is_file()
    study = optuna.load_study(study_name="t", storage=f"sqlite:///{db}")
    assert len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))) >= 1
    failed = study.get_trials(states=(optuna.trial.TrialState.FAIL,))
    assert all(t.user_attrs["failure"].startswith("interrupted") for t in failed)  # the one cut short, if any


def test_sigterm_is_handled_like_ctrl_c(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:SlowModel", model_path=ZOO, n_trials=50,
                          extra='[model.params]\nseconds = 0.1\n')
    proc = start_cli("run", str(config), marker=marker)
    try:
        wait_for_complete_trial(tmp_path / "runs")
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 143  # 128 + SIGTERM
    assert_no_leftovers(marker)


def test_sigkill_of_the_orchestrator_leaves_no_model_server(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:SlowModel", model_path=ZOO, n_trials=50,
                          extra='[model.params]\nseconds = 0.1\n')
    proc = start_cli("run", str(config), marker=marker)
    try:
        wait_for_complete_trial(tmp_path / "runs")
        assert processes_with_marker(marker)
        proc.kill()
        proc.wait(10)
    finally:
        proc.kill()
    assert_no_leftovers(marker, within_s=10)


def test_address_backend_uses_a_server_that_is_already_running(tmp_path, marker):
    env = {**os.environ, "PYTHONPATH": str(EXAMPLE)}
    server = subprocess.Popen(
        [sys.executable, "-m", "mow_model_sdk", "serve", "model:RidgeForecaster", "--listen", "127.0.0.1:0"],
        env=env, text=True, stdout=subprocess.PIPE, cwd=EXAMPLE,
    )
    try:
        address = server.stdout.readline().split()[1]
        config = write_config(tmp_path, n_trials=2, extra=f'[backend]\nkind = "address"\naddresses = ["{address}"]\n')
        result = run_cli("run", str(config), marker=marker)
        assert result.returncode == 0, result.stderr
        assert f"address {address}" in result.stderr
        assert server.poll() is None  # not ours to stop
    finally:
        server.terminate()
        server.wait(10)


def test_address_backend_with_nothing_listening_exits_2(tmp_path, marker):
    config = write_config(tmp_path, extra='[backend]\nkind = "address"\naddresses = ["127.0.0.1:9"]\nstart_timeout_s = 1\n')
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 2 and "no model server is serving at '127.0.0.1:9'" in result.stderr


def test_report_on_a_folder_without_a_study_exits_2(tmp_path, marker):
    result = run_cli("report", str(tmp_path), marker=marker)
    assert result.returncode == 2 and "no study.db here" in result.stderr


def test_version(marker):
    result = run_cli("--version", marker=marker)
    assert result.returncode == 0 and result.stdout.startswith("mow-orchestrate 0.1.0 (model SDK 0.1.0, protocol mow.v1)")
