/* Policy Radar search page.
 *
 * The URL query string is the state: every change pushes a new URL, and loading or going back
 * reads it, so a search can be bookmarked. Everything from the API reaches the DOM as text nodes
 * (textContent / createElement); the only markup interpreted is <mark> in highlight snippets,
 * which the engine has HTML-escaped around the tags (see appendHighlighted).
 */
"use strict";

(function () {
  // Page strings come from i18n.js (window.PolicyRadarI18n, loaded first); without it, English keys.
  const i18n = window.PolicyRadarI18n || {
    t: (key) => key,
    has: () => false,
    name: (canonical) => String(canonical || ""),
    learn: () => {},
    onChange: () => {},
  };
  const t = i18n.t;
  // Facet name in the API response, its query parameter, and the key of its heading.
  const FACETS = [
    ["places", "place", "facet.places"],
    ["provinces", "province", "facet.provinces"],
    ["companies", "company", "facet.companies"],
    ["topics", "topic", "facet.topics"],
    ["sources", "source", "facet.sources"],
    ["languages", "language", "facet.languages"],
    ["doc_types", "doc_type", "facet.doc_types"],
    ["issuers", "issuer", "facet.issuers"],
  ];
  // Facets whose values are canonical English names, shown with a Chinese form beside when known.
  const NAMED_FACETS = new Set(["place", "province", "company", "issuer"]);
  // Facets whose values have a translated name (t("language.zh"), t("doc_type.notice")).
  const TRANSLATED_FACETS = new Set(["language", "doc_type"]);
  const SORTS = "relevance date subsidy".split(" ");
  const DEFAULT_SIZE = 10;
  const MAX_SIZE = 200;
  const MAX_PAGE = 1000; // the API's limit
  const MAX_WINDOW = 10000; // the engine's index.max_result_window: from + size must stay within it

  const $ = (id) => document.getElementById(id);
  let state = null;
  let requestSeq = 0;
  let lastData = null; // the answer shown, rendered again when the language changes

  // ---------------------------------------------------------------- state <-> query string

  function positiveInt(text, fallback, max) {
    const n = Number.parseInt(text || "", 10);
    if (!Number.isFinite(n) || n < 1) return fallback;
    return Math.min(n, max);
  }

  function readState(search) {
    const p = new URLSearchParams(search);
    const filters = {};
    for (const [, param] of FACETS) {
      filters[param] = [...new Set(p.getAll(param).filter((v) => v !== ""))];
    }
    const flag = (name) => ["true", "1", "on", "yes"].includes((p.get(name) || "").toLowerCase());
    return {
      q: p.get("q") || "",
      filters,
      sort: SORTS.includes(p.get("sort")) ? p.get("sort") : "relevance",
      subsidy_only: flag("subsidy_only"),
      open: flag("open"),
      expand: flag("expand"),
      min_amount: p.get("min_amount") || "",
      // Not editable on the page, but kept so bookmarked or hand-written URLs keep working.
      max_amount: p.get("max_amount") || "",
      currency: p.get("currency") || "",
      date_from: p.get("date_from") || "",
      date_to: p.get("date_to") || "",
      deadline_from: p.get("deadline_from") || "",
      deadline_to: p.get("deadline_to") || "",
      page: positiveInt(p.get("page"), 1, MAX_PAGE),
      size: positiveInt(p.get("size"), DEFAULT_SIZE, MAX_SIZE),
    };
  }

  function toParams(s, { paging = true } = {}) {
    const p = new URLSearchParams();
    if (s.q) p.set("q", s.q);
    for (const [, param] of FACETS) {
      for (const value of s.filters[param]) p.append(param, value);
    }
    if (s.sort !== "relevance") p.set("sort", s.sort);
    if (s.subsidy_only) p.set("subsidy_only", "true");
    if (s.open) p.set("open", "true");
    if (s.expand) p.set("expand", "true");
    const scalars = ["min_amount", "max_amount", "currency", "date_from", "date_to", "deadline_from", "deadline_to"];
    for (const name of scalars) {
      if (s[name] !== "") p.set(name, s[name]);
    }
    if (paging) {
      if (s.page > 1) p.set("page", String(s.page));
      if (s.size !== DEFAULT_SIZE) p.set("size", String(s.size));
    }
    return p;
  }

  // A copy of the state with ``changes`` applied, back on the first page.
  function withChanges(changes) {
    return { ...state, filters: { ...state.filters }, page: 1, ...changes };
  }

  function navigate(next) {
    state = next;
    const query = toParams(state).toString();
    history.pushState(null, "", query ? "?" + query : location.pathname);
    syncForm();
    search();
  }

  function syncForm() {
    $("q").value = state.q;
    $("sort").value = state.sort;
    $("subsidy-only").checked = state.subsidy_only;
    $("open-only").checked = state.open;
    $("expand").checked = state.expand;
    $("min-amount").value = state.min_amount;
    $("date-from").value = state.date_from;
    $("date-to").value = state.date_to;
  }

  function formState() {
    const minAmount = $("min-amount").value.trim();
    return withChanges({
      q: $("q").value.trim(),
      sort: SORTS.includes($("sort").value) ? $("sort").value : "relevance",
      date_from: $("date-from").value,
      date_to: $("date-to").value,
      subsidy_only: $("subsidy-only").checked,
      open: $("open-only").checked,
      expand: $("expand").checked,
      min_amount: minAmount,
    });
  }

  // ---------------------------------------------------------------- fetching

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (Array.isArray(body.detail) && body.detail.length) {
        const first = body.detail[0];
        const where = Array.isArray(first.loc) ? first.loc.filter((x) => x !== "query").join(".") : "";
        return (where ? where + ": " : "") + String(first.msg || "invalid request");
      }
      if (typeof body.detail === "string") return body.detail;
    } catch (_ignored) {
      // not JSON: fall through
    }
    return "the server answered " + response.status + " " + response.statusText;
  }

  async function search() {
    const mine = ++requestSeq;
    const results = $("results");
    results.dataset.state = "loading";
    results.setAttribute("aria-busy", "true");
    updateExports();
    let data;
    try {
      const response = await fetch("api/search?" + toParams(state).toString(), {
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(await errorMessage(response));
      data = await response.json();
    } catch (err) {
      if (mine !== requestSeq) return;
      showError(t("results.failed", { reason: err && err.message ? err.message : String(err) }));
      return;
    }
    if (mine !== requestSeq) return; // a newer search has started: drop this answer
    lastData = data;
    render(data);
  }

  function showError(message) {
    const status = $("status");
    status.textContent = message;
    status.hidden = false;
    $("total").textContent = "–";
    $("results").replaceChildren();
    $("pager").hidden = true;
    $("results").dataset.state = "error";
    $("results").removeAttribute("aria-busy");
  }

  // ---------------------------------------------------------------- rendering helpers

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  const NAMED_ENTITIES = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'", nbsp: "\u00a0" };

  function decodeEntities(text) {
    return text.replace(/&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[a-zA-Z]{2,8});/g, (whole, body) => {
      if (body[0] !== "#") {
        return Object.prototype.hasOwnProperty.call(NAMED_ENTITIES, body) ? NAMED_ENTITIES[body] : whole;
      }
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) return "\ufffd";
      return String.fromCodePoint(code);
    });
  }

  /* A snippet is text the engine HTML-escaped, with <mark> and </mark> around the matches. Split on
   * exactly those two tags; everything else becomes a text node with the entities decoded, so
   * markup in a document (even "&lt;mark&gt;") stays literal text. */
  function appendHighlighted(parent, snippet) {
    let current = parent;
    let lastMark = null; // merge "<mark>a</mark><mark>b</mark>" (CJK bigrams) into one mark
    for (const part of String(snippet).split(/(<mark>|<\/mark>)/)) {
      if (part === "<mark>") {
        if (current === parent) {
          current = lastMark || parent.appendChild(document.createElement("mark"));
        }
      } else if (part === "</mark>") {
        if (current !== parent) lastMark = current;
        current = parent;
      } else if (part) {
        current.appendChild(document.createTextNode(decodeEntities(part)));
        if (current === parent) lastMark = null;
      }
    }
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

  function hostOf(href) {
    try {
      return new URL(href).host;
    } catch (_ignored) {
      return "";
    }
  }

  const cny = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

  function documentPageHref(id) {
    return "documents/" + encodeURIComponent(String(id));
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

  // ---------------------------------------------------------------- entities inside snippets

  /* The surface forms of a hit's amounts, places and companies, longest first, so that
   * "最高500万元" is not split by a shorter place name inside it. */
  function entityTerms(entities) {
    const terms = [];
    const add = (items, kind) => {
      for (const item of items || []) {
        if (typeof item.text === "string" && item.text.trim().length >= 2) terms.push({ text: item.text, kind });
      }
    };
    add(entities.money, "money");
    add(entities.places, "place");
    add(entities.companies, "company");
    const unique = uniqueBy(terms, (t) => t.text);
    return unique.sort((a, b) => b.text.length - a.text.length);
  }

  /* Wrap each occurrence of an entity's text in the snippet's text nodes in a span, built with
   * createElement and text nodes only (never markup), so the snippet stays inert. */
  function markEntities(parent, terms) {
    if (!terms.length) return;
    const walker = document.createTreeWalker(parent, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    for (const node of nodes) {
      if (node.parentNode && node.parentNode.classList && node.parentNode.classList.contains("ent")) continue;
      splitOnTerms(node, terms);
    }
  }

  function splitOnTerms(node, terms) {
    const text = node.nodeValue;
    let best = null;
    for (const term of terms) {
      const at = text.indexOf(term.text);
      if (at >= 0 && (best === null || at < best.at)) best = { at, term };
    }
    if (best === null) return;
    const fragment = document.createDocumentFragment();
    if (best.at) fragment.appendChild(document.createTextNode(text.slice(0, best.at)));
    const span = el("span", "ent ent-" + best.term.kind, best.term.text);
    fragment.appendChild(span);
    const rest = document.createTextNode(text.slice(best.at + best.term.text.length));
    fragment.appendChild(rest);
    node.parentNode.replaceChild(fragment, node);
    if (rest.nodeValue) splitOnTerms(rest, terms);
  }

  // ---------------------------------------------------------------- results

  /* The Chinese form a document uses for the canonical name of ``entity`` (the text of the first of
   * ``items`` with that name written in Chinese), or the entity's own text. */
  function chineseForm(items, entity) {
    const han = /[\u3400-\u9fff]/;
    const same = (items || []).find((item) => item.canonical === entity.canonical && han.test(String(item.text || "")));
    return String((same || entity).text || "");
  }

  function renderResult(hit) {
    const item = el("article", "result");
    item.dataset.id = String(hit.id || "");
    const entities = hit.entities || {};
    const highlight = hit.highlight || {};

    const heading = el("h2", "result-title");
    const href = safeHref(hit.url);
    const label = href ? document.createElement("a") : el("span", "unsafe-link");
    if (href) {
      label.href = href;
      label.target = "_blank";
      label.rel = "noopener noreferrer";
    } else {
      label.title = t("results.unsafe_link");
    }
    if (Array.isArray(highlight.title) && highlight.title.length) {
      appendHighlighted(label, highlight.title[0]);
    } else {
      label.textContent = String(hit.title || hit.url || t("results.untitled"));
    }
    heading.appendChild(label);
    item.appendChild(heading);

    const meta = el("p", "result-meta");
    if (hit.published_at) {
      const date = String(hit.published_at).slice(0, 10);
      const time = el("time", "result-date", date);
      time.dateTime = date;
      meta.appendChild(time);
    }
    if (hit.source_id) meta.appendChild(el("span", "result-source", hit.source_id));
    const host = href ? hostOf(href) : "";
    if (host) meta.appendChild(el("span", "result-host", host));
    if (hit.id) {
      const page = el("a", "result-page", t("results.document_page"));
      page.href = documentPageHref(hit.id);
      page.title = t("results.document_page.title");
      meta.appendChild(page);
    }
    if (meta.childNodes.length) item.appendChild(meta);
    const facts = renderFacts(hit.facts || {});
    if (facts) item.appendChild(facts);
    for (const part of [renderRevises(hit), renderHistory(hit)]) if (part) item.appendChild(part);

    const terms = entityTerms(entities);
    for (const snippet of Array.isArray(highlight.text) ? highlight.text : []) {
      const p = el("p", "snippet");
      appendHighlighted(p, snippet);
      markEntities(p, terms);
      item.appendChild(p);
    }

    const chips = el("ul", "chips entity-chips");
    const money = uniqueBy(entities.money, (m) => [m.text, m.qualifier, m.is_subsidy].join("\u0000"));
    for (const m of money.slice(0, 8)) {
      const chip = el("li", "chip chip-money" + (m.is_subsidy ? " chip-subsidy" : ""));
      const parts = [];
      if (m.qualifier === "max" || m.qualifier === "min") {
        chip.dataset.qualifier = m.qualifier;
        parts.push(el("span", "qualifier", t(m.qualifier === "max" ? "money.up_to" : "money.at_least")));
      }
      parts.push(el("span", "amount", m.text));
      if (m.is_subsidy) parts.push(el("span", "badge", t("money.subsidy")));
      parts.forEach((part, i) => {
        if (i) chip.appendChild(document.createTextNode(" "));
        chip.appendChild(part);
      });
      if (typeof m.value_cny === "number" && Number.isFinite(m.value_cny)) {
        chip.title = t("money.in_cny", { amount: cny.format(m.value_cny) });
      }
      chips.appendChild(chip);
    }
    for (const place of uniqueBy(entities.places, (p) => p.canonical)) {
      const chip = el("li", "chip chip-place", i18n.name(place.canonical, chineseForm(entities.places, place)));
      chip.dataset.canonical = String(place.canonical);
      if (place.province && place.province !== place.canonical) chip.title = i18n.name(place.province);
      chips.appendChild(chip);
    }
    for (const company of uniqueBy(entities.companies, (c) => c.canonical)) {
      const shown = i18n.name(company.canonical, chineseForm(entities.companies, company));
      const chip = el("li", "chip chip-company", shown);
      chip.dataset.canonical = String(company.canonical);
      chips.appendChild(chip);
    }
    for (const topic of uniqueBy((hit.topics || []).map((name) => ({ name })), (x) => x.name)) {
      chips.appendChild(el("li", "chip chip-topic", topic.name));
    }
    if (chips.childNodes.length) item.appendChild(chips);
    const copies = renderCopies(hit);
    if (copies) item.appendChild(copies);
    return item;
  }

  /* "History (N versions)" on a page that changed: opened, it loads the versions, newest first,
   * each with its fact changes first and the text diff below. Null for a page never changed. */
  function renderHistory(hit) {
    const count = Number(hit.version_count) || 0;
    if (count < 2) return null;
    const details = el("details", "history");
    details.appendChild(el("summary", "history-count", t("history.count", { count })));
    const body = el("div", "history-body", t("history.loading"));
    details.appendChild(body);
    details.addEventListener("toggle", () => {
      if (details.open && !details.dataset.loaded) {
        details.dataset.loaded = "1";
        loadVersions(hit.id).then(
          (data) => body.replaceChildren(...data.versions.map(renderVersion)),
          (err) => body.replaceChildren(el("p", "history-error", t("history.failed", { reason: err.message }))),
        );
      }
    });
    return details;
  }

  async function loadVersions(id) {
    const response = await fetch("api/documents/" + encodeURIComponent(id) + "/versions", {
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(await errorMessage(response));
    return response.json();
  }

  function renderVersion(version) {
    const box = el("section", "version");
    const fetched = String(version.fetched_at || "").slice(0, 10);
    box.appendChild(el("h3", "version-head", t("history.version", { date: fetched, title: String(version.title || "") })));
    const diff = version.diff;
    if (!diff) {
      box.appendChild(el("p", "version-first", t("history.first")));
      return box;
    }
    const changes = el("ul", "version-changes");
    for (const sentence of diff.summary || []) changes.appendChild(el("li", "version-change", sentence));
    if (!changes.childNodes.length) changes.appendChild(el("li", "version-change", t("history.no_fact_changed")));
    box.appendChild(changes);
    if (diff.text) {
      const pre = el("pre", "version-diff");
      for (const line of String(diff.text).split("\n")) {
        const kind = { "+": "diff-add", "-": "diff-del", "@": "diff-hunk" }[line[0]] || "diff-same";
        pre.appendChild(el("span", kind, line + "\n"));
      }
      box.appendChild(pre);
    }
    return box;
  }

  /* "Revises: <title>" for a notice that revises or repeals documents in the index; each title is
   * read from that document's latest version. */
  function renderRevises(hit) {
    const ids = Array.isArray(hit.revises) ? hit.revises : [];
    if (!ids.length) return null;
    const line = el("p", "result-revises", t("revises"));
    for (const id of ids) {
      const link = el("span", "revised", String(id));
      line.appendChild(link);
      loadVersions(id).then((data) => {
        const latest = data.versions[0] || {};
        const href = safeHref(latest.url);
        const named = href ? document.createElement("a") : el("span", "revised");
        if (href) named.href = href;
        named.className = "revised";
        named.textContent = String(latest.title || id);
        link.replaceWith(named);
      }, () => {});
    }
    return line;
  }

  /* "Also published by N sources": the other copies of the hit's notice (reposts on other sites),
   * folded; each links to its page (text only, web addresses only). Null when there are none. */
  function renderCopies(hit) {
    const count = Number(hit.copy_count) || 0;
    const copies = Array.isArray(hit.copies) ? hit.copies : [];
    if (!count || !copies.length) return null;
    const details = el("details", "copies");
    const label = t(count === 1 ? "copies.count.one" : "copies.count.many", { count });
    details.appendChild(el("summary", "copies-count", label));
    const list = el("ul", "copies-list");
    for (const copy of copies) {
      const line = el("li", "copy");
      const href = safeHref(copy.url);
      const link = href ? document.createElement("a") : el("span", "unsafe-link");
      if (href) {
        link.href = href;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
      }
      link.textContent = String(copy.source_id || (href ? hostOf(href) : "") || t("copies.another_site"));
      line.appendChild(link);
      const date = copy.published_at ? String(copy.published_at).slice(0, 10) : "";
      if (date) line.appendChild(el("span", "copy-date", date));
      if (copy.title) line.appendChild(el("span", "copy-title", String(copy.title)));
      list.appendChild(line);
    }
    if (count > copies.length) {
      const more = t("copies.more", { count: count - copies.length });
      list.appendChild(el("li", "copy-more", more));
    }
    details.appendChild(list);
    return details;
  }

  /* The policy facts of a hit: document type, number, issuers and the application window, each
   * in its own element (text only), or null when the document has none. */
  function renderFacts(facts) {
    const line = el("p", "result-facts");
    if (facts.doc_type) {
      const type = el("span", "fact-type", displayValue("doc_type", String(facts.doc_type)));
      type.dataset.type = String(facts.doc_type);
      line.appendChild(type);
    }
    if (facts.doc_number) line.appendChild(el("span", "fact-number", facts.doc_number));
    const issuers = uniqueBy(facts.issuers, (i) => i.canonical).map((i) => String(i.canonical));
    if (issuers.length) line.appendChild(el("span", "fact-issuers", t("facts.issued_by", { names: issuers.join(", ") })));
    if (facts.deadline) {
      const deadline = String(facts.deadline).slice(0, 10);
      const open = deadline >= todayInChina();
      const period = facts.apply_from
        ? t("facts.apply_window", { from: String(facts.apply_from).slice(0, 10), to: deadline })
        : t("facts.apply_by", { to: deadline });
      const when = el("span", "fact-deadline " + (open ? "is-open" : "is-closed"), period);
      when.dataset.deadline = deadline;
      when.appendChild(el("span", "fact-state", t(open ? "facts.open" : "facts.closed")));
      line.appendChild(when);
    }
    return line.childNodes.length ? line : null;
  }

  // Today's date in China (YYYY-MM-DD), the day "open for applications" is counted from.
  function todayInChina() {
    return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
  }

  // ---------------------------------------------------------------- facets and filters

  function isActive(param, value) {
    return state.filters[param].includes(value);
  }

  function toggleFilter(param, value) {
    const values = state.filters[param];
    const next = withChanges({});
    next.filters[param] = values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
    navigate(next);
  }

  function renderFacets(facets) {
    const container = $("facets");
    container.replaceChildren();
    for (const [name, param, heading] of FACETS) {
      const buckets = Array.isArray(facets[name]) ? facets[name] : [];
      if (!buckets.length) continue;
      const section = el("section", "facet");
      section.dataset.facet = name;
      section.appendChild(el("h3", "facet-title", t(heading)));
      const list = el("ul", "facet-values");
      for (const bucket of buckets) {
        const value = String(bucket.value);
        const button = el("button", "facet-value");
        button.type = "button";
        button.dataset.value = value;
        const active = isActive(param, value);
        button.setAttribute("aria-pressed", active ? "true" : "false");
        if (active) button.classList.add("active");
        const shown = displayValue(param, value);
        button.appendChild(el("span", "facet-label", shown));
        button.appendChild(el("span", "facet-count", bucket.count));
        button.addEventListener("click", () => toggleFilter(param, value));
        const li = el("li");
        li.appendChild(button);
        list.appendChild(li);
      }
      section.appendChild(list);
      container.appendChild(section);
    }
    if (!container.childNodes.length) container.appendChild(el("p", "facets-empty", t("filters.none")));
  }

  /* How a facet value is shown (the value itself is what the API filters on): a translated name for
   * languages and document types, the Chinese form beside a canonical English name when known. */
  function displayValue(param, value) {
    if (TRANSLATED_FACETS.has(param)) {
      const key = param + "." + value;
      return i18n.has(key) ? t(key) : value;
    }
    return NAMED_FACETS.has(param) ? i18n.name(value) : value;
  }

  function filterChip(text, onRemove, param, value) {
    const chip = el("button", "filter-chip");
    chip.type = "button";
    chip.dataset.param = param;
    chip.dataset.value = value;
    chip.setAttribute("aria-label", t("filters.remove", { name: text }));
    chip.append(el("span", "filter-chip-label", text), " ", el("span", "filter-chip-remove", "×"));
    chip.addEventListener("click", onRemove);
    return chip;
  }

  function renderActiveFilters() {
    const container = $("active-filters");
    container.replaceChildren();
    const chips = [];
    for (const [, param] of FACETS) {
      for (const value of state.filters[param]) {
        const shown = displayValue(param, value);
        chips.push(filterChip(t("param." + param) + ": " + shown, () => toggleFilter(param, value), param, value));
      }
    }
    const currency = state.currency || "CNY";
    const scalars = [
      ["subsidy_only", state.subsidy_only ? t("option.subsidy_only") : "", false],
      ["open", state.open ? t("option.open") : "", false],
      ["min_amount", state.min_amount ? t("filter.at_least", { amount: state.min_amount, currency }) : "", ""],
      ["max_amount", state.max_amount ? t("filter.at_most", { amount: state.max_amount, currency }) : "", ""],
      ["date_from", state.date_from ? t("filter.from", { date: state.date_from }) : "", ""],
      ["date_to", state.date_to ? t("filter.until", { date: state.date_to }) : "", ""],
      ["deadline_from", state.deadline_from ? t("filter.deadline_from", { date: state.deadline_from }) : "", ""],
      ["deadline_to", state.deadline_to ? t("filter.deadline_until", { date: state.deadline_to }) : "", ""],
    ];
    for (const [name, text, cleared] of scalars) {
      if (!text) continue;
      chips.push(filterChip(text, () => navigate(withChanges({ [name]: cleared })), name, String(state[name])));
    }
    if (chips.length > 1) {
      const clear = el("button", "clear-filters", t("filters.clear"));
      clear.type = "button";
      clear.addEventListener("click", () => {
        const filters = {};
        for (const [, param] of FACETS) filters[param] = [];
        navigate(
          withChanges({
            filters,
            subsidy_only: false,
            open: false,
            min_amount: "",
            max_amount: "",
            date_from: "",
            date_to: "",
            deadline_from: "",
            deadline_to: "",
          })
        );
      });
      chips.push(clear);
    }
    container.append(...chips);
    container.hidden = chips.length === 0;
  }

  // ---------------------------------------------------------------- page, pager, exports

  function lastPage(total) {
    const reachable = Math.min(total, MAX_WINDOW);
    return Math.max(1, Math.min(MAX_PAGE, Math.ceil(reachable / state.size)));
  }

  function renderPager(total) {
    const last = lastPage(total);
    $("pager").hidden = total <= state.size && state.page === 1;
    $("prev").disabled = state.page <= 1;
    $("next").disabled = state.page >= last;
    $("page-info").textContent = t("results.page", { page: state.page, last });
  }

  function updateExports() {
    const base = toParams(state, { paging: false });
    for (const format of "csv xlsx json".split(" ")) {
      const p = new URLSearchParams(base);
      p.set("format", format);
      $("export-" + format).href = "api/export?" + p.toString();
    }
    const feed = "feeds/search.atom" + (base.toString() ? "?" + base.toString() : "");
    $("feed-atom").href = feed;
    $("feed-link").href = feed;
  }

  function render(data) {
    const total = Number(data.total) || 0;
    const hits = Array.isArray(data.hits) ? data.hits : [];
    $("status").hidden = true;
    $("total").textContent = total.toLocaleString("en-US");
    // Reposts collapsed: the total counts notices (clusters of copies); expanded, every document.
    const noun = data.counts === "clusters" ? "results.notice" : "results.announcement";
    $("total-label").textContent = t(noun + (total === 1 ? ".one" : ".many"));

    for (const hit of hits) i18n.learn(hit.entities, hit.facts);
    const results = $("results");
    results.replaceChildren(...hits.map(renderResult));
    if (!hits.length) {
      results.appendChild(el("p", "empty", t(total ? "results.none_on_page" : "results.none")));
    }
    renderFacets(data.facets || {});
    renderActiveFilters();
    renderPager(total);
    updateExports();
    document.title = (state.q ? state.q + " — " : "") + "Policy Radar";
    results.dataset.query = toParams(state).toString();
    results.dataset.state = "ready";
    results.removeAttribute("aria-busy");
    announceResults(data);
  }

  // Other views on this page (charts, "Alert me") listen for this event instead of searching again:
  // detail.params is the search without paging (the query string of /api/search), detail.data the answer.
  function announceResults(data) {
    const params = toParams(state, { paging: false }).toString();
    document.dispatchEvent(new CustomEvent("policyradar:results", { detail: { params, data } }));
  }

  // What other scripts may do to this page's search: read it, or change it as a click on a facet does.
  window.PolicyRadar = {
    params: () => toParams(state, { paging: false }).toString(),
    filter: (changes) => navigate(withChanges(changes)),
  };

  // ---------------------------------------------------------------- wiring

  function start() {
    state = readState(location.search);
    syncForm();

    $("search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      navigate(formState());
    });
    $("sort").addEventListener("change", () => navigate(formState()));
    $("subsidy-only").addEventListener("change", () => navigate(formState()));
    $("open-only").addEventListener("change", () => navigate(formState()));
    $("expand").addEventListener("change", () => navigate(formState()));
    $("date-from").addEventListener("change", () => navigate(formState()));
    $("date-to").addEventListener("change", () => navigate(formState()));
    i18n.onChange(() => {
      if (lastData) render(lastData);
    });
    $("prev").addEventListener("click", () => {
      if (state.page > 1) navigate({ ...state, page: state.page - 1 });
    });
    $("next").addEventListener("click", () => navigate({ ...state, page: state.page + 1 }));
    window.addEventListener("popstate", () => {
      state = readState(location.search);
      syncForm();
      search();
    });
    search();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
