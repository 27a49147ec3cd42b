"""Organisations: government bodies, institutes, universities and media, told apart from companies."""

from __future__ import annotations

import re
from collections.abc import Callable

_KINDS_EN = [
    (
        "government",
        re.compile(
            r"\b(Ministry|Bureau|Commission|Department|Government|Administration|"
            r"Council|Office|Committee|Agency|Authority|People's Congress|"
            r"People's Bank|Central Bank|Federal Reserve|Monetary Authority|MIIT|NDRC|CAC)\b"
        ),
    ),
    ("university", re.compile(r"\b(University|College|School of)\b")),
    (
        "institute",
        re.compile(
            r"\b(Institute|Academy|Laborator(y|ies)|Lab|Research Cent(er|re)|"
            r"Standardi[sz]ation)\b"
        ),
    ),
    ("media", re.compile(r"\b(News|Daily|Times|Post|Xinhua|Media|Press|Journal|Television|CCTV|Reuters)\b")),
    (
        "company",
        re.compile(
            r"\b(Co\.?|Ltd\.?|Inc\.?|Corp\.?|Corporation|Group|Holdings?|Technolog(y|ies)|"
            r"Limited|LLC|PLC)\b"
        ),
    ),
]
_KINDS_ZH = [
    (
        "government",
        re.compile(
            r"(部|局|委员会|委|厅|办公室|办|政府|国务院|人大|管委会|管理委员会|海关|总署|人民银行|证监会)$"
        ),
    ),
    ("institute", re.compile(r"(研究院|研究所|科学院|工程院|实验室|研究中心|标准化研究院)$")),
    ("university", re.compile(r"(大学|学院)$")),
    ("media", re.compile(r"(日报|晚报|新闻社|电视台|报社|新华社|新闻网|新华网|人民网|央视网|中新网|新闻)$")),
    ("company", re.compile(r"(公司|集团|有限公司|股份有限公司|科技)$")),
]
NATIONAL_BODIES_ZH = [
    "国务院",
    "工业和信息化部",
    "工信部",
    "国家发展和改革委员会",
    "国家发展改革委",
    "科学技术部",
    "科技部",
    "国家数据局",
    "财政部",
    "商务部",
    "教育部",
    "国家互联网信息办公室",
    "国家网信办",
    "中国科学院",
    "中国工程院",
    "中国电子技术标准化研究院",
    "国家标准化管理委员会",
    "市场监管总局",
    "国家市场监督管理总局",
    "中国人民银行",
    "国家金融监督管理总局",
    "中国银行保险监督管理委员会",
    "中国银保监会",
    "中国证券监督管理委员会",
    "中国证监会",
]
_LOCAL_BODY_ZH = re.compile(
    r"(?:(?:省|市|区|县|新区)?(?:人民政府|经济和信息化局|经济和信息化委员会|经济信息化局|经信局|经信委|"
    r"科学技术局|科学技术委员会|科技局|科委|发展和改革委员会|发展改革委|发改委|数据局|大数据局|"
    r"数据资源局|大数据管理局|政务服务和数据管理局|商务局|财政局|工业和信息化局|工信局|人力资源和社会保障局))"
)


def classify_organization(name: str) -> str:
    """``government``, ``university``, ``institute``, ``media``, ``company`` or ``organization``."""
    kinds = _KINDS_ZH if re.search(r"[\u4e00-\u9fff]", name) else _KINDS_EN
    for kind, pattern in kinds:
        if pattern.search(name.strip()):
            return kind
    return "organization"


def find_zh_bodies(text: str, place_spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Chinese government bodies: national ones by name, local ones as a place followed by a body."""
    spans = []
    for body in NATIONAL_BODIES_ZH:
        spans.extend((m.start(), m.end()) for m in re.finditer(re.escape(body), text))
    for start, end in place_spans:
        match = _LOCAL_BODY_ZH.match(text, end)
        if match and match.end() > end:
            spans.append((start, match.end()))
    spans.sort(key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int]] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


_ZH_COMPANY = re.compile(
    r"(?:(?<=[，、。；：“”‘’（）()\s与和及对向由为同])|^)"
    r"([\u4e00-\u9fff（）()]{2,24}?(?:股份有限公司|有限责任公司|有限公司))"
)
_EN_COMPANY_SUFFIX = re.compile(
    r"(?:,?\s+(?:Co\.?,?\s*Ltd\.?|Co\.?|Ltd\.?|Limited|Inc\.?|Corp\.?|Corporation|Group|Holdings?|"
    r"Technology|Technologies|LLC|PLC))+\s*$"
)
_ZH_COMPANY_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|集团|科技|技术|信息|智能)+$")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)


def find_zh_companies(text: str) -> list[tuple[int, int]]:
    """Spans of Chinese legal company names (…有限公司) that start after a delimiter."""
    return [(m.start(1), m.end(1)) for m in _ZH_COMPANY.finditer(text)]


def company_canonical(name: str, strip_place: Callable[[str], str] = lambda n: n) -> str:
    """A short name for a company the alias table does not know: legal suffixes and a leading
    place name dropped (``Moore Threads Technology Co., Ltd.`` → ``Moore Threads``)."""
    name = _LEADING_THE.sub("", name.strip())
    if re.search(r"[\u4e00-\u9fff]", name):
        short = _ZH_COMPANY_SUFFIX.sub("", strip_place(re.sub(r"[（(][^）)]*[）)]", "", name)))
    else:
        short = _EN_COMPANY_SUFFIX.sub("", name).strip(" ,.")
    return short or name
