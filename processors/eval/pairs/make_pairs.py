#!/usr/bin/env python3
"""Build the repost-clustering pair set in processors/eval/pairs/.

Deterministic: every random choice comes from random.Random seeded with a fixed
string, no network, no clock.  Reads the dev set (../devset/NNN-*.txt) and the
hand-written documents in src/, writes texts/*.txt, labels.jsonl, manifest.jsonl
and clusters.jsonl, and checks the labels (transitive consistency, counts).

Run:  .venv/bin/python processors/eval/pairs/make_pairs.py   (needs opencc)

Written for issue 11 by an annotator who did not read the indexer or its
clustering code; it uses no project code.
"""

import json
import random
import re
import sys
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import opencc

HERE = Path(__file__).resolve().parent
DEV = HERE.parent / "devset"
SRC = HERE / "src"
OUT = HERE / "texts"
SEED = "policy-radar-issue-11"

S2T = opencc.OpenCC("s2t")
S2TWP = opencc.OpenCC("s2twp")
S2HK = opencc.OpenCC("s2hk")
T2S = opencc.OpenCC("t2s")


def check_labels(labels_path, clusters_path=None):
    """Standalone check of labels.jsonl: no duplicate pairs, texts exist, transitive
    consistency (union-find over same=true; no same=false pair inside one component),
    and agreement with clusters.jsonl when given.  Returns a list of problems."""
    rows = [
        json.loads(line)
        for line in Path(labels_path).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    par = {}

    def fnd(x):
        par.setdefault(x, x)
        while par[x] != x:
            par[x] = par[par[x]]
            x = par[x]
        return x

    problems, seen = [], set()
    for r in rows:
        key = frozenset((r["a"], r["b"]))
        if key in seen or r["a"] == r["b"]:
            problems.append(("duplicate or self pair", r))
        seen.add(key)
        for s in (r["a"], r["b"]):
            if not (Path(labels_path).parent / "texts" / f"{s}.txt").exists():
                problems.append(("missing text", s))
        if r["same"]:
            par[fnd(r["a"])] = fnd(r["b"])
    for r in rows:
        if not r["same"] and fnd(r["a"]) == fnd(r["b"]):
            problems.append(("negative pair inside a positive component", r))
    if clusters_path:
        lines = Path(clusters_path).read_text(encoding="utf-8").splitlines()
        cl = {json.loads(line)["id"]: json.loads(line)["cluster"] for line in lines if line.strip()}
        for r in rows:
            if (cl[r["a"]] == cl[r["b"]]) != r["same"]:
                problems.append(("label disagrees with clusters.jsonl", r))
    return problems


if len(sys.argv) > 1 and sys.argv[1] == "--check":
    found = check_labels(HERE / "labels.jsonl", HERE / "clusters.jsonl")
    for p in found:
        print(p)
    print("labels consistent" if not found else f"{len(found)} problems")
    sys.exit(1 if found else 0)

# ---------------------------------------------------------------- bases
# dev-set documents that get the full set of positive variants
DEV_ZH = ["004", "008", "012", "018", "032", "052", "054", "056", "058", "060", "066", "073", "079", "072"]
DEV_EN = ["001", "003", "013", "035", "095", "102", "105", "108", "110"]
DEV_TRAD = ["064", "085"]  # already Traditional: simplified mirror + template
# dev-set documents used only as the other side of negative pairs
DEV_PLAIN = ["014", "017", "038", "061", "076", "080", "089", "096", "098", "118"]


def rng_for(*parts):
    return random.Random(SEED + "|" + "|".join(parts))


def is_zh(text):
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    return han > len(re.findall(r"[A-Za-z]+", text))


def split_doc(text):
    lines = text.strip("\n").split("\n")
    return lines[0].strip(), "\n".join(lines[1:]).strip("\n")


# ---------------------------------------------------------------- dates
EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def doc_date(text, rng):
    zh = re.findall(r"(20\d\d)年(\d{1,2})月(\d{1,2})日", text)
    if zh:
        y, m, d = map(int, zh[-1])
        return date(y, m, d)
    en = re.findall(r"(\d{{1,2}}) ({}) (20\d\d)".format("|".join(EN_MONTHS)), text)
    if en:
        d, mon, y = en[-1]
        return date(int(y), EN_MONTHS.index(mon) + 1, int(d))
    md = re.search(r"\b({}) (\d{{1,2}})\b".format("|".join(EN_MONTHS)), text)
    years = re.findall(r"(20\d\d)", text)
    if md:
        y = int(years[0]) if years else 2024
        return date(y, EN_MONTHS.index(md.group(1)) + 1, int(md.group(2)))
    y = int(years[0]) if years else 2024
    return date(y, rng.randint(1, 12), rng.randint(1, 28))


def issuer_zh(title):
    m = re.match(r"(.+?)关于", title)
    if m:
        return re.split(r"\s", m.group(1))[0]
    return rng_pick(["新华网", "人民网", "证券时报网", "澎湃新闻"], title)


def rng_pick(options, key):
    return rng_for("pick", key).choice(options)


# ---------------------------------------------------------------- templates
DISTRICTS = ["南山区", "余杭区", "黄埔区", "江宁区", "高新区", "武侯区", "天河区", "浦东新区"]
EDITORS = ["王敏", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "周婷"]
ASSOCS = ["中国信息协会", "省软件行业协会", "市人工智能产业联盟", "省数字经济促进会", "市大数据协会"]
FIRMS = ["政策通", "惠企申报宝", "科创政策研究院", "高企服务圈", "项目申报指南针"]
PORTALS = [("新浪财经", "新浪科技"), ("网易新闻", "网易科技"), ("搜狐", "搜狐科技"), ("凤凰网", "凤凰网科技")]


def tpl_zh(kind, title, body, src, dt, rng):
    hh, mm, views = rng.randint(8, 18), rng.randint(0, 59), rng.randint(200, 40000)
    if kind == "A":  # district government portal, reposting an upper-level document
        dist = rng.choice(DISTRICTS)
        return "\n".join(
            [
                title,
                "首页 > 政务公开 > 政策文件 > 上级文件",
                f"发布日期：{dt:%Y-%m-%d} {hh:02d}:{mm:02d}:{rng.randint(0, 59):02d}"
                f"　　来源：{src}　　浏览次数：{views}",
                "【字号：大 中 小】【打印】【关闭】",
                "",
                body,
                "",
                "【打印本页】【关闭窗口】",
                f"责任编辑：{rng.choice(EDITORS)}",
                "分享到：微信 微博 QQ空间",
                f"主办单位：{dist}人民政府办公室　承办单位：{dist}政务服务数据管理局",
                f"网站标识码：44030{rng.randint(10000, 99999)}"
                f"　ICP备案号：粤ICP备{rng.randint(10000000, 99999999)}号",
            ]
        )
    if kind == "B":  # industry association
        assoc = rng.choice(ASSOCS)
        return "\n".join(
            [
                title,
                f"{assoc}　{dt.year}年{dt.month:02d}月{dt.day:02d}日　阅读量：{views}",
                f"转自：{src}官网",
                "",
                body,
                "",
                f"（来源：{src}）",
                "上一篇：关于召开会员代表大会的通知",
                "下一篇：协会赴重点企业开展调研走访",
                f"版权所有：{assoc}　联系电话：0{rng.randint(10, 99)}-{rng.randint(60000000, 89999999)}",
            ]
        )
    if kind == "C":  # consulting firm's WeChat account
        firm = rng.choice(FIRMS)
        return "\n".join(
            [
                f"政策速递｜{title}",
                f"{firm} {dt:%Y-%m-%d} {hh:02d}:{mm:02d}",
                "点击上方蓝字，关注我们",
                f"来源：{src}",
                "",
                body,
                "",
                "- END -",
                f"免责声明：本文转载自{src}官方网站，仅用于政策信息传播，版权归原作者所有，如有侵权请联系删除。",
                "扫码添加小助手，免费获取申报辅导👇",
                f"阅读 {views}　点赞 {rng.randint(3, 300)}　在看 {rng.randint(1, 60)}",
            ]
        )
    # D: news portal
    portal, channel = rng.choice(PORTALS)
    e1, e2 = rng.sample(EDITORS, 2)
    return "\n".join(
        [
            f"{title}_{channel}_{portal}",
            f"{dt.year}年{dt.month:02d}月{dt.day:02d}日 {hh:02d}:{mm:02d}　来源：{src}",
            f"原标题：{title}",
            "",
            body,
            "",
            f"（责编：{e1}、{e2}）",
            "点赞　收藏　分享",
            f"{channel}官方微博　{channel}官方微信",
        ]
    )


SITES = [
    "Asia Tech Daily",
    "China Policy Watch",
    "The Compute Report",
    "Pacific Business Times",
    "AI Regulation Monitor",
]
AUTHORS = ["Staff Reporter", "Li Wen", "Sarah Chan", "Tom Hughes", "Wire Desk"]


def tpl_en(kind, title, body, src, dt, rng):
    hh, mm = rng.randint(7, 22), rng.randint(0, 59)
    site = rng.choice(SITES)
    if kind == "A":
        return "\n".join(
            [
                f"{title} | {site}",
                "Home > News > China > Technology",
                f"By {rng.choice(AUTHORS)} | Published {dt.day} {dt:%b} {dt.year}, {hh:02d}:{mm:02d} GMT+8",
                "Share: Facebook | X | LinkedIn | WhatsApp | Email",
                "",
                body,
                "",
                f"Copyright © {dt.year} {site}. All rights reserved.",
                "Privacy Policy | Terms of Use | Cookie Settings | Contact Us",
            ]
        )
    if kind == "B":
        return "\n".join(
            [
                title,
                f"Posted on {dt:%B} {dt.day}, {dt.year} by {site} Newsroom",
                f"Source: {src}",
                "",
                body,
                "",
                f"This article was first published by {src}. Republished with permission.",
                "Filed under: Policy, Computing, China",
                "Subscribe to our weekly newsletter for the latest on Asia's tech policy.",
            ]
        )
    return "\n".join(
        [  # C: law firm / consultancy client alert
            title,
            f"Client Alert | {dt:%Y-%m-%d}",
            "Greenway & Partners LLP — China Regulatory Practice",
            "",
            body,
            "",
            "This alert is provided for information only and does not constitute legal advice.",
            "For more information, please contact your usual Greenway & Partners adviser.",
            "© Greenway & Partners LLP. Attorney advertising.",
        ]
    )


def source_en(text, title):
    m = re.search(
        r"the ((?:Beijing|Shanghai|Shenzhen|Chengdu|Nanjing|Qingyang|Taiyuan|Hong Kong)[A-Za-z \-]*?"
        r"(?:Bureau|Commission|Committee|Government)(?: of(?: [A-Z][a-z]+| and)+)?)",
        text,
    )
    return m.group(1) if m else rng_pick(["Xinhua", "China Daily", "Caixin Global", "SCMP"], title)


def make_template(text, kind, key):
    rng = rng_for("tpl", kind, key)
    title, body = split_doc(text)
    dt = doc_date(text, rng) + timedelta(days=rng.randint(0, 4))
    if is_zh(text):
        return tpl_zh(kind, title, body, issuer_zh(title), dt, rng)
    return tpl_en(kind, title, body, source_en(text, title), dt, rng)


# ---------------------------------------------------------------- edits
ZH_EDITS = [
    ("有关事项", "相关事项"),
    ("予以", "给予"),
    ("截止", "截至"),
    ("材料", "资料"),
    ("即日起", "即日起，"),
    ("请认真", "请"),
    ("如下", "如下："),
    ("。\n", "；\n"),
]
EN_EDITS = [
    (" percent", "%"),
    ("programme", "program"),
    ("centre", "center"),
    (" per cent", "%"),
    ("organisation", "organization"),
    ("the the", "the"),
    ("Co., Ltd.", "Co. Ltd"),
    ("yuan", "yuan"),
    (" — ", " - "),
]


def sentences(line, zh):
    if zh:
        return [s for s in re.findall(r"[^。！？]*[。！？]?", line) if s]
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"])", line) if s]


