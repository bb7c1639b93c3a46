"""Sources: downloads from a real HTTP server on 127.0.0.1 (sha256, cache, corrupt re-fetch, offline),
package-shipped files, file formats, and the `data fetch` command."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading
import zipfile
from functools import partial

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from mow_orchestrator.cli import app
from mow_orchestrator.config import DataSection
from mow_orchestrator.data import read_table, resolve_source
from mow_orchestrator.errors import DataError

CSV = b"date,x,y\n2024-01-01,1,2\n2024-01-02,3,4\n"
SHA = hashlib.sha256(CSV).hexdigest()


class _Handler(http.server.SimpleHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        _Handler.hits.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "data.csv").write_bytes(CSV)
    _Handler.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", httpd
    httpd.shutdown()
    httpd.server_close()


def _url_data(url, cache, sha=SHA):
    return DataSection(url=url, sha256=sha, cache_dir=cache, target="y", features=["x"])


def test_download_verifies_caches_and_works_offline(server, tmp_path):
    base, httpd = server
    cache = tmp_path / "cache"
    path = resolve_source(_url_data(f"{base}/data.csv", cache))
    assert path.read_bytes() == CSV and path.parent == cache
    assert resolve_source(_url_data(f"{base}/data.csv", cache)) == path
    assert len(_Handler.hits) == 1  # the second call used the cache
    path.write_bytes(CSV[:10])  # a cut-short file is fetched again
    assert resolve_source(_url_data(f"{base}/data.csv", cache)).read_bytes() == CSV
    assert len(_Handler.hits) == 2
    httpd.shutdown()
    httpd.server_close()
    assert resolve_source(_url_data(f"{base}/data.csv", cache)).read_bytes() == CSV  # offline once cached
    assert read_table(path).num_rows == 2


def test_wrong_sha_and_unreachable_url_are_one_line_errors(server, tmp_path):
    base, _ = server
    actual = hashlib.sha256(CSV).hexdigest()
    with pytest.raises(DataError, match=f"data.sha256: the file at .* does not have the expected SHA-256 0+ "
                                        f"\\(it has {actual}\\)"):
        resolve_source(_url_data(f"{base}/data.csv", tmp_path / "c", "0" * 64))
    with pytest.raises(DataError, match="data.url: cannot download .*HTTP 404"):
        resolve_source(_url_data(f"{base}/missing.csv", tmp_path / "c"))
    with pytest.raises(DataError, match="data.url: cannot download http://127.0.0.1:9/x.csv .*check the address"):
        resolve_source(_url_data("http://127.0.0.1:9/x.csv", tmp_path / "c"))


def test_url_needs_a_sha():
    with pytest.raises(ValueError, match="a url needs sha256"):
        DataSection(url="https://example.org/x.csv", target="y", features=["x"])


def test_package_file_and_file_url(tmp_path):
    data = DataSection(package="sklearn.datasets:data/iris.csv", target="y", features=["x"])
    assert resolve_source(data).name == "iris.csv"
    with pytest.raises(DataError, match="data.package: 'data/nope.csv' is not a file inside sklearn.datasets"):
        resolve_source(DataSection(package="sklearn.datasets:data/nope.csv", target="y", features=["x"]))
    local = tmp_path / "d.csv"
    local.write_bytes(CSV)
    assert resolve_source(_url_data(local.as_uri(), tmp_path / "c")) == local


def test_formats(tmp_path):
    table = pa.table({"x": [1, 2], "y": [3, 4]})
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(CSV))
    pq.write_table(table, tmp_path / "a.parquet")
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as archive:
        archive.writestr("inner.csv", CSV)
    assert read_table(tmp_path / "a.csv.gz").num_rows == 2
    assert read_table(tmp_path / "a.parquet").equals(table)
    assert read_table(tmp_path / "a.zip").column_names == ["date", "x", "y"]
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(DataError, match="is empty"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "a.xlsx").write_bytes(b"x")
    with pytest.raises(DataError, match="cannot tell the format of 'a.xlsx'"):
        read_table(tmp_path / "a.xlsx")


def test_data_fetch_command(server, tmp_path):
    base, _ = server
    config = tmp_path / "study.toml"
    body = (f'[data]\nurl = "{base}/data.csv"\nsha256 = "{{sha}}"\ncache_dir = "cache"\ntarget = "y"\n'
            'features = ["x"]\n[model]\nentrypoint = "m:M"\n')
    config.write_text(body.format(sha=SHA))
    result = CliRunner().invoke(app, ["data", "fetch", str(config)])
    assert result.exit_code == 0, result.output
    assert "(verified)" in result.output and (tmp_path / "cache").is_dir()
    config.write_text(body.format(sha="1" * 64).replace("\"cache\"", "\"cache2\""))
    result = CliRunner().invoke(app, ["data", "fetch", str(config)])
    assert result.exit_code == 2 and "does not have the expected SHA-256" in result.output
