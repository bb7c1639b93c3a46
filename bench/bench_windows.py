"""Window generation: 1,000 windows over 10 million rows, against scikit-learn's TimeSeriesSplit.

Run: python bench/bench_windows.py [--quick] [--rows 10000000] [--windows 1000]

MOW windows are row ranges, so their cost and memory grow with the number of
windows, not the rows they cover; TimeSeriesSplit yields index arrays. Both
are measured in this run on the same rows and window sizes; the script prints
seconds, peak extra memory (tracemalloc) and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import BenchRun, Figure, command_line  # noqa: E402


def measure(label: str, fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<48} {seconds:8.3f} s   peak {peak / 2**20:9.1f} MiB")
    measure.peaks[label] = peak
    return seconds, result


measure.peaks = {}


def main() -> None:
    from sklearn.model_selection import TimeSeriesSplit

    from mow_orchestrator.data import Span, TimeAxis, WindowSpec, plan_windows

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--windows", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows and 100 windows: checks the bench runs")
    args = parser.parse_args()
    n, k = (100_000, 100) if args.quick else (args.rows, args.windows)
    validation = n // (2 * k)
    train = n // 4
    times = np.arange(n, dtype=np.int64) * 60  # one row a minute, ~19 years for 10 M rows
    print(f"{n:,} rows, {k:,} windows: train {train:,}, validation {validation:,} rows")

    rows_axis = TimeAxis(n, None, "s", None, None, None)
    spec = WindowSpec("sliding", train, validation, validation, anchor="end", max_windows=k)
    t_rows, w_rows = measure("MOW, row counts, no time column", lambda: plan_windows(rows_axis, spec).windows())
    assert len(w_rows) == k

    def with_times():
        axis = TimeAxis.from_ticks(times, "s")  # checks order and ties in 1 M-row chunks
        return plan_windows(axis, spec).windows()

    t_times, w_times = measure("MOW, row counts, time column checked", with_times)
    span_spec = WindowSpec("sliding", Span(train // 60, "h"), Span(validation, "min"), anchor="end", max_windows=k)
    t_span, w_span = measure("MOW, time spans (h / min)", lambda: plan_windows(TimeAxis.from_ticks(times, "s"),
                                                                                span_spec).windows())
    assert len(w_times) == len(w_span) == k

    def sklearn():
        splits = TimeSeriesSplit(n_splits=k, test_size=validation, max_train_size=train).split(np.empty((n, 1)))
        count = 0
        for _train, _test in splits:  # index arrays, consumed one at a time and not kept
            count += 1
        return count

    t_ref, count = measure("scikit-learn TimeSeriesSplit (index arrays)", sklearn)
    assert count == k
    print(f"MOW / TimeSeriesSplit: row counts {t_rows / t_ref:.2f}x, with time column {t_times / t_ref:.2f}x, "
          f"time spans {t_span / t_ref:.2f}x")
    run = BenchRun("windows", command_line(), args.quick)
    peaks = measure.peaks
    ref_peak = peaks["scikit-learn TimeSeriesSplit (index arrays)"] / 2**20
    full = not args.quick
    run.add(Figure(f"{k:,} windows over {n:,} rows, row counts", t_rows, t_ref, "s", "TimeSeriesSplit",
                   target="under 1 s", passed=t_rows < 1.0 if full else None))
    run.add(Figure(f"{k:,} windows over {n:,} rows, time column checked", t_times, t_ref, "s", "TimeSeriesSplit",
                   target="under 1 s", passed=t_times < 1.0 if full else None))
    run.add(Figure(f"{k:,} windows over {n:,} rows, time spans", t_span, t_ref, "s", "TimeSeriesSplit",
                   target="under 1 s", passed=t_span < 1.0 if full else None))
    run.add(Figure("peak extra memory, row counts", peaks["MOW, row counts, no time column"] / 2**20, ref_peak, "MiB",
                   "TimeSeriesSplit", notes="tracemalloc peak while generating the windows: MOW keeps 4 row numbers "
                   "per window, TimeSeriesSplit index arrays of the rows"))
    print(f"written {run.save()}")


if __name__ == "__main__":
    main()
