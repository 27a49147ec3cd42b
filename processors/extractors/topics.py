"""Topic tags from a small taxonomy, by keyword rules in English and Chinese.

The taxonomy (documented in README.md, "Topics"):
subsidy (funding, vouchers, rewards), computing-power, data, standards-regulation,
model-launch, talent, industrial-park.
"""

from __future__ import annotations

import re

TOPIC_RULES: dict[str, re.Pattern[str]] = {
    "subsidy": re.compile(
        r"subsid|voucher|grant|reward|special fund|funding support|incentive|"
        r"补贴|补助|奖励|资助|奖补|扶持资金|专项资金|算力券|模型券|数据券",
        re.I,
    ),
    "computing-power": re.compile(
        r"comput(?:e|ing) power|computing capacity|compute|GPU|data cent(?:er|re)|"
        r"intelligent computing|算力|智算|计算中心|数据中心|智能计算",
        re.I,
    ),
    "data": re.compile(
        r"\bdata (?:element|exchange|trading|bureau|annotation|labell?ing|set)|datasets?|"
        r"数据要素|数据交易|数据集|数据标注|数据局|公共数据",
        re.I,
    ),
    "standards-regulation": re.compile(
        r"\bstandards?\b|regulat|rules for|measures for|compliance|"
        r"标准|规范|管理办法|暂行办法|监管|合规|备案",
        re.I,
    ),
    "model-launch": re.compile(
        r"\blaunch(?:ed|es)?\b|unveil|releas(?:ed|es) (?:its|a|the)|open-sourc|"
        r"发布|推出|上线|开源",
        re.I,
    ),
    "talent": re.compile(r"talent|researchers?|scholars?|recruit|人才|引进|博士|专家|团队", re.I),
    "industrial-park": re.compile(
        r"industrial park|industry park|\bzone\b|incubator|cluster|"
        r"产业园|园区|孵化器|集聚区|先导区|示范区|新区",
        re.I,
    ),
}


def tag_topics(text: str, min_hits: int = 2) -> list[str]:
    """Topics whose cues occur at least ``min_hits`` times (once is enough in a short text)."""
    needed = 1 if len(text) < 400 else min_hits
    return [topic for topic, rule in TOPIC_RULES.items() if len(rule.findall(text)) >= needed]
