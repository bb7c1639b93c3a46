"""The docker backend against a real engine: hardening, transports, studies,
crashes, OOM kills, SIGKILL of the orchestrator, bad images."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from docker_support import BASE_IMAGE, ROOT

EXAMPLE = ROOT / "examples" / "seattle_weather"
CLI = [sys.executable, "-m", "mow_orchestrator.cli"]


def write_config(tmp_path: Path, image: str, *, model: str, n_trials: int = 3, params: str = "",
                 docker: str = "", workers: int = 1, memory: str = "1g") -> Path:
    path = tmp_path / "study.toml"
    path.write_text(f"""
[study]
name = "docker-test"
n_trials = {n_trials}

[data]
path = "{EXAMPLE / 'data' / 'seattle-weather.csv'}"
time_column = "date"
target = "temp_max"
lags = {{ temp_max = [1, 2] }}

[windows]
train = 120
validation = 30
max_windows = 3

[model]
name = "{model}"

[model.params]
{params}

[backend]
kind = "docker"
workers = {workers}

[backend.docker]
image = "{image}"
memory = "{memory}"
{docker}

[output]
dir = "{tmp_path / 'runs'}"
""")
    return path


def cli(*args, timeout=300, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([*CLI, *args], env=env, text=True, capture_output=True, timeout=timeout, **kwargs)


def mow_containers(client, run_id: str | None = None, study: str | None = None):
    """MOW's containers of one run or one study (other jobs on the machine may run their own)."""
    labels = ["mow=1"] + ([f"mow.run={run_id}"] if run_id else []) + ([f"mow.study={study}"] if study else [])
    return client.containers.list(all=True, filters={"label": labels})


def test_study_runs_in_docker_and_removes_its_containers(tmp_path, docker_engine, example_image):
    result = cli("run", str(write_config(tmp_path, example_image, model="RidgeForecaster", workers=2)))
    assert result.returncode == 0, result.stderr
    assert "2 docker worker(s): container" in result.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    report = json.loads((run_dir / "report.json").read_text())
    assert report["counts"]["complete"] == 3
    assert (run_dir / "logs" / "model-worker0.log").read_text().startswith("MOW_LISTENING unix:/run/mow/model.sock")
    assert mow_containers(docker_engine, run_dir.name) == []


def test_containers_are_hardened(tmp_path, docker_engine, zoo_image):
    from mow_orchestrator.config import DockerSection
    from mow_orchestrator.containers.docker import DockerBackend

    settings = DockerSection(image=zoo_image, memory="256m", cpus=0.5, pids_limit=64)
    backend = DockerBackend(settings, run_id="hardening", study="s", log_dir=tmp_path)
    model = backend.start(0)
    try:
        (container,) = mow_containers(docker_engine, "hardening")
        host = container.attrs["HostConfig"]
        assert container.attrs["Config"]["User"] not in ("", "0", "root", "0:0")
        assert host["ReadonlyRootfs"] is True and "/tmp" in host["Tmpfs"]
        assert host["CapDrop"] == ["ALL"] and "no-new-privileges" in host["SecurityOpt"]
        assert host["NetworkMode"] == "none"
        assert host["Memory"] == 256 * 1024**2 and host["NanoCpus"] == 500_000_000 and host["PidsLimit"] == 64
        assert host["LogConfig"] == {"Type": "json-file", "Config": {"max-size": str(50 * 1024**2), "max-file": "1"}}
        assert container.labels["mow.study"] == "s" and container.labels["mow.worker"] == "0"
        exec_id = container.exec_run(["/opt/venv/bin/python", "-c", "open('/app/x', 'w')"])
        assert exec_id.exit_code != 0 and b"Read-only file system" in exec_id.output
        assert model.client.describe().models[0].name == "MeanModel"
    finally:
        backend.stop(model)
        backend.stop_all()
    assert mow_containers(docker_engine, "hardening") == []


