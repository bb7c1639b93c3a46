"""``mow-orchestrate``: tune a model that runs behind the mow.v1 protocol."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import optuna
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import containers_cli, data_cli
from .config import MowConfig, load_config
from .errors import ConfigError, DataError, MowError, UserError
from .interrupt import INTERRUPTED, handle_signals
from .interrupt import check as check_interrupt
from .interrupt import exit_code as interrupt_exit_code
from .optimize.study import run_dir_of, run_study
from .reports import ReportPaths
from .reports.rebuild import NoStudyError, rebuild_reports
from .reports.summary import print_summary

app = typer.Typer(
    help="MOW: tune a model served over gRPC on walk-forward windows, score it on held-out data.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
console = Console(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        from mow_model_sdk import PROTOCOL_VERSION
        from mow_model_sdk import __version__ as sdk_version

        from . import __version__

        typer.echo(f"mow-orchestrate {__version__} (model SDK {sdk_version}, protocol {PROTOCOL_VERSION})")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """MOW: tune a model served over gRPC on walk-forward windows, score it on held-out data."""


app.add_typer(data_cli.app, name="data")
app.add_typer(containers_cli.app, name="containers")
app.command("check-image")(containers_cli.check_image)

EXIT_USER_ERROR = 2
EXIT_NO_TRIAL_COMPLETED = 1


def _fail(message: str, code: int) -> typer.Exit:
    console.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _existing_run_dir(cfg: MowConfig | None) -> Path | None:
    """The run folder of ``cfg`` when it already holds a study (None before the study opened)."""
    if cfg is None:
        return None
    run_dir = run_dir_of(cfg)
    return run_dir if (run_dir / "study.db").is_file() or cfg.study.storage else None


def _interrupted(run_dir: Path | None = None) -> typer.Exit:
    """The exit after Ctrl-C/SIGTERM (130/143); ``run_dir``: where ``report`` can write what finished."""
    hint = f"; `mow-orchestrate report {run_dir}` writes the report of what finished" if run_dir else ""
    return _fail(f"interrupted; model servers stopped. Completed trials are kept in the study storage{hint}.",
                 interrupt_exit_code())


def _error_exit(exc: Exception, debug: bool, config: Path | None = None, run_dir: Path | None = None) -> typer.Exit:
    """The exit for an error: after Ctrl-C/SIGTERM any error is the interruption's doing (130).
    A config or data error names the ``config`` file it is about."""
    if INTERRUPTED.is_set():
        return _interrupted(run_dir)
    if debug:
        raise exc
    message = str(exc)
    if config is not None and isinstance(exc, (ConfigError, DataError)) and not message.startswith(str(config)):
        message = f"{config}: {message}"
    return _fail(message, EXIT_USER_ERROR if isinstance(exc, UserError) else EXIT_NO_TRIAL_COMPLETED)


@app.command()
def run(
    config: Annotated[Path, typer.Argument(help="Study config (TOML).", show_default=False)],
    n_trials: Annotated[Optional[int], typer.Option(help="Override study.n_trials.", min=1)] = None,
    output_dir: Annotated[Optional[Path], typer.Option(help="Override output.dir (runs are written below it).")] = None,
    storage: Annotated[Optional[str], typer.Option(help="Override study.storage (an Optuna storage URL).")] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks and Optuna's own log.")] = False,
) -> None:
    """Run a study: start the model server(s), tune, validate the best configuration, score the holdout, write the reports."""
    overrides: dict[str, object] = {"study.n_trials": n_trials} if n_trials else {}
    if output_dir:
        overrides["output.dir"] = str(output_dir.resolve())
    if storage:
        overrides["study.storage"] = storage
    optuna.logging.set_verbosity(logging.INFO if debug else logging.ERROR)
    handle_signals()
    cfg: MowConfig | None = None
    try:
        cfg = load_config(config, overrides)
        progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        )
        with progress:  # shown from the first trial on; stopped on every exit
            studies = len(cfg.model.names or []) if cfg.model.search == "each" else 1  # one study per model
            task = progress.add_task("trials", total=cfg.study.n_trials * studies, visible=False)

            finished: dict[str, int] = {}  # per study: a continued study counts its earlier trials too

            def advance(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
                trials = study.get_trials(deepcopy=False)
                try:
                    best = f"best {study.best_value:.4g}"
                except (ValueError, RuntimeError):  # no trial completed yet, or a multi-objective study
                    best = f"{sum(t.state == optuna.trial.TrialState.COMPLETE for t in trials)} complete"
                finished[study.study_name] = min(cfg.study.n_trials, sum(
                    t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
                    and not t.user_attrs.get("surplus") for t in trials))
                progress.update(task, completed=sum(finished.values()), description=f"trials ({best})")
                if trial.state == optuna.trial.TrialState.FAIL and not trial.user_attrs.get("surplus"):
                    reason = trial.user_attrs.get("failure") or trial.system_attrs.get("fail_reason", "unknown")
                    progress.console.print(f"[yellow]trial {trial.number} failed:[/] {escape(str(reason))}", highlight=False)
                    if debug and trial.user_attrs.get("failure_traceback"):
                        progress.console.print(trial.user_attrs["failure_traceback"], highlight=False, markup=False)

            result = run_study(
                cfg, callbacks=[advance],
                on_event=lambda m: progress.console.print(m, highlight=False, soft_wrap=True, markup=False),
                on_optimize_start=lambda: progress.update(task, visible=True),
            )
        check_interrupt()  # one that a library swallowed
    except MowError as exc:
        raise _error_exit(exc, debug, config, _existing_run_dir(cfg)) from None
    except KeyboardInterrupt:
        raise _interrupted(_existing_run_dir(cfg)) from None
    print_summary(result.report, Console())
    _print_paths(result.paths, result.storage)
    if result.stopped:
        raise _fail(result.stopped, EXIT_NO_TRIAL_COMPLETED)
    if result.report["status"] != "complete":
        raise typer.Exit(EXIT_NO_TRIAL_COMPLETED)


@app.command()
def worker(
    config: Annotated[Path, typer.Argument(help="Study config (TOML), the same on every machine.", show_default=False)],
    storage: Annotated[Optional[str], typer.Option(
        help="Shared Optuna storage, e.g. postgresql://user:password@host/db (overrides study.storage).")] = None,
    output_dir: Annotated[Optional[Path], typer.Option(help="Override output.dir (logs of this worker).")] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks and Optuna's own log.")] = False,
) -> None:
    """Join a shared study: start this machine's model server(s) and run trials until the
    study has n_trials; `run` on one machine then validates the best and writes the reports."""
    overrides: dict[str, object] = {"study.storage": storage} if storage else {}
    if output_dir:
        overrides["output.dir"] = str(output_dir.resolve())
    optuna.logging.set_verbosity(logging.INFO if debug else logging.ERROR)
    handle_signals()
    try:
        cfg = load_config(config, overrides)
        if cfg.study.storage is None:
            raise ConfigError("study.storage: a worker needs a storage shared with the other workers (--storage postgresql://...)")
        result = run_study(cfg, validate=False, on_event=lambda m: console.print(m, highlight=False, soft_wrap=True, markup=False),
                           callbacks=[_log_trial])
        check_interrupt()
    except MowError as exc:
        raise _error_exit(exc, debug, config) from None
    except KeyboardInterrupt:
        raise _interrupted() from None
    if result.stopped:
        raise _fail(result.stopped, EXIT_NO_TRIAL_COMPLETED)
    console.print(f"worker done: study {result.study_name!r} in {result.storage.split('@')[-1]}", highlight=False)


def _log_trial(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
    """One line per finished trial (workers have no progress bar: several share one study)."""
    if trial.user_attrs.get("surplus"):
        return
    value = "" if trial.values is None else " ".join(f"{v:.4g}" for v in trial.values)
    console.print(f"trial {trial.number} {trial.state.name.lower()} {value}", highlight=False)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by `run`.", show_default=False)],
    study_name: Annotated[Optional[str], typer.Option(help="Study in the storage (default: the only one).")] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Rebuild report.json, report.html and report.md of a run from its Optuna storage.

    Exit codes: 0 written; 1 written, but no trial completed (none ran, or all
    failed or were pruned); 2 no study to report on (a run directory gets a
    report saying so) or bad input.
    """
    optuna.logging.set_verbosity(logging.INFO if debug else logging.ERROR)
    try:
        paths = rebuild_reports(run_dir, study_name)
    except NoStudyError as exc:
        if exc.paths is not None:
            _print_paths(exc.paths, None)
        raise _fail(str(exc), EXIT_USER_ERROR) from None
    except UserError as exc:
        if debug:
            raise
        raise _fail(str(exc), EXIT_USER_ERROR) from None
    print_summary(paths.data, Console())
    _print_paths(paths, paths.data.get("files", {}).get("storage"))
    if paths.data["status"] != "complete":
        raise typer.Exit(EXIT_NO_TRIAL_COMPLETED)


def _print_paths(paths: ReportPaths, storage: str | None) -> None:
    """Where the reports are; the HTML report last, the line to open."""
    out = Console(soft_wrap=True)
    out.print(f"JSON: {paths.json}\nMarkdown: {paths.markdown}", highlight=False)
    if storage:
        out.print(f"Storage: {storage}", highlight=False)
    out.print(f"Report: {paths.html}", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
