"""A Markdown summary of a run: the numbers a person quotes, for a pull request or a wiki."""

from __future__ import annotations

from typing import Any

from .text import counts_phrase, fmt, fmt_bytes, fmt_pct, fmt_seconds, gain_phrase, param_value


def render_markdown(report: dict[str, Any]) -> str:
    lines = [f"# MOW report: {report.get('study') or 'no study'}", "", f"**{_md(report['message'])}**", ""]
    if report["status"] == "no_study":
        return "\n".join(lines)
    lines += [
        f"- model: {report.get('model') or 'n/a'} ({report.get('task') or 'task unknown'})",
        f"- metric: {report.get('metric')} ({report['direction']}){' — ' + report['metric_description'] if report.get('metric_description') else ''}",
        f"- rows: {report['rows']['development']} development, {report['rows']['holdout']} held out",
        f"- trials: {counts_phrase(report['counts'])}",
    ]
    cost = report.get("cost") or {}
    if cost.get("search_wall_s") is not None:
        lines.append(f"- search time: {fmt_seconds(cost['search_wall_s'])}; dataset {fmt_bytes(cost.get('dataset_bytes'))} sent once per server")
    pruning = report.get("pruning")
    if pruning and pruning.get("windows_skipped"):
        saved = pruning.get("model_seconds_saved")
        lines.append(f"- pruning: {pruning['pruned_trials']} trials pruned, {pruning['windows_skipped']} windows skipped "
                     f"({100 * pruning['share_skipped']:.0f}% of the windows)"
                     + (f", about {fmt_seconds(saved)} of model time saved" if saved is not None else ""))
    lines.append("")
    if report.get("models"):
        lines += ["## Models", "", f"| model | trials | pruned | failed | best {report['metric']} |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {_md(m['model'])} | {m['trials']} | {m['pruned']} | {m['failed']} | {fmt(m['best_value'])} |"
                  for m in report["models"]]
        lines.append("")
    h = report.get("holdout") or {}
    if h.get("score") is not None or h.get("baselines"):
        lines += ["## Holdout (rows no trial saw)", "", f"| predictor | {report['metric']} | tuned is better by |", "|---|---:|---:|",
                  f"| **tuned** (trial #{h.get('trial')}) | **{fmt(h.get('score'))}** | |",
                  f"| model defaults | {fmt(h.get('default_score'))} | {fmt_pct(h.get('gain_vs_defaults_pct'))} |"]
        lines += [f"| baseline: {b['name']} | {fmt(b['score'])} | {fmt_pct(b.get('gain_pct'))} |" for b in h.get("baselines") or []]
        lines.append("")
        if h.get("baseline"):
            lines.append(f"Tuned: {gain_phrase(h.get('gain_vs_baseline_pct'), 'the strongest naive baseline (' + h['baseline']['name'] + ')')}.")
        for key in ("error", "defaults_error"):
            if h.get(key):
                lines.append(f"\n{'Tuned' if key == 'error' else 'Defaults'} failed on the holdout: `{_md(h[key])}`")
        lines.append("")
    elif h.get("skipped"):
        lines += ["## Holdout", "", h["skipped"], ""]
    best = report.get("best")
    if best:
        lines += [f"## Best configuration (trial #{best['number']})", "", "| parameter | value |", "|---|---:|"]
        lines += [f"| {k} | {param_value(v)} |" for k, v in best["params"].items()]
        lines.append("")
    s = report.get("stability")
    if s:
        w = s["worst_window"]
        lines += ["## Across validation windows", "",
                  (f"{s['n_windows']} windows: mean {fmt(s['mean'])}, std {fmt(s['std'])}, min {fmt(s['min'])}, "
                   f"max {fmt(s['max'])}; worst {w['id']}{' (' + w['start'] + ')' if w.get('start') else ''} "
                   f"at {fmt(w['score'])}."), ""]
    imp = (report.get("importances") or {}).get("values") or {}
    if imp:
        lines += [f"## Parameter importances ({report['importances']['method']})", "", "| parameter | importance |", "|---|---:|"]
        lines += [f"| {k} | {v:.3f} |" for k, v in imp.items()]
        lines.append("")
    if report.get("failures"):
        lines += ["## Failures", ""]
        lines += [f"- `{_md(f['reason'])}` — {len(f['trials'])} trial(s): {', '.join('#' + str(n) for n in f['trials'][:20])}"
                  for f in report["failures"]]
        lines.append("")
    files = report.get("files") or {}
    if files.get("html"):
        lines.append(f"Charts and every trial: `{files['html']}`; all numbers: `{files.get('json')}`.")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")
