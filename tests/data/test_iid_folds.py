"""I.i.d. folds end to end: config, index-array windows, the wire, a whole study through the CLI.

The fold assignment is checked against scikit-learn (KFold, StratifiedKFold, GroupKFold) on the
development rows the split leaves; the run checks that the model server received exactly those
rows (a zoo model echoes a row-id feature back as its prediction)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

from mow_orchestrator.config import DataSection, FoldsSection, HoldoutSection, WindowsSection, load_config
from mow_orchestrator.data import FoldPlan, Window, final_window, plan_for, prepare, split_holdout
from mow_orchestrator.data.folds import purged_kfold
from mow_orchestrator.data.split import holdout_rows_random
from mow_orchestrator.errors import ConfigError, DataError

from support import ZOO

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cli_support import assert_no_leftovers, run_cli  # noqa: E402

N = 120


def _labels(n: int = N) -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.choice([0, 1, 2], size=n, p=[0.5, 0.3, 0.2])


def _split(folds: FoldsSection, holdout: HoldoutSection | None = None, *, extra=None,
           time_column: str | None = None):
    holdout = holdout or HoldoutSection(fraction=0.0)
    columns = {"rowid": np.arange(N, dtype=np.float64), "x": np.linspace(0, 1, N), "y": _labels()}
    columns.update(extra or {})
    data = DataSection(path=Path("x.csv"), target="y", features=["rowid", "x"], time_column=time_column)
    prepared = prepare(pa.table(columns), data, numeric_target=False, folds=folds)
    return split_holdout(prepared, holdout)


def _assert_folds_equal(plan, reference) -> None:
    assert isinstance(plan, FoldPlan) and len(plan) == len(reference)
    for i, (w, (train, test)) in enumerate(zip(plan.windows(), reference, strict=True)):
        assert w.fold == i and w.id == f"fold{i}" and w.indexed
        np.testing.assert_array_equal(w.valid_rows, np.sort(test))
        np.testing.assert_array_equal(w.train_rows, np.sort(train))
        assert w.n_train == len(train) and w.n_valid == len(test)


@pytest.mark.parametrize("shuffle, seed", [(False, None), (True, 0), (True, 11)])
def test_kfold_and_stratified_plans_equal_sklearn_on_the_development_rows(shuffle, seed):
    holdout = HoldoutSection(kind="stratified", fraction=0.25, seed=4)
    kw = {"shuffle": shuffle} | ({"seed": seed} if seed is not None else {})
    split = _split(FoldsSection(kind="stratified", n=4, **kw), holdout)
    y_dev = split.dev.column("y").to_numpy()
    rs = (seed or 0) if shuffle else None
    plan = plan_for(split, WindowsSection(), FoldsSection(kind="stratified", n=4, **kw))
    _assert_folds_equal(plan, list(StratifiedKFold(4, shuffle=shuffle, random_state=rs).split(y_dev, y_dev)))
    plan = plan_for(split, WindowsSection(), FoldsSection(kind="kfold", n=3, **kw))
    _assert_folds_equal(plan, list(KFold(3, shuffle=shuffle, random_state=rs).split(y_dev)))
    # train on every development row, validate on the holdout
    final = final_window(split, plan)
    assert not final.indexed and (final.train_start, final.train_stop) == (0, split.n_dev)
    assert (final.valid_start, final.valid_stop) == (split.n_dev, N)


def test_group_plan_equals_sklearn_and_groups_never_straddle():
    groups = np.repeat(np.arange(24), 5)  # 24 groups of 5 rows, contiguous: a 'last' holdout cuts between groups
    folds = FoldsSection(kind="group", n=4, group_column="g")
    split = _split(folds, HoldoutSection(rows=20), extra={"g": groups})
    assert "g" not in split.prepared.feature_columns
    g_dev = groups[: split.n_dev]
    _assert_folds_equal(plan_for(split, WindowsSection(), folds), list(GroupKFold(4).split(g_dev, groups=g_dev)))

    with pytest.raises(DataError, match=r"folds.group_column: group 19 has rows in the development part and in the "
                                        r"holdout \(1 group\(s\) do\); hold out whole groups"):
        plan_for(_split(folds, HoldoutSection(rows=23), extra={"g": groups}), WindowsSection(), folds)
    with pytest.raises(DataError, match="folds.group_column: 'g' is empty in rows 3"):
        plan_for(_split(folds, extra={"g": pa.array([None if i == 3 else i % 6 for i in range(N)])}),
                 WindowsSection(), folds)


def test_purged_plan_drops_overlapping_labels_and_purges_the_final_fit():
    start = np.datetime64("2024-01-01") + np.arange(N).astype("timedelta64[D]")
    end = start + np.timedelta64(3, "D")  # each label spans [t, t + 3 days], both ends included
    folds = FoldsSection(kind="purged", n=4, label_end_column="label_end", embargo=2)
    split = _split(folds, HoldoutSection(rows=20), extra={"t": start, "label_end": end}, time_column="t")
    assert "label_end" not in split.prepared.feature_columns
    plan = plan_for(split, WindowsSection(), folds)
    ticks = start.astype("datetime64[s]").astype(np.int64)
    expected = purged_kfold(ticks[:100], ticks[:100] + 3 * 86400, 4, embargo=2)
    _assert_folds_equal(plan, expected)
    w1 = plan.windows()[1]  # validation rows 25..49: rows 22..24 (labels reach row 25) and 50..52 purged, 53..54 embargoed
    assert (w1.valid_start, w1.valid_stop) == (25, 50)
    assert not set(range(22, 25)) & set(w1.train_rows) and not set(range(50, 55)) & set(w1.train_rows)
    assert {21, 55} <= set(w1.train_rows.tolist())
    final = final_window(split, plan)  # rows 97..99 have labels reaching the first held-out day
    np.testing.assert_array_equal(final.train_rows, np.arange(97))
    assert (final.valid_start, final.valid_stop) == (100, N) and final.valid_rows is None


def test_window_keeps_own_read_only_arrays_and_reports_sizes():
    train, valid = np.array([0, 2, 5]), np.array([1, 3])
    w = Window.from_rows("fold0", train, valid)
    train[0] = 9
    assert w.train_rows.tolist() == [0, 2, 5] and not w.train_rows.flags.writeable
    assert (w.n_train, w.n_valid, w.train_start, w.train_stop, w.valid_start, w.valid_stop) == (3, 2, 0, 6, 1, 4)
    target = np.arange(10) * 10
    assert target[w.valid_index()].tolist() == [10, 30]
    plain = Window("w000", 0, 4, 4, 6)
    assert not plain.indexed and plain.valid_index() == slice(4, 6) and target[plain.train_index()].tolist() == [0, 10, 20, 30]


def test_train_request_sends_indices_for_index_windows_and_ranges_otherwise():
    from mow_orchestrator.optimize.objective import row_selection

    indexed = row_selection(np.array([1, 4, 7]))
    assert indexed.WhichOneof("selection") == "indices" and list(indexed.indices.rows) == [1, 4, 7]
    ranged = row_selection(slice(3, 9))
    assert ranged.WhichOneof("selection") == "range" and (ranged.range.start, ranged.range.stop) == (3, 9)


# -- config: one clear line per contradiction ------------------------------

BASE = """
[data]
path = "data.csv"
target = "y"
features = ["x"]
{data}

