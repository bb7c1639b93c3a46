"""Protocol round trip through a real gRPC server: Arrow in, predictions out."""

from __future__ import annotations

import threading
import time

import grpc
import numpy as np
import pyarrow as pa
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from mow_model_sdk._proto.mow.v1 import report_service_pb2, types_pb2
from mow_model_sdk.arrow_io import ipc_to_predictions
from mow_model_sdk.params import encode_value
from mow_orchestrator.client import EncodedDataset, ModelClient, row_range

import zoo_models


def _request(fingerprint, windows, model="", params=None, features=("x",), target="y", trial_id="t1"):
    return report_service_pb2.TrainRequest(
        trial_id=trial_id, model=model, dataset_fingerprint=fingerprint,
        feature_columns=list(features), target_column=target,
        params={k: encode_value(v) for k, v in (params or {}).items()},
        windows=[types_pb2.Window(id=f"w{i}", train=tr, validation=va) for i, (tr, va) in enumerate(windows)],
    )


@pytest.fixture(params=["tcp", "unix"])
def client(request, make_server, tmp_path, numeric_table):
    listen = "127.0.0.1:0" if request.param == "tcp" else f"unix:{tmp_path}/s.sock"
    server = make_server(
        zoo_models.MeanModel, zoo_models.FirstColumnModel, zoo_models.FailingModel, zoo_models.SlowModel,
        zoo_models.ArrowModel, zoo_models.WrongLengthModel, listen=listen,
    )
    c = ModelClient(server.address)
    c.wait_serving(5)
    yield c
    c.close()


def test_describe_lists_models_and_params(client):
    info = client.describe()
    assert info.protocol_version == "mow.v1"
    assert info.sdk_language.startswith("python")
    names = [m.name for m in info.models]
    assert names == ["MeanModel", "FirstColumnModel", "FailingModel", "SlowModel", "ArrowModel", "WrongLengthModel"]
    mean = info.models[0]
    assert [(p.name, p.type) for p in mean.params] == [
        ("scale", types_pb2.PARAM_TYPE_FLOAT), ("unused_int", types_pb2.PARAM_TYPE_INT),
        ("mode", types_pb2.PARAM_TYPE_CATEGORICAL), ("flag", types_pb2.PARAM_TYPE_BOOL),
    ]
    assert mean.params[0].default.float_value == 1.0 and mean.params[0].high == 1.5
    assert [c.string_value for c in mean.params[2].choices] == ["a", "b"]


def test_dataset_is_uploaded_once(client, numeric_table):
    dataset = EncodedDataset.from_table(numeric_table)
    assert client.ensure_dataset(dataset) == dataset.ipc.size
    assert client.ensure_dataset(dataset) == 0  # already held: nothing sent
    held = client.folds.HasDataset(types_pb2_request(dataset.fingerprint))
    assert held.present and held.num_rows == 200 and list(held.columns) == ["x", "x2", "y"]


def types_pb2_request(fingerprint):
    from mow_model_sdk._proto.mow.v1 import fold_service_pb2

    return fold_service_pb2.HasDatasetRequest(fingerprint=fingerprint)


def test_multi_chunk_upload_roundtrips(client):
    import pyarrow as pa

    rng = np.random.default_rng(0)
    table = pa.table({"x": rng.normal(size=1_000_000), "y": rng.normal(size=1_000_000)})  # 16 MB: 8 chunks
    dataset = EncodedDataset.from_table(table)
    client.ensure_dataset(dataset)
    reports = list(client.train(_request(dataset.fingerprint, [(row_range(0, 10), row_range(999_990, 1_000_000))],
                                         model="FirstColumnModel")))
    np.testing.assert_array_equal(ipc_to_predictions(reports[0].window.predictions), table["x"].to_numpy()[-10:])


