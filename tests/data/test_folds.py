"""I.i.d. folds against scikit-learn (KFold, StratifiedKFold, GroupKFold) and the purged k-fold boundary."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

from mow_orchestrator.data import group_kfold, kfold, purged_kfold, stratified_kfold
from mow_orchestrator.errors import DataError


@settings(max_examples=150, deadline=None)
@given(n=st.integers(2, 200), k=st.integers(2, 10), shuffle=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_kfold_equals_sklearn(n, k, shuffle, seed):
    if k > n:
        return
    theirs = [te for _, te in KFold(k, shuffle=shuffle, random_state=seed if shuffle else None).split(np.zeros(n))]
    for ours, te in zip(kfold(n, k, shuffle=shuffle, seed=seed), theirs, strict=True):
        np.testing.assert_array_equal(ours, te)


@settings(max_examples=150, deadline=None)
@given(y=st.lists(st.integers(0, 3), min_size=4, max_size=150), k=st.integers(2, 5), shuffle=st.booleans(),
       seed=st.integers(0, 2**31 - 1))
def test_stratified_kfold_equals_sklearn(y, k, shuffle, seed):
    y = np.array(y)
    if np.all(k > np.bincount(y)[np.bincount(y) > 0]) or len(np.unique(y)) < 2:
        return
    splitter = StratifiedKFold(k, shuffle=shuffle, random_state=seed if shuffle else None)
    with pytest.warns(UserWarning) if np.bincount(y)[np.bincount(y) > 0].min() < k else _nothing():
        theirs = [te for _, te in splitter.split(np.zeros(len(y)), y)]
    for ours, te in zip(stratified_kfold(y, k, shuffle=shuffle, seed=seed), theirs, strict=True):
        np.testing.assert_array_equal(ours, te)


@settings(max_examples=150, deadline=None)
@given(groups=st.lists(st.integers(0, 30), min_size=2, max_size=150), k=st.integers(2, 6))
def test_group_kfold_equals_sklearn(groups, k):
    groups = np.array(groups)
    if k > len(np.unique(groups)):
        return
    theirs = [te for _, te in GroupKFold(k).split(np.zeros(len(groups)), groups=groups)]
    ours = group_kfold(groups, k)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)
    for fold in ours:  # no group in two folds
        others = np.setdiff1d(np.arange(len(groups)), fold)
        assert not set(groups[fold]) & set(groups[others])


def test_purged_kfold_drops_touching_labels_and_embargo():
    start = np.arange(10)
    end = start + 2  # row i's label spans [i, i + 2], both ends included
    folds = purged_kfold(start, end, 5, embargo=1)
    train, valid = folds[2]  # validation rows 4, 5 -> label interval [4, 7]
    np.testing.assert_array_equal(valid, [4, 5])
    # row 2 ends at 4 (touches the start): purged; row 3 overlaps: purged; rows 6, 7 start inside: purged;
    # row 8 would be kept by purging alone (starts at 8 > 7) but the embargo of one row drops it
    np.testing.assert_array_equal(train, [0, 1, 9])
    for tr, va in folds:
        assert not np.intersect1d(tr, va).size
        lo, hi = start[va].min(), end[va].max()
        assert not ((start[tr] <= hi) & (end[tr] >= lo)).any()


def test_purged_kfold_rejects_bad_labels():
    with pytest.raises(DataError, match="ends before it starts in rows 1"):
        purged_kfold(np.arange(4), np.array([0, 0, 3, 4]), 2)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
