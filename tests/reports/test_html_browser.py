"""The HTML report in a real browser: Debian's headless Chromium, over the DevTools protocol.

Needs the ``chromium`` apt package (``.ci/run`` installs it) and the
``websocket-client`` distribution. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import os

import pytest

from .browser import Browser, find_chromium
from .conftest import ARTIFACTS

CHROMIUM = find_chromium()
if os.environ.get("MOW_REQUIRE_BROWSER") == "1":  # CI: a missing browser is a failure, not a skip
    assert CHROMIUM is not None, "MOW_REQUIRE_BROWSER=1 but chromium is not installed"
    import websocket  # noqa: F401
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
pytest.importorskip("websocket", reason="websocket-client is not installed (pip install websocket-client)")

#: Ready when the page has loaded and every chart plotly was asked to draw has its SVG.
READY = ('document.readyState === "complete" && document.querySelectorAll(".js-plotly-plot .main-svg").length'
         ' >= Number(document.querySelector("meta[name=mow-figures]").content)')
#: The charts the issue asks for, which a single-objective study with pruning must show.
EXPECTED = {"history", "importances", "parallel", "slice", "contour_0", "intermediate", "timeline", "top_trials",
            "window_scores", "predictions", "scatter"}


def _only_local(requests: list[str]) -> list[str]:
    return [u for u in requests if not u.startswith(("file://", "data:", "blob:", "about:"))]


def test_report_renders_every_chart_without_errors(ridge_run):
    report = ridge_run.report
    assert EXPECTED <= set(report["figures"]) and report["figures_not_drawn"] == []
    with Browser(CHROMIUM) as browser:
        page = browser.open((ridge_run.run_dir / "report.html").as_uri(), ready=READY)
        browser.screenshot(ARTIFACTS / "report-ridge-weather.png")
        assert page.errors == []
        assert _only_local(page.requests) == []  # opens offline: no CDN, no fonts, nothing fetched
        drawn = browser.evaluate('Array.from(document.querySelectorAll(".js-plotly-plot")).map(e => e.id)')
        assert sorted(drawn) == sorted(f"fig-{f}" for f in report["figures"])
        # every chart has drawn marks, not just an empty frame
        empty = browser.evaluate(
            'Array.from(document.querySelectorAll(".js-plotly-plot")).filter(e => '
            'e.querySelectorAll(".trace, .parcoords, .cartesianlayer .plot path, .heatmaplayer image").length === 0)'
            '.map(e => e.id)')
        assert empty == []
        # the numbers people quote are on the page
        text = browser.evaluate("document.body.innerText")
        assert f"{report['holdout']['score']:.4g}" in text and f"{report['best']['value']:.4g}" in text
        assert f"Best of {report['counts']['complete']} completed trials" in text


def test_trials_table_sorts_by_a_clicked_column(ridge_run):
    with Browser(CHROMIUM) as browser:
        browser.open((ridge_run.run_dir / "report.html").as_uri(), ready=READY)
        column = 'Array.from(document.querySelectorAll("#trials th")).findIndex(th => th.textContent === "rmse")'
        values = (f'Array.from(document.querySelectorAll("#trials tbody tr")).map(r => r.cells[{column}].textContent)'
                  '.filter(v => v !== "n/a" && !v.startsWith("(")).map(Number)')  # "(x)": a pruned trial's last window
        browser.evaluate(f'document.querySelectorAll("#trials th")[{column}].click()')
        ascending = browser.evaluate(values)
        assert ascending == sorted(ascending) and len(ascending) >= 2
        browser.evaluate(f'document.querySelectorAll("#trials th")[{column}].click()')
        assert browser.evaluate(values) == sorted(ascending, reverse=True)


def test_failed_run_report_says_why_in_the_browser(failed_run):
    with Browser(CHROMIUM) as browser:
        page = browser.open((failed_run.run_dir / "report.html").as_uri(), ready='document.readyState === "complete"')
        browser.screenshot(ARTIFACTS / "report-all-failed.png")
        assert page.errors == [] and _only_local(page.requests) == []
        banner = browser.evaluate('document.querySelector("#status").innerText')
        assert "None of the 3 trials completed" in banner and "boom in fit" in banner
        assert browser.evaluate('document.querySelector("#status").dataset.status') == "no_completed_trial"


def test_comparison_report_links_each_model_and_draws_its_chart(tmp_path):
    from .conftest import run_cli, study_config

    config = study_config(tmp_path, n_trials=3,
                          extra='[model.params]\n"GradientBoostingForecaster.max_iter" = { low = 10, high = 20 }\n')
    config.write_text(config.read_text().replace(
        'entrypoint = "model:RidgeForecaster"',
        'entrypoint = ["model:RidgeForecaster", "model:GradientBoostingForecaster"]\n'
        'name = ["RidgeForecaster", "GradientBoostingForecaster"]\nsearch = "each"'))
    result = run_cli("run", str(config))
    assert result.returncode == 0, result.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    with Browser(CHROMIUM) as browser:
        page = browser.open((run_dir / "report.html").as_uri(), ready=READY)
        browser.screenshot(ARTIFACTS / "report-models-compared.png")
        assert page.errors == [] and _only_local(page.requests) == []
        links = browser.evaluate('Array.from(document.querySelectorAll("#models a")).map(a => a.getAttribute("href"))')
        assert sorted(links) == ["GradientBoostingForecaster/report.html", "RidgeForecaster/report.html"]
        assert browser.evaluate('document.querySelectorAll("#fig-models .trace").length') == 2  # validation, holdout
        page = browser.open((run_dir / "RidgeForecaster" / "report.html").as_uri(), ready=READY)
        assert page.errors == []
