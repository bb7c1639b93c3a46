"""Prepare a raw table for modelling.

Steps, in order: keep ``data.columns``; ``rename``; coerce ``types``; parse the
time column (text as ISO 8601 or ``time_format``; naive or time-zone aware,
converted to ``timezone``); sort by time, or by (time, series) for panel
data, so that a time range is a contiguous block of rows; apply the
``duplicates`` policy; apply the ``missing`` policy to the inputs and the
target; add look-ahead-free features (:mod:`.features`) and drop the leading
rows of each series that lack them.

Errors name the column and the first offending rows; row numbers count from
0, after sorting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import DataSection, FeaturesSection, FoldsSection, TuneSection
from ..errors import DataError
from . import features as ft


@dataclass(frozen=True)
class PreparedTable:
    """A table ready for splitting: rows in time order, inputs numeric and finite."""

    table: pa.Table
    feature_columns: tuple[str, ...]
    target: str
    time_column: str | None
    series_column: str | None = None
    scaled_columns: dict[str, str] = field(default_factory=dict)
    """Input column -> its expanding-scaled form (``tune.scale``: both forms are in ``table``)."""
    target_columns: dict[str, str] = field(default_factory=dict)
    """Target transform (``log1p``, ``diff``) -> the column holding the transformed target."""


#: Suffix of the expanding-scaled form of an input column (``tune.scale``).
SCALED = "__scaled"


def target_column_name(target: str, transform: str) -> str:
    """The column that holds ``target`` transformed by ``transform`` (``none``: the target itself)."""
    return target if transform == "none" else f"{target}__{transform}"


def prepare(raw: pa.Table, data: DataSection, *, numeric_target: bool,
            features: FeaturesSection | None = None, folds: FoldsSection | None = None,
            tune: TuneSection | None = None) -> PreparedTable:
    """Select, convert, order, check and add features to the columns named by ``data``.

    ``folds``: its ``group_column`` and ``label_end_column`` (parsed like the time column) are
    carried through unchanged, next to the time column; they are never features.
    ``tune``: tuned scaling adds the scaled form of every input column, tuned target transforms
    add one transformed target column each, so every trial's choice is a column already there."""
    features = features or FeaturesSection()
    tune = tune or TuneSection()
    params = feature_params(data, features)
    table = _select_and_rename(raw, data)
    carried = folds.columns if folds is not None else ()
    wanted = [data.target, *data.features, *params.columns_needed()]
    wanted += [c for c in (data.time_column, data.series_column, *carried) if c]
    missing = [c for c in dict.fromkeys(wanted) if c not in table.column_names]
    if missing:
        name = missing[0]
        field = next((f for f, names in (("data.target", [data.target]), ("data.features", data.features),
                                         ("data.time_column", [data.time_column]), ("data.series_column", [data.series_column]))
                      if name in names), "data")
        raise DataError(f"{field}: column {name!r} is not in {_name(data)} (columns there: {', '.join(table.column_names)})")
    table = _coerce_types(table, data)
    if data.time_column:
        table = table.set_column(table.column_names.index(data.time_column), data.time_column,
                                 parse_times(table.column(data.time_column), data))
        if folds is not None and folds.label_end_column:
            label_end = folds.label_end_column
            table = table.set_column(table.column_names.index(label_end), label_end,
                                     parse_times(table.column(label_end), data.model_copy(update={"time_column": label_end})))
        table = _sorted(table, data)
        table = _deduplicated(table, data)
    inputs = list(dict.fromkeys([*data.features, *params.columns_needed()]))
    table = _apply_missing_policy(table, data, inputs, numeric_target)

    n = table.num_rows
    index = ft.SeriesIndex(_series_codes(table, data.series_column), n)
    columns: dict[str, pa.Array] = {}
    for name in (data.time_column, data.series_column, *carried):
        if name:
            columns[name] = table.column(name).combine_chunks()
    values = {name: table.column(name).to_numpy() for name in inputs}
    for name in data.features:
        columns[name] = pa.array(values[name])
    for name, lags in params.lags.items():
        for k in sorted(set(lags)):
            columns[f"{name}_lag{k}"] = pa.array(ft.lag(values[name], k, index))
    for name, (windows, stats, lag) in params.rolling.items():
        for w in sorted(set(windows)):
            for stat in stats:
                columns[f"{name}_roll{w}_{stat}"] = pa.array(ft.rolling(values[name], w, stat, lag, index))
    for name, ks in params.diff.items():
        for k in sorted(set(ks)):
            columns[f"{name}_diff{k}"] = pa.array(ft.diff(values[name], k, index))
    feature_columns = tuple(c for c in columns if c not in (data.time_column, data.series_column, *carried))
    scaled_columns = {name: f"{name}{SCALED}" for name in feature_columns} if tune.scale else {}
    if params.scale == "expanding" or tune.scale:
        for name in feature_columns:
            scaled = pa.array(ft.expanding_scale(columns[name].to_numpy(zero_copy_only=False), index))
            columns[scaled_columns.get(name, name)] = scaled
    columns[data.target] = table.column(data.target).combine_chunks()
    transforms = sorted(set(tune.target_transform or [features.target_transform]) - {"none"})
    target_columns = {}
    if transforms:
        y = columns[data.target].to_numpy(zero_copy_only=False).astype(np.float64)
        for transform in transforms:
            target_columns[transform] = target_column_name(data.target, transform)
            columns[target_columns[transform]] = pa.array(_transformed_target(y, transform, data.target, index))
    prepared = pa.table(columns)

    warmup = max(params.warmup(), 1 if "diff" in transforms else 0)  # diff: the first row has no y[t-1]
    if warmup:
        keep = index.position >= warmup
        if not keep.any():
            raise DataError(f"data.lags: features that look {warmup} rows back leave none of the {n} rows of any series; "
                            "use shorter lags or windows")
        prepared = prepared.slice(warmup) if data.series_column is None else prepared.filter(pa.array(keep))
    return PreparedTable(prepared.combine_chunks(), feature_columns, data.target, data.time_column, data.series_column,
                         scaled_columns, target_columns)


