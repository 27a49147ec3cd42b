import pytest

from crawlers.sources import load_source, load_sources
from policyradar.errors import ConfigError
from policyradar.settings import PROJECT_ROOT

GOOD = """\
id: city-bureau
name: City bureau
publisher_kind: government
jurisdiction: CN-Beijing
language: zh
entry_points:
  - kind: listing
    url: https://jxj.example.gov.cn/tzgg/index.html
    link_selector: "ul li a::attr(href)"
"""


def test_shipped_sources_all_validate():
    specs = load_sources(PROJECT_ROOT / "sources")
    assert {"demo-gov-zh", "demo-gov-en", "demo-newsroom"} <= {s.id for s in specs}


def test_a_good_file_loads(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(GOOD)
    spec = load_source(path)
    assert spec.hosts == ["jxj.example.gov.cn"] and spec.enabled


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("publisher_kind: government", "publisher_kind: blog"), "publisher_kind"),
        (("https://jxj.example.gov.cn/tzgg/index.html", "ftp://x/y"), "entry_points.0.url"),
        (("id: city-bureau", "id: City Bureau!"), "id"),
        (("language: zh", "language: zh\ncolour: blue"), "colour"),
    ],
)
def test_errors_name_the_file_and_the_field(tmp_path, change, field):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(ConfigError) as exc:
        load_source(path)
    assert str(path) in str(exc.value) and repr(field) in str(exc.value)


@pytest.mark.parametrize(
    ("addition", "field", "said"),
    [
        ("schedule:\n  cron: '61 * * * *'\n", "schedule.cron", "not a valid cron expression"),
        ("schedule:\n  cron: '0 8 * * funday'\n", "schedule.cron", "not a valid cron expression"),
        ("schedule:\n  cron: '0 8 * *'\n", "schedule.cron", "five fields"),
        ("schedule:\n  every: 6h\n  timezone: Mars/Olympus\n", "schedule.timezone", "unknown time zone"),
        ("schedule:\n  every: 6h\n  timezone: ../etc/passwd\n", "schedule.timezone", "unknown time zone"),
        ("selectors:\n  title: 'h1[class'\n", "selectors.title", "not a valid CSS selector"),
        ("selectors:\n  body: 'div >> p'\n", "selectors.body", "not a valid CSS selector"),
        ("selectors:\n  date: 'span::nonsense'\n", "selectors.date", "not a valid CSS selector"),
        ("deny: ['(unclosed']\n", "deny.0", "not a valid regular expression"),
    ],
)
def test_bad_schedules_and_selectors_name_the_file_and_the_field(tmp_path, addition, field, said):
    path = tmp_path / "cn" / "bad.yaml"
    path.parent.mkdir()
    path.write_text(GOOD + addition)
    with pytest.raises(ConfigError) as exc:
        load_source(path)
    assert str(exc.value).startswith(f"{path}: field {field!r}:") and said in str(exc.value)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('"ul li a::attr(href)"', '"ul li a::attr(href"', "entry_points.0.link_selector"),
        (
            '"ul li a::attr(href)"',
            '"ul li a::attr(href)"\n    next_page_selector: "a.next:nth-child(x)"',
            "entry_points.0.next_page_selector",
        ),
    ],
)
def test_bad_listing_selectors_name_the_entry_point(tmp_path, old, new, field):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(ConfigError, match=f"field {field!r}: .*not a valid CSS selector"):
        load_source(path)


def test_good_cron_schedules_and_pseudo_element_selectors_pass(tmp_path):
    path = tmp_path / "ok.yaml"
    extra = "schedule:\n  cron: '*/30 8-18 * * mon-fri'\n  timezone: Europe/Berlin\n"
    path.write_text(GOOD + extra + "selectors:\n  date: 'span.date::text'\n  body: 'div.TRS_Editor'\n")
    assert load_source(path).schedule.timezone == "Europe/Berlin"


def test_unparsable_yaml_and_duplicate_ids_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(ConfigError, match=r"more than one file"):
        load_sources(tmp_path)
    (tmp_path / "b.yaml").write_text("id: [unclosed")
    with pytest.raises(ConfigError, match=r"b\.yaml"):
        load_sources(tmp_path)


def test_unknown_source_id_is_named(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    with pytest.raises(ConfigError, match="nope"):
        load_sources(tmp_path, only=["nope"])


def test_a_named_source_loads_although_another_file_is_broken(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD.replace("city-bureau", "other") + "schedule:\n  cron: 'x'\n")
    assert [spec.id for spec in load_sources(tmp_path, only=["city-bureau"])] == ["city-bureau"]
    with pytest.raises(
        ConfigError, match=r"unknown source id\(s\) \['other'\].*b\.yaml: field 'schedule.cron'"
    ):
        load_sources(tmp_path, only=["other"])
    with pytest.raises(ConfigError, match=r"b\.yaml"):
        load_sources(tmp_path)
