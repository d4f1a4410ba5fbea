"""``retention demo``: a Hjem til Os year in a throwaway vault."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import click

from retention_agent.cli.common import TranslatedCommand, common_options, option
from retention_agent.i18n import _, current_language
from retention_agent.paths import HOME_ENV


@click.command(cls=TranslatedCommand)
@option("--keep", is_flag=True, help="Keep the demo folder afterwards, to look inside.")
@common_options
def demo(keep: bool) -> None:
    """Play a Hjem til Os year with synthetic data in a throwaway vault.

    Runs the real commands, one by one, and prints each with its output. Uses
    RETENTION_HOME if it is set (it must be empty), else a temporary folder that is
    removed at the end. Your real vault and keyring are never touched.

    \b
    Example:
        retention demo
        RETENTION_HOME=/tmp/demo-vault retention demo --lang en
    """
    # Imported here: the demo needs Pillow and fpdf2, which no other command should load.
    from retention_agent.demo.tour import Tour, play, prepare_home

    given = os.environ.get(HOME_ENV)
    workspace = Path(tempfile.mkdtemp(prefix="retention-demo-"))
    home = Path(given) if given else workspace / "vault"
    prepare_home(home)
    inbox = workspace / "inbox"
    inbox.mkdir()
    try:
        play(Tour(home=home, inbox=inbox, language=current_language(), echo=click.echo))
    finally:
        if keep:
            click.echo(_("The demo files are in {path}.").format(path=workspace))
        else:
            shutil.rmtree(workspace, ignore_errors=True)
        if given:
            click.echo(_("The demo vault is in {path}.").format(path=home))
