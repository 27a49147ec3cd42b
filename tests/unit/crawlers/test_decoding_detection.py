"""Pages that declare no charset outside the GB family: detected, or quarantined with the reason."""

import pytest

from crawlers.decoding import decode_html, looks_like_gb_chinese
from tests.fixtures.site_server import NO_CHARSET_PAGES, NOISE_PAGE, ZH_BODY, no_charset_bytes


@pytest.mark.parametrize("charset", sorted(NO_CHARSET_PAGES))
@pytest.mark.parametrize("header", [None, "iso-8859-1"])
def test_big5_and_windows_1251_pages_without_a_charset_decode_right(charset, header):
    title, body = NO_CHARSET_PAGES[charset]
    page = decode_html(no_charset_bytes(charset), header)
    assert page.encoding == charset and page.bad_ratio == 0 and page.unsure is None
    assert title in page.text and body in page.text
    assert page.unusable_reason(0.005) is None


def test_big5_read_as_gb18030_does_not_pass_for_gb_chinese():
    assert looks_like_gb_chinese(ZH_BODY)
    assert not looks_like_gb_chinese(no_charset_bytes("big5").decode("gb18030"))


def test_gbk_without_a_charset_still_skips_the_detector():
    page = decode_html(f"<p>{ZH_BODY}</p>".encode("gbk"))
    assert page.encoding == "gb18030" and ZH_BODY in page.text


def test_undetectable_bytes_without_a_charset_are_marked_with_the_reason():
    page = decode_html(NOISE_PAGE)
    reason = page.unusable_reason(0.005)
    assert reason is not None and "no charset declared" in reason and "charset-normalizer" in reason


def test_a_declared_charset_that_does_not_fit_is_reported_as_decoding_badly():
    reason = decode_html(NOISE_PAGE, "utf-8").unusable_reason(0.005)
    assert reason is not None and reason.startswith("page decodes badly as utf-8")


def test_a_latin_page_served_as_iso_8859_1_keeps_its_characters():
    page = decode_html("<p>Café crème: résumé of the naïve plan</p>".encode("latin-1"), "iso-8859-1")
    assert "Café crème: résumé of the naïve plan" in page.text and page.unusable_reason(0.005) is None


def test_utf16_pages_are_read_by_their_byte_order_mark():
    page = decode_html("\ufeff<p>关于算力券的通知</p>".encode("utf-16-le"), "gbk")
    assert page.text == "<p>关于算力券的通知</p>" and page.unusable_reason(0.005) is None


def test_the_http_header_wins_over_a_meta_tag_when_both_read_the_page_cleanly():
    body = '<meta charset="koi8-r"><p>Приказ министерства</p>'.encode("cp1251")
    page = decode_html(body, "windows-1251")
    assert page.encoding == "cp1251" and "Приказ министерства" in page.text


def test_a_gbk_euro_byte_is_read_as_the_euro_sign_not_as_damage():
    page = decode_html("<p>价格 ".encode("gbk") + b"\x80" + "元</p>".encode("gbk"), "gbk")
    assert "价格 €元" in page.text and page.bad_ratio == 0


def test_an_unknown_declared_charset_counts_as_none_declared():
    assert decode_html(NOISE_PAGE, "x-no-such-charset").unsure is not None
