"""One self-contained HTML file per run: plotly.js embedded, no network needed.

The page answers, top to bottom: which configuration won and what it scores on
data no trial saw, next to the model's defaults and a naive baseline; how it
behaves across time (validation windows); how the search went (optimization
charts, counts, cost, failures); and every trial in a sortable table.
"""

from __future__ import annotations

import html
import json
from typing import Any

import plotly.io as pio
from plotly.offline import get_plotlyjs

from .figures import Figure, Skipped
from .text import fmt, fmt_bytes, fmt_pct, fmt_seconds, gain_phrase, param_value

_CSS = """
:root { --fg:#1d232a; --muted:#5b6670; --line:#e3e7eb; --bg:#f6f8fa; --card:#fff; --accent:#1f77b4;
        --good:#1e8449; --bad:#b03a2e; --warn:#9a7d0a; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg); }
header { background:#14202b; color:#fff; padding:20px 32px; }
header h1 { margin:0 0 4px; font-size:22px; font-weight:600; }
header .sub { color:#b8c4ce; }
nav { position:sticky; top:0; z-index:10; background:#fff; border-bottom:1px solid var(--line); padding:8px 32px; }
nav a { margin-right:18px; color:var(--accent); text-decoration:none; font-weight:500; }
main { max-width:1280px; margin:0 auto; padding:20px 32px 48px; }
section { margin-top:28px; }
h2 { font-size:19px; margin:0 0 12px; padding-bottom:6px; border-bottom:2px solid var(--line); }
h3 { font-size:15px; margin:18px 0 6px; }
.banner { padding:12px 16px; border-radius:6px; margin:16px 0; font-size:15px; }
.banner.complete { background:#eaf4fb; border:1px solid #b6d4ea; }
.banner.problem { background:#fdecea; border:1px solid #f1b0a8; color:#7b241c; font-weight:500; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(220px,1fr)); gap:12px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
.card .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.card .value { font-size:26px; font-weight:600; margin:2px 0; }
.card .note { color:var(--muted); font-size:13px; }
.good { color:var(--good); } .bad { color:var(--bad); }
.grid2 { display:grid; grid-template-columns:repeat(auto-fit,minmax(420px,1fr)); gap:16px; }
.chart { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 12px 4px; margin-top:14px; }
.chart h3 { margin:0 4px; } .chart p { margin:2px 4px 4px; color:var(--muted); font-size:13px; }
table { border-collapse:collapse; background:var(--card); font-size:13px; }
th, td { border-bottom:1px solid var(--line); padding:5px 10px; text-align:left; vertical-align:top; }
th { background:#eef1f4; font-weight:600; white-space:nowrap; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.highlight td { background:#eaf4fb; font-weight:600; }
table.sortable th { cursor:pointer; user-select:none; }
table.sortable th[aria-sort=ascending]::after { content:" \\25B2"; font-size:10px; }
table.sortable th[aria-sort=descending]::after { content:" \\25BC"; font-size:10px; }
.scroll { overflow-x:auto; max-height:640px; overflow-y:auto; border:1px solid var(--line); border-radius:6px; }
.scroll table { width:100%; } .scroll th { position:sticky; top:0; }
.state-complete { color:var(--good); } .state-fail { color:var(--bad); } .state-pruned { color:var(--warn); }
.muted { color:var(--muted); } code { background:#eef1f4; padding:1px 4px; border-radius:3px; }
.scores { white-space:nowrap; font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
ul.failures li { margin-bottom:4px; }
footer { color:var(--muted); font-size:12px; margin-top:40px; }
"""

_SORT_JS = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      function key(row) {
        var cell = row.cells[col], v = cell.getAttribute("data-sort");
        if (v === null) { v = cell.textContent; }
        var n = parseFloat(v);
        return (v !== "" && !isNaN(n) && isFinite(v)) ? n : v.toLowerCase();
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === y) { return 0; }
        if (x === "" || x === "n/a") { return 1; }
        if (y === "" || y === "n/a") { return -1; }
        return (x < y ? -1 : 1) * (asc ? 1 : -1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""

_PLOT_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2}}


