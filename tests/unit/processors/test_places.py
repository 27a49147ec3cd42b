import pytest

from processors.extractors.places import find_places


def places(text: str):
    return [(h.text, h.entry.canonical, h.entry.level) for h in find_places(text)]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("马来西亚", "Malaysia"),
        ("沙特阿拉伯", "Saudi Arabia"),
        ("阿联酋", "United Arab Emirates"),
        ("韩国", "South Korea"),
        ("in Malaysia and", "Malaysia"),
        ("firms in Indonesia", "Indonesia"),
        ("the UAE fund", "United Arab Emirates"),
    ],
)
def test_countries_in_both_languages(text, canonical):
    assert [(c, lv) for _, c, lv in places(text)] == [(canonical, "country")]


def test_a_currency_sign_is_not_the_country():
    assert places("It raised US$5 million, paid in U.S. dollars.") == []


@pytest.mark.parametrize(
    ("text", "canonical", "province", "city"),
    [
        ("合肥高新区发布通知", "Hefei High-tech Zone", "Anhui", "Hefei"),
        ("成都市高新技术产业开发区管委会", "Chengdu High-tech Zone", "Sichuan", "Chengdu"),
        ("苏州经开区", "Suzhou Economic and Technological Development Zone", "Jiangsu", "Suzhou"),
        ("无锡经济技术开发区", "Wuxi Economic and Technological Development Zone", "Jiangsu", "Wuxi"),
        ("郑州综合保税区", "Zhengzhou Comprehensive Bonded Zone", "Henan", "Zhengzhou"),
        ("中国（四川）自由贸易试验区", "Sichuan Pilot Free Trade Zone", "Sichuan", None),
        ("the Wuxi High-tech Zone", "Wuxi High-tech Zone", "Jiangsu", "Wuxi"),
        ("China (Hubei) Pilot Free Trade Zone", "Hubei Pilot Free Trade Zone", "Hubei", None),
        (
            "the Nanjing Economic and Technological Development Zone",
            "Nanjing Economic and Technological Development Zone",
            "Jiangsu",
            "Nanjing",
        ),
    ],
)
def test_zones_named_after_a_place_get_its_city_and_province(text, canonical, province, city):
    (hit,) = find_places(text)
    assert (hit.entry.canonical, hit.entry.level, hit.entry.province, hit.entry.city) == (
        canonical,
        "zone",
        province,
        city,
    )


def test_a_zone_the_table_lists_keeps_its_table_entry():
    assert places("武汉东湖新技术开发区")[0][1] == "Optics Valley"
    assert places("南沙新区")[0][1] == "Nansha New Area"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("阿里云在张北建设数据中心", "Zhangbei"),
        ("河北省张北县", "Zhangbei"),
        ("乐东黎族自治县", "Ledong"),
        ("达拉特旗", "Dalate Banner"),
        ("通道侗族自治县", "Tongdao Autonomous County"),
        ("a data centre in Zhangbei County", "Zhangbei"),
    ],
)
def test_counties_and_banners_are_places(text, canonical):
    assert canonical in [c for _, c, _ in places(text)]


@pytest.mark.parametrize(
    "text",
    [
        "支持创新平台建设",  # 新平 (新平彝族傣族自治县)
        "推进乡村振兴和数字经济",  # 兴和 (兴和县)
        "各市和县（市、区）",  # 和县
        "通道建设",  # 通道 (通道侗族自治县), an everyday word
        "中方愿同各方",  # 中方 (中方县)
        "市财政局会同市科技局",  # 会同 (会同县)
        "中东部地区",  # 中东 is not the Middle East here
        "Tencent released Hunyuan",  # 浑源县 in pinyin is Tencent's model
    ],
)
def test_county_names_that_are_words_or_inside_words_are_not_places(text):
    assert [c for _, c, lv in places(text) if lv == "county" or c == "Middle East"] == []


@pytest.mark.parametrize(("text", "canonical"), [("天津市", "Tianjin"), ("长沙市", "Changsha")])
def test_substring_traps_stay_closed(text, canonical):
    assert [c for _, c, _ in places(text)] == [canonical]
