"""The ``retention`` command's entry point, kept free of imports so that a Ctrl-C while
the program is still loading ends it quietly (exit 130, nothing changed) instead of
printing Python's traceback."""

from __future__ import annotations

import signal
import sys

INTERRUPTED = 130


def main() -> None:
    try:
        from retention_agent.cli import main as run
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED)
    try:
        run()
    except KeyboardInterrupt:
        # Outside the command itself: it has done and said all it will (a Ctrl-C inside
        # it is answered there, with what was done).
        sys.exit(INTERRUPTED)
    finally:
        # From here on it is Python's own shutdown, which puts back the default handler:
        # a Ctrl-C then would kill the process after a finished command, exit -2.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
