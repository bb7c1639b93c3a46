"""Several orchestrators on one study: two `worker` processes against a real
PostgreSQL, and a killed run that the next run resumes (SQLite, heartbeats)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid

import optuna
import pytest

from cli_support import CLI, assert_no_leftovers, run_cli, wait_for_complete_trial, write_config
from support import ZOO

FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


@pytest.fixture
def postgres_url():
    url = os.environ.get("MOW_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("MOW_REQUIRE_POSTGRES") == "1":
            pytest.fail("MOW_REQUIRE_POSTGRES=1 but MOW_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL: set MOW_TEST_POSTGRES_URL=postgresql://user:password@host/db (.ci/run does)")
    return url


def test_two_workers_share_one_postgres_study(tmp_path, marker, postgres_url):
    _two_workers_share_one_study(tmp_path, marker, postgres_url)


def test_two_local_workers_share_one_sqlite_study(tmp_path, marker):
    _two_workers_share_one_study(tmp_path, marker, f"sqlite:///{tmp_path / 'shared.db'}")


def _two_workers_share_one_study(tmp_path, marker, storage: str) -> None:
    name = f"dist-{uuid.uuid4().hex[:8]}"
    config = write_config(tmp_path, model="zoo_models:SlowModel", model_path=ZOO, n_trials=10,
                          extra="[model.params]\nseconds = 0.05\n")
    config.write_text(config.read_text().replace('name = "t"', f'name = "{name}"'))
    env = {**os.environ, "MOW_TEST_MARKER": marker}
    workers = [
        subprocess.Popen([*CLI, "worker", str(config), "--storage", storage,
                          "--output-dir", str(tmp_path / f"w{i}")], env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for i in range(2)
    ]
    outputs = [w.communicate(timeout=240) for w in workers]
    for w, (_, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err
    study = optuna.load_study(study_name=name, storage=storage)
    finished = study.get_trials(states=FINISHED)
    assert len(finished) == 10, [t.state for t in study.trials]
    assert not study.get_trials(states=(optuna.trial.TrialState.RUNNING,))
    assert len({t.user_attrs["worker"] for t in finished}) == 2, "both workers should have run trials"
    # the run on one machine adds nothing but the validation and the reports
    result = run_cli("run", str(config), "--storage", storage, marker=marker)
    assert result.returncode == 0, result.stderr
    assert f"study '{name}' already has 10 finished trials" in result.stderr
    assert (tmp_path / "runs" / name / "report.html").is_file()
    assert_no_leftovers(marker)


def test_worker_without_shared_storage_exits_2(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:MeanModel", model_path=ZOO, n_trials=1)
    result = run_cli("worker", str(config), marker=marker)
    assert result.returncode == 2 and "a worker needs a storage shared with the other workers" in result.stderr


def test_killed_run_is_resumed_without_losing_or_stranding_trials(tmp_path, marker):
    config = write_config(tmp_path, model="zoo_models:SlowModel", model_path=ZOO, n_trials=8,
                          extra="[model.params]\nseconds = 0.3\n")
    config.write_text(config.read_text().replace("n_trials = 8\n", "n_trials = 8\nheartbeat_s = 1\n"))
    env = {**os.environ, "MOW_TEST_MARKER": marker}
    proc = subprocess.Popen([*CLI, "run", str(config)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        db = wait_for_complete_trial(tmp_path / "runs")
        time.sleep(0.5)  # the next trial is RUNNING now
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    assert_no_leftovers(marker)  # the model server died with its parent
    storage = f"sqlite:///{db}"
    before = optuna.load_study(study_name="t", storage=storage)
    completed_before = {t.number for t in before.get_trials(states=(optuna.trial.TrialState.COMPLETE,))}
    assert before.get_trials(states=(optuna.trial.TrialState.RUNNING,)), "expected a trial stranded RUNNING"
    time.sleep(3.5)  # three missed heartbeats

    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 0, result.stderr
    assert "continuing study 't'" in result.stderr
    after = optuna.load_study(study_name="t", storage=storage)
    assert not after.get_trials(states=(optuna.trial.TrialState.RUNNING,))
    assert completed_before <= {t.number for t in after.get_trials(states=(optuna.trial.TrialState.COMPLETE,))}
    assert len(after.get_trials(states=FINISHED)) == 8
    stale = after.get_trials(states=(optuna.trial.TrialState.FAIL,))
    assert stale, "the stranded trial should have been failed"
    retried = [t for t in after.trials if t.system_attrs.get("failed_trial") == stale[0].number]
    assert retried and retried[0].params == stale[0].params  # retried with the same parameters
    assert_no_leftovers(marker)
