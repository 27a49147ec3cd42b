"""The bilingual glossary: the shipped file loads, a bad line is refused with its file and line, and
query text is expanded term by term without breaking the query syntax."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indexer.glossary import GLOSSARY_PATH, GlossaryError, default_glossary, load_glossary, parse_glossary

SMALL = (
    "# a comment\n\n"
    "算力券\tcomputing voucher | compute voucher\n"
    "大模型 | 大語言模型\tlarge model | LLM\n"
    "补贴\tsubsidy\n"
)


def small():
    return parse_glossary(SMALL, "small.tsv")


def test_the_shipped_glossary_loads_with_at_least_150_concepts():
    glossary = default_glossary()
    assert len(glossary) >= 150
    assert glossary.concept_of("算力券") is glossary.concept_of("computing voucher")
    assert glossary.concept_of("揭榜挂帅") is glossary.concept_of("open competition mechanism")
    assert glossary.concept_of("专精特新") is glossary.concept_of("specialised and sophisticated")
    assert glossary.concept_of("大模型") is glossary.concept_of("large model")


def test_traditional_terms_are_folded_when_the_glossary_loads():
    assert small().concept_of("大语言模型").chinese == ("大模型", "大语言模型")


def test_plural_and_hyphenated_english_forms_find_their_concept():
    glossary = default_glossary()
    assert glossary.concept_of("Computing Vouchers") is glossary.concept_of("算力券")
    assert glossary.concept_of("subsidies") is glossary.concept_of("补贴")
    assert glossary.concept_of("start up") is glossary.concept_of("start-up")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("算力券 computing voucher", "expected two columns separated by a tab"),
        ("算力券\tcomputing voucher\textra", "found 3"),
        ("算力券 | \tcomputing voucher", "empty term in the Chinese column"),
        ("compute\tcomputing voucher", "Chinese term 'compute' must hold Chinese characters"),
        ("算力券\t算力", "English term '算力'"),
        ('算力券\t"computing" voucher', "English term"),
        ("算力(券)\tcomputing voucher", "Chinese term"),
    ],
)
def test_a_malformed_line_is_refused_naming_the_file_and_the_line(line, message):
    with pytest.raises(GlossaryError) as caught:
        parse_glossary(f"# header\n补贴\tsubsidy\n{line}\n", "my/glossary.tsv")
    assert str(caught.value).startswith("my/glossary.tsv line 3: ")
    assert message in str(caught.value)


def test_a_term_on_two_lines_is_refused_naming_both(tmp_path: Path):
    path = tmp_path / "glossary.tsv"
    path.write_text("算力券\tcomputing voucher\n\n算力劵 | 算力券\tvoucher\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=re.escape(f"{path} line 3: term '算力券' is already on line 1")):
        load_glossary(path)


def test_an_unreadable_glossary_file_is_named(tmp_path: Path):
    with pytest.raises(GlossaryError, match=re.escape("missing.tsv: cannot read the glossary")):
        load_glossary(tmp_path / "missing.tsv")


def test_a_term_becomes_a_group_of_its_equivalents():
    assert small().expand("算力券") == '(算力券 | "computing voucher" | "compute voucher")'


def test_a_multi_word_term_keeps_its_words_together_and_the_rest_of_the_query():
    assert small().expand("Shenzhen computing vouchers") == (
        'Shenzhen ((computing vouchers) | "算力券" | "compute voucher")'
    )


def test_terms_inside_a_chinese_run_are_split_out():
    assert (
        small().expand("深圳算力券补贴")
        == '深圳 (算力券 | "computing voucher" | "compute voucher") (补贴 | "subsidy")'
    )


def test_negation_covers_every_equivalent():
    assert small().expand("-大模型") == '-(大模型 | "大语言模型" | "large model" | "LLM")'


def test_a_quoted_phrase_is_expanded_only_when_it_is_a_term_as_a_whole():
    assert small().expand('"large model"') == '("large model" | "大模型" | "大语言模型" | "LLM")'
    assert small().expand('"large model builders"') == '"large model builders"'


def test_prefixes_unclosed_quotes_and_words_inside_other_words_are_left_alone():
    glossary = small()
    assert glossary.expand("subsid*") == "subsid*"
    assert glossary.expand('"large model') == '"large model'
    assert glossary.expand("LLMs4all subsidyless") == "LLMs4all subsidyless"


def test_the_shipped_glossary_file_is_where_the_package_data_points():
    assert GLOSSARY_PATH.parts[-3:] == ("indexer", "data", "glossary.tsv")


def test_a_possessive_term_is_left_as_written_so_no_lone_s_is_required():
    from indexer.glossary import default_glossary

    expanded = default_glossary().expand("Hangzhou's AI grants")
    assert expanded.startswith("Hangzhou's ") and "'s" not in expanded.replace("Hangzhou's", "")
