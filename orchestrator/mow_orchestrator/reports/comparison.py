"""The report of a run with one study per model (``model.search = "each"``).

Each model's study has its full report in ``<run>/<model>/``; this module writes, into the
run directory, a report that puts them side by side: ``report.json`` (``kind`` =
``"comparison"``), ``report.html`` (a table and a chart, each model linked to its own
report) and ``report.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from .data import REPORT_VERSION, clean
from .figures import Figure
from .text import fmt, gain_phrase, param_value


def build_comparison(name: str, entries: list[tuple[str, Path, dict[str, Any]]]) -> dict[str, Any]:
    """The comparison of the per-model reports in ``entries``: ``(model, its run folder, its report)``."""
    rows = [_row(model, folder, report) for model, folder, report in entries]
    first = next((r for _, _, r in entries if r.get("direction")), {})
    direction, metric = first.get("direction"), first.get("metric")
    scored = [r for r in rows if r["best_value"] is not None and math.isfinite(r["best_value"])]
    winner = (min if direction == "minimize" else max)(scored, key=lambda r: r["best_value"]) if scored else None
    if winner is None and any((r["counts"] or {}).get("complete") for r in rows):  # multi-objective studies
        status, message = "complete", "Every model has a Pareto front of its own (in its report); there is no single best."
    elif winner is None:
        status, message = "no_completed_trial", f"No model completed a trial ({len(rows)} studies; see each model's report)."
    else:
        status = "complete"
        message = f"{winner['model']} is best on the validation windows: {metric} {fmt(winner['best_value'])}"
        if winner["holdout_score"] is not None:
            message += f", {fmt(winner['holdout_score'])} on the holdout"
        others = [r for r in scored if r is not winner]
        if others:
            message += "; next: " + ", ".join(f"{r['model']} {fmt(r['best_value'])}" for r in others)
        message += "."
    return clean({
        "report_version": REPORT_VERSION,
        "kind": "comparison",
        "study": name,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "metric": metric,
        "direction": direction,
        "models": rows,
        "best_model": winner and winner["model"],
        "status": status,
        "message": message,
    })


def _row(model: str, folder: Path, report: dict[str, Any]) -> dict[str, Any]:
    best = report.get("best") or {}
    holdout = report.get("holdout") or {}
    stability = report.get("stability") or {}
    return {
        "model": model,
        "study": report.get("study"),
        "folder": folder.name,
        "status": report.get("status"),
        "counts": report.get("counts"),
        "best_value": best.get("value"),
        "best_trial": best.get("number"),
        "best_params": best.get("params"),
        "windows_std": stability.get("std"),
        "worst_window": (stability.get("worst_window") or {}).get("score"),
        "holdout_score": holdout.get("score"),
        "holdout_default_score": holdout.get("default_score"),
        "holdout_baseline": holdout.get("baseline"),
        "gain_vs_baseline_pct": holdout.get("gain_vs_baseline_pct"),
        "holdout_error": holdout.get("error"),
        "report": f"{folder.name}/report.html",
    }


def comparison_figure(report: dict[str, Any]) -> Figure | None:
    """Grouped bars: each model's best validation score and its holdout score."""
    rows = [r for r in report["models"] if r["best_value"] is not None]
    if not rows:
        return None
    fig = go.Figure()
    fig.add_bar(name="validation (best trial)", x=[r["model"] for r in rows], y=[r["best_value"] for r in rows])
    fig.add_bar(name="holdout", x=[r["model"] for r in rows], y=[r["holdout_score"] for r in rows])
    fig.update_layout(barmode="group", height=380, margin={"l": 60, "r": 20, "t": 30, "b": 50},
                      yaxis_title=report["metric"], template="plotly_white", legend={"orientation": "h", "y": 1.12})
    return Figure("models", "comparison", "Models side by side", f"{report['metric']} ({report['direction']}) of "
                  "each model's best trial on the validation windows and of its refit on the holdout.", fig)


