"""The Chinese NER wrapper: LAC's words mapped back to offsets in the text, on the real model."""

from processors.extractors.zh_ner import MAX_CHUNK, chunks, lac_model, lac_words, named_entities


def test_chunks_cover_the_text_at_their_offsets_and_stay_short():
    text = "北京市发布通知。" + "甲乙，" * 60 + "\n成都市支持企业。"
    pieces = list(chunks(text))
    assert all(len(chunk) <= MAX_CHUNK for _, chunk in pieces)
    assert all(text[offset : offset + len(chunk)] == chunk for offset, chunk in pieces)
    assert "".join(chunk for _, chunk in pieces) == text


def test_a_long_sentence_is_cut_at_clause_ends_before_a_hard_cut():
    sentence = "，".join(["支持企业开展大模型训练"] * 12) + "。"
    pieces = [chunk for _, chunk in chunks(sentence)]
    assert len(pieces) > 1
    assert all(chunk.endswith(("，", "。")) for chunk in pieces)


def test_words_carry_the_offsets_of_their_text():
    text = "通知\n北京市经济和信息化局联合成都云岭智算科技有限公司发布。"
    words = lac_words(text)
    assert all(text[w.start : w.end] == w.text for w in words)
    assert ("成都云岭智算科技有限公司", "ORG") in [(w.text, w.tag) for w in named_entities(words)]


def test_the_model_is_loaded_once_per_process():
    assert lac_model() is lac_model()