[model]
entrypoint = "m:Model"
{rest}
"""


@pytest.mark.parametrize("data, rest, expected", [
    ("", "[folds]\nkind = 'group'\n", "folds: kind = 'group' needs group_column = "),
    ("", "[folds]\nkind = 'purged'\n", "folds: kind = 'purged' needs label_end_column = "),
    ("", "[folds]\nkind = 'kfold'\nn = 1\n", r"folds: n: k-fold \(kfold\) needs at least 2 folds \(got 1\)"),
    ("", "[folds]\nkind = 'kfold'\nseed = 3\n", "folds: seed needs shuffle = true"),
    ("", "[folds]\nkind = 'blocks'\nshuffle = true\n", "folds: shuffle applies to kind = 'kfold' or 'stratified', not to 'blocks'"),
    ("", "[folds]\nkind = 'kfold'\ngroup_column = 'g'\n", "folds: group_column applies to kind = 'group', not to 'kfold'"),
    ("", "[folds]\nkind = 'stratified'\nembargo = 2\n", "folds: embargo applies to kind = 'purged', not to 'stratified'"),
    ("", "[folds]\nkind = 'kfold'\nperiod = '1Y'\n", "folds: period applies to temporal folds"),
    ("", "[windows]\nvalidation = 10\n[folds]\nkind = 'stratified'\n",
     r"config: windows: folds.kind = 'stratified' validates each fold once, .*remove the \[windows\] section"),
    ("", "[folds]\nkind = 'group'\ngroup_column = 'y'\n", "config: folds: column 'y' is the target"),
    ("", "[folds]\nkind = 'group'\ngroup_column = 'x'\n", "config: folds: column 'x' is a feature"),
    ("", "[folds]\nkind = 'purged'\nlabel_end_column = 'e'\n", "config: folds.kind = 'purged' needs data.time_column"),
    ("time_column = 't'", "[holdout]\nkind = 'random'\n[folds]\nkind = 'purged'\nlabel_end_column = 'e'\n",
     r"config: holdout.kind = 'random' with folds.kind = 'purged': .*holdout.kind = 'last'"),
    ("time_column = 't'", "[folds]\nkind = 'purged'\nlabel_end_column = 't'\n",
     "config: folds.label_end_column: must differ from data.time_column"),
])
def test_bad_fold_configs_name_the_field(tmp_path, data, rest, expected):
    path = tmp_path / "study.toml"
    path.write_text(BASE.format(data=data, rest=rest))
    with pytest.raises(ConfigError, match=expected):
        load_config(path)


def test_good_fold_configs_load(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text(BASE.format(data="", rest="[holdout]\nkind = 'stratified'\n[folds]\nkind = 'stratified'\n"
                                              "n = 3\nshuffle = true\nseed = 5\n"))
    folds = load_config(path).folds
    assert folds.iid and folds.n == 3 and folds.seed == 5 and folds.columns == ()


# -- a whole study through the CLI ------------------------------------------


def test_stratified_study_end_to_end(tmp_path, marker):
    labels = _labels()
    rng = np.random.default_rng(1)
    pa_csv = pa.table({"rowid": np.arange(N), "x": rng.normal(size=N), "label": labels})
    import pyarrow.csv as pcsv

    pcsv.write_csv(pa_csv, tmp_path / "iid.csv")
    config = tmp_path / "study.toml"
    config.write_text(f"""
