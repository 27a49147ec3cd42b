"""The repost rule on hand-made pages: what is a copy (templates, Traditional script, spun words,
junk lines, a first half) and what is not (a translation, a quotation, a draft, next year's call)."""

from __future__ import annotations

import json

import opencc
import pytest

from indexer.clusters.book import ClusterBook, merge_plan
from indexer.clusters.cli import cluster_texts, evaluate, page_language
from indexer.clusters.normalize import compact, content_lines, fold
from indexer.clusters.origin import is_original, publisher_names
from indexer.clusters.sketch import BANDS, Sketch, _shingles, sketch_text
from indexer.clusters.verify import same_document

NOTICE = """关于组织申报2024年度人工智能产业发展专项资金的通知
各区经信部门、有关企业：
为贯彻落实《杭州市人工智能产业发展若干措施》，加快培育人工智能产业集群，现就组织申报2024年度市人工智能产业发展专项资金有关事项通知如下。
一、支持方向。对租用智能算力开展大模型训练的企业，按照实际费用的30%给予补贴，单个企业每年最高不超过500万元。对首次通过生成式人工智能服务备案的企业，给予一次性奖励100万元。
二、申报条件。申报企业应在本市注册并具有独立法人资格，上一年度研发投入不低于1000万元，且近三年无重大违法违规记录，未列入失信被执行人名单。
三、申报材料。申报单位须提交申报书、算力租用合同、发票及支付凭证、专项审计报告等材料，并对材料真实性负责。
四、申报程序。企业通过市经信局网上平台填报，各区经信部门审核后于2024年6月10日前报送市经信局。
五、申报时间。申报截止时间为2024年5月31日，逾期不予受理。
六、联系方式。市经信局数字经济处，联系电话：0571-85251234。
杭州市经济和信息化局
2024年4月15日"""

SPUN = {"企业": "公司", "给予": "提供", "补贴": "补助", "申报": "申请", "提交": "报送"}


def zh(text: str) -> Sketch:
    return sketch_text(text, "zh")


def lines(text: str) -> tuple[str, str]:
    return text.split("\n", 1)[0], text.split("\n", 1)[1]


def test_boilerplate_lines_are_dropped_and_width_script_and_case_folded():
    page = (
        "首页 > 通知公告 > 正文\n來源：杭州市經信局  發佈時間：2024-04-16\n浏览次数：87\n"
        "申報截止ＡＩ\n打印本页 关闭窗口\n扫一扫在手机打开当前页"
    )
    assert content_lines(page) == ["申报截止ai"]
    assert fold("ＡＢＣ１２３") == "abc123"
    assert compact("申报， 截止。AI!") == "申报截止AI"


def test_a_repost_with_another_template_a_traditional_mirror_and_junk_lines_are_copies():
    title, body = lines(NOTICE)
    template = (
        f"当前位置：首页 > 转载\n{title}\n来源：杭州市经济和信息化局 浏览次数：233\n{body}\n打印本页 关闭窗口"
    )
    junk = NOTICE.replace("\n二、", "\n点击关注公众号，获取更多政策红利\n二、").replace(
        "\n五、", "\n热门推荐：申报代理服务 全程托管\n五、"
    )
    mirror = opencc.OpenCC("s2t").convert(NOTICE)
    for copy in (template, junk, mirror):
        assert same_document(zh(NOTICE), zh(copy))


def test_synonym_spun_copies_and_first_halves_are_copies():
    spun = NOTICE
    for word, synonym in SPUN.items():
        spun = spun.replace(word, synonym)
    first_half = "\n".join(NOTICE.splitlines()[:6])
    assert same_document(zh(NOTICE), zh(spun))
    assert same_document(zh(NOTICE), zh(first_half))


