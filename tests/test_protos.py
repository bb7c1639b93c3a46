"""The committed stubs in model_sdk/ must be exactly what proto/ generates."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from support import ROOT


def test_committed_stubs_match_proto(tmp_path):
    pytest.importorskip("grpc_tools")
    spec = importlib.util.spec_from_file_location("gen_protos", ROOT / "tools" / "gen_protos.py")
    gen = importlib.util.module_from_spec(spec)
    sys.modules["gen_protos"] = gen
    spec.loader.exec_module(gen)
    fresh = tmp_path / "_proto"
    gen.generate(fresh)
    committed = ROOT / "model_sdk" / "mow_model_sdk" / "_proto"
    fresh_files = {p.relative_to(fresh): p.read_text() for p in fresh.rglob("*") if p.is_file()}
    committed_files = {
        p.relative_to(committed): p.read_text() for p in committed.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }
    assert sorted(fresh_files) == sorted(committed_files), "stub files differ from proto/: run `make protos`"
    stale = [str(name) for name, text in fresh_files.items() if committed_files[name] != text]
    assert not stale, f"stubs out of date with proto/ ({', '.join(stale)}): run `make protos`"


def test_sdk_does_not_import_the_orchestrator():
    import subprocess

    code = "import sys, mow_model_sdk.server, mow_model_sdk.servicers; sys.exit('mow_orchestrator' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