def test_train_streams_one_report_per_window_then_final(client, numeric_table):
    dataset = EncodedDataset.from_table(numeric_table)
    client.ensure_dataset(dataset)
    windows = [(row_range(0, 50), row_range(50, 60)), (row_range(10, 60), row_range(60, 70))]
    reports = list(client.train(_request(dataset.fingerprint, windows, model="MeanModel", params={"scale": 0.5})))
    assert [r.WhichOneof("body") for r in reports] == ["window", "window", "final"]
    y = numeric_table["y"].to_numpy()
    for report, (train, _) in zip(reports[:-1], windows, strict=True):
        preds = ipc_to_predictions(report.window.predictions)
        assert preds.shape == (10,)
        np.testing.assert_allclose(preds, y[train.range.start : train.range.stop].mean() * 0.5)
        assert report.window.fit_seconds >= 0 and list(report.window.logs) == ["mean of 50 rows"]
    assert reports[-1].final.status == report_service_pb2.TRIAL_STATUS_COMPLETED
    assert reports[-1].final.windows_done == 2


def test_validation_rows_come_from_features_only(client, numeric_table):
    dataset = EncodedDataset.from_table(numeric_table)
    client.ensure_dataset(dataset)
    reports = list(client.train(_request(dataset.fingerprint, [(row_range(0, 100), row_range(150, 160))],
                                         model="FirstColumnModel", features=("x2", "x"))))
    np.testing.assert_array_equal(ipc_to_predictions(reports[0].window.predictions), np.arange(150, 160) * 2.0)
    assert dict(reports[0].window.metrics) == {"n_train": 100.0, "n_features": 2.0}


def test_index_array_windows_and_arrow_input(client, numeric_table):
    dataset = EncodedDataset.from_table(numeric_table)
    client.ensure_dataset(dataset)
    rows = types_pb2.RowSelection(indices=types_pb2.RowIndices(rows=[5, 3, 199]))
    for model in ("FirstColumnModel", "ArrowModel"):
        reports = list(client.train(_request(dataset.fingerprint, [(row_range(0, 3), rows)], model=model)))
        np.testing.assert_array_equal(ipc_to_predictions(reports[0].window.predictions), [5.0, 3.0, 199.0])


@pytest.mark.parametrize("where, error_type", [("fit", "ValueError"), ("predict", "RuntimeError")])
def test_model_exception_comes_back_and_server_stays_up(client, numeric_table, where, error_type):
    dataset = EncodedDataset.from_table(numeric_table)
    client.ensure_dataset(dataset)
    windows = [(row_range(0, 50), row_range(50, 60))] * 3
    reports = list(client.train(_request(dataset.fingerprint, windows, model="FailingModel", params={"where": where})))
    assert [r.WhichOneof("body") for r in reports] == ["window", "final"]
    error = reports[0].window.error
    assert error.type == error_type and "boom" in error.message and "Traceback" in error.traceback
    assert error.window_id == "w0"
    assert reports[1].final.status == report_service_pb2.TRIAL_STATUS_FAILED
    # the server still answers
    ok = list(client.train(_request(dataset.fingerprint, windows[:1], model="MeanModel")))
    assert ok[-1].final.status == report_service_pb2.TRIAL_STATUS_COMPLETED


def test_wrong_prediction_length_is_a_model_error(client, numeric_table):
    dataset = EncodedDataset.from_table(numeric_table)
    client.ensure_dataset(dataset)
    reports = list(client.train(_request(dataset.fingerprint, [(row_range(0, 50), row_range(50, 60))],
                                         model="WrongLengthModel")))
    assert "returned 11 values for 10 validation rows" in reports[0].window.error.message


def test_cancel_trial_skips_remaining_windows(client, numeric_table):
    dataset = EncodedDataset.from_table(numeric_table)
    client.ensure_dataset(dataset)
    windows = [(row_range(0, 50), row_range(50, 60))] * 20  # 20 x 0.2 s = 4 s uncancelled
    call = client.train(_request(dataset.fingerprint, windows, model="SlowModel", trial_id="slow"))
    first = next(call)
    assert first.window.window_id == "w0"
    started = time.monotonic()
    assert client.cancel_trial("slow") is True
    rest = list(call)
    assert time.monotonic() - started < 3.0  # prompt: the 18 windows left would take 3.6 s
    assert rest[-1].final.status == report_service_pb2.TRIAL_STATUS_CANCELLED
    assert rest[-1].final.windows_done <= 2
    assert client.cancel_trial("slow") is False  # no longer running


