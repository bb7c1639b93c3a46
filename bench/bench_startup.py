"""Start-up (issue 7, item 7): time from start to health SERVING, for the process
backend and for Docker with a warm image, against starting a bare Python with the
server's imports (process) and a bare container of the same image (Docker).

Run: python bench/bench_startup.py [--quick] [--no-docker]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DOCKER_IMAGE, docker_available, docker_backend, process_backend
from harness import BenchRun, Figure, command_line, median_time

MODEL = "NoopModel"
IMPORTS = "import grpc, numpy, pyarrow, grpc_health, grpc_reflection, google.protobuf"


def start_seconds(backend, repeat: int) -> float:
    def once():
        model = backend.start(0)
        backend.stop(model)

    once()  # warm: image, page cache
    return median_time(once, repeat)


def bare_python(repeat: int) -> float:
    """A fresh interpreter that imports what the SDK server needs, then exits."""
    return median_time(lambda: subprocess.run([sys.executable, "-c", IMPORTS], check=True), repeat)


def bare_container(repeat: int) -> float:
    """``docker run --rm`` of the same image running only the same imports (the engine's own cost)."""
    import docker

    client = docker.from_env()

    def once():
        client.containers.run(DOCKER_IMAGE, entrypoint=["/opt/venv/bin/python", "-c", IMPORTS], remove=True,
                              network_disabled=True)

    once()
    return median_time(once, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smallest sizes: checks the benchmark still runs")
    parser.add_argument("--no-docker", action="store_true", help="skip the Docker figure")
    args = parser.parse_args()
    run = BenchRun("startup", command_line(), args.quick)
    repeat = 1 if args.quick else 7
    with tempfile.TemporaryDirectory() as logs:
        process = process_backend(Path(logs), MODEL)
        try:
            t_process = start_seconds(process, repeat)
        finally:
            process.stop_all()
        t_bare = bare_python(repeat)
        run.add(Figure("start to SERVING, process backend (no-op model)", t_process, t_bare, "s",
                       "bare python with the server's imports", target="< 1.0 s",
                       passed=t_process < 1.0 if not args.quick else None,
                       notes=f"no-op model; median of {repeat} starts after a warm one"))
        if not args.no_docker and docker_available():
            docker = docker_backend(Path(logs))
            try:
                t_docker = start_seconds(docker, repeat)
            finally:
                docker.stop_all()
            t_bare_docker = bare_container(repeat)
            run.add(Figure("start to SERVING, docker, warm image (no-op model)", t_docker, t_bare_docker, "s",
                           "docker run of the same image, imports only", target="< 3 s",
                           passed=t_docker < 3.0 if not args.quick else None,
                           notes="hardened container, unix socket, no network"))
    print(f"written {run.save()}")


if __name__ == "__main__":
    main()
