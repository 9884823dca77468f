"""Build steps cached on what they read and what they wrote, and the summary printed at the end of a build.

Make starts every step on every build; the step itself decides, by content, whether there is anything to do.
It hashes its inputs (file contents, the command, the environment variables named) into a key and
compares it, and its outputs (SHA-256 of every file, a folder standing for every file under it), with
what it recorded when it last ran, in ``build/steps/NAME.json``:

- same key, every output as the step wrote it: nothing to do ("reused");
- same key, but an output is missing, differs, or a folder output holds a file the step did not write: the
  step puts back its own copy from ``build/steps/NAME.files/`` ("restored"), or runs again where it keeps
  no intact copy;
- otherwise the step runs ("ran"), and its outputs' hashes (and copies) are recorded.

So a ``touch`` costs nothing, a deleted or damaged generated file is put back by the next build, and a
copy of the project in another folder with the same ``build/`` reuses everything. Each step prints one
line when it heals an output, and one line when it is interrupted.

    python scripts/buildstep.py run NAME --inputs A B --outputs X Y [--owns DIR] [--env VAR] [--no-copies] -- CMD
    python scripts/buildstep.py summary --since EPOCH_SECONDS --site site
    python scripts/buildstep.py stale

A step's code is not listed: it is found from the command and the Python files among the inputs
(scripts/codeinputs.py), the lock file with it. ``stale`` names the steps whose inputs or code changed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from codeinputs import step_code
from pageweight import page_weight

from convlab.errors import UsageError
from convlab.files import atomic_paths, write_text_atomic

STATE_DIR = Path("build/steps")
INTERRUPTED = 130  # the exit status of a program stopped by Ctrl-C (128 + SIGINT)
GRACE_SECONDS = 10  # how long a command may take to stop after Ctrl-C before it is killed


def _key_path(path: Path) -> str:
    """Return the path as it goes into a key: relative to the project, so a clone elsewhere has the same keys."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def file_hash(path: Path) -> str:
    """Return the SHA-256 hex digest of a file's contents."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def expand(paths: Iterable[Path]) -> dict[str, Path]:
    """Return the files the paths stand for, by their names in a key: a folder stands for every file under it."""
    files = {}
    for path in map(Path, paths):
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        files.update({_key_path(p): p for p in found})
    return files


def digest(paths: Iterable[Path], extra: Iterable[str] = ()) -> str:
    """Return the SHA-256 of the files' names and contents (a folder: every file under it) and the extra strings."""
    hasher = hashlib.sha256()
    for name, path in sorted(expand(paths).items()):
        if not path.is_file():
            raise FileNotFoundError(f"build input {name} is missing: no earlier step made it (run `make site`)")
        hasher.update(name.encode() + b"\0" + bytes.fromhex(file_hash(path)))
    for item in extra:
        hasher.update(item.encode() + b"\0")
    return hasher.hexdigest()


def output_problems(recorded: dict[str, str], outputs: Iterable[Path]) -> dict[str, str]:
    """Return, by file name, how each output differs from what the step recorded writing; empty if none does.

    ``recorded`` maps each file the step wrote to its SHA-256. An output is "missing", "changed" (its
    contents differ) or "unexpected" (a file in a folder output that the step did not write).
    """
    names = set(recorded)
    for name, path in expand(outputs).items():
        # A folder output that is gone stands for the files the step wrote in it, not for a file of its name.
        if path.is_file() or not any(other.startswith(f"{name}/") for other in recorded):
            names.add(name)
    problems = {}
    for name in sorted(names):
        path = Path(name)
        if not path.is_file():
            problems[name] = "missing"
        elif name not in recorded:
            problems[name] = "unexpected"
        elif file_hash(path) != recorded[name]:
            problems[name] = "changed"
    return problems