def make_edit(text, key):
    """Small edits: one sentence dropped, punctuation changed, one or two words changed."""
    rng = rng_for("edit", key)
    zh = is_zh(text)
    title, body = split_doc(text)
    lines = body.split("\n")
    ops = []
    # 1. drop a sentence (not the first of its paragraph) from a paragraph with >= 2 sentences
    cands = [
        (i, j)
        for i, ln in enumerate(lines)
        for j, s in enumerate(sentences(ln, zh))
        if j > 0 and len(sentences(ln, zh)) >= 2 and 8 < len(s.strip()) <= (70 if zh else 220)
    ]
    if cands:
        i, j = rng.choice(cands)
        ss = sentences(lines[i], zh)
        ops.append("drop sentence: " + ss[j].strip()[:40])
        del ss[j]
        lines[i] = ("" if zh else " ").join(s.strip() for s in ss) if not zh else "".join(ss)
    # 2. punctuation
    body = "\n".join(lines)
    if zh:
        body2 = body.replace("（", "(").replace("）", ")")
        if body2 == body:
            body2 = body.replace("：", ":", 3)
        ops.append("full-width brackets/colons to ASCII")
    else:
        body2 = body.replace("\u201c", '"').replace("\u201d", '"').replace(", and", " and")
        ops.append("serial comma dropped / quotes straightened")
    body = body2
    # 3. word-level edits (a typo fix, a changed word)
    table = ZH_EDITS if zh else EN_EDITS
    hits = [(a, b) for a, b in table if a in body and a != b]
    for a, b in rng.sample(hits, min(2, len(hits))):
        body = body.replace(a, b, 1)
        ops.append(f"{a!r} -> {b!r}")
    if zh:
        m = re.search(r"(\d)(\d{3})万元", body)
        if m:
            body = body[: m.start()] + f"{m.group(1)},{m.group(2)}万元" + body[m.end() :]
            ops.append("thousands separator")
    return title + "\n" + body + "\n", ops


