"""``policyradar sources ...`` as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from launcher.demo_site import serve_demo_site
from policyradar.settings import Settings

pytestmark = pytest.mark.integration


def policyradar(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_list_json_names_demo_and_real_sources():
    result = policyradar("sources", "list", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {"id", "name", "publisher_kind", "jurisdiction", "language", "enabled", "entry_kinds"} <= set(
        rows[0]
    )
    ids = {row["id"] for row in rows}
    assert {"demo-gov-zh", "demo-gov-en", "demo-newsroom"} <= ids
    real = [row for row in rows if not row["id"].startswith("demo-")]
    assert len(real) >= 20 and not any(row["enabled"] for row in real)


def test_validate_passes_on_shipped_sources_and_names_a_broken_file(tmp_path):
    assert policyradar("sources", "validate").returncode == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "id: ok-id\nname: x\npublisher_kind: ministry\njurisdiction: CN\nlanguage: zh\nentry_points: []\n"
    )
    result = policyradar("sources", "validate", str(broken))
    assert result.returncode == 1
    assert (
        "broken.yaml" in result.stderr
        and "publisher_kind" in result.stderr
        and "entry_points" in result.stderr
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9200/",
        "file:///etc/passwd",
        "http://169.254.169.254/latest",
        "http://[::1]:8765/",
        "gopher://example.com/",
    ],
)
def test_add_refuses_hostile_urls_and_writes_nothing(tmp_path, url):
    result = policyradar("sources", "add", url, "--out", str(tmp_path / "new"))
    assert result.returncode == 2 and "error" in result.stderr
    assert not (tmp_path / "new").exists()


def test_add_discovers_the_demo_listing_and_preview_prints_entities(tmp_path):
    with serve_demo_site(Settings().demo_site_port):
        added = policyradar(
            "sources",
            "add",
            "http://127.0.0.1:8765/gov-zh/index.html",
            "--id",
            "new-bureau",
            "--out",
            str(tmp_path),
        )
        assert added.returncode == 0, added.stderr
        spec = (tmp_path / "new-bureau.yaml").read_text(encoding="utf-8")
        assert "ul.news-list li a::attr(href)" in spec and "enabled: false" in spec
        preview = policyradar("sources", "preview", "demo-gov-en", "--limit", "2")
    assert preview.returncode == 0, preview.stderr[-2000:]
    assert preview.stdout.count("http://127.0.0.1:8765/gov-en/news/") == 2
    assert "money:" in preview.stdout and "places:" in preview.stdout
    assert preview.stdout.count("alerts it would fire:") == 2


def test_check_live_reports_which_sources_still_yield_items(tmp_path):
    from tests.fixtures.site_server import serve_fixture_site

    with serve_fixture_site() as (base, _site):
        port = base.rsplit(":", 1)[1]
        for source_id, url in (("alive", f"{base}/feed.xml"), ("gone", "http://127.0.0.1:1/feed.xml")):
            (tmp_path / f"{source_id}.yaml").write_text(
                f"id: {source_id}\nname: {source_id}\npublisher_kind: media\njurisdiction: CN\nlanguage: en\n"
                f"entry_points:\n  - kind: feed\n    url: {url}\nenabled: false\n"
            )
        env = {
            "POLICYRADAR_SOURCES_DIR": str(tmp_path),
            "POLICYRADAR_ALLOW_PRIVATE_HOSTS": json.dumps([f"127.0.0.1:{port}", "127.0.0.1:1"]),
        }
        result = policyradar("sources", "check", "--live", env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = {
        line.split()[1]: line.split()[0] for line in result.stdout.splitlines() if line[:2] in ("ok", "FA")
    }
    assert lines == {"alive": "ok", "gone": "FAILED"}
    assert "1 of 2 sources extract items" in result.stdout


def test_validate_rejects_bad_cron_time_zone_and_css_naming_file_and_field(tmp_path):
    base = (
        "id: {id}\nname: x\npublisher_kind: government\njurisdiction: CN\nlanguage: zh\n"
        "entry_points:\n  - kind: listing\n    url: https://example.gov.cn/\n"
        "    link_selector: 'a::attr(href)'\n"
    )
    (tmp_path / "cron.yaml").write_text(base.format(id="bad-cron") + "schedule:\n  cron: '0 25 * * *'\n")
    (tmp_path / "zone.yaml").write_text(
        base.format(id="bad-zone") + "schedule:\n  every: 1h\n  timezone: Asia/Atlantis\n"
    )
    (tmp_path / "css.yaml").write_text(base.format(id="bad-css") + "selectors:\n  title: 'h1['\n")
    (tmp_path / "good.yaml").write_text(base.format(id="good"))
    result = policyradar("sources", "validate", str(tmp_path))
    assert result.returncode == 1 and "1 of 4 source files valid" in result.stdout
    errors = sorted(line for line in result.stderr.splitlines() if line.startswith("INVALID"))
    assert [line.split(": field ")[0] for line in errors] == [
        f"INVALID {tmp_path / name}" for name in ("cron.yaml", "css.yaml", "zone.yaml")
    ]
    assert "'schedule.cron'" in errors[0] and "'selectors.title'" in errors[1]
    assert "'schedule.timezone'" in errors[2]