def _transformed_target(y: np.ndarray, transform: str, name: str, index: ft.SeriesIndex) -> np.ndarray:
    """``log1p(y)``, or ``y[t] - y[t-1]`` per series (NaN on each series' first row, which warm-up drops)."""
    if transform == "log1p":
        bad = np.flatnonzero(~(y > -1))
        if len(bad):
            raise DataError(f"features.target_transform: log1p needs {name!r} > -1, but it is {y[bad[0]]:g} in row "
                            f"{bad[0]} (counted after sorting; {len(bad)} row(s) in all); use 'diff' or 'none'")
        return np.log1p(y)
    return y - ft.lag(y, 1, index)


def feature_params(data: DataSection, features: FeaturesSection) -> ft.FeatureParams:
    """The feature parameters of ``data.lags`` and ``[features]`` as plain values."""
    return ft.FeatureParams(
        lags={k: tuple(v) for k, v in data.lags.items() if v},
        rolling={k: (tuple(r.windows), tuple(r.stats), r.lag) for k, r in features.rolling.items()},
        diff={k: tuple(v) for k, v in features.diff.items() if v},
        scale=features.scale,
    )


def _name(data: DataSection) -> str:
    return data.path.name if data.path is not None else data.source_name


def _select_and_rename(table: pa.Table, data: DataSection) -> pa.Table:
    if data.columns is not None:
        absent = [c for c in data.columns if c not in table.column_names]
        if absent:
            raise DataError(f"data.columns: column {absent[0]!r} is not in {_name(data)} "
                            f"(columns there: {', '.join(table.column_names)})")
        table = table.select(data.columns)
    if data.rename:
        absent = [c for c in data.rename if c not in table.column_names]
        if absent:
            raise DataError(f"data.rename: column {absent[0]!r} is not in {_name(data)} "
                            f"(columns there: {', '.join(table.column_names)})")
        names = [data.rename.get(c, c) for c in table.column_names]
        clash = [c for c in dict.fromkeys(names) if names.count(c) > 1]
        if clash:
            raise DataError(f"data.rename: two columns would be called {clash[0]!r}; choose another name")
        table = table.rename_columns(names)
    return table


_TYPES = {"float64": pa.float64(), "int64": pa.int64(), "bool": pa.bool_(), "string": pa.string()}


def _coerce_types(table: pa.Table, data: DataSection) -> pa.Table:
    for name, kind in data.types.items():
        if name not in table.column_names:
            renamed = f" (it is renamed to {data.rename[name]!r}: data.types takes the new names)" if name in data.rename else ""
            raise DataError(f"data.types: column {name!r} is not in {_name(data)}{renamed}")
        if kind == "timestamp":
            continue  # parsed with the time column rules below
        column = table.column(name)
        try:
            converted = pc.cast(column, _TYPES[kind])
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise DataError(f"data.types: column {name!r} does not convert to {kind}: {str(exc).splitlines()[0]}") from None
        table = table.set_column(table.column_names.index(name), name, converted)
    return table


_TIME_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S")
_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


