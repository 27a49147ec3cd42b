"""Chinese company names: where a legal name starts, which LAC names are not companies, and a
group's arms named after it."""

import pytest

from processors.extractors.companies import find_companies, group_arm
from processors.extractors.company_cues import zh_listed_companies, zh_name_is_specific
from processors.extractors.organizations import classify_organization, find_zh_companies
from processors.extractors.zh_ner import lac_words


def _names(text: str) -> list[str]:
    return [text[s:e] for s, e in find_zh_companies(text, lac_words(text))]


def _place_length(name: str) -> int:
    return next((len(p) for p in ("上海", "成都", "杭州", "越南") if name.startswith(p)), 0)


def test_a_legal_name_starts_after_the_verb_or_preposition_before_it():
    assert _names("参与方包括杭州星辰数智科技有限公司。") == ["杭州星辰数智科技有限公司"]
    assert _names("项目由上海青禾云算有限公司负责运营。") == ["上海青禾云算有限公司"]


def test_a_legal_name_keeps_a_conjunction_character_inside_it_and_its_bracketed_place():
    text = "3．江苏和信软件股份有限公司；4．星河智能科技（杭州）有限公司；"
    assert _names(text) == ["江苏和信软件股份有限公司", "星河智能科技（杭州）有限公司"]


def test_a_legal_name_drops_a_descriptor_before_it():
    assert _names("国产芯片企业青禾微电子科技股份有限公司发布新品") == ["青禾微电子科技股份有限公司"]


def test_without_lac_words_a_legal_name_starts_after_a_preposition():
    text = "深圳市对青禾数智有限公司发放算力券。"
    assert [text[s:e] for s, e in find_zh_companies(text)] == ["青禾数智有限公司"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("支持成都、绵阳等地企业申报。", "成都"),
        ("杭州大模型公司青禾智能完成融资。", "杭州大模型公司"),
        ("創新科技及工業局公告", "創新科技"),
        ("川经信软件〔2025〕12号", "川经信软件"),
        ("哈工信发[2024]15号", "哈工信"),
        ("与本地高校合作", "本地高校"),
        ("落户未来科技城的企业", "未来科技城"),
        ("致電數碼港計劃辦公室查詢", "數碼港計劃辦公室"),
    ],
)
def test_places_generic_descriptions_bodies_and_document_codes_are_no_company(text, name):
    start = text.index(name)
    assert not zh_name_is_specific(text, start, start + len(name), _place_length)


def test_a_distinctive_name_after_a_place_is_a_company():
    text = "上海青禾智能完成融资。"
    assert zh_name_is_specific(text, 0, 6, _place_length)


def test_an_enumeration_of_places_before_firms_lists_no_company():
    for text in ("支持成都、绵阳、宜宾等地企业联合申报。", "联合新加坡、越南等国家的高校和企业开展合作。"):
        assert zh_listed_companies(text, lac_words(text)) == []


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("街道办事处", "government"),
        ("香港科技大學", "university"),
        ("证券时报", "media"),
        ("财联社", "media"),
    ],
)
def test_traditional_script_bodies_offices_and_news_outlets_have_their_kind(name, kind):
    assert classify_organization(name) == kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("腾讯投资、红杉中国领投", "Tencent Investment"),
        ("由吉利资本领投", "Geely Capital"),
        ("Lenovo Capital led the round", "Lenovo Capital"),
        ("backed by Baidu Ventures and others", "Baidu Ventures"),
    ],
)
def test_an_arm_named_after_its_group_is_a_company_of_its_own(text, expected):
    hit = find_companies(text)[0]
    arm = group_arm(text, hit, set())
    assert arm is not None and arm[1] == expected


@pytest.mark.parametrize("text", ["腾讯资本开支增加", "腾讯投资了多家企业", "Lenovo capital spending rose"])
def test_a_group_name_before_an_ordinary_word_is_the_group(text):
    assert group_arm(text, find_companies(text)[0], set()) is None


@pytest.fixture(scope="module")
def zh_full():
    from processors.pipeline import build_nlp

    return build_nlp("zh", "default")


def _companies(nlp, text: str) -> list[tuple[str, str | None]]:
    return [(c["canonical"], c["parent"]) for c in nlp(text)._.companies]


def test_a_legal_name_that_only_starts_with_a_group_name_is_the_subsidiary(zh_full):
    found = _companies(zh_full, "支持中国石油青禾数智科技有限责任公司建设平台。")
    assert [name for name, _ in found] == ["石油青禾数智"]


def test_a_legal_name_whose_short_form_is_the_group_stays_the_group(zh_full):
    assert _companies(zh_full, "支持腾讯科技（深圳）有限公司建设平台。") == [("Tencent", None)]
    assert _companies(zh_full, "由中国电信股份有限公司青禾分公司承建。") == [("China Telecom", None)]


def test_an_arm_has_its_group_as_parent(zh_full):
    assert ("Tencent Investment", "Tencent") in _companies(zh_full, "本轮由腾讯投资、红杉中国领投。")