def describe(problems: dict[str, str], limit: int = 3) -> str:
    """Return the problems as one short phrase, e.g. "build/run/model.pt is missing" (or "site/ is missing")."""
    says = {"missing": "is missing", "changed": "differs from what the step wrote", "unexpected": "is not the step's"}
    parts = list(dict.fromkeys(f"{_shown(name)} {says[problem]}" for name, problem in problems.items()))
    more = f" and {len(parts) - limit} more" if len(parts) > limit else ""
    return ", ".join(parts[:limit]) + more


def _shown(name: str) -> str:
    """Return a file's name as a message shows it: a file in a folder that is gone, as that folder."""
    path = Path(name)
    while not path.parent.exists():
        path = path.parent
    return name if path == Path(name) else f"{path.as_posix()}/"


@dataclass(frozen=True)
class StepState:
    """What a step recorded when it last ran (``NAME.json``) and the copies of its outputs (``NAME.files/``)."""

    name: str
    folder: Path = STATE_DIR

    @property
    def record_path(self) -> Path:
        return Path(self.folder) / f"{self.name}.json"

    @property
    def copies(self) -> Path:
        return Path(self.folder) / f"{self.name}.files"

    def record(self, log: Callable[[str], None] = print) -> dict:
        """Return the last run's record; {} if there is none or it cannot be read (then the step runs, and ``log``
        gets a line saying why)."""
        if not self.record_path.is_file():
            return {}
        try:
            record = json.loads(self.record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = None
        if isinstance(record, dict) and isinstance(record.get("outputs"), dict) and "key" in record:
            return record
        log(f"{self.name}: {self.record_path} is not a record this build wrote: running {self.name} again")
        return {}

    def write(self, record: dict) -> None:
        """Record the step's key, what it wrote and how it went."""
        self.record_path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.record_path, json.dumps(record, indent=1) + "\n")

    def keep_copies(self, written: dict[str, str], verify: bool = True) -> None:
        """Keep a copy of each file the step wrote, named by its hash; drop copies of files it no longer writes.

        A copy that is missing (or, if ``verify``, damaged) is made again from the file, which must be intact.
        """
        self.copies.mkdir(parents=True, exist_ok=True)
        for name, sha in written.items():
            copy = self.copies / sha
            if not copy.is_file() or (verify and file_hash(copy) != sha):
                with atomic_paths(copy) as (temp,):
                    shutil.copyfile(name, temp)
        for copy in self.copies.iterdir():
            if copy.name not in written.values():
                copy.unlink()

    def restore(self, problems: dict[str, str], recorded: dict[str, str]) -> bool:
        """Put back the kept copy of each missing or changed output and remove unexpected files; return True.

        Return False, changing nothing, if an output has no intact copy.
        """
        wanted = {name for name, problem in problems.items() if problem != "unexpected"}
        if not wanted <= recorded.keys():  # an output the step did not write last time: only running it makes it
            return False
        copies = {name: self.copies / recorded[name] for name in wanted}
        if not all(copy.is_file() and file_hash(copy) == recorded[name] for name, copy in copies.items()):
            return False
        for name in problems:
            target = Path(name)
            if name in copies:
                target.parent.mkdir(parents=True, exist_ok=True)
                with atomic_paths(target) as (temp,):
                    shutil.copyfile(copies[name], temp)
            else:
                target.unlink()
        return True


def _warn(line: str) -> None:
    print(line, file=sys.stderr)


