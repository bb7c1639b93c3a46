"""Mistakes in model code come back as model errors in the reports; the server stays up
and the data it holds stays as uploaded."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from mow_model_sdk._proto.mow.v1 import report_service_pb2, types_pb2
from mow_orchestrator.client import EncodedDataset, ModelClient, row_range

import zoo_models


def _windows(kind: str):
    if kind == "range":
        return [types_pb2.Window(id=f"w{i}", train=row_range(0, 50 + i), validation=row_range(60, 70)) for i in range(2)]
    rows = types_pb2.RowSelection(indices=types_pb2.RowIndices(rows=list(range(0, 100, 2))))
    return [types_pb2.Window(id="w0", train=rows, validation=row_range(101, 110))]


@pytest.fixture
def served(make_server):
    server = make_server(zoo_models.InPlaceModel, zoo_models.NoSuperInitModel, zoo_models.KeyErrorInitModel,
                         zoo_models.MeanModel, zoo_models.BadMetricsModel)
    client = ModelClient(server.address)
    client.wait_serving(5)
    n = 200
    table = pa.table({"x": np.arange(n, dtype=np.float64), "k": np.arange(n, dtype=np.int64),
                      "y": np.arange(n, dtype=np.float64)})
    dataset = EncodedDataset.from_table(table)
    client.ensure_dataset(dataset)
    yield client, dataset
    client.close()


def _train(client, dataset, model, features, windows):
    return list(client.train(report_service_pb2.TrainRequest(
        trial_id=f"t-{model}", model=model, dataset_fingerprint=dataset.fingerprint,
        feature_columns=list(features), target_column="y", windows=windows)))


@pytest.mark.parametrize("features", [("x",), ("k",), ("k", "x")])  # a view of the upload, or a copy
@pytest.mark.parametrize("kind", ["range", "indices"])
def test_x_is_read_only_however_it_was_made(served, features, kind):
    client, dataset = served
    reports = _train(client, dataset, "InPlaceModel", features, _windows(kind))
    error = reports[0].window.error
    assert error.type == "ValueError" and "read-only" in error.message and "X = X.copy()" in error.message
    assert reports[-1].final.status == report_service_pb2.TRIAL_STATUS_FAILED


def test_broken_init_comes_back_as_a_model_error(served):
    client, dataset = served
    reports = _train(client, dataset, "NoSuperInitModel", ("x",), _windows("range"))
    assert reports[-1].final.status == report_service_pb2.TRIAL_STATUS_COMPLETED
    assert list(reports[0].window.logs) == ["fitting"]
    reports = _train(client, dataset, "KeyErrorInitModel", ("x",), _windows("range"))
    assert reports[0].window.error.type == "KeyError" and "missing setting" in reports[0].window.error.message
    assert reports[-1].final.status == report_service_pb2.TRIAL_STATUS_FAILED
    assert _train(client, dataset, "MeanModel", ("x",), _windows("range"))[-1].final.status == \
        report_service_pb2.TRIAL_STATUS_COMPLETED  # still serving


def test_metrics_that_are_not_numbers_become_log_lines(served):
    client, dataset = served
    reports = _train(client, dataset, "BadMetricsModel", ("x",), _windows("range"))
    assert reports[-1].final.status == report_service_pb2.TRIAL_STATUS_COMPLETED
    assert dict(reports[0].window.metrics) == {"n": 50.0}
    assert any("metrics_['note']" in line and "not a number" in line for line in reports[0].window.logs)
