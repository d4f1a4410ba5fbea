"""The background agent's footprint (Linux, reads /proc).

    python benchmarks/agent_footprint.py                  # a minute idle, 20 drops
    python benchmarks/agent_footprint.py --seconds 10 --drops 5

Makes a throwaway vault (passphrase key file, never your keyring) with three cases and
1,000 small items, starts ``retention agent run --no-tray`` and measures, beside a bare
interpreter that sleeps (the baseline, same run):

- idle RSS (largest sample, one a second) and idle CPU time over ``--seconds``;
- the delay from a file's last write in the inbox to its ingest (the original gone),
  median and maximum of ``--drops`` photos, beside ``retention add`` of one such file;
- the tray process's RSS, printed beside (it is its own process), when a display is
  there or Xvfb can make one;
- the agent's peak RSS (VmHWM);
- one sweep of the lookout over a Downloads folder of ``--sweep-files`` files (copies of
  vault items, resized copies of its photos, match papers, unrelated photos and other
  files), started by a file arriving there: its time from the arrival (less the 3 s the
  lookout waits for Downloads to settle) and its CPU time (the agent's and its
  examiner's) beside ``cat`` of the same folder, what it found, the agent's RSS after it,
  and its idle CPU over ``--seconds`` / 3 after it.

HOME and the XDG folders point into the throwaway folder: your own Downloads are not
looked at. Targets: idle RSS <= 60 MiB, idle CPU <= 0.5 % of one core (also after a
sweep), inbox delay <= 2 s.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import selectors
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "benchmark-only-passphrase"
MIB = 1 << 20
TICKS = os.sysconf("SC_CLK_TCK")
KINDS = ("match_paper", "contact", "message", "photo")


def retention(*args: str) -> list[str]:
    return [sys.executable, "-m", "retention_agent", *args]


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(retention(*args), env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"retention {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return done.stdout


def status_of(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    used = int(fields[11]) + int(fields[12])  # utime + stime
    if children:
        used += int(fields[13]) + int(fields[14])  # of children waited for (the examiner)
    return used / TICKS


def idle(pid: int, seconds: float) -> tuple[int, float]:
    """Largest RSS over ``seconds`` and the CPU share of one core used meanwhile."""
    start_cpu, start = cpu_seconds(pid), time.monotonic()
    largest = 0
    while time.monotonic() - start < seconds:
        largest = max(largest, status_of(pid, "VmRSS"))
        time.sleep(1)
    used = cpu_seconds(pid) - start_cpu
    return largest, 100 * used / (time.monotonic() - start)


def plant_downloads(folder: Path, files: int, vault_files: list[Path], photos: list[Path]) -> None:
    """What a family's Downloads might hold: 20 copies of vault items, 10 resized copies
    of its photos, 5 match papers, 10 % unrelated photos, the rest other files."""
    from PIL import Image

    from retention_agent.demo.synthetic import match_paper_pdf, photo_jpeg

    folder.mkdir(parents=True)
    for n, source in enumerate(vault_files[:20]):
        (folder / f"copy-{n}{source.suffix}").write_bytes(source.read_bytes())
    for n, source in enumerate(photos[:10]):
        with Image.open(source) as image:
            image.resize((image.width // 2, image.height // 2)).save(
                folder / f"chat-{n}.jpg", quality=60
            )
    for n in range(5):
        match_paper_pdf(folder / f"profil-{n}.pdf", f"Barn {n}")
    unrelated = files // 10
    for n in range(unrelated):
        photo_jpeg(folder / f"IMG_{n:05d}.jpg", seed=1000 + n, size=(320, 240))
    for n in range(max(0, files - 35 - unrelated)):
        (folder / f"other-{n:05d}.bin").write_bytes(os.urandom(200 + (n * 7919) % 65536))


@dataclass(frozen=True)
class Swept:
    took: float  # seconds from the arrival, less the settling wait
    cpu: float
    found: int
    rss: int
    idle_cpu: float


def sweep(agent_pid: int, downloads: Path, log: Path, seconds: float) -> Swept:
    """A file arrives in Downloads; the lookout sweeps it 3 s later. Returns its figures."""
    before = log.read_text(encoding="utf-8") if log.exists() else ""
    cpu_before = cpu_seconds(agent_pid, children=True)
    started = time.monotonic()
    (downloads / "trigger.txt").write_text("a download")

    def told() -> bool:
        return "the sweep found" in log.read_text(encoding="utf-8")[len(before) :]

    wait_for(told, "the sweep", 600)
    took = time.monotonic() - started - 3.0  # DOWNLOADS_SETTLE
    cpu = cpu_seconds(agent_pid, children=True) - cpu_before
    line = next(
        line
        for line in log.read_text(encoding="utf-8")[len(before) :].splitlines()
        if "the sweep found" in line
    )
    found = int(line.split("the sweep found ")[1].split()[0])
    time.sleep(1)
    rss = status_of(agent_pid, "VmRSS")
    _rss, idle_cpu = idle(agent_pid, seconds)
    return Swept(took, cpu, found, rss, idle_cpu)


def cat_tree(folder: Path) -> float:
    started = time.monotonic()
    subprocess.run(
        f"find {shlex.quote(str(folder))} -type f -print0 | xargs -0 cat > /dev/null",
        shell=True,
        check=True,
    )
    return time.monotonic() - started


def make_vault(home: Path, env: dict[str, str], items: int, work: Path) -> list[str]:
    """Three cases and ``items`` items; a copy of every file added stays in work/kept."""
    from retention_agent.demo.synthetic import photo_jpeg

    run(env, "init")
    start = (dt.date.today() - dt.timedelta(days=100)).isoformat()
    cases = [
        run(env, "case", "new", "--child", f"Barn {n}", "--start", start).strip() for n in range(3)
    ]
    per_batch = -(-items // (len(cases) * len(KINDS)))
    made = 0
    for case in cases:
        for kind in KINDS:
            folder = work / f"{case}-{kind}"
            folder.mkdir()
            count = min(per_batch, items - made)
            for n in range(count):
                if kind == "contact":
                    text = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kontakt {made + n}\r\nEND:VCARD\r\n"
                    (folder / f"c{n}.vcf").write_text(text)
                elif kind == "photo" and n < 10:  # real photos: perceptual hashes
                    photo_jpeg(folder / f"p{n}.jpg", seed=made + n, size=(800, 600))
                else:
                    (folder / f"f{n}.bin").write_bytes(os.urandom(2048))
            kept = work / "kept" / f"{case}-{kind}"
            shutil.copytree(folder, kept)
            if count:
                run(env, "add", str(folder), "--case", case, "--kind", kind, "--yes")
            made += count
    return cases


@contextmanager
def process(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    child = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        yield child
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=30)
        # What is left of its group (dbus-run-session's bus ignores SIGTERM) goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def wait_for(done: Callable[[], bool], what: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while not done():
        if time.monotonic() > end:
            sys.exit(f"timed out waiting for {what}")
        time.sleep(0.005)


def drops(folder: Path, count: int, size: int) -> list[float]:
    delays = []
    for n in range(count):
        target = folder / f"drop-{n:03d}.jpg"
        with target.open("wb") as handle:
            handle.write(os.urandom(size))
        written = time.monotonic()
        wait_for(_gone(target), "an ingest")
        delays.append(time.monotonic() - written)
    return delays


def _gone(path: Path) -> Callable[[], bool]:
    return lambda: not path.exists()


def add_one(env: dict[str, str], case: str, work: Path, size: int) -> float:
    source = work / "one.jpg"
    source.write_bytes(os.urandom(size))
    started = time.monotonic()
    run(env, "add", str(source), "--case", case, "--kind", "photo")
    return time.monotonic() - started


@contextmanager
def display(env: dict[str, str]) -> Iterator[str | None]:
    if env.get("DISPLAY"):
        yield env["DISPLAY"]
        return
    if shutil.which("Xvfb") is None:
        yield None
        return
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-noreset"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as stream:
        number = stream.readline().strip()
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait()


def tray_rss(env: dict[str, str]) -> str:
    with display(env) as shown:
        if shown is None:
            return "not measured (no display, no Xvfb)"
        tray_env = {**env, "DISPLAY": shown, "NO_AT_BRIDGE": "1"}
        command = retention("agent", "tray")
        if "DBUS_SESSION_BUS_ADDRESS" not in env and shutil.which("dbus-run-session"):
            command = ["dbus-run-session", "--", *command]  # GTK wants a session bus
        with process(command, tray_env) as tray:
            assert tray.stdout is not None
            selector = selectors.DefaultSelector()
            selector.register(tray.stdout, selectors.EVENT_READ)
            if not selector.select(60):
                return "not measured (the tray did not start)"
            first = json.loads(tray.stdout.readline() or "{}")
            if first.get("type") != "ready":
                return f"no tray here ({first.get('reason', 'no answer')})"
            time.sleep(2)
            pid = tray.pid
            if command[0] == "dbus-run-session":  # the tray is the session's child
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
                pid = next(int(c) for c in children if "tray" in _cmdline(int(c)))
            return f"{status_of(pid, 'VmRSS') / MIB:.1f} MiB ({first['backend']} backend)"


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--drops", type=int, default=20)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--size", type=int, default=256 << 10, help="bytes per dropped file")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--sweep-files", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="agent-bench-", dir=args.dir) as temporary:
        work = Path(temporary)
        home = work / "vault"
        user = work / "home"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("XDG_")},
            "HOME": str(user),
            "XDG_CONFIG_HOME": str(user / ".config"),
            "RETENTION_HOME": str(home),
            "RETENTION_PASSPHRASE": PASSPHRASE,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "LANG": "en_GB.UTF-8",
        }
        env.pop("RETENTION_NOW", None)
        print(f"making a vault with 3 cases and {args.items} items ...", flush=True)
        cases = make_vault(home, env, args.items, work)
        kept = sorted((work / "kept").rglob("*.*"))
        downloads = user / "Downloads"
        plant_downloads(
            downloads,
            args.sweep_files,
            [p for p in kept if p.suffix == ".bin"],
            [p for p in kept if p.suffix == ".jpg"],
        )
        cat_tree(downloads)  # warm the page cache for both sides
        cat_seconds = cat_tree(downloads)

        sleeper = [sys.executable, "-c", "import time; time.sleep(1e6)"]
        with process(sleeper, env) as bare:
            time.sleep(1)
            bare_rss, bare_cpu = idle(bare.pid, min(args.seconds, 10))

        with process(retention("agent", "run", "--no-tray"), env) as agent:
            inbox = home / "Inbox" / cases[0] / "Photos"
            wait_for(inbox.is_dir, "the agent to start")
            time.sleep(2)  # let start-up work finish before measuring idle
            print(f"measuring the idle agent for {args.seconds:.0f} s ...", flush=True)
            agent_rss, agent_cpu = idle(agent.pid, args.seconds)
            delays = drops(inbox, args.drops, args.size)
            print(f"one sweep of {args.sweep_files} files in Downloads ...", flush=True)
            swept = sweep(agent.pid, downloads, home / "agent.log", args.seconds / 3)
            peak = status_of(agent.pid, "VmHWM")
        one_add = add_one(env, cases[1], work, args.size)
        tray = tray_rss(env)

    median = statistics.median(delays)
    delay_label = f"inbox delay, median of {len(delays)}"
    print()
    print(f"{'':34} {'agent':>12} {'baseline':>12} {'ratio':>8}  target")
    print(
        f"{'idle RSS (largest sample)':34} {agent_rss / MIB:>9.1f} MiB {bare_rss / MIB:>8.1f} MiB "
        f"{agent_rss / bare_rss:>8.2f}  <= 60 MiB {'ok' if agent_rss <= 60 * MIB else 'MISSED'}"
    )
    print(
        f"{'idle CPU, % of one core':34} {agent_cpu:>11.3f}% {bare_cpu:>11.3f}% {'':>8}  "
        f"<= 0.5 % {'ok' if agent_cpu <= 0.5 else 'MISSED'}"
    )
    print(
        f"{delay_label:34} {median:>10.3f} s {one_add:>10.3f} s "
        f"{median / one_add:>8.2f}  <= 2 s {'ok' if median <= 2 else 'MISSED'}"
    )
    print(f"{'inbox delay, largest':34} {max(delays):>10.3f} s")
    print(
        f"{'sweep of Downloads, wall':34} {swept.took:>10.2f} s {cat_seconds:>10.2f} s "
        f"{swept.took / cat_seconds:>8.2f}  (baseline: cat of the folder)"
    )
    print(f"{'sweep, CPU (agent + examiner)':34} {swept.cpu:>10.2f} s")
    print(f"{'sweep, found (planted: 35)':34} {swept.found:>12}")
    print(f"{'RSS after the sweep':34} {swept.rss / MIB:>9.1f} MiB")
    idle_after = swept.idle_cpu
    print(
        f"{'idle CPU after it, % of one core':34} {idle_after:>11.3f}%"
        f"{'':>22}  <= 0.5 % {'ok' if idle_after <= 0.5 else 'MISSED'}"
    )
    print(f"{'agent peak RSS (VmHWM)':34} {peak / MIB:>9.1f} MiB")
    print(f"{'tray process RSS (beside)':34} {tray}")
    print("baseline: a bare interpreter sleeping; for the delay, 'retention add' of one file")


if __name__ == "__main__":
    main()
