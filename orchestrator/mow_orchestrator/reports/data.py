"""Every number of a run's report, read back from the Optuna storage alone.

:func:`build_report` reads the study (its trials, their user attributes, and
the study's user attributes ``metric``, ``model``, ``task``, ``validation``
written by the run) and returns one JSON-ready dict. ``report.json`` is that
dict; the HTML and Markdown reports are drawn from it, so every number they
show is in the JSON too. Non-finite numbers become ``null``.
"""

from __future__ import annotations

import collections
import datetime as dt
import importlib.util
import math
import statistics
import warnings
from typing import Any

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

from ..metrics import METRICS

#: Version of the report layout; bumped when a field changes meaning or goes away.
REPORT_VERSION = 2

#: ``status`` values, worst last.
STATUS_COMPLETE = "complete"
STATUS_NO_COMPLETED_TRIAL = "no_completed_trial"
STATUS_NO_TRIALS = "no_trials"
STATUS_NO_STUDY = "no_study"


def build_report(study: optuna.Study) -> dict[str, Any]:
    """The report of ``study``: status, counts, cost, best, importances, validation, holdout, trials."""
    # trials that ended without running because other workers covered n_trials are bookkeeping, not results
    trials = [t for t in study.get_trials(deepcopy=False) if not t.user_attrs.get("surplus")]
    attrs = study.user_attrs
    metric_name = attrs.get("metric")
    metric = METRICS.get(metric_name) if metric_name else None
    directions = [d.name.lower() for d in study.directions]
    multi = len(directions) > 1
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    best = study.best_trial if complete and not multi else None
    validation = attrs.get("validation")
    report: dict[str, Any] = {
        "report_version": REPORT_VERSION,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "study": study.study_name,
        "direction": directions[0],
        "directions": directions,
        "metric": metric_name,
        "metric_description": metric.description if metric else None,
        "model": ", ".join(attrs["model"]) if isinstance(attrs.get("model"), list) else attrs.get("model"),
        "task": attrs.get("task") or (validation or {}).get("task"),
        "rows": {"development": attrs.get("n_dev_rows"), "holdout": attrs.get("n_holdout_rows")},
        "counts": _counts(trials),
        "cost": _cost(trials, attrs),
        "pruning": _pruning(trials),
        "models": _models(trials, directions[0]) if not multi else None,
        "best": _trial(best) if best else None,
        "best_trials": [t.number for t in study.best_trials] if complete and multi else [],
        "importances": _importances(study, complete) if not multi else None,
        "failures": _failures(trials),
        "validation": _validation(validation),
        "stability": _stability(validation, best, directions[0]),
        "holdout": _holdout(validation, directions[0]),
        "trials": [_trial(t) for t in trials],
    }
    report["status"], report["message"] = _status(report, len(trials))
    return clean(report)


def no_study_report(reason: str) -> dict[str, Any]:
    """The report of a run directory that holds no study, saying why."""
    return {
        "report_version": REPORT_VERSION,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "status": STATUS_NO_STUDY,
        "message": f"No study to report on: {reason}",
        "study": None, "direction": None, "directions": [], "metric": None, "metric_description": None,
        "model": None, "task": None, "rows": {"development": None, "holdout": None},
        "counts": {state.name.lower(): 0 for state in TrialState},
        "cost": None, "best": None, "best_trials": [], "importances": None, "failures": [],
        "validation": None, "stability": None, "holdout": None, "trials": [],
    }


def _counts(trials: list[FrozenTrial]) -> dict[str, int]:
    counts = {state.name.lower(): 0 for state in TrialState}
    for t in trials:
        counts[t.state.name.lower()] += 1
    return counts


def _cost(trials: list[FrozenTrial], attrs: dict[str, Any]) -> dict[str, Any]:
    """Seconds and bytes by trial state, and the wall time of the search."""
    by_state: dict[str, dict[str, Any]] = {}
    for state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL):
        chosen = [t for t in trials if t.state == state]
        windows = [w for t in chosen for w in t.user_attrs.get("windows", [])]
        by_state[state.name.lower()] = {
            "trials": len(chosen),
            "seconds": sum(_seconds(t) or 0.0 for t in chosen),
            "fit_s": sum(w.get("fit_s") or 0.0 for w in windows),
            "predict_s": sum(w.get("predict_s") or 0.0 for w in windows),
            "windows": len(windows),
            "bytes_sent": sum(int(t.user_attrs.get("bytes_sent") or 0) for t in chosen),
        }
    starts = [t.datetime_start for t in trials if t.datetime_start]
    ends = [t.datetime_complete for t in trials if t.datetime_complete]
    validation = attrs.get("validation") or {}
    return {
        "by_state": by_state,
        "search_wall_s": (max(ends) - min(starts)).total_seconds() if starts and ends else None,
        "trial_seconds": sum(s["seconds"] for s in by_state.values()),
        "dataset_bytes": attrs.get("dataset_bytes"),
        "validation_s": validation.get("seconds"),
        "holdout_bytes_sent": (validation.get("holdout") or {}).get("bytes_sent"),
    }


