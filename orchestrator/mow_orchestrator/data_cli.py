"""``mow-orchestrate data``: fetch and inspect a study's dataset without running a model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from .config import load_config
from .errors import UserError

app = typer.Typer(help="Fetch, verify and inspect the dataset of a study config.", no_args_is_help=True)
_err = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    _err.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@app.command("fetch")
def fetch(config: Annotated[Path, typer.Argument(help="Study config (TOML).", show_default=False)]) -> None:
    """Download (or find) the dataset and verify its SHA-256; runs nothing else."""
    from .data.fetch import resolve_source, sha256_of

    try:
        cfg = load_config(config)
        path = resolve_source(cfg.data)
    except UserError as exc:
        raise _fail(str(exc)) from None
    Console(soft_wrap=True).print(
        f"{path}\nsha256 {sha256_of(path)}  {path.stat().st_size} bytes"
        + ("  (verified)" if cfg.data.sha256 else "  (no data.sha256 to verify against)"),
        highlight=False,
    )


@app.command("show")
def show(
    config: Annotated[Path, typer.Argument(help="Study config (TOML).", show_default=False)],
    picture: Annotated[Optional[Path], typer.Option(help="Write the timeline here (.svg).")] = None,
    train: Annotated[Optional[str], typer.Option(help="Train length to show (default: the largest).")] = None,
) -> None:
    """Print the split and every window (rows, times, sizes); write a timeline SVG."""
    from .data import plan_for, prepare, read_table, resolve_source, split_holdout, trial_train
    from .data.timeline import timeline_svg
    from .metrics import get_metric

    try:
        cfg = load_config(config)
        raw = read_table(resolve_source(cfg.data), cfg.data.format)
        prepared = prepare(raw, cfg.data, numeric_target=get_metric(cfg.study.metric).numeric_target,
                           features=cfg.features, folds=cfg.folds)
        split = split_holdout(prepared, cfg.holdout)
        plan = plan_for(split, cfg.windows, cfg.folds)
        windows = plan.windows(trial_train(int(train) if train and train.strip().isdigit() else train) if train else None)
    except UserError as exc:
        raise _fail(str(exc)) from None
    axis = split.full_axis()

    def when(row: int) -> str:
        return axis.format(int(axis.times[row])) if axis.times is not None and row < axis.n_rows else ""

    out = Console(soft_wrap=True)
    out.print(f"development rows [0, {split.n_dev}) {when(0)} .. {when(split.n_dev - 1)}; "
              f"held out [{split.n_dev}, {split.full.num_rows}) {when(split.n_dev)} .. {when(split.full.num_rows - 1)}; "
              f"{len(windows)} windows in {len(plan.folds)} fold(s)", highlight=False)
    table = Table("window", "fold", "train rows", "train from", "train to", "validation rows", "valid from",
                  "valid to", "n train", "n valid")
    for w in windows:
        if w.indexed:  # i.i.d. folds: index arrays, shown by their sizes
            table.add_row(w.id, str(w.fold), "k-fold rows", "", "", "k-fold rows", "", "", str(w.n_train), str(w.n_valid))
            continue
        table.add_row(w.id, str(w.fold), f"[{w.train_start}, {w.train_stop})", when(w.train_start),
                      when(w.train_stop - 1), f"[{w.valid_start}, {w.valid_stop})", when(w.valid_start),
                      when(w.valid_stop - 1), str(w.n_train), str(w.n_valid))
    out.print(table)
    target = picture or Path(f"{cfg.study.name}-windows.svg")
    target.write_text(timeline_svg(windows, split.n_dev, split.full.num_rows))
    out.print(f"Timeline: {target}", highlight=False)
