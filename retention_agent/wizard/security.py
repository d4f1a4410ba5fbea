"""The wizard's door: a WSGI layer in front of the Flask app that every request passes.

* The server listens on 127.0.0.1 only (``server``); a request from anywhere else is
  refused here too.
* ``Host`` must be exactly ``127.0.0.1:<port>``: a web page whose name an attacker
  points at 127.0.0.1 (DNS rebinding) sends its own name and is refused.
* The address opened in the browser holds a one-time launch token. It is visible to
  other local users in the browser's command line, so it works once: it leads to the
  session's address (``/s/<session token>/``), which never appears on a command line
  and prefixes every page, picture and file the wizard serves. No cookies are used.
* A POST must carry the session's CSRF token (checked by the app) and, if the browser
  says where it comes from (``Origin``, ``Sec-Fetch-Site``), come from the wizard.
* Every response forbids caching, framing, referrers to other sites, and any script,
  style, picture or connection from anywhere but the wizard itself (CSP).
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final

from retention_agent.i18n import N_, _

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

LOOPBACK: Final = "127.0.0.1"
CONTENT_SECURITY_POLICY: Final = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
HEADERS: Final = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "same-origin"),  # "no-referrer" makes Chromium send "Origin: null"
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


class Tokens:
    def __init__(self) -> None:
        self.launch = secrets.token_urlsafe(32)
        self.session = secrets.token_urlsafe(32)
        self.csrf = secrets.token_urlsafe(32)
        self._launched = False
        self._lock = threading.Lock()

    def use_launch(self) -> bool:
        """True the first time only, however many requests race for it."""
        with self._lock:
            first, self._launched = not self._launched, True
            return first

    @property
    def prefix(self) -> str:
        return f"/s/{self.session}"

    def csrf_ok(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode(), self.csrf.encode())


class Guard:
    """Wraps the app; ``port`` is set once the server is bound."""

    def __init__(
        self, app: WSGIApplication, tokens: Tokens, on_request: Callable[[], None]
    ) -> None:
        self.app, self.tokens, self.on_request = app, tokens, on_request
        self.port = 0

    @property
    def origin(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        secured = _Secured(start_response)
        refusal = self._refusal(environ)
        if refusal is not None:
            return _plain(secured, *refusal)
        path = environ.get("PATH_INFO", "")
        if _same(path, f"/{self.tokens.launch}"):
            if not self.tokens.use_launch():
                return _plain(secured, "410 Gone", LINK_USED)
            self.on_request()
            secured("303 See Other", [("Location", f"{self.tokens.prefix}/")])
            return [b""]
        prefix = self.tokens.prefix
        segment = "/".join(path.split("/", 3)[:3])  # "/s/<token>"
        if not (_same(segment, prefix) and path.startswith(prefix + "/")):
            return _plain(secured, "404 Not Found", NOT_FOUND)
        self.on_request()
        return self.app(environ, secured)

    def _refusal(self, environ: WSGIEnvironment) -> tuple[str, str] | None:
        if environ.get("REMOTE_ADDR") != LOOPBACK:
            return "403 Forbidden", ONLY_THIS_COMPUTER
        if environ.get("HTTP_HOST") != f"{LOOPBACK}:{self.port}":
            return "421 Misdirected Request", WRONG_ADDRESS
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD", "POST"):
            return "405 Method Not Allowed", NOT_ALLOWED
        if method == "POST":
            origin = environ.get("HTTP_ORIGIN")
            site = environ.get("HTTP_SEC_FETCH_SITE")
            if origin is not None and origin != self.origin:
                return "403 Forbidden", NOT_ALLOWED
            if site is not None and site not in ("same-origin", "none"):
                return "403 Forbidden", NOT_ALLOWED
        return None


LINK_USED: Final = N_("This link has already been used. Close this tab and open the wizard again.")
NOT_FOUND: Final = N_("There is nothing here. Open the wizard again from the program.")
ONLY_THIS_COMPUTER: Final = N_("The wizard can only be used from this computer.")
WRONG_ADDRESS: Final = N_("The wizard only answers at the address the program opened.")
NOT_ALLOWED: Final = N_("The wizard only accepts its own forms.")


class _Secured:
    """``start_response`` with the security headers added to every response."""

    def __init__(self, start_response: StartResponse) -> None:
        self._start_response = start_response

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        names = {name.lower() for name, _value in HEADERS}
        kept = [(name, value) for name, value in headers if name.lower() not in names]
        return self._start_response(status, [*kept, *HEADERS], exc_info)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _plain(start_response: _Secured, status: str, text: str) -> list[bytes]:
    body = _(text).encode()
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]