# ---------------------------------------------------------------- synonym spinning
ZH_SYN = {
    "支持": "扶持",
    "企业": "公司",
    "推动": "推进",
    "加快": "加速",
    "建设": "建立",
    "给予": "予以",
    "补贴": "补助",
    "奖励": "奖补",
    "最高": "至多",
    "不超过": "不高于",
    "单个": "每个",
    "申报": "申请",
    "有关": "相关",
    "通知": "告知",
    "印发": "发布",
    "实施": "执行",
    "提高": "提升",
    "降低": "减少",
    "成本": "费用",
    "鼓励": "倡导",
    "优先": "率先",
    "保障": "保证",
    "项目": "工程",
    "按照": "依照",
    "根据": "依据",
    "开展": "进行",
    "组织": "安排",
    "研发": "研究开发",
    "人工智能": "AI",
    "大模型": "大型模型",
    "算力": "计算能力",
    "智能": "智慧",
    "年度": "年",
    "每年": "每一年",
    "认真": "切实",
    "贯彻": "落实",
    "现将": "兹将",
    "以上": "以上的",
    "目前": "当前",
    "主要": "重点",
    "首次": "第一次",
    "一次性": "一次",
    "新建": "新设",
    "注册": "登记注册",
    "合同金额": "合同额",
    "营业收入": "营收",
    "企业所得税": "所得税",
    "设备": "装备",
    "投资": "投入",
    "培育": "培养",
    "优势": "长处",
    "示范": "标杆",
    "应用": "运用",
    "平台": "载体",
    "资金": "经费",
    "审核": "审查",
    "材料": "资料",
    "逾期": "过期",
    "受理": "接收",
    "联系人": "联络人",
    "联系电话": "咨询电话",
    "发放": "派发",
    "抵扣": "抵减",
    "比例": "比率",
    "数据中心": "数据机房",
    "用电": "用能",
    "电费": "电价",
    "期限": "时限",
    "有效期": "有效期限",
    "制定": "出台",
    "措施": "举措",
    "若干": "一些",
    "如下": "如后",
    "严重": "重大",
    "记录": "记载",
    "推荐": "举荐",
    "机构": "单位",
    "高校": "高等院校",
    "科研": "科学研究",
    "集聚": "聚集",
    "龙头": "头部",
    "带动": "拉动",
    "规模": "体量",
    "超过": "逾",
    "增长": "增加",
    "业内人士": "行业人士",
    "表示": "称",
    "认为": "指出",
    "发布": "推出",
    "宣布": "公布",
    "融资": "募资",
    "要求": "规定",
    "情况": "状况",
    "积极": "主动",
    "加强": "强化",
    "进一步": "更进一步",
    "完成": "完结",
    "计划": "规划",
    "显示": "表明",
    "此前": "之前",
    "随后": "接着",
    "目前已": "当前已",
    "技术": "科技",
    "研究": "探究",
    "合作": "协作",
    "重点": "关键",
    "领域": "方面",
    "提供": "供给",
    "股东": "出资方",
    "亏损": "赔钱",
    "公司": "企业",
    "近日": "日前",
}
EN_SYN = {
    "company": "firm",
    "companies": "firms",
    "said": "stated",
    "will": "is set to",
    "support": "back",
    "subsidy": "grant",
    "subsidies": "grants",
    "large": "big",
    "per": "for each",
    "cost": "expense",
    "costs": "expenses",
    "capped": "limited",
    "up to": "as much as",
    "more than": "over",
    "receive": "get",
    "shall": "will",
    "enterprises": "businesses",
    "enterprise": "business",
    "computing power": "compute",
    "application": "request",
    "applications": "requests",
    "rental": "leasing",
    "rent": "lease",
    "start-ups": "young firms",
    "announced": "unveiled",
    "launched": "rolled out",
    "include": "comprise",
    "includes": "comprises",
    "local": "domestic",
    "city": "municipality",
    "programme": "scheme",
    "scheme": "plan",
    "said on": "stated on",
    "about": "around",
    "last year": "in the previous year",
    "plans": "intends",
    "officials": "authorities",
    "government": "administration",
    "industry": "sector",
    "expected": "anticipated",
    "reward": "bonus",
    "shares": "stock",
    "revenue": "sales",
    "build": "construct",
    "helped": "assisted",
    "firms": "companies",
    "new": "fresh",
    "major": "key",
    "big": "large",
    "also": "additionally",
    "however": "but",
    "total": "overall",
    "budget": "funding pot",
    "years": "yrs",
    "released": "issued",
    "issued": "published",
    "eligible": "qualifying",
    "apply": "submit requests",
    "research": "R&D work",
    "developers": "builders",
    "model": "system",
    "listing": "flotation",
    "investors": "backers",
    "raised": "collected",
    "billion": "bn",
    "million": "mn",
    "founded": "established",
    "previously": "formerly",
    "rivals": "competitors",
    "customers": "clients",
    "domestic": "home-grown",
    "trading": "dealing",
    "designer": "developer",
    "relies": "depends",
    "expect": "anticipate",
    "sales": "turnover",
    "spend": "use",
    "part": "portion",
    "models": "systems",
    "chips": "processors",
    "centre": "facility",
    "centres": "facilities",
}


