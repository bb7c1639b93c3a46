"""A readable summary of a report for the terminal (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def print_summary(report: dict[str, Any], console: Console) -> None:
    counts = report["counts"]
    console.print(
        f"[bold]{report['study']}[/]: {counts['complete']} complete, {counts['pruned']} pruned, "
        f"{counts['fail']} failed — metric {report['metric']} ({report['direction']})"
    )
    best = report["best"]
    if best is None:
        failures = {t["failure"] for t in report["trials"] if t.get("failure")}
        console.print("[red]No trial completed.[/]" + (f" Failure: {next(iter(failures))}" if failures else ""))
        return
    table = Table(title=f"Best trial #{best['number']}: {report['metric']} = {best['value']:.4g}")
    table.add_column("parameter")
    table.add_column("value", justify="right")
    for name, value in {**best["model_params"], **{k: v for k, v in best["params"].items() if k.startswith("windows.")}}.items():
        table.add_row(name, f"{value:.4g}" if isinstance(value, float) else str(value))
    console.print(table)
    windows = best["windows"]
    if windows:
        scores = [w["score"] for w in windows]
        console.print(
            f"Per window ({len(windows)}): min {min(scores):.4g}, max {max(scores):.4g}; "
            f"fit {sum(w['fit_s'] for w in windows):.2f} s in total"
        )
    holdout = report.get("holdout")
    if holdout and "score" in holdout:
        line = f"[bold]Holdout[/] ({holdout['holdout_rows'][1] - holdout['holdout_rows'][0]} unseen rows): {holdout['metric']} = {holdout['score']:.4g}"
        if holdout.get("baseline"):
            line += f"  (baseline, {holdout['baseline']['name']}: {holdout['baseline']['score']:.4g})"
        console.print(line)
    elif holdout and "error" in holdout:
        console.print(f"[red]Holdout scoring failed:[/] {holdout['error']}")
