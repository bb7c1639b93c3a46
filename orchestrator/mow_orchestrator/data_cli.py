"""``mow-orchestrate data``: fetch and inspect a study's dataset without running a model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .config import load_config
from .errors import UserError

app = typer.Typer(help="Fetch, verify and inspect the dataset of a study config.", no_args_is_help=True)
_err = Console(stderr=True)


def _fail(message: str, config: Path | None = None) -> typer.Exit:
    """Print ``error: [config: ]message``; the exit (code 2) to raise."""
    if config is not None and not message.startswith(str(config)):
        message = f"{config}: {message}"
    _err.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _output() -> Console:
    """Standard output: the terminal's width, or wide enough for every column when piped."""
    console = Console(soft_wrap=True)
    return console if console.is_terminal else Console(soft_wrap=True, width=200)


@app.command("fetch")
def fetch(config: Annotated[Path, typer.Argument(help="Study config (TOML).", show_default=False)]) -> None:
    """Download (or find) the dataset and verify its SHA-256; runs nothing else."""
    from .data.fetch import resolve_source, sha256_of

    try:
        cfg = load_config(config)
        path = resolve_source(cfg.data)
    except UserError as exc:
        raise _fail(str(exc), config) from None
    Console(soft_wrap=True).print(
        f"{path}\nsha256 {sha256_of(path)}  {path.stat().st_size} bytes"
        + ("  (verified)" if cfg.data.sha256 else "  (no data.sha256 to verify against)"),
        highlight=False,
    )


@app.command("show")
def show(
    config: Annotated[Path, typer.Argument(help="Study config (TOML).", show_default=False)],
    picture: Annotated[Optional[Path], typer.Option(
        help="Write the timeline here (.svg); default: windows.svg in the study's output folder.")] = None,
    train: Annotated[Optional[str], typer.Option(help="Train length to show (default: the largest).")] = None,
) -> None:
    """Print the split and every window (rows, times, sizes); write a timeline SVG."""
    from .data import plan_for, prepare, read_table, resolve_source, split_holdout, trial_train
    from .data.timeline import timeline_svg
    from .metrics import get_metric
    from .optimize.study import study_dir

    try:
        cfg = load_config(config)
        raw = read_table(resolve_source(cfg.data), cfg.data.format)
        prepared = prepare(raw, cfg.data, numeric_target=get_metric(cfg.study.metric).numeric_target,
                           features=cfg.features, folds=cfg.folds, tune=cfg.tune)
        split = split_holdout(prepared, cfg.holdout)
        plan = plan_for(split, cfg.windows, cfg.folds)
        windows = plan.windows(trial_train(int(train) if train and train.strip().isdigit() else train) if train else None)
    except UserError as exc:
        raise _fail(str(exc), config) from None
    axis = split.full_axis()

    def full_time(row: int) -> str:
        return axis.format(int(axis.times[row])) if axis.times is not None and row < axis.n_rows else ""

    edges = [split.n_dev - 1, split.n_dev, split.full.num_rows - 1, *(
        row for w in windows if not w.indexed for row in (w.train_start, w.train_stop - 1, w.valid_start, w.valid_stop - 1))]
    daily = all(full_time(row).endswith("T00:00:00") for row in [0, *edges])

    def when(row: int) -> str:  # dates only for daily data
        return full_time(row).removesuffix("T00:00:00") if daily else full_time(row)

    out = _output()
    out.print(f"development rows [0, {split.n_dev}) {when(0)} .. {when(split.n_dev - 1)}; "
              f"held out [{split.n_dev}, {split.full.num_rows}) {when(split.n_dev)} .. {when(split.full.num_rows - 1)}; "
              f"{len(windows)} windows in {len(plan.folds)} fold(s)", highlight=False)
    out.print(_windows_table(windows, when, with_rows=axis.times is None or out.width >= 120))
    try:
        target = picture or study_dir(cfg) / "windows.svg"  # next to the study's reports
        target.write_text(timeline_svg(windows, split.n_dev, split.full.num_rows))
    except UserError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"--picture: cannot write {target}: {exc.strerror or exc}") from None
    out.print(f"Timeline: {target}", highlight=False)


def _windows_table(windows, when, *, with_rows: bool) -> Table:
    """One row per window: its time spans as ISO 8601 intervals (start/end, both included),
    sizes and, when ``with_rows`` (wide terminals, or data without a time column), row ranges."""
    def span(start: int, stop: int) -> str:
        return f"{when(start)}/{when(stop - 1)}" if when(start) else ""

    columns = ["window", "fold", *(["train rows"] if with_rows else []), "train", *(["valid rows"] if with_rows else []),
               "validation", "n train", "n valid"]
    table = Table(*columns, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True)
    for w in windows:
        if w.indexed:  # i.i.d. folds: index arrays, shown by their sizes
            rows = (["k-fold rows"], ["k-fold rows"]) if with_rows else ([], [])
            table.add_row(w.id, str(w.fold), *rows[0], "", *rows[1], "", str(w.n_train), str(w.n_valid))
            continue
        rows = ([f"[{w.train_start}, {w.train_stop})"], [f"[{w.valid_start}, {w.valid_stop})"]) if with_rows else ([], [])
        table.add_row(w.id, str(w.fold), *rows[0], span(w.train_start, w.train_stop), *rows[1],
                      span(w.valid_start, w.valid_stop), str(w.n_train), str(w.n_valid))
    return table
