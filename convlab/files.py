"""Writing files so that a reader never sees half of one: write beside the target, then rename.

A file that cannot be written (no such folder, no permission, a full disk) raises UsageError naming the
file the user asked for, never the temporary one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from convlab.errors import UsageError

# Errors of writing itself, which carry no file name: the file being written is the one that failed.
WRITING_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


def _cannot_write(target: Path, error: OSError) -> UsageError:
    return UsageError(f"cannot write {target}: {error.strerror or error}")


def check_can_create(folder: Path, change: str = "choose another folder") -> None:
    """Raise UsageError, saying to ``change``, if ``folder`` could not be created or written; create nothing."""
    existing = Path(folder)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"cannot write into {folder}: {existing} is a file, not a folder; {change}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write into {folder}: {existing} is not writable; {change}")


def make_dir(folder: Path) -> None:
    """Create ``folder`` and its parents if missing; UsageError, naming it, if that is impossible."""
    check_can_create(folder)
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _cannot_write(folder, error) from None


def _temporary_name(target: Path) -> Path:
    """Return a fresh temporary name beside the target; UsageError, naming the target, if it is a folder."""
    if target.is_dir():
        raise UsageError(f"cannot write {target}: it is a folder; choose another name or remove the folder")
    return target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"


def _create_empty(temp: Path, target: Path) -> None:
    """Create the empty temporary file (never an existing one); UsageError, naming the target, if impossible."""
    try:
        os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as error:
        raise _cannot_write(target, error) from None


@contextlib.contextmanager
def atomic_paths(*targets: Path) -> Iterator[list[Path]]:
    """Yield a temporary path beside each target; rename them all into place only if the block succeeds.

    Each target is replaced whole, and none is replaced unless the block wrote them all: if anything
    fails, the temporary files are removed and every target keeps what it had. (The renames happen one
    after another at the end, so a crash between two of them can leave the first replaced.)
    """
    temps: list[Path] = []
    try:
        for target in targets:
            # Named (and so cleaned up below) before it exists: a Ctrl-C at any moment leaves no stray file.
            temps.append(_temporary_name(Path(target)))
            _create_empty(temps[-1], Path(target))
        try:
            yield temps
            for temp, target in zip(temps, targets, strict=True):
                os.chmod(temp, 0o644)
                os.replace(temp, target)
        except OSError as error:
            by_temp = {str(temp): target for temp, target in zip(temps, targets, strict=True)}
            target = by_temp.get(str(error.filename))
            if target is None and error.filename is None and error.errno in WRITING_ERRORS:
                target = targets[0]
            if target is None:  # not one of ours: not a failure to write the user's file
                raise
            raise _cannot_write(target, error) from None
    finally:
        for temp in temps:
            with contextlib.suppress(OSError):  # never created (a name too long), or already renamed
                temp.unlink()


def write_text_atomic(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` atomically."""
    with atomic_paths(target) as (temp,):
        temp.write_text(text, encoding="utf-8")


def write_files(contents: dict[Path, bytes]) -> None:
    """Write each file whole (creating their folder), and none unless all were written; UsageError naming the
    file that failed."""
    make_dir(next(iter(contents)).parent)
    with atomic_paths(*contents) as temps:
        for temp, (target, data) in zip(temps, contents.items(), strict=True):
            try:
                temp.write_bytes(data)
            except OSError as error:  # a full disk raises here, with no file name of its own
                raise _cannot_write(target, error) from None


@contextlib.contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """Yield an empty temporary folder inside ``out`` (created if missing) for the block to write its files in;
    move them all into ``out`` only if the block succeeds, replacing files of the same names.

    If anything fails, ``out`` keeps what it had and the temporary folder is removed; a write that fails
    (a full disk) is a UsageError naming ``out``.
    """
    make_dir(out)
    stage = Path(out) / f".staged.{secrets.token_hex(4)}.tmp"
    try:
        stage.mkdir()
        yield stage
        for file in sorted(stage.iterdir()):
            os.replace(file, Path(out) / file.name)
    except OSError as error:
        if error.filename is None or str(stage) in str(error.filename):
            raise _cannot_write(Path(out), error) from None
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
