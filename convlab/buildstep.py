"""Build steps cached on a hash of their real inputs, and the summary printed at the end of a build.

Make decides from timestamps which steps might be stale; a step then compares the SHA-256 of its
inputs (file contents and the command) with the last run's and skips when nothing really changed, so
a fresh clone, a ``touch`` or a restored CI cache costs nothing. Each step records what it did in
``build/steps/NAME.json``; ``summary`` reports those records and the weight of the main lesson page.

    python -m convlab.buildstep run NAME --inputs A B --outputs X Y -- COMMAND ...
    python -m convlab.buildstep summary --since EPOCH_SECONDS --site site
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
from pathlib import Path

from convlab.files import write_text_atomic

STATE_DIR = Path("build/steps")
MAIN_PAGE = "lesson/convolution/index.html"


def digest(paths: Iterable[Path], extra: Iterable[str] = ()) -> str:
    """Return the SHA-256 of the files' names and contents (sorted) and the extra strings."""
    hasher = hashlib.sha256()
    for path in sorted({Path(p) for p in paths}):
        if not path.is_file():
            raise FileNotFoundError(f"build input {path} is missing")
        hasher.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
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


def page_weight(site: Path, page: str = MAIN_PAGE) -> tuple[int, int]:
    """Return (bytes, bytes gzipped) of a built page and the local scripts, styles and images it references.

    Gzipped is what a host such as GitHub Pages transfers: it compresses HTML, CSS and JavaScript.
    """
    html_path = site / page
    html = html_path.read_text(encoding="utf-8")
    files = [html_path]
    references = re.findall(r'<(?:script|img)\b[^>]*\bsrc="([^"]+)"', html)
    references += re.findall(r'<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html)
    for reference in dict.fromkeys(references):
        if "://" in reference or reference.startswith("data:"):
            continue
        path = (html_path.parent / reference.split("?")[0].split("#")[0]).resolve()
        if path.is_file():
            files.append(path)
    raw = sum(path.stat().st_size for path in files)
    compressed = sum(
        len(gzip.compress(path.read_bytes()))
        if path.suffix in (".html", ".css", ".js", ".svg")
        else path.stat().st_size
        for path in files
    )
    return raw, compressed


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
        raw, compressed = page_weight(site)
        lines.append(
            f"  main lesson page: {compressed / 1e6:.2f} MB transferred gzipped ({raw / 1e6:.2f} MB raw): "
            "HTML, scripts, styles, images"
        )
    lines.append(f"  total: {time.time() - since:.1f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``run`` a cached step, or print the ``summary``."""
    parser = argparse.ArgumentParser(prog="python -m convlab.buildstep", description=__doc__.splitlines()[0])
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
