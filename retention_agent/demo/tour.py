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
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from retention_agent.demo import synthetic
from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_, Language, _, format_date

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
        env = dict(
            os.environ,
            RETENTION_HOME=str(self.home),
            RETENTION_NOW=self.today.isoformat(),
            RETENTION_PASSPHRASE=DEMO_PASSPHRASE,
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        result = subprocess.run(
            [sys.executable, "-m", "retention_agent", *args, "--lang", self.language],
            env=env,
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


def _quote(arg: str) -> str:
    return f'"{arg}"' if " " in arg else arg


def prepare_home(home: Path) -> None:
    if home.exists() and any(home.iterdir()):
        raise DemoFolderNotEmpty()


def play(tour: Tour) -> None:
    """The foundation's part of the Hjem til Os year: set up, fill, look, take out."""
    tour.heading(_("A new, empty vault (the key goes into a key file for the demo)"))
    tour.run("init")

    tour.heading(_("The match: one case per child; only an alias, stored encrypted"))
    alias = "Barn A (demo)"
    case_id = tour.run(
        "case", "new", "--child", alias, "--start", DEMO_START.isoformat(), show=False
    ).strip()
    tour.echo("  " + case_id)
    tour.cases["A"] = case_id

    tour.heading(_("Red Barnet's match paper arrives as a PDF; the vault takes it over"))
    paper = synthetic.match_paper_pdf(tour.inbox / "matchpapir.pdf", alias)
    tour.run("add", str(paper), "--case", case_id, "--kind", "match_paper")
    tour.echo(
        "  "
        + _("The original is gone from the inbox: {gone}").format(
            gone=_("yes") if not paper.exists() else _("no")
        )
    )

    tour.heading(_("Contact details: imported from a vCard, and one typed in by hand"))
    vcf = synthetic.contact_vcf(tour.inbox / "kontakter.vcf", synthetic.demo_contacts(alias))
    tour.run("add", str(vcf), "--case", case_id, "--kind", "contact")
    tour.run(
        "contact",
        "add",
        "--case",
        case_id,
        "--name",
        "Skole C (demo)",
        "--phone",
        "+45 00 00 00 09",
        "--relation",
        "other",
    )

    tour.heading(_("A year of visits: photos (with GPS in their EXIF) and messages"))
    photos = [
        synthetic.photo_jpeg(
            tour.inbox / f"IMG_{n:04d}.jpg", seed=n, taken=dt.datetime(2026, 3 + n, 10, 15, 0)
        )
        for n in range(1, 4)
    ]
    tour.run("add", *map(str, photos), "--case", case_id, "--kind", "photo")
    chat = synthetic.message_txt(tour.inbox / "chat.txt", alias)
    mail = synthetic.message_eml(tour.inbox / "besked.eml", alias)
    tour.run("add", str(chat), str(mail), "--case", case_id, "--kind", "message")

    tour.heading(_("What the vault holds"))
    tour.run("list", "--case", case_id)
    tour.heading(_("The status: when the Hjem til Os year ends, and what is held"))
    tour.today = dt.date(2026, 11, 27)
    tour.run("status")

    tour.heading(_("Taking one photo out again, into a folder you choose"))
    items = json.loads(tour.run("list", "--case", case_id, "--kind", "photo", "--json", show=False))
    out = tour.inbox / "udtaget"
    out.mkdir()
    tour.run("open", items[0]["id"], "--to", str(out))

    tour.heading(_("Nothing readable on disk"))
    names = sorted(p.name for p in (tour.home / "blobs").iterdir())
    tour.echo(
        "  "
        + _("{count} encrypted files with random names, e.g. {name}").format(
            count=len(names), name=names[0]
        )
    )
    leaked = _plaintext_found(tour.home, [alias.encode(), b"matchpapir.pdf", b"IMG_0001.jpg"])
    tour.echo(
        "  "
        + _("Alias or file names found in the vault's files: {found}").format(
            found=_("yes") if leaked else _("no")
        )
    )
    tour.echo("")
    tour.echo(_("Demo finished on {date}.").format(date=format_date(tour.today)))


def _plaintext_found(home: Path, needles: list[bytes]) -> bool:
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                return True
    return False