def _pruning(trials: list[FrozenTrial]) -> dict[str, Any] | None:
    """What pruning saved: windows not run by pruned trials, and the model time they would have cost
    (estimated from the mean fit + predict seconds of the same model's windows that did run)."""
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    if not pruned:
        return None
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    ran = [w for t in finished for w in t.user_attrs.get("windows", [])]

    def cost(windows: list[dict[str, Any]]) -> float | None:
        return sum((w.get("fit_s") or 0.0) + (w.get("predict_s") or 0.0) for w in windows) / len(windows) if windows else None

    # a skipped window would have cost what that model's windows cost (models can differ 100x)
    per_model = {m: cost([w for t in finished if t.user_attrs.get("model") == m for w in t.user_attrs.get("windows", [])])
                 for m in {t.user_attrs.get("model") for t in pruned}}
    overall = cost(ran)
    skipped = saved = 0.0
    for t in pruned:
        n = max(0, int(t.user_attrs.get("n_windows") or 0) - len(t.user_attrs.get("windows", [])))
        skipped += n
        per_window = per_model.get(t.user_attrs.get("model")) or overall
        saved += n * (per_window or 0.0)
    return {
        "pruned_trials": len(pruned),
        "windows_run": len(ran),
        "windows_skipped": int(skipped),
        "share_skipped": skipped / (skipped + len(ran)) if skipped + len(ran) else None,
        "model_seconds_saved": saved if overall is not None else None,
    }


def _models(trials: list[FrozenTrial], direction: str) -> list[dict[str, Any]] | None:
    """Per model (studies that tune several): trials by outcome and the best score."""
    names = sorted({t.user_attrs["model"] for t in trials if t.user_attrs.get("model")})
    if len(names) < 2:
        return None
    rows = []
    for name in names:
        own = [t for t in trials if t.user_attrs.get("model") == name]
        done = [t for t in own if t.state == TrialState.COMPLETE and t.value is not None]
        best = (min if direction == "minimize" else max)(done, key=lambda t: t.value) if done else None
        rows.append({
            "model": name, "trials": len(own), "complete": len(done),
            "pruned": sum(t.state == TrialState.PRUNED for t in own), "failed": sum(t.state == TrialState.FAIL for t in own),
            "best_value": best.value if best else None, "best_trial": best.number if best else None,
        })
    return rows


def _seconds(t: FrozenTrial) -> float | None:
    return t.duration.total_seconds() if t.duration else None


def _trial(t: FrozenTrial) -> dict[str, Any]:
    steps = sorted(t.intermediate_values)
    return {
        "number": t.number,
        "state": t.state.name.lower(),
        "value": t.value if t.values is None or len(t.values) == 1 else None,
        "values": t.values,
        "params": t.params,
        "model_params": t.user_attrs.get("model_params", {}),
        "windows": t.user_attrs.get("windows", []),
        "start": t.datetime_start.isoformat(timespec="seconds") if t.datetime_start else None,
        "duration_s": _seconds(t),
        "bytes_sent": t.user_attrs.get("bytes_sent", 0),
        "pruned_after_step": steps[-1] if t.state == TrialState.PRUNED and steps else None,
        # a pruned trial's value is its last window's score (Optuna's rule), not a mean of all windows
        "value_is_partial": t.state == TrialState.PRUNED,
        "model": t.user_attrs.get("model"),
        "failure": t.user_attrs.get("failure") or t.system_attrs.get("fail_reason"),
    }


def _importances(study: optuna.Study, complete: list[FrozenTrial]) -> dict[str, Any] | None:
    """Parameter importances (fANOVA with scikit-learn installed, else PED-ANOVA), or why there are none."""
    tuned = {name for t in complete for name, d in t.distributions.items() if not d.single()}
    if len(complete) < 2 or not tuned:
        return {"method": None, "values": {}, "reason": "needs at least 2 completed trials and a tuned parameter"}
    if importlib.util.find_spec("sklearn") is not None:
        method, evaluator = "fANOVA", optuna.importance.FanovaImportanceEvaluator(seed=0)
    else:
        method, evaluator = "PED-ANOVA", optuna.importance.PedAnovaImportanceEvaluator()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except (RuntimeError, ValueError, ZeroDivisionError) as exc:
        return {"method": method, "values": {}, "reason": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}
    return {"method": method, "values": {k: float(v) for k, v in values.items()}, "reason": None}