[study]
name = "iid"
n_trials = 2
metric = "accuracy"

[data]
path = "{tmp_path / 'iid.csv'}"
target = "label"
features = ["rowid", "x"]

[holdout]
kind = "stratified"
fraction = 0.25
seed = 2

[folds]
kind = "stratified"
n = 4
shuffle = true
seed = 3

[model]
entrypoint = "zoo_models:RowEchoClassifier"
path = "{ZOO}"

[output]
dir = "{tmp_path / 'runs'}"
""")
    result = run_cli("run", str(config), marker=marker)
    assert result.returncode == 0, result.stderr
    run_dir = tmp_path / "runs" / "iid"
    assert (run_dir / "report.html").is_file() and (run_dir / "report.md").is_file()
    report = json.loads((run_dir / "report.json").read_text())
    assert report["counts"]["complete"] == 2

    held = holdout_rows_random(N, 0.25, seed=2, labels=labels)  # original row ids of the holdout
    dev_ids = np.setdiff1d(np.arange(N), held)  # development rows keep their order
    reference = list(StratifiedKFold(4, shuffle=True, random_state=3).split(dev_ids, labels[dev_ids]))

    best = report["best"]
    assert [w["n_valid"] for w in best["windows"]] == [len(test) for _, test in reference]
    assert [w["n_train"] for w in best["windows"]] == [len(train) for train, _ in reference]

    table = pq.read_table(run_dir / "predictions.parquet")
    col = {name: table.column(name).to_numpy(zero_copy_only=False) for name in ("part", "window", "row", "tuned", "actual")}
    for fold, (_, test) in enumerate(reference):
        at = (col["part"] == "window") & (col["window"] == f"fold{fold}")
        np.testing.assert_array_equal(col["row"][at], test)  # the validation rows MOW scored ...
        logged = best["windows"][fold]["logs"][0].removeprefix("rows ").split()
        np.testing.assert_array_equal(np.array(logged, dtype=np.int64), dev_ids[test])  # ... are the rows it predicted
        np.testing.assert_array_equal(col["actual"][at], labels[dev_ids[test]])
    at = col["part"] == "holdout"
    assert at.sum() == len(held) and (col["tuned"][at] >= 0).all()  # the final fit predicted every held-out row
    np.testing.assert_array_equal(col["actual"][at], labels[held])  # ... scored against the held-out labels
    assert not set(held.tolist()) & set(dev_ids.tolist())

    stored = report["validation"]["windows"]
    assert [w["n_valid"] for w in stored] == [len(test) for _, test in reference]
    assert all(w["validation_rows"] is None and w["train_rows"] is None for w in stored)
    assert report["holdout"]["train_rows"] == [0, len(dev_ids)]
    assert "rows (k-fold)" in (run_dir / "report.html").read_text()
    assert_no_leftovers(marker)


def test_timeline_draws_index_windows_by_what_their_rows_are():
    from mow_orchestrator.data.timeline import _index_spans, timeline_svg

    w = Window.from_rows("fold0", np.r_[0:3, 8:10], np.r_[4:7])  # row 3 and 7: purged
    assert _index_spans(w, 10, 900) == [(0, 3, "train"), (3, 4, "gap"), (4, 7, "validation"), (7, 8, "gap"),
                                        (8, 10, "train")]
    assert timeline_svg([w], 10, 12).count("<rect") == 1 + 4 + 5 + 1  # background, legend, spans, holdout
