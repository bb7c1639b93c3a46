"""Read a dataset file into an Arrow table, choosing the reader by format."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.feather as pa_feather
import pyarrow.json as pa_json
import pyarrow.parquet as pa_parquet

from ..errors import DataError

_BY_SUFFIX = {
    ".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet",
    ".feather": "feather", ".arrow": "feather", ".ipc": "feather",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
}
_COMPRESSED = {".gz", ".bz2", ".zst", ".lz4"}


def detect_format(path: Path) -> str:
    """The reader for ``path`` by its extension (``data.csv.gz`` is csv)."""
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in _COMPRESSED:
        suffixes.pop()
    fmt = _BY_SUFFIX.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise DataError(
            f"data.path: cannot tell the format of {path.name!r} from its extension; "
            f"set data.format to one of csv, parquet, feather, jsonl"
        )
    return fmt


def read_table(path: Path, fmt: str = "auto") -> pa.Table:
    """Read ``path`` (CSV, Parquet, Feather/Arrow IPC, JSON lines) into a table.

    Raises:
        DataError: the file is missing, empty or not in the given format.
    """
    if not path.is_file():
        raise DataError(f"data.path: file not found: {path}")
    if fmt == "auto":
        fmt = detect_format(path)
    try:
        if fmt == "csv":
            delimiter = "\t" if ".tsv" in path.suffixes else ","
            table = pa_csv.read_csv(path, parse_options=pa_csv.ParseOptions(delimiter=delimiter))
        elif fmt == "parquet":
            table = pa_parquet.read_table(path)
        elif fmt == "feather":
            table = pa_feather.read_table(path)
        else:
            table = pa_json.read_json(path)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"data.path: cannot read {path} as {fmt}: {first_line}") from None
    if table.num_rows == 0:
        raise DataError(f"data.path: {path} has no rows")
    return table
