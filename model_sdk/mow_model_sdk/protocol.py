"""Constants of the mow.v1 wire protocol shared by the SDK and its clients."""

from __future__ import annotations

PROTOCOL_VERSION = "mow.v1"

#: Largest gRPC message either side accepts by default, in bytes (64 MiB).
#: gRPC's own default receive limit is 4 MiB; both ends set it explicitly.
DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024

#: Size of one PutDataset chunk, in bytes (2 MiB; 1-4 MiB measured fastest).
DATASET_CHUNK_BYTES = 2 * 1024 * 1024

#: Name of the single column of a predictions table.
PREDICTION_COLUMN = "prediction"

#: Fully qualified service names, for health checking and reflection.
FOLD_SERVICE = "mow.v1.FoldService"
REPORT_SERVICE = "mow.v1.ReportService"


def grpc_options(max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> list[tuple[str, int]]:
    """Channel/server options that set both message limits explicitly."""
    return [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
    ]
