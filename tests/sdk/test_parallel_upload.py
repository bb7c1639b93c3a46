"""PutDataset in parts over concurrent calls, through a real gRPC server; and the
rules that keep a half-finished or inconsistent upload from turning into a dataset."""

from __future__ import annotations

import grpc
import numpy as np
import pyarrow as pa
import pytest
from mow_model_sdk._proto.mow.v1 import fold_service_pb2, report_service_pb2, types_pb2
from mow_model_sdk.arrow_io import ipc_to_predictions
from mow_model_sdk.protocol import DATASET_CHUNK_BYTES
from mow_model_sdk.uploads import UploadAssembler, UploadError

import zoo_models
from mow_orchestrator import client as client_module
from mow_orchestrator.client import EncodedDataset, ModelClient, row_range
from mow_orchestrator.errors import ModelServerError

ROWS = 1_000_000  # 16 MB of float64 in two columns: 8 chunks of 2 MiB


@pytest.fixture(scope="module")
def big() -> tuple[pa.Table, EncodedDataset]:
    rng = np.random.default_rng(1)
    table = pa.table({"x": rng.normal(size=ROWS), "y": rng.normal(size=ROWS)})
    return table, EncodedDataset.from_table(table)


@pytest.fixture
def client(make_server, tmp_path):
    server = make_server(zoo_models.FirstColumnModel, listen=f"unix:{tmp_path}/p.sock")
    c = ModelClient(server.address)
    c.wait_serving(5)
    yield c
    c.close()


def _held(client: ModelClient, dataset: EncodedDataset) -> fold_service_pb2.DatasetInfo:
    return client.folds.HasDataset(fold_service_pb2.HasDatasetRequest(fingerprint=dataset.fingerprint))


def _last_rows_of_x(client: ModelClient, dataset: EncodedDataset) -> np.ndarray:
    """The model echoes column x for the last 10 rows: proof that every byte landed in place."""
    request = report_service_pb2.TrainRequest(
        trial_id="t", model="FirstColumnModel", dataset_fingerprint=dataset.fingerprint, feature_columns=["x"],
        target_column="y", windows=[types_pb2.Window(id="w", train=row_range(0, 10),
                                                     validation=row_range(ROWS - 10, ROWS))])
    return ipc_to_predictions(next(iter(client.train(request))).window.predictions)


def _part(dataset: EncodedDataset, start: int, end: int, parts: int, total: int | None = None):
    """Raw DatasetChunk messages carrying bytes [start, end)."""
    data = dataset.ipc.to_pybytes()
    for offset in range(start, end, DATASET_CHUNK_BYTES):
        header = {} if offset != start else dict(
            fingerprint=dataset.fingerprint, total_bytes=total or len(data), offset=start, parts=parts)
        yield fold_service_pb2.DatasetChunk(data=data[offset:min(offset + DATASET_CHUNK_BYTES, end)], **header)


@pytest.mark.parametrize("parts", [2, 3, 8, 20])
def test_a_dataset_sent_in_parallel_parts_arrives_whole(client, big, parts):
    table, dataset = big
    assert client.describe().parallel_upload
    assert client.ensure_dataset(dataset, parts=parts) == dataset.ipc.size
    held = _held(client, dataset)
    assert held.present and held.num_rows == ROWS
    np.testing.assert_array_equal(_last_rows_of_x(client, dataset), table["x"].to_numpy()[-10:])


def test_large_uploads_use_parallel_parts_by_default(client, big, monkeypatch):
    table, dataset = big
    monkeypatch.setattr(client_module, "PARALLEL_UPLOAD_BYTES", 1024)
    sent = []
    original = client_module._chunks
    monkeypatch.setattr(client_module, "_chunks", lambda *a: sent.append(a[1:]) or original(*a))
    client.ensure_dataset(dataset)
    assert len(sent) == client_module.UPLOAD_PARTS and sent[0][0] == 0 and sent[-1][1] == dataset.ipc.size
    np.testing.assert_array_equal(_last_rows_of_x(client, dataset), table["x"].to_numpy()[-10:])


def test_parts_may_arrive_in_any_order_and_only_the_last_returns_the_dataset(client, big):
    _, dataset = big
    total, middle = dataset.ipc.size, 3 * DATASET_CHUNK_BYTES
    second = client.folds.PutDataset(_part(dataset, middle, total, 2))
    assert not second.present and not _held(client, dataset).present  # half a dataset is not a dataset
    first = client.folds.PutDataset(_part(dataset, 0, middle, 2))
    assert first.present and first.num_rows == ROWS and _held(client, dataset).present


def test_overlapping_parts_are_refused_and_the_upload_dropped(client, big):
    _, dataset = big
    total = dataset.ipc.size
    client.folds.PutDataset(_part(dataset, 0, 4 * DATASET_CHUNK_BYTES, 2))
    with pytest.raises(grpc.RpcError) as info:
        client.folds.PutDataset(_part(dataset, 2 * DATASET_CHUNK_BYTES, total, 2))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "overlap" in info.value.details()
    assert not _held(client, dataset).present
    assert client.ensure_dataset(dataset, parts=2) == total  # a fresh upload starts clean


