"""Read a dataset file into an Arrow table, choosing the reader by format."""

from __future__ import annotations

import io
import zipfile
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

    Compressed CSV/JSON (``.gz``, ``.bz2``, ``.zst``, ``.lz4``) is read as a
    stream; a ``.zip`` must hold exactly one data file. Parquet and Feather are
    memory-mapped where pyarrow allows, so reading adds no second copy.

    Raises:
        DataError: the file is missing, empty or not in the given format.
    """
    if not path.is_file():
        raise DataError(f"data.path: file not found: {path}")
    if path.stat().st_size == 0:
        raise DataError(f"data.path: {path} is empty (0 bytes)")
    source: Path | io.BytesIO = path
    if path.suffix.lower() == ".zip":
        source, inner = _zip_member(path)
        if fmt == "auto":
            fmt = detect_format(Path(inner))
        delimiter = "\t" if inner.lower().endswith(".tsv") else ","
    else:
        delimiter = "\t" if ".tsv" in path.suffixes else ","
    if fmt == "auto":
        fmt = detect_format(path)
    try:
        if fmt == "csv":
            table = pa_csv.read_csv(source, parse_options=pa_csv.ParseOptions(delimiter=delimiter))
        elif fmt == "parquet":
            table = pa_parquet.read_table(source, memory_map=isinstance(source, Path))
        elif fmt == "feather":
            table = pa_feather.read_table(source, memory_map=isinstance(source, Path))
        else:
            table = pa_json.read_json(source)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError, EOFError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"data.path: cannot read {path} as {fmt}: {first_line}") from None
    if table.num_rows == 0:
        raise DataError(f"data.path: {path} has no rows")
    return table


def _zip_member(path: Path) -> tuple[io.BytesIO, str]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/") and not n.startswith("__MACOSX")]
            if len(names) != 1:
                raise DataError(f"data.path: {path.name} holds {len(names)} files ({', '.join(names[:5])}); "
                                "a zip must hold exactly one data file")
            return io.BytesIO(archive.read(names[0])), names[0]
    except zipfile.BadZipFile:
        raise DataError(f"data.path: {path} is not a valid zip file") from None
