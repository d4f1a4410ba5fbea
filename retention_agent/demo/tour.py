"""The demo: real ``retention`` commands, each in its own process, against a throwaway
vault filled with synthetic data, printed as a person would type and see them.

The demo vault keeps its key in a key file with a fixed demo passphrase, so the
family's real OS keyring is never touched.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from retention_agent.demo import synthetic
from retention_agent.demo.agent_step import show_agent
from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_, Language, _, format_date
from retention_agent.launch import retention_command

DEMO_PASSPHRASE = "demo-only-passphrase"  # noqa: S105 - protects synthetic data only
DEMO_START = dt.date(2026, 3, 1)
Echo = Callable[[str], None]


class DemoFolderNotEmpty(RetentionError):
    message = N_("The demo needs an empty folder; RETENTION_HOME points to one that is not empty.")
    exit_code = ExitCode.REFUSED


class DemoStepFailed(RetentionError):
    message = N_("The demo stopped: step '{step}' failed with exit code {code}.")
    exit_code = ExitCode.FAILURE


@dataclass
class Tour:
    home: Path
    inbox: Path
    language: Language
    echo: Echo
    today: dt.date = DEMO_START
    step: int = 0
    cases: dict[str, str] = field(default_factory=dict)

    def heading(self, text: str) -> None:
        self.step += 1
        self.echo("")
        self.echo(f"== {self.step}. {text}")

    def run(self, *args: str, show: bool = True, expect: int = 0) -> str:
        """Run one ``retention`` command as its own process and echo it with its output."""
        shown = " ".join(_quote(arg) for arg in args)
        self.echo(f"$ RETENTION_NOW={self.today.isoformat()} retention {shown}")
        result = subprocess.run(
            retention_command(*args, "--lang", self.language),
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if show:
            for line in result.stdout.rstrip().splitlines():
                self.echo("  " + line)
        for line in result.stderr.rstrip().splitlines():
            # The RETENTION_NOW note is already visible in the command line above.
            if "RETENTION_NOW" not in line:
                self.echo("  " + line)
        if result.returncode != expect:
            raise DemoStepFailed(step=shown, code=result.returncode)
        return result.stdout

    def env(self) -> dict[str, str]:
        """The environment of every demo command: the demo vault, its day, its key file."""
        return dict(
            os.environ,
            RETENTION_HOME=str(self.home),
            RETENTION_NOW=self.today.isoformat(),
            RETENTION_PASSPHRASE=DEMO_PASSPHRASE,
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )


def _quote(arg: str) -> str:
    return f'"{arg}"' if " " in arg else arg


def prepare_home(home: Path) -> None:
    if home.exists() and any(home.iterdir()):
        raise DemoFolderNotEmpty()


def play(tour: Tour) -> None:
    """A Hjem til Os year with two children: A continues privately (R1), B ends (R2)."""
    tour.heading(_("A new, empty vault (the key goes into a key file for the demo)"))
    tour.run("init")
    a = _new_case(tour, "A", "Barn A (demo)", DEMO_START)
    _fill_case(tour, a, "Barn A (demo)", photos=3)
    tour.today = DEMO_START + dt.timedelta(days=45)
    b = _new_case(tour, "B", "Barn B (demo)", tour.today)
    _fill_case(tour, b, "Barn B (demo)", photos=2)

    tour.heading(_("What the vault holds, and that nothing readable is on disk"))
    tour.run("list", "--case", a)
    _show_nothing_readable(tour, ["Barn A (demo)", "matchpapir.pdf", "IMG_0001.jpg"])

    tour.heading(_("Taking one photo out again, into a folder you choose"))
    photos = json.loads(tour.run("list", "--case", a, "--kind", "photo", "--json"))
    out = tour.inbox / "udtaget"
    out.mkdir()
    tour.run("open", photos[0]["id"], "--to", str(out))

    tour.today = dt.date(2027, 1, 30)
    tour.heading(_("30 days before the year ends: the status reminds you to decide"))
    tour.run("status")
    show_agent(tour, a)

    tour.today = dt.date(2027, 2, 10)
    tour.heading(_("Family B has a concern and tells Red Barnet; a hold keeps everything (C2)"))
    tour.run(
        "hold",
        "--case",
        b,
        "--until",
        "2027-02-19",
        "--reason",
        "Bekymring videregivet til kontaktpersonen",
    )
    tour.heading(_("Child B's family ends the relationship early (R2)"))
    tour.run("case", "end", "--case", b, "--initiated-by", "child-family")
    tour.run("apply", "--dry-run")
    tour.today = dt.date(2027, 2, 20)
    tour.heading(_("The hold is over: messages and the match paper go at once (R2a)"))
    tour.run("apply")
    tour.heading(_("The photos are offered to the child's family first (R2b)"))
    tour.run("plan", "--case", b)
    tour.today = dt.date(2027, 2, 22)
    tour.heading(
        _("The family wants them: clean copies, without place or camera data, in zip files")
    )
    outbox = tour.inbox / "til-familien"
    outbox.mkdir()
    tour.run(
        "export",
        "photos",
        "--case",
        b,
        "--to",
        str(outbox),
        "--zip",
        "--family-consent",
        "yes",
        "--child-consent",
        "yes",
    )
    tour.today = dt.date(2027, 2, 24)
    tour.heading(_("The photos have been sent: photos and contact details go (R2b)"))
    tour.run("case", "export-done", "--case", b)
    tour.run("apply")
    tour.heading(_("Outside the vault: the checklist for case B"))
    tour.run(
        "checklist",
        "--case",
        b,
        "--done",
        "phone-contacts",
        "sms-chat",
        "email",
        "cloud-photos",
        "social-media",
    )

    tour.heading(
        _("Copies the program left outside the vault: the sent zip file and the opened photo")
    )
    # Only the demo's own folder: the demo never looks at the family's real Downloads.
    tour.run("scan", str(tour.inbox), "--remove")

    tour.heading(_("Family A will continue privately after the year (R1)"))
    tour.run("case", "continue", "--case", a)
    tour.run("plan", "--case", a)

    tour.today = dt.date(2027, 3, 1)
    tour.heading(_("The year ends: the match paper goes, as family A continues privately (R1)"))
    tour.run("apply")
    tour.run("status")

    tour.heading(_("The receipts: what was deleted, when and why, with no names"))
    tour.run("receipts")
    tour.echo("")
    tour.echo(_("Demo finished on {date}.").format(date=format_date(tour.today)))


def _new_case(tour: Tour, key: str, alias: str, start: dt.date) -> str:
    tour.heading(_("A match: one case per child; only an alias, stored encrypted"))
    case_id = tour.run(
        "case", "new", "--child", alias, "--start", start.isoformat(), show=False
    ).strip()
    tour.echo("  " + case_id)
    tour.cases[key] = case_id
    return case_id


def _fill_case(tour: Tour, case_id: str, alias: str, photos: int) -> None:
    folder = tour.inbox / case_id
    folder.mkdir()
    tour.heading(_("The match paper, contact details, photos and messages go into the vault"))
    paper = synthetic.match_paper_pdf(folder / "matchpapir.pdf", alias)
    tour.run("add", str(paper), "--case", case_id, "--kind", "match_paper")
    vcf = synthetic.contact_vcf(folder / "kontakter.vcf", synthetic.demo_contacts(alias))
    tour.run("add", str(vcf), "--case", case_id, "--kind", "contact")
    pictures = [
        synthetic.photo_jpeg(
            folder / f"IMG_{n:04d}.jpg", seed=n, taken=dt.datetime(2026, 3 + n, 10, 15, 0)
        )
        for n in range(1, photos + 1)
    ]
    tour.run("add", *map(str, pictures), "--case", case_id, "--kind", "photo")
    chat = synthetic.message_txt(folder / "chat.txt", alias)
    tour.run("add", str(chat), "--case", case_id, "--kind", "message")


def _show_nothing_readable(tour: Tour, needles: list[str]) -> None:
    names = sorted(p.name for p in (tour.home / "blobs").iterdir())
    tour.echo(
        "  "
        + _("{count} encrypted files with random names, e.g. {name}").format(
            count=len(names), name=names[0]
        )
    )
    leaked = _plaintext_found(tour.home, [needle.encode() for needle in needles])
    tour.echo(
        "  "
        + _("Alias or file names found in the vault's files: {found}").format(
            found=_("yes") if leaked else _("no")
        )
    )


def _plaintext_found(home: Path, needles: list[bytes]) -> bool:
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                return True
    return False
