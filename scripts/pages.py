"""The page build: MkDocs writes a fresh folder, which takes the place of site/ only when it built without error.

A failed, interrupted or killed build leaves site/ as it was. The swap at the end is two renames (site/
aside, the new folder in); a kill between them leaves no site/ at all, which the next `make site` sees
and builds again, never half a site that looks current.

    python scripts/pages.py --site site
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from buildstep import INTERRUPTED, run_command

WORK_DIR = Path("build")  # the fresh folder and the old site sit here while they are swapped


def replace_folder(new: Path, target: Path, aside: Path) -> None:
    """Put the folder ``new`` in the place of ``target`` (if there is one), by way of ``aside``."""
    shutil.rmtree(aside, ignore_errors=True)
    if target.exists():
        target.rename(aside)
    new.rename(target)
    shutil.rmtree(aside, ignore_errors=True)


def build_pages(site: Path, work_dir: Path = WORK_DIR) -> int:
    """Build the pages with MkDocs (strict) into a fresh folder and swap it in for ``site``; return the exit status."""
    fresh, aside = work_dir / f"{site.name}.new", work_dir / f"{site.name}.old"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Not --quiet, which drops warnings before strict mode counts them: the notes are hidden here instead.
        command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(fresh)]
        status = run_command(command, hide="INFO ")
        if status == 0:
            replace_folder(fresh, site, aside)
        return status
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: build the pages into --site."""
    parser = argparse.ArgumentParser(prog="scripts/pages.py", description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=Path("site"), help="the folder the built site goes in")
    args = parser.parse_args(argv)
    try:
        return build_pages(args.site)
    except KeyboardInterrupt:
        return INTERRUPTED  # the step runner that started this says so, in one line


if __name__ == "__main__":
    sys.exit(main())
