"""Which documents a notice says it revises or repeals: numbers and 《titles》 in the sentences with a
cue (修订, 废止, "repeals"...), and when an indexed title is the one cited."""

from __future__ import annotations

from indexer.versions.links import References, normal_title, references, same_title


def refs(text: str, own: str | None = None) -> References:
    return references({"text": text, "facts": {"doc_number": own}})


def test_a_repealed_notice_is_named_by_its_number_and_title():
    found = refs("本办法自2024年7月1日起施行，《北京市算力补贴暂行办法》（京经信发〔2022〕5号）同时废止。")
    assert "京经信发〔2022〕5号" in found.numbers
    assert found.titles == ("北京市算力补贴暂行办法",)


def test_a_number_glued_to_the_cue_offers_every_ending_of_its_code():
    found = refs("同时废止京经信发[2022]5号。")
    assert found.numbers[0] == "同时废止京经信发〔2022〕5号"
    assert "京经信发〔2022〕5号" in found.numbers and "发〔2022〕5号" not in found.numbers


def test_sentences_without_a_cue_and_the_notice_own_number_name_nothing():
    assert not refs("根据《中华人民共和国数据安全法》（主席令第84号）制定本办法。")
    assert not refs("现印发京经信发〔2024〕9号，请遵照执行。本通知修订后施行。", own="京经信发〔2024〕9号")


def test_english_cues_and_full_width_digits():
    found = refs("These Measures supersede the “Interim Measures on Computing Vouchers”. Other text.")
    assert found.titles == ("Interim Measures on Computing Vouchers",)
    full_width = refs("原《算力券管理办法》（沪经信规〔２０２３〕３号）予以废止。")
    assert full_width.numbers[0] == "沪经信规〔2023〕3号"


def test_titles_compare_without_brackets_spaces_and_revision_notes():
    assert normal_title("《北京市算力补贴办法（2024年修订）》") == "北京市算力补贴办法"
    assert same_title("北京市算力补贴办法（修订）", "北京市算力补贴办法")
    assert same_title("算力补贴暂行办法", "北京市算力补贴暂行办法")  # the issuer's place in front
    assert same_title("北京市算力补贴暂行办法", "关于印发北京市算力补贴暂行办法的通知")
    assert not same_title("办法", "北京市算力补贴暂行办法")
    assert not same_title("北京市算力补贴暂行办法", "上海市算力补贴暂行办法")
