"""Docker backend: one hardened container per worker, found again by its labels.

By default the model server listens on a unix socket in a host folder mounted
at ``/run/mow`` and the container has no network at all. Every container runs
as a non-root user with a read-only root filesystem, a tmpfs ``/tmp``, no
capabilities, no-new-privileges and memory/CPU/pids limits, and carries the
labels ``mow=1``, ``mow.run``, ``mow.study``, ``mow.worker`` and ``mow.owner`` (the
orchestrator's ``host:pid``) so that ``mow-orchestrate containers prune`` finds leftovers of a
killed run. The orchestrator holds a lock on a file in the mounted folder; a server whose
orchestrator died (even by SIGKILL) sees the lock released and stops within a fraction of a
second, and the next run of the study removes such stopped containers.
"""

from __future__ import annotations

import fcntl
import io
import math
import os
import shutil
import socket
import tarfile
import tempfile
import threading
import time
from pathlib import Path

from ..client import ModelClient
from ..config import DockerSection
from ..errors import ModelStartError
from ._base import Backend, RunningModel
from .process import MAX_LOG_BYTES, thread_limits

LABEL = "mow"
SOCKET_DIR_IN_CONTAINER = "/run/mow"
#: File in the socket folder on which the orchestrator holds a lock while it wants the server.
OWNER_LOCK_FILE = "owner.lock"
#: Label naming the orchestrator that started a container, ``host:pid``.
OWNER_LABEL = f"{LABEL}.owner"
CONTAINER_PORT = 50051
#: Seconds a container gets to stop after SIGTERM before it is killed.
STOP_GRACE_S = 5


def docker_client():
    """A connected Docker SDK client; ModelStartError when no engine answers."""
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:  # docker.errors.DockerException and connection errors
        raise ModelStartError(
            f"no Docker engine answers ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
            "start dockerd or set DOCKER_HOST"
        ) from None
    return client


def build_image(settings: DockerSection, *, on_event=lambda message: None) -> str:
    """Build ``settings.image`` from ``settings.build`` (plus the wheelhouse as ``wheels/``).

    Returns the image id. Raises ModelStartError with the failing step's log tail.
    """
    import docker

    folder = settings.build
    assert folder is not None
    dockerfile = folder / settings.dockerfile
    if not dockerfile.is_file():
        raise ModelStartError(f"backend.docker.build: no {settings.dockerfile} in {folder}")
    if settings.wheelhouse is not None and not any(settings.wheelhouse.glob("*.whl")):
        raise ModelStartError(
            f"backend.docker.wheelhouse: no wheels in {settings.wheelhouse}; run `make wheelhouse` first"
        )
    client = docker_client()
    on_event(f"docker: building {settings.image} from {dockerfile}")
    context = _build_context(folder, settings.wheelhouse)
    log: list[str] = []
    try:
        for chunk in client.api.build(
            fileobj=context, custom_context=True, encoding="gzip", tag=settings.image,
            dockerfile=settings.dockerfile, buildargs=settings.build_args, rm=True, forcerm=True, decode=True,
        ):
            if "stream" in chunk:
                log.extend(line for line in chunk["stream"].splitlines() if line.strip())
            if "error" in chunk:
                tail = " | ".join(log[-6:])
                raise ModelStartError(
                    f"docker build of {settings.image} failed: {chunk['error'].strip()} (last steps: {tail})"
                )
    except docker.errors.APIError as exc:
        raise ModelStartError(f"docker build of {settings.image} failed: {exc.explanation or exc}") from None
    return client.images.get(settings.image).id


def _build_context(folder: Path, wheelhouse: Path | None) -> io.BytesIO:
    """A gzipped tar of ``folder`` (honouring a simple .dockerignore) plus ``wheels/``."""
    ignored = set()
    ignore_file = folder / ".dockerignore"
    if ignore_file.is_file():
        ignored = {line.strip().rstrip("/") for line in ignore_file.read_text().splitlines()
                   if line.strip() and not line.startswith("#")}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if any(rel.match(pattern) or rel.parts[0] == pattern for pattern in ignored):
                continue
            if path.is_file():
                tar.add(path, arcname=str(rel))
        if wheelhouse is not None:
            for wheel in sorted(wheelhouse.glob("*.whl")):
                tar.add(wheel, arcname=f"wheels/{wheel.name}")
    buffer.seek(0)
    return buffer