def _failures(trials: list[FrozenTrial]) -> list[dict[str, Any]]:
    """Failed trials grouped by their reason, most frequent first."""
    groups: dict[str, list[int]] = collections.defaultdict(list)
    tracebacks: dict[str, str] = {}
    for t in trials:
        if t.state == TrialState.FAIL:
            reason = (t.user_attrs.get("failure") or t.system_attrs.get("fail_reason") or "no reason recorded").strip().splitlines()[0]
            groups[reason].append(t.number)
            if t.user_attrs.get("failure_traceback"):
                tracebacks.setdefault(reason, t.user_attrs["failure_traceback"])  # the model's own, from its server
    return [{"reason": r, "trials": n, "traceback": tracebacks.get(r)}
            for r, n in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))]


def _validation(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    if not stored:
        return None
    return {k: v for k, v in stored.items() if k != "holdout"}


def _stability(stored: dict[str, Any] | None, best: FrozenTrial | None, direction: str) -> dict[str, Any] | None:
    """Spread of the best configuration's window scores: the validation rerun's, else the trial's own."""
    if stored and stored.get("windows") and all(w.get("score") is not None for w in stored["windows"]):
        rows, source = stored["windows"], "validation"
    elif best is not None and best.user_attrs.get("windows"):
        rows, source = best.user_attrs["windows"], "trial"
    else:
        return None
    scores = [float(r["score"]) for r in rows]
    maximize = direction == "maximize"
    worst = (min if maximize else max)(range(len(rows)), key=lambda i: scores[i])
    top = (max if maximize else min)(range(len(rows)), key=lambda i: scores[i])
    with np.errstate(invalid="ignore", over="ignore"):  # a non-finite score (older studies) gives NaN, not a crash
        mean = float(np.mean(scores))
        std = float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0
    return {
        "source": source,
        "n_windows": len(scores),
        "mean": mean,
        "std": std,
        "cv": std / abs(mean) if mean else None,
        "min": min(scores),
        "max": max(scores),
        "median": statistics.median(scores),
        "worst_window": {"id": rows[worst]["id"], "score": scores[worst], "start": rows[worst].get("start"),
                         "end": rows[worst].get("end")},
        "best_window": {"id": rows[top]["id"], "score": scores[top], "start": rows[top].get("start"),
                        "end": rows[top].get("end")},
    }


def _holdout(stored: dict[str, Any] | None, direction: str) -> dict[str, Any] | None:
    """The holdout scores with the strongest baseline and what tuning bought, in % of the other score."""
    if not stored or not stored.get("holdout"):
        return None
    h = dict(stored["holdout"])
    score = h.get("score")
    if "skipped" in h:
        return {"skipped": h["skipped"], "score": None, "baseline": None}
    better = max if direction == "maximize" else min
    scored = [b for b in h.get("baselines", []) if _finite(b.get("score"))]
    strongest = better(scored, key=lambda b: b["score"]) if scored else None
    h["baselines"] = [{**b, "gain_pct": _gain(score, b.get("score"), direction)} for b in h.get("baselines", [])]
    h.update({
        "metric": stored.get("metric"),
        "trial": stored.get("trial"),
        "baseline": {"name": strongest["name"], "score": strongest["score"]} if strongest else None,
        "gain_vs_baseline_pct": _gain(score, strongest["score"] if strongest else None, direction),
        "gain_vs_defaults_pct": _gain(score, h.get("default_score"), direction),
        "params": stored.get("params"),
        "default_params": stored.get("default_params"),
    })
    return h


def _gain(score: float | None, other: float | None, direction: str) -> float | None:
    """How much better ``score`` is than ``other``, in % of ``other`` (negative: worse)."""
    if not (_finite(score) and _finite(other)) or other == 0:
        return None
    diff = (other - score) if direction == "minimize" else (score - other)
    return 100.0 * diff / abs(other)


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _status(report: dict[str, Any], n_trials: int) -> tuple[str, str]:
    counts = report["counts"]
    if n_trials == 0:
        return STATUS_NO_TRIALS, (f"The study {report['study']!r} holds no trials: the run stopped before the "
                                  "first trial finished, so there is nothing to compare.")
    if counts["complete"] == 0:
        parts = [f"{counts[s]} {s if s != 'fail' else 'failed'}" for s in ("fail", "pruned", "running", "waiting")
                 if counts[s]]
        why = "; ".join(f"{f['reason']} ({len(f['trials'])} trial{'s' if len(f['trials']) > 1 else ''})"
                        for f in report["failures"][:3])
        return STATUS_NO_COMPLETED_TRIAL, (f"None of the {n_trials} trials completed ({', '.join(parts)})."
                                           + (f" Why they failed: {why}." if why else ""))
    best = report["best"]
    if best is None:
        return STATUS_COMPLETE, f"{counts['complete']} of {n_trials} trials completed; {len(report['best_trials'])} on the Pareto front."
    return STATUS_COMPLETE, (f"Best of {counts['complete']} completed trials: trial #{best['number']}, "
                             f"{report['metric']} {_fmt(best['value'])} on average over its validation windows.")


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def clean(value: Any) -> Any:
    """JSON-ready: NaN and infinities become None, NumPy scalars plain Python."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
