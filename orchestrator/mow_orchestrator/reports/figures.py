"""The report's charts, as plotly figures.

Optimization charts come from :mod:`optuna.visualization` (history, parallel
coordinates, slices, contours, per-window intermediate values, timeline,
Pareto front); importances, validation and holdout charts are drawn here from
the report dict and the run's ``predictions.parquet``. A chart that cannot be
drawn is left out with its reason, never failing the report.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import plotly.graph_objects as go
import pyarrow as pa
import pyarrow.parquet as pq

#: Most points drawn per line and per scatter; longer series are thinned evenly (the data stay in
#: predictions.parquet). Charts are SVG, not WebGL, so they draw wherever the page opens.
MAX_POINTS = 20_000
MAX_MARKERS = 5_000
#: Most classes drawn in a confusion matrix.
MAX_LABELS = 30
#: Trials whose window scores are drawn side by side, best first.
N_TOP_TRIALS = 10
#: The parameter of a study that chooses between models (``optimize.search_space.MODEL_CHOICE``).
MODEL_CHOICE = "model"
#: Parameters whose pairs get a contour plot (the most important first).
N_CONTOUR_PARAMS = 3

_COLORS = {"actual": "#222222", "tuned": "#1f77b4", "defaults": "#ff7f0e", "baseline": "#7f7f7f"}
_BASELINE_DASH = ("dot", "dash", "dashdot")


@dataclass(frozen=True)
class Figure:
    """One chart of the report: where it goes, its title and a sentence on how to read it."""

    id: str
    section: str
    title: str
    caption: str
    figure: go.Figure


@dataclass(frozen=True)
class Skipped:
    """A chart left out, and why."""

    id: str
    section: str
    title: str
    reason: str


def build_figures(study: optuna.Study | None, report: dict[str, Any], run_dir: Path) -> list[Figure | Skipped]:
    """Every chart the report can draw for ``study``, in the order they appear."""
    if study is None or report["counts"]["complete"] == 0:
        return []
    predictions = _read_predictions(run_dir / "predictions.parquet")
    multi = len(report["directions"]) > 1
    metric = report["metric"] or "score"
    specs: list[tuple[str, str, str, str, Callable[[], go.Figure | None]]] = [
        ("history", "optimization", "Optimization history",
         f"Each dot is a completed trial's mean {metric} over the validation windows; the line is the best so far.",
         lambda: None if multi else _optuna(optuna.visualization.plot_optimization_history, study, metric)),
        ("pareto", "optimization", "Pareto front", "Trials no other trial beats on every objective.",
         lambda: _optuna(optuna.visualization.plot_pareto_front, study, metric) if multi else None),
        ("importances", "optimization", "Parameter importances",
         (f"Share of the variation of {metric} across trials explained by each parameter "
          f"({(report['importances'] or {}).get('method') or 'n/a'})."
          + (" With several models, each model's own parameters exist only in its trials and are not rated here."
             if report.get("models") else "")),
         lambda: _importances(report)),
        ("parallel", "optimization", "Parallel coordinates",
         "One line per completed trial through its parameter values, coloured by its score.",
         lambda: None if multi else _optuna(optuna.visualization.plot_parallel_coordinate, study, metric)),
        ("slice", "optimization", "Slice plots",
         f"{metric} against each parameter on its own; darker dots are later trials.",
         lambda: None if multi else _optuna(optuna.visualization.plot_slice, study, metric)),
        *_contour_specs(study, report, multi),
        ("intermediate", "optimization", "Score per window, by trial",
         (f"Each line is a trial's {metric} on its windows in time order (step = window); "
          "pruned trials stop early."),
         lambda: _optuna(optuna.visualization.plot_intermediate_values, study, metric)),
        ("top_trials", "optimization", f"Window scores of the {N_TOP_TRIALS} best trials",
         "The spread of each trial's window scores: how sure the ranking is.",
         lambda: _top_trials(report)),
        ("timeline", "optimization", "Timeline", "When each trial ran and how it ended.",
         lambda: _optuna(optuna.visualization.plot_timeline, study, metric)),
        ("window_scores", "validation", f"{metric} per validation window",
         "The best configuration retrained on every window, next to the model's defaults and the naive baselines.",
         lambda: _window_scores(report)),
        ("predictions", "validation", "Predicted and actual values",
         ("Validation windows, then the holdout part (shaded) that no trial saw. "
          "Click a legend entry to show or hide a series."),
         lambda: _predictions(report, predictions)),
        ("scatter", "validation", "Predicted against actual",
         "Holdout rows counted by actual and predicted label; the diagonal is right."
         if report.get("task") == "classification" else "Points on the diagonal are exact predictions.",
         lambda: _scatter(report, predictions)),
    ]
    out: list[Figure | Skipped] = []
    for fid, section, title, caption, draw in specs:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fig = draw()
        except Exception as exc:  # noqa: BLE001 -- a chart must never cost the user the whole report
            out.append(Skipped(fid, section, title, f"{type(exc).__name__}: {exc}"))
            continue
        if fig is not None:
            _style(fig)
            out.append(Figure(fid, section, title, caption, fig))
    return out


def _optuna(plot: Callable[..., go.Figure], study: optuna.Study, metric: str | None = None, **kwargs: Any) -> go.Figure:
    """An optuna.visualization chart, sized by the page and speaking of the metric by name."""
    fig = plot(study, **kwargs)
    fig.update_layout(title=None, width=None)
    names = {"Objective Value": metric or "score", "Intermediate Value": metric or "score",
             "Step": "window (in time order)", "Datetime": "time"}

    def rename(axis: Any) -> None:
        if axis.title and axis.title.text in names:
            axis.update(title_text=names[axis.title.text])

    fig.for_each_xaxis(rename)
    fig.for_each_yaxis(rename)
    for trace in fig.data:
        if getattr(trace, "name", None) in names:
            trace.name = names[trace.name]
        for holder in (getattr(trace, "marker", None), getattr(trace, "line", None), trace):
            bar = getattr(holder, "colorbar", None)
            if bar is not None and bar.title and bar.title.text in names:
                bar.title.text = names[bar.title.text]
        if trace.type == "parcoords":
            trace.dimensions = [d.update(label=names.get(d.label, d.label)) for d in trace.dimensions]
    return fig


def _style(fig: go.Figure) -> None:
    fig.update_layout(template="plotly_white", margin={"l": 60, "r": 30, "t": 30, "b": 50},
                      font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
                      legend={"orientation": "h", "y": -0.18} if fig.layout.legend.orientation is None else {})
    if fig.layout.height is None:
        fig.update_layout(height=420)


def _contour_specs(study: optuna.Study, report: dict[str, Any], multi: bool):
    values = (report.get("importances") or {}).get("values") or {}
    # not the model choice: interpolating a score between two models means nothing
    ranked = [name for name in values if values[name] is not None and name != MODEL_CHOICE][:N_CONTOUR_PARAMS]
    if multi or len(ranked) < 2:
        return []
    return [
        (f"contour_{i}", "optimization", f"Contour: {a} × {b}",
         f"{report['metric']} interpolated over the pair {a}, {b} (two of the most important parameters); dots are trials.",
         lambda a=a, b=b: _optuna(optuna.visualization.plot_contour, study, report["metric"], params=[a, b]))
        for i, (a, b) in enumerate(itertools.combinations(ranked, 2))
    ]


def _importances(report: dict[str, Any]) -> go.Figure | None:
    values = (report.get("importances") or {}).get("values") or {}
    if not values:
        return None
    names = list(values)[::-1]
    fig = go.Figure(go.Bar(x=[values[n] for n in names], y=names, orientation="h", marker_color=_COLORS["tuned"],
                           text=[f"{values[n]:.2f}" for n in names], textposition="auto",
                           hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_layout(xaxis_title="importance (sums to 1)", height=max(220, 60 + 40 * len(names)))
    return fig


def _top_trials(report: dict[str, Any]) -> go.Figure | None:
    if len(report["directions"]) > 1:
        return None
    reverse = report["direction"] == "maximize"
    complete = [t for t in report["trials"] if t["state"] == "complete" and t["value"] is not None and t["windows"]]
    top = sorted(complete, key=lambda t: t["value"], reverse=reverse)[:N_TOP_TRIALS]
    if len(top) < 2:
        return None
    fig = go.Figure()
    for t in top:
        fig.add_trace(go.Box(
            y=[w["score"] for w in t["windows"]], name=f"#{t['number']}", boxpoints="all", jitter=0.3,
            text=[w["id"] for w in t["windows"]], marker_color=_COLORS["tuned"] if t is top[0] else "#9ab",
            hovertemplate="trial %{x}, window %{text}: %{y:.4g}<extra></extra>",
        ))
    fig.update_layout(showlegend=False, xaxis_title="trial (best first)", yaxis_title=report["metric"])
    return fig


def _window_x(windows: list[dict[str, Any]]) -> tuple[list[Any], str]:
    if all(w.get("start") for w in windows):
        return [w["start"] for w in windows], "start of the validation window"
    return [w["id"] for w in windows], "window"


def _window_scores(report: dict[str, Any]) -> go.Figure | None:
    validation = report.get("validation")
    if not validation or not validation.get("windows"):
        return None
    windows = validation["windows"]
    x, x_title = _window_x(windows)
    ids = [w["id"] for w in windows]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=[w["score"] for w in windows], name=f"tuned (trial #{validation['trial']})",
                             mode="lines+markers", line={"color": _COLORS["tuned"], "width": 3}, text=ids,
                             hovertemplate="%{text}: %{y:.4g}<extra>tuned</extra>"))
    if any(w.get("default_score") is not None for w in windows):
        fig.add_trace(go.Scatter(x=x, y=[w.get("default_score") for w in windows], name="model defaults",
                                 mode="lines+markers", line={"color": _COLORS["defaults"]}, text=ids,
                                 hovertemplate="%{text}: %{y:.4g}<extra>defaults</extra>"))
    names = list(dict.fromkeys(n for w in windows for n in w.get("baselines", {})))
    for name, dash in zip(names, itertools.cycle(_BASELINE_DASH)):
        fig.add_trace(go.Scatter(x=x, y=[w["baselines"].get(name) for w in windows], name=f"baseline: {name}",
                                 mode="lines+markers", line={"color": _COLORS["baseline"], "dash": dash}, text=ids,
                                 hovertemplate="%{text}: %{y:.4g}<extra>" + name + "</extra>"))
    fig.update_layout(xaxis_title=x_title, yaxis_title=report["metric"])
    return fig


def _read_predictions(path: Path) -> pa.Table | None:
    try:
        return pq.read_table(path) if path.is_file() else None
    except (OSError, pa.ArrowInvalid):
        return None


def _thin(n: int, most: int = MAX_POINTS) -> slice:
    return slice(None, None, max(1, -(-n // most)))


def _column(table: pa.Table, name: str) -> np.ndarray | None:
    return table.column(name).to_numpy(zero_copy_only=False) if name in table.column_names else None


def _predictions(report: dict[str, Any], table: pa.Table | None) -> go.Figure | None:
    if table is None or table.num_rows == 0:
        return None
    step = _thin(table.num_rows)
    x = _column(table, "time")
    x = (x if x is not None else _column(table, "row"))[step]
    part = _column(table, "part")[step]
    fig = go.Figure()
    series = [("actual", "actual", _COLORS["actual"], True, None),
              ("tuned", "tuned", _COLORS["tuned"], True, None),
              ("defaults", "model defaults", _COLORS["defaults"], "legendonly", None)]
    series += [(name, name, _COLORS["baseline"], "legendonly", dash) for name, dash in
               zip([c for c in table.column_names if c.startswith("baseline: ")], itertools.cycle(_BASELINE_DASH))]
    window = _column(table, "window")[step]
    breaks = np.flatnonzero(window[1:] != window[:-1]) + 1  # a gap between windows is not drawn over
    x = np.insert(x.astype(object), breaks, None)
    for column, label, color, visible, dash in series:
        y = _column(table, column)
        if y is None:
            continue
        y = np.insert(y[step].astype(object), breaks, None)
        fig.add_trace(go.Scatter(x=x, y=y, name=label, mode="lines", visible=visible, connectgaps=False,
                                   line={"color": color, "width": 2 if column == "actual" else 1.5, "dash": dash}))
    holdout = np.flatnonzero(part == "holdout")
    if len(holdout):
        first, last = holdout[0] + np.searchsorted(breaks, holdout[0], side="right"), len(x) - 1
        fig.add_vrect(x0=x[first], x1=x[last], fillcolor="#f4d03f", opacity=0.15, line_width=0,
                      annotation_text="holdout", annotation_position="top left")
    fig.update_layout(xaxis_title="time" if "time" in table.column_names else "row",
                      yaxis_title=(report.get("validation") or {}).get("target") or "target")
    return fig


def _scatter(report: dict[str, Any], table: pa.Table | None) -> go.Figure | None:
    if table is None or "tuned" not in table.column_names or table.num_rows == 0:
        return None
    actual, tuned, part = _column(table, "actual"), _column(table, "tuned"), _column(table, "part")
    if report.get("task") == "classification" or not (np.issubdtype(actual.dtype, np.number)
                                                      and np.issubdtype(tuned.dtype, np.number)):
        return _confusion(actual, tuned, part)
    fig = go.Figure()
    for name, color in (("window", _COLORS["tuned"]), ("holdout", "#d35400")):
        rows = np.flatnonzero((part == name) & np.isfinite(tuned.astype(np.float64)))
        if not len(rows):
            continue
        rows = rows[_thin(len(rows), MAX_MARKERS)]
        fig.add_trace(go.Scatter(x=actual[rows], y=tuned[rows], mode="markers", opacity=0.6,
                                   name="validation windows" if name == "window" else "holdout",
                                   marker={"color": color, "size": 5}))
    finite = np.concatenate([actual.astype(np.float64), tuned.astype(np.float64)])
    finite = finite[np.isfinite(finite)]
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="exact",
                                 line={"color": "#aaa", "dash": "dash"}, hoverinfo="skip"))
    fig.update_layout(xaxis_title="actual", yaxis_title="predicted (tuned)", height=480)
    return fig


def _confusion(actual: np.ndarray, predicted: np.ndarray, part: np.ndarray) -> go.Figure | None:
    rows = part == "holdout" if (part == "holdout").any() else np.ones(len(part), dtype=bool)
    a, p = actual[rows].astype(str), predicted[rows].astype(str)
    labels = sorted(set(a) | set(p))
    if len(labels) > MAX_LABELS:  # probabilities or a regression target: no confusion matrix
        return None
    index = {label: i for i, label in enumerate(labels)}
    counts = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for ai, pi in zip(a, p, strict=True):
        counts[index[ai], index[pi]] += 1
    fig = go.Figure(go.Heatmap(z=counts, x=labels, y=labels, colorscale="Blues", text=counts, texttemplate="%{text}",
                               hovertemplate="actual %{y}, predicted %{x}: %{z}<extra></extra>"))
    fig.update_layout(xaxis_title="predicted", yaxis_title="actual", yaxis_autorange="reversed", height=480)
    return fig
