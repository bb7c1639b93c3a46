"""The dataset a server holds is not copied on the way to the model (bench/bench_memory.py
measures the memory; these check the values and when the zero-copy path applies)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from mow_model_sdk.arrow_io import ipc_to_table, table_to_ipc
from mow_model_sdk.datasets import DatasetStore


@pytest.fixture
def held():
    rng = np.random.default_rng(0)
    n = 1001  # rows * 8 bytes is not a multiple of 64: the columns are still evenly spaced
    table = pa.table({"a": rng.random(n), "b": rng.random(n), "i": np.arange(n), "c": rng.random(n),
                      "y": rng.random(n)})
    return table, DatasetStore(1 << 30).put("fp", bytearray(table_to_ipc(table).to_pybytes()))


@pytest.mark.parametrize("columns", [("a", "b"), ("c", "y"), ("a",), ("a", "c"), ("b", "a"), ("a", "b", "i")])
def test_feature_matrix_has_the_columns_values(held, columns):
    table, dataset = held
    expected = np.column_stack([table.column(c).to_numpy() for c in columns])
    matrix = dataset.feature_matrix(columns)
    assert matrix.shape == expected.shape and matrix.dtype == np.float64
    np.testing.assert_array_equal(matrix, expected)
    np.testing.assert_array_equal(matrix[100:200], expected[100:200])
    assert dataset.feature_matrix(columns) is matrix  # built once per column set


def test_consecutive_float_columns_are_a_read_only_view(held):
    table, dataset = held
    matrix = dataset.feature_matrix(("a", "b"))
    assert matrix.base is not None and matrix.flags.f_contiguous and not matrix.flags.writeable
    assert dataset.num_bytes == table.nbytes  # a view costs nothing against the memory budget


def test_columns_out_of_order_or_not_float_are_copied(held):
    table, dataset = held
    for columns in (("b", "a"), ("a", "b", "i")):
        matrix = dataset.feature_matrix(columns)
        assert matrix.base is None and matrix.flags.c_contiguous
    assert dataset.num_bytes > table.nbytes


def test_large_tables_round_trip_through_the_presized_encoder():
    table = pa.table({"x": np.arange(300_000, dtype=np.float64), "s": pa.array(["v"] * 300_000)})
    assert table.nbytes > 1024 * 1024
    assert ipc_to_table(table_to_ipc(table)).equals(table)
