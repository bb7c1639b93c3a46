"""Each benchmark runs once in its smallest size (``--quick``) so that none can rot.

Benchmarks are not tests: nothing here times anything or asserts on speed. It
checks that every ``bench/bench_*.py`` runs to the end and writes a result file
with figures, and that ``bench/report.py`` turns result files into the report.
Docker figures are skipped by the scripts themselves when no engine answers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SCRIPTS = sorted(BENCH.glob("bench_*.py"))


@pytest.mark.timeout(240)
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_bench_runs_in_quick_mode(script: Path, tmp_path: Path) -> None:
    if "--quick" not in script.read_text():
        pytest.skip(f"{script.name} has no --quick mode (bench/harness.py convention) yet")
    env = {**os.environ, "MOW_BENCH_RESULTS": str(tmp_path)}  # never overwrite the full run's figures
    done = subprocess.run([sys.executable, str(script), "--quick"], check=False, cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=230)
    assert done.returncode == 0, f"{script.name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    written = list(tmp_path.glob("*.json"))
    assert len(written) == 1, f"{script.name} wrote {written}"
    result = json.loads(written[0].read_text())
    assert result["quick"] is True and result["command"].endswith("--quick")
    assert result["figures"], f"{script.name} reported no figure"
    for figure in result["figures"]:
        assert figure["mow"] == figure["mow"] and figure["reference"] == figure["reference"], figure  # not NaN
        assert figure["passed"] is None or not result["quick"] or figure["passed"] in (True, False)


def test_report_gathers_results(tmp_path: Path) -> None:
    results = tmp_path / "results"
    env = {**os.environ, "MOW_BENCH_RESULTS": str(results)}
    code = (
        "import sys; sys.path.insert(0, 'bench');"
        "from harness import BenchRun, Figure;"
        "run = BenchRun('overhead', 'python bench/bench_overhead.py', False);"
        "run.add(Figure('overhead per window', 0.5, 0.2, 'ms', 'in-process loop', target='< 2 ms', passed=True));"
        "run.add(Figure('trials/s', 40.0, 200.0, 'trials/s', 'in-process loop'));"
        "run.save()"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)
    md, js = tmp_path / "BENCHMARKS.md", tmp_path / "results.json"
    subprocess.run([sys.executable, str(BENCH / "report.py"), "--results", str(results), "--markdown", str(md),
                    "--json", str(js)], cwd=ROOT, check=True, capture_output=True)
    text = md.read_text()
    assert "| overhead per window | 0.5 ms | 0.2 ms (in-process loop) | 2.5 | < 2 ms | PASS | `python bench/bench_overhead.py` |" in text
    assert "`python bench/bench_overhead.py`" in text
    assert json.loads(js.read_text())["benches"][0]["figures"][0]["ratio"] == pytest.approx(2.5)
