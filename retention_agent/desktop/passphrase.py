"""A small local dialog asking for the key file's passphrase, for the agent and for a
command started without a terminal (the tray's photo export, a menu entry). Run as its
own process (``retention agent ask-passphrase``): it prints the passphrase on standard
output, which is a pipe to the program that asked, and exits 0; it exits 1 when the
person cancels, 3 when no dialog can be shown. Nothing is written anywhere else.

Which dialog: GTK through PyGObject where it imports (Linux desktops), else zenity or
kdialog, else AppleScript on macOS, else Tk (which python.org's Windows and macOS
installers include).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable

from retention_agent.i18n import _, current_language
from retention_agent.launch import retention_command

Dialog = Callable[[str, str], str | None]
CANCELLED = 1
NO_DIALOG = 3
TIMEOUT = 600.0  # seconds; a dialog left open that long is taken as cancelled


class NoDialog(Exception):
    """No dialog can be shown here (no display, no toolkit)."""


def title() -> str:
    return _("Hjem til Os vault")


def question() -> str:
    return _(
        "The agent needs the passphrase of the vault's key file to take in files from the "
        "inbox and carry out deletions. It keeps only the key made from it, in memory, "
        "until you log out."
    )


def ask(text: str | None = None) -> str | None:
    """The passphrase typed, or None if cancelled; ``text`` replaces the agent's question.
    Raises NoDialog when no dialog can be shown."""
    for dialog in _dialogs():
        try:
            return dialog(title(), text or question())
        except (ImportError, ValueError, OSError, RuntimeError):
            continue
    raise NoDialog()


def in_own_process(text: str | None = None) -> str | None:
    """Run the dialog as a child process (``retention agent ask-passphrase``) and return
    the passphrase from its pipe, or None if the person cancelled or left it open.
    Raises NoDialog where it could not be shown or did not answer."""
    command = retention_command("agent", "ask-passphrase", "--lang", current_language())
    if text is not None:
        command += ["--prompt", text]
    try:
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    except OSError:
        raise NoDialog() from None
    answer = result.stdout.rstrip("\n")
    if result.returncode == 0 and answer:
        return answer
    if result.returncode == CANCELLED:
        return None
    raise NoDialog()


def possible() -> bool:
    """Whether a dialog may be tried here (on Linux: a display is set)."""
    return bool(_dialogs())


def _dialogs() -> list[Dialog]:
    graphical = sys.platform != "linux" or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if not graphical:
        return []
    if sys.platform == "darwin":
        return [_applescript, _tk]
    if sys.platform == "win32":
        return [_tk]
    return [_gtk, _zenity, _kdialog, _tk]


def _gtk(heading: str, text: str) -> str | None:
    import gi

    gi.require_version("Gtk", "3.0")
    from gi.repository import Gtk

    if not Gtk.init_check()[0]:
        raise RuntimeError("no display")
    dialog = Gtk.Dialog(title=heading)
    dialog.add_button(_("Cancel"), Gtk.ResponseType.CANCEL)
    dialog.add_button(_("Open"), Gtk.ResponseType.OK)
    dialog.set_default_response(Gtk.ResponseType.OK)
    label = Gtk.Label(label=text)
    label.set_line_wrap(True)
    label.set_max_width_chars(50)
    entry = Gtk.Entry()
    entry.set_visibility(False)
    entry.set_activates_default(True)
    box = dialog.get_content_area()
    box.set_spacing(12)
    box.set_border_width(12)
    box.add(label)
    box.add(entry)
    dialog.show_all()
    dialog.present()
    answer = dialog.run()
    typed = entry.get_text()
    dialog.destroy()
    while Gtk.events_pending():
        Gtk.main_iteration()
    return typed if answer == Gtk.ResponseType.OK and typed else None


def _zenity(heading: str, text: str) -> str | None:
    return _program(["zenity", "--password", f"--title={heading}"])


def _kdialog(heading: str, text: str) -> str | None:
    return _program(["kdialog", "--title", heading, "--password", text])


def _applescript(heading: str, text: str) -> str | None:
    script = (
        "on run argv\n"
        "display dialog (item 1 of argv) with title (item 2 of argv) "
        'default answer "" with hidden answer\n'
        "return text returned of result\n"
        "end run"
    )
    return _program(["osascript", "-e", script, text, heading])


def _program(command: list[str]) -> str | None:
    """zenity, kdialog and osascript exit 1 when the person cancels."""
    if shutil.which(command[0]) is None:
        raise OSError(f"{command[0]} not found")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):
        raise OSError(f"{command[0]} failed")
    typed = result.stdout.rstrip("\n")
    return typed if result.returncode == 0 and typed else None


def _tk(heading: str, text: str) -> str | None:
    import tkinter
    from tkinter import simpledialog

    root = tkinter.Tk()
    root.withdraw()
    try:
        typed = simpledialog.askstring(heading, text, show="*", parent=root)
    finally:
        root.destroy()
    return typed or None
