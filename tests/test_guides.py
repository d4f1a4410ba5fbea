"""The guides stay true: every ``retention`` command and option they mention exists, and
every picture they show is in ``docs/``."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from retention_agent.cli import cli

DOCS = Path(__file__).resolve().parent.parent / "docs"
GUIDES = ["brugervejledning.md", "guide.md"]
MENTION = re.compile(r"(?m)^retention [^\n#`]*|`retention [^`]*`")
PICTURE = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")


def mentions(text: str) -> list[list[str]]:
    found = []
    for match in MENTION.finditer(text):
        words = shlex.split(match.group(0).strip("`"))
        found.append(words[1:])
    return found


def check(words: list[str]) -> None:
    """Walk the words through the command tree; every option must belong to its command."""
    command: click.Command = cli
    context = click.Context(cli)
    for word in words:
        if word.startswith("--"):
            names = {name for param in command.params for name in getattr(param, "opts", [])}
            assert word.split("=")[0] in names, f"{word} is not an option of {command.name}"
        elif isinstance(command, click.Group) and word in command.list_commands(context):
            sub = command.get_command(context, word)
            assert sub is not None
            command, context = sub, click.Context(sub, parent=context)
    assert not isinstance(command, click.Group) or words, f"'{' '.join(words)}' names no command"


@pytest.mark.parametrize("guide", GUIDES)
def test_every_command_and_option_the_guide_mentions_exists(guide: str) -> None:
    text = (DOCS / guide).read_text(encoding="utf-8")
    found = mentions(text)
    assert len(found) > 20
    for words in found:
        check(words)


def test_a_made_up_option_is_caught() -> None:
    with pytest.raises(AssertionError):
        check(["finish", "--everything"])


@pytest.mark.parametrize("guide", GUIDES)
def test_every_picture_is_there(guide: str) -> None:
    text = (DOCS / guide).read_text(encoding="utf-8")
    pictures = PICTURE.findall(text)
    assert pictures
    for picture in pictures:
        assert (DOCS / picture).is_file(), picture