def parse_times(times: pa.ChunkedArray, data: DataSection) -> pa.ChunkedArray:
    """The time column as an Arrow timestamp, in ``data.timezone`` when set.

    Text: ISO 8601 (with or without offsets, but not mixed), else ``data.time_format``
    or the formats above. Naive times with ``timezone`` are local times there; a
    local time that does not exist or is ambiguous (DST change) is an error.
    """
    column = data.time_column
    if times.null_count:
        first = _first_rows(pc.is_null(times))
        raise DataError(f"data.time_column: {column!r} is empty in rows {first} (row numbers count from 0)")
    if pa.types.is_string(times.type) or pa.types.is_large_string(times.type):
        times = _parse_text_times(times, data)
    elif pa.types.is_date(times.type):
        times = pc.cast(pc.cast(times, pa.date32()), pa.timestamp("s"))
    elif not pa.types.is_timestamp(times.type):
        raise DataError(f"data.time_column: {column!r} is {times.type}, not a date or time; "
                        "give ISO 8601 text such as 2024-01-31 or a timestamp column")
    tz = data.timezone
    if tz is not None:
        if times.type.tz is None:
            try:
                times = pc.assume_timezone(times, timezone=tz, ambiguous="raise", nonexistent="raise")
            except pa.ArrowInvalid as exc:
                raise DataError(f"data.time_column: {column!r} holds a local time that is ambiguous or does not exist "
                                f"in {tz} ({str(exc).splitlines()[0]}); store times in UTC or with their offset") from None
        else:
            times = pc.cast(times, pa.timestamp(times.type.unit, tz=tz))
    return times


