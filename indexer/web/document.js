/* A document's page (/documents/{id}): its facts, its full text with the entities marked, links to
 * the original, to the other copies of its notice and to the documents it revises.
 *
 * The server has already cut the title and the text into segments by the entities' offsets
 * (GET /api/documents/{id}); every segment becomes a text node or a span (textContent only, never
 * markup), so nothing crawled is interpreted.
 */
"use strict";

(function () {
  const i18n = window.PolicyRadarI18n || {
    t: (key) => key,
    has: () => false,
    name: (canonical) => String(canonical || ""),
    learn: () => {},
    onChange: () => {},
  };
  const t = i18n.t;
  const $ = (id) => document.getElementById(id);
  const cny = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const KINDS = ["money", "percent", "place", "company", "organization", "person", "date", "issuer"];
  let shown = null; // the document on the page, rendered again when the language changes
  let versions = null;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeHref(url) {
    if (typeof url !== "string" || !url) return null;
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (_ignored) {
      return null;
    }
  }

  function externalLink(url, text, className) {
    const href = safeHref(url);
    const link = href ? el("a", className, text) : el("span", className + " unsafe-link", text);
    if (href) {
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
    }
    return link;
  }

  function pageLink(id, text) {
    const link = el("a", "doc-page-link", text);
    link.href = encodeURIComponent(String(id));
    return link;
  }

  function documentId() {
    const last = location.pathname.split("/").filter(Boolean).pop() || "";
    try {
      return decodeURIComponent(last);
    } catch (_ignored) {
      return last;
    }
  }

  function todayInChina() {
    return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
  }

  function uniqueBy(items, key) {
    const seen = new Set();
    return (items || []).filter((item) => {
      const k = key(item);
      if (k === undefined || k === null || k === "" || seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  // ---------------------------------------------------------------- loading

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      let detail = response.status + " " + response.statusText;
      try {
        const body = await response.json();
        if (typeof body.detail === "string") detail = body.detail;
      } catch (_ignored) {
        // not JSON
      }
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  async function load() {
    const id = documentId();
    const main = $("document");
    $("doc-status").textContent = t("doc.loading");
    try {
      shown = await getJson("../api/documents/" + encodeURIComponent(id));
    } catch (err) {
      const missing = err.status === 404;
      $("doc-status").textContent = missing ? t("doc.not_found") : t("doc.failed", { reason: err.message });
      main.dataset.state = missing ? "not-found" : "error";
      main.removeAttribute("aria-busy");
      return;
    }
    render();
    if (Number(shown.version_count) > 1) loadVersions(id);
  }

  async function loadVersions(id) {
    try {
      versions = await getJson("../api/documents/" + encodeURIComponent(id) + "/versions");
    } catch (err) {
      versions = { error: err.message };
    }
    renderHistory();
  }

  // ---------------------------------------------------------------- rendering

  function render() {
    const doc = shown;
    i18n.learn(doc.entities, doc.facts);
    const title = $("doc-title");
    title.replaceChildren(...doc.title_segments.map(segmentNode));
    if (!title.childNodes.length) title.textContent = doc.url;
    document.title = (doc.title || doc.url) + " — Policy Radar";
    renderMeta(doc);
    renderFacts(doc);
    renderLinks("revises", doc.revises, (r) => [pageLink(r.id, r.title || r.id)]);
    renderLinks("drafts", doc.drafts, (r) => [pageLink(r.id, r.title || r.id)]);
    renderLinks("copies", doc.copies, (c) => [
      pageLink(c.id, c.source_id || c.title || c.id),
      el("span", "copy-date", String(c.published_at || "").slice(0, 10)),
      externalLink(c.url, t("doc.original"), "copy-original"),
    ]);
    $("doc-text").replaceChildren(...doc.text_segments.map(segmentNode));
    $("doc-text").lang = doc.language === "zh" ? "zh-CN" : doc.language || "";
    renderLegend(doc);
    $("truncated").hidden = !doc.text_truncated;
    renderHistory();
    $("doc-status").hidden = true;
    $("doc").hidden = false;
    const main = $("document");
    main.dataset.state = "ready";
    main.removeAttribute("aria-busy");
  }

  function renderMeta(doc) {
    const meta = $("doc-meta");
    meta.replaceChildren();
    const add = (label, value, className) => {
      if (!value) return;
      const part = el("span", className);
      part.append(el("span", "meta-label", label + " "), el("span", "meta-value", value));
      meta.appendChild(part);
    };
    add(t("doc.published"), String(doc.published_at || "").slice(0, 10), "doc-published");
    add(t("doc.source"), doc.source_id, "doc-source");
    add(t("doc.fetched"), String(doc.fetched_at || "").slice(0, 10), "doc-fetched");
    const original = externalLink(doc.url, t("doc.original"), "doc-original");
    original.id = "doc-original";
    original.title = t("doc.original.title");
    meta.appendChild(original);
  }

  /* A segment of the title or text: plain text, or a span marking an entity with its kind and
   * canonical English name (shown on hover and to screen readers through the title). */
  function segmentNode(segment) {
    if (!segment.kind) return document.createTextNode(String(segment.text));
    const kind = KINDS.includes(segment.kind) ? segment.kind : "other";
    const span = el("span", "ent ent-" + kind + (segment.subsidy ? " ent-subsidy" : ""), segment.text);
    span.dataset.kind = kind;
    const notes = [t("kind." + kind)];
    if (segment.canonical && segment.canonical !== segment.text) notes.push(String(segment.canonical));
    if (segment.subsidy) notes.push(t("money.subsidy"));
    span.title = notes.join(" · ");
    return span;
  }

  function renderLegend(doc) {
    const present = new Set(doc.text_segments.filter((s) => s.kind).map((s) => s.kind));
    const legend = $("legend");
    legend.replaceChildren();
    if (!present.size) return;
    legend.appendChild(el("span", "legend-label", t("doc.legend")));
    for (const kind of KINDS.filter((k) => present.has(k))) {
      legend.append(" ", el("span", "ent ent-" + kind, t("kind." + kind)));
    }
  }

  function renderLinks(name, items, parts) {
    const list = $(name);
    list.replaceChildren();
    for (const item of items || []) {
      const line = el("li", "doc-link");
      for (const part of parts(item)) {
        if (part.textContent) line.append(part, " ");
      }
      list.appendChild(line);
    }
    $(name + "-section").hidden = !list.childNodes.length;
  }

  // ---------------------------------------------------------------- facts table

  function renderFacts(doc) {
    const body = $("facts").tBodies[0];
    body.replaceChildren();
    const facts = doc.facts || {};
    const entities = doc.entities || {};
    const rows = [
      ["doc_type", facts.doc_type ? [docType(facts.doc_type)] : []],
      ["doc_number", facts.doc_number ? [el("span", "fact-number", facts.doc_number)] : []],
      ["issuers", named(facts.issuers, "fact-issuer")],
      ["window", facts.deadline ? [applicationWindow(facts)] : []],
      ["money", uniqueBy(entities.money, (m) => [m.text, m.qualifier, m.is_subsidy].join("\u0000")).map(moneyChip)],
      ["percent", uniqueBy(entities.percent, (p) => p.text).map((p) => el("span", "chip chip-percent", p.text))],
      ["places", named(entities.places, "chip chip-place", placeNote)],
      ["companies", named(entities.companies, "chip chip-company", companyNote)],
      ["organizations", organizations(entities.organizations)],
      ["topics", (doc.topics || []).map((topic) => el("span", "chip chip-topic", topic))],
    ];
    for (const [name, values] of rows) {
      if (!values.length) continue;
      const row = el("tr", "fact-row");
      row.dataset.row = name;
      row.appendChild(el("th", null, t("doc.row." + name)));
      const cell = el("td");
      values.forEach((value, i) => {
        if (i) cell.appendChild(document.createTextNode(" "));
        cell.appendChild(value);
      });
      row.appendChild(cell);
      body.appendChild(row);
    }
    $("facts").hidden = !body.childNodes.length;
    $("no-facts").hidden = Boolean(body.childNodes.length);
  }

  function docType(type) {
    const key = "doc_type." + type;
    const span = el("span", "fact-type", i18n.has(key) ? t(key) : type);
    span.dataset.type = String(type);
    return span;
  }

  function applicationWindow(facts) {
    const deadline = String(facts.deadline).slice(0, 10);
    const open = deadline >= todayInChina();
    const text = facts.apply_from
      ? t("facts.apply_window", { from: String(facts.apply_from).slice(0, 10), to: deadline })
      : t("facts.apply_by", { to: deadline });
    const span = el("span", "fact-deadline " + (open ? "is-open" : "is-closed"), text);
    span.dataset.deadline = deadline;
    span.appendChild(el("span", "fact-state", t(open ? "facts.open" : "facts.closed")));
    return span;
  }

  function moneyChip(m) {
    const chip = el("span", "chip chip-money" + (m.is_subsidy ? " chip-subsidy" : ""));
    const parts = [];
    if (m.qualifier === "max" || m.qualifier === "min") {
      chip.dataset.qualifier = m.qualifier;
      parts.push(el("span", "qualifier", t(m.qualifier === "max" ? "money.up_to" : "money.at_least")));
    }
    parts.push(el("span", "amount", m.text));
    if (m.is_subsidy) parts.push(el("span", "badge", t("money.subsidy")));
    if (typeof m.value_cny === "number" && Number.isFinite(m.value_cny) && m.currency !== "CNY") {
      parts.push(el("span", "in-cny", "(" + t("money.in_cny", { amount: cny.format(m.value_cny) }) + ")"));
    }
    parts.forEach((part, i) => {
      if (i) chip.appendChild(document.createTextNode(" "));
      chip.appendChild(part);
    });
    if (typeof m.value_cny === "number" && Number.isFinite(m.value_cny)) {
      chip.title = t("money.in_cny", { amount: cny.format(m.value_cny) });
    }
    return chip;
  }

  /* One chip per canonical name: "深圳市 · Shenzhen" (the Chinese form the document uses beside the
   * English name), with a note (province, parent company) when ``note`` gives one. */
  function named(items, className, note) {
    const han = /[\u3400-\u9fff]/;
    return uniqueBy(items, (item) => item.canonical).map((item) => {
      const chinese = (items || []).find((x) => x.canonical === item.canonical && han.test(String(x.text || "")));
      const chip = el("span", className, i18n.name(item.canonical, String((chinese || item).text || "")));
      chip.dataset.canonical = String(item.canonical);
      const extra = note ? note(item) : "";
      if (extra) chip.appendChild(el("span", "chip-note", " (" + extra + ")"));
      return chip;
    });
  }

  function placeNote(place) {
    return place.province && place.province !== place.canonical ? t("doc.province", { name: i18n.name(place.province) }) : "";
  }

  function companyNote(company) {
    return company.parent ? t("doc.parent", { name: company.parent }) : "";
  }

  function organizations(items) {
    return uniqueBy(items, (o) => o.text).map((o) => el("span", "chip chip-organization", o.text));
  }

  // ---------------------------------------------------------------- versions

  function renderHistory() {
    const section = $("history-section");
    const box = $("history");
    if (!versions) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    if (versions.error) {
      box.replaceChildren(el("p", "history-error", t("history.failed", { reason: versions.error })));
      return;
    }
    box.replaceChildren(...(versions.versions || []).map(renderVersion));
  }

  function renderVersion(version) {
    const item = el("section", "version");
    const fetched = String(version.fetched_at || "").slice(0, 10);
    item.appendChild(el("h3", "version-head", t("history.version", { date: fetched, title: version.title || "" })));
    const summary = (version.diff && version.diff.summary) || [];
    if (!version.diff) {
      item.appendChild(el("p", "version-first", t("history.first")));
      return item;
    }
    const list = el("ul", "version-changes");
    for (const sentence of summary) list.appendChild(el("li", "version-change", sentence));
    if (!summary.length) list.appendChild(el("li", "version-change", t("history.no_fact_changed")));
    item.appendChild(list);
    return item;
  }

  function start() {
    i18n.onChange(() => {
      if (shown) render();
    });
    load();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
