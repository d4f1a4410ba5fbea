"""The ``retention`` command's entry point, kept free of imports so that a Ctrl-C while
the program is still loading ends it quietly (exit 130, nothing changed) instead of
printing Python's traceback."""

from __future__ import annotations

import sys

INTERRUPTED = 130


def main() -> None:
    try:
        from retention_agent.cli import main as run
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED)
    run()
