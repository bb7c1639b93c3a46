"""Generate the Python gRPC stubs in model_sdk/ from proto/.

Usage: python tools/gen_protos.py [OUT_DIR]

OUT_DIR defaults to model_sdk/mow_model_sdk/_proto. protoc (from grpcio-tools)
writes ``mow/v1/*_pb2*.py`` with absolute imports (``from mow.v1 import ...``);
they are rewritten to relative imports so that the stubs live inside the SDK
package and never claim a top-level ``mow`` package.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
DEFAULT_OUT = ROOT / "model_sdk" / "mow_model_sdk" / "_proto"
_ABSOLUTE_IMPORT = re.compile(r"^from mow\.v1 import (\w+)", re.MULTILINE)


def generate(out_dir: Path) -> list[Path]:
    """Run protoc on every .proto under proto/ and write the stubs to out_dir."""
    protos = sorted(str(p.relative_to(PROTO_DIR)) for p in PROTO_DIR.rglob("*.proto"))
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            "protoc",
            f"-I{PROTO_DIR}",
            f"-I{Path(protoc.__file__).parent / '_proto'}",
            f"--python_out={tmp}",
            f"--pyi_out={tmp}",
            f"--grpc_python_out={tmp}",
            *protos,
        ]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        written = []
        for src in sorted(Path(tmp).rglob("*.py*")):
            rel = src.relative_to(tmp)
            dst = out_dir / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_text(_ABSOLUTE_IMPORT.sub(r"from . import \1", src.read_text()))
            written.append(dst)
    for package in {out_dir, *(p.parent for p in written)}:
        init = package / "__init__.py"
        while package != out_dir.parent and not init.exists():
            init.write_text("")
            package = package.parent
            init = package / "__init__.py"
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    for path in generate(out):
        print(path.relative_to(out.parent) if out == DEFAULT_OUT else path)
