"""A frozen build (PyInstaller, Briefcase) is one executable with no ``python -m``: the
demo, which runs every step as its own process, must start ``retention`` through
``launch`` and so work frozen as well as not.

The frozen build is simulated faithfully: an executable ``retention`` that sets
``sys.frozen`` and makes itself ``sys.executable``, exactly what PyInstaller's bootloader
does, and that has no ``-m`` (a real frozen executable hands ``-m`` to click, which
refuses it as an unknown option)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

LAUNCHER = """#!{python}
import sys
sys.frozen = True
sys.executable = {path!r}
from retention_agent.entry import main
main()
"""


def test_the_demo_plays_in_a_frozen_build(tmp_path: Path) -> None:
    app = tmp_path / "Hjem til Os" / "retention"
    app.parent.mkdir()
    app.write_text(LAUNCHER.format(python=sys.executable, path=str(app)))
    app.chmod(app.stat().st_mode | stat.S_IXUSR)
    env = dict(os.environ, RETENTION_HOME=str(tmp_path / "demo-vault"))
    refused = subprocess.run(
        [str(app), "-m", "retention_agent", "status"], env=env, capture_output=True, check=False
    )
    assert refused.returncode == 2  # like the real thing: no interpreter behind it
    played = subprocess.run(
        [str(app), "demo", "--lang", "en"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert played.returncode == 0, played.stdout[-2000:] + played.stderr
    assert "Demo finished" in played.stdout
