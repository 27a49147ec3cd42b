/* Policy Radar's sources view: every source with its health (GET api/sources, open to everyone), and
 * the operators' "add a source" flow: discover what a page offers (POST api/sources/discover), preview
 * the records a spec would yield with their entities and the alerts they would fire
 * (POST api/sources/preview) and save the spec for review (POST api/sources).
 *
 * The operator's token is kept in sessionStorage for this tab and sent only in the Authorization
 * header, never in a URL. Everything shown is built with textContent; links only for http(s) URLs.
 * States for tests and assistive tech: #sources-table, #discovery and #preview-result carry
 * data-state = loading | ready | error | empty.
 */
"use strict";

(function () {
  const TOKEN_KEY = "policyradar.operatorToken";
  const $ = (id) => document.getElementById(id);
  // The page's strings in English and Chinese (registered with i18n.js; the switch is in the header).
  const STRINGS = {
    en: {
      "sources.title": "Sources — Policy Radar",
      "sources.tagline": "The sites it watches, how each is doing, and adding one",
      "sources.heading": "Sources",
      "sources.window": "Window",
      "sources.days.7": "7 days",
      "sources.days.14": "14 days",
      "sources.days.30": "30 days",
      "sources.days.90": "90 days",
      "sources.caption": "Each source with its health",
      "sources.col.source": "Source",
      "sources.col.state": "State",
      "sources.col.last_success": "Last success",
      "sources.col.runs": "Runs",
      "sources.col.items": "Items ({days} days)",
      "sources.col.quarantined": "Quarantined",
      "sources.col.flags": "Flags",
      "sources.state.flagged": "Flagged",
      "sources.state.review": "In review",
      "sources.state.off": "Disabled",
      "sources.state.never": "Never crawled",
      "sources.state.ok": "Healthy",
      "sources.never": "never",
      "sources.summary": "{count} sources, {enabled} enabled, {flagged} flagged",
      "sources.health_failed": "Source health cannot be shown: {reason}",
      "sources.add": "Add a source",
      "sources.add.note":
        "For operators: paste a site's news or notices page. Nothing is crawled for real and nothing is " +
        "enabled; the spec is saved for review under",
      "sources.add.note.end": ".",
      "sources.token": "Operator token",
      "sources.token.use": "Use this token",
      "sources.token.forget": "Forget it",
      "sources.token.set": "A token is set for this tab.",
      "sources.token.unset": "No token set.",
      "sources.token.hint": " Set an operator token above.",
      "sources.url": "Page URL",
      "sources.id": "Id",
      "sources.optional": "(optional)",
      "sources.id.placeholder": "from the host name",
      "sources.discover": "Discover",
      "sources.offers": "What the page offers",
      "sources.spec": "Spec (JSON; edit before previewing or saving)",
      "sources.preview": "Preview records",
      "sources.save": "Save for review",
      "sources.records": "Records it would yield",
      "sources.dry_run": "A dry run: nothing was sent to Kafka, indexed, recorded or delivered.",
      "sources.none": "none",
      "sources.none_found": "none found",
      "sources.found.page": "Page",
      "sources.found.page_facts": " — {bytes} bytes, language {language}",
      "sources.found.feeds": "Feeds",
      "sources.found.sitemaps": "Sitemaps",
      "sources.found.listing": "Listing selector",
      "sources.found.next_page": " (next page: {selector})",
      "sources.found.samples": "Sample links",
      "sources.found.nothing": "Nothing to crawl was found on that page: no feed, sitemap or listing.",
      "sources.busy.discover": "Fetching the page…",
      "sources.busy.preview": "Crawling a few pages and reading them (this can take a minute)…",
      "sources.busy.save": "Saving…",
      "sources.bad_spec": "the spec is not valid JSON: {reason}",
      "sources.quarantined": "Quarantined: {reason}",
      "sources.money.subsidy": " (subsidy)",
      "sources.money.cap": " (cap)",
      "sources.deadline": "deadline {date}",
      "sources.no_date": "no date",
      "sources.fires_yours": "fires {count} alert(s); yours: {names}",
      "sources.fires": "fires {count} alert(s)",
      "sources.fires_none_yours": "fires {count} alert(s) (none of yours)",
      "sources.chip.money": "Money",
      "sources.chip.ratios": "Ratios",
      "sources.chip.places": "Places",
      "sources.chip.companies": "Companies",
      "sources.chip.organisations": "Organisations",
      "sources.chip.topics": "Topics",
      "sources.saved": "Saved {id} for review (disabled) as {path}.",
    },
    zh: {
      "sources.title": "信息来源 — Policy Radar",
      "sources.tagline": "监测的网站、各自的运行状况，以及添加新来源",
      "sources.heading": "信息来源",
      "sources.window": "时间范围",
      "sources.days.7": "7 天",
      "sources.days.14": "14 天",
      "sources.days.30": "30 天",
      "sources.days.90": "90 天",
      "sources.caption": "各来源及其运行状况",
      "sources.col.source": "来源",
      "sources.col.state": "状态",
      "sources.col.last_success": "最近成功",
      "sources.col.runs": "抓取次数",
      "sources.col.items": "条目（{days} 天）",
      "sources.col.quarantined": "隔离",
      "sources.col.flags": "问题",
      "sources.state.flagged": "有问题",
      "sources.state.review": "待审核",
      "sources.state.off": "已停用",
      "sources.state.never": "从未抓取",
      "sources.state.ok": "正常",
      "sources.never": "从未",
      "sources.summary": "共 {count} 个来源，{enabled} 个启用，{flagged} 个有问题",
      "sources.health_failed": "无法显示来源状况：{reason}",
      "sources.add": "添加来源",
      "sources.add.note": "供运维人员使用：粘贴网站的新闻或通知公告页面。不会真正抓取，也不会启用；规格将保存到以下目录待审核：",
      "sources.add.note.end": "。",
      "sources.token": "运维令牌",
      "sources.token.use": "使用此令牌",
      "sources.token.forget": "清除令牌",
      "sources.token.set": "本标签页已设置令牌。",
      "sources.token.unset": "未设置令牌。",
      "sources.token.hint": " 请在上方设置运维令牌。",
      "sources.url": "页面地址",
      "sources.id": "标识",
      "sources.optional": "（可选）",
      "sources.id.placeholder": "默认取自主机名",
      "sources.discover": "发现",
      "sources.offers": "页面提供的内容",
      "sources.spec": "规格（JSON；预览或保存前可编辑）",
      "sources.preview": "预览记录",
      "sources.save": "保存待审核",
      "sources.records": "将产生的记录",
      "sources.dry_run": "试运行：没有发送到 Kafka，也没有索引、记录或推送。",
      "sources.none": "无",
      "sources.none_found": "未找到",
      "sources.found.page": "页面",
      "sources.found.page_facts": " — {bytes} 字节，语言 {language}",
      "sources.found.feeds": "订阅源",
      "sources.found.sitemaps": "站点地图",
      "sources.found.listing": "列表选择器",
      "sources.found.next_page": "（下一页：{selector}）",
      "sources.found.samples": "示例链接",
      "sources.found.nothing": "该页面上没有可抓取的内容：没有订阅源、站点地图或列表。",
      "sources.busy.discover": "正在获取页面…",
      "sources.busy.preview": "正在抓取并解析几个页面（可能需要一分钟）…",
      "sources.busy.save": "正在保存…",
      "sources.bad_spec": "规格不是有效的 JSON：{reason}",
      "sources.quarantined": "已隔离：{reason}",
      "sources.money.subsidy": "（补贴）",
      "sources.money.cap": "（上限）",
      "sources.deadline": "截止 {date}",
      "sources.no_date": "无日期",
      "sources.fires_yours": "触发 {count} 个提醒；您的：{names}",
      "sources.fires": "触发 {count} 个提醒",
      "sources.fires_none_yours": "触发 {count} 个提醒（均不是您的）",
      "sources.chip.money": "金额",
      "sources.chip.ratios": "比例",
      "sources.chip.places": "地区",
      "sources.chip.companies": "企业",
      "sources.chip.organisations": "机构",
      "sources.chip.topics": "主题",
      "sources.saved": "已保存 {id} 待审核（未启用）：{path}。",
    },
  };
  const I18N = window.PolicyRadarI18n;
  I18N.register(STRINGS);
  const t = I18N.t;
  // What is on screen, kept to draw it again in the other language.
  const shown = { sources: null, found: null, records: null };

  // ------------------------------------------------------------------ small helpers

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function safeLink(url, label) {
    try {
      const parsed = new URL(url, window.location.href);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") {
        return el("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank" }, label || url);
      }
    } catch (_error) {
      /* not a URL: shown as text */
    }
    return el("span", {}, label || url);
  }

  function describeError(body, status) {
    const detail = body && body.detail;
    if (Array.isArray(detail)) {
      return detail.map((d) => `${(d.loc || []).filter((p) => p !== "body").join(".")}: ${d.msg}`).join("; ");
    }
    return detail ? String(detail) : `HTTP ${status}`;
  }

  async function api(path, options) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (options && options.body !== undefined) headers["Content-Type"] = "application/json";
    if (options && options.auth && token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(path, {
      method: (options && options.method) || "GET",
      headers,
      body: options && options.body !== undefined ? JSON.stringify(options.body) : undefined,
      credentials: "same-origin",
      cache: "no-store",
    });
    let body = null;
    try {
      body = await response.json();
    } catch (_error) {
      body = null;
    }
    if (!response.ok) {
      const error = new Error(describeError(body, response.status));
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function when(iso) {
    if (!iso) return t("sources.never");
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  // ------------------------------------------------------------------ health table

  function stateOf(source) {
    if (source.flags.length) return "flagged";
    if (source.in_review) return "review";
    if (!source.enabled) return "off";
    if (!source.runs) return "never";
    return "ok";
  }

  function healthRow(source) {
    const kind = stateOf(source);
    const label = t("sources.state." + kind);
    const flags = el("ul", { class: "flags" });
    for (const flag of source.flags) flags.append(el("li", {}, flag));
    for (const note of source.notes) flags.append(el("li", { class: "note-item" }, note));
    return el(
      "tr",
      { "data-source": source.id, "data-state": kind },
      el("th", { scope: "row" }, el("span", { class: "source-id" }, source.id), el("span", { class: "source-name" }, source.name)),
      el("td", {}, el("span", { class: `badge badge-${kind}` }, label)),
      el("td", { class: "last-success" }, when(source.last_success)),
      el("td", { class: "num" }, source.runs),
      el("td", { class: "num items" }, source.recent_records),
      el("td", { class: "num" }, source.extraction_failures),
      el("td", {}, flags)
    );
  }

  function showHealth(sources) {
    shown.sources = sources;
    $("sources-table").tBodies[0].replaceChildren(...sources.map(healthRow));
    const flagged = sources.filter((s) => s.flags.length).length;
    const enabled = sources.filter((s) => s.enabled).length;
    $("health-summary").textContent = t("sources.summary", { count: sources.length, enabled, flagged });
  }

  async function loadHealth() {
    const table = $("sources-table");
    const days = $("days").value;
    table.dataset.state = "loading";
    $("items-heading").textContent = t("sources.col.items", { days });
    try {
      showHealth(await api(`api/sources?days=${encodeURIComponent(days)}`));
      $("health-status").hidden = true;
      table.dataset.state = "ready";
    } catch (error) {
      $("health-status").textContent = t("sources.health_failed", { reason: error.message });
      $("health-status").hidden = false;
      table.dataset.state = "error";
    }
  }

  // ------------------------------------------------------------------ token

  function showToken() {
    const has = Boolean(sessionStorage.getItem(TOKEN_KEY));
    $("token-state").textContent = t(has ? "sources.token.set" : "sources.token.unset");
    $("token-forget").hidden = !has;
  }

  // ------------------------------------------------------------------ add a source

  function showError(error) {
    const box = $("add-error");
    const hint = error.status === 401 ? t("sources.token.hint") : "";
    box.textContent = `${error.message}${hint}`;
    box.hidden = false;
  }

  function busy(text) {
    $("busy").textContent = text || "";
    for (const id of ["discover", "preview", "save"]) $(id).disabled = Boolean(text);
  }

  function listOrNone(values, link) {
    if (!values || !values.length) return el("dd", {}, t("sources.none"));
    const list = el("ul", {});
    for (const value of values) list.append(el("li", {}, link ? safeLink(value) : value));
    return el("dd", {}, list);
  }

  function showFound(found) {
    shown.found = found;
    const pagination = found.next_page_selector ? t("sources.found.next_page", { selector: found.next_page_selector }) : "";
    const facts = t("sources.found.page_facts", { bytes: found.fetched_bytes, language: found.language });
    $("found").replaceChildren(
      el("dt", {}, t("sources.found.page")),
      el("dd", {}, safeLink(found.url, found.title || found.url), facts),
      el("dt", {}, t("sources.found.feeds")),
      listOrNone(found.feeds, true),
      el("dt", {}, t("sources.found.sitemaps")),
      listOrNone(found.sitemaps, true),
      el("dt", {}, t("sources.found.listing")),
      el("dd", { id: "listing-selector" }, found.listing_selector ? found.listing_selector + pagination : t("sources.none_found")),
      el("dt", {}, t("sources.found.samples")),
      listOrNone(found.sample_links, true)
    );
  }

  function showDiscovery(found) {
    showFound(found);
    $("spec").value = found.spec ? JSON.stringify(found.spec, null, 2) : "";
    $("discovery").hidden = false;
    $("discovery").dataset.state = found.spec ? "ready" : "empty";
    if (!found.spec) showError({ message: t("sources.found.nothing") });
  }

  async function discover(event) {
    event.preventDefault();
    $("add-error").hidden = true;
    $("preview-result").hidden = true;
    $("saved").hidden = true;
    const body = { url: $("source-url").value.trim() };
    if ($("source-id").value.trim()) body.id = $("source-id").value.trim();
    busy(t("sources.busy.discover"));
    $("discovery").dataset.state = "loading";
    try {
      showDiscovery(await api("api/sources/discover", { method: "POST", body, auth: true }));
    } catch (error) {
      $("discovery").dataset.state = "error";
      showError(error);
    } finally {
      busy("");
    }
  }

  /** The spec in the text box, or null (the error shown) when it is not JSON. */
  function currentSpec() {
    $("add-error").hidden = true;
    try {
      return JSON.parse($("spec").value);
    } catch (error) {
      showError({ message: t("sources.bad_spec", { reason: error.message }) });
      return null;
    }
  }

  function chips(label, values, kind) {
    if (!values.length) return null;
    const row = el("p", { class: "chips" }, el("span", { class: "chip-label" }, `${label}: `));
    for (const value of values) row.append(el("span", { class: `chip chip-${kind}` }, value));
    return row;
  }

  function unique(values) {
    return [...new Set(values.filter(Boolean))];
  }

  function recordItem(record) {
    if (record.quarantined) {
      return el("li", { class: "record quarantined" }, safeLink(record.url), el("p", {}, t("sources.quarantined", { reason: record.quarantined })));
    }
    const e = record.entities;
    const flag = (on, key) => (on ? t(key) : "");
    const money = e.money.map((m) => m.text + flag(m.is_subsidy, "sources.money.subsidy") + flag(m.qualifier === "max", "sources.money.cap"));
    const facts = record.facts || {};
    const deadline = facts.deadline ? t("sources.deadline", { date: facts.deadline }) : null;
    const factText = [facts.doc_type, facts.doc_number, deadline].filter(Boolean).join(" · ");
    const count = record.alerts_fired;
    const alerts = record.your_alerts.length
      ? t("sources.fires_yours", { count, names: record.your_alerts.join(", ") })
      : t(count ? "sources.fires_none_yours" : "sources.fires", { count });
    return el(
      "li",
      { class: "record", "data-url": record.url },
      el("h4", { class: "record-title" }, safeLink(record.url, record.title)),
      el("p", { class: "record-meta" }, `${(record.published_at || "").slice(0, 10) || t("sources.no_date")} · ${record.language}${factText ? " · " + factText : ""}`),
      el("p", { class: "excerpt" }, record.excerpt),
      chips(t("sources.chip.money"), money, "money"),
      chips(t("sources.chip.ratios"), e.percent.map((p) => p.text), "ratio"),
      chips(t("sources.chip.places"), unique(e.places.map((p) => p.canonical || p.text)), "place"),
      chips(t("sources.chip.companies"), unique(e.companies.map((c) => c.canonical || c.text)), "company"),
      chips(t("sources.chip.organisations"), unique(e.organizations.map((o) => o.text)), "org"),
      chips(t("sources.chip.topics"), record.topics, "topic"),
      el("p", { class: "alerts-fired", "data-fired": String(record.alerts_fired) }, alerts)
    );
  }

  function showRecords(records) {
    shown.records = records;
    $("records").replaceChildren(...records.map(recordItem));
  }

  async function preview() {
    $("saved").hidden = true;
    const result = $("preview-result");
    const spec = currentSpec();
    if (spec === null) return;
    busy(t("sources.busy.preview"));
    result.dataset.state = "loading";
    try {
      const answer = await api("api/sources/preview", { method: "POST", body: { spec, limit: 3 }, auth: true });
      showRecords(answer.records);
      result.hidden = false;
      result.dataset.state = "ready";
    } catch (error) {
      result.dataset.state = "error";
      showError(error);
    } finally {
      busy("");
    }
  }

  async function save() {
    const spec = currentSpec();
    if (spec === null) return;
    busy(t("sources.busy.save"));
    try {
      const saved = await api("api/sources", { method: "POST", body: { spec }, auth: true });
      $("saved").textContent = t("sources.saved", { id: saved.id, path: saved.path });
      $("saved").hidden = false;
      loadHealth();
    } catch (error) {
      showError(error);
    } finally {
      busy("");
    }
  }

  // ------------------------------------------------------------------ wiring

  // The other language: what is on screen is drawn again in it (the spec being edited is left alone).
  function redraw() {
    document.title = t("sources.title");
    $("items-heading").textContent = t("sources.col.items", { days: $("days").value });
    if (shown.sources) showHealth(shown.sources);
    if (shown.found) showFound(shown.found);
    if (shown.records) showRecords(shown.records);
    showToken();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.title = t("sources.title");
    I18N.onChange(redraw);
    $("days").addEventListener("change", loadHealth);
    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const value = $("token").value.trim();
      if (value) sessionStorage.setItem(TOKEN_KEY, value);
      $("token").value = "";
      showToken();
    });
    $("token-forget").addEventListener("click", () => {
      sessionStorage.removeItem(TOKEN_KEY);
      showToken();
    });
    $("discover-form").addEventListener("submit", discover);
    $("preview").addEventListener("click", preview);
    $("save").addEventListener("click", save);
    showToken();
    loadHealth();
  });
})();
