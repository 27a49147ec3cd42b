/* Policy Radar search page: the charts above the results.
 *
 * On every "policyradar:results" event of app.js, fetches /api/search/charts with the same search
 * (event.detail.params) and draws, with Chart.js (static/vendor/, vendored by `make web-assets`):
 *   - a timeline of matching announcements per week or month; a click on a bar filters the search to
 *     that period (date_from/date_to, within any dates already chosen);
 *   - the subsidy money by province, ranked horizontal bars (sum in CNY, the count in the label); a
 *     click on a row filters the search to that province.
 * Both also exist as tables of buttons (under "Chart data"), for keyboards and screen readers.
 * Filtering goes through window.PolicyRadar.filter(changes). Everything from the API reaches the
 * DOM as text; the canvas only draws. Strings follow window.PolicyRadarI18n's language when present.
 */
"use strict";

(function () {
  const STRINGS = {
    en: {
      "timeline.week": "Announcements per week",
      "timeline.month": "Announcements per month",
      "timeline.interval": "Bars per",
      "timeline.interval.week": "Week",
      "timeline.interval.month": "Month",
      "timeline.hint": "Click a bar to show only that period.",
      "timeline.undated": "{n} without a publication date (not shown).",
      "timeline.summary": "{title}, {first} to {last}: {total} in all, most in {peak} ({peakCount}).",
      "timeline.empty": "No dated announcements.",
      "provinces.title": "Subsidy money by province",
      "provinces.hint":
        "Sum of the subsidy amounts the matching announcements name (each distinct amount once per announcement), in CNY; the number is the announcements naming the province. Click a row to filter.",
      "provinces.more": "Top {shown} of {all} provinces; every province is in the chart data.",
      "provinces.partial": "{name}: too many distinct amounts, the sum is partial.",
      "provinces.summary": "{title}: {items}.",
      "provinces.empty": "The matching announcements name no province.",
      "table.label": "Chart data",
      "table.period": "Period",
      "table.province": "Province",
      "table.count": "Announcements",
      "table.money": "Subsidy money (CNY)",
      "tooltip.count": "{n} announcement(s)",
      "tooltip.money": "CNY {amount} in subsidies",
      "tooltip.with": "{n} with a subsidy",
      "filter.period": "Show only {period}",
      "filter.province": "Show only {name}",
      failed: "Charts unavailable: {reason}",
      nolib: "Charts unavailable: the chart library (static/vendor/chart.umd.min.js) is missing; run make web-assets.",
    },
    zh: {
      "timeline.week": "每周公告数",
      "timeline.month": "每月公告数",
      "timeline.interval": "按",
      "timeline.interval.week": "周",
      "timeline.interval.month": "月",
      "timeline.hint": "点击柱子只看该时段。",
      "timeline.undated": "{n} 条无发布日期（未显示）。",
      "timeline.summary": "{title}，{first} 至 {last}：共 {total} 条，{peak} 最多（{peakCount} 条）。",
      "timeline.empty": "没有带日期的公告。",
      "provinces.title": "各省补贴金额",
      "provinces.hint": "匹配公告所列补贴金额之和（每条公告中相同金额只计一次），单位人民币；数字为提到该省的公告数。点击一行即可筛选。",
      "provinces.more": "显示前 {shown} 个省份（共 {all} 个），全部省份见图表数据。",
      "provinces.partial": "{name}：不同金额过多，合计不完整。",
      "provinces.summary": "{title}：{items}。",
      "provinces.empty": "匹配的公告未提到任何省份。",
      "table.label": "图表数据",
      "table.period": "时段",
      "table.province": "省份",
      "table.count": "公告数",
      "table.money": "补贴金额（元）",
      "tooltip.count": "{n} 条公告",
      "tooltip.money": "补贴 {amount} 元",
      "tooltip.with": "{n} 条含补贴",
      "filter.period": "只看 {period}",
      "filter.province": "只看 {name}",
      failed: "图表不可用：{reason}",
      nolib: "图表不可用：缺少图表库（static/vendor/chart.umd.min.js），请运行 make web-assets。",
    },
  };
  // The page's facet parameters (app.js): a province click keeps the others as they are.
  const FACET_PARAMS = ["place", "province", "company", "topic", "source", "language", "doc_type", "issuer"];
  const TOP_PROVINCES = 15;
  const BAR_COLOR = "#2f6db5";
  const MONEY_COLOR = "#b5532f";

  const i18n = window.PolicyRadarI18n || null;
  let interval = "auto"; // what the reader chose; "auto" lets the server pick
  let requestSeq = 0;
  let current = null; // {params, charts}
  let view = null; // the DOM nodes and Chart instances, built once

  // ---------------------------------------------------------------- words and numbers

  function lang() {
    return i18n && typeof i18n.lang === "function" && i18n.lang() === "zh" ? "zh" : "en";
  }

  function t(key, vars) {
    const text = STRINGS[lang()][key] || STRINGS.en[key] || key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (vars && name in vars ? String(vars[name]) : whole));
  }

  function provinceName(value) {
    return i18n && typeof i18n.name === "function" ? String(i18n.name(value)) : String(value);
  }

  function compactMoney(value) {
    const locale = lang() === "zh" ? "zh-CN" : "en-US";
    return new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 2 }).format(value);
  }

  function fullMoney(value) {
    return new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 }).format(value);
  }

  function periodLabel(period, chosen) {
    return chosen === "month" ? period.start.slice(0, 7) : period.start;
  }

  // ---------------------------------------------------------------- DOM

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function ensureStylesheet() {
    if (document.querySelector('link[data-charts-style]')) return;
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = "static/charts.css";
    link.dataset.chartsStyle = "";
    document.head.appendChild(link);
  }

  function panel(id) {
    const box = el("div", "chart-panel");
    box.id = id;
    const head = el("div", "chart-head");
    const title = el("h2", "chart-title");
    title.id = id + "-title";
    head.appendChild(title);
    box.appendChild(head);
    const frame = el("div", "chart-frame");
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    frame.appendChild(canvas);
    box.appendChild(frame);
    const note = el("p", "chart-note");
    box.appendChild(note);
    const details = el("details", "chart-data");
    const summary = el("summary");
    details.appendChild(summary);
    const table = el("table", "chart-table");
    details.appendChild(table);
    box.appendChild(details);
    return { box, head, title, frame, canvas, note, summary, table };
  }

  function intervalButtons(head) {
    const group = el("div", "chart-interval");
    group.setAttribute("role", "group");
    const buttons = {};
    for (const name of ["week", "month"]) {
      const button = el("button", "chart-interval-button");
      button.type = "button";
      button.dataset.interval = name;
      button.addEventListener("click", () => {
        interval = name;
        if (current) load(current.params);
      });
      group.appendChild(button);
      buttons[name] = button;
    }
    head.appendChild(group);
    return { group, buttons };
  }

  function build(section) {
    ensureStylesheet();
    const timeline = panel("chart-timeline");
    const provinces = panel("chart-provinces");
    const status = el("p", "chart-status");
    status.setAttribute("role", "status");
    status.hidden = true;
    section.replaceChildren(timeline.box, provinces.box, status);
    return {
      section,
      status,
      timeline: { ...timeline, ...intervalButtons(timeline.head), chart: null },
      provinces: { ...provinces, chart: null },
    };
  }

  // ---------------------------------------------------------------- filtering

  function paramsOf(query) {
    return new URLSearchParams(query || "");
  }

  /* The period within the dates the search already has: a bar of a partly covered month keeps them. */
  function filterToPeriod(period) {
    const params = paramsOf(current && current.params);
    const from = params.get("date_from") || "";
    const to = params.get("date_to") || "";
    window.PolicyRadar.filter({
      date_from: from && from > period.start ? from : period.start,
      date_to: to && to < period.end ? to : period.end,
    });
  }

  function filterToProvince(province) {
    const params = paramsOf(current && current.params);
    const filters = {};
    for (const name of FACET_PARAMS) filters[name] = params.getAll(name);
    filters.province = [province];
    window.PolicyRadar.filter({ filters });
  }

  // ---------------------------------------------------------------- tables (the charts as buttons)

  function renderTable(table, headings, rows) {
    table.replaceChildren();
    const head = el("thead");
    const headRow = el("tr");
    for (const heading of headings) {
      const th = el("th", null, heading);
      th.scope = "col";
      headRow.appendChild(th);
    }
    head.appendChild(headRow);
    const body = el("tbody");
    for (const row of rows) {
      const tr = el("tr");
      const th = el("th");
      th.scope = "row";
      const button = el("button", "chart-filter", row.label);
      button.type = "button";
      button.title = row.title;
      button.dataset.value = row.value;
      button.addEventListener("click", row.onClick);
      th.appendChild(button);
      tr.appendChild(th);
      for (const cell of row.cells) tr.appendChild(el("td", null, cell));
      body.appendChild(tr);
    }
    table.append(head, body);
  }

  // ---------------------------------------------------------------- charts

  function baseOptions(axis, onPick) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: axis === "y" ? "y" : "x",
      interaction: { mode: "index", axis, intersect: false },
      plugins: { legend: { display: false } },
      onClick: (event, _elements, chart) => {
        const hit = chart.getElementsAtEventForMode(event, "index", { axis, intersect: false }, true);
        if (hit.length) onPick(hit[0].index);
      },
      onHover: (event, elements, chart) => {
        chart.canvas.style.cursor = elements.length ? "pointer" : "default";
      },
    };
  }

  function drawTimeline(charts) {
    const part = view.timeline;
    const chosen = charts.interval;
    const periods = charts.timeline;
    const title = t("timeline." + chosen);
    part.title.textContent = title;
    part.group.setAttribute("aria-label", t("timeline.interval"));
    for (const [name, button] of Object.entries(part.buttons)) {
      button.textContent = t("timeline.interval." + name);
      button.setAttribute("aria-pressed", name === chosen ? "true" : "false");
    }
    const labels = periods.map((p) => periodLabel(p, chosen));
    const counts = periods.map((p) => p.count);
    const notes = [periods.length ? t("timeline.hint") : t("timeline.empty")];
    if (charts.undated) notes.push(t("timeline.undated", { n: charts.undated }));
    part.note.textContent = notes.join(" ");
    part.canvas.setAttribute("aria-label", timelineSummary(title, periods, labels));
    part.summary.textContent = t("table.label");
    renderTable(
      part.table,
      [t("table.period"), t("table.count")],
      periods.map((p, i) => ({
        label: labels[i],
        value: p.start,
        title: t("filter.period", { period: p.start + " – " + p.end }),
        cells: [String(p.count)],
        onClick: () => filterToPeriod(p),
      }))
    );
    part.frame.hidden = !periods.length;
    if (!window.Chart || !periods.length) return;
    const data = { labels, datasets: [{ data: counts, backgroundColor: BAR_COLOR, label: title }] };
    if (!part.chart) {
      const options = baseOptions("x", (index) => filterToPeriod(current.charts.timeline[index]));
      options.scales = { y: { beginAtZero: true, ticks: { precision: 0 } } };
      options.plugins.tooltip = {
        callbacks: {
          title: (items) => {
            const p = current.charts.timeline[items[0].dataIndex];
            return p.start + " – " + p.end;
          },
          label: (item) => t("tooltip.count", { n: item.raw }),
        },
      };
      part.chart = new window.Chart(part.canvas, { type: "bar", data, options });
    } else {
      part.chart.data = data;
      part.chart.update();
    }
  }

  function timelineSummary(title, periods, labels) {
    if (!periods.length) return title + ": " + t("timeline.empty");
    let peak = 0;
    periods.forEach((p, i) => {
      if (p.count > periods[peak].count) peak = i;
    });
    return t("timeline.summary", {
      title,
      first: labels[0],
      last: labels[labels.length - 1],
      total: periods.reduce((sum, p) => sum + p.count, 0),
      peak: labels[peak],
      peakCount: periods[peak].count,
    });
  }

  function drawProvinces(charts) {
    const part = view.provinces;
    const all = charts.provinces;
    const shown = all.slice(0, TOP_PROVINCES);
    const title = t("provinces.title");
    part.title.textContent = title;
    const labels = shown.map((p) => provinceName(p.province) + " (" + p.count + ")");
    const notes = [all.length ? t("provinces.hint") : t("provinces.empty")];
    if (all.length > shown.length) notes.push(t("provinces.more", { shown: shown.length, all: all.length }));
    for (const p of all) if (!p.complete) notes.push(t("provinces.partial", { name: provinceName(p.province) }));
    part.note.textContent = notes.join(" ");
    const items = shown
      .slice(0, 5)
      .map((p) => provinceName(p.province) + " " + compactMoney(p.subsidy_cny) + " (" + p.count + ")");
    part.canvas.setAttribute("aria-label", t("provinces.summary", { title, items: items.join(", ") }));
    part.summary.textContent = t("table.label");
    renderTable(
      part.table,
      [t("table.province"), t("table.money"), t("table.count")],
      all.map((p) => ({
        label: provinceName(p.province),
        value: p.province,
        title: t("filter.province", { name: provinceName(p.province) }),
        cells: [fullMoney(p.subsidy_cny), String(p.count)],
        onClick: () => filterToProvince(p.province),
      }))
    );
    part.frame.hidden = !shown.length;
    part.frame.style.height = 48 + 28 * shown.length + "px";
    if (!window.Chart || !shown.length) return;
    const data = {
      labels,
      datasets: [{ data: shown.map((p) => p.subsidy_cny), backgroundColor: MONEY_COLOR, label: title }],
    };
    if (!part.chart) {
      const options = baseOptions("y", (index) => filterToProvince(current.charts.provinces[index].province));
      options.scales = { x: { beginAtZero: true, ticks: { callback: (value) => compactMoney(value) } } };
      options.plugins.tooltip = {
        callbacks: {
          label: (item) => {
            const p = current.charts.provinces[item.dataIndex];
            return [
              t("tooltip.money", { amount: fullMoney(p.subsidy_cny) }),
              t("tooltip.count", { n: p.count }) + ", " + t("tooltip.with", { n: p.with_subsidy }),
            ];
          },
        },
      };
      part.chart = new window.Chart(part.canvas, { type: "bar", data, options });
    } else {
      part.chart.data = data;
      part.chart.update();
    }
  }

  function draw() {
    if (!current) return;
    if (window.Chart) {
      window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
      window.Chart.defaults.color = "#333";
    }
    drawTimeline(current.charts);
    drawProvinces(current.charts);
    view.status.hidden = !!window.Chart;
    if (!window.Chart) view.status.textContent = t("nolib");
  }

  // ---------------------------------------------------------------- loading

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (typeof body.detail === "string") return body.detail;
      if (Array.isArray(body.detail) && body.detail.length) return String(body.detail[0].msg || "invalid request");
    } catch (_ignored) {
      // not JSON
    }
    return "the server answered " + response.status;
  }

  async function load(params) {
    const mine = ++requestSeq;
    const section = view.section;
    section.dataset.state = "loading";
    section.setAttribute("aria-busy", "true");
    const query = paramsOf(params);
    if (interval !== "auto") query.set("interval", interval);
    let charts;
    try {
      const response = await fetch("api/search/charts?" + query.toString(), {
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(await errorMessage(response));
      charts = await response.json();
    } catch (err) {
      if (mine !== requestSeq) return;
      view.status.textContent = t("failed", { reason: err && err.message ? err.message : String(err) });
      view.status.hidden = false;
      section.dataset.state = "error";
      section.removeAttribute("aria-busy");
      return;
    }
    if (mine !== requestSeq) return; // a newer search has started
    current = { params, charts };
    section.hidden = false;
    draw();
    section.dataset.query = params;
    section.dataset.state = "ready";
    section.removeAttribute("aria-busy");
  }

  function onResults(event) {
    const section = document.getElementById("charts");
    if (!section || !event.detail) return;
    if (!view) view = build(section);
    const data = event.detail.data || {};
    const params = String(event.detail.params || "");
    if (!Number(data.total)) {
      // Nothing matches: no charts (and no request); a late answer to an older search is dropped.
      requestSeq++;
      current = null;
      section.hidden = true;
      section.dataset.query = params;
      section.dataset.state = "empty";
      section.removeAttribute("aria-busy");
      return;
    }
    load(params);
  }

  document.addEventListener("policyradar:results", onResults);
  if (i18n && typeof i18n.onChange === "function") i18n.onChange(draw);
})();