def spin(text, key):
    """Replace dictionary words with synonyms; target 10-20 % of the body's words."""
    rng = rng_for("spin", key)
    zh = is_zh(text)
    title, body = split_doc(text)
    table = ZH_SYN if zh else EN_SYN
    words = sorted(table, key=len, reverse=True)
    if zh:
        pat = re.compile("|".join(map(re.escape, words)))
        total_words = len(re.findall(r"[\u4e00-\u9fff]", body)) / 1.7 + len(
            re.findall(r"[A-Za-z0-9.]+", body)
        )
    else:
        pat = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.I)
        total_words = len(re.findall(r"\S+", body))
    matches = list(pat.finditer(body))
    target = int(total_words * rng.uniform(0.13, 0.18))
    chosen = set(rng.sample(range(len(matches)), min(target, len(matches))))
    out, pos, n = [], 0, 0
    for k, m in enumerate(matches):
        if k not in chosen:
            continue
        w = m.group(0)
        rep = table[w] if zh else table[w.lower()]
        if not zh and w[0].isupper():
            rep = rep[0].upper() + rep[1:]
        out.append(body[pos : m.start()])
        out.append(rep)
        pos = m.end()
        n += 1
    out.append(body[pos:])
    return title + "\n" + "".join(out) + "\n", round(n / max(total_words, 1), 3)


