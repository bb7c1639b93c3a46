"""``mow-orchestrate``: tune a model that runs behind the mow.v1 protocol."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import optuna
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .config import load_config
from .errors import MowError, UserError
from .optimize.study import run_study
from .reports.json_report import build_report, write_report
from .reports.summary import print_summary

app = typer.Typer(
    help="MOW: tune a model served over gRPC on walk-forward windows, score it on held-out data.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
console = Console(stderr=True)

EXIT_USER_ERROR = 2
EXIT_NO_TRIAL_COMPLETED = 1
EXIT_INTERRUPTED = 130


def _fail(message: str, code: int) -> typer.Exit:
    console.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _terminate_as_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@app.command()
def run(
    config: Annotated[Path, typer.Argument(help="Study config (TOML).", show_default=False)],
    n_trials: Annotated[Optional[int], typer.Option(help="Override study.n_trials.", min=1)] = None,
    output_dir: Annotated[Optional[Path], typer.Option(help="Override output.dir (runs are written below it).")] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks and Optuna's own log.")] = False,
) -> None:
    """Run a study: start the model server(s), tune, score the holdout, write report.json."""
    overrides = {"study.n_trials": n_trials} if n_trials else {}
    if output_dir:
        overrides["output.dir"] = str(output_dir.resolve())
    optuna.logging.set_verbosity(logging.INFO if debug else logging.ERROR)
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        cfg = load_config(config, overrides)
        progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        )
        with progress:  # shown from the first trial on; stopped on every exit
            task = progress.add_task("trials", total=cfg.study.n_trials, visible=False)

            def advance(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
                try:
                    best = f"best {study.best_value:.4g}"
                except ValueError:
                    best = "no trial completed yet"
                progress.update(task, advance=1, description=f"trials ({best})")
                if trial.state == optuna.trial.TrialState.FAIL:
                    reason = trial.user_attrs.get("failure") or trial.system_attrs.get("fail_reason", "unknown")
                    progress.console.print(f"[yellow]trial {trial.number} failed:[/] {reason}", highlight=False)

            result = run_study(
                cfg, callbacks=[advance],
                on_event=lambda m: progress.console.print(m, highlight=False, soft_wrap=True),
                on_optimize_start=lambda: progress.update(task, visible=True),
            )
    except UserError as exc:
        if debug:
            raise
        raise _fail(str(exc), EXIT_USER_ERROR) from None
    except MowError as exc:
        if debug:
            raise
        raise _fail(str(exc), EXIT_NO_TRIAL_COMPLETED) from None
    except KeyboardInterrupt:
        raise _fail("interrupted; model servers stopped. Completed trials are kept in the study storage.",
                    EXIT_INTERRUPTED) from None
    print_summary(result.report, Console())
    Console(soft_wrap=True).print(f"Report: {result.run_dir / 'report.json'}\nStorage: {result.storage}", highlight=False)
    if result.report["best"] is None:
        raise typer.Exit(EXIT_NO_TRIAL_COMPLETED)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by `run`.", show_default=False)],
    study_name: Annotated[Optional[str], typer.Option(help="Study in the storage (default: the only one).")] = None,
) -> None:
    """Rebuild report.json of a run from its Optuna storage and print the summary."""
    db = run_dir / "study.db"
    if not db.is_file():
        raise _fail(f"{run_dir}: no study.db here; give the folder that `mow-orchestrate run` printed", EXIT_USER_ERROR)
    storage = f"sqlite:///{db.resolve()}"
    names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
    name = study_name or (names[0] if len(names) == 1 else None)
    if name not in names:
        raise _fail(f"{db}: choose a study with --study-name: {', '.join(names) or 'none stored'}", EXIT_USER_ERROR)
    rebuilt = build_report(optuna.load_study(study_name=name, storage=storage))
    path = write_report(rebuilt, run_dir)
    print_summary(rebuilt, Console())
    Console().print(f"Report: {path}", highlight=False)
    if rebuilt["best"] is None:
        raise typer.Exit(EXIT_NO_TRIAL_COMPLETED)


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
