"""Document types from titles, transmitted documents and datelines."""

from __future__ import annotations

import pytest

from processors.extractors.facts.doc_type import classify_doc_type

ADDRESSEE = "\n各区人民政府，市政府各委、办、局，各有关单位：\n正文。"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("北京市经济和信息化局关于印发《北京市促进通用人工智能创新发展的若干措施》的通知", "measures"),
        ("合肥市人民政府办公室关于印发合肥市进一步促进通用人工智能产业发展若干政策的通知", "measures"),
        ("青岛市工业和信息化局关于印发《青岛市算力券管理实施细则》的通知", "measures"),
        ("上海市人民政府关于印发《上海市人工智能产业发展行动计划（2024-2026年）》的通知", "plan"),
        ("广东省人民政府办公厅关于印发广东省算力基础设施建设实施方案的通知", "plan"),
        ("工业和信息化部等七部门关于推动未来产业创新发展的实施意见", "plan"),
        ("深圳市工业和信息化局关于开展2024年度人工智能算力券申报工作的通知", "notice"),
        ("武汉市科学技术局关于发布2024年度人工智能专项申报指南的通知", "notice"),
        ("国家标准化管理委员会关于下达2024年第三批推荐性国家标准计划的通知", "notice"),
        ("成都市新经济发展委员会关于2024年第一批算力券拟兑付项目的公示", "publicity"),
        ("关于2024年度人工智能专项拟支持项目名单的公示", "publicity"),
        ("杭州市人工智能产业发展若干措施（征求意见稿）", "draft"),
        ("关于公开征求《南京市算力券管理办法》意见的通知", "draft"),
        ("河北雄安新区管理委员会关于支持人工智能和数字经济企业入驻的若干措施（试行）", "measures"),
        ("中卫市人民政府关于支持算力产业高质量发展的若干措施", "measures"),
        ("苏州市数据局关于开展数据要素试点的公告", "notice"),
    ],
)
def test_chinese_titles_give_the_type_and_transmitting_notices_take_the_transmitted_type(title, expected):
    assert classify_doc_type(title + ADDRESSEE, "zh") == expected


@pytest.mark.parametrize(
    "text",
    [
        "国家数据局：“东数西算”工程直接带动投资超过4000亿元\n记者从国家数据局获悉，工程进展顺利。",
        "六部门印发《算力基础设施高质量发展行动计划》\n工业和信息化部等六部门近日联合印发《行动计划》。",
        "百度发布文心大模型4.5 输入价格每百万tokens 4元\n3月16日，百度正式发布文心大模型4.5。",
        "海光信息2024年营收91.62亿元\n海光信息技术股份有限公司发布2024年年度报告。",
    ],
)
def test_chinese_headlines_and_press_releases_are_news(text):
    assert classify_doc_type(text, "zh") == "news"


def test_an_official_notice_whose_title_names_no_type_is_a_notice_when_it_opens_with_an_addressee():
    assert classify_doc_type("关于做好2024年算力券工作" + ADDRESSEE, "zh") == "notice"


@pytest.mark.parametrize(
    "text",
    [
        "Beijing to offer 40 million yuan for model training\nBEIJING, March 12 — Beijing will hand out ...",
        "Shanghai publishes draft AI rules for public comment\nSHANGHAI — Shanghai on Friday published ...",
        "Measures to support AI firms unveiled in Suzhou\nSUZHOU, Jiangsu — The city said ...",
    ],
)
def test_english_news_about_a_policy_is_news(text):
    assert classify_doc_type(text, "en") == "news"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Notice on Launching the 2024 Computing Voucher Applications", "notice"),
        ("Several Measures of Beijing Municipality for Promoting AI Innovation", "measures"),
        ("Action Plan for the High-Quality Development of Computing Infrastructure", "plan"),
        ("Interim Measures for Generative AI Services (Draft for Public Comment)", "draft"),
    ],
)
def test_english_translations_of_official_documents_take_the_type_their_title_names(title, expected):
    assert classify_doc_type(f"{title}\nArticle 1 These measures are formulated ...", "en") == expected
