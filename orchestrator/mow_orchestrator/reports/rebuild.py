"""Rebuild a run's reports from its storage (``mow-orchestrate report RUN_DIR``)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import optuna

from ..errors import UserError
from . import ReportPaths, write_comparison, write_no_study_reports, write_reports


class NoStudyError(UserError):
    """The run directory holds no study; ``paths`` are the reports that say so (None: none written)."""

    def __init__(self, message: str, paths: ReportPaths | None = None) -> None:
        super().__init__(message)
        self.paths = paths


def find_storage(run_dir: Path) -> str | None:
    """The run's storage URL: its ``study.db``, else ``study.storage`` of the ``config.toml`` copied into it."""
    db = run_dir / "study.db"
    if db.is_file():
        return f"sqlite:///{db.resolve()}"
    config = run_dir / "config.toml"
    try:
        storage = tomllib.loads(config.read_text()).get("study", {}).get("storage")
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    return storage if isinstance(storage, str) and storage else None


def rebuild_reports(run_dir: Path, study_name: str | None = None) -> ReportPaths:
    """Write report.json, report.html and report.md of the run in ``run_dir`` again.

    A run with one study per model (studies ``<run folder>.<model>``) gets each model's reports
    in its folder again, and the comparison in ``run_dir``.

    Raises:
        UserError: ``run_dir`` is not a folder, its storage does not open, or
            it holds several studies and ``study_name`` names none of them.
        NoStudyError: there is no study; when ``run_dir`` is a run directory
            (it has ``config.toml`` or ``logs/``), reports saying so are written first.
    """
    if not run_dir.is_dir():
        raise UserError(f"{run_dir}: not a folder; give the run directory that `mow-orchestrate run` printed")
    is_run_dir = (run_dir / "config.toml").is_file() or (run_dir / "logs").is_dir()
    storage = find_storage(run_dir)
    if storage is None:
        reason = (f"{run_dir}: no study.db here (the run stopped before its study was created; "
                  "see logs/ for why)" if is_run_dir else
                  f"{run_dir}: no study.db here; give the folder that `mow-orchestrate run` printed")
        raise NoStudyError(reason, write_no_study_reports(run_dir, reason) if is_run_dir else None)
    try:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)]
    except Exception as exc:  # noqa: BLE001 -- SQLAlchemy raises many kinds for a file that is not a database
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{storage}: cannot open the Optuna storage: {first}") from None
    if not names:
        reason = f"{storage} holds no study (the run stopped before its first trial was stored)"
        raise NoStudyError(reason, write_no_study_reports(run_dir, reason))
    per_model = [n for n in names if n.startswith(f"{run_dir.name}.")]
    if study_name is None and len(names) > 1 and per_model == names:  # model.search = "each"
        return _rebuild_comparison(run_dir, storage, names)
    name = study_name or (names[0] if len(names) == 1 else None)
    if name not in names:
        raise UserError(f"{storage}: no study {study_name!r}; studies there: {', '.join(names)}" if study_name
                        else f"{storage}: choose a study with --study-name: {', '.join(names)}")
    study = optuna.load_study(study_name=name, storage=storage)
    return write_reports(study, run_dir, storage=storage)


def _rebuild_comparison(run_dir: Path, storage: str, names: list[str]) -> ReportPaths:
    """Each model's reports in its folder, then the comparison in ``run_dir``."""
    written = []
    for name in names:
        model = name.removeprefix(f"{run_dir.name}.")
        folder = run_dir / model
        folder.mkdir(exist_ok=True)
        written.append((model, folder, write_reports(optuna.load_study(study_name=name, storage=storage), folder,
                                                     storage=storage)))
    return write_comparison(run_dir, run_dir.name, written, storage=storage)