# ---------------------------------------------------------------- junk
ZH_JUNK = [
    "【广告】专业代办高新技术企业认定、专精特新申报，成功率高，咨询电话：400-{n}",
    "▲点击上图，报名参加2024人工智能产业发展大会",
    "相关阅读：\n· 2024年各地算力券政策汇总（附申报条件）\n· 一图读懂人工智能产业扶持政策"
    "\n· 专精特新“小巨人”申报条件及奖励标准",
    "热点推荐\n1. 重磅！国家数据局发布最新政策\n2. 多地人工智能补贴标准对比，最高1亿元"
    "\n3. 2025年高企认定时间表出炉\n4. 算力价格持续走低，行业洗牌加速",
    "↓↓↓ 扫码领取《2025年最新惠企政策申报手册》↓↓↓",
    "本文目录：一、政策要点　二、申报条件　三、常见问题",
    "推荐阅读>>> 关于开展2025年度专精特新中小企业认定工作的通知",
    "温馨提示：更多政策解读，请关注公众号“惠企政策速递”",
]
EN_JUNK = [
    "ADVERTISEMENT",
    "Related: China's data bureau sets out plan for national data annotation bases",
    "Most read\n1. Nvidia shares slide on export news\n2. Hong Kong opens second AI subsidy round\n"
    "3. Ten cities, ten compute voucher schemes: a comparison",
    "Sign up for our free Asia Tech newsletter and never miss a story.",
    "Sponsored: Cut your cloud GPU bill by 40% — book a demo today at gpu-deals.example.com",
    "READ MORE: How local governments are competing for AI start-ups",
    "Advertisement - scroll to continue reading",
]


def add_junk(text, key):
    rng = rng_for("junk", key)
    zh = is_zh(text)
    title, body = split_doc(text)
    paras = [p for p in body.split("\n")]
    pool = ZH_JUNK if zh else EN_JUNK
    k = rng.randint(3, 4)
    junk = [j.replace("{n}", str(rng.randint(1000000, 9999999))) for j in rng.sample(pool, k)]
    slots = sorted(rng.sample(range(1, len(paras) + 1), min(k, len(paras))))
    for off, (slot, j) in enumerate(zip(slots, junk, strict=False)):
        paras.insert(slot + off, j)
    return title + "\n" + "\n".join(paras) + "\n"


# ---------------------------------------------------------------- truncation
def truncate(text, key):
    rng = rng_for("trunc", key)
    frac = rng.choice([0.5, 0.6])
    zh = is_zh(text)
    title, body = split_doc(text)
    limit = int(len(body) * frac)
    cut = body[:limit]
    ends = [m.end() for m in re.finditer(r"[。！？\n]" if zh else r"[.!?](?=\s)|\n", cut)]
    if ends and ends[-1] > limit * 0.6:
        cut = cut[: ends[-1]]
    tail = rng.choice(["", "", "阅读全文>>" if zh else "Continue reading..."])
    return title + "\n" + cut.rstrip() + ("\n" + tail if tail else "") + "\n", frac