def run_cached(
    name: str,
    inputs: Iterable[Path],
    outputs: Iterable[Path],
    action: Callable[[], None],
    extra: Iterable[str] = (),
    command: Sequence[str] = (),
    state_dir: Path = STATE_DIR,
    keep_copies: bool = True,
    log: Callable[[str], None] = _warn,
    owns: Iterable[Path] = (),
) -> str:
    """Run ``action`` unless the step's inputs and outputs are what they were when it last ran.

    The inputs are the files and folders given, the code the step runs (found from the Python files among them
    and from ``command``, the command line ``action`` runs: codeinputs.step_code) and the strings in ``command``
    and ``extra``.

    An output that is missing or differs from what the step wrote is put back from the step's own copy
    (where ``keep_copies``) or made again by running the step; ``log`` gets one line saying which.
    Returns "ran", "restored" or "reused", and records it in state_dir/NAME.json with the time taken and the
    SHA-256 of every file written. In the folders the step ``owns``, a file it did not write is removed (an
    output of an earlier version of the step), so it is never published.
    """
    inputs, outputs, owns, extra, command = list(inputs), list(outputs), list(owns), list(extra), list(command)
    state = StepState(name, state_dir)
    key = step_key(inputs, command, extra)
    previous = state.record(log)
    started = time.time()
    status = "ran"
    if previous.get("key") == key:
        problems = output_problems(previous["outputs"], [*outputs, *owns])
        said = describe(problems)  # before anything is put back
        if not problems:
            status = "reused"
        elif keep_copies and state.restore(problems, previous["outputs"]):
            status = "restored"
            log(f"{name}: {said}: put back the copy kept in {state.copies}")
        else:
            log(f"{name}: {said}: running {name} again")
    if status == "ran":
        action()
        written = _written(name, outputs)
        _remove_others(owns, written)
    else:
        written = previous["outputs"]
    if keep_copies:  # after a run, or with the outputs just found (or put back) as the step wrote them
        state.keep_copies(written, verify=status == "ran")
    seconds = time.time() - started
    state.write(
        {
            "key": key,
            "inputs": [_key_path(path) for path in inputs],
            "command": command,
            "extra": extra,
            "outputs": written,
            "status": status,
            "seconds": seconds,
            "finished": time.time(),
        }
    )
    return status


def step_key(inputs: list[Path], command: list[str], extra: list[str]) -> str:
    """Return the key of a step: its inputs, the code it runs, its command line and the extra strings."""
    return digest([*inputs, *step_code(inputs, command)], [*command, *extra])


def stale_steps(state_dir: Path = STATE_DIR) -> list[str]:
    """Return the names of the recorded steps whose inputs or code differ from when they last ran: those the
    next build runs (besides any that an earlier step's new outputs make run)."""
    stale = []
    for path in sorted(Path(state_dir).glob("*.json")):
        record = StepState(path.stem, Path(state_dir)).record(lambda line: None)
        inputs = [Path(name) for name in record.get("inputs", [])]
        try:
            current = step_key(inputs, record.get("command", []), record.get("extra", []))
        except FileNotFoundError:
            current = None
        if current != record.get("key"):
            stale.append(path.stem)
    return stale


def _remove_others(folders: Iterable[Path], written: dict[str, str]) -> None:
    """Remove every file under the folders that is not one of the files written."""
    for stale in (name for name, path in expand(folders).items() if name not in written):
        Path(stale).unlink()


def _written(name: str, outputs: list[Path]) -> dict[str, str]:
    """Return the SHA-256 of every file the step's outputs stand for; FileNotFoundError if one was not written."""
    files = expand(outputs)
    missing = [file for file, path in files.items() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"step {name} ran but did not write {', '.join(missing)}: fix its --outputs")
    return {file: file_hash(path) for file, path in files.items()}


def run_command(command: list[str], hide: str | None = None) -> int:
    """Run the command; return its exit status. Lines of its error output that start with ``hide`` are not shown.

    On Ctrl-C, which a terminal sends to the command as well, give it GRACE_SECONDS to stop on its own, kill
    it if it has not, and raise KeyboardInterrupt. While the command runs, Ctrl-C only sets a flag here (the
    command itself gets the signal as usual), so the outcome does not depend on which process sees it first.
    """
    interrupted: list[float] = []  # when Ctrl-C came
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(time.monotonic()))
    process = subprocess.Popen(command, stderr=subprocess.PIPE if hide else None, text=True)
    try:
        for line in process.stderr or ():
            if not line.startswith(hide):
                sys.stderr.write(line)
        while process.poll() is None and not (interrupted and time.monotonic() > interrupted[0] + GRACE_SECONDS):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        signal.signal(signal.SIGINT, previous)
    if interrupted or process.returncode in (-signal.SIGINT, INTERRUPTED):
        raise KeyboardInterrupt
    return process.returncode


