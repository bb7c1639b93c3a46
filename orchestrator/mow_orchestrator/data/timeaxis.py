"""The time axis of a prepared table: which rows form one time step, and where a time falls.

Windows are cut in *time steps*: the distinct values of the time column.
Rows that share a timestamp (the series of a panel at one time, or tied
observations) form one step and are never split. Without a time column, or
when every timestamp is distinct, a step is a row. Steps are numbered
``0 .. n_steps - 1``; step ``n_steps`` stands for the end of the table.

Memory: the axis keeps a zero-copy view of the time column; a per-step index
(one int64 per step) exists only when timestamps repeat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..errors import ConfigError, DataError
from .spans import TICKS_PER_SECOND, Span, format_ticks, from_wall, parse_span, shift

Length = int | Span
"""A count of time steps, or a time span."""

_CHUNK = 1 << 20
_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def as_length(value: int | str | Span, field: str) -> Length:
    """A config value (``30`` or ``"90D"``) as a :data:`Length`; ConfigError names ``field``."""
    if isinstance(value, (int, Span)):
        return value
    try:
        return parse_span(value)
    except ValueError as exc:
        raise ConfigError(f"{field}: {exc}") from None


@dataclass(frozen=True, eq=False)
class TimeAxis:
    """Time steps of the first ``n_rows`` rows of a table sorted by time.

    Attributes:
        n_rows: rows covered.
        times: int64 ticks per row (view, not a copy), or None without a time column.
        unit: tick unit of ``times`` (``s``, ``ms``, ``us``, ``ns``).
        tz: time zone name for calendar arithmetic, None for naive times.
        step_rows: first row of every step plus ``n_rows`` at the end, or None when steps are rows.
        end_time: the time just after the last step: the next row's time when the
            table goes on (the holdout), else the last time plus the smallest spacing.
    """

    n_rows: int
    times: np.ndarray | None
    unit: str
    tz: str | None
    step_rows: np.ndarray | None
    end_time: int | None

    @classmethod
    def from_table(cls, table: pa.Table, time_column: str | None, stop: int | None = None) -> "TimeAxis":
        """The axis of rows ``[0, stop)`` of ``table`` (default: all rows).

        Raises:
            DataError: the time column has nulls or is not sorted.
        """
        n_rows = table.num_rows if stop is None else stop
        if not time_column:
            return cls(n_rows, None, "s", None, None, None)
        column = table.column(time_column)
        if not pa.types.is_timestamp(column.type):
            raise DataError(f"data.time_column: {time_column!r} is {column.type}, not a timestamp; prepare the table first")
        if column.null_count:
            raise DataError(f"data.time_column: {time_column!r} has {column.null_count} empty values")
        chunk = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        all_times = chunk.to_numpy(zero_copy_only=False).view("int64")
        return cls.from_ticks(all_times[:n_rows], column.type.unit, column.type.tz,
                              next_time=int(all_times[n_rows]) if n_rows < len(all_times) else None)

    @classmethod
    def from_ticks(cls, times: np.ndarray, unit: str = "s", tz: str | None = None,
                   next_time: int | None = None) -> "TimeAxis":
        """An axis over sorted int64 ``times`` (checked in chunks, no full-size temporaries)."""
        times = np.asarray(times, dtype=np.int64)
        n = len(times)
        has_ties = False
        min_spacing: int | None = None
        for lo in range(0, max(n - 1, 0), _CHUNK):
            hi = min(lo + _CHUNK, n - 1)
            diff = times[lo + 1 : hi + 1] - times[lo:hi]
            if (diff < 0).any():
                row = lo + int(np.flatnonzero(diff < 0)[0]) + 1
                raise DataError(f"data.time_column: rows are not sorted by time (row {row} is earlier than row {row - 1})")
            zero = diff == 0
            if zero.any():
                has_ties = True
            positive = diff[~zero]
            if positive.size:
                smallest = int(positive.min())
                min_spacing = smallest if min_spacing is None else min(min_spacing, smallest)
        step_rows = None
        if has_ties:
            starts = np.flatnonzero(np.diff(times)) + 1
            step_rows = np.concatenate(([0], starts, [n])).astype(np.int64)
        if next_time is not None:
            end_time = next_time
        elif n:
            end_time = int(times[-1]) + (min_spacing or 1)
        else:
            end_time = None
        return cls(n, times, unit, tz, step_rows, end_time)

    # -- steps and rows ---------------------------------------------------

    @property
    def has_times(self) -> bool:
        return self.times is not None

    @property
    def n_steps(self) -> int:
        return self.n_rows if self.step_rows is None else len(self.step_rows) - 1

    def row(self, step: int) -> int:
        """First row of ``step`` (``n_rows`` for ``step == n_steps``)."""
        return int(step) if self.step_rows is None else int(self.step_rows[step])

    def step_of_row(self, row: int) -> int:
        """The step that holds ``row`` (``n_steps`` for ``row == n_rows``)."""
        if self.step_rows is None:
            return int(row)
        return int(np.searchsorted(self.step_rows, row, side="right")) - 1 if row < self.n_rows else self.n_steps

    def time(self, step: int) -> int:
        """Timestamp of ``step``; ``end_time`` for ``step == n_steps``."""
        assert self.times is not None
        return self.end_time if step >= self.n_steps else int(self.times[self.row(step)])  # type: ignore[return-value]

    def step_at(self, ticks: int) -> int:
        """The first step at or after ``ticks`` (an off-grid time rounds up to the next timestamp)."""
        assert self.times is not None
        row = int(np.searchsorted(self.times, ticks, side="left"))
        if self.step_rows is None:
            return row
        return int(np.searchsorted(self.step_rows, row, side="left"))

    # -- lengths ---------------------------------------------------------

    def shift_time(self, ticks: int, span: Span, times: int) -> int:
        return shift(ticks, span, times, self.unit, self.tz)

    def forward(self, step: int, length: Length) -> int:
        """The step ``length`` after ``step``: ``step + n``, or the first step at or after ``time(step) + span``."""
        if isinstance(length, Span):
            return self.step_at(self.shift_time(self.time(step), length, 1))
        return step + length

    def back(self, step: int, length: Length) -> int:
        """The first step of the ``length`` that ends just before ``step``: ``step - n``,
        or the first step at or after ``time(step) - span`` (may be negative for counts)."""
        if isinstance(length, Span):
            return self.step_at(self.shift_time(self.time(step), length, -1))
        return step - length

    def check_length(self, length: Length, field: str) -> None:
        if isinstance(length, Span) and not self.has_times:
            raise ConfigError(f"{field}: the time span {length} needs data.time_column; give a count of rows instead")

    # -- text ------------------------------------------------------------

    def format(self, ticks: int) -> str:
        return format_ticks(ticks, self.unit, self.tz)

    def parse_time(self, text: str, field: str) -> int:
        """Ticks of an ISO 8601 time; a naive text is read in the axis's time zone.

        Raises:
            ConfigError: the text is not ISO 8601, or carries an offset while the data is naive.
        """
        try:
            value = dt.datetime.fromisoformat(text)
        except (TypeError, ValueError):
            raise ConfigError(f"{field}: {text!r} is not an ISO 8601 time such as 2014-01-01 or 2014-01-01T06:00") from None
        if value.tzinfo is None:
            return from_wall(value.replace(microsecond=0), _sub_ticks(value.microsecond, self.unit), self.unit, self.tz)
        if self.tz is None:
            raise ConfigError(f"{field}: {text!r} has a time zone but the time column has none; drop the offset")
        seconds = (value.replace(microsecond=0) - _EPOCH_UTC) // dt.timedelta(seconds=1)
        return seconds * TICKS_PER_SECOND[self.unit] + _sub_ticks(value.microsecond, self.unit)


def _sub_ticks(microseconds: int, unit: str) -> int:
    return {"s": 0, "ms": microseconds // 1000, "us": microseconds, "ns": microseconds * 1000}[unit]


def describe_length(length: Length) -> str:
    return str(length) if isinstance(length, Span) else f"{length}"
