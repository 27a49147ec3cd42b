"""Issue 11 end to end on the real stack: one call for applications published by a bureau and
reposted by a district government, an industry association and a Traditional-script news portal
(tests/fixtures/repost_site/) is crawled, processed and indexed by ``policyradar`` processes; search
shows it once with its three copies, alerts deliver it once; then the bureau amends its page (cap
raised, deadline moved), and after a re-crawl the versions API and an ``--on-change`` alert's next
digest carry the diff."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from indexer.alerts.digest import DigestService
from indexer.api import create_app
from indexer.engine import make_engine
from launcher.stack import stack_up
from policyradar.ids import document_id
from policyradar.settings import Settings
from tests.fixtures.app_server import serve_app
from tests.fixtures.isolation import isolated_overrides, settings_with
from tests.fixtures.receivers import smtp_server, webhook_receiver
from tests.fixtures.repost_server import REPOST_SITE, serve_repost_site

pytestmark = pytest.mark.e2e
BUREAU = "/gxj/xxgk/tzgg/content/post_11234567.html"
LAST_YEAR = "/gxj/xxgk/tzgg/content/post_10456789.html"
COPIES = {
    "sz-nanshan-tzgg": "/nanshan/xxgk/tzgg/202404/t20240412_26311234.html",
    "saia-news": "/saia/news/show-1688.html",
    "hk-portal-finance": "/hkportal/finance/2024-04/16/content_30871234.htm",
}
CAP_RAISED = "subsidy cap raised from 10,000,000 CNY to 20,000,000 CNY"
DEADLINE_MOVED = "deadline moved from 2024-06-30 to 2024-07-15"


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


def write_sources(folder: Path, port: str) -> Path:
    """The four fixture source specs, pointed at the port the site is served on."""
    folder.mkdir()
    for spec in sorted((REPOST_SITE / "sources").glob("*.yaml")):
        (folder / spec.name).write_text(spec.read_text(encoding="utf-8").replace("PORT", port), "utf-8")
    return folder


def crawl_process_index(env: dict[str, str]) -> str:
    output = policyradar(env, "crawl")
    policyradar(env, "process", "--until-idle")
    policyradar(env, "index", "--until-idle")
    return output


@pytest.fixture
def world(tmp_path):
    """The fixture site, a mail server and a webhook receiver, and the environment of a
    ``policyradar`` run isolated to this test (topics, groups, alias, sources folder)."""
    stack_up(Settings(), say=lambda _line: None)
    with (
        serve_repost_site() as (base, site),
        smtp_server() as (smtp_port, inbox),
        webhook_receiver() as (hook_url, hook),
    ):
        private = (f"127.0.0.1:{base.rsplit(':', 1)[1]}", hook_url.split("/")[2])
        sources = write_sources(tmp_path / "sources", base.rsplit(":", 1)[1])
        overrides = {**isolated_overrides("reposts"), "POLICYRADAR_NLP_PROFILE": "rules"}
        settings = settings_with(overrides).model_copy(
            update={"sources_dir": sources, "allow_private_hosts": private, "smtp_port": smtp_port}
        )
        env = {
            **os.environ,
            **overrides,
            "POLICYRADAR_SOURCES_DIR": str(sources),
            "POLICYRADAR_ALLOW_PRIVATE_HOSTS": json.dumps(private),
            "POLICYRADAR_SMTP_PORT": str(smtp_port),
        }
        engine = make_engine(settings)
        try:
            yield {
                "env": env,
                "settings": settings,
                "engine": engine,
                "base": base,
                "site": site,
                "inbox": inbox,
                "hook_url": hook_url,
                "hook": hook,
            }
        finally:
            for index in engine.list_indices(f"{settings.index_alias}-*"):
                engine.delete_index(index)
            engine.close()


def test_a_reposted_notice_is_one_hit_sent_once_and_its_amendment_arrives_as_a_diff(world):
    env, settings, engine, base = world["env"], world["settings"], world["engine"], world["base"]
    inbox, hook = world["inbox"], world["hook"]
    bureau_id = document_id(base + BUREAU)
    policyradar(env, "alerts", "add", "vouchers-mail", "--query", "算力券", "--every", "instant",
                "--email", "analyst@example.com", "--on-change")  # fmt: skip
    policyradar(env, "alerts", "add", "vouchers-hook", "--query", "算力券", "--province", "Guangdong",
                "--every", "instant", "--webhook", world["hook_url"])  # fmt: skip

    # Day one: the bureau's notice, last year's call from the same bureau and three reposts.
    crawl_output = crawl_process_index(env)
    for source, produced in (("sz-gxj-tzgg", 2), *((source, 1) for source in COPIES)):
        assert f"{source}: {produced} records produced, 0 unchanged, 0 quarantined, 0 errors" in crawl_output
    engine.refresh(settings.index_alias)
    assert engine.count(settings.index_alias) == 5
    stored = engine.search(settings.index_alias, {"size": 10, "_source": ["source_id", "is_original"]})
    originals = {
        hit["_source"]["source_id"] for hit in stored["hits"]["hits"] if hit["_source"]["is_original"]
    }
    assert originals == {"sz-gxj-tzgg"}  # the district's 来源 line names the bureau: a repost

    found = json.loads(policyradar(env, "search", "算力券", "--json"))
    assert found["counts"] == "clusters" and found["total"] == 2, found
    [notice] = [hit for hit in found["hits"] if hit["url"] == base + BUREAU]
    assert notice["copy_count"] == 3
    assert {(c["source_id"], c["url"]) for c in notice["copies"]} == {
        (s, base + p) for s, p in COPIES.items()
    }
    [last_year] = [hit for hit in found["hits"] if hit["url"] == base + LAST_YEAR]
    assert last_year["copy_count"] == 0 and last_year["cluster_id"] != notice["cluster_id"]
    expanded = json.loads(policyradar(env, "search", "算力券", "--expand-reposts", "--json"))
    assert expanded["counts"] == "documents" and expanded["total"] == 5

    digests = DigestService(engine, settings.index_alias, settings)
    assert len(digests.run_due()) == 2  # one digest per alert, each with the notice once
    [mail] = inbox.messages
    text = mail.get_body(("plain",)).get_content()
    assert text.count(base + BUREAU) == 1 and "also published by 3 sources" in text
    assert all(text.count(base + path) == 1 for path in COPIES.values()), text
    [(_, body)] = hook.deliveries
    items = {item["url"]: item for item in json.loads(body)["items"]}
    assert base + BUREAU in items and not set(items) & {base + p for p in COPIES.values()}
    assert {c["url"] for c in items[base + BUREAU]["copies"]} == {base + p for p in COPIES.values()}
    assert digests.run_due() == []  # nothing is sent twice

    # Later the bureau raises the cap and moves the deadline; the reposts stay as they were.
    world["site"].amend()
    crawl_output = crawl_process_index(env)
    assert "sz-gxj-tzgg: 1 records produced, 1 unchanged" in crawl_output
    assert all(f"{source}: 0 records produced, 1 unchanged" in crawl_output for source in COPIES)
    found = json.loads(policyradar(env, "search", "算力券", "--json"))
    [notice] = [hit for hit in found["hits"] if hit["id"] == bureau_id]
    assert found["total"] == 2 and notice["copy_count"] == 3 and notice["version_count"] == 2

    with serve_app(create_app(settings, engine)) as api:
        versions = httpx.get(f"{api}/api/documents/{bureau_id}/versions", timeout=30).json()["versions"]
    assert len(versions) == 2 and versions[0]["fetched_at"] > versions[1]["fetched_at"]
    summary = versions[0]["diff"]["summary"]
    assert DEADLINE_MOVED in summary and CAP_RAISED in summary, summary
    assert {c["field"] for c in versions[0]["diff"]["changes"]} >= {"deadline", "money"}
    assert "2000万元" in versions[0]["diff"]["text"] and "1000万元" in versions[0]["diff"]["text"]

    assert len(digests.run_due()) == 1  # the on-change alert only
    assert len(inbox.messages) == 2 and len(hook.deliveries) == 1
    lines = inbox.messages[1].get_body(("plain",)).get_content().splitlines()
    assert lines[1] == '0 new announcements, 1 amended for "算力券"', lines
    amended = lines[lines.index("== Amended ==") + 1 :]
    assert amended[0].startswith("* 深圳市工业和信息化局关于组织开展2024年度人工智能算力券申报工作的通知")
    assert f"  - {DEADLINE_MOVED}" in amended[1:4] and f"  - {CAP_RAISED}" in amended[1:4], lines
