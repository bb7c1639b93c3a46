"""Apache Arrow Flight on both ends of the data-plane reference, each in its own process.

pyarrow.flight and grpcio bundle different gRPC builds, so this module never
runs in a process that has imported grpcio (bench_dataplane.py runs it as a
child):

    python bench/flight_peer.py serve LOCATION      # prints "READY <location>", serves until stdin closes
    python bench/flight_peer.py put LOCATION FILE REPEAT [BATCH_ROWS]
        # reads the Arrow IPC file FILE (memory-mapped), times REPEAT do_put calls of its table
        # (sent as record batches of at most BATCH_ROWS rows; default: the file's own batches),
        # prints one JSON line: {"seconds": [...], "bytes": n}
"""

from __future__ import annotations

import json
import sys
import threading
import time

import pyarrow as pa
from pyarrow import flight


class HoldingServer(flight.FlightServerBase):
    """Accepts do_put and holds the last table received (as a model server holds its dataset)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.table: pa.Table | None = None

    def do_put(self, context, descriptor, reader, writer):
        self.table = None  # free the previous upload first, as MOW's bench drops it between runs
        self.table = reader.read_all()


def serve(location: str) -> None:
    server = HoldingServer(location)
    bound = location if location.startswith("grpc+unix") else f"grpc://127.0.0.1:{server.port}"
    print(f"READY {bound}", flush=True)
    threading.Thread(target=server.serve, daemon=True).start()
    sys.stdin.read()  # the parent closes our stdin to stop us
    server.shutdown()


def put(location: str, path: str, repeat: int, batch_rows: int | None = None) -> None:
    table = pa.ipc.open_file(pa.memory_map(path)).read_all()
    client = flight.FlightClient(location)
    client.wait_for_available(timeout=30)
    seconds = []
    for i in range(repeat):
        descriptor = flight.FlightDescriptor.for_path(f"bench-{i}")
        t0 = time.perf_counter()
        writer, _ = client.do_put(descriptor, table.schema)
        writer.write_table(table, max_chunksize=batch_rows)
        writer.close()  # returns when the server has read the whole stream and answered
        seconds.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": seconds, "bytes": table.nbytes}), flush=True)
    client.close()


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "serve":
        serve(rest[0])
    elif command == "put":
        put(rest[0], rest[1], int(rest[2]), int(rest[3]) if len(rest) > 3 else None)
    else:
        raise SystemExit(__doc__)