def summary(since: float, site: Path, state_dir: Path = STATE_DIR) -> str:
    """Return the build summary: each step this build checked, what it did and its time; then each page's weight.

    A step "ran", had an output put back from its copy ("restored"), or found everything as it left it
    ("reused"). Records of steps this build did not check (a step since removed from the Makefile) are left out.
    """
    lines = ["build summary:"]
    for state_path in sorted(Path(state_dir).glob("*.json")):
        record = json.loads(state_path.read_text(encoding="utf-8"))
        if record["finished"] >= since:
            lines.append(f"  {state_path.stem:<24} {record['status']:<8} {record['seconds']:6.1f} s")
    pages = sorted(site.rglob("index.html")) if site.is_dir() else []
    if pages:
        lines.append(
            "  page weights: at most, in MB, gzipped as a static host sends them (each page and all it can load):"
        )
    for page in pages:
        name = page.parent.relative_to(site).as_posix()
        weight = page_weight(site, page.relative_to(site).as_posix())
        lines.append(f"    {'(home)' if name == '.' else name + '/':<24} {weight / 1e6:5.2f}")
    lines.append(f"  total: {time.time() - since:.1f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``run`` a cached step, or print the ``summary``."""
    parser = argparse.ArgumentParser(prog="scripts/buildstep.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a command unless its inputs and outputs are as it left them")
    run.add_argument("name")
    run.add_argument("--inputs", nargs="*", default=[], type=Path, help="data files and folders the command reads")
    run.add_argument("--outputs", nargs="+", default=[], type=Path, help="files and folders the command writes")
    run.add_argument("--env", nargs="+", default=[], metavar="VAR", help="environment variables the command reads")
    run.add_argument("--no-copies", action="store_true", help="keep no copies of the outputs: run again to heal")
    run.add_argument("--owns", nargs="+", default=[], type=Path, help="folders only this step writes into")
    commands.add_parser("stale", help="print the steps whose inputs or code changed since they last ran")
    report = commands.add_parser("summary", help="print what this build ran, restored and reused")
    report.add_argument("--since", type=float, required=True, help="the build's start, in seconds since 1970")
    report.add_argument("--site", type=Path, default=Path("site"))
    argv = sys.argv[1:] if argv is None else list(argv)
    split = argv.index("--") if "--" in argv else len(argv)
    args, command = parser.parse_args(argv[:split]), argv[split + 1 :]

    if args.command == "summary":
        print(summary(args.since, args.site))
        return 0
    if args.command == "stale":
        print("\n".join(stale_steps()))
        return 0
    if not command:
        parser.error("give the command to run after --")
    environment = [f"{var}={os.environ[var]}" if var in os.environ else f"{var} unset" for var in args.env]

    def action() -> None:
        status = run_command(command)
        if status:
            raise subprocess.CalledProcessError(status, command)

    try:
        run_cached(
            args.name,
            args.inputs,
            args.outputs,
            action,
            environment,
            command,
            keep_copies=not args.no_copies,
            owns=args.owns,
        )
    except subprocess.CalledProcessError as error:
        return 128 - error.returncode if error.returncode < 0 else error.returncode
    except KeyboardInterrupt:
        print(
            f"{parser.prog}: step {args.name} interrupted; nothing recorded: the next build does it again",
            file=sys.stderr,
        )
        return INTERRUPTED
    except (FileNotFoundError, UsageError) as error:
        print(f"{parser.prog}: error: {args.name}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
