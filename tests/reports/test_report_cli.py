"""`mow-orchestrate report RUN_DIR`: rebuilds from storage; bad input still gets a report that says so."""

from __future__ import annotations

import json
import re
import shutil

import optuna

from .conftest import run_cli


def _without_time(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "generated_at"}


def test_run_prints_the_html_report_last(ridge_run):
    lines = ridge_run.result.stdout.strip().splitlines()
    assert lines[-1] == f"Report: {ridge_run.run_dir / 'report.html'}"
    assert "Holdout" in ridge_run.result.stdout and "baseline" in ridge_run.result.stdout
    for name in ("report.json", "report.html", "report.md", "predictions.parquet", "study.db"):
        assert (ridge_run.run_dir / name).is_file(), name


def test_report_rebuilds_the_same_numbers_from_storage(ridge_run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(ridge_run.run_dir, copy)
    for name in ("report.json", "report.html", "report.md"):
        (copy / name).unlink()
    result = run_cli("report", str(copy))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"Report: {copy / 'report.html'}"
    rebuilt = json.loads((copy / "report.json").read_text())
    original = ridge_run.report
    for key in ("counts", "best", "trials", "validation", "holdout", "stability", "importances", "figures"):
        assert rebuilt[key] == original[key], key
    assert (copy / "report.html").stat().st_size > 1_000_000  # plotly.js is inside
    assert not re.search(r"<script[^>]*\ssrc=|<link[^>]*\shref=", (copy / "report.html").read_text())  # nothing loaded


def test_all_trials_failed_writes_a_report_with_the_reasons(failed_run):
    report = failed_run.report
    assert report["status"] == "no_completed_trial" and report["best"] is None
    assert report["counts"]["fail"] == 3
    (failure,) = report["failures"]
    assert failure["reason"] == "ValueError: boom in fit (window w000)" and failure["trials"] == [0, 1, 2]
    assert 'raise ValueError("boom in fit")' in failure["traceback"]  # the model's own traceback, from its server
    assert "None of the 3 trials completed" in report["message"] and "boom in fit" in report["message"]
    html = (failed_run.run_dir / "report.html").read_text()
    assert "None of the 3 trials completed" in html and "ValueError: boom in fit" in html
    assert failed_run.result.stdout.strip().splitlines()[-1].startswith("Report: ")
    rebuilt = run_cli("report", str(failed_run.run_dir))
    assert rebuilt.returncode == 1 and "None of the 3 trials completed" in rebuilt.stdout


def test_a_study_without_trials_exits_1_and_says_so(tmp_path):
    optuna.create_study(study_name="empty", storage=f"sqlite:///{tmp_path / 'study.db'}")
    result = run_cli("report", str(tmp_path))
    assert result.returncode == 1, result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["status"] == "no_trials" and "holds no trials" in report["message"]
    assert "holds no trials" in (tmp_path / "report.html").read_text()
    assert "holds no trials" in (tmp_path / "report.md").read_text()


def test_a_run_directory_without_a_study_gets_a_report_and_exit_2(tmp_path):
    (tmp_path / "config.toml").write_text("[study]\nname = 'x'\n")
    (tmp_path / "logs").mkdir()
    result = run_cli("report", str(tmp_path))
    assert result.returncode == 2
    assert "no study.db here" in result.stderr and "Traceback" not in result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["status"] == "no_study" and "see logs/" in report["message"]
    assert "No study to report on" in (tmp_path / "report.html").read_text()


def test_a_folder_that_is_not_a_run_gets_no_files(tmp_path):
    result = run_cli("report", str(tmp_path))
    assert result.returncode == 2 and "no study.db here" in result.stderr
    assert list(tmp_path.iterdir()) == []
    missing = run_cli("report", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "not a folder" in missing.stderr


def test_a_storage_that_is_not_a_database_exits_2_with_one_line(tmp_path):
    (tmp_path / "study.db").write_text("not sqlite")
    result = run_cli("report", str(tmp_path))
    assert result.returncode == 2 and "cannot open the Optuna storage" in result.stderr
    assert "Traceback" not in result.stderr


def test_several_studies_need_a_name(tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    for name in ("a", "b"):
        optuna.create_study(study_name=name, storage=storage).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    result = run_cli("report", str(tmp_path))
    assert result.returncode == 2 and "--study-name: a, b" in result.stderr
    chosen = run_cli("report", str(tmp_path), "--study-name", "b")
    assert chosen.returncode == 0, chosen.stderr
    assert json.loads((tmp_path / "report.json").read_text())["study"] == "b"
