"""``mow-model``: serve Model subclasses over the mow.v1 protocol."""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys

from ._version import __version__
from .protocol import DEFAULT_MAX_MESSAGE_BYTES
from .server import (
    DEFAULT_MAX_DATASET_BYTES,
    ModelLoadError,
    load_model_class,
    serve_forever,
    start_server,
    stop_on_signals,
)

#: Printed on stdout once the server accepts calls, followed by the address.
READY_PREFIX = "MOW_LISTENING "


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mow-model", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve one or more models until SIGINT/SIGTERM")
    serve.add_argument("models", nargs="+", metavar="MODULE:CLASS", help="Model subclasses to serve")
    serve.add_argument(
        "--listen", required=True, metavar="ADDRESS",
        help="unix:/path/to.sock, or HOST:PORT (port 0 picks a free one; the bound address is printed)",
    )
    serve.add_argument("--max-message-bytes", type=int, default=DEFAULT_MAX_MESSAGE_BYTES,
                       help="largest gRPC message accepted or sent, bytes (default: %(default)s)")
    serve.add_argument("--max-dataset-bytes", type=int, default=DEFAULT_MAX_DATASET_BYTES,
                       help="memory budget for uploaded datasets, bytes (default: %(default)s)")
    serve.add_argument("--exit-with-parent", action="store_true",
                       help="stop when the process that started this one dies")
    return parser


#: Environment variable in which a launcher names its own PID for ``--exit-with-parent``.
PARENT_PID_ENV = "MOW_PARENT_PID"
#: Environment variable naming a file on which the launcher holds an exclusive ``flock`` while it
#: wants this server; the server stops once the lock is free (the launcher died). Containers use it:
#: there the launcher is no parent process.
OWNER_LOCK_ENV = "MOW_OWNER_LOCK"


def _open_owner_lock() -> int | None:
    path = os.environ.get(OWNER_LOCK_ENV)
    if not path:
        return None
    try:
        return os.open(path, os.O_RDONLY)
    except OSError as exc:
        print(f"mow-model: warning: {OWNER_LOCK_ENV}={path} does not open ({exc.strerror}); "
              "not watching the launcher", file=sys.stderr)
        return None


def _die_with_parent() -> int:
    """Ask Linux to SIGTERM this process when its parent dies; return the parent's PID to watch.

    The launcher may name itself in ``MOW_PARENT_PID``: when the parent died before this
    call, ``getppid()`` already names the new parent (init), and only the launcher's own
    word shows that it is gone.
    """
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    named = os.environ.get(PARENT_PID_ENV, "")
    return int(named) if named.isdigit() else os.getppid()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    requested = stop_on_signals()  # from the start: a stop request while models load is kept
    parent_pid = _die_with_parent() if args.exit_with_parent else None  # first: loading models takes time
    if parent_pid is not None and os.getppid() != parent_pid:
        print("mow-model: the process that started this server is gone; not serving", file=sys.stderr)
        return 1
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        models = [load_model_class(ref) for ref in args.models]
    except (ModelLoadError, ValueError) as exc:
        print(f"mow-model: error: {exc}", file=sys.stderr)
        return 2
    try:
        running = start_server(
            models, args.listen,
            max_message_bytes=args.max_message_bytes, max_dataset_bytes=args.max_dataset_bytes,
        )
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"mow-model: error: cannot serve on {args.listen!r}: {exc}", file=sys.stderr)
        return 2
    print(f"{READY_PREFIX}{running.address}", flush=True)
    serve_forever(running, parent_pid=parent_pid, owner_lock_fd=_open_owner_lock(), requested=requested)
    # Stopped, and running calls had their grace period. A fit that ignores cancellation may still
    # hold a worker thread; waiting for it at interpreter exit would only delay the launcher.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
