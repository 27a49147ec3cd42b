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
