"""An installed ``retention`` must find its policy, both catalogs and the login item
templates: they ship in the wheel (the policy through the ``retention_agent/policies``
link to ``policies/``, the templates through ``desktop/templates``)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_policy_and_catalogs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("retention_agent-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "retention_agent/policies/hjem-til-os.toml" in names
    for language in ("da", "en"):
        assert f"retention_agent/locale/{language}/LC_MESSAGES/retention.po" in names
    for template in (
        "retention-agent.desktop",
        "dk.redbarnet.retention-agent.plist",
        "retention-agent.vbs",
    ):
        shipped_template = zipfile.ZipFile(wheel).read(
            f"retention_agent/desktop/templates/{template}"
        )
        assert shipped_template == (ROOT / "packaging" / "autostart" / template).read_bytes()
    for page in (
        "wizard/templates/step2.html",
        "wizard/static/wizard.css",
        "wizard/static/wizard.js",
    ):
        assert f"retention_agent/{page}" in names  # the wizard's pages and their style
    shipped = zipfile.ZipFile(wheel).read("retention_agent/policies/hjem-til-os.toml")
    assert shipped == (ROOT / "policies" / "hjem-til-os.toml").read_bytes()
    assert not any(name.startswith(("tests/", "tools/", "benchmarks/")) for name in names)
