"""Start-up of `retention status` and adding many files at once, against baselines
measured in the same run. Run by hand (Linux; needs dbus-daemon and gnome-keyring for
the OS-keyring rows, which are skipped with a note where they are missing):

    python benchmarks/startup_and_batches.py [--repeat 7] [--dir /var/tmp]

Prints, with medians of ``--repeat`` runs and the peak RSS of each command:
- `retention status` with the OS keyring (Secret Service) and with the key file, as a
  ratio to `python -c "import click"` (target: keyring ≤ 2.5 ×; the key file is bound
  by its KDF by design);
- `retention add --keep-original` of 300 photos of 3 MB, as a ratio to `cp -r` + `sync`
  (target ≤ 1.5 ×), and of 5,000 files of 2 KB (target ≤ 3 s);
- the extra cost of removing (overwriting) the originals, as its own figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.secret_service import secret_service, unavailable_reason  # noqa: E402

PASSPHRASE = "benchmark passphrase, not secret"


def timed(command: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one run of ``command``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return wall, usage.ru_maxrss / 1024


def median_of(repeat: int, run: Callable[[], tuple[float, float]]) -> tuple[float, float]:
    samples = [run() for _ in range(repeat)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def retention(*args: str) -> list[str]:
    return [sys.executable, "-m", "retention_agent", *args]


def make_vault(env: dict[str, str], cases: int = 3, items: int = 20) -> None:
    subprocess.run(retention("init"), env=env, check=True, stdout=subprocess.DEVNULL)
    inbox = Path(env["RETENTION_HOME"]).parent / "seed"
    inbox.mkdir()
    for case in range(cases):
        created = subprocess.run(
            retention("case", "new", "--child", f"Barn {case}", "--start", "2026-03-01"),
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        for item in range(items):
            (inbox / f"{case}-{item}.txt").write_bytes(os.urandom(2048))
        subprocess.run(
            retention(
                "add", str(inbox), "--yes", "--case", created.stdout.strip(), "--kind", "message"
            ),
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def startup(work: Path, repeat: int, base_env: dict[str, str]) -> None:
    click_wall, click_rss = median_of(
        repeat, lambda: timed([sys.executable, "-c", "import click"], base_env)
    )
    print(f"python -c 'import click'      {click_wall * 1000:7.0f} ms  {click_rss:5.1f} MiB")
    keyfile_env = {
        **base_env,
        "RETENTION_HOME": str(work / "keyfile" / "vault"),
        "RETENTION_PASSPHRASE": PASSPHRASE,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    (work / "keyfile").mkdir()
    make_vault(keyfile_env)
    wall, rss = median_of(repeat, lambda: timed(retention("status"), keyfile_env))
    print(
        f"retention status (key file)   {wall * 1000:7.0f} ms  {rss:5.1f} MiB  "
        f"{wall / click_wall:4.1f} × import click (bound by the KDF, by design)"
    )
    reason = unavailable_reason()
    if reason:
        print(f"retention status (OS keyring) skipped: {reason}")
        return
    with secret_service(work / "ss") as address:
        keyring_env = {
            **base_env,
            "RETENTION_HOME": str(work / "keyring" / "vault"),
            "DBUS_SESSION_BUS_ADDRESS": address,
        }
        keyring_env.pop("PYTHON_KEYRING_BACKEND", None)
        (work / "keyring").mkdir()
        make_vault(keyring_env)
        wall, rss = median_of(repeat, lambda: timed(retention("status"), keyring_env))
        print(
            f"retention status (OS keyring) {wall * 1000:7.0f} ms  {rss:5.1f} MiB  "
            f"{wall / click_wall:4.1f} × import click (target ≤ 2.5 ×)"
        )


def make_files(folder: Path, count: int, size: int) -> Path:
    """``count`` files of about ``size`` bytes, each different in content and, as photos
    from a phone are, in length (±10 %)."""
    folder.mkdir(parents=True)
    block = os.urandom(size + size // 10)
    for number in range(count):
        length = size - size // 10 + (number * 7919) % (size // 5 + 1)
        (folder / f"IMG_{number:05d}.jpg").write_bytes(number.to_bytes(4, "big") + block[4:length])
    return folder


def batch(
    work: Path, repeat: int, base_env: dict[str, str], count: int, size: int, kind: str
) -> None:
    source = make_files(work / f"src-{count}", count, size)
    total_mb = count * size / 1e6

    def copy_and_sync() -> tuple[float, float]:
        target = work / "cp-target"
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run(["sync"], check=True)  # each timing starts on a disk with no backlog
        start = time.perf_counter()
        subprocess.run(["cp", "-r", str(source), str(target)], check=True)
        subprocess.run(["sync"], check=True)
        return time.perf_counter() - start, 0.0

    runs = iter(range(1000))

    def add(keep: bool) -> tuple[float, float]:
        env = {
            **base_env,
            "RETENTION_HOME": str(work / f"vault-{next(runs)}"),
            "RETENTION_PASSPHRASE": PASSPHRASE,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        subprocess.run(retention("init"), env=env, check=True, stdout=subprocess.DEVNULL)
        case = subprocess.run(
            retention("case", "new", "--child", "Barn", "--start", "2026-03-01"),
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        files = source
        if not keep:
            files = work / "to-remove"
            shutil.rmtree(files, ignore_errors=True)
            shutil.copytree(source, files)
        subprocess.run(["sync"], check=True)  # the vault syncs its file system once per batch
        flags = ["--keep-original"] if keep else []
        result = timed(
            retention("add", str(files), "--yes", "--case", case, "--kind", kind, *flags), env
        )
        shutil.rmtree(env["RETENTION_HOME"])
        return result

    cp_wall, _ = median_of(repeat, copy_and_sync)
    keep_wall, keep_rss = median_of(repeat, lambda: add(True))
    remove_wall, _ = median_of(repeat, lambda: add(False))
    print(f"{count} files of {size // 1000} kB ({total_mb:.0f} MB), as {kind}s:")
    print(f"  cp -r + sync                      {cp_wall:6.2f} s")
    print(
        f"  retention add --keep-original     {keep_wall:6.2f} s  {keep_rss:5.1f} MiB  "
        f"{keep_wall / cp_wall:4.2f} × cp -r + sync"
    )
    print(
        f"  retention add (originals removed) {remove_wall:6.2f} s  "
        # Signed: within the noise of a slow disk, removing can come out faster.
        f"({remove_wall - keep_wall:+.2f} s for overwriting and removing the originals)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("RETENTION_")}
    base_env["PYTHONPATH"] = str(ROOT)
    work = Path(tempfile.mkdtemp(prefix="retention-bench-", dir=args.dir))
    try:
        startup(work, args.repeat, base_env)
        # Photos get a perceptual hash each (retention scan); small files are messages.
        batch(work, max(3, args.repeat // 2), base_env, 300, 3_000_000, "photo")
        batch(work, max(3, args.repeat // 2), base_env, 5000, 2_000, "message")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
