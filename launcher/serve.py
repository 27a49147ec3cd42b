"""``policyradar serve``: the API and web page, with the launcher's sources desk for ``/api/sources``
(the indexer may not import the crawlers that desk needs)."""

from __future__ import annotations

import argparse

from indexer.api import serve_command as serve_app
from launcher.sources_desk import LauncherSourcesDesk


def serve_command(args: argparse.Namespace) -> int:
    return serve_app(args, sources=LauncherSourcesDesk)
