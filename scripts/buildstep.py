"""Build steps cached on a hash of their real inputs, and the summary printed at the end of a build.

Make decides from timestamps which steps might be stale; a step then compares the SHA-256 of its
inputs (file contents and the command) with the last run's and skips when nothing really changed, so
a fresh clone, a ``touch`` or a restored CI cache costs nothing. Each step records what it did in
``build/steps/NAME.json``; ``summary`` reports those records and the weight of the main lesson page.

    python scripts/buildstep.py run NAME --inputs A B --outputs X Y -- COMMAND ...
    python scripts/buildstep.py summary --since EPOCH_SECONDS --site site
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from convlab.files import write_text_atomic

STATE_DIR = Path("build/steps")
MAIN_PAGE = "lesson/convolution/index.html"
# What a static host such as GitHub Pages sends gzipped; images and fonts go as they are.
COMPRESSED = frozenset({".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map", ".ipynb"})


def _key_path(path: Path) -> str:
    """Return the path as it goes into a key: relative to the project, so a clone elsewhere has the same keys."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def digest(paths: Iterable[Path], extra: Iterable[str] = ()) -> str:
    """Return the SHA-256 of the files' names and contents (sorted) and the extra strings."""
    hasher = hashlib.sha256()
    for name, path in sorted({_key_path(p): Path(p) for p in paths}.items()):
        if not path.is_file():
            raise FileNotFoundError(f"build input {name} is missing")
        with open(path, "rb") as handle:
            content = hashlib.file_digest(handle, "sha256").digest()
        hasher.update(name.encode() + b"\0" + content)
    for item in extra:
        hasher.update(item.encode() + b"\0")
    return hasher.hexdigest()


def run_cached(
    name: str,
    inputs: Iterable[Path],
    outputs: Iterable[Path],
    action: Callable[[], None],
    extra: Iterable[str] = (),
    state_dir: Path = STATE_DIR,
) -> str:
    """Run ``action`` unless the inputs' hash matches the last run and every output exists.

    Returns "ran" or "reused", and records it (with the time taken) in state_dir/NAME.json.
    """
    key = digest(inputs, extra)
    state_path = state_dir / f"{name}.json"
    previous = json.loads(state_path.read_text()) if state_path.is_file() else {}
    started = time.time()
    if previous.get("key") == key and all(Path(p).exists() for p in outputs):
        status = "reused"
    else:
        action()
        status = "ran"
    record = {"key": key, "status": status, "seconds": time.time() - started, "finished": time.time()}
    state_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(state_path, json.dumps(record) + "\n")
    return status


def transfer_size(path: Path) -> int:
    """Return the bytes a static host sends for a file: gzipped for text, as is for images and fonts."""
    data = path.read_bytes()
    return len(gzip.compress(data, mtime=0)) if path.suffix in COMPRESSED else len(data)


class _Resources(HTMLParser):
    """Collects what a page makes the browser load: stylesheets, icons, scripts, images, fetched data.

    ``urls`` holds one URL per resource; ``pictures`` one list per <picture>, of which a browser loads one.
    """

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.pictures: list[list[str]] = []
        self.config = ""
        self._in_config = self._in_picture = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        images = self.pictures[-1] if self._in_picture else self.urls
        if tag == "picture":
            self._in_picture = True
            self.pictures.append([])
        elif tag == "link" and attrs.get("rel") in ("stylesheet", "icon", "modulepreload"):
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "img" and attrs.get("src"):
            images.append(attrs["src"])
        elif tag == "source" and attrs.get("srcset"):
            images += [part.split()[0] for part in attrs["srcset"].split(",")]
        if attrs.get("data-source"):
            self.urls.append(attrs["data-source"])
        self._in_config = tag == "script" and attrs.get("id") == "__config"

    def handle_endtag(self, tag):
        if tag == "picture":
            self._in_picture = False

    def handle_data(self, data):
        if self._in_config:
            self.config += data


