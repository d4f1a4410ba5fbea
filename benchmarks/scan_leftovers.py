"""The leftover scan against ``find … -type f | xargs cat > /dev/null`` of the same tree.

Run by hand, never from pytest (it writes about a gigabyte and takes a few minutes)::

    python benchmarks/scan_leftovers.py                   # 10,000 files, 3 rounds
    python benchmarks/scan_leftovers.py --files 2000 --repeat 1 --dir ~/bench

It makes a throwaway vault (passphrase key file, never your keyring) holding 20
synthetic photos, and a "Pictures" tree of ``--files`` files: 20 exact copies of the
vault's photos, 20 resized or re-encoded copies of them, 1,000 unrelated photos, and
other files of random sizes (log-uniform, 200 B to 1 MiB), a few of them exactly as
large as a vault photo so that the size filter lets them through. Then, each in its own
child process (reaped with ``os.wait4``, so its peak RSS is its own):

- the exact pass (``scan(..., likely=False)``) against ``find | xargs cat``, both on a
  warm page cache, median of ``--repeat`` rounds after one warm-up;
- the likely-copy pass (``scan(..., exact=False)``) on its own.

It prints times, the ratio (target ≤ 0.5 × for the exact pass), how many files were
read, the share of planted copies found and the false positives (targets: exact 100 %
and 0; likely ≥ 95 % and ≤ 1 % of the unrelated photos), and peak RSS.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

PHOTOS: Final = 20
UNRELATED: Final = 1000
SAME_SIZE_DECOYS: Final = 40
PASSPHRASE: Final = "benchmark-only-passphrase"
TARGET_EXACT_RATIO: Final = 0.5


def _seeded(seed: int) -> random.Random:
    return random.Random(seed)  # reproducible test data, not secrets


def build(root: Path, files: int) -> dict[str, Any]:
    """The vault and the tree; returns what was planted where."""
    from PIL import Image

    from retention_agent.clock import now
    from retention_agent.demo.synthetic import photo_jpeg
    from retention_agent.policy.loader import default_policy
    from retention_agent.vault.adding import ingest_file
    from retention_agent.vault.cases import new_case
    from retention_agent.vault.keystore import PassphraseSource
    from retention_agent.vault.vault import Vault

    tree, camera = root / "Pictures", root / "camera"
    tree.mkdir()
    camera.mkdir()
    sizes: list[int] = []
    with Vault.init(root / "vault", PassphraseSource(), now()) as vault:
        policy = default_policy()
        case_id = new_case(
            vault,
            alias="Barn A",
            start=now().date(),
            policy_id=policy.id,
            policy_version=policy.version,
            policy_text=policy.text,
            now=now(),
        )
        originals = []
        for seed in range(PHOTOS):
            photo = photo_jpeg(camera / f"IMG_{seed:04d}.jpg", seed, size=(1600, 1200))
            originals.append(photo.read_bytes())
            sizes.append(photo.stat().st_size)
            ingest_file(
                vault,
                case_id=case_id,
                kind="photo",
                source=photo,
                now=now(),
                keep_original=False,
            )
    planted: dict[str, list[str]] = {"exact": [], "likely": [], "unrelated": []}
    rng = _seeded(1)
    folders = [
        tree / f"{year}" / f"{month:02d}" for year in (2024, 2025, 2026) for month in range(1, 13)
    ]
    for folder in folders:
        folder.mkdir(parents=True)
    for number, data in enumerate(originals):
        path = rng.choice(folders) / f"kopi-{number}.jpg"
        path.write_bytes(data)
        planted["exact"].append(str(path))
        with Image.open(io.BytesIO(data)) as image:
            path = rng.choice(folders) / f"chat-{number}.{('jpg', 'png', 'webp')[number % 3]}"
            scale = (0.5, 0.3, 0.25, 0.75)[number % 4]
            small = image.resize((int(1600 * scale), int(1200 * scale)))
            small.save(path, quality=(35, 50, 70, 85)[number % 4])
            planted["likely"].append(str(path))
    for number in range(UNRELATED):
        width = (640, 800, 1024, 1280)[number % 4]
        path = photo_jpeg(
            rng.choice(folders) / f"foto-{number}.jpg",
            10_000 + number,
            size=(width, width * 3 // 4),
        )
        planted["unrelated"].append(str(path))
    others = files - 2 * PHOTOS - UNRELATED
    for number in range(others):
        if number < SAME_SIZE_DECOYS:
            size = sizes[number % PHOTOS]  # let the size filter through, fingerprint differs
        else:
            size = int(math.exp(rng.uniform(math.log(200), math.log(1 << 20))))
        (rng.choice(folders) / f"fil-{number}.bin").write_bytes(rng.randbytes(size))
    return planted


def child(kind: str, root: Path, files: int) -> None:
    """One step in this (child) process, printing its result as JSON: building the
    tree, or one measured pass. The parent imports nothing heavy, so a child's peak RSS
    (which starts from its parent's at the fork) is its own."""
    if kind == "build":
        print(json.dumps(build(root, files)))
        return
    from retention_agent.scan.leftovers import scan
    from retention_agent.vault.keystore import PassphraseSource
    from retention_agent.vault.vault import Vault

    with Vault.open(root / "vault", PassphraseSource()) as vault:
        started = time.perf_counter()
        result = scan(vault, [root / "Pictures"], exact=kind == "exact", likely=kind == "likely")
        elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "seen": result.files_seen,
                "read": result.files_read,
                "images": result.images_hashed,
                "exact": [str(f.path) for f in result.exact],
                "likely": [str(f.path) for f in result.likely],
            }
        )
    )


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of one child process."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, env=env)
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            sys.exit(f"{command} failed ({process.returncode})")
        out.seek(0)
        return elapsed, usage.ru_maxrss / 1024, out.read().decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--child", choices=["build", "exact", "likely"], help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.root, args.files)
        return
    if args.files < 2 * PHOTOS + UNRELATED + SAME_SIZE_DECOYS:
        sys.exit(f"--files must be at least {2 * PHOTOS + UNRELATED + SAME_SIZE_DECOYS}")
    os.environ["RETENTION_PASSPHRASE"] = PASSPHRASE
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    root = Path(tempfile.mkdtemp(prefix="scan-bench-", dir=args.dir))
    try:
        report(root, args.files, args.repeat)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def report(root: Path, files: int, repeat: int) -> None:
    env = dict(os.environ)
    me = [sys.executable, str(Path(__file__).resolve()), "--root", str(root), "--files", str(files)]
    built_s, _rss, built = measured([*me, "--child", "build"], env)
    planted = json.loads(built)
    total = sum(p.stat().st_size for p in (root / "Pictures").rglob("*") if p.is_file())
    floor = measured([sys.executable, "-c", "pass"], env)[1]
    print(f"tree: {files} files, {total / (1 << 20):.0f} MiB, built in {built_s:.0f} s")
    print(f"peak RSS floor (python -c pass): {floor:.0f} MiB")
    baseline = f"find '{root / 'Pictures'}' -type f -print0 | xargs -0 cat > /dev/null"
    rounds: dict[str, list[tuple[float, float, str]]] = {"exact": [], "cat": []}
    for number in range(repeat + 1):  # the first round warms the page cache, uncounted
        cat = measured(["bash", "-c", baseline], env)
        exact = measured([*me, "--child", "exact"], env)
        if number:
            rounds["cat"].append(cat)
            rounds["exact"].append(exact)
    likely = measured([*me, "--child", "likely"], env)

    cat_s = statistics.median(r[0] for r in rounds["cat"])
    exact_runs = [(r[0], r[1], json.loads(r[2])) for r in rounds["exact"]]
    exact_s = statistics.median(r[2]["seconds"] for r in exact_runs)
    exact_wall = statistics.median(r[0] for r in exact_runs)
    result = exact_runs[0][2]
    found = set(result["exact"])
    wanted = set(planted["exact"])
    print(f"find | xargs cat:  {cat_s:6.2f} s  (median of {repeat})")
    print(
        f"exact pass:        {exact_s:6.2f} s scanning = {exact_s / cat_s:.2f} × cat "
        f"(target ≤ {TARGET_EXACT_RATIO}); {exact_wall:6.2f} s with the process start-up "
        f"(imports, opening the vault, scrypt) = {exact_wall / cat_s:.2f} × cat; "
        f"peak RSS {max(r[1] for r in exact_runs):.0f} MiB"
    )
    share = 100 * len(found & wanted) / len(wanted)
    print(
        f"  read {result['read']} of {result['seen']} files; found {len(found & wanted)}/"
        f"{len(wanted)} planted copies ({share:.0f} %), {len(found - wanted)} false positives"
    )
    _likely_wall, likely_rss, likely_out = likely
    likely_result = json.loads(likely_out)
    reported = set(likely_result["likely"])
    hits = reported & set(planted["likely"])
    false = reported & set(planted["unrelated"])
    seconds, images = likely_result["seconds"], likely_result["images"]
    print(
        f"likely-copy pass:  {seconds:6.2f} s for {images} pictures "
        f"({1000 * seconds / max(images, 1):.1f} ms each), peak RSS {likely_rss:.0f} MiB"
    )
    print(
        f"  resized/re-encoded copies reported: {len(hits)}/{PHOTOS} "
        f"({100 * len(hits) / PHOTOS:.0f} %, target ≥ 95 %); unrelated photos reported: "
        f"{len(false)}/{UNRELATED} ({100 * len(false) / UNRELATED:.1f} %, target ≤ 1 %)"
    )


if __name__ == "__main__":
    main()
