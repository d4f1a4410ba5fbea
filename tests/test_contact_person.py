"""The Red Barnet contact person: sealed like every name, shown where the rules send the
family to them, untouched by a case's deletion, gone for good when cleared."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from retention_agent import contact_person
from retention_agent.cli import cli
from retention_agent.contact_person import BadContactPersonDetail, ContactPerson
from retention_agent.paths import vault_home
from retention_agent.vault import sealed
from retention_agent.vault.keystore import PassphraseSource
from retention_agent.vault.vault import Vault
from tests.support.processes import ROOT, key_file_env, python_module
from tests.support.vaults import all_bytes_under

NAME = "Mette Kontaktsen"
PHONE = "+45 12 34 56 78"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--lang", "en"])


@pytest.fixture
def case_id() -> str:
    assert run("init").exit_code == 0
    created = run("case", "new", "--child", "Barn A", "--start", "2026-03-01")
    assert created.exit_code == 0, created.stderr
    return created.stdout.strip()


def test_set_show_clear(case_id: str, vault_home: Path) -> None:
    assert "No contact person recorded" in run("contact-person", "show").stdout
    done = run("contact-person", "set", "--name", NAME, "--phone", PHONE, "--email", "m@rb.dk")
    assert done.exit_code == 0, done.stderr
    shown = run("contact-person", "show").stdout
    assert NAME in shown
    assert PHONE in shown
    assert "m@rb.dk" in shown
    assert NAME.encode() not in all_bytes_under(vault_home)  # sealed
    replaced = run("contact-person", "set", "--name", "Anden Person")
    assert replaced.exit_code == 0
    assert NAME not in run("contact-person", "show").stdout
    assert run("contact-person", "clear").exit_code == 0
    assert "No contact person recorded" in run("contact-person", "show").stdout
    with Vault.open(vault_home, PassphraseSource()) as vault:
        assert sealed.record_ids(vault, contact_person.TOPIC) == []


@pytest.mark.parametrize(
    ("option", "value"), [("--phone", "call me maybe"), ("--email", "not-an-address")]
)
def test_unlikely_details_are_refused(case_id: str, option: str, value: str) -> None:
    refused = run("contact-person", "set", "--name", NAME, option, value)
    assert refused.exit_code == BadContactPersonDetail.exit_code
    assert refused.stderr.count("\n") == 1


def test_shown_where_the_rules_send_the_family_to_them(case_id: str) -> None:
    run("contact-person", "set", "--name", NAME, "--phone", PHONE)
    env = {"RETENTION_NOW": "2026-06-01"}
    held = CliRunner().invoke(
        cli, ["hold", "--case", case_id, "--until", "2026-07-01", "--reason", "bekymring"], env=env
    )
    assert NAME in held.stdout
    assert PHONE in held.stdout
    ended = CliRunner().invoke(
        cli, ["case", "end", "--case", case_id, "--initiated-by", "volunteers"], env=env
    )
    assert ended.exit_code == 0, ended.stderr
    assert NAME in ended.stdout  # R2c
    assert NAME in CliRunner().invoke(cli, ["status"], env=env).stdout
    refused = CliRunner().invoke(cli, ["case", "continue", "--case", case_id], env=env)
    assert refused.exit_code == 10
    assert "already has a decision" in refused.stderr
    assert NAME in refused.stderr


def test_it_survives_the_deletion_of_every_case(case_id: str, tmp_path: Path) -> None:
    run("contact-person", "set", "--name", NAME)
    paper = tmp_path / "paper.pdf"
    paper.write_bytes(b"SYNTHETIC")
    assert run("add", str(paper), "--case", case_id, "--kind", "match_paper").exit_code == 0
    later = {"RETENTION_NOW": "2027-03-02"}
    applied = CliRunner().invoke(cli, ["apply"], env=later)
    assert applied.exit_code == 0, applied.stderr
    with Vault.open(vault_home(), PassphraseSource()) as vault:
        assert contact_person.get(vault) == ContactPerson(NAME)


def test_details_are_trimmed_and_need_a_name() -> None:
    person = ContactPerson.checked("  Mette   K  ", " +45 12 34 ", None)
    assert person == ContactPerson("Mette K", "+45 12 34")
    with pytest.raises(contact_person.ContactPersonNeedsName):
        ContactPerson.checked("   ", None, None)


def test_init_asks_for_the_contact_person_in_a_terminal(tmp_path: Path) -> None:
    """A real pseudo-terminal: the questions appear, an unlikely phone number is asked
    again, and the answer is sealed in the new vault."""
    main, side = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "retention_agent", "init", "--lang", "en"],
        env=key_file_env(),
        cwd=ROOT,
        stdin=side,
        stdout=side,
        stderr=side,
        start_new_session=True,
    )
    os.close(side)
    seen = b""

    def until(text: str) -> None:
        nonlocal seen
        end = time.monotonic() + 120
        while text.encode() not in seen:
            assert time.monotonic() < end, seen.decode(errors="replace")
            ready, _w, _x = select.select([main], [], [], 1)
            if ready:
                seen += os.read(main, 4096)

    def answer(prompt: str, text: str) -> None:
        nonlocal seen
        until(prompt)
        seen = seen.split(prompt.encode(), 1)[1]
        os.write(main, text.encode() + b"\r")

    try:
        answer("Name:", NAME)
        answer("Phone (Enter to skip):", "not a number")
        answer("E-mail (Enter to skip):", "")
        until("does not look like a phone number")
        answer("Phone (Enter to skip):", PHONE)
        answer("E-mail (Enter to skip):", "m@rb.dk")
        until("Recorded: your Red Barnet contact person is " + NAME)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
    shown = python_module("retention_agent", "contact-person", "show", env=key_file_env()).stdout
    assert NAME in shown
    assert PHONE in shown
    assert "m@rb.dk" in shown
