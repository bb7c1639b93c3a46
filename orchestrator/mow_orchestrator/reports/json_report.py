"""``report.json``: every number of the report, for machines (see :mod:`.data`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .data import REPORT_VERSION, build_report

__all__ = ["REPORT_VERSION", "build_report", "write_report"]


def write_report(report: dict[str, Any], run_dir: Path) -> Path:
    path = run_dir / "report.json"
    path.write_text(json.dumps(report, indent=2, default=str, allow_nan=False) + "\n")
    return path
