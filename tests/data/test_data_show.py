"""`mow-orchestrate data show`: the split and every window, and a timeline SVG."""

from __future__ import annotations

from typer.testing import CliRunner

from mow_orchestrator.cli import app

from support import ROOT

EXAMPLE = ROOT / "examples" / "seattle_weather"


def _config(tmp_path, windows: str = "train = 365\nvalidation = 30\nmax_windows = 3\n"):
    path = tmp_path / "study.toml"
    path.write_text(f"""
[study]
name = "show"
[data]
path = "{EXAMPLE / 'data' / 'seattle-weather.csv'}"
time_column = "date"
target = "temp_max"
features = ["temp_min"]
[windows]
{windows}
[model]
entrypoint = "model:RidgeForecaster"
path = "{EXAMPLE}"
[output]
dir = "{tmp_path / 'runs'}"
""")
    return path


def test_show_prints_every_window_and_writes_the_timeline_next_to_the_study(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["data", "show", str(_config(tmp_path))], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "3 windows in 1 fold(s)" in result.output and "2012-01-01" in result.output
    svg = tmp_path / "runs" / "show" / "windows.svg"
    assert svg.read_text().startswith("<svg") and f"Timeline: {svg}" in result.output
    assert not list(tmp_path.glob("*.svg"))  # nothing dropped into the working directory


def test_show_writes_the_timeline_where_asked_and_says_when_it_cannot(tmp_path):
    config = _config(tmp_path)
    result = CliRunner().invoke(app, ["data", "show", str(config), "--picture", str(tmp_path / "t.svg")])
    assert result.exit_code == 0 and (tmp_path / "t.svg").is_file()
    result = CliRunner().invoke(app, ["data", "show", str(config), "--picture", str(tmp_path / "no" / "t.svg")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith(f"error: --picture: cannot write {tmp_path / 'no' / 't.svg'}")


def test_show_with_a_window_that_does_not_fit_exits_2(tmp_path):
    result = CliRunner().invoke(app, ["data", "show", str(_config(tmp_path, "train = 100000\nvalidation = 30\n"))])
    assert result.exit_code == 2 and "error:" in result.output and "Traceback" not in result.output
