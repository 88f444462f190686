"""The explorer's local web server: Python's ``http.server`` on 127.0.0.1, one session.

Security, since a local server is still a server:

- it binds to 127.0.0.1 only;
- every request carries the random token of the URL printed at the start (``?token=`` in
  the query, or the ``X-Token`` header the page's script sends); a missing or wrong token,
  a ``Host`` header other than this server's address (DNS rebinding) and an ``Origin``
  from anywhere else get 403;
- every response sets a Content-Security-Policy with ``default-src 'self'`` (the
  step-through page's inline script and style are allowed by their hashes only), no
  referrer (the token stays in the page), and ``nosniff``;
- a request body is at most ``MAX_BODY`` bytes of JSON; a malformed request or a setting
  out of range gets 400 with a one-line reason and changes nothing; a client that goes
  away mid-answer is dropped quietly; the session lives on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .playground import SettingError
from .session import Session

MAX_BODY = 64 * 1024
MAX_STEPS_PER_REQUEST = 1_000
ASSETS = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/explore.css": ("explore.css", "text/css; charset=utf-8"),
    "/explore.js": ("explore.js", "text/javascript; charset=utf-8"),
    "/favicon.svg": ("favicon.svg", "image/svg+xml"),
}
CSP = (
    "default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def _asset(name: str) -> bytes:
    return (resources.files(__package__) / "assets" / name).read_bytes()


def _inline_csp(page: str) -> str:
    """CSP for a page with inline <script>/<style>: each allowed by its hash, nothing else."""

    def hashes(tag: str) -> str:
        blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", page, flags=re.S)
        return " ".join(
            f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'"
            for b in blocks
        )

    return f"{CSP}; script-src {hashes('script')}; style-src {hashes('style')}"


class ExploreServer(ThreadingHTTPServer):
    """A threading HTTP server with the session, its lock and the token."""

    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, port: int, session: Session) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.session = session
        self.lock = threading.Lock()
        self.token = secrets.token_urlsafe(24)
        self.port = self.server_address[1]
        self.hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}
        self.origins = {f"http://{host}" for host in self.hosts}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client gone mid-answer or a broken request: dropped, the server goes on."""


