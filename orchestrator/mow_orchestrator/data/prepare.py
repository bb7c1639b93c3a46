"""Prepare a raw table for modelling: check columns, order by time, add lags.

Rules: every used column must exist; feature and target columns must be
free of nulls, NaN and infinities (the error names the column and the first
offending rows); a lag feature at row t uses only rows before t.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import DataSection
from ..errors import DataError


@dataclass(frozen=True)
class PreparedTable:
    """A table ready for splitting: rows in time order, inputs numeric and finite."""

    table: pa.Table
    feature_columns: tuple[str, ...]
    target: str
    time_column: str | None


def prepare(raw: pa.Table, data: DataSection, *, numeric_target: bool) -> PreparedTable:
    """Select, order, lag and check the columns named by ``data``."""
    wanted = [data.target, *data.features, *data.lags]
    if data.time_column:
        wanted.append(data.time_column)
    missing = [c for c in dict.fromkeys(wanted) if c not in raw.column_names]
    if missing:
        raise DataError(
            f"data: column {missing[0]!r} is not in {data.path.name} "
            f"(columns there: {', '.join(raw.column_names)})"
        )
    table = raw
    if data.time_column:
        table = _sorted_by_time(table, data.time_column)

    columns: dict[str, pa.ChunkedArray] = {}
    if data.time_column:
        columns[data.time_column] = table.column(data.time_column)
    for name in data.features:
        columns[name] = _numeric_column(table, name, "data.features")
    lag_names = []
    max_lag = max((max(lags) for lags in data.lags.values() if lags), default=0)
    for name, lags in data.lags.items():
        values = _numeric_column(table, name, "data.lags").to_numpy()
        for lag in sorted(set(lags)):
            lagged = np.full(len(values), np.nan)
            lagged[lag:] = values[:-lag] if lag < len(values) else []
            columns[f"{name}_lag{lag}"] = pa.chunked_array([lagged])
            lag_names.append(f"{name}_lag{lag}")
    target = table.column(data.target)
    if numeric_target:
        target = _numeric_column(table, data.target, "data.target")
    else:
        _check_no_nulls(target, data.target, "data.target")
    columns[data.target] = target

    prepared = pa.table(columns)
    if max_lag:
        if max_lag >= prepared.num_rows:
            raise DataError(f"data.lags: a lag of {max_lag} rows leaves none of the {prepared.num_rows} rows")
        prepared = prepared.slice(max_lag)
    feature_columns = tuple(dict.fromkeys([*data.features, *lag_names]))
    return PreparedTable(prepared.combine_chunks(), feature_columns, data.target, data.time_column)


def _sorted_by_time(table: pa.Table, column: str) -> pa.Table:
    times = table.column(column)
    if times.null_count:
        first = _first_rows(pc.is_null(times))
        raise DataError(f"data.time_column: {column!r} is empty in rows {first} (row numbers count from 0)")
    if pa.types.is_string(times.type) or pa.types.is_large_string(times.type):
        times = _parse_times(times, column)
        table = table.set_column(table.column_names.index(column), column, times)
    order = pc.sort_indices(table, sort_keys=[(column, "ascending")])
    return table.take(order)


_TIME_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S")


def _parse_times(times: pa.ChunkedArray, column: str) -> pa.ChunkedArray:
    """Text times as timestamps: ISO 8601 first, then the formats above."""
    try:
        return pc.cast(times, pa.timestamp("s"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    for fmt in _TIME_FORMATS:
        try:
            return pc.strptime(times, format=fmt, unit="s", error_is_null=False)
        except pa.ArrowInvalid:
            continue
    raise DataError(
        f"data.time_column: {column!r} does not parse as dates or times (first value: {times[0].as_py()!r}); "
        f"use ISO 8601 such as 2024-01-31 or 2024-01-31T12:00:00"
    )


def _numeric_column(table: pa.Table, name: str, field: str) -> pa.ChunkedArray:
    column = table.column(name)
    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type) or pa.types.is_boolean(column.type)):
        raise DataError(
            f"{field}: column {name!r} is {column.type}, not numeric "
            f"(for a text target choose a classification metric such as accuracy)"
        )
    column = pc.cast(column, pa.float64())
    _check_no_nulls(column, name, field)
    bad = pc.invert(pc.is_finite(column))
    if pc.any(bad).as_py():
        raise DataError(f"{field}: column {name!r} has NaN or infinite values in rows {_first_rows(bad)} (row numbers count from 0, after sorting by time)")
    return column


def _check_no_nulls(column: pa.ChunkedArray, name: str, field: str) -> None:
    if column.null_count:
        raise DataError(
            f"{field}: column {name!r} has {column.null_count} empty values, first in rows "
            f"{_first_rows(pc.is_null(column))} (row numbers count from 0, after sorting by time); "
            "fill or drop them before running"
        )


def _first_rows(mask: pa.ChunkedArray, limit: int = 5) -> str:
    rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))[:limit]
    return ", ".join(str(r) for r in rows)
