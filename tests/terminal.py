"""Running a command as in a reader's shell, where progress bars show."""

import fcntl
import os
import struct
import subprocess
import termios
from pathlib import Path


def run_in_terminal(command: list, cwd: Path) -> tuple[int, str]:
    """Run ``command`` with a pseudo-terminal as its stdout and stderr, as in a reader's shell; return its exit
    status and everything it wrote there."""
    leader, follower = os.openpty()
    # A new pseudo-terminal is 0 columns wide, where tqdm draws nothing: give it a window's size (rows, columns).
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the command has closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(), b"".join(chunks).decode(errors="replace")
