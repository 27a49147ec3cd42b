"""Organisations: government bodies, institutes, universities and media, told apart from companies."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from processors.extractors.zh_ner import Word

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
            r"(部|局|委员会|委員會|委|厅|廳|办公室|辦公室|办|辦|办事处|辦事處|政府|国务院|人大|管委会|管理委员会|海关|"
            r"總署|总署|人民银行|证监会)$"
        ),
    ),
    ("institute", re.compile(r"(研究院|研究所|科学院|工程院|实验室|研究中心|标准化研究院)$")),
    ("university", re.compile(r"(大学|大學|学院|學院)$")),
    (
        "media",
        re.compile(
            r"(日报|日報|晚报|晚報|时报|時報|周刊|週刊|杂志|雜誌|新闻社|通讯社|电视台|電視台|报社|報社|新华社|"
            r"财联社|財聯社|新闻网|新华网|人民网|央视网|中新网|新闻|新聞)$"
        ),
    ),
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


_ZH_LEGAL_SUFFIX = re.compile(r"股份有限公司|有限责任公司|有限責任公司|有限公司")
_ZH_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9（）()·&]")
_ZH_MAX_NAME = 30
# LAC tags no company name holds: verbs, prepositions, conjunctions, particles, adverbs, pronouns,
# punctuation, numbers and times (包括 / 由 / 首批 before a legal name).
_ZH_NOT_NAME_TAGS = frozenset({"v", "vd", "p", "c", "u", "d", "r", "w", "xc", "TIME", "m", "q", "f"})
# A descriptor right before a name (国产GPU企业 / 算力服务商 + the name).
_ZH_DESCRIPTOR = re.compile(r"企业|公司|厂商|厂家|服务商|供应商|提供商|运营商|单位|机构|独角兽")
_ZH_MIN_STEM = 4
_ZH_JOINT = re.compile(r"[与和及对向由为同]")
_EN_COMPANY_SUFFIX = re.compile(
    r"(?:,?\s+(?:Co\.?,?\s*Ltd\.?|Co\.?|Ltd\.?|Limited|Inc\.?|Corp\.?|Corporation|Group|Holdings?|"
    r"Technology|Technologies|LLC|PLC))+\s*$"
)
_ZH_COMPANY_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|集团|科技|技术|信息|智能)+$")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)


def find_zh_companies(text: str, words: Sequence[Word] = ()) -> list[tuple[int, int]]:
    """Spans of Chinese legal company names (…有限公司). A name starts where LAC's ORG word ending
    at the suffix starts; without one, at the last delimiter before the suffix, moved past words
    that no name holds (包括, 由, numbers) and past a descriptor (…企业) that leaves a full name."""
    orgs = {w.end: w.start for w in words if w.tag == "ORG"}
    spans: list[tuple[int, int]] = []
    for match in _ZH_LEGAL_SUFFIX.finditer(text):
        floor = max(spans[-1][1] if spans else 0, match.start() - _ZH_MAX_NAME)
        start = match.start()
        while start > floor and _ZH_NAME_CHAR.match(text[start - 1]):
            start -= 1
        if floor <= orgs.get(match.end(), -1) < match.start():
            start = orgs[match.end()]
        else:
            start = _name_start(text, start, match.start(), words)
        if match.start() - start >= 2 and _balanced(text[start : match.start()]):
            spans.append((start, match.end()))
    return spans


def _name_start(text: str, start: int, suffix: int, words: Sequence[Word]) -> int:
    """``start`` moved past the last word before ``suffix`` that no name holds (without LAC's
    words, past the first preposition or conjunction), then past the last descriptor when a name
    of ``_ZH_MIN_STEM`` characters is left after it."""
    if not words:
        joint = _ZH_JOINT.search(text, start, suffix - 2)
        start = joint.end() if joint else start
    for word in words:
        inside = start <= word.start and word.end <= suffix
        if inside and word.tag in _ZH_NOT_NAME_TAGS and word.text not in "（）()":
            start = word.end
    for descriptor in _ZH_DESCRIPTOR.finditer(text, start, suffix):
        if suffix - descriptor.end() >= _ZH_MIN_STEM:
            start = descriptor.end()
    return start


def _balanced(name: str) -> bool:
    """No bracket closes before one opens (a name cut inside ``摩尔线程智能科技（北京）``)."""
    depth = 0
    for char in name:
        depth += {"（": 1, "(": 1, "）": -1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return True


def company_canonical(name: str, strip_place: Callable[[str], str] = lambda n: n) -> str:
    """A short name for a company the alias table does not know: legal suffixes and a leading
    place name dropped (``Moore Threads Technology Co., Ltd.`` → ``Moore Threads``)."""
    name = _LEADING_THE.sub("", name.strip())
    if re.search(r"[\u4e00-\u9fff]", name):
        short = _ZH_COMPANY_SUFFIX.sub("", strip_place(re.sub(r"[（(][^）)]*[）)]", "", name)))
    else:
        short = _EN_COMPANY_SUFFIX.sub("", name).strip(" ,.")
    return short or name
