"""Drive Debian's headless Chromium over the Chrome DevTools Protocol (no browser download).

Only the ``chromium`` package and the ``websocket-client`` distribution are
needed: Chromium is started with ``--remote-debugging-port=0`` and a fresh
profile; the port it picked is read from ``DevToolsActivePort``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
)


def find_chromium() -> str | None:
    """The Chromium binary: ``$MOW_CHROMIUM``, else ``chromium`` on PATH (Debian's package)."""
    return os.environ.get("MOW_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageResult:
    errors: list[str] = field(default_factory=list)
    """Uncaught exceptions, console.error calls and browser log errors."""
    requests: list[str] = field(default_factory=list)
    """Every URL the page requested."""
    values: dict[str, Any] = field(default_factory=dict)


class Browser:
    """One headless Chromium with a fresh profile; use as a context manager."""

    def __init__(self, binary: str, *, width: int = 1400, height: int = 1000) -> None:
        self.binary, self.width, self.height = binary, width, height

    def __enter__(self) -> Self:
        import websocket  # websocket-client

        self._profile = tempfile.mkdtemp(prefix="mow-chromium-")
        self.proc = subprocess.Popen(
            [self.binary, *FLAGS, f"--user-data-dir={self._profile}", "--remote-debugging-port=0",
             f"--window-size={self.width},{self.height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: renderers and helpers are stopped with it
        )
        port = self._devtools_port(Path(self._profile) / "DevToolsActivePort")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            pages = [t for t in json.load(reply) if t["type"] == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self._id = 0
        self._events: list[dict[str, Any]] = []
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.send("Browser.close")  # a clean shutdown: Chromium flushes its profile and exits
        except Exception:  # noqa: BLE001 - already gone or not answering: stopped below
            pass
        finally:
            self.ws.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
            self._stop_helpers()
            self._remove_profile()

    def _stop_helpers(self) -> None:
        """Kill what is left of Chromium's process group (helpers that outlive the browser process)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _remove_profile(self, attempts: int = 20) -> None:
        """Remove the profile; a helper that was still writing to it may need a moment to be reaped."""
        for _ in range(attempts - 1):
            try:
                shutil.rmtree(self._profile)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.1)
        else:
            shutil.rmtree(self._profile, ignore_errors=True)

    def _devtools_port(self, path: Path, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode}: {self.proc.stderr.read().decode()[-2000:]}")
            if path.is_file() and path.read_text().strip():
                return int(path.read_text().splitlines()[0])
            time.sleep(0.05)
        raise RuntimeError("chromium did not open its DevTools port in time")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self._events.append(message)

    def _drain(self, until: str | None = None, timeout: float = 30) -> None:
        import websocket

        deadline = time.monotonic() + timeout
        while until is None or not any(e.get("method") == until for e in self._events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {until} within {timeout} s")
            self.ws.settimeout(0.2 if until is None else max(0.1, deadline - time.monotonic()))
            try:
                self._events.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:  # nothing more queued
                if until is None:
                    break
        self.ws.settimeout(30)

    def evaluate(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def open(self, url: str, *, ready: str, timeout: float = 60) -> PageResult:
        """Load ``url``, wait for its load event and until the JS expression ``ready`` is true."""
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self._events.clear()
        self.send("Page.navigate", url=url)
        self._drain(until="Page.loadEventFired", timeout=timeout)
        deadline = time.monotonic() + timeout
        while not self.evaluate(ready):
            if time.monotonic() > deadline:
                raise TimeoutError(f"page not ready ({ready}) within {timeout} s")
            time.sleep(0.1)
        self._drain()
        result = PageResult()
        for e in self._events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                result.errors.append(d.get("exception", {}).get("description") or d.get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                result.errors.append("console.error: " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
                result.errors.append(f"log: {p['entry']['text']} ({p['entry'].get('url', '')})")
            elif method == "Network.requestWillBeSent":
                result.requests.append(p["request"]["url"])
        return result

    def screenshot(self, path: Path, *, top: float = 0, height: float | None = None) -> None:
        """A PNG of the whole page (or ``height`` CSS pixels from ``top``), not just the window."""
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        height = min(height or size["height"], size["height"] - top, 16000)
        clip = {"x": 0, "y": top, "width": size["width"], "height": height, "scale": 1}
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
