import pytest

from policyradar.ids import canonical_url, content_hash, document_id


def test_canonical_url_lowercases_scheme_and_host_and_drops_fragment_and_tracking():
    url = "HTTPS://WWW.Example.GOV.cn:443/a/B.html?utm_source=x&id=7&spm=1.2#top"
    assert canonical_url(url) == "https://www.example.gov.cn/a/B.html?id=7"


def test_same_page_crawled_twice_keeps_its_id():
    a = document_id("http://127.0.0.1:8765/gov-zh/art/2024/t1.html#x")
    b = document_id("http://127.0.0.1:8765/gov-zh/art/2024/t1.html?utm_campaign=y")
    assert a == b
    assert a != document_id("http://127.0.0.1:8765/gov-zh/art/2024/t2.html")


def test_path_case_and_non_default_port_are_kept():
    assert canonical_url("http://h.cn:8080/A") == "http://h.cn:8080/A"
    assert document_id("http://h.cn/A") != document_id("http://h.cn/a")


def test_content_hash_ignores_whitespace_layout_but_not_words():
    assert content_hash("标题", "第一段\n\n第二段") == content_hash("标题", "第一段  第二段")
    assert content_hash("标题", "500万元") != content_hash("标题", "300万元")


# Ids that earlier versions gave these URLs; they are in users' indexes, so they must never change.
# (w3lib's canonicalize_url would change four of them: it sorts query arguments, percent-encodes
# non-ASCII paths and keeps the default port; see docs/architecture.md, "Hand-written, and why".)
PINNED_IDS = [
    ("http://www.gov.cn/zhengce/content/2024-03/05/content_6936252.htm", "b26fb9b40d59309e9761492874341dc3"),
    (
        "https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2025/art_1b9a2c.html",
        "24ea635d530d95dde395fd9bfb49c7f6",
    ),
    ("http://www.zj.gov.cn/art/2024/3/5/art_1229019364_2510853.html", "d634a92a2d0f9eb75adc9ae4cb41acb1"),
    (
        "http://kjj.hangzhou.gov.cn/col/col1229145/index.html?uid=5931245&pageNum=2",
        "7c4b9cb202f9ab77fcb7863343518acd",
    ),
    (
        "https://www.sh.gov.cn/nw12344/20240305/detail.html?id=8812&catalogId=45&from=timeline",
        "18aec5d4b259f6d54aa910c91419ad57",
    ),
    ("http://fgw.sz.gov.cn/zwgk/qt/tzgg/content/post_11203344.html#zoom", "f91d5eb0df8a58e2195237dcb3d9318d"),
    (
        "http://www.gd.gov.cn/gkmlpt/content/4/4369/post_4369142.html?utm_source=wechat",
        "429f98a2a0d9deb344fe92c6ebc9a6dd",
    ),
    (
        "http://jxj.beijing.gov.cn/zwgk/政策文件/202404/t20240416_3620211.html",
        "c1b5bc1614d989bca0464bd0a2f2dd7e",
    ),
    ("http://www.cq.gov.cn/zwgk/search.html?keyword=人工智能&page=2", "65ffdf33ef142b82fc05d277f25b7e9e"),
    ("http://WWW.NDRC.GOV.CN:80/xxgk/zcfb/tz/202403/t20240305_1364.html", "2ce368bd6c977af733a661da8e59ae9d"),
]


@pytest.mark.parametrize(("url", "expected"), PINNED_IDS)
def test_ids_of_urls_already_indexed_never_change(url, expected):
    assert document_id(url) == expected
