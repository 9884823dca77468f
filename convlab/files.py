"""Writing files so that a reader never sees half of one: write beside the target, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_paths(*targets: Path) -> Iterator[list[Path]]:
    """Yield a temporary path beside each target; rename them all into place only if the block succeeds.

    If anything fails, the temporary files are removed and the targets keep what they had.
    """
    temps: list[Path] = []
    try:
        for target in targets:
            try:
                handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            except OSError as error:  # name the file the user asked for, not our temporary one
                raise OSError(error.errno, error.strerror, str(target)) from None
            os.close(handle)
            temps.append(Path(name))
        yield temps
        for temp, target in zip(temps, targets, strict=True):
            os.chmod(temp, 0o644)
            os.replace(temp, target)
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)


def write_text_atomic(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` atomically."""
    with atomic_paths(target) as (temp,):
        temp.write_text(text, encoding="utf-8")
