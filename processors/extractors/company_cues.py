"""Cues that tell a company from other organisations when no alias table lists it.

Chinese: LAC's ORG spans, kept when nothing marks them as a body, facility, event or policy phrase
and the words around them do not show LAC cut a longer name; plus the items of an enumeration that
ends in 等企业 / 等公司 (LAC often splits unknown short names such as 智谱华章 into two nouns).
English: the model's ORG spans, kept when the name or the words right around it say "company"
(a legal suffix, "startup", "backed by", "shares of", a stock ticker, Capital/Ventures/Bank...).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from processors.extractors.zh_ner import Word

# --- Chinese ---------------------------------------------------------------------------------
# Words inside a span that make it a facility, event, policy phrase or body rather than a company.
_ZH_NOT_COMPANY = re.compile(
    r"(中心|基地|园区|園區|产业园|平台|联盟|聯盟|协会|協會|学会|學會|商会|商會|大会|大會|峰会|論壇|论坛|"
    r"会议|會議|博览会|博覽會|工程|项目|項目|计划|計劃|計畫|专项|專項|集群|枢纽|樞紐|示范区|示範區|试验区|"
    r"試驗區|实验区|先行区|新区|新區|开发区|開發區|自贸区|政府|人民|管委|委员|委員|办公|辦公|办事处|辦事處|"
    r"部门|部門|算力|智算|数据中心|計算中心|计算中心|节点|節點|基金会|基金會|党|黨|工会|工會|法院|检察|檢察|"
    r"医院|醫院|中学|小学|幼儿园|大学|大學|学院|學院|高校|院校|市场监管|监督|总局|总署|公安|海关|税务|社保|"
    r"(?<!商)城$|小镇$)"
)
# Stems (a name without its leading place and its 公司 / 集团 / 科技 ending) that only describe a kind
# of firm: 上海大模型公司, 創新科技, 头部科技企业.
_ZH_GENERIC_STEM = re.compile(
    r"(?:人工智能|大模型|模型|科技|创新|創新|技术|技術|数字|數字|智能|信息|資訊|网络|網絡|互联网|軟件|软件|"
    r"数据|數據|算力|芯片|机器人|機器人|新能源|头部|頭部|龙头|龍頭|骨干|重点|重點|中小|民营|民營|国有|國有|"
    r"本地|相关|相關|有关|各类|高新|高科技|创业|初创|新兴|独角兽|上市|外资|金融|产业|產業|工业|工業|企业|企業)*"
)
_ZH_COMPANY_ENDING = re.compile(r"(?:科技)?(?:公司|集团|集團|企业|企業)$|科技$")
# A code before a document number (川经信软件〔2025〕48号, 哈工信发[2024]15号): an issuer, not a name.
_ZH_DOC_NUMBER_AFTER = re.compile(r"[\u4e00-\u9fff]{0,2}[〔［\[【(（]\s*(?:19|20)\d{2}\s*[〕］\]】)）]")
# A span ending in a truncated government body (北京市经济和 + 信息化局): LAC cut a longer name.
_ZH_CUT_BODY = re.compile(r"(?:省|市|区|县|州|盟|旗)(?:经济|工业|科技|科学|发展|数据|商务|财政|人力)?和?$")
# A place with its administrative suffix inside an unsuffixed name is a body or a region, not a company.
_ZH_ADMIN_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,6}(?:省|市|区|县|自治区|自治州)")
_ZH_ALNUM_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9·.&+\-]{2,16}$")
# Words that may follow a company name directly without LAC having cut the name short.
_ZH_NAME_FOLLOWERS = frozenset(
    {
        "公司",
        "集团",
        "企业",
        "等",
        "的",
        "和",
        "与",
        "及",
        "、",
        "在",
        "将",
        "已",
        "也",
        "还",
        "以",
        "为",
        "于",
    }
    | {"推出", "发布", "宣布", "表示", "旗下", "联合", "牵头", "参与", "获得"}
)
# LAC tags after which a name can end: verbs, prepositions, conjunctions, particles, adverbs, pronouns.
_ZH_BREAKING_TAGS = frozenset({"v", "vd", "p", "c", "u", "d", "r", "w", "xc", "TIME", "PER"})
# 等 + a few words that qualify the firms (等头部企业), never a kind of place (等地企业, 等国家的企业).
_ZH_LIST_END = re.compile(
    r"等(?!地|国|省|市|城市|区|县)(?:(?![的和与及、])[\u4e00-\u9fff]){0,6}?"
    r"(?:企业|公司|厂商|厂家|大厂|巨头|独角兽|运营商|机构投资者|投资机构|银行)"
)
_ZH_LIST_ITEM = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9·]{2,10}$")
# Generic industry or policy words that an enumeration of "firms" can still hold.
_ZH_GENERIC = re.compile(
    r"^(?:人工智能|大模型|集成电路|生物医药|新能源|智能|科技|数字|金融|互联网|平台|头部|龙头|骨干|重点|"
    r"中小|民营|国有|央企|外资|上市|科技型|创新型|专精特新|高新技术|领军|链主|各类|相关|有关|本地|省内|市内).*"
    r"|.*(?:企业|公司|产业|行业|机构|单位|领域|类)$"
)


def zh_org_is_company(word: Word, before: Word | None, after: Word | None) -> bool:
    """Whether an unsuffixed LAC ORG span (no government, institute, university, media or legal
    suffix) reads as a company name: not a body, facility or policy phrase, and not cut short."""
    name = word.text
    if not _ZH_ALNUM_NAME.match(name) or _ZH_NOT_COMPANY.search(name):
        return False
    if _ZH_CUT_BODY.search(name) or _ZH_ADMIN_PLACE.match(name):
        return False
    if after is not None and after.start == word.end and _continues_name(after):
        return False
    return not (before is not None and before.end == word.start and before.tag in {"ORG", "LOC"})


def _continues_name(after: Word) -> bool:
    """The next word glues onto the span (a Han word that is no verb, preposition, conjunction,
    particle or adverb, with no delimiter between): LAC cut a longer name or phrase."""
    if after.text in _ZH_NAME_FOLLOWERS or not re.match(r"[\u4e00-\u9fff]", after.text):
        return False
    return after.tag not in _ZH_BREAKING_TAGS


def zh_listed_companies(text: str, words: list[Word]) -> list[tuple[int, int]]:
    """Items of enumerations that end in 等企业 / 等公司 (``支持智谱华章、月之暗面等企业``).

    The items are the stretches between 、 separators; the first item starts after the last word
    before it that is no noun (a verb such as 支持, a preposition or punctuation)."""
    spans: list[tuple[int, int]] = []
    for match in _ZH_LIST_END.finditer(text):
        start = _enumeration_start(text, words, match.start())
        position = start
        for item in text[start : match.start()].split("、"):
            name = item.strip()
            offset = position + item.find(name) if name else position
            if _ZH_LIST_ITEM.match(name) and not _ZH_GENERIC.match(name):
                spans.append((offset, offset + len(name)))
            position += len(item) + 1
    return spans


def _enumeration_start(text: str, words: list[Word], end: int) -> int:
    """Where an enumeration ending at ``end`` begins: after the clause start, and after the last
    non-noun word before its first separator."""
    clause_start = max(text.rfind(p, 0, end) for p in "，。；：！？,;:\n（(“") + 1
    first_separator = text.find("、", clause_start, end)
    if first_separator < 0:
        first_separator = end
    start = clause_start
    for word in words:
        if clause_start <= word.start and word.end <= first_separator and not _noun_like(word):
            start = word.end
    return start


def _noun_like(word: Word) -> bool:
    return word.tag in {"n", "nz", "nw", "ORG", "LOC", "PER", "an", "vn", "j", "m"} and bool(
        re.match(r"[\u4e00-\u9fffA-Za-z0-9]", word.text)
    )


# --- English ---------------------------------------------------------------------------------
_EN_NOT_COMPANY = re.compile(
    r"\b(?:People's Bank|Central Bank|Federal Reserve|Monetary Authority|Reserve Bank|World Bank|"
    r"Asian Development Bank|Asian Infrastructure Investment Bank|Alliance|Association|Federation|"
    r"Forum|Consortium|Foundation|Society|Union|Party|Congress|Parliament|Senate|Summit|Conference|"
    r"Expo|Olympiad|Cup|Award|Initiative|Programme|Program|Scheme|Plan|Standards?|ISO|IEEE|IEC|ITU|"
    r"Court|Police|Army|Navy|Hospital|Museum|Library|Zone|Park|Hub|Cent(?:er|re)|Index|Fund)\b"
)
_EN_NAME_CUE = re.compile(
    r"(?:\S\s+(?:Capital|Ventures?|Partners|Investments?|Bank|Securities|Holdings?|Motors?|Robotics|"
    r"Semiconductors?|Microelectronics|Electronics|Networks|Software|Systems|Technolog(?:y|ies)|Tech|"
    r"Telecom|Communications|Pharma(?:ceuticals?)?|Airlines|Automotive|Energy|Intelligence|Labs|AI)$"
    r"|\.(?:ai|com|io)$)"
)
_EN_CUE_BEFORE = re.compile(
    r"(?:\b(?:startup|start-up|maker|chipmaker|carmaker|automaker|firm|company|giant|unicorn|rival|"
    r"developer|provider|operator|supplier|vendor|lender|investor|investors|bank|peer|subsidiary|"
    r"brokerage|conglomerate|retailer|platform|champion)s?|-based|-backed|backed by|invested by|"
    r"investors including|investors such as|shares (?:of|in)|stake in|acquired by|spun off from|"
    r"customers such as|rivals such as|including)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_EN_CUE_AFTER = re.compile(
    r"^(?:\s*\((?:NASDAQ|NYSE|HKEX|SEHK|SSE|SZSE|STAR|LSE|Nasdaq)\s*:|\s*\(\d{4,6}\.(?:HK|SH|SZ|SS)\)"
    r"|\s*\([A-Z]{2,5}(?:\.[A-Z]{1,2})?\)"
    r"|'s?\s+(?:shares|stock|revenue|profit|net income|valuation|market value|CEO|founder|chairman|"
    r"chief executive|IPO|listing|investors|customers|subsidiary|cloud (?:unit|arm|division)|unit|arm)"
    r"|,?\s+(?:a|an|the|its)\s+(?:[\w.-]+\s+){0,3}(?:startup|start-up|company|firm|maker|chipmaker|"
    r"developer|giant|unicorn|provider|operator|supplier|vendor|lender|bank|investor|subsidiary|"
    r"conglomerate|brokerage)\b"
    r"|\s+(?:led|co-led|joined|participated in)\s+the\s+(?:round|financing|funding|investment)"
    r"|\s+(?:invested|raised|is valued|was valued|went public|listed|said it|reported|shares)\b)",
    re.IGNORECASE,
)


def en_org_is_company(text: str, start: int, end: int) -> bool:
    """Whether the English ORG span ``text[start:end]`` names a company: its name ends in a company
    word, or the words right before or after it call it one; never a body, event or standard."""
    name = text[start:end]
    if _EN_NOT_COMPANY.search(name) or not re.search(r"[A-Z0-9]", name):
        return False
    if _EN_NAME_CUE.search(name):
        return True
    before = text[max(0, start - 40) : start]
    after = text[end : end + 80]
    return bool(_EN_CUE_BEFORE.search(before) or _EN_CUE_AFTER.match(after))


# --- Candidates ------------------------------------------------------------------------------
def zh_ner_organizations(
    text: str,
    words: list[Word],
    classify: Callable[[str], str],
    taken: list[tuple[int, int]],
    place_prefix: Callable[[str], int] = lambda name: 0,
) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` of the organisations LAC finds that the rules (``taken``) did not:
    bodies, institutes, universities and media by ``classify``, companies by the cues above, and
    the items of 等企业 enumerations. ``place_prefix(name)`` is the length of the place name that
    ``name`` starts with (0 for none): a company is neither a place nor a place and a generic word."""
    found: list[tuple[int, int, str]] = []
    for index, word in enumerate(words):
        if word.tag != "ORG" or _overlaps(word.start, word.end, taken):
            continue
        kind = classify(word.text)
        if kind == "organization":
            before = words[index - 1] if index else None
            after = words[index + 1] if index + 1 < len(words) else None
            kind = "company" if zh_org_is_company(word, before, after) else ""
        if kind == "company" and not zh_name_is_specific(text, word.start, word.end, place_prefix):
            kind = ""
        if kind:
            found.append((word.start, word.end, kind))
    spans = taken + [(s, e) for s, e, _ in found]
    found += [
        (s, e, "company")
        for s, e in zh_listed_companies(text, words)
        if not _overlaps(s, e, spans) and zh_name_is_specific(text, s, e, place_prefix)
    ]
    return found


def zh_name_is_specific(text: str, start: int, end: int, place_prefix: Callable[[str], int]) -> bool:
    """Whether ``text[start:end]`` can name one company: not a place alone, not a place and generic
    words (上海大模型公司, 創新科技), not a body, and not the issuer code of a document number."""
    name = text[start:end]
    stem = _ZH_COMPANY_ENDING.sub("", name[place_prefix(name) :])
    if not stem or _ZH_GENERIC_STEM.fullmatch(stem) or _ZH_NOT_COMPANY.search(name):
        return False
    return not _ZH_DOC_NUMBER_AFTER.match(text, end)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)
