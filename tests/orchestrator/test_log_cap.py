"""A model server's output goes to its log file up to a cap; the rest is counted, not kept."""

from __future__ import annotations

import io

from mow_orchestrator.containers.process import copy_capped


def test_output_beyond_the_cap_is_counted_and_dropped(tmp_path):
    log = tmp_path / "model.log"
    copy_capped(io.BufferedReader(io.BytesIO(b"x" * 300)), log, 100)
    text = log.read_bytes()
    assert text.startswith(b"x" * 100) and b"x" * 101 not in text
    assert b"[mow: 200 more bytes of output dropped: the log keeps 100 bytes per start]" in text


def test_output_under_the_cap_is_kept_whole(tmp_path):
    log = tmp_path / "model.log"
    copy_capped(io.BufferedReader(io.BytesIO(b"hello\nworld\n")), log, 100)
    assert log.read_bytes() == b"hello\nworld\n"
