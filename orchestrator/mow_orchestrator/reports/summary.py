"""A readable summary of a report for the terminal (rich)."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .text import counts_phrase, fmt, gain_phrase, param_value


def print_summary(report: dict[str, Any], console: Console) -> None:
    if report.get("kind") == "comparison":
        _print_comparison(report, console)
        return
    if report["status"] == "no_study":
        console.print(f"[red]{escape(report['message'])}[/]")
        return
    counts = report["counts"]
    console.print(
        f"[bold]{escape(report['study'])}[/]: {counts_phrase(counts)} — metric {report['metric']} ({report['direction']})"
    )
    best = report["best"]
    if best is None:
        if report["status"] != "complete":
            console.print(f"[red]{escape(report['message'])}[/]")
            failures = report.get("failures") or []
            if failures:  # kept for scripts that look for the first reason
                console.print(f"No trial completed. Failure: {escape(failures[0]['reason'])}")
        else:
            console.print(escape(report["message"]))
        return
    for m in report.get("models") or []:
        value = f"best {m['best_value']:.4g} (trial #{m['best_trial']})" if m["best_value"] is not None else "no trial completed"
        console.print(f"  {escape(m['model'])}: {m['trials']} trials ({m['pruned']} pruned, {m['failed']} failed), {value}")
    pruning = report.get("pruning")
    if pruning and pruning.get("windows_skipped"):
        saved = pruning.get("model_seconds_saved")
        console.print(f"Pruning skipped {pruning['windows_skipped']} of {pruning['windows_skipped'] + pruning['windows_run']} windows"
                      + (f" (about {saved:.1f} s of model time)" if saved is not None else ""))
    table = Table(title=f"Best trial #{best['number']}: {report['metric']} = {best['value']:.4g}")
    table.add_column("parameter")
    table.add_column("value", justify="right")
    for name, value in best["params"].items():
        table.add_row(name, param_value(value))
    console.print(table)
    stability = report.get("stability")
    if stability:
        worst = stability["worst_window"]
        console.print(
            f"Per window ({stability['n_windows']}): min {fmt(stability['min'])}, max {fmt(stability['max'])}, "
            f"std {fmt(stability['std'])}; worst {worst['id']}{' (' + worst['start'] + ')' if worst.get('start') else ''}"
        )
    holdout = report.get("holdout") or {}
    if holdout.get("score") is not None:
        rows = holdout["holdout_rows"][1] - holdout["holdout_rows"][0]
        line = f"[bold]Holdout[/] ({rows} unseen rows): {holdout['metric']} = [bold]{holdout['score']:.4g}[/]"
        notes = []
        if holdout.get("baseline"):
            b = holdout["baseline"]
            notes.append(gain_phrase(holdout.get("gain_vs_baseline_pct"), f"baseline {b['name']} ({fmt(b['score'])})"))
        if holdout.get("default_score") is not None:
            notes.append(gain_phrase(holdout.get("gain_vs_defaults_pct"), f"defaults ({fmt(holdout['default_score'])})"))
        console.print(line + ("; " + ", ".join(notes) if notes else ""))
    elif holdout.get("error"):
        console.print(f"[red]Holdout scoring failed:[/] {escape(holdout['error'])}")
    elif holdout.get("skipped"):
        console.print(f"Holdout: {escape(holdout['skipped'])}")
    validation = report.get("validation") or {}
    if validation.get("windows_error"):
        console.print(f"[red]Retraining the best configuration failed:[/] {escape(validation['windows_error'])}")


def _print_comparison(report: dict[str, Any], console: Console) -> None:
    """One line per model of a run with one study per model, the best first."""
    console.print(f"[bold]{escape(report['study'])}[/]: one study per model — metric {report['metric']} "
                  f"({report['direction']})")
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("model", "validation", "holdout", "ok/pruned/failed"):
        table.add_column(column, justify="right" if column in ("validation", "holdout") else "left")
    for r in report["models"]:
        c = r["counts"] or {}
        name = f"[bold]{escape(r['model'])}[/]" if r["model"] == report["best_model"] else escape(r["model"])
        table.add_row(name, fmt(r["best_value"]), fmt(r["holdout_score"]),
                      f"{c.get('complete', 0)}/{c.get('pruned', 0)}/{c.get('fail', 0)}")
    console.print(table)
    console.print(escape(report["message"]))
