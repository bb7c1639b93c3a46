"""The receiving end of PutDataset: the copy-free chunk reader and the memory it writes into."""

from __future__ import annotations

import grpc
import numpy as np
import pyarrow as pa
import pytest

from mow_model_sdk import uploads
from mow_model_sdk._proto.mow.v1 import fold_service_pb2
from mow_model_sdk.protocol import DATASET_CHUNK_BYTES
from mow_model_sdk.uploads import decode_chunk, receive_buffer
from mow_orchestrator.client import EncodedDataset, ModelClient

import zoo_models


@pytest.fixture
def client(make_server, tmp_path):
    server = make_server(zoo_models.MeanModel, listen=f"unix:{tmp_path}/u.sock")
    c = ModelClient(server.address)
    c.wait_serving(5)
    yield c
    c.close()


def test_the_server_serves_every_method_of_the_fold_service(make_server):
    """FoldService is registered by hand (for PutDataset's reader): no method may be missing."""
    server = make_server(zoo_models.MeanModel)
    served = {name.rsplit("/", 1)[1] for name in server.server._state.registered_method_handlers
              if name.startswith("/mow.v1.FoldService/")}
    assert served == set(fold_service_pb2.DESCRIPTOR.services_by_name["FoldService"].methods_by_name)


def test_the_chunk_reader_matches_the_generated_parser():
    message = fold_service_pb2.DatasetChunk(fingerprint="blake2b:ab", total_bytes=3 << 40, data=b"\x00\x01" * 1000)
    chunk = decode_chunk(message.SerializeToString())
    assert chunk.error is None
    assert (chunk.fingerprint, chunk.total_bytes, bytes(chunk.data)) == (
        message.fingerprint, message.total_bytes, message.data)
    assert decode_chunk(fold_service_pb2.DatasetChunk(total_bytes=-5).SerializeToString()).total_bytes == -5
    empty = decode_chunk(b"")  # every field at its default, as protobuf reads it
    assert (empty.fingerprint, empty.total_bytes, bytes(empty.data), empty.error) == ("", 0, b"", None)


def test_the_chunk_reader_skips_fields_it_does_not_know():
    """A newer client may send more fields; protobuf's rule is to skip them."""
    known = fold_service_pb2.DatasetChunk(fingerprint="f", data=b"abc").SerializeToString()
    unknown = b"\x20\x96\x01" + b"\x2a\x02hi" + b"\x31" + bytes(8) + b"\x3d" + bytes(4)  # varint, bytes, fixed64/32
    chunk = decode_chunk(unknown + known)
    assert chunk.error is None and chunk.fingerprint == "f" and bytes(chunk.data) == b"abc"


@pytest.mark.parametrize("raw", [
    b"\x1a\x05ab",                                       # data runs past the end
    b"\x0a",                                             # length missing
    b"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",  # varint of 11 bytes
    b"\x0b",                                             # wire type 3 (groups)
    b"\x0a\x02\xff\xfe",                                 # fingerprint that is not UTF-8
    b"\x08\x01",                                         # fingerprint with a varint's wire type
])
def test_malformed_chunks_are_refused_with_one_line(client, raw):
    assert decode_chunk(raw).error.startswith("not a DatasetChunk")
    put = client.channel.stream_unary("/mow.v1.FoldService/PutDataset",
                                      response_deserializer=fold_service_pb2.DatasetInfo.FromString)
    with pytest.raises(grpc.RpcError) as info:
        put(iter([raw]))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "not a DatasetChunk" in info.value.details()


def test_an_upload_that_stops_short_is_an_error(client):
    dataset = EncodedDataset.from_table(pa.table({"x": np.arange(1_000_000, dtype=np.float64)}))
    first = fold_service_pb2.DatasetChunk(fingerprint=dataset.fingerprint, total_bytes=dataset.ipc.size,
                                          data=dataset.ipc.to_pybytes()[:DATASET_CHUNK_BYTES])
    with pytest.raises(grpc.RpcError) as info:
        client.folds.PutDataset(iter([first]))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"upload ended after {DATASET_CHUNK_BYTES} of {dataset.ipc.size} bytes" in info.value.details()


@pytest.mark.parametrize("populate_ahead", [True, False])
def test_the_receive_buffer_is_writable_memory_of_the_asked_size(monkeypatch, populate_ahead):
    """With the background populator (Linux 5.14+) and with its fallback (MAP_POPULATE)."""
    if not populate_ahead:
        monkeypatch.setattr(uploads, "_populate", lambda address, length: -1)  # an older kernel: EINVAL
    size = 3 * uploads._POPULATE_STEP + 12345
    buffer, view = receive_buffer(size)
    assert buffer.size == size and len(view) == size and buffer.address % 64 == 0
    view[-5:] = b"tail!"
    view[:5] = b"head!"
    assert buffer.to_pybytes()[:5] == b"head!" and buffer.to_pybytes()[-5:] == b"tail!"
