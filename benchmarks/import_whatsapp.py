"""``retention import`` of a WhatsApp export against ``unzip`` of the same file, and the
import's peak memory.

Run by hand, never from pytest (it writes a few hundred MiB and takes minutes)::

    python benchmarks/import_whatsapp.py                       # 50,000 messages, 500 photos
    python benchmarks/import_whatsapp.py --photos 100 --repeat 5 --dir ~/bench

The export (an Android "Export chat" zip: the chat text, photos of phone size, and
voice notes, stickers and videos among them) is generated in a child process, so this
process stays small. Each repeat copies the zip (off the clock), then times ``unzip``
of one copy and ``retention import`` of another into a new case of a throwaway vault,
each a child process reaped with ``os.wait4`` so its peak RSS is its own. Both write to
the same file system, under ``--dir``; the folder is removed at the end, also on Ctrl-C.
Target: import ≤ 2 × unzip.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

TARGET_RATIO: Final = 2.0
PASSPHRASE: Final = "benchmark-only-passphrase"
GENERATE: Final = """
import sys
from pathlib import Path
from retention_agent.demo import exports
path, messages, photos = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
media = exports.media(photos, variant="android", size=(1600, 1200), grain=0.2)
exports.whatsapp_zip(path, "android", messages, media)
"""


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    rss_mib: float


def run(argv: list[str], env: dict[str, str], stdout: Path) -> Sample:
    """One child process to completion, with its own time and peak memory."""
    os.sync()  # earlier steps' dirty pages are flushed off the clock
    with stdout.open("wb") as out:
        start = time.perf_counter()
        child = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    errors = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}):\n{errors}")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: KiB on Linux
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * scale / (1 << 20))


def retention(*args: str) -> list[str]:
    return [sys.executable, "-m", "retention_agent", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--photos", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    if shutil.which("unzip") is None:
        raise SystemExit("needs unzip (apt-get install unzip)")
    work = Path(tempfile.mkdtemp(prefix="retention-import-bench-", dir=args.dir))
    try:
        measure(work, args.messages, args.photos, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(work: Path, messages: int, photos: int, repeat: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETENTION_")}
    env |= {
        "RETENTION_HOME": str(work / "vault"),
        "RETENTION_PASSPHRASE": PASSPHRASE,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "LANG": "en_GB.UTF-8",
    }
    export = work / "WhatsApp Chat.zip"
    print(f"Generating an export: {messages:,} messages, {photos:,} attachments ...")
    subprocess.run(
        [sys.executable, "-c", GENERATE, str(export), str(messages), str(photos)],
        env=env,
        check=True,
    )
    size_mib = export.stat().st_size / (1 << 20)
    print(f"  {size_mib:.1f} MiB zipped, in {work}")
    log = work / "out.log"
    subprocess.run(retention("init"), env=env, check=True, capture_output=True)
    floor = run([sys.executable, "-c", "pass"], env, log)
    unzips: list[Sample] = []
    imports: list[Sample] = []
    for number in range(repeat):
        for name in ("unzip", "import"):
            shutil.copyfile(export, work / f"{name}.zip")
        unzips.append(
            run(["unzip", "-q", str(work / "unzip.zip"), "-d", str(work / "out")], env, log)
        )
        shutil.rmtree(work / "out")
        created = subprocess.run(
            retention(
                "case", "new", "--child", f"Bench {number}", "--start", "2026-03-01", "--json"
            ),
            env=env,
            check=True,
            capture_output=True,
        )
        case = json.loads(created.stdout)["id"]
        imports.append(
            run(retention("import", str(work / "import.zip"), "--case", case, "--json"), env, log)
        )
        result = json.loads(log.read_text())[0]
        if (work / "import.zip").exists() or sum(result["added"].values()) != photos + 1:
            raise SystemExit(f"the import did not take the whole export: {result['added']}")
        (work / "unzip.zip").unlink()
    unzip_wall = statistics.median(s.wall for s in unzips)
    import_wall = statistics.median(s.wall for s in imports)
    ratio = import_wall / unzip_wall
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"unzip            {unzip_wall:7.2f} s  (median of {repeat})")
    import_cpu = statistics.median(s.cpu for s in imports)
    print(f"retention import {import_wall:7.2f} s  cpu {import_cpu:.2f} s")
    print(f"ratio            {ratio:7.2f} ×  ({verdict} the target of ≤ {TARGET_RATIO} ×)")
    print(
        f"peak memory      {max(s.rss_mib for s in imports):7.1f} MiB (import)"
        f"  {max(s.rss_mib for s in unzips):.1f} MiB (unzip)"
        f"  {floor.rss_mib:.1f} MiB (python -c pass)"
    )


if __name__ == "__main__":
    main()