def test_tcp_transport_publishes_on_loopback_only(tmp_path, docker_engine, zoo_image):
    from mow_orchestrator.config import DockerSection
    from mow_orchestrator.containers.docker import DockerBackend

    backend = DockerBackend(DockerSection(image=zoo_image, transport="tcp"), run_id="tcp", study="s", log_dir=tmp_path)
    model = backend.start(0)
    try:
        assert model.client.address.startswith("127.0.0.1:")
        (container,) = mow_containers(docker_engine, "tcp")
        (binding,) = container.attrs["HostConfig"]["PortBindings"]["50051/tcp"]
        assert binding["HostIp"] == "127.0.0.1"
        assert model.client.describe().protocol_version == "mow.v1"
    finally:
        backend.stop(model)
        backend.stop_all()


def _completed_trials(run_root: Path) -> int:
    for db in run_root.glob("*/study.db"):
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as conn:
                return conn.execute("SELECT count(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
        except sqlite3.Error:
            return 0
    return 0


def _kill_container_after_first_trial(client, run_root: Path, stop: threading.Event, killed: list):
    while not stop.is_set():
        if _completed_trials(run_root) >= 1:
            time.sleep(0.2)  # the next trial is running now
            (container,) = [c for c in mow_containers(client) if c.labels.get("mow.study") == "docker-test"]
            container.kill()
            killed.append(container.short_id)
            return
        time.sleep(0.05)


def test_killed_container_fails_one_trial_and_is_replaced(tmp_path, docker_engine, zoo_image):
    config = write_config(tmp_path, zoo_image, model="SlowModel", n_trials=6, params="seconds = 0.3")
    config.write_text(config.read_text().replace("n_trials = 6\n", "n_trials = 6\nretries = 0\n"))  # fail, not retry
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_container_after_first_trial, args=(docker_engine, tmp_path / "runs", stop, killed))
    killer.start()
    try:
        result = cli("run", str(config))
    finally:
        stop.set()
        killer.join()
    assert killed, "the test did not kill a container"
    assert result.returncode == 0, result.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    report = json.loads((run_dir / "report.json").read_text())
    assert report["counts"]["fail"] == 1 and report["counts"]["complete"] == 6  # failures do not use the budget
    (failed,) = [t for t in report["trials"] if t["state"] == "fail"]
    assert "model server lost: the container exited with code 137" in failed["failure"]
    assert "started a fresh server" in result.stderr
    assert mow_containers(docker_engine, run_dir.name) == []


def test_oom_kill_is_the_reason_a_trial_failed(tmp_path, docker_engine, zoo_image):
    config = write_config(tmp_path, zoo_image, model="MemoryHogModel", n_trials=1, params="megabytes = 1024",
                          memory="128m")
    result = cli("run", str(config))
    assert result.returncode == 1
    assert "killed for using more than its memory limit (128m)" in result.stdout + result.stderr
    assert mow_containers(docker_engine, study="docker-test") == []