def test_client_side_cancel_stops_the_server_loop(client, numeric_table):
    dataset = EncodedDataset.from_table(numeric_table)
    client.ensure_dataset(dataset)
    windows = [(row_range(0, 50), row_range(50, 60))] * 20
    call = client.train(_request(dataset.fingerprint, windows, model="SlowModel", trial_id="c2"))
    next(call)
    call.cancel()
    with pytest.raises(grpc.RpcError) as info:
        list(call)
    assert info.value.code() == grpc.StatusCode.CANCELLED
    time.sleep(0.5)  # the server notices the cancellation before its next window
    assert client.cancel_trial("c2") is False


def test_protocol_errors_use_status_codes(client, numeric_table):
    dataset = EncodedDataset.from_table(numeric_table)
    window = [(row_range(0, 50), row_range(50, 60))]
    with pytest.raises(grpc.RpcError) as info:
        list(client.train(_request(dataset.fingerprint, window, model="MeanModel")))
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    client.ensure_dataset(dataset)
    with pytest.raises(grpc.RpcError) as info:
        list(client.train(_request(dataset.fingerprint, window, model="NoSuchModel")))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as info:
        list(client.train(_request(dataset.fingerprint, window, model="")))  # several served: which one?
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "name one in TrainRequest.model" in info.value.details()
    with pytest.raises(grpc.RpcError) as info:
        list(client.train(_request(dataset.fingerprint, window, model="MeanModel", features=("nope",))))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as info:
        list(client.train(_request(dataset.fingerprint, window, model="MeanModel", params={"scale": "big"})))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    out_of_range = [(row_range(0, 50), row_range(150, 999))]  # the client's mistake, not the model's
    with pytest.raises(grpc.RpcError) as info:
        list(client.train(_request(dataset.fingerprint, out_of_range, model="MeanModel")))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "row range [150, 999) is empty or outside the dataset's 200 rows" in info.value.details()


def test_upload_over_the_server_budget_is_refused(make_server, numeric_table):
    server = make_server(zoo_models.MeanModel, max_dataset_bytes=1000)
    c = ModelClient(server.address)
    from mow_orchestrator.errors import ModelServerError

    with pytest.raises(ModelServerError, match="RESOURCE_EXHAUSTED"):
        c.ensure_dataset(EncodedDataset.from_table(numeric_table))
    c.close()


def test_uploads_fit_a_server_with_a_smaller_message_limit(make_server):
    server = make_server(zoo_models.MeanModel, max_message_bytes=256 * 1024)
    c = ModelClient(server.address)
    x = np.arange(200_000, dtype=np.float64)  # 3.2 MB of IPC: larger than one message there
    dataset = EncodedDataset.from_table(pa.table({"x": x, "y": x}))
    assert c.ensure_dataset(dataset) == dataset.ipc.size and c.ensure_dataset(dataset) == 0  # asks the limit first
    assert c.chunk_bytes < 256 * 1024 == c.describe().max_message_bytes
    c.close()


def test_health_and_reflection_for_generic_tools(client):
    health = health_pb2_grpc.HealthStub(client.channel)
    for service in ("", "mow.v1.FoldService", "mow.v1.ReportService"):
        reply = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    stub = reflection_pb2_grpc.ServerReflectionStub(client.channel)
    responses = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    services = {s.name for r in responses for s in r.list_services_response.service}
    assert {"mow.v1.FoldService", "mow.v1.ReportService", "grpc.health.v1.Health"} <= services


def test_concurrent_trials_on_one_server(client, numeric_table):
    dataset = EncodedDataset.from_table(numeric_table)
    client.ensure_dataset(dataset)
    results = []

    def run(i):
        reports = list(client.train(_request(dataset.fingerprint, [(row_range(0, 50), row_range(50, 60))],
                                             model="MeanModel", trial_id=f"p{i}")))
        results.append(reports[-1].final.status)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [report_service_pb2.TRIAL_STATUS_COMPLETED] * 4
