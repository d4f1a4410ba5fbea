"""``retention verify``: check everything the vault holds, end to end."""

from __future__ import annotations

import click

from retention_agent.cli.common import TranslatedCommand, common_options, emit_json, json_option
from retention_agent.cli.problems import problem_line
from retention_agent.cli.session import open_vault
from retention_agent.errors import ExitCode
from retention_agent.i18n import _, format_size
from retention_agent.verify import verify


@click.command(cls=TranslatedCommand)
@json_option
@common_options
def verify_command(as_json: bool) -> None:
    """Check everything in the vault: every encrypted file decrypted end to end, every
    key and sealed record opened, every index row and the receipts authenticated, and
    the files, permissions and backup markers looked at. Changes nothing; exits with 4
    if anything is wrong.

    \b
    Example:
        retention verify
        retention verify --json
    """
    with open_vault(untouched=True) as vault:
        report = verify(vault)
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "checked": {
                    "blobs": report.blobs,
                    "bytes": report.bytes,
                    "keys": report.keys,
                    "sealed": report.sealed,
                    "rows": report.rows,
                    "receipts": report.receipts,
                },
                "problems": [{"subject": f.subject, "problem": f.code} for f in report.findings],
            }
        )
    else:
        click.echo(
            _(
                "Checked {blobs} encrypted files ({size}), {keys} keys, {sealed} sealed "
                "records, {rows} index rows and {receipts} receipts."
            ).format(
                blobs=report.blobs,
                size=format_size(report.bytes),
                keys=report.keys,
                sealed=report.sealed,
                rows=report.rows,
                receipts=report.receipts,
            )
        )
        if report.ok:
            click.echo(_("All is well."))
        for finding in report.findings:
            click.echo(problem_line(finding.subject, finding.code))
    if not report.ok:
        click.get_current_context().exit(ExitCode.INTEGRITY)
