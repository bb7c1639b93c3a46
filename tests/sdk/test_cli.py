"""`mow-model serve` as a separate process: ready line, bad references, signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from mow_orchestrator.client import ModelClient

from support import ZOO


def _serve(*args, env=None, **kwargs):
    env = env or {**os.environ, "PYTHONPATH": os.pathsep.join([str(ZOO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-m", "mow_model_sdk", "serve", *args], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs,
    )


def test_serve_on_port_zero_prints_the_bound_address_and_stops_on_sigterm():
    proc = _serve("zoo_models:MeanModel", "zoo_models:SlowModel", "--listen", "127.0.0.1:0")
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("MOW_LISTENING 127.0.0.1:")
        address = line.split(" ", 1)[1]
        assert not address.endswith(":0")
        client = ModelClient(address)
        client.wait_serving(5)
        assert [m.name for m in client.describe().models] == ["MeanModel", "SlowModel"]
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0


def test_serve_on_unix_socket(tmp_path):
    proc = _serve("zoo_models:MeanModel", "--listen", f"unix:{tmp_path}/m.sock")
    try:
        assert proc.stdout.readline().strip() == f"MOW_LISTENING unix:{tmp_path}/m.sock"
        client = ModelClient(f"unix:{tmp_path}/m.sock")
        client.wait_serving(5)
        client.close()
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0


def test_module_that_does_not_import_exits_2_with_one_line():
    proc = _serve("broken_import:Model", "--listen", "127.0.0.1:0")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.strip().splitlines() == [
        "mow-model: error: model module 'broken_import' does not import: "
        "ModuleNotFoundError: No module named 'this_module_does_not_exist'"
    ]


def test_class_that_is_not_a_model_exits_2():
    proc = _serve("zoo_models:np", "--listen", "127.0.0.1:0")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "is not a subclass of mow_model_sdk.Model" in err


def test_misspelled_class_names_the_models_in_the_module():
    proc = _serve("zoo_models:MeanModl", "--listen", "127.0.0.1:0")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "no class 'MeanModl' in module 'zoo_models' (Model subclasses there: ArrowModel, " in err


def test_a_model_stuck_in_fit_does_not_keep_the_server_alive(tmp_path):
    """SIGTERM while SlowModel sleeps 60 s in fit: the process still exits within grace + hard-exit time."""
    import pyarrow as pa

    from mow_model_sdk._proto.mow.v1 import report_service_pb2, types_pb2
    from mow_model_sdk.params import encode_value
    from mow_orchestrator.client import EncodedDataset, row_range

    proc = _serve("zoo_models:SlowModel", "--listen", f"unix:{tmp_path}/s.sock")
    try:
        assert proc.stdout.readline().startswith("MOW_LISTENING")
        client = ModelClient(f"unix:{tmp_path}/s.sock")
        dataset = EncodedDataset.from_table(pa.table({"x": [1.0, 2.0, 3.0, 4.0], "y": [1.0, 2.0, 3.0, 4.0]}))
        client.ensure_dataset(dataset)
        call = client.train(report_service_pb2.TrainRequest(
            trial_id="stuck", dataset_fingerprint=dataset.fingerprint, feature_columns=["x"], target_column="y",
            params={"seconds": encode_value(60.0)},
            windows=[types_pb2.Window(id="w0", train=row_range(0, 2), validation=row_range(2, 4))]))
        time.sleep(1.0)  # fit is sleeping now
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        assert time.monotonic() - started < 15
        call.cancel()
        client.close()
    finally:
        proc.kill()


def test_a_burst_of_signals_still_stops_the_server(tmp_path):
    """Signals that arrive while the handler of the previous one runs must not deadlock the stop
    (CI once kept a server alive after SIGKILL of the orchestrator: parent-death SIGTERM plus more)."""
    for attempt in range(5):
        proc = _serve("zoo_models:MeanModel", "--listen", f"unix:{tmp_path}/b{attempt}.sock")
        try:
            assert proc.stdout.readline().startswith("MOW_LISTENING")
            for _ in range(200):
                proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0
        finally:
            proc.kill()


def test_exit_with_parent_when_the_named_parent_is_already_gone():
    """The launcher died before the server could watch it: the server must not serve on as an orphan."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    proc = _serve("zoo_models:MeanModel", "--listen", "127.0.0.1:0", "--exit-with-parent",
                  env={**os.environ, "PYTHONPATH": str(ZOO), "MOW_PARENT_PID": str(gone.pid)})
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and out == ""
    assert "the process that started this server is gone" in err


def test_exit_with_parent_stops_when_the_parent_dies(tmp_path):
    """A launcher killed with SIGKILL: its server notices (parent-death signal, parent PID) and exits."""
    launcher = subprocess.Popen(
        [sys.executable, "-c", (
            "import os, subprocess, sys, time\n"
            f"env = {{**os.environ, 'PYTHONPATH': {str(ZOO)!r}, 'MOW_PARENT_PID': str(os.getpid())}}\n"
            "p = subprocess.Popen([sys.executable, '-m', 'mow_model_sdk', 'serve', 'zoo_models:MeanModel',"
            f" '--listen', 'unix:{tmp_path}/p.sock', '--exit-with-parent'], env=env, stdout=subprocess.PIPE)\n"
            "p.stdout.readline()\n"
            "print(p.pid, flush=True)\n"
            "time.sleep(600)\n"
        )], stdout=subprocess.PIPE, text=True)
    try:
        server_pid = int(launcher.stdout.readline())
        launcher.kill()
        launcher.wait()
        deadline = time.monotonic() + 10
        while _alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(server_pid)
    finally:
        launcher.kill()


def _alive(pid: int) -> bool:
    try:
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        return False
    return "State:\tZ" not in status


def test_server_stops_when_the_owner_releases_its_lock(tmp_path):
    """MOW_OWNER_LOCK (containers, where the launcher is no parent): the server serves while
    another process holds an exclusive flock on the file, and stops once that process dies."""
    lock = tmp_path / "owner.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import fcntl, os, time\n"
            f"fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "time.sleep(600)\n"
        )], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        server = _serve("zoo_models:MeanModel", "--listen", f"unix:{tmp_path}/s.sock",
                        env={**os.environ, "PYTHONPATH": str(ZOO), "MOW_OWNER_LOCK": str(lock)})
        assert server.stdout.readline().startswith("MOW_LISTENING ")
        time.sleep(1)
        assert server.poll() is None  # the owner holds the lock: serving
        holder.kill()
        holder.wait()
        assert server.wait(10) == 0
    finally:
        holder.kill()
