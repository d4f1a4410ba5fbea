"""Walking the ``retention`` command tree (its subcommands load lazily)."""

from __future__ import annotations

from collections.abc import Iterator

import click


def walk(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command below ``command`` (itself included), with its path of names."""
    yield path, command
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            assert sub is not None, name
            yield from walk(sub, (*path, name))
