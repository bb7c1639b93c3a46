"""Where a dataset file comes from: a local path, a URL (downloaded once, verified), or a package.

- ``data.path``: a local file (verified against ``data.sha256`` when given).
- ``data.url``: ``https://`` / ``http://`` downloaded by pooch into the cache
  folder, checked against ``data.sha256``. A cached file whose hash does not
  match (corrupt or cut short) is downloaded again; a cached file that
  matches is used without touching the network, so a study runs offline once
  its data is cached. Downloads go to a temporary file first, so an
  interrupted download never looks complete. ``file://`` URLs are read in
  place and verified.
- ``data.package``: ``"package.module:relative/path"``, a data file installed
  inside a Python package (resolved with ``importlib.resources``).

Cache folder: ``data.cache_dir``, else ``$MOW_CACHE_DIR``, else the user
cache (``~/.cache/mow`` on Linux).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import re
import urllib.parse
import urllib.request
from pathlib import Path

from ..config import DataSection
from ..errors import DataError


def cache_dir(data: DataSection) -> Path:
    """The download cache folder for ``data``."""
    if data.cache_dir is not None:
        return data.cache_dir
    if os.environ.get("MOW_CACHE_DIR"):
        return Path(os.environ["MOW_CACHE_DIR"])
    import pooch

    return Path(pooch.os_cache("mow"))


def resolve_source(data: DataSection) -> Path:
    """A local, verified file for ``data`` (downloading it if needed).

    Raises:
        DataError: missing file or package file, unreachable URL, wrong sha256.
    """
    if data.package is not None:
        path = package_file(data.package)
    elif data.url is not None:
        path = download(data.url, data.sha256 or "", cache_dir(data))
    else:
        assert data.path is not None
        path = data.path
        if not path.is_file():
            raise DataError(f"data.path: file not found: {path}")
    if data.sha256 and data.url is None:
        _verify(path, data.sha256, "data.sha256")
    return path


def package_file(spec: str) -> Path:
    """The file ``relative/path`` inside the installed package ``package.module`` (``"pkg:rel/path"``)."""
    package, relative = spec.split(":", 1)
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError:
        raise DataError(f"data.package: package {package!r} is not installed; pip install it or fix the name") from None
    resource = root.joinpath(*Path(relative).parts)
    if not resource.is_file():
        raise DataError(f"data.package: {relative!r} is not a file inside {package} ({root})")
    return Path(str(resource))


def download(url: str, sha256: str, folder: Path) -> Path:
    """``url`` as a verified file in ``folder`` (downloaded only when missing or corrupt)."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        path = Path(urllib.request.url2pathname(parsed.path))
        if not path.is_file():
            raise DataError(f"data.url: file not found: {path}")
        _verify(path, sha256, "data.sha256")
        return path
    import pooch
    import requests

    name = Path(parsed.path).name or "download"
    fname = f"{sha256[:12]}-{name}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return Path(pooch.retrieve(url, known_hash=f"sha256:{sha256.lower()}", fname=fname, path=folder,
                                   progressbar=False))
    except ValueError as exc:
        if "hash" in str(exc).lower():
            got = re.search(r"got ([0-9a-fA-F]{64})", str(exc))  # pooch names the downloaded file's hash
            raise DataError(f"data.sha256: the file at {url} does not have the expected SHA-256 {sha256}"
                            + (f" (it has {got.group(1).lower()})" if got else "")
                            + "; check data.url and data.sha256") from None
        raise DataError(f"data.url: cannot download {url}: {exc}") from None
    except requests.HTTPError as exc:
        raise DataError(f"data.url: cannot download {url}: HTTP {exc.response.status_code}; check the address") from None
    except (requests.RequestException, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"data.url: cannot download {url} ({type(exc).__name__}: {reason[:200]}); check the address "
                        "and the network (once downloaded, the cached copy works offline)") from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: Path, expected: str, field: str) -> None:
    actual = sha256_of(path)
    if actual.lower() != expected.lower():
        raise DataError(f"{field}: {path} has SHA-256 {actual}, not {expected}; the file changed or the hash is wrong")
