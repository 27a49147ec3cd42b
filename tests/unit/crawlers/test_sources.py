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
