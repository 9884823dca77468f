"""The command line run in the test's own process: no interpreter start and torch import per case."""

import subprocess

from convlab.cli import main


def convlab_in_process(*args, cwd, monkeypatch, capsys):
    """Run the command line's ``main(ARGS)`` in this process in ``cwd``; return it as a completed process. Where
    tests use it for refusals, test_cli checks the real subprocess of each command as well."""
    monkeypatch.chdir(cwd)
    try:
        status = main(list(args))
    except SystemExit as exit:  # argparse's own refusals
        status = exit.code
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(["convlab", *args], status, captured.out, captured.err)