# ---------------------------------------------------------------- registry
docs = {}  # key -> dict(text, lang, origin, base, variant, notes)


def add(key, text, base, variant, origin, notes=None):
    assert key not in docs, key
    docs[key] = dict(
        text=text.rstrip("\n") + "\n",
        lang="zh" if is_zh(text) else "en",
        origin=origin,
        base=base,
        variant=variant,
        notes=notes,
    )


def dev_text(num):
    (p,) = DEV.glob(num + "-*.txt")
    return p.read_text(encoding="utf-8"), p.name


pairs = []  # (a_key, b_key, same, kind)


def pair(a, b, same, kind):
    pairs.append((a, b, same, kind))


TRAD_MODES = ["s2t", "s2t", "s2twp", "s2hk"]


def full_variants(base_key, text, zh, idx):
    """Every positive variant of one base; returns the variant keys by kind."""
    v = {}
    kinds = ["A", "B", "C", "D"] if zh else ["A", "B", "C"]
    r = rng_for("tplkinds", base_key)
    for t in r.sample(kinds, 2):
        k = f"{base_key}~tpl{t}"
        add(k, make_template(text, t, base_key), base_key, "template:" + t, "script")
        v.setdefault("template", []).append(k)
    et, ops = make_edit(text, base_key)
    add(base_key + "~edit", et, base_key, "edit", "script", ops)
    v["edit"] = [base_key + "~edit"]
    if zh:
        mode = TRAD_MODES[idx % len(TRAD_MODES)]
        conv = {"s2t": S2T, "s2twp": S2TWP, "s2hk": S2HK}[mode]
        add(base_key + "~trad", conv.convert(text), base_key, "traditional:" + mode, "script")
        v["traditional"] = [base_key + "~trad"]
    st, ratio = spin(text, base_key)
    add(base_key + "~spun", st, base_key, "spun", "script", {"replaced_word_ratio": ratio})
    v["spun"] = [base_key + "~spun"]
    add(base_key + "~junk", add_junk(text, base_key), base_key, "junk", "script")
    v["junk"] = [base_key + "~junk"]
    tt, frac = truncate(text, base_key)
    add(base_key + "~trunc", tt, base_key, "truncated", "script", {"kept_fraction": frac})
    v["truncated"] = [base_key + "~trunc"]
    return v


variants = {}
for i, num in enumerate(DEV_ZH + DEV_EN):
    text, name = dev_text(num)
    key = "dev" + num
    add(key, text, key, "base", "devset/" + name)
    variants[key] = full_variants(key, text, num in DEV_ZH, i)
    vv = variants[key]
    for kind, ks in vv.items():
        for k in ks:
            pair(key, k, True, kind)
    # variant-to-variant pairs (same document reached by two different paths)
    r = rng_for("vv", key)
    if num in DEV_ZH:
        a, b = r.choice([("template", "traditional"), ("template", "junk"), ("edit", "traditional")])
    else:
        a, b = r.choice([("template", "spun"), ("template", "junk"), ("edit", "truncated")])
    pair(vv[a][0], vv[b][0], True, b)

for num in DEV_TRAD:
    text, name = dev_text(num)
    key = "dev" + num
    add(key, text, key, "base", "devset/" + name)
    add(key + "~simp", T2S.convert(text), key, "simplified:t2s", "script")
    add(key + "~tplA", make_template(text, "A", key), key, "template:A", "script")
    pair(key, key + "~simp", True, "traditional")
    pair(key, key + "~tplA", True, "template")
    pair(key + "~simp", key + "~tplA", True, "traditional")
    variants[key] = {"template": [key + "~tplA"], "traditional": [key + "~simp"]}

for num in DEV_PLAIN:
    text, name = dev_text(num)
    add("dev" + num, text, "dev" + num, "base", "devset/" + name)

# hand-written documents; the bases of yearly-call, shared-boilerplate and
# draft-final pairs get one template repost each (a positive pair)
for p in sorted(SRC.glob("*.txt")):
    key = "src:" + p.stem
    text = p.read_text(encoding="utf-8")
    add(key, text, key, "base", "src/" + p.name)
    if p.stem.startswith(("yc-", "sb-", "df-")):
        t = rng_for("hwtpl", key).choice(["A", "B", "C", "D"] if is_zh(text) else ["A", "B", "C"])
        add(key + "~tpl" + t, make_template(text, t, key), key, "template:" + t, "script")
        variants[key] = {"template": [key + "~tpl" + t]}
        pair(key, key + "~tpl" + t, True, "template")
    else:
        variants[key] = {}

