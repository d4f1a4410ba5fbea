"""Photo export vs. decrypting the same items vs. ``cp`` of the originals, and how soon the
wizard's grid of 500 thumbnails is usable; with the peak memory of each.

Run by hand, never from pytest (it writes a few GiB and takes minutes)::

    python benchmarks/export_photos.py                      # 500 photos of ~3 MB, 3 rounds
    python benchmarks/export_photos.py --count 100 --repeat 5 --dir ~/bench

One run makes seeded photos with EXIF (camera, serial number, date, GPS) in a temporary
folder under ``--dir``, a throwaway vault (passphrase key file, never your keyring) with
an ended case holding them, then times, each in its own process:

* ``export``: ``export_photos`` into a folder (decrypt, strip losslessly, write, fsync,
  record with keyed fingerprints) and into zip files;
* ``decrypt``: ``catalog.export_item`` of every photo, which is what ``retention open``
  does for one (decrypt, write, fsync), the baseline (target: export <= 1.5 x);
* ``cp`` of the originals, and ``cp`` + ``sync``;
* the check of the export (read back, fingerprints, metadata);
* the wizard: Debian's Chromium opens the grid of every photo; the time until its HTML
  is ready, and until every thumbnail in view is shown (target 2 s), cold and warm.

Times are measured inside each child around the work itself (interpreter start-up
excluded) and as wall time of the whole child. Peak RSS comes from ``wait4`` of each
child, spawned by a bare ``python -S`` process so the number is its own. The folder is
removed at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

TARGET_EXPORT_RATIO: Final = 1.5
TARGET_GRID_SECONDS: Final = 2.0
PASSPHRASE: Final = "benchmark-only-passphrase"
START: Final = dt.date(2026, 3, 1)
ENDED: Final = dt.date(2027, 3, 1)
TODAY: Final = "2027-03-05"
BASES: Final = 6  # distinct pictures; each photo gets its own EXIF, so its own bytes
CHROMIUM: Final = Path("/usr/lib/chromium/chromium")

# Spawns one command, passes its stdout through, and writes its wall time and rusage to
# a file. Being tiny, its own memory is the floor of the child's peak RSS (a child's
# ru_maxrss starts from the high-water mark of the process that spawned it).
SPAWNER: Final = r"""
import json, os, sys, time
start = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"code": os.waitstatus_to_exitcode(status), "wall": time.perf_counter() - start,
               "maxrss": usage.ru_maxrss}, out)
"""


@dataclass(frozen=True)
class Sample:
    seconds: float  # the work itself (wall time of the child for non-Python commands)
    wall: float
    rss_mib: float


class Measured:
    """A child process started through the spawner; its stdout can be read while it runs."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], work: Path) -> None:
        self.report = Path(tempfile.mkstemp(dir=work, suffix=".json")[1])
        self.process = subprocess.Popen(
            [sys.executable, "-S", "-I", "-c", SPAWNER, str(self.report), *argv],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )

    def finish(self) -> tuple[Sample, dict[str, object]]:
        stdout, _ = self.process.communicate()
        result = json.loads(self.report.read_text())
        if result["code"] != 0:
            raise SystemExit(f"a measured command failed (exit {result['code']})")
        lines = [line for line in stdout.splitlines() if line.startswith("{")]
        value: dict[str, object] = json.loads(lines[-1]) if lines else {}
        seconds = float(value.get("seconds", result["wall"]))  # type: ignore[arg-type]
        rss = result["maxrss"] * (1 if sys.platform == "darwin" else 1024) / (1 << 20)
        return Sample(seconds, result["wall"], rss), value


def measure(
    argv: Sequence[str], env: dict[str, str], work: Path
) -> tuple[Sample, dict[str, object]]:
    os.sync()  # the write-back of the step before is not this step's cost
    return Measured(argv, env, work).finish()


