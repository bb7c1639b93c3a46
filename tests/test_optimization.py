"""Optimization engine end to end (issue 5): metrics, aggregation, pruning,
failure classes, retries, timeouts, resume, multi-objective, bad study settings."""

from __future__ import annotations

import itertools
import json

import numpy as np
import optuna
import pyarrow.parquet as pq
import pytest
from sklearn import metrics as sk

from mow_orchestrator.metrics import METRICS, aggregate

from cli_support import assert_no_leftovers, run_cli, write_config
from support import ROOT, ZOO


def _report(tmp_path):
    (run_dir,) = (tmp_path / "runs").iterdir()
    return run_dir, json.loads((run_dir / "report.json").read_text())


@pytest.mark.parametrize(
    "name, reference, kind",
    [
        ("rmse", lambda y, p: np.sqrt(sk.mean_squared_error(y, p)), "reg"),
        ("mae", sk.mean_absolute_error, "reg"),
        ("mape", lambda y, p: 100 * sk.mean_absolute_percentage_error(y, p), "reg"),
        ("r2", sk.r2_score, "reg"),
        ("accuracy", sk.accuracy_score, "cls"),
        ("balanced_accuracy", sk.balanced_accuracy_score, "cls"),
        ("f1", lambda y, p: sk.f1_score(y, p, average="macro"), "cls"),
        ("log_loss", sk.log_loss, "prob"),
        ("roc_auc", sk.roc_auc_score, "prob"),
    ],
)
def test_metrics_agree_with_scikit_learn(name, reference, kind):
    rng = np.random.default_rng(1)
    if kind == "reg":
        y = rng.normal(size=80) + 3
        p = y + rng.normal(size=80)
    elif kind == "cls":
        y, p = rng.integers(0, 3, 80), rng.integers(0, 3, 80)
    else:
        y, p = rng.integers(0, 2, 80), np.round(rng.random(80), 1)
    assert METRICS[name](y, p) == pytest.approx(reference(y, p))


def test_smape_and_mase():
    y, p = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 2.0])
    assert METRICS["smape"](y, p) == pytest.approx(100 * np.mean([2 / 3, 0, 2 / 3]))
    y_train = np.array([0.0, 1.0, 3.0])  # naive one-step MAE = 1.5
    assert METRICS["mase"](y, p, y_train) == pytest.approx(np.mean([1, 0, 2]) / 1.5)
    with pytest.raises(ValueError, match="needs the train target"):
        METRICS["mase"](y, p)


def test_aggregations():
    scores = [1.0, 2.0, 6.0]
    assert aggregate(scores, "mean", "minimize") == 3.0
    assert aggregate(scores, "median", "minimize") == 2.0
    assert aggregate(scores, "worst", "minimize") == 6.0 and aggregate(scores, "worst", "maximize") == 1.0
    assert aggregate(scores, "mean_std", "minimize", k=1) == pytest.approx(3 + np.std(scores))
    assert aggregate(scores, "mean_std", "maximize", k=1) == pytest.approx(3 - np.std(scores))
    assert aggregate(scores, "recency", "minimize", half_life=1) == pytest.approx((0.25 * 1 + 0.5 * 2 + 6) / 1.75)


def test_median_pruning_cancels_windows_and_saves_model_time(tmp_path, marker):
    extra = '[study]\nname = "t"\nn_trials = 12\npruner = "median"\npruner_startup_trials = 2\n'
    config = write_config(tmp_path, model="zoo_models:MeanModel", model_path=ZOO, n_trials=12, extra="")
    config.write_text(config.read_text().replace('[study]\nname = "t"\nn_trials = 12\n', extra)
                      .replace("max_windows = 4", "max_windows = 8"))
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 0, result.stderr
    _, report = _report(tmp_path)
    pruned = [t for t in report["trials"] if t["state"] == "pruned"]
    assert pruned, "MedianPruner pruned nothing"
    assert all(len(t["windows"]) < 8 for t in pruned)
    assert_no_leftovers(marker)


def test_model_exceptions_stop_the_run_after_n_in_a_row(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:FailingModel", model_path=ZOO, n_trials=50,
                          extra='[model.params]\nwhere = "fit"\n')
    config.write_text(config.read_text().replace("n_trials = 50\n", "n_trials = 50\nmax_consecutive_failures = 3\n"))
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 1
    assert "stopped after 3 failed trials in a row; last failure: ValueError: boom in fit" in result.stderr
    assert "Report: " in result.stdout  # the reports are written all the same
    _, report = _report(tmp_path)
    assert report["counts"]["fail"] == 3
    failed = report["trials"][0]
    assert "boom in fit" in failed["failure"]
    assert_no_leftovers(marker)


