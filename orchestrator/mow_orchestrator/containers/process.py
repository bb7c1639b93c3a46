"""Process backend (the default): the SDK server as a child process on a unix socket.

The child runs in its own process group (so a terminal Ctrl-C reaches only the
orchestrator, which then stops it) and asks Linux to SIGTERM it when the
orchestrator dies (``--exit-with-parent``), so even SIGKILL leaves no orphan.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ..client import ModelClient
from ..errors import ModelStartError
from ._base import Backend, RunningModel

#: Seconds a child gets to exit after SIGTERM before it is killed.
STOP_GRACE_S = 5.0


class ProcessBackend(Backend):
    """Start ``mow-model serve ENTRYPOINT`` per worker.

    Args:
        entrypoint: ``module:Class`` of the model, or a list of them (one server serves all).
        model_path: directory put on PYTHONPATH and used as working directory.
        log_dir: each worker's stdout/stderr go to ``log_dir/model-worker<N>.log``.
        start_timeout_s: seconds to wait for SERVING.
        threads: threads each server's numeric libraries may use (OpenMP, BLAS); default: all
            CPUs. With several workers, give each its share so they do not oversubscribe the CPUs.
    """

    def __init__(self, entrypoint: str | list[str], model_path: Path, log_dir: Path, *,
                 start_timeout_s: float = 60.0, threads: int | None = None) -> None:
        self.threads = threads or max(1, len(os.sched_getaffinity(0)))
        self.entrypoints = [entrypoint] if isinstance(entrypoint, str) else list(entrypoint)
        self.entrypoint = " ".join(self.entrypoints)
        self.model_path = model_path
        self.log_dir = log_dir
        self.start_timeout_s = start_timeout_s
        self._socket_dir = Path(tempfile.mkdtemp(prefix="mow-"))  # short path: unix sockets allow ~107 bytes
        self._children: dict[int, subprocess.Popen] = {}
        self._log_copiers: dict[int, threading.Thread] = {}  # child pid -> thread copying its output to the log
        self._lock = threading.Lock()

    def start(self, worker: int) -> RunningModel:
        if not self.model_path.is_dir():
            raise ModelStartError(f"model.path: directory not found: {self.model_path}")
        socket = self._socket_dir / f"worker{worker}.sock"
        socket.unlink(missing_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"model-worker{worker}.log"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.model_path), env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        env["MOW_PARENT_PID"] = str(os.getpid())  # lets the child notice if we die before it watches us
        for name, value in thread_limits(self.threads).items():
            env.setdefault(name, value)  # a user's own setting wins
        command = [
            sys.executable, "-m", "mow_model_sdk", "serve", *self.entrypoints,
            "--listen", f"unix:{socket}", "--exit-with-parent",
        ]
        child = subprocess.Popen(
            command, cwd=self.model_path, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )
        copier = threading.Thread(target=copy_capped, args=(child.stdout, log_path, MAX_LOG_BYTES),
                                  name=f"log-worker{worker}", daemon=True)
        copier.start()
        with self._lock:
            self._children[worker] = child
            self._log_copiers[child.pid] = copier
        client = ModelClient(f"unix:{socket}")
        model = RunningModel(worker, client, f"process {child.pid}", str(log_path))
        try:
            client.wait_serving(self.start_timeout_s, alive=lambda: child.poll() is None)
        except ModelStartError as exc:
            self.stop(model)
            reason = self._last_log_line(child, log_path) or str(exc)
            raise ModelStartError(
                f"model server {self.entrypoint!r} did not start: {reason.removeprefix('mow-model: error: ')} "
                f"(log: {log_path})"
            ) from None
        return model

    def diagnose(self, model: RunningModel) -> str | None:
        with self._lock:
            child = self._children.get(model.worker)
        if child is None or child.poll() is None:
            return None
        code = child.returncode
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        last = self._last_log_line(child, Path(model.log_path)) if model.log_path else ""
        return f"the model server process {how}" + (f"; last log line: {last}" if last else "")

    def _last_log_line(self, child: subprocess.Popen, path: Path) -> str:
        """The last line the (exited) ``child`` wrote, once its output is copied to ``path``."""
        with self._lock:
            copier = self._log_copiers.get(child.pid)
        if copier is not None:
            copier.join(2.0)
        return _last_line(path)

    def stop(self, model: RunningModel) -> None:
        model.client.close()
        with self._lock:
            child = self._children.pop(model.worker, None)
        if child is not None:
            _terminate(child)

    def stop_all(self) -> None:
        with self._lock:
            children = list(self._children.values())
            self._children.clear()
            self._log_copiers.clear()
        for child in children:
            _terminate(child)
        shutil.rmtree(self._socket_dir, ignore_errors=True)


#: Bytes of a server's output kept in its log file per start (a model that prints without end
#: must not fill the disk); the rest is counted and dropped.
MAX_LOG_BYTES = 50 * 1024 * 1024


def copy_capped(stream, path: Path, limit: int) -> None:
    """Append ``stream`` to ``path`` until ``limit`` bytes, then drop (and count) the rest.
    Reading on keeps the child from blocking on a full pipe."""
    written = dropped = 0
    with stream, open(path, "ab", buffering=0) as log:
        for chunk in iter(lambda: stream.read1(65536), b""):
            keep = chunk[: max(0, limit - written)]
            if keep:
                log.write(keep)
                written += len(keep)
            dropped += len(chunk) - len(keep)
        if dropped:
            log.write(f"\n[mow: {dropped} more bytes of output dropped: the log keeps {limit} bytes per start]\n".encode())


def thread_limits(threads: int) -> dict[str, str]:
    """Environment that caps the thread pools of OpenMP, BLAS and friends at ``threads``."""
    value = str(max(1, threads))
    return {name: value for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                     "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}


def _terminate(child: subprocess.Popen) -> None:
    """SIGTERM the child's process group, wait, then SIGKILL."""
    if child.poll() is not None:
        return
    try:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    except ProcessLookupError:
        child.wait()


def _last_line(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1].strip() if lines else ""
