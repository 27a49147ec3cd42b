/* Policy Radar's page strings in English and Chinese, and the language switch.
 *
 * window.PolicyRadarI18n = {t(key, vars), lang(), setLang(code), onChange(fn), name(canonical),
 * learn(entities, facts)}. t("results.page", {page: 2, last: 5}) fills {page} and {last}; an unknown
 * key falls back to English, then to the key itself. The chosen language is remembered in
 * localStorage ("policyradar.lang"). In the HTML, data-i18n="key" sets an element's text, and
 * data-i18n-placeholder / data-i18n-title / data-i18n-aria-label set those attributes; buttons with
 * data-set-lang="en|zh" switch the language. Scripts that render text call t() and re-render in
 * onChange(fn). name("Beijing") gives "北京市 · Beijing" once the Chinese form is known (the
 * provinces always; other places, companies and issuers once a result has named them in Chinese).
 * A page's own script adds its strings with register({en: {...}, zh: {...}}); the data-i18n elements
 * are filled again then, so a script deferred after this one may register them as it runs.
 */
"use strict";

(function () {
  const STORAGE_KEY = "policyradar.lang";
  const LANGS = ["en", "zh"];
  const STRINGS = {
    en: {
      "lang.switch": "Language",
      "page.title": "Policy Radar — search AI-policy announcements",
      "site.tagline": "AI-policy announcements with their amounts, places, companies and deadlines",
      "search.label": "Search",
      "search.placeholder": "Search announcements, e.g. 算力券 or computing subsidy",
      "search.button": "Search",
      "sort.label": "Sort",
      "sort.relevance": "Relevance",
      "sort.date": "Newest first",
      "sort.subsidy": "Largest subsidy",
      "option.subsidy_only": "Subsidies only",
      "option.open": "Open for applications",
      "option.expand": "Every copy",
      "option.expand.title": "Show every copy of a reposted notice as a result of its own",
      "option.min_amount": "Min amount (CNY)",
      "option.min_amount.placeholder": "e.g. 1000000",
      "option.date_from": "Published from",
      "option.date_to": "to",
      "filters.label": "Filters",
      "filters.none": "No filters for this search.",
      "filters.remove": "Remove filter {name}",
      "filters.clear": "Clear all",
      "filters.active": "Active filters",
      "filter.at_least": "At least {amount} {currency}",
      "filter.at_most": "At most {amount} {currency}",
      "filter.from": "From {date}",
      "filter.until": "Until {date}",
      "filter.deadline_from": "Deadline from {date}",
      "filter.deadline_until": "Deadline until {date}",
      "facet.places": "Places",
      "facet.provinces": "Provinces",
      "facet.companies": "Companies",
      "facet.topics": "Topics",
      "facet.sources": "Sources",
      "facet.languages": "Languages",
      "facet.doc_types": "Document type",
      "facet.issuers": "Issued by",
      "param.place": "Place",
      "param.province": "Province",
      "param.company": "Company",
      "param.topic": "Topic",
      "param.source": "Source",
      "param.language": "Language",
      "param.doc_type": "Type",
      "param.issuer": "Issued by",
      "language.en": "English",
      "language.zh": "Chinese",
      "doc_type.notice": "Notice",
      "doc_type.measures": "Measures",
      "doc_type.plan": "Plan",
      "doc_type.publicity": "Publicity",
      "doc_type.draft": "Draft for comment",
      "doc_type.news": "News",
      "results.notice.one": "notice",
      "results.notice.many": "notices",
      "results.announcement.one": "announcement",
      "results.announcement.many": "announcements",
      "results.none": "No announcements match this search.",
      "results.none_on_page": "No results on this page.",
      "results.failed": "Search failed: {reason}",
      "results.page": "Page {page} of {last}",
      "results.previous": "← Previous",
      "results.next": "Next →",
      "results.pages": "Pages",
      "results.document_page": "Details",
      "results.document_page.title": "This document's page: facts and full text",
      "results.unsafe_link": "link not shown: not an http(s) address",
      "results.untitled": "(untitled)",
      "export.label": "Export:",
      "export.feed": "Atom feed",
      "export.feed.title": "This search as an Atom feed",
      "noscript": "The result list needs JavaScript; the export links and the API work without it.",
      "money.up_to": "up to",
      "money.at_least": "at least",
      "money.subsidy": "subsidy",
      "money.in_cny": "≈ CNY {amount}",
      "facts.issued_by": "Issued by {names}",
      "facts.apply_window": "Apply {from} to {to}",
      "facts.apply_by": "Apply by {to}",
      "facts.open": " (open)",
      "facts.closed": " (closed)",
      "history.count": "History ({count} versions)",
      "history.loading": "Loading…",
      "history.failed": "History not available: {reason}",
      "history.version": "Version of {date}: {title}",
      "history.first": "The first version seen.",
      "history.no_fact_changed": "No fact changed.",
      "revises": "Revises or repeals: ",
      "copies.count.one": "Also published by {count} source",
      "copies.count.many": "Also published by {count} sources",
      "copies.another_site": "another site",
      "copies.more": "… and {count} more: tick “Every copy” to list them",
      "doc.back": "← Back to the search",
      "doc.loading": "Loading the document…",
      "doc.failed": "The document could not be loaded: {reason}",
      "doc.not_found": "Document not found",
      "doc.original": "Original",
      "doc.original.title": "Open the document on its source's site",
      "doc.published": "Published",
      "doc.fetched": "Fetched",
      "doc.source": "Source",
      "doc.facts": "Facts",
      "doc.text": "Full text",
      "doc.text_truncated": "The text was cut to the configured maximum length; the original has more.",
      "doc.legend": "Marked in the text:",
      "doc.row.doc_type": "Document type",
      "doc.row.doc_number": "Document number",
      "doc.row.issuers": "Issued by",
      "doc.row.window": "Application window",
      "doc.row.money": "Amounts",
      "doc.row.percent": "Ratios",
      "doc.row.places": "Places",
      "doc.row.companies": "Companies",
      "doc.row.organizations": "Organisations",
      "doc.row.topics": "Topics",
      "doc.no_facts": "No facts were extracted from this document.",
      "doc.province": "province: {name}",
      "doc.parent": "part of {name}",
      "doc.copies": "Other copies of this notice",
      "doc.revises": "Documents it revises or repeals",
      "doc.drafts": "Drafts of this document",
      "doc.history": "Versions",
      "kind.money": "Amount",
      "kind.percent": "Ratio",
      "kind.place": "Place",
      "kind.company": "Company",
      "kind.organization": "Organisation",
      "kind.person": "Person",
      "kind.date": "Date",
      "kind.issuer": "Issuer",
      "nav.label": "Views",
      "nav.sources": "Sources",
      "nav.alerts": "My alerts",
    },
    zh: {
      "lang.switch": "语言",
      "page.title": "Policy Radar — 人工智能政策公告搜索",
      "site.tagline": "人工智能政策公告：金额、地区、企业与截止日期",
      "search.label": "搜索",
      "search.placeholder": "搜索公告，例如 算力券 或 computing subsidy",
      "search.button": "搜索",
      "sort.label": "排序",
      "sort.relevance": "相关度",
      "sort.date": "最新优先",
      "sort.subsidy": "补贴金额最高",
      "option.subsidy_only": "仅补贴",
      "option.open": "正在申报",
      "option.expand": "显示所有转载",
      "option.expand.title": "将转载的每一份公告单独列为结果",
      "option.min_amount": "最低金额（元）",
      "option.min_amount.placeholder": "例如 1000000",
      "option.date_from": "发布日期从",
      "option.date_to": "至",
      "filters.label": "筛选",
      "filters.none": "本次搜索没有可用的筛选项。",
      "filters.remove": "移除筛选 {name}",
      "filters.clear": "全部清除",
      "filters.active": "当前筛选",
      "filter.at_least": "不少于 {amount} {currency}",
      "filter.at_most": "不超过 {amount} {currency}",
      "filter.from": "自 {date}",
      "filter.until": "至 {date}",
      "filter.deadline_from": "截止日期自 {date}",
      "filter.deadline_until": "截止日期至 {date}",
      "facet.places": "地区",
      "facet.provinces": "省份",
      "facet.companies": "企业",
      "facet.topics": "主题",
      "facet.sources": "来源",
      "facet.languages": "语言",
      "facet.doc_types": "文件类型",
      "facet.issuers": "发文机关",
      "param.place": "地区",
      "param.province": "省份",
      "param.company": "企业",
      "param.topic": "主题",
      "param.source": "来源",
      "param.language": "语言",
      "param.doc_type": "类型",
      "param.issuer": "发文机关",
      "language.en": "英文",
      "language.zh": "中文",
      "doc_type.notice": "通知",
      "doc_type.measures": "办法",
      "doc_type.plan": "方案",
      "doc_type.publicity": "公示",
      "doc_type.draft": "征求意见稿",
      "doc_type.news": "新闻",
      "results.notice.one": "条公告",
      "results.notice.many": "条公告",
      "results.announcement.one": "份文件",
      "results.announcement.many": "份文件",
      "results.none": "没有符合条件的公告。",
      "results.none_on_page": "本页没有结果。",
      "results.failed": "搜索失败：{reason}",
      "results.page": "第 {page} 页，共 {last} 页",
      "results.previous": "← 上一页",
      "results.next": "下一页 →",
      "results.pages": "分页",
      "results.document_page": "详情",
      "results.document_page.title": "本文件的页面：要素与全文",
      "results.unsafe_link": "链接未显示：不是 http(s) 地址",
      "results.untitled": "（无标题）",
      "export.label": "导出：",
      "export.feed": "Atom 订阅",
      "export.feed.title": "以 Atom 订阅本次搜索",
      "noscript": "结果列表需要 JavaScript；导出链接和 API 无需 JavaScript 即可使用。",
      "money.up_to": "最高",
      "money.at_least": "不低于",
      "money.subsidy": "补贴",
      "money.in_cny": "≈ 人民币 {amount} 元",
      "facts.issued_by": "发文机关：{names}",
      "facts.apply_window": "申报 {from} 至 {to}",
      "facts.apply_by": "申报截止 {to}",
      "facts.open": "（申报中）",
      "facts.closed": "（已截止）",
      "history.count": "历史（{count} 个版本）",
      "history.loading": "加载中…",
      "history.failed": "无法获取历史：{reason}",
      "history.version": "{date} 的版本：{title}",
      "history.first": "首次收录的版本。",
      "history.no_fact_changed": "要素没有变化。",
      "revises": "修订或废止：",
      "copies.count.one": "另有 {count} 个来源转载",
      "copies.count.many": "另有 {count} 个来源转载",
      "copies.another_site": "其他网站",
      "copies.more": "……另有 {count} 个：勾选“显示所有转载”查看",
      "doc.back": "← 返回搜索",
      "doc.loading": "正在加载文件…",
      "doc.failed": "无法加载文件：{reason}",
      "doc.not_found": "未找到该文件",
      "doc.original": "原文",
      "doc.original.title": "在来源网站上打开原文",
      "doc.published": "发布",
      "doc.fetched": "抓取",
      "doc.source": "来源",
      "doc.facts": "要素",
      "doc.text": "全文",
      "doc.text_truncated": "正文已按设定的最大长度截断，原文更长。",
      "doc.legend": "正文中标注：",
      "doc.row.doc_type": "文件类型",
      "doc.row.doc_number": "文号",
      "doc.row.issuers": "发文机关",
      "doc.row.window": "申报时间",
      "doc.row.money": "金额",
      "doc.row.percent": "比例",
      "doc.row.places": "地区",
      "doc.row.companies": "企业",
      "doc.row.organizations": "机构",
      "doc.row.topics": "主题",
      "doc.no_facts": "未从本文件中提取到要素。",
      "doc.province": "省份：{name}",
      "doc.parent": "隶属 {name}",
      "doc.copies": "本公告的其他转载",
      "doc.revises": "本文件修订或废止的文件",
      "doc.drafts": "本文件的征求意见稿",
      "doc.history": "版本",
      "kind.money": "金额",
      "kind.percent": "比例",
      "kind.place": "地区",
      "kind.company": "企业",
      "kind.organization": "机构",
      "kind.person": "人物",
      "kind.date": "日期",
      "kind.issuer": "发文机关",
      "nav.label": "页面",
      "nav.sources": "信息来源",
      "nav.alerts": "我的提醒",
    },
  };
  // The provinces' Chinese names (processors/data/places.tsv), so that province facets are always bilingual.
  const PROVINCES = {
    Anhui: "安徽省", Beijing: "北京市", Chongqing: "重庆市", Fujian: "福建省", Gansu: "甘肃省",
    Guangdong: "广东省", Guangxi: "广西壮族自治区", Guizhou: "贵州省", Hainan: "海南省", Hebei: "河北省",
    Heilongjiang: "黑龙江省", Henan: "河南省", "Hong Kong": "香港特别行政区", Hubei: "湖北省", Hunan: "湖南省",
    "Inner Mongolia": "内蒙古自治区", Jiangsu: "江苏省", Jiangxi: "江西省", Jilin: "吉林省", Liaoning: "辽宁省",
    Macau: "澳门特别行政区", Ningxia: "宁夏回族自治区", Qinghai: "青海省", Shaanxi: "陕西省", Shandong: "山东省",
    Shanghai: "上海市", Shanxi: "山西省", Sichuan: "四川省", Taiwan: "台湾省", Tianjin: "天津市", Tibet: "西藏自治区",
    Xinjiang: "新疆维吾尔自治区", Yunnan: "云南省", Zhejiang: "浙江省",
  };
  const HAN = /[\u3400-\u9fff]/;
  const MAX_NAMES = 5000;
  const chinese = new Map(Object.entries(PROVINCES)); // canonical English name -> a Chinese form seen
  const listeners = [];
  let current = initialLang();
  let started = false;

  function initialLang() {
    let stored = null;
    try {
      stored = window.localStorage.getItem(STORAGE_KEY);
    } catch (_ignored) {
      // storage refused (private mode): fall back to the browser's language
    }
    if (LANGS.includes(stored)) return stored;
    return String(navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
  }

  function t(key, vars) {
    const table = STRINGS[current];
    let text = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : STRINGS.en[key];
    if (text === undefined) text = key;
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
      vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole
    );
  }

  function has(key) {
    return Object.prototype.hasOwnProperty.call(STRINGS.en, key);
  }

  /* Add a page's own strings ({en: {key: text}, zh: {key: text}}); a key already known keeps its text. */
  function register(strings) {
    for (const code of LANGS) {
      for (const [key, text] of Object.entries((strings && strings[code]) || {})) {
        if (!Object.prototype.hasOwnProperty.call(STRINGS[code], key)) STRINGS[code][key] = String(text);
      }
    }
    if (started) applyStatic(); // deferred scripts run after start(): fill their elements now
  }

  function applyStatic(root) {
    const scope = root || document;
    for (const node of scope.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    const attributes = [
      ["i18nPlaceholder", "placeholder"],
      ["i18nTitle", "title"],
      ["i18nAriaLabel", "aria-label"],
    ];
    for (const [data, attribute] of attributes) {
      const selector = "[data-" + data.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()) + "]";
      for (const node of scope.querySelectorAll(selector)) node.setAttribute(attribute, t(node.dataset[data]));
    }
    document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
    for (const button of scope.querySelectorAll("[data-set-lang]")) {
      button.setAttribute("aria-pressed", button.dataset.setLang === current ? "true" : "false");
    }
  }

  function setLang(code) {
    if (!LANGS.includes(code) || code === current) return;
    current = code;
    try {
      window.localStorage.setItem(STORAGE_KEY, code);
    } catch (_ignored) {
      // not remembered, still switched
    }
    applyStatic();
    for (const fn of listeners) {
      try {
        fn(current);
      } catch (err) {
        console.warn("a language listener failed", err);
      }
    }
  }

  /* Remember the Chinese forms of the canonical names in ``entities`` (places, companies) and
   * ``facts`` (issuers), so facets and charts can show them beside the English names. */
  function learn(entities, facts) {
    const items = [
      ...((entities && entities.places) || []),
      ...((entities && entities.companies) || []),
      ...((facts && facts.issuers) || []),
    ];
    for (const item of items) {
      const text = item && typeof item.text === "string" ? item.text : "";
      const canonical = item && typeof item.canonical === "string" ? item.canonical : "";
      if (canonical && HAN.test(text) && !HAN.test(canonical) && !chinese.has(canonical)) {
        if (chinese.size < MAX_NAMES) chinese.set(canonical, text);
      }
    }
  }

  /* "深圳市 · Shenzhen": the Chinese form beside the canonical English name, or the canonical name
   * alone. With ``text`` (the form a document uses) only that form counts; without it, a Chinese
   * form known for the name (a province, or one a result has named). */
  function name(canonical, text) {
    const english = String(canonical || "");
    const known = text === undefined ? chinese.get(english) || "" : "";
    const local = typeof text === "string" && HAN.test(text) ? text : known;
    return local && local !== english ? local + " · " + english : english || String(text || "");
  }

  function start() {
    started = true;
    applyStatic();
    for (const button of document.querySelectorAll("[data-set-lang]")) {
      button.addEventListener("click", () => setLang(button.dataset.setLang));
    }
  }

  window.PolicyRadarI18n = {
    t,
    has,
    lang: () => current,
    setLang,
    onChange: (fn) => listeners.push(fn),
    apply: applyStatic,
    register,
    learn,
    name,
  };
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