def test_crashed_server_is_replaced_and_the_trial_retried(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:CrashModel", model_path=ZOO, n_trials=1)
    config.write_text(config.read_text().replace("n_trials = 1\n", "n_trials = 1\nretries = 1\nmax_consecutive_failures = 1\n"))
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 1
    assert result.stderr.count("the model server process exited with code 3") >= 2  # first try and the retry
    run_dir, report = _report(tmp_path)
    (trial,) = report["trials"]
    assert trial["state"] == "fail" and "model server lost" in trial["failure"]
    study = optuna.load_study(study_name="t", storage=f"sqlite:///{run_dir / 'study.db'}")
    assert len(study.trials[0].user_attrs["server_failures"]) == 2
    assert_no_leftovers(marker)


def test_window_timeout_cancels_a_hung_model_and_replaces_its_server(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:SlowModel", model_path=ZOO, n_trials=2,
                          extra="[model.params]\nseconds = 60.0\n")
    config.write_text(config.read_text().replace("n_trials = 2\n", "n_trials = 2\nwindow_timeout_s = 1.0\nmax_consecutive_failures = 2\n"))
    result = run_cli("run", str(config), marker=marker, timeout=120)
    assert result.returncode == 1
    _, report = _report(tmp_path)
    assert report["counts"]["fail"] == 2
    assert "a window ran longer than window_timeout_s=1 s" in report["trials"][0]["failure"]
    assert "started a fresh server" in result.stderr
    assert_no_leftovers(marker)


def test_rerun_continues_the_study(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:MeanModel", model_path=ZOO, n_trials=3)
    assert run_cli("run", str(config), marker=marker).returncode == 0
    config.write_text(config.read_text().replace("n_trials = 3\n", "n_trials = 5\n"))
    again = run_cli("run", str(config), marker=marker)
    assert again.returncode == 0, again.stderr
    assert "continuing study 't': 3 trials finished, 2 to go" in again.stderr
    run_dir, report = _report(tmp_path)
    assert report["counts"]["complete"] == 5
    done = run_cli("run", str(config), marker=marker)
    assert "already has 5 finished trials" in done.stderr and done.returncode == 0


def test_multi_objective_study_has_a_pareto_front(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:MeanModel", model_path=ZOO, n_trials=4)
    config.write_text(config.read_text().replace("n_trials = 4\n", 'n_trials = 4\nalso_minimize = ["fit_seconds"]\n'))
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 0, result.stderr
    run_dir, report = _report(tmp_path)
    assert report["directions"] == ["minimize", "minimize"] and report["best_trials"]
    study = optuna.load_study(study_name="t", storage=f"sqlite:///{run_dir / 'study.db'}")
    assert all(len(t.values) == 2 for t in study.trials)


@pytest.mark.parametrize(
    "study_lines, expected",
    [
        ('direction = "maximize"\n', "study: direction 'maximize' contradicts metric 'rmse', which is minimized"),
        ('metric = "nope"', "study.metric: unknown metric 'nope'"),
        ('storage = "postgresql://mow:secret@127.0.0.1:9/mow"\n', "study.storage: cannot open postgresql://mow:***@127.0.0.1:9/mow"),
        ('also_minimize = ["fit_seconds"]\npruner = "median"\n', "pruning works on single-objective studies only"),
    ],
)
def test_bad_study_settings_exit_2_before_any_server_starts(tmp_path, marker, study_lines, expected):
    config = write_config(tmp_path, model="zoo_models:MeanModel", model_path=ZOO, n_trials=2)
    text = config.read_text()
    if study_lines.startswith("metric"):
        text = text.replace('metric = "rmse"', study_lines)
    else:
        text = text.replace("n_trials = 2\n", "n_trials = 2\n" + study_lines)
    config.write_text(text)
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 2, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert expected in line and "secret" not in line
    assert "model:" not in result.stderr  # no model server was started


def test_existing_study_with_other_directions_exits_2(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:MeanModel", model_path=ZOO, n_trials=1)
    assert run_cli("run", str(config), marker=marker).returncode == 0
    config.write_text(config.read_text().replace('metric = "rmse"', 'metric = "r2"'))
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 2
    assert "study 't' already exists" in result.stderr and "['minimize'], not ['maximize']" in result.stderr


def _two_models_config(tmp_path, *, n_trials: int, search: str = "choose"):
    """The example's two models in one config (a small max_iter range keeps boosting fast)."""
    config = write_config(tmp_path, model="model:RidgeForecaster", model_path=ROOT / "examples" / "seattle_weather",
                          n_trials=n_trials)
    text = config.read_text().replace(
        'entrypoint = "model:RidgeForecaster"',
        'entrypoint = ["model:RidgeForecaster", "model:GradientBoostingForecaster"]\n'
        f'name = ["RidgeForecaster", "GradientBoostingForecaster"]\nsearch = "{search}"',
    )
    config.write_text(text + '\n[model.params]\n"GradientBoostingForecaster.max_iter" = { low = 10, high = 20 }\n')
    return config


def test_two_models_in_one_study_with_conditional_parameters(tmp_path, marker):
    config = _two_models_config(tmp_path, n_trials=6)
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 0, result.stderr
    run_dir, report = _report(tmp_path)
    study = optuna.load_study(study_name="t", storage=f"sqlite:///{run_dir / 'study.db'}")
    for trial in study.trials:
        model = trial.params["model"]
        own = {k for k in trial.params if k not in ("model", "windows.train")}
        assert own and all(k.startswith(f"{model}.") for k in own)  # only the chosen model's parameters
        assert trial.user_attrs["model"] == model
        if model == "GradientBoostingForecaster":
            assert 10 <= trial.params["GradientBoostingForecaster.max_iter"] <= 20
            assert set(trial.user_attrs["model_params"]) >= {"max_iter", "learning_rate"}
    assert report["validation"]["trial"] == report["best"]["number"]


def test_one_study_per_model_and_a_report_that_compares_them(tmp_path, marker):
    config = _two_models_config(tmp_path, n_trials=3, search="each")
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 0, result.stderr
    assert "one study per model" in result.stdout
    run_dir, report = _report(tmp_path)
    assert report["kind"] == "comparison" and report["metric"] == "rmse"
    storage = f"sqlite:///{run_dir / 'study.db'}"
    names = sorted(s.study_name for s in optuna.get_all_study_summaries(storage))
    assert names == ["t.GradientBoostingForecaster", "t.RidgeForecaster"]
    rows = {r["model"]: r for r in report["models"]}
    for model in ("RidgeForecaster", "GradientBoostingForecaster"):
        study = optuna.load_study(study_name=f"t.{model}", storage=storage)
        assert len(study.trials) == 3
        own = {k for t in study.trials for k in t.params} - {"windows.train"}
        assert own and not any("." in k for k in own)  # one model per study: its parameters' own names
        per_model = json.loads((run_dir / model / "report.json").read_text())
        assert per_model["best"]["value"] == pytest.approx(study.best_value) == pytest.approx(rows[model]["best_value"])
        assert rows[model]["holdout_score"] == pytest.approx(per_model["holdout"]["score"])
        assert (run_dir / model / "report.html").is_file()
    best = min(rows.values(), key=lambda r: r["best_value"])
    assert report["best_model"] == best["model"] and report["message"].startswith(best["model"])
    html = (run_dir / "report.html").read_text()
    assert "href='RidgeForecaster/report.html'" in html
    assert_no_leftovers(marker)

    (run_dir / "report.json").unlink()
    rebuilt = run_cli("report", str(run_dir), marker=marker)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads((run_dir / "report.json").read_text())["models"] == report["models"]


def test_one_study_per_model_needs_two_models(tmp_path, marker):
    config = write_config(tmp_path, extra="")
    config.write_text(config.read_text().replace('[model]\n', '[model]\nsearch = "each"\n'))
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 2
    assert "search = 'each' runs one study per model: list two or more in name = [...]" in result.stderr


def test_switching_model_search_under_one_study_name_exits_2(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:MeanModel", model_path=ZOO, n_trials=1)
    choose = config.read_text().replace('entrypoint = "zoo_models:MeanModel"',
                                        'entrypoint = ["zoo_models:MeanModel", "zoo_models:SlowModel"]\n'
                                        'name = ["MeanModel", "SlowModel"]')
    config.write_text(choose)
    assert run_cli("run", str(config), marker=marker).returncode == 0
    config.write_text(choose.replace('name = ["MeanModel", "SlowModel"]', 'name = ["MeanModel", "SlowModel"]\nsearch = "each"'))
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 2
    assert "model.search: " in result.stderr and "holds study 't', which chose between the models" in result.stderr
    assert "'each' needs a new study.name" in result.stderr
    assert_no_leftovers(marker)


def test_a_misspelled_model_parameter_is_refused(tmp_path, marker):
    config = write_config(tmp_path, n_trials=1, extra='[model.params]\nalphaa = { low = 1, high = 5 }\n')
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 2
    assert "model.params.alphaa: RidgeForecaster declares no parameter 'alphaa'; did you mean 'alpha'?" in result.stderr
    assert result.stderr.count("error:") == 1 and f"{config}: model.params.alphaa" in result.stderr
    assert_no_leftovers(marker)


def test_a_continued_study_does_not_replay_its_first_trials(tmp_path, marker):
    config = write_config(tmp_path, n_trials=3)
    config.write_text(config.read_text().replace('n_trials = 3\n', 'n_trials = 3\nseed = 0\n'))
    assert run_cli("run", str(config), marker=marker).returncode == 0
    assert run_cli("run", str(config), "--n-trials", "6", marker=marker).returncode == 0
    run_dir, _ = _report(tmp_path)
    trials = optuna.load_study(study_name="t", storage=f"sqlite:///{run_dir / 'study.db'}").trials
    assert len(trials) == 6
    assert [t.params for t in trials[3:]] != [t.params for t in trials[:3]]


def test_unknown_model_in_overrides_exits_2(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:MeanModel", model_path=ZOO, n_trials=1)
    text = config.read_text().replace('entrypoint = "zoo_models:MeanModel"',
                                      'entrypoint = ["zoo_models:MeanModel", "zoo_models:SlowModel"]\n'
                                      'name = ["MeanModel", "SlowModel"]')
    config.write_text(text + '\n[model.params]\n"Nope.x" = 1\n')
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 2 and "model.params.Nope.x: 'Nope' is not one of the tuned models" in result.stderr


def test_feature_subset_and_max_lag_are_tuned_without_sending_new_data(tmp_path, marker):
    config = write_config(tmp_path, n_trials=8)
    text = config.read_text().replace("lags = { temp_max = [1, 2] }", "lags = { temp_max = [1, 2, 3, 7] }")
    config.write_text(text + "\n[tune]\nfeature_subset = true\nmax_lag = { low = 1, high = 7 }\n")
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 0, result.stderr
    run_dir, report = _report(tmp_path)
    study = optuna.load_study(study_name="t", storage=f"sqlite:///{run_dir / 'study.db'}")
    chosen = set()
    for trial in study.trials:
        features = trial.user_attrs["features"]
        max_lag = trial.params["features.max_lag"]
        assert features and all(int(f.rsplit("lag", 1)[1]) <= max_lag for f in features if "_lag" in f)
        uses = {k.removeprefix("features.use."): v for k, v in trial.params.items() if k.startswith("features.use.")}
        if any(uses.values()):
            assert all(uses[f] for f in features)
        else:
            assert len(features) == 1  # every column said no: the first one is kept
        assert trial.user_attrs["bytes_sent"] == 0  # columns of the dataset the server already holds
        chosen.add(tuple(features))
    assert len(chosen) > 1
    best = study.best_trial
    assert report["validation"]["trial"] == best.number


def test_gap_validation_and_step_are_tuned_window_lengths(tmp_path, marker):
    config = write_config(tmp_path, n_trials=8, windows=(
        "train = { low = 60, high = 120, step = 30 }\ngap = { low = 0, high = 5 }\n"
        "validation = { low = 10, high = 30, step = 10 }\nstep = { low = 10, high = 20, step = 10 }"))
    config.write_text(config.read_text().replace("validation = 30\n", "", 1))
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 0, result.stderr
    run_dir, report = _report(tmp_path)
    study = optuna.load_study(study_name="t", storage=f"sqlite:///{run_dir / 'study.db'}")
    seen = {name: set() for name in ("windows.gap", "windows.validation", "windows.step")}
    for trial in study.trials:
        for name in seen:
            seen[name].add(trial.params[name])
        gap, validation, step = (trial.params[n] for n in seen)
        windows = [w for w in report["trials"][trial.number]["windows"]]
        assert windows and all(w["n_valid"] == validation and w["n_train"] == trial.params["windows.train"]
                               for w in windows)
        assert trial.user_attrs["bytes_sent"] == 0  # same dataset: only the row ranges differ
    assert all(len(values) > 1 for values in seen.values()), seen
    v = report["validation"]
    best = study.best_trial
    assert v["window_lengths"] == {"train": best.params["windows.train"], "gap": best.params["windows.gap"],
                                   "validation": best.params["windows.validation"], "step": best.params["windows.step"]}
    rows = [w for w in v["windows"]]
    starts = [w["validation_rows"][0] for w in rows]
    assert all(b - a == best.params["windows.step"] for a, b in itertools.pairwise(starts))
    assert all(w["validation_rows"][0] - w["train_rows"][1] == best.params["windows.gap"] for w in rows)
    holdout = report["holdout"]
    assert holdout["holdout_rows"][0] - holdout["train_rows"][1] == best.params["windows.gap"]


def test_tuned_gap_keeps_every_trial_on_the_same_validation_rows(tmp_path, marker):
    config = write_config(tmp_path, n_trials=6, windows="train = 60\ngap = { low = 0, high = 10 }")
    assert run_cli("run", str(config), marker=marker).returncode == 0
    _, report = _report(tmp_path)
    placements = set()
    for trial in report["trials"]:
        gap = trial["params"]["windows.gap"]
        placements.add(tuple((w["id"], w["n_valid"]) for w in trial["windows"]))
        assert all(w["n_train"] == 60 for w in trial["windows"]), gap
    assert len(placements) == 1


def test_a_no_change_forecast_of_the_differenced_target_scores_as_the_last_value(tmp_path, marker):
    """diff: the model learns y[t] - y[t-1]; predicting 0 change is the last-value forecast, scored on y."""
    config = write_config(tmp_path, model="zoo_models:SlowModel", model_path=ZOO, n_trials=2,
                          extra="[model.params]\nseconds = 0.0\n\n[features]\ntarget_transform = \"diff\"\n")
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 0, result.stderr
    run_dir, report = _report(tmp_path)
    y = pq.read_table(run_dir / "predictions.parquet").to_pydict()
    actual = dict(zip(y["row"], y["actual"], strict=True))
    pairs = [(tuned, actual[row - 1]) for row, tuned in zip(y["row"], y["tuned"], strict=True) if row - 1 in actual]
    assert len(pairs) > 100 and all(tuned == pytest.approx(previous) for tuned, previous in pairs)  # y[t-1] + 0
    assert report["holdout"]["score"] == pytest.approx(report["holdout"]["default_score"])


def test_scaling_rolling_windows_and_target_transform_are_tuned_from_columns_already_sent(tmp_path, marker):
    config = write_config(tmp_path, n_trials=10, extra=(
        '[features]\nrolling = { temp_min = { windows = [3, 7, 14] } }\n\n'
        '[tune]\nscale = true\nmax_rolling = { low = 3, high = 14 }\ntarget_transform = ["none", "diff"]\n'))
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 0, result.stderr
    run_dir, report = _report(tmp_path)
    study = optuna.load_study(study_name="t", storage=f"sqlite:///{run_dir / 'study.db'}")
    seen = {"features.scale": set(), "target.transform": set()}
    for trial in study.trials:
        features = trial.user_attrs["features"]
        scaled = trial.params["features.scale"] == "expanding"
        assert all(f.endswith("__scaled") == scaled for f in features), features
        assert all(int(f.split("_roll")[1].split("_")[0]) <= trial.params["features.max_rolling"]
                   for f in features if "_roll" in f)
        assert trial.user_attrs.get("target_transform", "none") == trial.params["target.transform"]
        assert trial.user_attrs["bytes_sent"] == 0
        for name in seen:
            seen[name].add(trial.params[name])
    assert all(len(values) == 2 for values in seen.values()), seen
    predictions = pq.read_table(run_dir / "predictions.parquet")
    assert np.abs(predictions["tuned"].to_numpy() - predictions["actual"].to_numpy()).mean() < 5  # degrees, on the target's own scale
    assert report["holdout"]["score"] < 5


def test_rerun_with_another_setup_is_refused(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:MeanModel", model_path=ZOO, n_trials=1)
    assert run_cli("run", str(config), marker=marker).returncode == 0
    config.write_text(config.read_text().replace("validation = 30", "validation = 20"))
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 2
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "was run with another setup (windows.validation: 30 -> 20)" in line and "choose a new study.name" in line
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert "validation = 30" in (run_dir / "config.toml").read_text()  # the study's own config is kept