# ---------------------------------------------------------------- negatives


def members(key):
    out = [key]
    for ks in variants.get(key, {}).values():
        out += ks
    return out


def neg_combos(a, b, kind, n_extra, tag):
    """base-base plus n_extra (variant-of-a or a, variant-of-b or b) combinations."""
    pair(a, b, False, kind)
    ma, mb = members(a), members(b)
    combos = [(x, y) for x in ma for y in mb if (x, y) != (a, b)]
    r = rng_for("neg", tag, a, b)
    for x, y in r.sample(combos, min(n_extra, len(combos))):
        pair(x, y, False, kind)


S = "src:"
# translations (a Chinese notice and its English translation, or the reverse)
for src_stem, dev in [
    ("tr-004-en", "004"),
    ("tr-012-en", "012"),
    ("tr-032-en", "032"),
    ("tr-056-en", "056"),
    ("tr-066-en", "066"),
    ("tr-079-en", "079"),
    ("tr-052-en", "052"),
    ("tr-060-en", "060"),
    ("tr-001-zh", "001"),
    ("tr-105-zh", "105"),
    ("tr-110-zh", "110"),
    ("tr-102-zh", "102"),
]:
    neg_combos(S + src_stem, "dev" + dev, "translation", 2, "tr")
# the Chinese notice 108's final version exists only in English; 064/118 cover one scheme in two languages
# quotes (another outlet's article quoting one paragraph)
for src_stem, dev in [
    ("qt-004", "004"),
    ("qt-018", "018"),
    ("qt-066", "066"),
    ("qt-073", "073"),
    ("qt-079", "079"),
    ("qt-056", "056"),
    ("qt-060", "060"),
    ("qt-054", "054"),
    ("qt-001-en", "001"),
    ("qt-105-en", "105"),
]:
    neg_combos(S + src_stem, "dev" + dev, "quote", 2, "qt")
# draft and final version
for a, b in [
    ("dev054", S + "df-054-final"),
    ("dev058", S + "df-058-final"),
    ("dev108", S + "df-108-final-en"),
    (S + "df-suzhou-draft", S + "df-suzhou-final"),
    (S + "df-gz-draft", S + "df-gz-final"),
]:
    neg_combos(a, b, "draft-final", 3, "df")
# the same bureau's call in different years
for a, b in [
    ("yc-wuhan-2024", "yc-wuhan-2025"),
    ("yc-ningbo-2023", "yc-ningbo-2024"),
    ("yc-ningbo-2024", "yc-ningbo-2025"),
    ("yc-ningbo-2023", "yc-ningbo-2025"),
    ("yc-dongguan-2024", "yc-dongguan-2025"),
    ("yc-hefei-2024", "yc-hefei-2025"),
    ("yc-qianhai-2024-en", "yc-qianhai-2025-en"),
]:
    neg_combos(S + a, S + b, "yearly-call", 3, "yc")
# different notices of one bureau sharing header/footer/contact boilerplate
for a, b in [
    ("sb-hangzhou-a", "sb-hangzhou-b"),
    ("sb-hangzhou-a", "sb-hangzhou-c"),
    ("sb-hangzhou-b", "sb-hangzhou-c"),
    ("sb-xiamen-a", "sb-xiamen-b"),
    ("sb-tianjin-a", "sb-tianjin-b"),
    ("sb-sip-a-en", "sb-sip-b-en"),
]:
    neg_combos(S + a, S + b, "shared-boilerplate", 2, "sb")
# different notices reposted by the same site with the same template (shared site boilerplate)
tpl_groups = defaultdict(list)
for k, d in docs.items():
    if d["variant"].startswith("template:") and k.startswith("dev"):
        tpl_groups[(d["lang"], d["variant"])].append(k)
r = rng_for("same-site")
for g in sorted(tpl_groups):
    ks = sorted(tpl_groups[g])
    r.shuffle(ks)
    for x, y in list(zip(ks[0::2], ks[1::2], strict=False))[:2]:
        pair(x, y, False, "shared-boilerplate")
