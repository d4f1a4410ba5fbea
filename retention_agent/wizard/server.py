"""Running the wizard: a Werkzeug server on 127.0.0.1 at a port the system picks, the
browser opened at the one-time launch address, and a stop when the person finishes or
after a time without any request.

Request lines are not logged: their paths hold the session token.
"""

from __future__ import annotations

import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from retention_agent.i18n import Language
from retention_agent.wizard.app import create_app
from retention_agent.wizard.security import LOOPBACK, Guard, Tokens
from retention_agent.wizard.session import Session, VaultAccess

IDLE_TIMEOUT: Final = 30 * 60  # seconds without a request before the wizard stops
FINISH_GRACE: Final = 3.0  # seconds for the last page to load its style sheet
Ending = Literal["finished", "idle", "interrupted"]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Not logged: the path holds the session token."""

    def log(self, type: str, message: str, *args: object) -> None:
        """Nothing is logged (errors are shown on the page, tokens must not leak)."""


@dataclass
class Wizard:
    session: Session
    tokens: Tokens
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    @property
    def url(self) -> str:
        """The one-time launch address."""
        return f"http://{LOOPBACK}:{self.port}/{self.tokens.launch}"

    def wait(
        self, idle_timeout: float = IDLE_TIMEOUT, finish_grace: float = FINISH_GRACE
    ) -> Ending:
        """Block until the person finishes, the wizard is idle too long, or Ctrl+C."""
        try:
            while not self.session.finished.wait(0.2):
                if self.session.idle_seconds() > idle_timeout:
                    return "idle"
            time.sleep(finish_grace)
            return "finished"
        except KeyboardInterrupt:
            return "interrupted"
        finally:
            self.stop()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()
        self.session.stop()


def start(
    access: VaultAccess,
    *,
    language: Language,
    case_id: str | None,
    default_destination: Path,
) -> Wizard:
    """Serve the wizard in a background thread; :meth:`Wizard.wait` runs it to its end."""
    session = Session(access, language, case_id, default_destination)
    tokens = Tokens()
    guard = Guard(create_app(session, tokens), tokens, session.touch)
    server = make_server(LOOPBACK, 0, guard, threaded=True, request_handler=_QuietHandler)
    guard.port = int(server.server_port)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.1},
        name="wizard-server",
        daemon=True,
    )
    thread.start()
    return Wizard(session, tokens, server, thread)


def open_browser(url: str, opener: Callable[[str], bool] = webbrowser.open) -> bool:
    """Open ``url`` in the default browser; False if none could be started."""
    try:
        return opener(url)
    except webbrowser.Error:
        return False
