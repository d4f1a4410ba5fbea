"""Run ``retention add SRC --case CASE --kind photo`` in this process, and interrupt it
right after the ingest step STEP (see ``retention_agent.vault.ingest``), the way a
power cut (``kill``: SIGKILL) or a person (``int``: SIGINT, Ctrl-C) would.

Usage (from the repository root, or with it on PYTHONPATH)::

    python -m tests.support.crash_ingest {kill|int} STEP SRC CASE

STEP ``overwriting`` interrupts half-way through overwriting the original with zeros.
The vault is the one at RETENTION_HOME with the passphrase-protected key file
(RETENTION_PASSPHRASE). Exit status: SIGKILL, or the command's own exit code (130 after
a Ctrl-C); 2 for bad usage; 3 if the command finished without ever reaching STEP (the
test must then fail, not pass vacuously).
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from pathlib import Path
from typing import Any

from retention_agent.cli import main as retention_main
from retention_agent.vault import adding, files

STEPS = ("written", "committed", "verified", "overwriting", "removed")
SIGNALS = {"kill": signal.SIGKILL, "int": signal.SIGINT}
BAD_USAGE = 2
STEP_NEVER_REACHED = 3


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] not in SIGNALS or argv[1] not in STEPS:
        print(f"usage: crash_ingest {{kill|int}} {{{'|'.join(STEPS)}}} SRC CASE", file=sys.stderr)
        return BAD_USAGE
    mode, step, source, case_id = argv
    reached = []

    def interrupt() -> None:
        reached.append(step)
        os.kill(os.getpid(), SIGNALS[mode])

    def hook(name: str) -> None:
        if name == step:
            interrupt()

    ingest_parts = adding.ingest_parts  # type: ignore[attr-defined]

    @functools.wraps(ingest_parts)
    def with_hook(*args: Any, **kwargs: Any) -> Any:
        return ingest_parts(*args, **{**kwargs, "on_step": hook})

    setattr(adding, "ingest_parts", with_hook)  # noqa: B010 - replacing the imported name
    if step == "overwriting":
        setattr(files, "overwrite_and_unlink", _half_then(interrupt))  # noqa: B010

    sys.argv = ["retention", "add", source, "--case", case_id, "--kind", "photo"]
    try:
        retention_main()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    else:
        code = 0
    if not reached:
        print(f"the command finished without reaching step {step!r}", file=sys.stderr)
        return STEP_NEVER_REACHED
    return code


def _half_then(interrupt: Any) -> Any:
    """An overwrite that zeroes the first half of the file, syncs, then is interrupted."""
    overwrite = files.overwrite_and_unlink

    def half(path: Path, **options: Any) -> None:
        size = path.stat().st_size
        with path.open("r+b") as handle:
            handle.write(bytes(size // 2))
            handle.flush()
            os.fsync(handle.fileno())
        interrupt()
        overwrite(path, **options)  # reached only after a Ctrl-C: the step then finishes

    return half


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
