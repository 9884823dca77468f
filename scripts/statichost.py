"""The built site served on a local port as a static host such as GitHub Pages serves it: text gzipped when the
browser accepts it, images and fonts as they are; it counts the bytes it sends for each path."""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

from pageweight import COMPRESSED


class _StaticHandler(http.server.SimpleHTTPRequestHandler):
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
        body = gzip.compress(path.read_bytes(), mtime=0)
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


@contextlib.contextmanager
def served(site: Path) -> Iterator[tuple[str, dict[str, int]]]:
    """Serve the built site on a free local port while the block runs; yield its base URL and the bytes sent
    for each path requested (the caller may clear it between pages)."""
    sent: dict[str, int] = {}
    handler = functools.partial(type("Handler", (_StaticHandler,), {"sent": sent}), directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", sent
    finally:
        server.shutdown()
