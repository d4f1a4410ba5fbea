"""Ingest vs. ``cp``, decrypt vs. ``cat``, peak memory and start-up imports of ``retention``.

Run by hand, never from pytest (it writes several GiB and takes minutes)::

    python benchmarks/ingest_vs_cp.py                      # 1 GiB, 3 repeats
    python benchmarks/ingest_vs_cp.py --size 256M --repeat 5 --dir ~/bench

Every measured command is its own child process, reaped with ``os.wait4`` so its peak
RSS is its own. The source file, the throwaway vault and every copy live in one
temporary folder under ``--dir``: the same file system, so ``cp`` and ``retention add``
pay for the same disk. The folder is removed at the end, also on Ctrl-C. Needs GNU
coreutils (``cp``, ``cat``, ``sync FILE``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Final

from retention_agent.demo.synthetic import large_file

TARGET_INGEST_RATIO: Final = 2.5
TARGET_RSS_MIB: Final = 64.0
HEAVY_MODULES: Final = ("watchdog", "plyer", "PIL", "fpdf")
PASSPHRASE: Final = "benchmark-only-passphrase"
# File systems where fsync costs (almost) nothing: numbers there flatter the vault.
MEMORY_FILE_SYSTEMS: Final = frozenset({"tmpfs", "ramfs"})
_UNITS: Final = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


# --- Helpers -------------------------------------------------------------------------


def parse_size(text: str) -> int:
    """``1073741824``, ``256M``, ``1G``, ``512MiB``: binary units."""
    match = re.fullmatch(r"\s*(\d+)\s*([KMGT]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 1G or 256M)")
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def file_system_of(path: Path) -> tuple[str, str]:
    """(type, mount point) of the file system holding ``path``; ("?", "?") if unknown."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return "?", "?"
    resolved = str(path.resolve())
    best: tuple[str, str] = ("?", "?")
    best_length = -1
    for line in lines:
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5 or not right:
            continue
        mount = fields[4].replace("\\040", " ")
        inside = resolved == mount or resolved.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) > best_length:
            best, best_length = (right.split()[0], mount), len(mount)
    return best


def default_dir() -> Path:
    """The system temp folder if it is on a disk, else the current folder."""
    temp = Path(tempfile.gettempdir())
    if file_system_of(temp)[0] in MEMORY_FILE_SYSTEMS:
        return Path.cwd()
    return temp


def maxrss_mib(maxrss: int) -> float:
    """``ru_maxrss`` is KiB on Linux, bytes on macOS."""
    scale = 1 if sys.platform == "darwin" else 1024
    return maxrss * scale / (1 << 20)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


# --- Running children ----------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    rss_mib: float

    def __add__(self, other: Sample) -> Sample:
        """Two commands run one after the other: times add up, memory does not."""
        return Sample(
            self.wall + other.wall, self.cpu + other.cpu, max(self.rss_mib, other.rss_mib)
        )


# A child's ru_maxrss includes the memory of the process that spawned it (the kernel
# records the old address space's high-water mark at exec). So children are not spawned
# by this process, which holds the generator and a 1 MiB buffer, but by a bare
# ``python -S`` launcher; its own RSS is the floor of every number (printed, ~8 MiB).
LAUNCHER: Final = r"""
import json, os, signal, sys, time

def serve():
    for line in sys.stdin:
        job = json.loads(line)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)]
        actions += [(os.POSIX_SPAWN_OPEN, fd, job[name], flags, 0o600)
                    for fd, name in ((1, "stdout"), (2, "stderr"))]
        start = time.perf_counter()
        pid = os.posix_spawnp(job["argv"][0], job["argv"], job["env"], file_actions=actions)
        try:
            _, status, usage = os.wait4(pid, 0)
        except BaseException:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise
        wall = time.perf_counter() - start
        print(json.dumps({"code": os.waitstatus_to_exitcode(status), "wall": wall,
                          "cpu": usage.ru_utime + usage.ru_stime, "maxrss": usage.ru_maxrss}),
              flush=True)

signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
try:
    serve()
except (KeyboardInterrupt, SystemExit, BrokenPipeError):
    sys.exit(1)
"""


