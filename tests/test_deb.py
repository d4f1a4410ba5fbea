"""``make deb`` builds a package that installs, runs the demo from the installed command
and removes without a trace. It changes the system (installs and removes a package), so
it runs only where it is asked for: ``RETENTION_TEST_DEB=1`` as root on Debian."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OPT_IN = "RETENTION_TEST_DEB"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get(OPT_IN) != "1",
        reason=f"installs a system package: set {OPT_IN}=1 (as root, on Debian 12) to run it",
    ),
]


def sh(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, check=False, env=env, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def test_build_install_demo_remove(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("needs root and apt-get")
    built = sh("make", "-C", str(ROOT), "deb").stdout.strip().splitlines()[-1]
    package = ROOT / built
    files = sh("dpkg-deb", "--contents", str(package)).stdout
    for expected in (
        "./usr/bin/retention",
        "./etc/xdg/autostart/retention-agent.desktop",
        "./usr/share/applications/dk.redbarnet.retention-photos.desktop",
        "./usr/share/icons/hicolor/scalable/apps/retention-agent.svg",
    ):
        assert expected in files
    sh("apt-get", "-o", "DPkg::Lock::Timeout=120", "install", "-y", str(package))
    try:
        listed = sh("dpkg", "-L", "retention-agent").stdout.split()
        users_vault = tmp_path / "home" / "vault"
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path / "home"),
            "RETENTION_HOME": str(users_vault),
            "LANG": "C.UTF-8",
        }
        demo = sh("/usr/bin/retention", "demo", "--lang", "en", env=env)
        assert "Demo finished" in demo.stdout
        assert users_vault.is_dir()
        version = sh("/usr/bin/retention", "--help", env=env)
        assert "retention" in version.stdout
    finally:
        sh("apt-get", "-o", "DPkg::Lock::Timeout=120", "remove", "-y", "retention-agent")
    left = [path for path in listed if Path(path).is_file() or Path(path).is_symlink()]
    assert left == []
    assert not Path("/opt/retention-agent").exists()
    assert users_vault.is_dir()  # the users' data is theirs: removal never touches it
