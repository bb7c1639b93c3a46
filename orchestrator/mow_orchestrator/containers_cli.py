"""``mow-orchestrate containers`` and ``check-image``: Docker housekeeping."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .config import DockerSection
from .errors import UserError

app = typer.Typer(help="List or remove model containers that MOW started (found by their labels).",
                  no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def _docker():
    from .containers import docker as docker_backend

    return docker_backend


def _fail(message: object) -> typer.Exit:
    """Print ``error: message`` on stderr; the exit (code 2) to raise."""
    errors.print(f"[red]error:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@app.command("list")
def list_(run: Annotated[Optional[str], typer.Option(help="Only containers of this run id (its run folder name).")] = None) -> None:
    """List MOW's containers, running or stopped."""
    try:
        containers = _docker().list_containers(run)
    except UserError as exc:
        raise _fail(exc) from None
    table = Table("id", "status", "run", "study", "worker", "orchestrator", "image", "created")
    for c in containers:
        labels = c.labels
        created = c.attrs.get("Created", "")[:19].replace("T", " ")
        image = c.attrs.get("Config", {}).get("Image", "")
        owner = {True: "running", False: "gone", None: "elsewhere"}[_docker().owner_alive(c)]
        table.add_row(c.short_id, c.status, labels.get("mow.run", ""), labels.get("mow.study", ""),
                      labels.get("mow.worker", ""), f"{labels.get('mow.owner', '?')} ({owner})", image, created)
    console.print(table if containers else "no MOW containers")


@app.command()
def prune(
    run: Annotated[Optional[str], typer.Option(help="Only containers of this run id.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Also containers whose orchestrator still runs "
                                                      "(here or on another machine).")] = False,
) -> None:
    """Force-remove MOW's containers left by killed runs (all of them, or one run's)."""
    try:
        removed, kept = _docker().prune_containers(run, include_live=all_)
    except UserError as exc:
        raise _fail(exc) from None
    console.print(f"removed {removed} container{'s' if removed != 1 else ''}"
                  + (f"; kept {kept} whose orchestrator still runs or runs elsewhere (--all removes them too)"
                     if kept else ""))


def check_image(
    image: Annotated[str, typer.Argument(help="Image that should serve the mow.v1 protocol.", show_default=False)],
    transport: Annotated[str, typer.Option(help="unix (no network) or tcp (127.0.0.1).")] = "unix",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for SERVING.")] = 60.0,
) -> None:
    """Start IMAGE once and check the handshake, an upload, one window and the shutdown."""
    from .containers.check import check_image as run_checks

    if transport not in ("unix", "tcp"):
        raise _fail(f"--transport must be unix or tcp, got {transport!r}")
    settings = DockerSection(image=image, transport=transport)  # type: ignore[arg-type]
    started = dt.datetime.now()
    try:
        run_checks(settings, start_timeout_s=timeout,
                   on_step=lambda s: console.print(f"[green]ok[/] {s.name:<9} {s.seconds:6.2f} s  {s.detail}", highlight=False))
    except UserError as exc:
        raise _fail(exc) from None
    console.print(f"{image} serves mow.v1 ({(dt.datetime.now() - started).total_seconds():.1f} s)")


__all__ = ["app", "check_image"]
