"""Shared fixtures: the real MNIST files, and the site that `make site` built, served like a static host."""

import functools
import gzip
import http.server
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from convlab.data import ensure_mnist

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own browser download cannot run here
# As the environment's guide prescribes for this machine: no sandbox as root, no background traffic.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map", ".ipynb"}


@pytest.fixture(scope="session")
def mnist_root(tmp_path_factory):
    """Return a data root holding the four official MNIST IDX files (checked by MD5)."""
    root = tmp_path_factory.mktemp("data")
    ensure_mnist(root, log=lambda line: None)
    return root


@pytest.fixture(scope="session")
def built_site():
    """Return site/, as `make site` built it (make test builds it first)."""
    if not (SITE / "index.html").is_file():
        pytest.fail("site/ is not built: run `make site` (make test does this first)")
    return SITE


class _StaticHandler(http.server.SimpleHTTPRequestHandler):
    """Serves site/ as GitHub Pages does: text gzipped when the browser accepts it; counts bytes sent."""

    sent: dict[str, int]

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (path.is_file() and path.suffix in COMPRESSED and accepts_gzip):
            return super().send_head()
        body = gzip.compress(path.read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _BytesFile(body)

    def copyfile(self, source, outputfile):
        data = source.read()
        self.sent[self.path] = self.sent.get(self.path, 0) + len(data)
        outputfile.write(data)


class _BytesFile:
    def __init__(self, data: bytes):
        self.data = data

    def read(self, *args):
        data, self.data = self.data, b""
        return data

    def close(self):
        pass


@pytest.fixture(scope="session")
def site_server(built_site):
    """Serve site/ on a free local port; yield (base URL, dict of bytes sent per path)."""
    sent: dict[str, int] = {}
    handler = functools.partial(type("Handler", (_StaticHandler,), {"sent": sent}), directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", sent
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Return Debian's Chromium, driven by Playwright, headless."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