def render_comparison_html(report: dict[str, Any]) -> str:
    """A self-contained page: the verdict, one row per model (linked to its report), the chart."""
    from plotly.offline import get_plotlyjs

    from .html import _CSS, _SORT_JS, _chart, _e, _table

    figure = comparison_figure(report)
    metric = report["metric"] or "score"
    rows = []
    for r in report["models"]:
        c = r["counts"] or {}
        baseline = r["holdout_baseline"]
        rows.append([
            (f"<a href='{_e(r['report'])}'>{_e(r['model'])}</a>", r["model"]),
            (fmt(r["best_value"]), r["best_value"]), (fmt(r["holdout_score"]), r["holdout_score"]),
            (gain_phrase(r["gain_vs_baseline_pct"], f"{baseline['name']} ({fmt(baseline['score'])})", html=True)
             if baseline else _e(r["holdout_error"] or "n/a"), r["gain_vs_baseline_pct"]),
            (fmt(r["windows_std"]), r["windows_std"]),
            f"{c.get('complete', 0)} / {c.get('pruned', 0)} / {c.get('fail', 0)}",
            ", ".join(f"{k} = {param_value(v)}" for k, v in (r["best_params"] or {}).items()) or "—",
        ])
    winner = {i for i, r in enumerate(report["models"]) if r["model"] == report["best_model"]}
    table = _table(["model", f"validation {metric}", f"holdout {metric}", "holdout vs naive baseline",
                    "std across windows", "complete / pruned / failed", "best parameters"],
                   rows, cls="sortable", numeric={1, 2, 4}, highlight=winner)
    kind = "complete" if report["status"] == "complete" else "problem"
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="mow-figures" content="{1 if figure else 0}">',
        f"<title>MOW report: {_e(report['study'])} (models compared)</title>", f"<style>{_CSS}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>' if figure else "",
        "</head><body>",
        f"<header><h1>{_e(report['study'])}</h1><div class='sub'>one study per model · metric <b>{_e(metric)}</b> "
        f"({_e(report['direction'])}) · generated {_e(report['generated_at'])}</div></header>",
        "<main>",
        f"<div class='banner {kind}' id='status' data-status='{_e(report['status'])}'>{_e(report['message'])}</div>",
        f"<section id='models'><h2>Models</h2><div class='scroll'>{table}</div>"
        "<p class='muted'>Each model name opens that model's own report (validation, optimization, every trial).</p>"
        "</section>",
        f"<section>{_chart(figure)}</section>" if figure else "",
        "</main>", f"<script>{_SORT_JS}</script>", "</body></html>",
    ])


def render_comparison_markdown(report: dict[str, Any]) -> str:
    metric = report["metric"] or "score"
    lines = [f"# MOW report: {report['study']} (one study per model)", "", f"**{report['message']}**", "",
             f"| model | validation {metric} | holdout {metric} | complete / pruned / failed | report |",
             "|---|---:|---:|---:|---|"]
    for r in report["models"]:
        c = r["counts"] or {}
        lines.append(f"| {r['model']} | {fmt(r['best_value'])} | {fmt(r['holdout_score'])} | "
                     f"{c.get('complete', 0)} / {c.get('pruned', 0)} / {c.get('fail', 0)} | `{r['report']}` |")
    return "\n".join(lines) + "\n"


def write_comparison_files(report: dict[str, Any], run_dir: Path) -> tuple[Path, Path, Path]:
    """Write ``report.json``, ``report.html`` and ``report.md`` of a comparison into ``run_dir``."""
    from . import _atomic_write

    json_path, html_path, md_path = run_dir / "report.json", run_dir / "report.html", run_dir / "report.md"
    report["files"] = {**report.get("files", {}), "json": json_path.name, "html": html_path.name, "markdown": md_path.name}
    report["figures"] = ["models"] if comparison_figure(report) else []
    _atomic_write(html_path, render_comparison_html(report))
    _atomic_write(md_path, render_comparison_markdown(report))
    _atomic_write(json_path, json.dumps(report, indent=2, default=str, allow_nan=False) + "\n")
    return json_path, html_path, md_path