# two items on the same topic by different outlets (or the same event in two languages)
for a, b in [
    (S + "st-072", "dev072"),
    (S + "st-072", "dev095"),
    (S + "st-038", "dev038"),
    (S + "st-038", "dev089"),
    (S + "st-061", "dev061"),
    (S + "st-061", "dev096"),
    (S + "st-001-en", "dev001"),
    (S + "st-013-en", "dev013"),
    (S + "st-013-en", "dev004"),
    (S + "st-035-en", "dev035"),
    (S + "st-035-en", "dev014"),
    ("dev072", "dev095"),
    ("dev061", "dev096"),
    ("dev076", "dev098"),
    ("dev038", "dev089"),
    ("dev060", "dev110"),
    (S + "tr-110-zh", "dev060"),
    (S + "tr-060-en", "dev110"),
    ("dev017", "dev118"),
    ("dev064", "dev118"),
    ("dev004", "dev013"),
    ("dev014", "dev035"),
    ("dev003", "dev080"),
    (S + "qt-004", S + "st-013-en"),
]:
    neg_combos(a, b, "same-topic", 1 if variants.get(a) or variants.get(b) else 0, "st")

# ---------------------------------------------------------------- ids, output, checks
keys = sorted(docs)
rng_for("ids").shuffle(keys)
stem = {k: f"p{i + 1:04d}" for i, k in enumerate(keys)}

# consistency: positives define clusters (union-find); no negative may fall inside one
parent = {k: k for k in docs}


def find(x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


seen = set()
for a, b, same, _kind in pairs:
    assert a in docs and b in docs and a != b, (a, b)
    assert frozenset((a, b)) not in seen, ("duplicate pair", a, b)
    seen.add(frozenset((a, b)))
    if same:
        parent[find(a)] = find(b)
bad = [(a, b) for a, b, same, _ in pairs if not same and find(a) == find(b)]
assert not bad, ("negative inside a positive cluster", bad)
# every positive pair joins a document with its own base: clusters are exactly the bases
for k, d in docs.items():
    assert find(k) == find(d["base"]), k
for a, b, same, _ in pairs:
    assert same == (docs[a]["base"] == docs[b]["base"]), (a, b)
# transitive closure: for every labelled a~b and b~c, a~c (if labelled) is same
pos = defaultdict(set)
for a, b, same, _ in pairs:
    if same:
        pos[a].add(b)
        pos[b].add(a)
lab = {frozenset((a, b)): same for a, b, same, _ in pairs}
for b in pos:
    for a in pos[b]:
        for c in pos[b]:
            if a != c and frozenset((a, c)) in lab:
                assert lab[frozenset((a, c))], (a, b, c)

if OUT.exists():
    for p in OUT.glob("*.txt"):
        p.unlink()
OUT.mkdir(exist_ok=True)
for k in sorted(docs, key=lambda k: stem[k]):
    (OUT / f"{stem[k]}.txt").write_text(docs[k]["text"], encoding="utf-8")

with open(HERE / "labels.jsonl", "w", encoding="utf-8") as f:
    for a, b, same, kind in pairs:
        f.write(json.dumps({"a": stem[a], "b": stem[b], "same": same, "kind": kind}) + "\n")
with open(HERE / "manifest.jsonl", "w", encoding="utf-8") as f:
    for k in sorted(docs, key=lambda k: stem[k]):
        d = docs[k]
        row = {
            "id": stem[k],
            "key": k,
            "lang": d["lang"],
            "base": stem[d["base"]],
            "variant": d["variant"],
            "origin": d["origin"],
        }
        if d["notes"]:
            row["notes"] = d["notes"]
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
with open(HERE / "clusters.jsonl", "w", encoding="utf-8") as f:
    for k in sorted(docs, key=lambda k: stem[k]):
        f.write(json.dumps({"id": stem[k], "cluster": stem[docs[k]["base"]]}) + "\n")

# ---------------------------------------------------------------- report
by_kind = Counter((kind, same) for _, _, same, kind in pairs)


def pair_lang(a, b):
    la, lb = docs[a]["lang"], docs[b]["lang"]
    return la if la == lb else "zh-en"


by_lang = Counter((kind, pair_lang(a, b)) for a, b, _, kind in pairs)
print(f"documents: {len(docs)} ({Counter(d['lang'] for d in docs.values())})")
print(f"pairs: {len(pairs)}  positive: {sum(s for *_, s, _ in [(a, b, s, k) for a, b, s, k in pairs])}")
for kind in sorted({k for _, _, _, k in pairs}):
    n = by_kind[(kind, True)] + by_kind[(kind, False)]
    langs = ", ".join(f"{lg} {by_lang[(kind, lg)]}" for lg in ("zh", "en", "zh-en") if by_lang[(kind, lg)])
    print(f"  {kind:20s} {n:4d}  same={by_kind[(kind, True)] > 0}  ({langs})")
problems = check_labels(HERE / "labels.jsonl", HERE / "clusters.jsonl")
assert not problems, problems
print("labels.jsonl: transitive consistency and clusters.jsonl agreement checked")
small = [k for k in {k for *_, k in pairs} if sum(1 for *_, kk in pairs if kk == k) < 15]
if small:
    sys.exit(f"kinds with fewer than 15 pairs: {small}")
