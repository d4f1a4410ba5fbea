"""``retention verify`` against ``cat`` of the same blobs, and the key file's KDF cost.
Run by hand (Linux):

    python benchmarks/verify_and_kdf.py [--items 200] [--size 5M] [--repeat 3] [--dir DIR]

Prints, from one run:
- verify's throughput as a share of ``cat blobs/* > /dev/null`` (target ≥ 0.5 ×), with
  the page cache warm for both, and its peak RSS;
- the scrypt unlock of the key file (n = 2^17, r = 8, p = 1): time and the memory it adds
  to a process, measured as the peak RSS of a process that only unlocks, against one
  that only imports the same modules.
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
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "benchmark passphrase, not secret"


COLD = False  # set by --cold


def drop_caches() -> None:
    subprocess.run(["sync"], check=True)
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def run(command: Sequence[str], env: dict[str, str], shell: bool = False) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one run."""
    if COLD:
        drop_caches()
    start = time.perf_counter()
    process = subprocess.Popen(
        command if not shell else ["/bin/sh", "-c", " ".join(command)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {command}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def median(
    repeat: int, command: Sequence[str], env: dict[str, str], shell: bool = False
) -> tuple[float, float]:
    samples = [run(command, env, shell) for _ in range(repeat)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def _checking_seconds(env: dict[str, str]) -> float:
    """How long verify's checks take once the vault is open (its throughput)."""
    if COLD:
        drop_caches()
    script = (
        "import time\n"
        "from retention_agent.paths import vault_home\n"
        "from retention_agent.vault.keystore import PassphraseSource\n"
        "from retention_agent.vault.vault import Vault\n"
        "from retention_agent.verify import verify\n"
        "with Vault.open(vault_home(), PassphraseSource(), read_only=True, untouched=True) as v:\n"
        "    start = time.perf_counter()\n"
        "    assert verify(v).ok\n"
        "    print(time.perf_counter() - start)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
    )
    return float(done.stdout)


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1].upper()] if text[-1:].upper() in units else int(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--size", type=parse_size, default=5 << 20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument(
        "--cold",
        action="store_true",
        help="drop the page cache before each timed run (root; Linux): read from the disk",
    )
    args = parser.parse_args(argv)
    global COLD
    COLD = args.cold
    work = Path(tempfile.mkdtemp(prefix="retention-verify-", dir=args.dir))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETENTION_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "RETENTION_HOME": str(work / "vault"),
        "RETENTION_PASSPHRASE": PASSPHRASE,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    retention = [sys.executable, "-m", "retention_agent"]
    try:
        subprocess.run([*retention, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
        case = subprocess.run(
            [*retention, "case", "new", "--child", "Barn", "--start", "2026-03-01"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        inbox = work / "inbox"
        inbox.mkdir()
        block = os.urandom(args.size)
        for number in range(args.items):
            (inbox / f"{number}.bin").write_bytes(number.to_bytes(4, "big") + block[4:])
        subprocess.run(
            [*retention, "add", str(inbox), "--yes", "--case", case, "--kind", "photo"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        blobs = work / "vault" / "blobs"
        total = sum(p.stat().st_size for p in blobs.iterdir())
        cat = median(args.repeat, ["cat", f"{blobs}/*", ">", "/dev/null"], env, shell=True)
        command = median(args.repeat, [*retention, "verify"], env)
        checking = statistics.median(_checking_seconds(env) for _ in range(args.repeat))
        cache = "read from the disk" if args.cold else "page cache warm"
        print(f"{args.items} blobs, {total / 1e6:.0f} MB ({cache})")
        print(f"  cat > /dev/null           {cat[0]:6.2f} s  {total / cat[0] / 1e6:7.0f} MB/s")
        print(
            f"  verify, checking          {checking:6.2f} s  {total / checking / 1e6:7.0f} MB/s"
            f"  {cat[0] / checking:4.2f} × cat (target ≥ 0.5)"
        )
        print(
            f"  retention verify, whole   {command[0]:6.2f} s  peak {command[1]:5.1f} MiB"
            "  (with start-up and the key file's KDF)"
        )
        kdf = (
            "from cryptography.hazmat.primitives.kdf.scrypt import Scrypt\n"
            "Scrypt(salt=bytes(16), length=32, n=1 << 17, r=8, p=1).derive(b'x' * 20)\n"
        )
        bare = "from cryptography.hazmat.primitives.kdf.scrypt import Scrypt\n"
        unlock = median(args.repeat, [sys.executable, "-c", kdf], env)
        base = median(args.repeat, [sys.executable, "-c", bare], env)
        print(
            f"key file unlock (scrypt n=2^17, r=8): {unlock[0] - base[0]:.2f} s, "
            f"+{unlock[1] - base[1]:.0f} MiB while it runs"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
