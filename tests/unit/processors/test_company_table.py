"""The company alias table: canonical names, subsidiaries with a parent, and user extensions."""

import pytest

from policyradar.errors import ConfigError
from processors.extractors.companies import (
    ALIASES_FILE,
    company_gazetteer,
    company_parents,
    read_aliases,
    read_table,
)
from processors.pipeline import build_nlp


def test_subsidiaries_keep_their_own_canonical_name_with_the_group_as_parent():
    gazetteer, parents = company_gazetteer(), company_parents()
    for alias, canonical, parent in [
        ("阿里云", "Alibaba Cloud", "Alibaba"),
        ("华为云", "Huawei Cloud", "Huawei"),
        ("火山引擎", "Volcano Engine", "ByteDance"),
        ("平头哥", "T-Head", "Alibaba"),
        ("海思", "HiSilicon", "Huawei"),
    ]:
        assert gazetteer.get(alias) == canonical
        assert parents[canonical] == parent
    assert "Ant Group" not in parents  # an affiliate of Alibaba, not a subsidiary


def test_a_subsidiary_is_found_with_its_group_in_the_possessive():
    hits = list(company_gazetteer().find("Baidu's AI Cloud unit grew."))
    assert [h.entry for h in hits] == ["Baidu AI Cloud"]


def test_the_old_list_format_still_reads(tmp_path):
    path = tmp_path / "extra.yaml"
    path.write_text("Acme: [艾克米, Acme Corp]\nAcme Cloud: {parent: Acme, aliases: [艾克米云]}\n", "utf-8")
    assert read_aliases(path) == {"Acme": ["艾克米", "Acme Corp"], "Acme Cloud": ["艾克米云"]}
    assert company_parents(str(path))["Acme Cloud"] == "Acme"


def test_a_parent_no_table_lists_names_the_file_and_the_entry(tmp_path):
    path = tmp_path / "extra.yaml"
    path.write_text("Acme Cloud: {parent: Nowhere Group, aliases: []}\n", "utf-8")
    with pytest.raises(ConfigError, match=r"extra.yaml: entry 'Acme Cloud' names parent 'Nowhere Group'"):
        company_parents(str(path))


def test_an_entry_with_an_unknown_key_names_the_file_and_the_entry(tmp_path):
    path = tmp_path / "extra.yaml"
    path.write_text("Acme: {alias: [x]}\n", "utf-8")
    with pytest.raises(ConfigError, match=r"extra.yaml: entry 'Acme' may only have"):
        read_table(path)


def test_the_shipped_table_gives_every_form_to_one_company_only():
    seen: dict[str, str] = {}
    for canonical, entry in read_table(ALIASES_FILE).items():
        for form in [canonical, *entry.aliases]:
            assert seen.setdefault(form, canonical) == canonical, form


def test_the_companies_step_fills_the_parent_and_strips_no_known_name():
    doc = build_nlp("zh")("北京智谱华章科技有限公司与阿里云、成都云岭智算科技有限公司签约。")
    found = [(c["text"], c["canonical"], c["parent"]) for c in doc._.companies]
    assert found == [
        ("北京智谱华章科技有限公司", "Zhipu", None),
        ("阿里云", "Alibaba Cloud", "Alibaba"),
        ("成都云岭智算科技有限公司", "云岭智算", None),
    ]


def test_chinese_companies_no_table_lists_are_found_and_bodies_are_not():
    doc = build_nlp("zh")("长安汽车与赛力斯合作，北京市经济和信息化局表示支持。")
    assert [c["text"] for c in doc._.companies] == ["长安汽车", "赛力斯"]
    assert [o["text"] for o in doc._.organizations] == ["北京市经济和信息化局"]
