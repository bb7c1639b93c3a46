"""``mow-model``: serve Model subclasses over the mow.v1 protocol."""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys

from ._version import __version__
from .protocol import DEFAULT_MAX_MESSAGE_BYTES
from .server import DEFAULT_MAX_DATASET_BYTES, ModelLoadError, load_model_class, serve_forever, start_server

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


def _die_with_parent() -> None:
    """Ask Linux to send SIGTERM when the parent dies (no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        models = [load_model_class(ref) for ref in args.models]
    except (ModelLoadError, ValueError) as exc:
        print(f"mow-model: error: {exc}", file=sys.stderr)
        return 2
    if args.exit_with_parent:
        _die_with_parent()
    try:
        running = start_server(
            models, args.listen,
            max_message_bytes=args.max_message_bytes, max_dataset_bytes=args.max_dataset_bytes,
        )
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"mow-model: error: cannot serve on {args.listen!r}: {exc}", file=sys.stderr)
        return 2
    print(f"{READY_PREFIX}{running.address}", flush=True)
    serve_forever(running, exit_with_parent=args.exit_with_parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
