"""Look-ahead-free feature columns: lags, rolling statistics, differences, expanding scaling.

Every feature of row ``t`` uses only rows at or before ``t`` of the same series
(rows are in time order within each series). Windows that would reach before
a series' first row yield NaN; :func:`warmup` says how many leading rows per
series that affects, and the caller drops them.

- lag ``L``: ``x[t-L]``.
- rolling ``w`` with lag ``L``: the statistic of ``x[t-L-w+1 .. t-L]``.
- diff ``k``: ``x[t-1] - x[t-1-k]`` (one step back, so it is safe on the target).
- expanding scale: ``(x[t] - mean(x[..t])) / std(x[..t])`` (0 where std is 0).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


@dataclass(frozen=True)
class FeatureParams:
    """Global feature parameters (plain values, so a tuner can set them per trial).

    Attributes:
        lags: column -> lags in steps.
        rolling: column -> (windows, stats, lag).
        diff: column -> differences ``k``.
        scale: ``none`` or ``expanding``.
    """

    lags: dict[str, tuple[int, ...]] = field(default_factory=dict)
    rolling: dict[str, tuple[tuple[int, ...], tuple[str, ...], int]] = field(default_factory=dict)
    diff: dict[str, tuple[int, ...]] = field(default_factory=dict)
    scale: str = "none"

    def columns_needed(self) -> list[str]:
        return list(dict.fromkeys([*self.lags, *self.rolling, *self.diff]))

    def warmup(self) -> int:
        """Leading rows per series without a complete feature value."""
        need = [max(v) for v in self.lags.values() if v]
        need += [max(w) + lag - 1 for w, _, lag in self.rolling.values() if w]
        need += [1 + max(k) for k in self.diff.values() if k]
        return max(need, default=0)


class SeriesIndex:
    """Row order grouped by series (time order inside each), and each row's position in its series."""

    def __init__(self, codes: np.ndarray | None, n: int) -> None:
        if codes is None:
            self.order = None
            self.position = np.arange(n)
            self.starts = np.array([0, n])
        else:
            self.order = np.argsort(codes, kind="stable")
            sorted_codes = codes[self.order]
            self.starts = np.concatenate(([0], np.flatnonzero(sorted_codes[1:] != sorted_codes[:-1]) + 1, [n]))
            pos_sorted = np.arange(n) - np.repeat(self.starts[:-1], np.diff(self.starts))
            self.position = np.empty(n, dtype=np.int64)
            self.position[self.order] = pos_sorted

    def grouped(self, x: np.ndarray) -> np.ndarray:
        return x if self.order is None else x[self.order]

    def ungrouped(self, xs: np.ndarray) -> np.ndarray:
        if self.order is None:
            return xs
        out = np.empty_like(xs)
        out[self.order] = xs
        return out

    def grouped_position(self) -> np.ndarray:
        return self.grouped(self.position)


def lag(x: np.ndarray, steps: int, index: SeriesIndex) -> np.ndarray:
    xs = index.grouped(x)
    out = np.full(len(xs), np.nan)
    if steps < len(xs):
        out[steps:] = xs[: len(xs) - steps]
    out[index.grouped_position() < steps] = np.nan
    return index.ungrouped(out)


def rolling(x: np.ndarray, window: int, stat: str, lag_steps: int, index: SeriesIndex) -> np.ndarray:
    xs = index.grouped(x)
    n = len(xs)
    out = np.full(n, np.nan)
    end = n - lag_steps  # windows end at row j - lag
    if window <= end:
        view = sliding_window_view(xs[:end], window)  # row i covers xs[i .. i+window-1], for j = i + window - 1 + lag
        fn = {"mean": np.mean, "std": np.std, "min": np.min, "max": np.max, "sum": np.sum}[stat]
        out[window - 1 + lag_steps :] = fn(view, axis=1)
    out[index.grouped_position() < window - 1 + lag_steps] = np.nan
    return index.ungrouped(out)


def diff(x: np.ndarray, k: int, index: SeriesIndex) -> np.ndarray:
    return lag(x, 1, index) - lag(x, 1 + k, index)


def expanding_scale(x: np.ndarray, index: SeriesIndex) -> np.ndarray:
    xs = index.grouped(x)
    out = np.empty(len(xs))
    for a, b in itertools.pairwise(index.starts):
        part = xs[a:b]
        present = ~np.isnan(part)  # a lag's or rolling feature's warm-up rows: skipped, and NaN again
        values = np.where(present, part, 0.0)
        count = np.maximum(np.cumsum(present), 1)
        mean = np.cumsum(values) / count
        var = np.maximum(np.cumsum(values * values) / count - mean * mean, 0.0)
        std = np.sqrt(var)
        scaled = np.where(present, 0.0, np.nan)
        ok = present & (std > 1e-12 * np.maximum(np.abs(mean), 1.0))
        scaled[ok] = (part[ok] - mean[ok]) / std[ok]
        out[a:b] = scaled
    return index.ungrouped(out)