class DockerBackend(Backend):
    """Run ``settings.image`` once per worker.

    Args:
        settings: image, transport and limits.
        run_id: unique id of this run (label ``mow.run``).
        study: study name (label ``mow.study``).
        log_dir: container logs are written to ``log_dir/model-worker<N>.log``.
        start_timeout_s: seconds to wait for SERVING.
    """

    def __init__(self, settings: DockerSection, *, run_id: str, study: str, log_dir: Path,
                 start_timeout_s: float = 60.0) -> None:
        self.settings = settings
        self.run_id = run_id
        self.study = study
        self.log_dir = log_dir
        self.start_timeout_s = start_timeout_s
        self.docker = docker_client()
        self._socket_root = Path(tempfile.mkdtemp(prefix="mow-d-"))
        self._containers: dict[int, object] = {}
        self._owner_locks: dict[int, int] = {}  # worker -> fd of the lock its server watches
        self._lock = threading.Lock()

    def prepare(self, on_event=lambda message: None) -> None:
        """Build the image when ``build`` is set; check that the image exists."""
        import docker

        stale = [c for c in list_containers() if c.labels.get(f"{LABEL}.study") == self.study and owner_alive(c) is False]
        for container in stale:
            force_remove(container)
        if stale:
            on_event(f"removed {len(stale)} container(s) of study {self.study!r} left by a run that was killed")
        if self.settings.build is not None:
            build_image(self.settings, on_event=on_event)
        try:
            self.docker.images.get(self.settings.image)
        except docker.errors.ImageNotFound:
            raise ModelStartError(
                f"backend.docker.image: image {self.settings.image!r} not found here (no registry is used); "
                "build it or set backend.docker.build"
            ) from None

    def start(self, worker: int) -> RunningModel:
        import docker

        container, address = self._run_container(worker)
        client = ModelClient(address)
        model = RunningModel(worker, client, f"container {container.short_id}", str(self._log_path(worker)))

        def alive() -> bool:
            try:
                container.reload()
            except docker.errors.APIError:  # removed from outside
                return False
            return container.status in ("created", "running")

        try:
            client.wait_serving(self.start_timeout_s, alive=alive)
        except ModelStartError as exc:
            reason = self.diagnose(model) or str(exc)
            self.stop(model)
            raise ModelStartError(f"model container from {self.settings.image!r} did not start: {reason}") from None
        return model

    def _run_container(self, worker: int):
        import docker

        s = self.settings
        socket_dir = self._socket_root / f"worker{worker}-{int(time.monotonic() * 1000)}"
        socket_dir.mkdir(mode=0o700)
        user = s.user or (f"{os.getuid()}:{os.getgid()}" if os.getuid() != 0 else "10001:10001")
        if os.getuid() == 0:
            uid, gid = (int(v) for v in user.split(":"))
            os.chown(socket_dir, uid, gid)
        kwargs = dict(
            user=user, read_only=True, cap_drop=["ALL"], security_opt=["no-new-privileges"],
            tmpfs={"/tmp": f"rw,nosuid,nodev,size={s.tmpfs_size},mode=1777"},
            mem_limit=s.memory, memswap_limit=s.memory, nano_cpus=int(s.cpus * 1e9), pids_limit=s.pids_limit,
            labels={LABEL: "1", f"{LABEL}.run": self.run_id, f"{LABEL}.study": self.study, f"{LABEL}.worker": str(worker),
                    OWNER_LABEL: f"{socket.gethostname()}:{os.getpid()}"},
            environment={"PYTHONUNBUFFERED": "1", **thread_limits(math.ceil(s.cpus))},
            # a model that prints without end must not fill the engine's disk
            log_config={"type": "json-file", "config": {"max-size": str(MAX_LOG_BYTES), "max-file": "1"}},
        )
        if s.transport == "unix":
            listen = f"unix:{SOCKET_DIR_IN_CONTAINER}/model.sock"
            kwargs.update(
                network_mode="bridge" if s.network else "none",
                volumes={str(socket_dir): {"bind": SOCKET_DIR_IN_CONTAINER, "mode": "rw"}},
            )
            # the server stops once this process no longer holds the lock (it died: even SIGKILL)
            kwargs["environment"]["MOW_OWNER_LOCK"] = f"{SOCKET_DIR_IN_CONTAINER}/{OWNER_LOCK_FILE}"
            self._hold_owner_lock(worker, socket_dir / OWNER_LOCK_FILE)
        else:
            listen = f"0.0.0.0:{CONTAINER_PORT}"
            kwargs.update(ports={f"{CONTAINER_PORT}/tcp": ("127.0.0.1", None)})
        kwargs["environment"]["MOW_LISTEN"] = listen
        try:
            container = self.docker.containers.create(s.image, command=["--listen", listen], **kwargs)
        except docker.errors.ImageNotFound:
            raise ModelStartError(f"backend.docker.image: image {s.image!r} not found") from None
        except docker.errors.APIError as exc:
            raise ModelStartError(f"docker could not create a container from {s.image!r}: {exc.explanation or exc}") from None
        with self._lock:
            self._containers[worker] = container
        try:
            container.start()
        except docker.errors.APIError as exc:
            self._remove(container, self._log_path(worker))
            with self._lock:
                self._containers.pop(worker, None)
            why = str(exc.explanation or exc)
            if '"--listen"' in why and "not found" in why:  # no ENTRYPOINT: docker ran the arguments as a program
                why = "the image has no ENTRYPOINT that starts a mow.v1 server (docker tried to run '--listen' as a program)"
            raise ModelStartError(f"docker could not start {s.image!r}: {why}") from None
        if s.transport == "unix":
            return container, f"unix:{socket_dir}/model.sock"
        container.reload()
        port = container.ports[f"{CONTAINER_PORT}/tcp"][0]["HostPort"]
        return container, f"127.0.0.1:{port}"

    def _hold_owner_lock(self, worker: int, path: Path) -> None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        with self._lock:
            old = self._owner_locks.pop(worker, None)
            self._owner_locks[worker] = fd
        if old is not None:
            os.close(old)

    def _release_owner_lock(self, worker: int) -> None:
        with self._lock:
            fd = self._owner_locks.pop(worker, None)
        if fd is not None:
            os.close(fd)

    def diagnose(self, model: RunningModel) -> str | None:
        """Why a container stopped: OOM kill, exit code, last log line; None if it runs."""
        import docker

        with self._lock:
            container = self._containers.get(model.worker)
        if container is None:
            return None
        try:
            container.reload()
            state = container.attrs.get("State", {})
            if state.get("Running"):
                return None
            last = [line for line in container.logs(tail=20).decode(errors="replace").splitlines() if line.strip()]
        except docker.errors.APIError:  # removed, or being removed (409), from outside
            return "the container was removed"
        parts = []
        if state.get("OOMKilled"):
            parts.append(f"the container was killed for using more than its memory limit ({self.settings.memory})")
        else:
            parts.append(f"the container exited with code {state.get('ExitCode')}")
        if last:
            parts.append(f"last log line: {last[-1].strip().removeprefix('mow-model: error: ')}")
        return "; ".join(parts)

    def stop(self, model: RunningModel) -> None:
        model.client.close()
        with self._lock:
            container = self._containers.pop(model.worker, None)
        if container is not None:
            self._remove(container, self._log_path(model.worker))
        self._release_owner_lock(model.worker)

    def stop_all(self) -> None:
        with self._lock:
            leftovers = list(self._containers.items())
            self._containers.clear()
        for worker, container in leftovers:
            self._remove(container, self._log_path(worker))
        for worker in list(self._owner_locks):
            self._release_owner_lock(worker)
        shutil.rmtree(self._socket_root, ignore_errors=True)

    def _log_path(self, worker: int) -> Path:
        return self.log_dir / f"model-worker{worker}.log"

    def _remove(self, container, log_path: Path) -> None:
        import docker

        try:
            container.stop(timeout=STOP_GRACE_S)
        except docker.errors.APIError:
            pass
        try:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            with open(log_path, "ab") as log:
                log.write(container.logs())
        except (docker.errors.APIError, OSError):
            pass
        force_remove(container)


def list_containers(run_id: str | None = None) -> list:
    """Containers (running or not) that carry MOW's labels, optionally of one run."""
    labels = [f"{LABEL}=1"] + ([f"{LABEL}.run={run_id}"] if run_id else [])
    return docker_client().containers.list(all=True, filters={"label": labels})


def owner_alive(container) -> bool | None:
    """Whether the orchestrator that started ``container`` still runs: None when it ran on
    another machine (or the container predates the owner label), so that nobody can tell here."""
    host, _, pid = container.labels.get(OWNER_LABEL, "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def prune_containers(run_id: str | None = None, *, include_live: bool = False) -> tuple[int, int]:
    """Force-remove MOW's containers (of one run, or all) whose orchestrator is gone, or every
    one with ``include_live``. Returns (removed, kept because their orchestrator still runs
    here or runs elsewhere)."""
    removed = kept = 0
    for container in list_containers(run_id):
        if not include_live and owner_alive(container) is not False:
            kept += 1
            continue
        force_remove(container)
        removed += 1
    return removed, kept


def force_remove(container) -> None:
    """Remove ``container`` whatever it is doing; fine if it is gone or already being removed (409)."""
    import docker

    try:
        container.remove(force=True)
    except docker.errors.APIError:
        pass