def _wait_for_a_running_container(docker_engine, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not [c for c in mow_containers(docker_engine, study="docker-test") if c.status == "running"] \
            and time.monotonic() < deadline:
        time.sleep(0.2)


def test_sigkill_of_the_orchestrator_then_prune_leaves_nothing(tmp_path, docker_engine, zoo_image):
    config = write_config(tmp_path, zoo_image, model="SlowModel", n_trials=100, params="seconds = 0.2")
    proc = subprocess.Popen([*CLI, "run", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_a_running_container(docker_engine)
        time.sleep(1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    (run_dir,) = (tmp_path / "runs").iterdir()
    (left,) = mow_containers(docker_engine, run_dir.name)
    # the server sees its orchestrator's lock released and stops: no model keeps running
    deadline = time.monotonic() + 15
    while left.status == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
        left.reload()
    assert left.status == "exited" and left.attrs["State"]["ExitCode"] == 0
    listed = cli("containers", "list", "--run", run_dir.name)
    assert listed.returncode == 0 and run_dir.name in listed.stdout and "(gone)" in listed.stdout
    pruned = cli("containers", "prune", "--run", run_dir.name)
    assert pruned.returncode == 0 and "removed 1 container" in pruned.stdout
    assert mow_containers(docker_engine, run_dir.name) == []


def test_the_next_run_removes_what_a_killed_run_left(tmp_path, docker_engine, zoo_image):
    config = write_config(tmp_path, zoo_image, model="SlowModel", n_trials=100, params="seconds = 0.1")
    proc = subprocess.Popen([*CLI, "run", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        (tmp_path / "runs").mkdir(exist_ok=True)
        deadline = time.monotonic() + 60
        while not list((tmp_path / "runs").glob("*/study.db")) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)  # a few trials finish
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert len(mow_containers(docker_engine, run_dir.name)) == 1
    rerun = cli("run", str(config), "--n-trials", "1")  # nothing left to tune: validation and reports
    assert rerun.returncode == 0, rerun.stderr
    assert "removed 1 container(s) of study 'docker-test' left by a run that was killed" in rerun.stderr
    assert mow_containers(docker_engine, run_dir.name) == []


def test_prune_keeps_the_containers_of_a_live_run(tmp_path, docker_engine, zoo_image):
    config = write_config(tmp_path, zoo_image, model="SlowModel", n_trials=100, params="seconds = 0.2")
    proc = subprocess.Popen([*CLI, "run", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_a_running_container(docker_engine)
        (run_dir,) = (tmp_path / "runs").iterdir()
        pruned = cli("containers", "prune", "--run", run_dir.name)
        assert pruned.returncode == 0 and "removed 0 containers; kept 1 whose orchestrator still runs" in pruned.stdout
        assert [c.status for c in mow_containers(docker_engine, run_dir.name)] == ["running"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert mow_containers(docker_engine, run_dir.name) == []


def test_check_image_passes_a_good_image(docker_engine, example_image):
    result = cli("check-image", example_image)
    assert result.returncode == 0, result.stderr
    for step in ("serving", "describe", "upload", "train", "shutdown"):
        assert f"ok {step}" in result.stdout
    assert f"{example_image} serves mow.v1" in result.stdout


def _image(docker_engine, tmp_path, tag: str, dockerfile: str) -> str:
    context = tmp_path / tag.split(":")[0]
    context.mkdir()
    (context / "Dockerfile").write_text(dockerfile)
    docker_engine.images.build(path=str(context), tag=tag, rm=True)
    return tag


@pytest.mark.parametrize(
    "tag, entrypoint, expected",
    [
        ("mow-test-noentry:latest", None,
         "docker could not start 'mow-test-noentry:latest': the image has no ENTRYPOINT that starts a mow.v1 server"),
        ("mow-test-exits:latest", '["python3", "-c", "import sys; print(\'bad config\'); sys.exit(3)"]',
         "did not start: the container exited with code 3; last log line: bad config"),
        ("mow-test-silent:latest", '["sh", "-c", "sleep 600"]', "did not report SERVING within 3 s"),
    ],
)
def test_check_image_rejects_an_image_that_does_not_serve(docker_engine, tmp_path, tag, entrypoint, expected):
    _image(docker_engine, tmp_path, tag, f"FROM {BASE_IMAGE}\n" + (f"ENTRYPOINT {entrypoint}\n" if entrypoint else ""))
    result = cli("check-image", tag, "--timeout", "3")
    assert result.returncode == 2
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert expected in line
    assert mow_containers(docker_engine, study="check-image") == []


def test_missing_image_and_missing_dockerfile_exit_2(tmp_path, docker_engine):
    result = cli("run", str(write_config(tmp_path, "mow-no-such-image:latest", model="MeanModel")))
    assert result.returncode == 2 and "image 'mow-no-such-image:latest' not found here" in result.stderr
    config = write_config(tmp_path, "mow-test-nodockerfile:latest", model="MeanModel", docker=f'build = "{tmp_path}"')
    result = cli("run", str(config))
    assert result.returncode == 2 and f"backend.docker.build: no Dockerfile in {tmp_path}" in result.stderr


def test_failing_build_shows_the_failing_step(tmp_path, docker_engine):
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(f"FROM {BASE_IMAGE}\nRUN echo preparing && exit 7\n")
    config = write_config(tmp_path, "mow-test-badbuild:latest", model="MeanModel", docker=f'build = "{context}"')
    result = cli("run", str(config))
    assert result.returncode == 2
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "docker build of mow-test-badbuild:latest failed" in line and "exit 7" in line.replace("code: 7", "exit 7")
    assert "preparing" in line
