"""The machine-readable report of a run, built from the Optuna storage alone.

Everything here is read back from the study (its trials, their user
attributes, the study's user attributes), so ``report.json`` can be rebuilt
from storage at any time, and HTML reports can be built on the same dict.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

REPORT_VERSION = 1


def build_report(study: optuna.Study) -> dict[str, Any]:
    """Best configuration, counts by state, and every trial with its windows."""
    trials = study.get_trials(deepcopy=False)
    counts = {state.name.lower(): 0 for state in TrialState}
    for t in trials:
        counts[t.state.name.lower()] += 1
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    best = study.best_trial if complete else None
    return {
        "report_version": REPORT_VERSION,
        "study": study.study_name,
        "direction": study.direction.name.lower(),
        "metric": study.user_attrs.get("metric"),
        "model": study.user_attrs.get("model"),
        "rows": {"development": study.user_attrs.get("n_dev_rows"), "holdout": study.user_attrs.get("n_holdout_rows")},
        "counts": counts,
        "best": _trial(best) if best else None,
        "holdout": study.user_attrs.get("holdout"),
        "trials": [_trial(t) for t in trials],
    }


def _trial(t: optuna.trial.FrozenTrial) -> dict[str, Any]:
    duration = t.duration.total_seconds() if t.duration else None
    return {
        "number": t.number,
        "state": t.state.name.lower(),
        "value": _finite(t.value),
        "params": t.params,
        "model_params": t.user_attrs.get("model_params", {}),
        "windows": t.user_attrs.get("windows", []),
        "duration_s": duration,
        "bytes_sent": t.user_attrs.get("bytes_sent", 0),
        "failure": t.user_attrs.get("failure") or t.system_attrs.get("fail_reason"),
    }


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def write_report(report: dict[str, Any], run_dir: Path) -> Path:
    path = run_dir / "report.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    return path
