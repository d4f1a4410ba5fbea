"""How to start ``retention …`` as another process, from a normal install and from a
frozen build alike.

A frozen build (PyInstaller and the like sets ``sys.frozen``) is one executable with
no interpreter to pass ``-m`` to: ``sys.executable`` *is* ``retention``. A normal
install runs the package with the interpreter that runs us now, so a child process
sees exactly the same code and libraries (a venv's ``gi``, for instance).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

PACKAGE = "retention_agent"
SCRIPT = "retention"


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def retention_command(*args: str) -> list[str]:
    """The command line for ``retention ARGS`` in a child process started now."""
    if is_frozen():
        return [sys.executable, *args]
    return [sys.executable, "-m", PACKAGE, *args]


def installed_command(*args: str) -> list[str]:
    """The command line a login item should run: the installed ``retention`` program,
    which keeps working when the interpreter that runs us now is upgraded in place.
    Falls back to :func:`retention_command` where no such program can be found (a
    checkout run with ``python -m``)."""
    if is_frozen():
        return [sys.executable, *args]
    name = f"{SCRIPT}.exe" if os.name == "nt" else SCRIPT
    beside = Path(sys.executable).with_name(name)  # a venv's bin/ or Scripts/
    if beside.is_file():
        return [str(beside), *args]
    found = shutil.which(SCRIPT)
    if found:
        return [str(Path(found).absolute()), *args]
    return retention_command(*args)
