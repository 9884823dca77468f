"""The ``convlab`` command (and ``python -m convlab``): the command line of cli.py, loaded so that a Ctrl-C
while it loads ends in one line, as it does once it runs."""

import sys


def main() -> int:
    """Load the command line and run it; return the exit status."""
    try:
        from convlab.cli import main as command_line
    except KeyboardInterrupt:
        print("convlab: interrupted while starting; nothing was written", file=sys.stderr)
        return 130
    return command_line()


if __name__ == "__main__":
    sys.exit(main())