def test_next_years_call_a_draft_and_a_quoting_article_are_different_documents():
    next_year = NOTICE.replace("2024", "2025").replace("5月31日", "6月30日").replace("6月10日", "7月10日")
    title, body = lines(NOTICE)
    draft = f"{title}（征求意见稿）\n{body}"
    quoting = (
        "杭州加码人工智能：算力补贴最高500万元\n"
        "本报讯 记者昨日从市经信局获悉，杭州今年将继续加大对人工智能企业的扶持力度。"
        "业内人士认为，算力成本是初创企业训练大模型的最大负担，此次补贴将明显缓解企业压力，但仍需关注资金兑现效率。"
        "多家企业负责人表示，将尽快准备材料参与申报。据介绍，" + NOTICE.splitlines()[3]
    )
    for other in (next_year, draft, quoting):
        assert not same_document(zh(NOTICE), zh(other))


def exact_jaccard(one: str, other: str) -> float:
    """The Jaccard similarity of two Chinese texts' shingle sets (what MinHash estimates)."""
    first, second = (set(_shingles(content_lines(text), "zh")) for text in (one, other))
    return len(first & second) / len(first | second)


def test_a_sibling_notice_with_the_same_closing_blocks_is_a_different_document():
    closing = "\n".join(NOTICE.splitlines()[4:])  # conditions, materials, procedure, contacts
    sibling = (
        "关于开展2024年度工业互联网平台示范项目遴选工作的通知\n各区经信部门、有关单位：\n"
        "为加快工业互联网平台建设，现组织开展示范项目遴选，入选平台给予最高300万元奖励。\n"
    ) + closing
    assert exact_jaccard(NOTICE, sibling) > 0.5  # most of the text is shared
    assert not same_document(zh(NOTICE), zh(sibling))


def test_a_translation_is_never_a_copy():
    english = "Notice on the 2024 AI industry fund\nCompanies renting computing power get 30% of costs."
    assert not same_document(zh(NOTICE), sketch_text(english, "zh"))
    assert not same_document(zh(NOTICE), sketch_text(NOTICE, "en"))


def test_english_copies_are_compared_by_word_shingles():
    story = (
        "Shanghai will give up to 30 percent of computing rental costs to start-ups that train large models, "
        "capped at 10 million yuan per company per year, the city's economy bureau said on Tuesday. "
        "Firms must have spent at least 5 million yuan on research in the previous year to qualify."
    )
    repost = f"Home > News > Policy\nSource: Shanghai Daily\n{story}\nShare to: WeChat Weibo\nPrint Close"
    assert same_document(sketch_text(story, "en"), sketch_text(repost, "en"))
    assert not same_document(
        sketch_text(story, "en"),
        sketch_text(
            story.replace("30 percent", "40 percent")
            .replace("10 million", "20 million")
            .replace("5 million", "8 million"),
            "en",
        ),
    )


def test_sketches_have_the_declared_bands_and_survive_the_index_round_trip():
    sketch = zh(NOTICE)
    assert len(sketch.bands()) == BANDS and all(
        band.startswith(f"b{n}:") for n, band in enumerate(sketch.bands())
    )
    fields = sketch.to_fields()
    again = Sketch.from_fields("zh", json.loads(json.dumps(fields))["repost_sketch"])
    assert (again.signature == sketch.signature).all() and again.clauses == sketch.clauses
    assert same_document(sketch, again)


def test_an_empty_page_copies_nothing():
    assert zh("打印本页\n关闭窗口").bands() == []
    assert not same_document(zh("打印本页"), zh("关闭窗口"))


def test_files_are_clustered_in_order_and_a_cluster_is_named_after_its_first_file():
    first_half = "\n".join(NOTICE.splitlines()[:6])
    mirror = opencc.OpenCC("s2t").convert(NOTICE)
    weather = "今日天气\n今天白天多云转晴，气温18到26摄氏度，东南风三级，空气质量良，适宜户外活动。"
    clusters = cluster_texts([("w", weather), ("a", first_half), ("b", mirror), ("c", NOTICE)])
    assert clusters == {"w": "w", "a": "a", "b": "a", "c": "a"}