def _parse_text_times(times: pa.ChunkedArray, data: DataSection) -> pa.ChunkedArray:
    column = data.time_column
    if data.time_format:
        try:
            return pc.strptime(times, format=data.time_format, unit="s", error_is_null=False)
        except pa.ArrowInvalid:
            raise DataError(f"data.time_format: {column!r} does not match {data.time_format!r} "
                            f"(first value: {times[0].as_py()!r})") from None
    with_offset = pc.match_substring_regex(times, _OFFSET.pattern)
    n_offset = pc.sum(with_offset).as_py() or 0
    if 0 < n_offset < len(times):
        flags = with_offset.to_numpy(zero_copy_only=False)
        row = int(np.flatnonzero(flags != flags[0])[0])
        raise DataError(f"data.time_column: {column!r} mixes times with and without a time zone offset "
                        f"(first mismatch in row {row}); give every time an offset, or none and set data.timezone")
    for target in (pa.timestamp("s", tz="UTC") if n_offset else pa.timestamp("s"), pa.timestamp("ms", tz="UTC")
                   if n_offset else pa.timestamp("ms")):
        try:
            return pc.cast(times, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    if not n_offset:
        for fmt in _TIME_FORMATS:
            try:
                return pc.strptime(times, format=fmt, unit="s", error_is_null=False)
            except pa.ArrowInvalid:
                continue
        row, value = _first_unparsed(times)
        if row is not None:
            raise DataError(f"data.time_column: {column!r} row {row} holds {value!r}, which is not a date or time "
                            "(row numbers count from 0, before sorting); fix it, or set data.time_format")
    raise DataError(
        f"data.time_column: {column!r} does not parse as dates or times (first value: {times[0].as_py()!r}); "
        f"use ISO 8601 such as 2024-01-31 or 2024-01-31T12:00:00, or set data.time_format"
    )


def _first_unparsed(times: pa.ChunkedArray) -> tuple[int | None, str | None]:
    """The first row that a format parsing most rows cannot parse (None when no format fits most)."""
    for fmt in _TIME_FORMATS:
        parsed = pc.strptime(times, format=fmt, unit="s", error_is_null=True)
        bad = pc.and_(pc.is_null(parsed), pc.is_valid(times))
        n_bad = pc.sum(bad).as_py() or 0
        if 0 < n_bad <= len(times) // 2:
            row = int(np.flatnonzero(bad.to_numpy(zero_copy_only=False))[0])
            return row, times[row].as_py()
    return None, None


def _sorted(table: pa.Table, data: DataSection) -> pa.Table:
    keys = [(data.time_column, "ascending")]
    if data.series_column:
        keys.append((data.series_column, "ascending"))
    order = pc.sort_indices(table, sort_keys=keys)
    if _is_identity(order):
        return table
    return table.take(order)


def _is_identity(order: pa.Array) -> bool:
    values = order.to_numpy()
    return bool(len(values) == 0 or (values == np.arange(len(values))).all())


def _deduplicated(table: pa.Table, data: DataSection) -> pa.Table:
    times = table.column(data.time_column).combine_chunks().to_numpy(zero_copy_only=False).view("int64")
    same = times[1:] == times[:-1]
    if data.series_column:
        series = table.column(data.series_column).to_numpy(zero_copy_only=False)
        same &= series[1:] == series[:-1]
    if not same.any() or data.duplicates == "keep":
        return table
    rows = np.flatnonzero(same) + 1  # each is a repeat of the row before it
    if data.duplicates == "error":
        what = "(time, series)" if data.series_column else "timestamp"
        first = int(rows[0])
        value = table.column(data.time_column)[first].as_py()
        raise DataError(
            f"data.duplicates: {len(rows)} rows repeat the {what} of the row before them, first rows {first - 1} and "
            f"{first} at {value} (after sorting); set data.duplicates to first, last or keep"
        )
    drop = np.zeros(len(times), dtype=bool)
    if data.duplicates == "first":
        drop[rows] = True
    else:  # last
        drop[rows - 1] = True
    return table.filter(pa.array(~drop))


def _apply_missing_policy(table: pa.Table, data: DataSection, inputs: list[str], numeric_target: bool) -> pa.Table:
    numeric = inputs + ([data.target] if numeric_target else [])
    for name in numeric:
        column = table.column(name)
        if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type) or pa.types.is_boolean(column.type)):
            field = "data.target" if name == data.target else "data.features"
            hint = " (for a text target choose a classification metric such as accuracy)" if name == data.target else ""
            raise DataError(f"{field}: column {name!r} is {column.type}, not numeric{hint}")
        table = table.set_column(table.column_names.index(name), name, pc.cast(column, pa.float64()))
    bad = {name: _bad_mask(table.column(name), name in numeric) for name in [*inputs, data.target]}
    if not any(mask.any() for mask in bad.values()):
        return table
    if data.missing == "error" or (data.missing == "ffill" and bad[data.target].any()):
        # ffill fills inputs, never the target: then the target is what to name
        name = data.target if data.missing == "ffill" else next(n for n, m in bad.items() if m.any())
        field = "data.target" if name == data.target else "data.features"
        rows = ", ".join(str(r) for r in np.flatnonzero(bad[name])[:5])
        fix = ("fill or drop them, or set data.missing = 'drop'"
               + ("" if name == data.target else " or 'ffill'")
               + (" (ffill fills inputs, not the target)" if data.missing == "ffill" else ""))
        raise DataError(f"{field}: column {name!r} has {int(bad[name].sum())} empty, NaN or infinite values, "
                        f"first in rows {rows} (row numbers count from 0, after sorting by time); {fix}")
    if data.missing == "drop":
        keep = ~np.logical_or.reduce(list(bad.values()))
        if not keep.any():
            raise DataError("data.missing: dropping rows with empty, NaN or infinite values leaves no row")
        return table.filter(pa.array(keep))
    # ffill: carry the last valid input forward per series; rows still lacking one are dropped
    index = ft.SeriesIndex(_series_codes(table, data.series_column), table.num_rows)
    still_bad = np.zeros(table.num_rows, dtype=bool)
    for name in inputs:
        x = table.column(name).to_numpy().copy()
        x[bad[name]] = np.nan
        xs = index.grouped(x)
        valid = ~np.isnan(xs)
        last = np.where(valid, np.arange(len(xs)), -1)
        np.maximum.accumulate(last, out=last)
        pos = index.grouped_position()
        ok = (last >= 0) & (np.arange(len(xs)) - last <= pos)  # the valid value is in the same series
        filled = np.where(ok, xs[np.maximum(last, 0)], np.nan)
        filled = index.ungrouped(filled)
        still_bad |= np.isnan(filled)
        table = table.set_column(table.column_names.index(name), name, pa.array(filled))
    return table.filter(pa.array(~still_bad)) if still_bad.any() else table


def _bad_mask(column: pa.ChunkedArray, numeric: bool) -> np.ndarray:
    if numeric:
        return pc.invert(pc.fill_null(pc.is_finite(column), False)).to_numpy(zero_copy_only=False)
    return pc.is_null(column).to_numpy(zero_copy_only=False)


def _series_codes(table: pa.Table, series_column: str | None) -> np.ndarray | None:
    if not series_column:
        return None
    encoded = pc.dictionary_encode(table.column(series_column).combine_chunks())
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)


def _first_rows(mask: pa.ChunkedArray | pa.Array, limit: int = 5) -> str:
    rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))[:limit]
    return ", ".join(str(r) for r in rows)