def test_parts_that_disagree_on_the_size_are_refused(client, big):
    _, dataset = big
    client.folds.PutDataset(_part(dataset, 0, DATASET_CHUNK_BYTES, 2))
    with pytest.raises(grpc.RpcError) as info:
        client.folds.PutDataset(_part(dataset, DATASET_CHUNK_BYTES, 2 * DATASET_CHUNK_BYTES, 2,
                                      total=dataset.ipc.size + 1))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "differs" in info.value.details()


def test_a_failed_part_discards_the_upload(client, big):
    _, dataset = big
    total = dataset.ipc.size
    client.folds.PutDataset(_part(dataset, 0, DATASET_CHUNK_BYTES, 2))
    too_long = list(_part(dataset, DATASET_CHUNK_BYTES, total, 2))
    too_long.append(fold_service_pb2.DatasetChunk(data=b"x" * 10))  # past total_bytes
    with pytest.raises(grpc.RpcError) as info:
        client.folds.PutDataset(iter(too_long))
    assert "larger than total_bytes" in info.value.details()
    rest = client.folds.PutDataset(_part(dataset, DATASET_CHUNK_BYTES, total, 2))
    assert not rest.present  # the first part went with the failure: this is a new, incomplete upload


def test_one_call_that_stops_short_is_still_an_error(client, big):
    _, dataset = big
    with pytest.raises(grpc.RpcError) as info:
        client.folds.PutDataset(_part(dataset, 0, DATASET_CHUNK_BYTES, parts=0))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"upload ended after {DATASET_CHUNK_BYTES} of {dataset.ipc.size} bytes" in info.value.details()


@pytest.mark.parametrize("offset,parts", [(-1, 2), (10**12, 2), (DATASET_CHUNK_BYTES, 0)])
def test_offsets_outside_the_upload_are_refused(client, big, offset, parts):
    _, dataset = big
    chunk = fold_service_pb2.DatasetChunk(fingerprint=dataset.fingerprint, total_bytes=dataset.ipc.size,
                                          offset=offset, parts=parts, data=b"x")
    with pytest.raises(grpc.RpcError) as info:
        client.folds.PutDataset(iter([chunk]))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "offset" in info.value.details()


def test_a_client_that_gets_no_complete_part_back_says_so(client, big, monkeypatch):
    _, dataset = big
    halves = [(0, DATASET_CHUNK_BYTES), (DATASET_CHUNK_BYTES, 2 * DATASET_CHUNK_BYTES)]  # a client bug: bytes missing
    monkeypatch.setattr(client_module, "_part_ranges", lambda total, parts: halves)
    with pytest.raises(ModelServerError, match="did not complete"):
        client.ensure_dataset(dataset, parts=2)


def test_incomplete_uploads_nobody_writes_to_are_dropped_after_the_ttl():
    assembler = UploadAssembler(ttl_s=0.0)
    upload = assembler.begin("f", 100)
    upload.view[0:10] = b"0123456789"
    assert not assembler.finish(upload, 0, 10)
    assert assembler.pending_bytes() == 100
    again = assembler.begin("g", 50)  # any new upload sweeps the stale ones
    assert assembler.pending_bytes() == 50 and upload.failed and again is not upload
    with pytest.raises(UploadError, match="another part of this upload failed"):
        assembler.begin("f", 100)  # a fresh upload: the old part is gone...
        assembler.finish(upload, 10, 100)  # ...and the late part of the old one is refused


def test_the_server_serves_every_method_of_the_fold_service(make_server):
    """FoldService is registered by hand (for PutDataset's copy-free reader): no method may be missing."""
    server = make_server(zoo_models.MeanModel)
    served = {name.rsplit("/", 1)[1] for name in server.server._state.registered_method_handlers
              if name.startswith("/mow.v1.FoldService/")}
    assert served == set(fold_service_pb2.DESCRIPTOR.services_by_name["FoldService"].methods_by_name)


def test_the_chunk_reader_matches_the_generated_parser():
    from mow_model_sdk.uploads import decode_chunk

    message = fold_service_pb2.DatasetChunk(fingerprint="blake2b:ab", total_bytes=3 << 40, data=b"\x00\x01" * 1000,
                                            offset=2 << 33, parts=7)
    chunk = decode_chunk(message.SerializeToString())
    assert chunk.error is None
    assert (chunk.fingerprint, chunk.total_bytes, bytes(chunk.data), chunk.offset, chunk.parts) == (
        message.fingerprint, message.total_bytes, message.data, message.offset, message.parts)
    negative = decode_chunk(fold_service_pb2.DatasetChunk(offset=-5).SerializeToString())
    assert negative.offset == -5
    assert decode_chunk(b"").fingerprint == "" and decode_chunk(b"").error is None  # all fields default


@pytest.mark.parametrize("raw", [b"\x1a\x05ab", b"\x0a", b"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
                                 b"\x0b", b"\x1a\x02\xff\xfe\x12\x00"[:3], b"\x08\x01\x0a\x02\xff\xfe"])
def test_malformed_chunks_are_refused_with_one_line(client, raw):
    from mow_model_sdk.uploads import decode_chunk

    assert decode_chunk(raw).error.startswith("not a DatasetChunk")
    put = client.channel.stream_unary("/mow.v1.FoldService/PutDataset",
                                      response_deserializer=fold_service_pb2.DatasetInfo.FromString)
    with pytest.raises(grpc.RpcError) as info:
        put(iter([raw]))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "not a DatasetChunk" in info.value.details()
