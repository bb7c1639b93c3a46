"""Preparation policies, look-ahead-free features, and the holdout split."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mow_orchestrator.config import DataSection, FeaturesSection, HoldoutSection, RollingFeature, TuneSection
from mow_orchestrator.data import prepare, split_holdout
from mow_orchestrator.errors import ConfigError, DataError


def _data(**kw) -> DataSection:
    base = {"path": "x.csv", "target": "y", "features": ["x"]}
    base.update(kw)
    return DataSection.model_validate(base)


def test_rename_types_and_panel_order():
    raw = pa.table({"when": ["2024-01-02", "2024-01-01", "2024-01-01", "2024-01-02"], "id": ["b", "b", "a", "a"],
                    "X": ["1", "2", "3", "4"], "y": [1.0, 2.0, 3.0, 4.0]})
    data = _data(rename={"X": "x", "when": "t"}, types={"x": "float64"}, time_column="t", series_column="id")
    p = prepare(raw, data, numeric_target=True)
    assert p.table.column("id").to_pylist() == ["a", "b", "a", "b"]  # sorted by (time, series)
    assert p.table.column("x").to_pylist() == [3.0, 2.0, 4.0, 1.0]


def test_duplicate_policies():
    raw = pa.table({"t": ["2024-01-01", "2024-01-01", "2024-01-02"], "x": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match=r"data.duplicates: 1 rows repeat the timestamp .* rows 0 and 1"):
        prepare(raw, _data(time_column="t"), numeric_target=True)
    assert prepare(raw, _data(time_column="t", duplicates="first"), numeric_target=True).table["x"].to_pylist() == [1, 3]
    assert prepare(raw, _data(time_column="t", duplicates="last"), numeric_target=True).table["x"].to_pylist() == [2, 3]
    assert prepare(raw, _data(time_column="t", duplicates="keep"), numeric_target=True).table.num_rows == 3


def test_missing_policies_name_column_and_rows():
    raw = pa.table({"x": [1.0, float("nan"), float("inf"), 4.0], "y": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(DataError, match=r"data.features: column 'x' has 2 empty, NaN or infinite values, first in rows 1, 2"):
        prepare(raw, _data(), numeric_target=True)
    assert prepare(raw, _data(missing="drop"), numeric_target=True).table["x"].to_pylist() == [1.0, 4.0]
    assert prepare(raw, _data(missing="ffill"), numeric_target=True).table["x"].to_pylist() == [1.0, 1.0, 1.0, 4.0]
    bad_target = pa.table({"x": [1.0, 2.0], "y": [1.0, None]})
    with pytest.raises(DataError, match="data.target: column 'y' has 1 empty"):
        prepare(bad_target, _data(missing="ffill"), numeric_target=True)
    both = pa.table({"x": [float("nan"), 2.0, 3.0], "y": [1.0, 2.0, None]})  # ffill fills x; y is the problem
    with pytest.raises(DataError, match=r"data.target: column 'y' has 1 empty, NaN or infinite values, first in rows 2 "
                                        r".*\(ffill fills inputs, not the target\)"):
        prepare(both, _data(missing="ffill"), numeric_target=True)


def test_time_zones():
    raw = pa.table({"t": ["2024-03-10T01:00:00", "2024-03-10T03:00:00"], "x": [1.0, 2.0], "y": [1.0, 2.0]})
    p = prepare(raw, _data(time_column="t", timezone="America/New_York"), numeric_target=True)
    assert p.table.schema.field("t").type == pa.timestamp("s", tz="America/New_York")
    assert np.diff(p.table["t"].combine_chunks().to_numpy().view("int64")).tolist() == [3600]  # 02:00 does not exist
    mixed = pa.table({"t": ["2024-01-01T00:00:00+01:00", "2024-01-02T00:00:00"], "x": [1.0, 2.0], "y": [1.0, 2.0]})
    with pytest.raises(DataError, match="mixes times with and without a time zone offset .*row 1"):
        prepare(mixed, _data(time_column="t"), numeric_target=True)
    gap = pa.table({"t": ["2024-03-10T02:30:00"], "x": [1.0], "y": [1.0]})
    with pytest.raises(DataError, match="ambiguous or does not exist in America/New_York"):
        prepare(gap, _data(time_column="t", timezone="America/New_York"), numeric_target=True)
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        _data(time_column="t", timezone="Mars/Base")


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(-100, 100), min_size=12, max_size=40), cut=st.integers(6, 11),
       panel=st.booleans())
def test_features_never_look_ahead(values, cut, panel):
    """Changing rows after t never changes the features of rows up to t."""
    n = len(values)
    ids = (["a", "b"] * n)[:n] if panel else ["a"] * n
    times = [str(np.datetime64("2024-01-01") + i // (2 if panel else 1)) for i in range(n)]
    data = _data(features=[], time_column="t", series_column="id" if panel else None, lags={"y": [1, 2]})
    features = FeaturesSection(rolling={"y": RollingFeature(windows=[3], stats=["mean", "std"])}, diff={"y": [1]},
                               scale="expanding")
    y = np.array(values)
    changed = y.copy()
    changed[cut:] += 1000.0
    a = prepare(pa.table({"t": times, "id": ids, "y": y}), data, numeric_target=True, features=features).table
    b = prepare(pa.table({"t": times, "id": ids, "y": changed}), data, numeric_target=True, features=features).table
    t_cut = pa.scalar(np.datetime64(times[cut - 1], "s"), pa.timestamp("s"))
    keep_a = a.filter(pa.compute.less_equal(a["t"], t_cut))
    keep_b = b.filter(pa.compute.less_equal(b["t"], t_cut))
    for name in a.column_names:
        if name not in ("t", "id", "y"):
            np.testing.assert_allclose(keep_a[name].to_numpy(), keep_b[name].to_numpy(), err_msg=name)


def test_expanding_scale_skips_warm_up_rows_of_lags():
    """Each present value is scaled by the mean and (population) std of the present values up to it."""
    from mow_orchestrator.data.features import SeriesIndex, expanding_scale, lag

    x = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    index = SeriesIndex(None, len(x))  # one series
    lagged = lag(x, 2, index)
    scaled = expanding_scale(lagged, index)
    assert np.isnan(scaled[:2]).all()  # the lag's warm-up rows stay missing
    expected = [0.0]  # the first value: no spread yet
    for i in range(3, len(x)):
        seen = lagged[2 : i + 1]
        expected.append((lagged[i] - seen.mean()) / seen.std())
    np.testing.assert_allclose(scaled[2:], expected)


def test_lags_are_per_series():
    raw = pa.table({"t": ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-02"], "id": ["a", "b", "a", "b"],
                    "y": [1.0, 10.0, 2.0, 20.0]})
    p = prepare(raw, _data(features=[], time_column="t", series_column="id", lags={"y": [1]}), numeric_target=True)
    assert p.table["y_lag1"].to_pylist() == [1.0, 10.0] and p.table["y"].to_pylist() == [2.0, 20.0]


def test_target_transforms_are_columns_next_to_the_target():
    raw = pa.table({"t": ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-02", "2024-01-03", "2024-01-03"],
                    "id": ["a", "b", "a", "b", "a", "b"], "x": [0.0] * 6, "y": [1.0, 10.0, 2.0, 30.0, 4.0, 20.0]})
    data = _data(time_column="t", series_column="id")
    tune = TuneSection(target_transform=["none", "log1p", "diff"], scale=True)
    p = prepare(raw, data, numeric_target=True, tune=tune)
    assert p.target_columns == {"log1p": "y__log1p", "diff": "y__diff"}
    assert p.table["y"].to_pylist() == [2.0, 30.0, 4.0, 20.0]  # diff: each series' first row has no y[t-1]
    assert p.table["y__diff"].to_pylist() == [1.0, 20.0, 2.0, -10.0]  # per series
    np.testing.assert_allclose(p.table["y__log1p"].to_numpy(), np.log1p([2.0, 30.0, 4.0, 20.0]))
    assert p.scaled_columns == {"x": "x__scaled"} and "x" in p.table.column_names  # both forms
    assert p.feature_columns == ("x",)


def test_log1p_of_a_target_at_or_below_minus_one_names_the_row():
    raw = pa.table({"x": [0.0, 1.0, 2.0], "y": [3.0, -1.0, 5.0]})
    with pytest.raises(DataError, match=r"log1p needs 'y' > -1, but it is -1 in row 1 .*use 'diff' or 'none'"):
        prepare(raw, _data(), numeric_target=True, features=FeaturesSection(target_transform="log1p"))


def _prepared(n=20, repeats=1):
    t = np.repeat(np.arange(n) * 86400, repeats).astype("datetime64[s]")
    raw = pa.table({"t": pa.array(t), "id": np.tile(np.arange(repeats), n).astype(str), "x": np.arange(n * repeats) * 1.0,
                    "y": np.arange(n * repeats) % 3})
    return prepare(raw, _data(time_column="t", series_column="id" if repeats > 1 else None), numeric_target=True)


def test_holdout_by_rows_cutoff_and_fraction_keep_ties_together():
    p = _prepared(20, repeats=3)
    assert split_holdout(p, HoldoutSection(rows=5)).n_dev == 45
    assert split_holdout(p, HoldoutSection(cutoff="1970-01-16")).n_dev == 45
    assert split_holdout(p, HoldoutSection(cutoff="1970-01-15T12:00")).n_dev == 45  # off-grid rounds up
    assert split_holdout(p, HoldoutSection(fraction=0.26)).n_dev == 45  # 5 of 20 steps
    with pytest.raises(DataError, match="holdout.rows: 20 of 20 time steps leaves no development rows"):
        split_holdout(p, HoldoutSection(rows=20))
    with pytest.raises(DataError, match=r"holdout.cutoff: 2030-01-01 is after the last row \(1970-01-20T00:00:00\), which holds out nothing"):
        split_holdout(p, HoldoutSection(cutoff="2030-01-01"))
    with pytest.raises(ConfigError, match="holdout.cutoff: 'soon' is not an ISO 8601 time"):
        split_holdout(p, HoldoutSection(cutoff="soon"))
    with pytest.raises(ValueError, match="give only one of fraction, rows or cutoff"):
        HoldoutSection(fraction=0.1, rows=3)


def test_stratified_holdout_keeps_class_shares_and_is_disjoint():
    p = _prepared(300)
    split = split_holdout(p, HoldoutSection(kind="stratified", fraction=0.2, seed=3))
    dev_y = split.dev["y"].to_numpy()
    hold_y = split.holdout["y"].to_numpy()
    assert split.n_holdout == 60 and sorted(np.bincount(hold_y.astype(int))) == [20, 20, 20]
    assert not set(split.dev["x"].to_pylist()) & set(split.holdout["x"].to_pylist())
    assert len(dev_y) + len(hold_y) == 300
    again = split_holdout(p, HoldoutSection(kind="stratified", fraction=0.2, seed=3))
    assert again.holdout["x"].to_pylist() == split.holdout["x"].to_pylist()


def test_a_bad_date_names_its_row_and_value(tmp_path):
    from mow_orchestrator.config import DataSection
    from mow_orchestrator.data import prepare, read_table
    from mow_orchestrator.errors import DataError

    path = tmp_path / "bad.csv"
    path.write_text("date,y,x\n2012/01/01,1,2\n2012/01/02,2,3\n2012/13/45,3,4\n2012/01/04,4,5\n")
    data = DataSection(path=path, time_column="date", target="y", features=["x"])
    with pytest.raises(DataError, match=r"'date' row 2 holds '2012/13/45', which is not a date or time"):
        prepare(read_table(path), data, numeric_target=True)
