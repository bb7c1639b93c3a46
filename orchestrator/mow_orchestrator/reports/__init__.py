"""Reports of a run, built from its Optuna storage (and ``predictions.parquet``).

:func:`write_reports` writes, into the run directory:

- ``report.json``: every number, for machines (layout version :data:`REPORT_VERSION`);
- ``report.html``: one self-contained page with the charts (plotly.js embedded, opens offline);
- ``report.md``: a Markdown summary.

A run with one study per model (``model.search = "each"``) has these files in each model's
folder, and in the run directory a comparison of the models (:func:`write_comparison`).

They can be rebuilt at any time (``mow-orchestrate report RUN_DIR``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna

from .comparison import build_comparison, write_comparison_files
from .data import REPORT_VERSION, build_report, no_study_report
from .figures import Skipped, build_figures
from .html import render_html
from .json_report import write_report
from .markdown import render_markdown

__all__ = ["REPORT_VERSION", "ReportPaths", "build_report", "write_comparison", "write_no_study_reports", "write_reports"]


@dataclass(frozen=True)
class ReportPaths:
    """The files written, and the report dict that ``report.json`` holds."""

    json: Path
    html: Path
    markdown: Path
    data: dict[str, Any]


def write_reports(study: optuna.Study, run_dir: Path, *, storage: str | None = None) -> ReportPaths:
    """Build the report of ``study`` and write its JSON, HTML and Markdown files into ``run_dir``."""
    report = build_report(study)
    return _write(report, study, run_dir, storage)


def write_comparison(run_dir: Path, name: str, entries: list[tuple[str, Path, ReportPaths]], *,
                     storage: str | None = None) -> ReportPaths:
    """The report that compares the per-model studies of a run (``model.search = "each"``);
    ``entries`` are ``(model, its folder, its written reports)``."""
    report = build_comparison(name, [(model, folder, paths.data) for model, folder, paths in entries])
    if storage:
        report["files"] = {"storage": storage}
    json_path, html_path, md_path = write_comparison_files(report, run_dir)
    return ReportPaths(json_path, html_path, md_path, report)


def write_no_study_reports(run_dir: Path, reason: str) -> ReportPaths:
    """Reports that say plainly that ``run_dir`` holds no study, and why."""
    return _write(no_study_report(reason), None, run_dir, None)


def _write(report: dict[str, Any], study: optuna.Study | None, run_dir: Path, storage: str | None) -> ReportPaths:
    paths = ReportPaths(run_dir / "report.json", run_dir / "report.html", run_dir / "report.md", report)
    files = {"json": paths.json.name, "html": paths.html.name, "markdown": paths.markdown.name}
    if (run_dir / "predictions.parquet").is_file():
        files["predictions"] = "predictions.parquet"
    if storage is None and (run_dir / "study.db").is_file():
        storage = f"sqlite:///{(run_dir / 'study.db').resolve()}"
    if storage:
        files["storage"] = storage
    report["files"] = files
    figures = build_figures(study, report, run_dir)
    report["figures"] = [f.id for f in figures if not isinstance(f, Skipped)]
    report["figures_not_drawn"] = [{"id": f.id, "reason": f.reason} for f in figures if isinstance(f, Skipped)]
    _atomic_write(paths.html, render_html(report, figures))
    _atomic_write(paths.markdown, render_markdown(report))
    write_report(report, run_dir)
    return paths


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
