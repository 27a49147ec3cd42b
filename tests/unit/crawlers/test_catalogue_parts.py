from pathlib import Path
from types import SimpleNamespace

from crawlers.checks import Check
from crawlers.hosts import HostPolicy, apply_policies, host_policies
from crawlers.schedule import SourceFolder, SourceJobs
from crawlers.sources import SourceSpec
from crawlers.state import PageState, StateStore
from crawlers.timetable import Timetable

SPEC = """\
id: {id}
name: a bureau
publisher_kind: government
jurisdiction: CN
language: zh
entry_points:
  - kind: listing
    url: http://{host}/list.html
    link_selector: "ul li a::attr(href)"
schedule: {{every: 30m}}
{politeness}
"""


def spec(source_id: str, host: str = "a.gov.cn", politeness: str = "") -> SourceSpec:
    import yaml

    return SourceSpec.model_validate(
        yaml.safe_load(SPEC.format(id=source_id, host=host, politeness=politeness))
    )


def test_sources_on_one_host_share_the_strictest_delay_and_concurrency():
    policies = host_policies(
        [
            spec("one", politeness="politeness: {download_delay: 2, concurrency: 3}"),
            spec("two", politeness="politeness: {download_delay: 0.5, concurrency: 1}"),
            spec("three", host="b.gov.cn", politeness="politeness: {download_delay: 0}"),
        ],
        delay=0.25,
        concurrency=2,
    )
    assert policies["a.gov.cn"] == HostPolicy(delay=2.0, concurrency=1)
    assert policies["b.gov.cn"] == HostPolicy(delay=0.0, concurrency=2)  # its own choice, not the default


def test_policies_reach_the_slots_scrapy_has_and_those_it_will_make():
    slot = SimpleNamespace(delay=0.25, concurrency=8, jitter=0.5)
    downloader = SimpleNamespace(slots={"a.gov.cn": slot}, per_slot_settings={})
    apply_policies(downloader, {"a.gov.cn": HostPolicy(2.0, 1), "c.gov.cn": HostPolicy(1.0, 2)})
    slot = downloader.slots["a.gov.cn"]
    assert (slot.delay, slot.concurrency, slot.jitter) == (2.0, 1, 0)
    assert downloader.per_slot_settings["c.gov.cn"] == {"delay": 1.0, "concurrency": 2, "jitter": 0}


def test_the_state_store_keeps_only_its_shard_and_forgets_tombstoned_pages():
    store = StateStore()
    mine = PageState("http://a/1", "mine", "hash-1", etag='"e1"')
    for doc_id, state in (("d1", mine), ("d2", PageState("http://b/1", "theirs", "hash-2"))):
        _, key, value = state.to_message("topic", doc_id)
        store.apply(key.encode(), value, belongs=lambda s: s == "mine")
    store.apply(b"d9", b"not json", belongs=lambda s: True)
    assert store.get("d1").etag == '"e1"' and store.get("d2") is None and len(store) == 1
    store.apply(b"d1", None, belongs=lambda s: True)
    assert store.get("d1") is None


def test_a_check_ends_when_its_last_request_and_record_are_done():
    ended = []
    check = Check(spec("one"), due=0.0, on_done=ended.append)
    check.request_opened()
    check.request_opened()
    check.request_closed()
    check.item_queued()
    check.request_closed()
    assert not ended  # a record is still waiting for Kafka
    check.item_done(ok=True)
    assert ended == [check]
    run = check.run()
    assert run.source_id == "one" and not run.failed and run.finish_reason == "finished"


def test_a_check_whose_only_result_is_an_error_fails():
    check = Check(spec("one"), due=0.0, on_done=lambda _: None)
    check.request_opened()
    check.errors += 1
    check.request_closed()
    assert check.run().failed


def test_new_files_are_read_unchanged_ones_not_again_and_broken_ones_keep_their_schedule(
    tmp_path: Path, caplog
):
    (tmp_path / "one.yaml").write_text(SPEC.format(id="one", host="a.gov.cn", politeness=""))
    folder = SourceFolder(tmp_path, (0, 1))
    table = Timetable()
    jobs = SourceJobs(table, lambda n: 60.0, lambda: 1000.0)
    assert jobs.apply(folder.read()) and 1000.0 <= table.next_due("one") < 1060.0
    assert not jobs.apply(folder.read())  # nothing changed: nothing parsed or planned again
    (tmp_path / "two.yaml").write_text(SPEC.format(id="two", host="a.gov.cn", politeness=""))
    assert jobs.apply(folder.read()) and table.next_due("two") == 1000.0  # added while running: now
    (tmp_path / "one.yaml").write_text("id: [broken")
    assert not jobs.apply(folder.read()) and "one" in table
    assert "keeping source one on its last good schedule" in caplog.text
    (tmp_path / "two.yaml").unlink()
    assert jobs.apply(folder.read()) and "two" not in table


def test_no_spider_middleware_of_the_long_lived_crawler_drops_a_request_silently():
    # A dropped request gets neither callback nor errback: the check that opened it would never end.
    import pytest
    from scrapy.exceptions import NotConfigured
    from scrapy.settings import Settings as ScrapySettings
    from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware

    from crawlers.service import catalogue_settings
    from policyradar.settings import Settings

    scrapy_settings = ScrapySettings(catalogue_settings(Settings(), "INFO", max_parallel=4))
    with pytest.raises(NotConfigured):  # the URL length middleware is off
        UrlLengthMiddleware.from_crawler(SimpleNamespace(settings=scrapy_settings))
    assert scrapy_settings.getint("DEPTH_LIMIT") == 0  # no depth limit either


def test_the_sources_folder_lists_what_rglob_lists_in_the_same_order(tmp_path):
    from crawlers.schedule import yaml_files

    for name in ("b.yaml", "a-b/c.yaml", "a/z.yaml", "a/b/y.yaml", ".hidden.yaml", "notes.txt", "a/x.yml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("id: x\n")
    (tmp_path / "linked").symlink_to(tmp_path / "a", target_is_directory=True)  # not entered
    assert yaml_files(tmp_path) == [str(path) for path in sorted(tmp_path.rglob("*.yaml"))]
