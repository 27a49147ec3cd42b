"""Shared test helpers: paths of the bundled demo site and its hand-annotated ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_SITE = ROOT / "deploy" / "demo_site"


@pytest.fixture(scope="session")
def demo_expected() -> list[dict]:
    return json.loads((DEMO_SITE / "expected.json").read_text(encoding="utf-8"))
