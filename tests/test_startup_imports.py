"""``retention status`` and ``retention --help`` must not import the heavy optional
packages: file watching (watchdog), notifications (plyer), the tray (pystray, gi), images
(PIL, and imagehash with numpy, scipy and PyWavelets) and PDF (fpdf, pypdf) are only for
the commands that need them. Checked in a real child process with ``-X importtime``,
whose report lists every module imported. No timing is asserted."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import TEST_PASSPHRASE
from tests.support.processes import python_module

HEAVY = (
    *("watchdog", "plyer", "pystray", "gi", "PIL", "fpdf", "imagehash", "numpy", "scipy"),
    *("pywt", "pypdf", "flask", "werkzeug", "jinja2", "av", "pillow_heif"),
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["RETENTION_PASSPHRASE"] = TEST_PASSPHRASE
    env["PYTHON_KEYRING_BACKEND"] = os.environ["PYTHON_KEYRING_BACKEND"]
    return env


def _retention(*args: str, importtime: bool = False) -> subprocess.CompletedProcess[str]:
    flags = ["-X", "importtime"] if importtime else []
    return python_module("retention_agent", *args, env=_env(), flags=flags)


def imported_modules(stderr: str) -> list[tuple[int, str]]:
    """(nesting level, module) for each ``import time: self | cumulative | name`` line,
    in the order printed: a module's own imports come before it."""
    modules = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line.split("|")
        if len(fields) != 3 or not fields[1].strip().isdigit():
            continue  # the header
        name_field = fields[2][1:]
        name = name_field.strip()
        modules.append(((len(name_field) - len(name_field.lstrip(" "))) // 2, name))
    return modules


def import_chain(modules: list[tuple[int, str]], package: str) -> str:
    """``fpdf <- retention_agent.demo.synthetic <- ...``: who imported ``package``."""
    start = next(i for i, (_, name) in enumerate(modules) if name.split(".")[0] == package)
    level, name = modules[start]
    chain = [name]
    for later_level, later_name in modules[start + 1 :]:
        if later_level < level:
            chain.append(later_name)
            level = later_level
    return " <- ".join(chain)


@pytest.fixture
def vault_with_case() -> None:
    for args in (("init",), ("case", "new", "--child", "Barn A", "--start", "2026-03-01")):
        result = _retention(*args)
        assert result.returncode == 0, result.stderr


@pytest.mark.usefixtures("vault_with_case")
@pytest.mark.parametrize("args", [("status",), ("--help",)], ids=["status", "help"])
def test_command_does_not_import_heavy_packages(args: tuple[str, ...]) -> None:
    result = _retention(*args, importtime=True)
    assert result.returncode == 0, result.stderr

    modules = imported_modules(result.stderr)
    names = {name for _, name in modules}
    assert "retention_agent.cli" in names, "no -X importtime report on stderr"
    heavy = sorted({name.split(".")[0] for name in names} & set(HEAVY))
    chains = "\n".join(import_chain(modules, package) for package in heavy)
    assert not heavy, f"`retention {' '.join(args)}` imports {heavy}:\n{chains}"


def test_import_chain_names_the_importers() -> None:
    report = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:        10 |         10 |     fpdf.enums",
            "import time:        20 |         30 |   fpdf",
            "import time:         5 |          5 |   click",
            "import time:        30 |         65 | retention_agent.demo",
            "import time:        40 |        105 | retention_agent.cli",
        ]
    )
    modules = imported_modules(report)
    assert modules[0] == (2, "fpdf.enums")
    assert modules[-1] == (0, "retention_agent.cli")
    assert (1, "click") in modules
    assert import_chain(modules, "fpdf") == ("fpdf.enums <- fpdf <- retention_agent.demo")
