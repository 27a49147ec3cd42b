"""The whole flow on the real stack: crawl the demo site, process, index, search; then crawl again.

Each stage runs as its own ``policyradar`` process, as in production, with topics, consumer groups
and an index alias unique to this test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from indexer.engine import make_engine
from indexer.mapping import MAPPING_VERSION
from indexer.search import run_search
from launcher.demo_site import serve_demo_site
from launcher.stack import stack_up
from policyradar.settings import Settings
from tests.fixtures.isolation import isolated_overrides, settings_with

pytestmark = pytest.mark.e2e
DEMO_SOURCES = ("demo-gov-zh", "demo-gov-en", "demo-newsroom")


@pytest.fixture(scope="module")
def flow_env():
    stack_up(Settings(), say=lambda _line: None)
    overrides = isolated_overrides("e2e")
    settings = settings_with(overrides)
    engine = make_engine(settings)
    yield {**os.environ, **overrides}, settings, engine
    for index in engine.list_indices(f"{settings.index_alias}-*"):
        engine.delete_index(index)
    engine.close()


def policyradar(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"policyradar {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def run_flow(env: dict[str, str], port: int) -> str:
    sources = [arg for source in DEMO_SOURCES for arg in ("--source", source)]
    with serve_demo_site(port):
        crawl_output = policyradar(env, "crawl", *sources)
    policyradar(env, "process", "--until-idle")
    policyradar(env, "index", "--until-idle")
    return crawl_output


def test_every_demo_announcement_is_searchable_with_its_entities(flow_env, demo_expected):
    env, settings, engine = flow_env
    crawl_output = run_flow(env, settings.demo_site_port)
    site_of = {"gov-zh": "demo-gov-zh", "gov-en": "demo-gov-en", "newsroom": "demo-newsroom"}
    for site, source in site_of.items():
        pages = sum(1 for page in demo_expected if page["path"].startswith(site + "/"))
        assert f"{source}: {pages} records produced, 0 unchanged, 0 quarantined, 0 errors" in crawl_output
    engine.refresh(settings.index_alias)
    assert engine.count(settings.index_alias) == len(demo_expected)

    for page in demo_expected:
        result = run_search(engine, settings.index_alias, page["title"], size=3)
        assert result["hits"], f"no hit for {page['title']!r}"
        hit = result["hits"][0]
        assert hit["title"] == page["title"]
        assert hit["url"].endswith(page["path"]) and hit["published_at"].startswith(page["published_at"])
        entities = hit["entities"]
        found_money = {(m["value"], m["currency"]) for m in entities["money"]}
        for money in page["money"]:
            assert (money["value"], money["currency"]) in found_money, (page["path"], money["text"])
        found_places = {p["canonical"] for p in entities["places"]}
        assert set(page["places"]) & found_places, (page["path"], page["places"], found_places)
        found_companies = {c["canonical"] for c in entities["companies"]}
        assert set(page["companies"]) <= found_companies, (page["path"], page["companies"])


def test_crawling_again_emits_nothing_and_adds_no_documents(flow_env, demo_expected):
    env, settings, engine = flow_env
    crawl_output = run_flow(env, settings.demo_site_port)
    for source in DEMO_SOURCES:
        assert f"{source}: 0 records produced" in crawl_output, crawl_output
    engine.refresh(settings.index_alias)
    assert engine.count(settings.index_alias) == len(demo_expected)
    result = run_search(engine, settings.index_alias, "subsidy", size=50)
    assert len({hit["id"] for hit in result["hits"]}) == len(result["hits"])


def test_reprocess_swaps_the_alias_under_a_running_search(flow_env, demo_expected):
    env, settings, engine = flow_env
    before = engine.alias_targets(settings.index_alias)
    errors: list[str] = []
    totals: list[int] = []
    done = threading.Event()

    def keep_searching() -> None:
        while not done.is_set():
            try:
                totals.append(run_search(engine, settings.index_alias, "", size=1)["total"])
            except Exception as exc:
                errors.append(repr(exc))

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        output = policyradar(env, "reprocess")
    finally:
        done.set()
        searcher.join()

    after = engine.alias_targets(settings.index_alias)
    first, next_version = MAPPING_VERSION, MAPPING_VERSION + 1  # a fresh install starts at the mapping's
    assert before == [f"{settings.index_alias}-v{first}"], output
    assert after == [f"{settings.index_alias}-v{next_version}"], output
    assert errors == [] and len(totals) > 3
    assert set(totals) == {len(demo_expected)}
    assert engine.count(settings.index_alias) == len(demo_expected)