def test_the_book_names_a_cluster_by_its_smallest_member_and_plans_merges_transitively():
    book = ClusterBook()
    assert book.add("m", zh(NOTICE), linked={"x", "k"}) == "k"
    assert (book.cluster_of("x"), book.cluster_of("m")) == ("k", "k")
    assert book.add("n", zh(NOTICE)) == "k"  # a copy of m joins m's cluster
    assert merge_plan([{"c", "b"}, {"b", "a"}, {"z"}]) == {"c": "a", "b": "a"}


@pytest.mark.parametrize(
    ("kind", "page", "publisher", "expected"),
    [
        ("government", NOTICE, None, True),
        ("government", "标题\n来源：本站\n正文", None, True),
        (
            "government",
            "标题\n来源：杭州市经济和信息化局 发布时间：2024-04-16\n正文",
            "杭州市经济和信息化局",
            True,
        ),
        ("government", "标题\n来源：杭州市经济和信息化局\n正文", "余杭区人民政府", False),
        ("government", "标题\n转自：浙江省经信厅\n正文", None, False),
        ("media", NOTICE, None, False),
    ],
)
def test_a_page_is_original_when_a_government_site_names_only_itself(kind, page, publisher, expected):
    assert is_original(kind, page, publisher) is expected


def test_publisher_names_come_from_the_source_files(tmp_path):
    (tmp_path / "cn").mkdir()
    (tmp_path / "cn" / "a.yaml").write_text(
        "id: hz-jxj\nname: 杭州市经济和信息化局 · 通知公告\n", encoding="utf-8"
    )
    (tmp_path / "cn" / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    assert publisher_names(tmp_path) == {"hz-jxj": "杭州市经济和信息化局"}


def test_language_is_read_from_the_script():
    assert (page_language(NOTICE), page_language("A notice on AI subsidies")) == ("zh", "en")


def test_eval_scores_pairs_by_kind(tmp_path):
    (tmp_path / "texts").mkdir()
    next_year = NOTICE.replace("2024", "2025").replace("5月31日", "6月30日").replace("6月10日", "7月10日")
    for name, text in {
        "a.txt": NOTICE,
        "b.txt": opencc.OpenCC("s2t").convert(NOTICE),
        "c.txt": next_year,
    }.items():
        (tmp_path / "texts" / name).write_text(text, encoding="utf-8")
    labels = [
        {"a": "a.txt", "b": "b.txt", "same": True, "kind": "mirror"},
        {"a": "a.txt", "b": "c.txt", "same": False, "kind": "next_year"},
        {"a": "b.txt", "b": "c.txt", "same": True, "kind": "mislabelled"},
    ]
    (tmp_path / "labels.jsonl").write_text("\n".join(json.dumps(x) for x in labels), encoding="utf-8")
    scores = evaluate(tmp_path)
    assert (scores["all"].tp, scores["all"].tn, scores["all"].fn, scores["all"].fp) == (1, 1, 1, 0)
    assert (scores["all"].precision, scores["all"].recall) == (1.0, 0.5)
    assert scores["mirror"].recall == 1.0


def test_amounts_with_different_magnitudes_are_two_values_of_one_clause():
    first = zh("北京市算力补贴暂行办法\n北京市对符合条件的企业给予最高300万元补贴。申报截止时间为6月30日。")
    other = zh("北京市算力补贴办法\n北京市对符合条件的企业给予最高1亿元补贴。申报截止时间为6月30日。")
    shared = set(first.clauses) & set(other.clauses)
    assert any(first.clauses[key] == "300万" and other.clauses[key] == "1亿" for key in shared)
    assert not same_document(first, other)


def test_a_clause_stays_small_enough_for_a_doc_value_however_many_numbers_share_it():
    table = [f"对第{n}家企业给予{n}{'9' * 400}万元补贴。" for n in range(3000)]
    clauses = zh("\n".join(["关于下达补贴资金的通知", *table])).clauses
    assert clauses and all(len(f"{key}={numbers}".encode()) < 32_766 for key, numbers in clauses.items())
