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
    if (!iso) return "never";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  // ------------------------------------------------------------------ health table

  function stateOf(source) {
    if (source.flags.length) return ["flagged", "Flagged"];
    if (source.in_review) return ["review", "In review"];
    if (!source.enabled) return ["off", "Disabled"];
    if (!source.runs) return ["never", "Never crawled"];
    return ["ok", "Healthy"];
  }

  function healthRow(source) {
    const [kind, label] = stateOf(source);
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

  async function loadHealth() {
    const table = $("sources-table");
    const days = $("days").value;
    table.dataset.state = "loading";
    $("items-heading").textContent = `Items (${days} days)`;
    try {
      const sources = await api(`api/sources?days=${encodeURIComponent(days)}`);
      const body = table.tBodies[0];
      body.replaceChildren(...sources.map(healthRow));
      const flagged = sources.filter((s) => s.flags.length).length;
      const enabled = sources.filter((s) => s.enabled).length;
      $("health-summary").textContent = `${sources.length} sources, ${enabled} enabled, ${flagged} flagged`;
      $("health-status").hidden = true;
      table.dataset.state = "ready";
    } catch (error) {
      $("health-status").textContent = `Source health cannot be shown: ${error.message}`;
      $("health-status").hidden = false;
      table.dataset.state = "error";
    }
  }

  // ------------------------------------------------------------------ token

  function showToken() {
    const has = Boolean(sessionStorage.getItem(TOKEN_KEY));
    $("token-state").textContent = has ? "A token is set for this tab." : "No token set.";
    $("token-forget").hidden = !has;
  }

  // ------------------------------------------------------------------ add a source

  function showError(error) {
    const box = $("add-error");
    const hint = error.status === 401 ? " Set an operator token above." : "";
    box.textContent = `${error.message}${hint}`;
    box.hidden = false;
  }

  function busy(text) {
    $("busy").textContent = text || "";
    for (const id of ["discover", "preview", "save"]) $(id).disabled = Boolean(text);
  }

  function listOrNone(values, link) {
    if (!values || !values.length) return el("dd", {}, "none");
    const list = el("ul", {});
    for (const value of values) list.append(el("li", {}, link ? safeLink(value) : value));
    return el("dd", {}, list);
  }

  function showDiscovery(found) {
    const pagination = found.next_page_selector ? ` (next page: ${found.next_page_selector})` : "";
    $("found").replaceChildren(
      el("dt", {}, "Page"),
      el("dd", {}, safeLink(found.url, found.title || found.url), ` — ${found.fetched_bytes} bytes, language ${found.language}`),
      el("dt", {}, "Feeds"),
      listOrNone(found.feeds, true),
      el("dt", {}, "Sitemaps"),
      listOrNone(found.sitemaps, true),
      el("dt", {}, "Listing selector"),
      el("dd", { id: "listing-selector" }, found.listing_selector ? found.listing_selector + pagination : "none found"),
      el("dt", {}, "Sample links"),
      listOrNone(found.sample_links, true)
    );
    $("spec").value = found.spec ? JSON.stringify(found.spec, null, 2) : "";
    $("discovery").hidden = false;
    $("discovery").dataset.state = found.spec ? "ready" : "empty";
    if (!found.spec) showError({ message: "Nothing to crawl was found on that page: no feed, sitemap or listing." });
  }

  async function discover(event) {
    event.preventDefault();
    $("add-error").hidden = true;
    $("preview-result").hidden = true;
    $("saved").hidden = true;
    const body = { url: $("source-url").value.trim() };
    if ($("source-id").value.trim()) body.id = $("source-id").value.trim();
    busy("Fetching the page…");
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
      showError({ message: `the spec is not valid JSON: ${error.message}` });
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
      return el("li", { class: "record quarantined" }, safeLink(record.url), el("p", {}, `Quarantined: ${record.quarantined}`));
    }
    const e = record.entities;
    const money = e.money.map((m) => `${m.text}${m.is_subsidy ? " (subsidy)" : ""}${m.qualifier === "max" ? " (cap)" : ""}`);
    const facts = record.facts || {};
    const factText = [facts.doc_type, facts.doc_number, facts.deadline ? `deadline ${facts.deadline}` : null].filter(Boolean).join(" · ");
    const alerts = record.your_alerts.length
      ? `fires ${record.alerts_fired} alert(s); yours: ${record.your_alerts.join(", ")}`
      : `fires ${record.alerts_fired} alert(s)${record.alerts_fired ? " (none of yours)" : ""}`;
    return el(
      "li",
      { class: "record", "data-url": record.url },
      el("h4", { class: "record-title" }, safeLink(record.url, record.title)),
      el("p", { class: "record-meta" }, `${(record.published_at || "").slice(0, 10) || "no date"} · ${record.language}${factText ? " · " + factText : ""}`),
      el("p", { class: "excerpt" }, record.excerpt),
      chips("Money", money, "money"),
      chips("Ratios", e.percent.map((p) => p.text), "ratio"),
      chips("Places", unique(e.places.map((p) => p.canonical || p.text)), "place"),
      chips("Companies", unique(e.companies.map((c) => c.canonical || c.text)), "company"),
      chips("Organisations", unique(e.organizations.map((o) => o.text)), "org"),
      chips("Topics", record.topics, "topic"),
      el("p", { class: "alerts-fired", "data-fired": String(record.alerts_fired) }, alerts)
    );
  }

  async function preview() {
    $("saved").hidden = true;
    const result = $("preview-result");
    const spec = currentSpec();
    if (spec === null) return;
    busy("Crawling a few pages and reading them (this can take a minute)…");
    result.dataset.state = "loading";
    try {
      const answer = await api("api/sources/preview", { method: "POST", body: { spec, limit: 3 }, auth: true });
      $("records").replaceChildren(...answer.records.map(recordItem));
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
    busy("Saving…");
    try {
      const saved = await api("api/sources", { method: "POST", body: { spec }, auth: true });
      $("saved").textContent = `Saved ${saved.id} for review (disabled) as ${saved.path}.`;
      $("saved").hidden = false;
      loadHealth();
    } catch (error) {
      showError(error);
    } finally {
      busy("");
    }
  }

  // ------------------------------------------------------------------ wiring

  document.addEventListener("DOMContentLoaded", () => {
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