class Runner:
    """Runs commands one at a time through the launcher and collects their samples."""

    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.work = work
        self.env = env
        self.logs = work / "logs"
        self.logs.mkdir()
        self.count = 0
        self.launcher = subprocess.Popen(
            [sys.executable, "-S", "-I", "-c", LAUNCHER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def close(self) -> None:
        """Stop the launcher; it kills a command still running."""
        if self.launcher.poll() is None:
            self.launcher.terminate()
        self.launcher.wait()
        if self.launcher.stdin:
            self.launcher.stdin.close()
        if self.launcher.stdout:
            self.launcher.stdout.close()

    def run(
        self, argv: Sequence[str | Path], *, stdout: Path | None = None, flush: bool = True
    ) -> tuple[Sample, str, str]:
        """Run one command to completion; returns its sample, stdout (unless sent to
        ``stdout``) and stderr. Dirty pages of earlier steps are flushed first, off the
        clock, so no command pays for the write-back of the one before."""
        if flush:
            os.sync()
        self.count += 1
        out_path = stdout or self.logs / f"{self.count}.out"
        err_path = self.logs / f"{self.count}.err"
        job = {
            "argv": [str(arg) for arg in argv],
            "env": self.env,
            "stdout": str(out_path),
            "stderr": str(err_path),
        }
        pipe_in, pipe_out = self.launcher.stdin, self.launcher.stdout
        if pipe_in is None or pipe_out is None:
            raise RuntimeError("the launcher has no pipes")
        pipe_in.write(json.dumps(job) + "\n")
        reply = pipe_out.readline()
        if not reply:
            raise SystemExit("the launcher died")
        result = json.loads(reply)
        stdout_text = "" if stdout else out_path.read_text(errors="replace")
        stderr_text = err_path.read_text(errors="replace")
        if result["code"] != 0:
            command = " ".join(job["argv"])
            raise SystemExit(f"{command} failed (exit {result['code']}):\n{stderr_text}")
        sample = Sample(result["wall"], result["cpu"], maxrss_mib(result["maxrss"]))
        return sample, stdout_text, stderr_text

    def sample(
        self, argv: Sequence[str | Path], *, stdout: Path | None = None, flush: bool = True
    ) -> Sample:
        return self.run(argv, stdout=stdout, flush=flush)[0]


def retention(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "retention_agent", *map(str, args)]


# --- Import-time check ---------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    total_ms: float
    top: list[tuple[str, float]]
    heavy: dict[str, float | None]


def parse_importtime(stderr: str) -> ImportReport:
    """Sum the top-level entries of ``-X importtime`` (microseconds, cumulative)."""
    top_level: list[tuple[str, float]] = []
    packages: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line[len("import time:") :].split("|")
        if len(fields) != 3 or not fields[1].strip().isdigit():
            continue  # the header line
        cumulative_ms = int(fields[1]) / 1000
        name_field = fields[2][1:]
        name = name_field.strip()
        root = name.split(".")[0]
        packages[root] = max(packages.get(root, 0.0), cumulative_ms)
        if not name_field.startswith(" "):
            top_level.append((name, cumulative_ms))
    total = sum(ms for _, ms in top_level)
    top = sorted(top_level, key=lambda entry: entry[1], reverse=True)[:6]
    return ImportReport(total, top, {module: packages.get(module) for module in HEAVY_MODULES})


# --- The benchmark -------------------------------------------------------------------


@dataclass
class Row:
    label: str
    samples: list[Sample]
    target: str = ""
    ratio: str = ""
    max_ratio: float | None = None  # target for the first ratio (vs. the plain baseline)
    first_ratio: float | None = None

    @property
    def wall(self) -> float:
        return statistics.median(sample.wall for sample in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(sample.cpu for sample in self.samples)

    @property
    def rss(self) -> float:
        return max(sample.rss_mib for sample in self.samples)


def child_env(work: Path) -> dict[str, str]:
    """The user's environment without any RETENTION_* (never their real vault), pointed
    at the throwaway vault with its key in a passphrase key file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RETENTION_", "PYTHON"))}
    return env | {
        "RETENTION_HOME": str(work / "vault"),
        "RETENTION_PASSPHRASE": PASSPHRASE,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "LANG": "C.UTF-8",
    }


def run_benchmark(
    runner: Runner, work: Path, size: int, repeat: int, warmup: int, priming: bool
) -> tuple[list[Row], dict[str, ImportReport]]:
    source, copy, opened = work / "source.bin", work / "copy.bin", work / "opened"

    def prime() -> None:
        """Free ``size`` bytes of recently used page cache just before a command writes.

        In a VM, memory the guest has not touched lately (or handed back to the host)
        costs a host fault per page: on a Firecracker guest, writing 1 GiB into such
        pages took ~2 s instead of ~0.3 s. Without priming, whichever command keeps its
        output (ingest keeps its blob) or follows one that did pays that. Off the clock.
        """
        if priming:
            scratch = work / "prime.bin"
            subprocess.run(["cp", source, scratch], check=True)
            os.sync()
            scratch.unlink()

    print(f"Generating {size / (1 << 20):.0f} MiB of seeded random data …", flush=True)
    large_file(source, size)
    runner.run(retention("init"))
    case_json = runner.run(
        retention("case", "new", "--child", "Bench", "--start", "2026-03-01", "--json")
    )[1]
    case_id = json.loads(case_json)["id"]
    runner.run(retention("status"))  # warm up: byte-compiled modules, page cache of the venv

    labels = {
        "floor": "true (launcher RSS floor)",
        "cp": "cp SRC DST",
        "cp_sync": "cp SRC DST + sync DST",
        "add": "retention add (ingest)",
        "cat": "cat SRC > DST",
        "cat_sync": "cat SRC > DST + sync DST",
        "open": "retention open (decrypt)",
        "status": "retention status",
    }
    rows = {name: Row(label, []) for name, label in labels.items()}
    item_id = ""
    # Rounds interleave the commands, so drift (other load, a filling disk) hits all alike.
    for round_number in range(1 - warmup, repeat + 1):
        if round_number < 1:
            print("Warm-up round (not counted) …", flush=True)
        else:
            print(f"Round {round_number}/{repeat} …", flush=True)
        if round_number == 1:
            for row in rows.values():
                row.samples.clear()
        rows["floor"].samples.append(runner.sample(["true"]))

        prime()
        rows["cp"].samples.append(runner.sample(["cp", source, copy]))
        copy.unlink()
        prime()
        cp_sample = runner.sample(["cp", source, copy])
        rows["cp_sync"].samples.append(cp_sample + runner.sample(["sync", copy], flush=False))
        copy.unlink()

        prime()
        add_sample, out, _ = runner.run(
            retention(
                "add", source, "--case", case_id, "--kind", "photo", "--keep-original", "--json"
            )
        )
        rows["add"].samples.append(add_sample)
        item_id = item_id or json.loads(out)[0]["id"]

        prime()
        rows["cat"].samples.append(runner.sample(["cat", source], stdout=copy))
        copy.unlink()
        prime()
        cat_sample = runner.sample(["cat", source], stdout=copy)
        rows["cat_sync"].samples.append(cat_sample + runner.sample(["sync", copy], flush=False))
        copy.unlink()

        opened.mkdir()
        prime()
        rows["open"].samples.append(runner.sample(retention("open", item_id, "--to", opened)))
        shutil.rmtree(opened)

        rows["status"].samples.append(runner.sample(retention("status")))

    rss_target = f"≤ {TARGET_RSS_MIB:.0f} MiB"
    add, cp, cp_sync = rows["add"], rows["cp"], rows["cp_sync"]
    add.first_ratio, add.max_ratio = add.wall / cp.wall, TARGET_INGEST_RATIO
    add.ratio = f"{add.first_ratio:.2f}× cp, {add.wall / cp_sync.wall:.2f}× cp+sync"
    add.target = f"≤ {TARGET_INGEST_RATIO}× cp, {rss_target}"
    decrypt, cat, cat_sync = rows["open"], rows["cat"], rows["cat_sync"]
    decrypt.ratio = (
        f"{decrypt.wall / cat.wall:.2f}× cat, {decrypt.wall / cat_sync.wall:.2f}× cat+sync"
    )
    decrypt.target = rows["status"].target = rss_target

    imports = {}
    for label in ("status", "--help"):
        command = [sys.executable, "-X", "importtime", "-m", "retention_agent", label]
        imports[label] = parse_importtime(runner.run(command)[2])
    return list(rows.values()), imports


def verdict(row: Row) -> str:
    if not row.target:
        return ""
    misses = []
    ratio, limit = row.first_ratio, row.max_ratio
    if ratio is not None and limit is not None and ratio > limit:
        misses.append("time")
    if row.rss > TARGET_RSS_MIB:
        misses.append("RSS")
    return "MISS " + "+".join(misses) if misses else "ok"


def print_report(
    rows: list[Row], imports: dict[str, ImportReport], size: int, repeat: int, where: str
) -> None:
    print()
    print(f"{size / (1 << 20):.0f} MiB incompressible, median of {repeat}, {where}")
    width = max(8, 5 * repeat - 1)
    header = (
        f"{'operation':<26} {'wall s':>7} {'cpu s':>6} {'MB/s':>7} {'peak RSS':>9}  "
        f"{'runs (s)':<{width}} {'ratio':<26} {'target':<22} verdict"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        moves_data = row.label.startswith(("cp", "cat", "retention add", "retention open"))
        rate = f"{size / row.wall / 1e6:7.0f}" if moves_data else f"{'—':>7}"
        runs = " ".join(f"{sample.wall:.2f}" for sample in row.samples)
        print(
            f"{row.label:<26} {row.wall:7.2f} {row.cpu:6.2f} {rate} {row.rss:6.1f} MiB  "
            f"{runs:<{width}} {row.ratio:<26} {row.target:<22} {verdict(row)}"
        )
    print(
        "wall and cpu s are medians, peak RSS the maximum over the runs. GNU cp copies in the\n"
        "kernel (copy_file_range) and does not fsync; cat copies through user space; retention\n"
        "add and open fsync (compare with the '+ sync DST' rows). Every RSS includes the\n"
        "launcher's floor (first row)."
    )
    print()
    for label, report in imports.items():
        print(
            f"python -X importtime -m retention_agent {label}: {report.total_ms:.0f} ms of imports"
        )
        print("  largest: " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in report.top))
        heavy = ", ".join(
            f"{module} {'not imported' if ms is None else f'IMPORTED ({ms:.0f} ms)'}"
            for module, ms in report.heavy.items()
        )
        print(f"  {heavy}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--size", type=parse_size, default=1 << 30, help="test file size (default 1G)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="uncounted rounds first: page cache, byte-compiled modules, a VM's first touch of "
        "its memory (default 1)",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="where the temporary folder goes; use the disk you care about (default: the "
        "system temp folder unless it is tmpfs, then the current folder)",
    )
    parser.add_argument(
        "--no-prime",
        dest="prime",
        action="store_false",
        help="do not free recently used page cache before each write (see prime())",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0:
        parser.error("--repeat must be at least 1, --warmup at least 0")
    base: Path = args.dir or default_dir()
    fs_type, mount = file_system_of(base)
    where = f"{base} ({fs_type} at {mount})"
    if fs_type in MEMORY_FILE_SYSTEMS:
        print(f"Warning: {base} is {fs_type}: fsync is free there, numbers flatter the vault.")
    needed = args.size * (args.warmup + args.repeat + 4) + (64 << 20)
    free = shutil.disk_usage(base).free
    if needed > free:
        parser.error(
            f"needs {needed / (1 << 30):.1f} GiB free in {base}, has {free / (1 << 30):.1f}"
        )

    signal.signal(signal.SIGTERM, _terminate)
    work = Path(tempfile.mkdtemp(prefix="retention-bench-", dir=base))
    print(f"Working in {work} on {fs_type} (mounted at {mount})", flush=True)
    try:
        runner = Runner(work, child_env(work))
        try:
            rows, imports = run_benchmark(
                runner, work, args.size, args.repeat, args.warmup, args.prime
            )
        finally:
            runner.close()
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(work, ignore_errors=True)
        print(f"Removed {work}", flush=True)
    print_report(rows, imports, args.size, args.repeat, where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