class Handler(BaseHTTPRequestHandler):
    server: ExploreServer
    protocol_version = "HTTP/1.0"  # one request a connection: an unread body never lingers
    timeout = 30  # a client that sends nothing for this long is dropped
    # The headers and the body are two writes: with Nagle's algorithm the body would wait
    # for the browser's delayed acknowledgement of the headers, about 40 ms every request.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the first line is the URL
        pass

    # --- answers ----------------------------------------------------------------------------

    def _send(
        self, status: int, body: bytes, content_type: str, csp: str = CSP, **headers: str
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, data: Any, status: int = 200) -> None:
        body = json.dumps(data, allow_nan=False, separators=(",", ":")).encode()
        self._send(status, body, "application/json")

    def _error(self, status: int, message: str) -> None:
        self._json({"error": message}, status)

    # --- checks -------------------------------------------------------------------------------

    def _allowed(self, query: dict[str, list[str]]) -> bool:
        """The token, the Host and the Origin all right; else a 403 has been sent."""
        token = self.headers.get("X-Token") or (query.get("token") or [""])[0]
        host, origin = self.headers.get("Host", ""), self.headers.get("Origin")
        if host not in self.server.hosts:
            why = f"Host {host!r} is not this server"
        elif origin is not None and origin not in self.server.origins:
            why = f"Origin {origin!r} is not this server"
        elif not hmac.compare_digest(token.encode(), self.server.token.encode()):
            why = "a missing or wrong token: open the URL the command printed"
        else:
            return True
        self._error(403, f"forbidden: {why}")
        return False

    def _body(self) -> Any:
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            raise SettingError(f"the request body must be at most {MAX_BODY} bytes of JSON")
        raw = self.rfile.read(int(length))
        try:
            return json.loads(raw or b"{}", parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as error:
            raise SettingError(f"the request body is not JSON ({error})") from None

    # --- routes -------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._route("GET")

    def do_HEAD(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if not self._allowed(query):
            return
        try:
            if method == "GET" and parts.path in ASSETS:
                name, kind = ASSETS[parts.path]
                # the page names its script and stylesheet with the token, as every request
                body = _asset(name).replace(b"__TOKEN__", self.server.token.encode())
                self._send(200, body, kind)
                return
            handler = ROUTES.get((method, parts.path))
            if handler is None:
                self._error(404, f"no such page: {method} {parts.path}")
                return
            body = self._body() if method == "POST" else {}
            with self.server.lock:
                handler(self, self.server.session, body, query)
        except SettingError as error:
            self._error(400, str(error))
        except (ConnectionError, TimeoutError):
            raise  # the client went away: handle_error drops it quietly
        except Exception as error:  # the session stays as it was; the page shows the reason
            self._error(500, f"{type(error).__name__}: {error}")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _index(query: dict[str, list[str]], key: str) -> int:
    text = (query.get(key) or [""])[0]
    if not text.isdigit():
        raise SettingError(f"{key} must be a whole number, got {text!r}")
    return int(text)


def _state(h: Handler, s: Session, body: Any, query: Any) -> None:
    h._json(s.state())


def _settings(h: Handler, s: Session, body: Any, query: Any) -> None:
    restart = s.apply(body.get("settings", {}) if isinstance(body, dict) else body)
    if isinstance(body, dict) and body.get("reset"):
        s.reset()
        restart = True
    h._json({"restarted": restart, **s.state()})


def _step(h: Handler, s: Session, body: Any, query: Any) -> None:
    n = body.get("n", 1) if isinstance(body, dict) else None
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_STEPS_PER_REQUEST:
        raise SettingError(f"n must be a whole number from 1 to {MAX_STEPS_PER_REQUEST}, got {n!r}")
    s.step(n)
    h._json(s.state())


def _focus(h: Handler, s: Session, body: Any, query: Any) -> None:
    point = body.get("point") if isinstance(body, dict) else None
    if isinstance(point, bool) or not isinstance(point, int):
        raise SettingError(f"point must be a whole number, got {point!r}")
    s.point(point)  # checks the range
    s.focus = point
    h._json({"focus": point, "units": s.unit_details()})


def _compare(h: Handler, s: Session, body: Any, query: Any) -> None:
    h._json(s.compare())


def _stepper(h: Handler, s: Session, body: Any, query: Any) -> None:
    page = s.stepper_page(_index(query, "point"))
    h._send(200, page.encode(), "text/html; charset=utf-8", csp=_inline_csp(page))


def _graph(h: Handler, s: Session, body: Any, query: Any) -> None:
    h._send(200, s.graph_svg(_index(query, "point")), "image/svg+xml")


def _weights(h: Handler, s: Session, body: Any, query: Any) -> None:
    h._send(
        200,
        s.weights_npz(),
        "application/octet-stream",
        Content_Disposition='attachment; filename="weights.npz"',
    )


def _python(h: Handler, s: Session, body: Any, query: Any) -> None:
    h._send(200, s.python().encode(), "text/plain; charset=utf-8")


ROUTES = {
    ("GET", "/api/state"): _state,
    ("POST", "/api/settings"): _settings,
    ("POST", "/api/step"): _step,
    ("POST", "/api/focus"): _focus,
    ("POST", "/api/compare"): _compare,
    ("GET", "/stepper"): _stepper,
    ("GET", "/graph.svg"): _graph,
    ("GET", "/weights.npz"): _weights,
    ("GET", "/run.py"): _python,
}


def serve(session: Session, port: int = 0, open_browser: bool = False) -> None:
    """Serve ``session`` on 127.0.0.1:``port`` (0: any free port) until Ctrl-C.

    The first line printed is the page's URL with its token. OSError (e.g. the port in use)
    comes out of the constructor before anything is printed.
    """
    server = ExploreServer(port, session)
    print(server.url, flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
