"""Walk-forward windows: exact sizes, no leakage, same validation rows for every train length."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import TimeSeriesSplit

from mow_orchestrator.data import make_windows, validation_starts
from mow_orchestrator.errors import DataError


def test_sliding_matches_sklearn_time_series_split_with_max_train_size():
    n, train, validation, gap = 100, 20, 10, 2
    ours = make_windows(n, kind="sliding", train=train, train_max=train, validation=validation, step=validation, gap=gap)
    # TimeSeriesSplit ties its windows to the end of the data; ours start at train + gap and step forward,
    # so compare on the windows whose validation rows coincide.
    splits = TimeSeriesSplit(n_splits=len(ours), test_size=validation, gap=gap, max_train_size=train).split(np.zeros(n))
    theirs = [(tr, te) for tr, te in splits]
    offset = (n - (train + gap)) % validation
    for w, (tr, te) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(np.arange(w.valid_start, w.valid_stop) + offset, te)
        np.testing.assert_array_equal(np.arange(w.train_start, w.train_stop) + offset, tr)


def test_expanding_matches_sklearn_time_series_split():
    n, validation = 60, 10
    ours = make_windows(n, kind="expanding", train=10, train_max=10, validation=validation, step=validation)
    theirs = list(TimeSeriesSplit(n_splits=len(ours), test_size=validation).split(np.zeros(n)))
    assert len(ours) == 5
    for w, (tr, te) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(np.arange(w.train_start, w.train_stop), tr)
        np.testing.assert_array_equal(np.arange(w.valid_start, w.valid_stop), te)


@pytest.mark.parametrize("kind", ["sliding", "expanding"])
@pytest.mark.parametrize("n, train, validation, step, gap", [(100, 20, 10, 10, 0), (97, 13, 7, 3, 5), (50, 1, 1, 1, 0)])
def test_windows_never_leak(kind, n, train, validation, step, gap):
    windows = make_windows(n, kind=kind, train=train, train_max=train, validation=validation, step=step, gap=gap)
    assert windows
    for w in windows:
        assert 0 <= w.train_start < w.train_stop <= w.valid_start - gap
        assert w.valid_stop <= n and w.n_valid == validation
        if kind == "sliding":
            assert w.n_train == train
    starts = [w.valid_start for w in windows]
    assert starts == list(range(train + gap, n - validation + 1, step))


def test_every_train_length_is_scored_on_the_same_validation_rows():
    a = make_windows(500, kind="sliding", train=50, train_max=200, validation=30, step=30)
    b = make_windows(500, kind="sliding", train=200, train_max=200, validation=30, step=30)
    assert [(w.valid_start, w.valid_stop) for w in a] == [(w.valid_start, w.valid_stop) for w in b]
    assert all(w.n_train == 50 for w in a) and all(w.n_train == 200 for w in b)


def test_max_windows_keeps_the_most_recent():
    starts = validation_starts(100, train_max=10, validation=10, step=10, max_windows=3)
    assert starts == [70, 80, 90]


def test_last_short_window_is_dropped():
    windows = make_windows(35, kind="sliding", train=10, train_max=10, validation=10, step=10)
    assert [(w.valid_start, w.valid_stop) for w in windows] == [(10, 20), (20, 30)]


def test_too_few_rows_names_what_is_needed():
    with pytest.raises(DataError, match=r"needs 45 rows \(train 30 \+ gap 5 \+ validation 10\) but the development part has 40"):
        validation_starts(40, train_max=30, validation=10, step=10, gap=5)