def _local(base: Path, url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme or url.startswith(("//", "data:")) or not parts.path:
        return None
    path = (base / parts.path).resolve()
    return path if path.is_file() else None


def page_resources(site: Path, page: str = MAIN_PAGE) -> list[Path]:
    """Return the page and every file it can make a browser load from the site, each once.

    That is the page's stylesheets and what they reference (fonts), its scripts and the modules they
    import, its images (of a <picture>, the source that costs most), data it fetches, and Material's own
    start-up files (the search worker and index, the sitemap that instant navigation reads). An upper
    bound: a browser loads a font only if the page uses it.
    """
    html_path = (site / page).resolve()
    parser = _Resources()
    parser.feed(html_path.read_text(encoding="utf-8"))
    files = [html_path]
    pending = [(html_path.parent, url) for url in parser.urls]
    for sources in parser.pictures:
        found = [path for path in (_local(html_path.parent, url) for url in sources) if path is not None]
        if found:
            pending.append((html_path.parent, str(max(found, key=transfer_size))))
    if parser.config:
        config = json.loads(parser.config)
        root = (html_path.parent / config["base"]).resolve()
        pending += [(html_path.parent, config["search"]), (root, "search/search_index.json"), (root, "sitemap.xml")]
    while pending:
        base, url = pending.pop()
        path = _local(base, url)
        if path is None or path in files:
            continue
        files.append(path)
        text = path.read_text(encoding="utf-8") if path.suffix in (".css", ".js") else ""
        references = re.findall(r"url\(\s*['\"]?([^'\")]+)", text) if path.suffix == ".css" else []
        references += re.findall(r"""\bimport\b[^"']*["'](\.[^"']+)["']""", text) if path.suffix == ".js" else []
        pending += [(path.parent, reference) for reference in references]
    return files


def page_weight(site: Path, page: str = MAIN_PAGE) -> int:
    """Return the bytes a static host sends for the page and everything it can load (see page_resources)."""
    return sum(transfer_size(path) for path in page_resources(site, page))


def summary(since: float, site: Path, state_dir: Path = STATE_DIR) -> str:
    """Return the build summary: each step's status this build and its time, then the page weight."""
    lines = ["build summary:"]
    for state_path in sorted(state_dir.glob("*.json")):
        record = json.loads(state_path.read_text())
        if record["finished"] >= since:
            lines.append(f"  {state_path.stem:<24} {record['status']:<8} {record['seconds']:6.1f} s")
        else:
            lines.append(f"  {state_path.stem:<24} {'current':<8} {'-':>6}   (inputs unchanged since last build)")
    if (site / MAIN_PAGE).is_file():
        lines.append(
            f"  main lesson page: at most {page_weight(site) / 1e6:.2f} MB sent, gzipped as a static host "
            "sends it (the page and everything it can load)"
        )
    lines.append(f"  total: {time.time() - since:.1f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``run`` a cached step, or print the ``summary``."""
    parser = argparse.ArgumentParser(prog="scripts/buildstep.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a command unless its inputs are unchanged")
    run.add_argument("name")
    run.add_argument("--inputs", nargs="+", default=[], type=Path)
    run.add_argument("--outputs", nargs="+", default=[], type=Path)
    report = commands.add_parser("summary", help="print what this build ran and reused")
    report.add_argument("--since", type=float, required=True, help="the build's start, in seconds since 1970")
    report.add_argument("--site", type=Path, default=Path("site"))
    argv = sys.argv[1:] if argv is None else list(argv)
    split = argv.index("--") if "--" in argv else len(argv)
    args, command = parser.parse_args(argv[:split]), argv[split + 1 :]

    if args.command == "summary":
        print(summary(args.since, args.site))
        return 0
    if not command:
        parser.error("give the command to run after --")

    def action() -> None:
        subprocess.run(command, check=True)

    try:
        run_cached(args.name, args.inputs, args.outputs, action, extra=command)
    except subprocess.CalledProcessError as error:
        return error.returncode or 1
    except FileNotFoundError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