def render_html(report: dict[str, Any], figures: list[Figure | Skipped]) -> str:
    """The whole report page as one string."""
    drawn = [f for f in figures if isinstance(f, Figure)]
    title = f"MOW report: {report.get('study') or 'no study'}"
    body = [
        _header(report),
        _nav(report),
        "<main>",
        _banner(report),
        _glance(report),
        _validation(report, figures),
        _optimization(report, figures),
        _trials(report),
        _footer(report),
        "</main>",
    ]
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="mow-figures" content="{len(drawn)}">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        # plotly.js inline: the page opens offline, with no CDN
        f'<script type="text/javascript">{get_plotlyjs()}</script>' if drawn else "",
        "</head><body>",
        *body,
        f"<script>{_SORT_JS}</script>",
        "</body></html>",
    ])


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _header(report: dict[str, Any]) -> str:
    bits = [b for b in (
        report.get("model") and f"model <b>{_e(report['model'])}</b>",
        report.get("task") and _e(report["task"]),
        report.get("metric") and f"metric <b>{_e(report['metric'])}</b> ({_e(report['direction'])})",
        report.get("rows", {}).get("development") is not None and
        f"{report['rows']['development']} development rows, {report['rows']['holdout']} held out",
        f"generated {_e(report['generated_at'])}",
    ) if b]
    return (f"<header><h1>{_e(report.get('study') or 'No study')}</h1>"
            f"<div class='sub'>{' · '.join(bits)}</div></header>")


def _nav(report: dict[str, Any]) -> str:
    if report["status"] == "no_study":
        return ""
    return ("<nav><a href='#glance'>Summary</a><a href='#validation'>Validation</a>"
            "<a href='#optimization'>Optimization</a><a href='#trials'>Trials</a></nav>")


def _banner(report: dict[str, Any]) -> str:
    kind = "complete" if report["status"] == "complete" else "problem"
    return f"<div class='banner {kind}' id='status' data-status='{_e(report['status'])}'>{_e(report['message'])}</div>"


def _card(label: str, value: str, note: str = "") -> str:
    return (f"<div class='card'><div class='label'>{_e(label)}</div><div class='value'>{value}</div>"
            f"<div class='note'>{note}</div></div>")


def _glance(report: dict[str, Any]) -> str:
    if report["status"] == "no_study":
        return ""
    cards = []
    h = report.get("holdout") or {}
    metric = _e(report.get("metric") or "score")
    if h.get("score") is not None:
        notes = []
        if h.get("baseline"):
            notes.append(gain_phrase(h.get("gain_vs_baseline_pct"), f"naive baseline ({h['baseline']['name']}, "
                                     f"{fmt(h['baseline']['score'])})", html=True))
        if h.get("default_score") is not None:
            notes.append(gain_phrase(h.get("gain_vs_defaults_pct"), f"model defaults ({fmt(h['default_score'])})", html=True))
        rows = h["holdout_rows"][1] - h["holdout_rows"][0]
        cards.append(_card(f"Holdout {metric} ({rows} unseen rows)", fmt(h["score"]), "<br>".join(notes)))
    elif h.get("error"):
        cards.append(_card("Holdout", "<span class='bad'>failed</span>", _e(h["error"])))
    elif h.get("skipped"):
        cards.append(_card("Holdout", "none", _e(h["skipped"])))
    best = report.get("best")
    stab = report.get("stability")
    if best:
        note = f"trial #{best['number']}"
        if stab:
            note += (f"; {stab['n_windows']} windows, std {fmt(stab['std'])}, worst {fmt(stab['worst_window']['score'])} "
                     f"({_e(stab['worst_window']['id'])}{', ' + _e(stab['worst_window']['start']) if stab['worst_window'].get('start') else ''})")
        cards.append(_card(f"Validation {metric} (mean of windows)", fmt(best["value"]), note))
    c = report["counts"]
    cards.append(_card("Trials", str(sum(c.values())),
                       f"<span class='good'>{c['complete']} complete</span> · {c['pruned']} pruned · "
                       f"<span class='{'bad' if c['fail'] else ''}'>{c['fail']} failed</span>"
                       + (f" · {c['running']} running" if c.get("running") else "")))
    cost = report.get("cost") or {}
    if cost.get("search_wall_s") is not None:
        cards.append(_card("Search time", fmt_seconds(cost["search_wall_s"]),
                           f"{fmt_seconds(cost['trial_seconds'])} in trials; dataset {fmt_bytes(cost.get('dataset_bytes'))} "
                           "sent once per server"))
    return f"<section id='glance'><div class='cards'>{''.join(cards)}</div></section>"