def child(*args: str | Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", *map(str, args)]


# --- The photos and the vault ---------------------------------------------------------


def make_photos(folder: Path, count: int, size_mb: float) -> list[Path]:
    """``count`` JPEGs of about ``size_mb`` MB: seeded noise (it barely compresses) with
    a phone's EXIF, each photo's date and serial number its own."""
    from PIL import ExifTags, Image
    from PIL.TiffImagePlugin import IFDRational

    # Noise at quality 90 takes about 0.91 bytes a pixel; 4:3 like a phone photo.
    width = int((size_mb * 1e6 / 0.91 * 4 / 3) ** 0.5)
    height = width * 3 // 4
    bases = []
    for seed in range(BASES):
        noise = random.Random(seed).randbytes(width * height * 3)
        out = io.BytesIO()
        Image.frombytes("RGB", (width, height), noise).save(out, "JPEG", quality=90)
        bases.append(out.getvalue())
    folder.mkdir()
    paths = []
    for number in range(count):
        exif = Image.Exif()
        exif[ExifTags.Base.Make] = "BenchCam"
        exif[ExifTags.Base.Model] = "Phone 15"
        exif[ExifTags.Base.Orientation] = 1 + number % 8
        photo = exif.get_ifd(ExifTags.IFD.Exif)
        taken = dt.datetime(2026, 6, 1) + dt.timedelta(minutes=number)
        photo[ExifTags.Base.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S")
        photo[ExifTags.Base.BodySerialNumber] = f"BENCH-{number:06d}"
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps[ExifTags.GPS.GPSLatitude] = (IFDRational(55), IFDRational(40), IFDRational(number))
        gps[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps[ExifTags.GPS.GPSLongitude] = (IFDRational(12), IFDRational(34), IFDRational(5))
        payload = b"Exif\0\0" + exif.tobytes()
        segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
        base = bases[number % BASES]
        path = folder / f"IMG_{number:04d}.jpg"
        path.write_bytes(base[:2] + segment + base[2:])
        paths.append(path)
    return paths


def make_vault(home: Path, photos: list[Path]) -> str:
    from retention_agent.lifecycle import record_end
    from retention_agent.policy.loader import default_policy
    from retention_agent.vault.adding import add_files
    from retention_agent.vault.cases import new_case
    from retention_agent.vault.keystore import PassphraseSource
    from retention_agent.vault.vault import Vault

    now = dt.datetime.combine(START, dt.time(12)).astimezone()
    with Vault.init(home, PassphraseSource(), now) as vault:
        policy = default_policy()
        case_id = new_case(
            vault,
            alias="Barn A (benchmark)",
            start=START,
            policy_id=policy.id,
            policy_version=policy.version,
            policy_text=policy.text,
            now=now,
        )
        add_files(vault, case_id=case_id, kind="photo", paths=photos, now=now, keep_originals=True)
        record_end(vault, case_id, ENDED, ENDED, "child-family")
    return case_id


# --- What the children do --------------------------------------------------------------


def run_child(mode: str, args: list[str]) -> None:
    from retention_agent import clock
    from retention_agent.paths import vault_home
    from retention_agent.vault import catalog
    from retention_agent.vault.keystore import PassphraseSource
    from retention_agent.vault.vault import Vault

    home, passphrase = vault_home(), PassphraseSource()
    if mode == "wizard":
        from retention_agent.wizard.server import start
        from retention_agent.wizard.session import VaultAccess

        with Vault.open(home, passphrase, read_only=True) as vault:
            store = vault.store
        wizard = start(
            VaultAccess(home, passphrase, store),
            language="da",
            case_id=args[0],
            default_destination=Path(args[1]),
        )
        print(json.dumps({"url": wizard.url}), flush=True)
        wizard.wait(idle_timeout=120, finish_grace=0.2)
        return
    with Vault.open(home, passphrase) as vault:
        if mode in ("export", "zip"):
            from retention_agent.export.run import ExportOptions, export_photos

            options = ExportOptions(Path(args[1]), as_zip=mode == "zip")
            started = time.perf_counter()
            result = export_photos(vault, args[0], options, clock.now())
            seconds = time.perf_counter() - started
            print(json.dumps({"seconds": seconds, "record": result.record_id}))
        elif mode == "decrypt":
            photos = catalog.list_items(vault, case_id=args[0], kind="photo")
            started = time.perf_counter()
            for photo in photos:
                catalog.export_item(vault, photo.id, Path(args[1]))
            print(json.dumps({"seconds": time.perf_counter() - started}))
        elif mode == "check":
            from retention_agent.export.check import check_export
            from retention_agent.export.records import get_export

            record = get_export(vault, int(args[0]))
            started = time.perf_counter()
            ok = check_export(vault, record).ok
            print(json.dumps({"seconds": time.perf_counter() - started, "ok": ok}))


# --- The wizard's grid -----------------------------------------------------------------

VISIBLE_LOADED: Final = (
    "Array.from(document.images)"
    ".filter(i => i.getBoundingClientRect().top < window.innerHeight)"
    ".every(i => i.complete && i.naturalWidth > 0)"
)


@dataclass(frozen=True)
class GridTimes:
    html: float  # the grid's page is loaded and can be used (boxes, buttons)
    visible: float  # and every thumbnail in view is shown
    warm_visible: float  # the same again, thumbnails now cached in memory
    rss_mib: float  # the wizard's peak


def time_grid(env: dict[str, str], work: Path, case_id: str) -> GridTimes | None:
    if not CHROMIUM.exists():
        print(f"(no {CHROMIUM}: the wizard's grid is not timed)")
        return None
    from playwright.sync_api import Page, sync_playwright

    def until_visible(page: Page, started: float) -> float:
        while not page.evaluate(VISIBLE_LOADED):
            page.wait_for_timeout(10)
        return time.perf_counter() - started

    wizard = Measured(child("wizard", case_id, work), env, work)
    assert wizard.process.stdout is not None
    url = json.loads(wizard.process.stdout.readline())["url"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)  # step 1
        grid = page.url.rsplit("/", 1)[0] + "/2"
        started = time.perf_counter()
        page.goto(grid, wait_until="domcontentloaded")
        html = time.perf_counter() - started
        visible = until_visible(page, started)
        started = time.perf_counter()
        page.reload(wait_until="domcontentloaded")
        warm = until_visible(page, started)
        page.goto(grid.rsplit("/", 1)[0] + "/1")
        page.locator("main form button.secondary").click()  # close the guide
        browser.close()
    sample, _ = wizard.finish()
    return GridTimes(html, visible, warm, sample.rss_mib)


# --- The benchmark ----------------------------------------------------------------------


def benchmark(work: Path, count: int, size_mb: float, repeat: int) -> None:
    env = {
        **os.environ,
        "RETENTION_HOME": str(work / "vault"),
        "RETENTION_PASSPHRASE": PASSPHRASE,
        "RETENTION_NOW": TODAY,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    os.environ.update(env)
    print(f"Making {count} photos of ~{size_mb:g} MB with EXIF and GPS in {work} …")
    photos = make_photos(work / "originals", count, size_mb)
    total = sum(path.stat().st_size for path in photos)
    case_id = make_vault(work / "vault", photos)
    samples: dict[str, list[Sample]] = {}
    record = 0
    for round_number in range(repeat):
        for mode in ("decrypt", "export", "zip"):
            out = work / f"{mode}-{round_number}"
            out.mkdir()
            sample, value = measure(child(mode, case_id, out), env, work)
            samples.setdefault(mode, []).append(sample)
            if mode == "export":
                record = int(value["record"])  # type: ignore[call-overload]
            if mode != "export" or round_number < repeat - 1:
                shutil.rmtree(out)
        out = work / f"cp-{round_number}"
        out.mkdir()
        copied, _ = measure(["cp", *map(str, photos), str(out)], env, work)
        synced, _ = Measured(["sync", "-f", str(out)], env, work).finish()
        samples.setdefault("cp", []).append(copied)
        both = Sample(copied.seconds + synced.seconds, copied.wall + synced.wall, copied.rss_mib)
        samples.setdefault("cp + sync", []).append(both)
        shutil.rmtree(out)
    checked, _ = measure(child("check", str(record)), env, work)
    grid = time_grid(env, work, case_id)
    report(count, total, repeat, samples, checked, grid)


def median(values: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.seconds for s in values),
        statistics.median(s.wall for s in values),
        max(s.rss_mib for s in values),
    )


def report(
    count: int,
    total: int,
    repeat: int,
    samples: dict[str, list[Sample]],
    checked: Sample,
    grid: GridTimes | None,
) -> None:
    base = median(samples["decrypt"]).seconds
    labels = {
        "decrypt": "decrypt each photo (what `open` does)",
        "export": "export, stripped, into a folder",
        "zip": "export, stripped, into zip files",
        "cp": "cp of the originals",
        "cp + sync": "cp + sync",
    }
    print()
    print(f"{count} photos, {total / 1e9:.2f} GB ({total / count / 1e6:.1f} MB each), "
          f"median of {repeat}")  # fmt: skip
    print(f"{'':40} {'work s':>8} {'wall s':>8} {'MB/s':>7} {'× decrypt':>10} {'peak RSS':>10}")
    for mode, label in labels.items():
        row = median(samples[mode])
        ratio = row.seconds / base
        target = f"  (target ≤ {TARGET_EXPORT_RATIO})" if mode == "export" else ""
        print(
            f"{label:40} {row.seconds:8.2f} {row.wall:8.2f} {total / 1e6 / row.seconds:7.0f} "
            f"{ratio:10.2f} {row.rss_mib:7.0f} MiB{target}"
        )
    print(f"{'check of one export (read back)':40} {checked.seconds:8.2f} {checked.wall:8.2f} "
          f"{total / 1e6 / checked.seconds:7.0f} {'':10} {checked.rss_mib:7.0f} MiB")  # fmt: skip
    export_ratio = median(samples["export"]).seconds / base
    verdict = "met" if export_ratio <= TARGET_EXPORT_RATIO else "MISSED"
    print(f"Export vs decrypt: {export_ratio:.2f} × (target ≤ {TARGET_EXPORT_RATIO}: {verdict})")
    if grid is not None:
        met = "met" if grid.visible <= TARGET_GRID_SECONDS else "MISSED"
        print(
            f"Wizard grid of {count} photos: page usable in {grid.html:.2f} s, thumbnails in "
            f"view shown in {grid.visible:.2f} s (target ≤ {TARGET_GRID_SECONDS} s: {met}), "
            f"again with thumbnails cached: {grid.warm_visible:.2f} s; "
            f"wizard peak RSS {grid.rss_mib:.0f} MiB"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--size-mb", type=float, default=3.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        run_child(options.child[0], options.child[1:])
        return 0
    work = Path(tempfile.mkdtemp(prefix="retention-export-bench-", dir=options.dir))
    try:
        benchmark(work, options.count, options.size_mb, options.repeat)
    except KeyboardInterrupt:
        print("Stopped.")
        return 130
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
