"""Serve the bundled demo site (deploy/demo_site/) on 127.0.0.1 for the demo and the tests."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from policyradar.errors import PolicyRadarError
from policyradar.settings import PROJECT_ROOT

DEMO_SITE_DIR = PROJECT_ROOT / "deploy" / "demo_site"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(port: int, root: Path = DEMO_SITE_DIR) -> ThreadingHTTPServer:
    handler = functools.partial(_QuietHandler, directory=str(root))
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise PolicyRadarError(
            f"cannot serve the demo site on 127.0.0.1:{port}: {exc} "
            "(set POLICYRADAR_DEMO_SITE_PORT and the URLs in sources/demo/ to another port)"
        ) from exc


@contextmanager
def serve_demo_site(port: int, root: Path = DEMO_SITE_DIR) -> Iterator[str]:
    """Serve ``root`` in a background thread for the duration of the ``with`` block."""
    server = make_server(port, root)
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
