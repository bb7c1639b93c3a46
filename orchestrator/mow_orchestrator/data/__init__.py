"""Data: read a source, prepare it, hold out a test part, cut folds and windows.

Modules: ``fetch`` (path, URL with sha256 and cache, package file), ``sources``
(file formats), ``prepare`` (policies, time zones, panel order), ``features``
(look-ahead-free features), ``split`` (holdout), ``spans`` and ``timeaxis``
(time steps and calendar arithmetic), ``folds``, ``windows``, ``plan``
(config to windows).
"""

from .fetch import resolve_source
from .folds import group_kfold, kfold, purged_kfold, stratified_kfold, time_blocks, time_periods
from .plan import final_window, fold_ranges, plan_for, trial_train, window_spec
from .prepare import PreparedTable, prepare
from .sources import read_table
from .spans import Span, parse_span
from .split import Split, holdout_last, holdout_random, split_holdout
from .timeaxis import TimeAxis
from .windows import FoldPlan, Window, WindowPlan, WindowSpec, make_windows, plan_windows, validation_starts

__all__ = [
    "FoldPlan", "PreparedTable", "Span", "Split", "TimeAxis", "Window", "WindowPlan", "WindowSpec",
    "final_window", "fold_ranges", "group_kfold", "holdout_last", "holdout_random", "kfold", "make_windows",
    "parse_span", "plan_for", "plan_windows", "prepare", "purged_kfold", "read_table", "resolve_source",
    "split_holdout", "stratified_kfold", "time_blocks", "time_periods", "trial_train", "validation_starts",
    "window_spec",
]