def _table(headers: list[str], rows: list[list[tuple[str, Any] | str]], *, cls: str = "", numeric: set[int] = frozenset(),
           highlight: set[int] = frozenset()) -> str:
    """An HTML table; a cell is text (escaped) or (html, sort key)."""
    head = "".join(f"<th class='{'num' if i in numeric else ''}'>{_e(h)}</th>" for i, h in enumerate(headers))
    out = [f"<table class='{cls}'><thead><tr>{head}</tr></thead><tbody>"]
    for r, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            klass = "num" if i in numeric else ""
            if isinstance(cell, tuple):
                content, key = cell
                sort = "" if key is None else f" data-sort='{_e(key)}'"
                cells.append(f"<td class='{klass}'{sort}>{content}</td>")
            else:
                cells.append(f"<td class='{klass}'>{_e(cell)}</td>")
        out.append(f"<tr{' class=highlight' if r in highlight else ''}>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _chart(fig: Figure) -> str:
    div = pio.to_html(fig.figure, full_html=False, include_plotlyjs=False, config=_PLOT_CONFIG,
                      div_id=f"fig-{fig.id}", default_width="100%")
    return (f"<div class='chart' data-figure='{_e(fig.id)}'><h3>{_e(fig.title)}</h3>"
            f"<p>{_e(fig.caption)}</p>{div}</div>")


def _charts(figures: list[Figure | Skipped], section: str, ids: tuple[str, ...] | None = None) -> str:
    out = []
    for f in figures:
        if f.section != section or (ids is not None and f.id not in ids):
            continue
        if isinstance(f, Figure):
            out.append(_chart(f))
        else:
            out.append(f"<div class='chart'><h3>{_e(f.title)}</h3><p class='bad'>Not drawn: {_e(f.reason)}</p></div>")
    return "".join(out)


def _validation(report: dict[str, Any], figures: list[Figure | Skipped]) -> str:
    if report["status"] == "no_study":
        return ""
    v, h = report.get("validation"), report.get("holdout") or {}
    parts = ["<section id='validation'><h2>Validation of the best configuration</h2>"]
    if not v:
        why = "no trial completed" if not report.get("best") else "the run did not reach the validation stage"
        parts.append(f"<p class='muted'>No validation: {why}.</p></section>")
        return "".join(parts)
    parts.append(f"<p>Trial #{v['trial']}'s configuration, retrained on every walk-forward window "
                 f"(train length {_e(_train_text(v['train']))}, {_e(v['windows_kind'])} windows), then fitted once on the last development "
                 "rows and scored on the holdout part that no trial saw.</p>")
    parts.append("<h3>Holdout: what tuning bought</h3>" + _holdout_table(report, h))
    parts.append("<div class='grid2'><div><h3>Configuration</h3>" + _params_table(v, (report.get("best") or {}).get("model")
                                                                             if report.get("models") else None) + "</div>")
    parts.append("<div><h3>Stability across windows</h3>" + _stability_table(report) + "</div></div>")
    for key, label in (("windows_error", "Retraining the best configuration failed"),
                       ("defaults_error", "The model's defaults failed")):
        if v.get(key):
            parts.append(f"<p class='bad'>{label}: {_e(v[key])}</p>")
    parts.append(_charts(figures, "validation"))
    parts.append("<h3>Per window</h3>" + _windows_table(report, v))
    parts.append("</section>")
    return "".join(parts)


def _holdout_table(report: dict[str, Any], h: dict[str, Any]) -> str:
    if h.get("skipped"):
        return f"<p class='muted'>{_e(h['skipped'])}.</p>"
    if not h:
        return "<p class='muted'>No holdout score.</p>"
    metric = report.get("metric")
    rows: list[list[Any]] = []
    rows.append(["tuned (best trial)", (fmt(h.get("score")), h.get("score")), "",
                 h.get("error") or f"trial #{h.get('trial')}'s parameters"])
    rows.append(["model defaults", (fmt(h.get("default_score")), h.get("default_score")),
                 (fmt_pct(h.get("gain_vs_defaults_pct")), h.get("gain_vs_defaults_pct")),
                 h.get("defaults_error") or "the model's declared defaults, same train rows"])
    for b in h.get("baselines") or []:
        gain = b.get("gain_pct")
        rows.append([f"baseline: {b['name']}", (fmt(b["score"]), b["score"]), (fmt_pct(gain), gain), b["description"]])
    table = _table(["predictor", f"holdout {metric}", "tuned is better by", "how"], rows, numeric={1, 2}, highlight={0})
    span = f" ({_e(h['start'])} to {_e(h['end'])})" if h.get("start") else ""
    if not h.get("train_rows"):
        return table
    return (table + f"<p class='muted'>Trained on rows {h['train_rows'][0]}–{h['train_rows'][1] - 1}, scored on rows "
            f"{h['holdout_rows'][0]}–{h['holdout_rows'][1] - 1}{span}. Positive: the tuned model has the better "
            f"{_e(metric)}, in % of the other's score.</p>")


def _params_table(v: dict[str, Any], model: str | None = None) -> str:
    """The best configuration next to the model's defaults; ``model``: the chosen one, when the study chose."""
    names = list(dict.fromkeys([*v.get("params", {}), *v.get("default_params", {})]))
    rows = [["model", model, "(same)"]] if model else []
    rows += [[n, param_value(v["params"].get(n)), param_value(v.get("default_params", {}).get(n))] for n in names]
    lengths = {"train": v["train"], **(v.get("window_lengths") or {})}
    for name, value in lengths.items():
        rows.append([f"windows.{name}", _train_text(value), f"{_train_text(value)} (same)"])
    return _table(["parameter", "tuned", "model default"], rows, numeric={1, 2})


def _train_text(train: Any) -> str:
    return f"{train} rows" if isinstance(train, int) else str(train)


def _stability_table(report: dict[str, Any]) -> str:
    s = report.get("stability")
    if not s:
        return "<p class='muted'>No window scores.</p>"
    w, b = s["worst_window"], s["best_window"]
    rows = [
        ["windows", str(s["n_windows"])], ["mean", fmt(s["mean"])], ["median", fmt(s["median"])],
        ["standard deviation", fmt(s["std"])],
        ["coefficient of variation", fmt_pct(100 * s["cv"], signed=False) if s.get("cv") is not None else "n/a"],
        ["worst window", f"{fmt(w['score'])} ({w['id']}{', ' + w['start'] if w.get('start') else ''})"],
        ["best window", f"{fmt(b['score'])} ({b['id']}{', ' + b['start'] if b.get('start') else ''})"],
    ]
    return _table(["", report.get("metric") or "score"], rows, numeric={1})


def _rows_text(rows: list[int] | None, n: int | None) -> str:
    """``first–last`` of a row range, or the size of an index array (windows of i.i.d. folds)."""
    return f"{rows[0]}–{rows[1] - 1}" if rows else f"{n} rows (k-fold)"


def _windows_table(report: dict[str, Any], v: dict[str, Any]) -> str:
    windows = v["windows"]
    baseline_names = list(dict.fromkeys(n for w in windows for n in w.get("baselines", {})))
    folds = sorted({w["fold"] for w in windows})
    headers = ["fold", "window", "validation rows", "from", "to", "tuned", "in the trial", "defaults",
               *[f"baseline: {n}" for n in baseline_names], "fit s"]
    numeric = set(range(5, len(headers)))
    out = []
    for fold in folds:
        rows = []
        for w in (w for w in windows if w["fold"] == fold):
            rows.append([str(w["fold"]), w["id"], _rows_text(w.get("validation_rows"), w.get("n_valid")),
                         w.get("start") or "", w.get("end") or "",
                         (fmt(w.get("score")), w.get("score")), (fmt(w.get("trial_score")), w.get("trial_score")),
                         (fmt(w.get("default_score")), w.get("default_score")),
                         *[(fmt(w["baselines"].get(n)), w["baselines"].get(n)) for n in baseline_names],
                         (fmt(w.get("fit_s"), 3), w.get("fit_s"))])
        if len(folds) > 1:
            out.append(f"<h3>Fold {fold}</h3>")
        out.append(f"<div class='scroll'>{_table(headers, rows, cls='sortable', numeric=numeric)}</div>")
    diff = v.get("max_score_difference_to_trial")
    if diff is not None:
        out.append(f"<p class='muted'>Largest difference between a retrained window's score and the same window "
                   f"in trial #{v['trial']}: {fmt(diff)}"
                   f"{' (the model is deterministic)' if diff < 1e-9 else ' (the model is not deterministic)'}.</p>")
    return "".join(out)


def _optimization(report: dict[str, Any], figures: list[Figure | Skipped]) -> str:
    if report["status"] == "no_study":
        return ""
    parts = ["<section id='optimization'><h2>Optimization</h2>"]
    parts.append("<div class='grid2'><div><h3>Trials by outcome: time and bytes</h3>" + _cost_table(report) + "</div>")
    parts.append("<div><h3>Why trials failed</h3>" + _failures(report) + "</div></div>")
    if report.get("models"):
        rows = [[m["model"], (str(m["trials"]), m["trials"]), (str(m["pruned"]), m["pruned"]), (str(m["failed"]), m["failed"]),
                 (fmt(m["best_value"]), m["best_value"] if m["best_value"] is not None else ""),
                 (f"#{m['best_trial']}" if m["best_trial"] is not None else "", m["best_trial"] if m["best_trial"] is not None else "")]
                for m in report["models"]]
        parts.append("<h3>Models</h3>" + _table(["model", "trials", "pruned", "failed", f"best {report.get('metric')}", "trial"],
                                                 rows, numeric={1, 2, 3, 4, 5}))
    imp = report.get("importances") or {}
    if imp.get("reason"):
        parts.append(f"<p class='muted'>No parameter importances: {_e(imp['reason'])}.</p>")
    parts.append(_charts(figures, "optimization"))
    parts.append("</section>")
    return "".join(parts)


def _cost_table(report: dict[str, Any]) -> str:
    cost = report.get("cost") or {}
    rows = []
    for state, label in (("complete", "complete"), ("pruned", "pruned"), ("fail", "failed")):
        s = (cost.get("by_state") or {}).get(state)
        if not s:
            continue
        rows.append([label, (str(s["trials"]), s["trials"]), (fmt_seconds(s["seconds"]), s["seconds"]),
                     (fmt_seconds(s["fit_s"]), s["fit_s"]), (str(s["windows"]), s["windows"]),
                     (fmt_bytes(s["bytes_sent"]), s["bytes_sent"])])
    table = _table(["outcome", "trials", "time", "fitting", "windows", "bytes sent in trials"], rows,
                   numeric={1, 2, 3, 4, 5})
    extra = []
    if cost.get("dataset_bytes") is not None:
        extra.append(f"development dataset {fmt_bytes(cost['dataset_bytes'])} (Arrow IPC), sent once per server before the first trial")
    if cost.get("holdout_bytes_sent"):
        extra.append(f"{fmt_bytes(cost['holdout_bytes_sent'])} sent for the holdout fit")
    if cost.get("validation_s") is not None:
        extra.append(f"validation took {fmt_seconds(cost['validation_s'])}")
    pruning = report.get("pruning")
    if pruning and pruning.get("windows_skipped"):
        saved = pruning.get("model_seconds_saved")
        extra.append(f"pruning skipped {pruning['windows_skipped']} windows ({100 * pruning['share_skipped']:.0f}%)"
                     + (f", about {fmt_seconds(saved)} of model time" if saved is not None else ""))
    return table + (f"<p class='muted'>{_e('; '.join(extra))}.</p>" if extra else "")


def _failures(report: dict[str, Any]) -> str:
    failures = report.get("failures") or []
    if not failures:
        return "<p class='muted'>No trial failed.</p>"
    items = "".join(f"<li><code>{_e(f['reason'])}</code> — trial{'s' if len(f['trials']) > 1 else ''} "
                    f"{_e(', '.join('#' + str(n) for n in f['trials'][:20]))}{' …' if len(f['trials']) > 20 else ''}"
                    + (f"<details><summary>model traceback</summary><pre>{_e(f['traceback'])}</pre></details>"
                       if f.get("traceback") else "") + "</li>"
                    for f in failures)
    return f"<ul class='failures'>{items}</ul>"


def _model_output(windows: list[dict[str, Any]]) -> str:
    """The lines the model logged and the numbers it computed itself, per window, folded away."""
    lines = []
    for w in windows:
        lines += [f"{w['id']}: {line}" for line in w.get("logs") or []]
        if w.get("model_metrics"):
            lines.append(f"{w['id']}: metrics " + ", ".join(f"{k} = {fmt(v)}" for k, v in w["model_metrics"].items()))
    if not lines:
        return ""
    return (f"<details><summary>model output ({len(lines)} lines)</summary>"
            f"<pre class='log'>{_e(chr(10).join(lines))}</pre></details>")


def _trials(report: dict[str, Any]) -> str:
    if report["status"] == "no_study":
        return ""
    trials = report["trials"]
    if not trials:
        return "<section id='trials'><h2>Trials</h2><p class='muted'>The study holds no trials.</p></section>"
    params = list(dict.fromkeys(p for t in trials for p in t["params"]))
    n_windows = max((len(t["windows"]) for t in trials), default=0)
    headers = ["#", "state", report.get("metric") or "value", *params, "window scores", "duration s", "bytes sent",
               "failure, pruning, model output"]
    best = (report.get("best") or {}).get("number")
    rows, highlight = [], set()
    for i, t in enumerate(trials):
        if t["number"] == best:
            highlight.add(i)
        scores = [w["score"] for w in t["windows"]]
        note = t.get("failure") or (f"pruned after window {t['pruned_after_step']}" if t.get("pruned_after_step") is not None else "")
        rows.append([
            (str(t["number"]), t["number"]),
            (f"<span class='state-{_e(t['state'])}'>{_e(t['state'])}</span>", t["state"]),
            (f"<span class='muted' title='last window score of a pruned trial'>({fmt(t['value'])})</span>", "")
            if t.get("value_is_partial") else (fmt(t["value"]), t["value"] if t["value"] is not None else ""),
            *[(param_value(t["params"].get(p)), t["params"].get(p, "")) for p in params],
            ("<span class='scores'>" + _e(" ".join(fmt(s, 3) for s in scores)) + "</span>" + (f" <span class='muted'>({len(scores)}/{n_windows})</span>"
             if len(scores) < n_windows else ""), len(scores)),
            (fmt(t["duration_s"], 3), t["duration_s"] if t["duration_s"] is not None else ""),
            (fmt_bytes(t["bytes_sent"]), t["bytes_sent"]),
            (_e(note) + _model_output(t["windows"]), note),
        ])
    table = _table(headers, rows, cls="sortable", numeric={0, 2, *range(3, 3 + len(params)), 4 + len(params),
                                                             5 + len(params)}, highlight=highlight)
    return (f"<section id='trials'><h2>Trials</h2><p class='muted'>Click a column to sort. The best trial is "
            f"highlighted. Window scores are in time order. A pruned trial's score in brackets is its last window's "
            f"(what the pruner compared), not a mean, and it does not sort with the others.</p><div class='scroll'>{table}</div></section>")


def _footer(report: dict[str, Any]) -> str:
    files = report.get("files") or {}
    storage = files.get("storage")
    lines = []
    if storage and report.get("study"):
        lines.append(f"Open the storage in Optuna's tools: <code>optuna-dashboard {_e(storage)}</code> · "
                     f"<code>optuna trials --study-name {_e(report['study'])} --storage {_e(storage)}</code>")
    shown = [f"<code>{_e(v)}</code>" for k, v in files.items() if k != "storage" and v]
    if shown:
        lines.append("Files: " + ", ".join(shown))
    lines.append(f"MOW report version {report['report_version']}. Every number on this page is in "
                 f"<code>report.json</code>.")
    data = _e(json.dumps({"status": report["status"], "study": report.get("study")}))
    return f"<footer data-report='{data}'>{'<br>'.join(lines)}</footer>"
