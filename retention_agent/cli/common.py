"""What every command shares: language and debug options, ``--json``, dates, "now",
opening the vault, and help texts translated when they are shown (click reads them at
import time, before the language is known)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from retention_agent import clock, i18n
from retention_agent.errors import BadDate
from retention_agent.i18n import N_, _

F = TypeVar("F", bound=Callable[..., Any])


class TranslatedCommand(click.Command):
    """Help texts are translated when shown (click reads them at import time), and so is
    what click writes itself into every help page: the usage line's pieces, option
    metavars and the ``-h, --help`` line, which click builds before ``--lang`` is read."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        _language_first(args)
        return super().parse_args(ctx, args)

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [_(piece) for piece in super().collect_usage_pieces(ctx)]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        help_option = self.get_help_option(ctx)
        if help_option is not None:
            help_option.help = _(HELP_TEXT)
        super().format_options(ctx, formatter)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated_help(self):
            super().format_help_text(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated_help(self):
            return super().get_short_help_str(limit)


def _language_first(args: list[str]) -> None:
    """``--lang`` anywhere on the command line applies before any other option is
    processed, so ``retention case new --help --lang da`` is Danish throughout."""
    for position, arg in enumerate(args):
        if arg == "--":
            return
        value = None
        if arg == "--lang" and position + 1 < len(args):
            value = args[position + 1]
        elif arg.startswith("--lang="):
            value = arg.removeprefix("--lang=")
        if value in i18n.LANGUAGES:
            i18n.set_language(value)


HELP_TEXT = N_("Show this message and exit.")
# The words click writes into usage lines and option metavars.
USAGE_WORDS = (
    N_("[OPTIONS]"),
    N_("COMMAND [ARGS]..."),
    N_("PATHS..."),
    N_("[PATHS]..."),
    N_("ITEM"),
    N_("ITEMS..."),
    N_("[PLACE]..."),
    N_("TEXT"),
    N_("INTEGER"),
    N_("PATH"),
    N_("YYYY-MM-DD"),
)


class TranslatedGroup(TranslatedCommand, click.Group):
    command_class = TranslatedCommand


TranslatedGroup.group_class = TranslatedGroup


class TranslatedOption(click.Option):
    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        original = self.help
        if original:
            self.help = _(original)
        try:
            return super().get_help_record(ctx)
        finally:
            self.help = original

    def make_metavar(self, ctx: click.Context) -> str:
        return _(super().make_metavar(ctx))


class _translated_help:
    def __init__(self, command: click.Command) -> None:
        self.command = command
        self.original = command.help

    def __enter__(self) -> None:
        if self.original:
            self.command.help = _(self.original)

    def __exit__(self, *exc: object) -> None:
        self.command.help = self.original


def option(*names: str, **kwargs: Any) -> Callable[[F], F]:
    """``click.option`` whose help text is translated when shown."""
    return click.option(*names, cls=TranslatedOption, **kwargs)


def _set_language(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        i18n.set_language(value)  # type: ignore[arg-type]
        ctx.meta["lang"] = value  # commands that keep their own default can see it was given


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["debug"] = True


def common_options(command: F) -> F:
    """--lang and --debug, accepted on every command as well as on ``retention`` itself."""
    command = option(
        "--lang",
        type=click.Choice(i18n.LANGUAGES),
        is_eager=True,
        expose_value=False,
        callback=_set_language,
        help="Language of the output: da or en (default: from the locale).",
    )(command)
    return option(
        "--debug",
        is_flag=True,
        expose_value=False,
        callback=_set_debug,
        help="Show the full traceback of an error (for developers).",
    )(command)


root_options = common_options


def yes_option(command: F) -> F:
    return option(
        "--yes", "assume_yes", is_flag=True, help="Do not ask for confirmation (for scripts)."
    )(command)


# What a person may type to say yes: English everywhere, Danish too under --lang da.
_YES = {"y", "yes"}


def confirm(question: str, assume_yes: bool) -> None:
    """Ask ``question`` on stderr unless ``--yes`` was given; anything but yes cancels the
    command (click.Abort: "Cancelled; nothing was changed."), as does a closed stdin."""
    if assume_yes:
        return
    try:
        answer = click.prompt(
            question + " " + _("[y/N]"),
            default="",
            show_default=False,
            prompt_suffix=" ",
            err=True,
        )
    except click.Abort:
        click.echo(err=True)  # no answer came (closed stdin, Ctrl-C): end the prompt's line
        raise
    if str(answer).strip().lower() not in _YES | {_("y"), _("yes")}:
        raise click.Abort()


def json_option(command: F) -> F:
    return option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(command)


def emit_json(value: object) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    # Names that are not UTF-8 carry their exact bytes in fields of their own
    # (names.json_fields); any stray undecodable character becomes U+FFFD here.
    click.echo(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadDate(value=value) from None


# ParamType became generic in recent click; subscripting it would break older releases.
class DateType(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        return parse_date(str(value))


DATE = DateType()


def now() -> dt.datetime:
    """ "Now" for this command; says so on stderr when RETENTION_NOW sets it."""
    override = clock.now_override()
    if override is None:
        return clock.now()
    ctx = click.get_current_context()
    if ctx.meta.get("now_announced"):
        return override
    ctx.meta["now_announced"] = True
    click.echo(
        _("Note: RETENTION_NOW is set; today is taken to be {date}.").format(
            date=i18n.format_date(override)
        ),
        err=True,
    )
    return override
