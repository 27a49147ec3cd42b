"""schemathesis against the live API schema: the app on uvicorn with the real engine behind it, and
schemathesis's own runner (examples, coverage and fuzzing phases; positive and negative cases) for
every operation, with a valid token and, for the alert routes, without one. Each answer must be
documented (status code, content type, body schema) and none may be a server error.

The runner is started as ``python -m schemathesis.cli``: its pytest plugin does not run under pytest 9.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from indexer.alerts.digest import DigestService
from indexer.api import create_app
from indexer.engine import make_engine
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.settings import Settings
from processors.enrich import enrich
from tests.fixtures.app_server import serve_app
from tests.fixtures.isolation import isolated_overrides, settings_with
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration

TOKEN = "token-schemathesis"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@pytest.fixture(scope="module")
def live_api(stack: Settings) -> Iterator[str]:
    settings = settings_with(isolated_overrides("schemathesis"), base=stack).model_copy(
        update={"api_tokens": SecretStr(json.dumps({TOKEN: "fuzzer"}))}
    )
    engine = make_engine(settings)
    ensure_index(engine, settings.index_alias)
    record = enrich(make_raw(1, text="Beijing will offer up to 50 million yuan in subsidies to Huawei."))
    BulkWriter(engine, settings.index_alias, refresh="wait_for").write(
        [BulkDoc(record.id, version_of(record.fetched_at), document_from_record(record))]
    )
    # Saving an alert waits for a refresh of the alert indices: refresh these often, or valid alerts
    # (about a thousand in a run) would take a second each.
    DigestService(engine, settings.index_alias, settings)  # creates the alert indices
    engine.update_settings(f"{settings.index_alias}-*", {"index": {"refresh_interval": "100ms"}})
    try:
        with serve_app(create_app(settings, engine)) as base:
            yield base
    finally:
        for index in engine.list_indices(f"{settings.index_alias}*"):
            engine.delete_index(index)
        engine.close()


def schemathesis_run(base: str, *options: str) -> subprocess.CompletedProcess[str]:
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run", f"{base}/openapi.json"),
        *("--checks", CHECKS, "--phases", "examples,coverage,fuzzing", "--seed", "8"),
        *("--generation-database", "none", "--workers", "1", "--request-timeout", "30", "--no-color"),
        *options,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)


def operations(base: str, path_prefix: str = "/") -> tuple[int, int]:
    """How many operations the live schema documents under ``path_prefix``, and in all."""
    paths = httpx.get(f"{base}/openapi.json", timeout=30).json()["paths"]
    methods = [(path, method) for path, item in paths.items() for method in item]
    return sum(1 for path, _ in methods if path.startswith(path_prefix)), len(methods)


def test_every_answer_with_a_token_is_documented_and_none_is_a_server_error(live_api):
    _, total = operations(live_api)
    run = schemathesis_run(live_api, "--max-examples", "20", "--header", f"Authorization: Bearer {TOKEN}")
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert total >= 15 and f"{total} selected / {total} total" in run.stdout  # every operation was tested


def test_alert_routes_without_a_token_answer_documented_401s(live_api):
    alerts, total = operations(live_api, "/api/alerts")
    run = schemathesis_run(live_api, "--max-examples", "10", "--include-path-regex", "^/api/alerts")
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert alerts >= 4 and f"{alerts} selected / {total} total" in run.stdout
