"""Reading the text files users name on the command line, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

from policyradar.errors import PolicyRadarError


def read_utf8_text(path: Path) -> str:
    """The file's text; a file that is not UTF-8 or cannot be read is a one-line error naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyRadarError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise PolicyRadarError(f"{path}: cannot read: {exc.strerror}") from exc
