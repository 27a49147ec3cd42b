// "My alerts": sign in with an API token, then list, edit, pause/resume and delete your alerts, with
// each one's next digest (preview), delivery history and private feed. Uses window.PolicyRadarAlerts
// (alert_me.js); everything shown is built with textContent.
(function () {
  "use strict";

  const A = window.PolicyRadarAlerts;
  const el = A.el;
  const t = A.t;
  const $ = (id) => document.getElementById(id);
  // This page's strings (i18n.js); the sign-in and alert forms' are in alert_me.js.
  const STRINGS = {
    en: {
      "myalerts.title": "My alerts — Policy Radar",
      "myalerts.tagline": "My alerts: what you follow, when it is sent, where it went",
      "myalerts.heading": "My alerts",
      "myalerts.note.before": "Make an alert with “Alert me” on any ",
      "myalerts.note.link": "search",
      "myalerts.note.after": ".",
      "myalerts.signed_in": "Signed in.",
      "myalerts.signed_in_as": "Signed in as {user}.",
      "myalerts.sign_out": "Sign out",
      "myalerts.noscript": "This page needs JavaScript; the same actions are in the API at /docs.",
      "myalerts.loading": "Loading…",
      "myalerts.load_failed": "Could not load your alerts: {reason}",
      "myalerts.none": "You have no alerts yet.",
      "myalerts.no_channel": "no delivery (feed only)",
      "myalerts.paused": "Paused",
      "myalerts.active": "Active",
      "myalerts.edit": "Edit",
      "myalerts.pause": "Pause",
      "myalerts.resume": "Resume",
      "myalerts.more": "Preview and history",
      "myalerts.delete": "Delete",
      "myalerts.follows": "Follows: {what}",
      "myalerts.schedule": "Schedule: {schedule} · Sent to: {channels}",
      "myalerts.no_feed": "No private feed yet. ",
      "myalerts.make_feed": "Make one",
      "myalerts.feed": "Private Atom feed (keep it to yourself): ",
      "myalerts.feed.link": "feed",
      "myalerts.feed.new": "New feed URL",
      "myalerts.feed.failed": "Could not make a new feed URL: {reason}",
      "myalerts.saved": "Saved “{name}”.",
      "myalerts.paused_one": "Paused “{name}”.",
      "myalerts.resumed_one": "Resumed “{name}”.",
      "myalerts.change_failed": "Could not change “{name}”: {reason}",
      "myalerts.confirm_delete": "Delete “{name}” for good?",
      "myalerts.yes_delete": "Yes, delete",
      "myalerts.keep": "Keep it",
      "myalerts.deleted": "Deleted “{name}”.",
      "myalerts.delete_failed": "Could not delete “{name}”: {reason}",
      "myalerts.details_failed": "Could not load: {reason}",
      "myalerts.next_digest": "Next digest",
      "myalerts.nothing_waiting": "Nothing new waiting yet.",
      "myalerts.waiting.one": "{count} item waiting:",
      "myalerts.waiting.many": "{count} items waiting:",
      "myalerts.history": "Delivery history",
      "myalerts.nothing_sent": "Nothing sent yet.",
      "myalerts.col.made": "Made",
      "myalerts.col.sent": "Sent",
      "myalerts.col.kind": "Kind",
      "myalerts.col.items": "Items",
      "myalerts.col.channels": "Channels",
      "myalerts.col.status": "Status",
    },
    zh: {
      "myalerts.title": "我的提醒 — Policy Radar",
      "myalerts.tagline": "我的提醒：关注什么、何时发送、发到哪里",
      "myalerts.heading": "我的提醒",
      "myalerts.note.before": "在任意",
      "myalerts.note.link": "搜索",
      "myalerts.note.after": "页面点击“订阅提醒”即可创建提醒。",
      "myalerts.signed_in": "已登录。",
      "myalerts.signed_in_as": "已登录：{user}。",
      "myalerts.sign_out": "退出登录",
      "myalerts.noscript": "本页面需要 JavaScript；同样的操作可通过 /docs 中的 API 完成。",
      "myalerts.loading": "加载中…",
      "myalerts.load_failed": "无法加载您的提醒：{reason}",
      "myalerts.none": "您还没有提醒。",
      "myalerts.no_channel": "不发送（仅订阅源）",
      "myalerts.paused": "已暂停",
      "myalerts.active": "启用中",
      "myalerts.edit": "编辑",
      "myalerts.pause": "暂停",
      "myalerts.resume": "恢复",
      "myalerts.more": "预览与历史",
      "myalerts.delete": "删除",
      "myalerts.follows": "关注：{what}",
      "myalerts.schedule": "频率：{schedule} · 发送到：{channels}",
      "myalerts.no_feed": "尚无私有订阅源。",
      "myalerts.make_feed": "创建",
      "myalerts.feed": "私有 Atom 订阅源（请勿外传）：",
      "myalerts.feed.link": "订阅源",
      "myalerts.feed.new": "更换订阅地址",
      "myalerts.feed.failed": "无法更换订阅地址：{reason}",
      "myalerts.saved": "已保存“{name}”。",
      "myalerts.paused_one": "已暂停“{name}”。",
      "myalerts.resumed_one": "已恢复“{name}”。",
      "myalerts.change_failed": "无法修改“{name}”：{reason}",
      "myalerts.confirm_delete": "确定永久删除“{name}”？",
      "myalerts.yes_delete": "确定删除",
      "myalerts.keep": "保留",
      "myalerts.deleted": "已删除“{name}”。",
      "myalerts.delete_failed": "无法删除“{name}”：{reason}",
      "myalerts.details_failed": "无法加载：{reason}",
      "myalerts.next_digest": "下一期摘要",
      "myalerts.nothing_waiting": "暂无待发送的新内容。",
      "myalerts.waiting.one": "{count} 条待发送：",
      "myalerts.waiting.many": "{count} 条待发送：",
      "myalerts.history": "发送记录",
      "myalerts.nothing_sent": "尚未发送。",
      "myalerts.col.made": "生成",
      "myalerts.col.sent": "发送",
      "myalerts.col.kind": "类型",
      "myalerts.col.items": "条数",
      "myalerts.col.channels": "渠道",
      "myalerts.col.status": "状态",
    },
  };
  if (window.PolicyRadarI18n) window.PolicyRadarI18n.register(STRINGS);

  function setState(state, text) {
    const main = $("my-alerts");
    main.dataset.state = state;
    if (state === "loading") main.setAttribute("aria-busy", "true");
    else main.removeAttribute("aria-busy");
    const status = $("alerts-status");
    status.className = state === "error" ? "status" : "alert-status";
    status.textContent = text || "";
    status.hidden = !text;
  }

  function showSignIn() {
    $("account").hidden = true;
    $("alerts-list").replaceChildren();
    const holder = $("signin");
    holder.replaceChildren(A.signInForm(load));
    holder.hidden = false;
    setState("signed-out", "");
    holder.querySelector("input").focus();
  }

  async function load() {
    $("signin").hidden = true;
    $("signin").replaceChildren();
    $("account").hidden = false;
    setState("loading", t("myalerts.loading"));
    let alerts;
    try {
      alerts = await A.api("GET", "api/alerts");
    } catch (problem) {
      if (problem.status === 401) {
        A.signOut();
        showSignIn();
        return;
      }
      setState("error", t("myalerts.load_failed", { reason: problem.message }));
      return;
    }
    A.api("GET", "api/me").then(
      (me) => {
        if (me && me.user) $("account-name").textContent = t("myalerts.signed_in_as", { user: me.user });
      },
      () => {},
    );
    const list = $("alerts-list");
    list.replaceChildren(...alerts.map(card));
    setState("ready", alerts.length ? "" : t("myalerts.none"));
  }

  function button(text, className, onClick) {
    const node = el("button", className, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function channelsText(alert) {
    const names = (alert.channels || []).map(A.channelLabel);
    return names.length ? names.join(", ") : t("myalerts.no_channel");
  }

  // One alert: what it follows, when and where it is sent, its actions and its details.
  function card(alert) {
    const node = el("article", "alert-card");
    node.dataset.name = alert.name;
    node.dataset.paused = String(Boolean(alert.paused));
    fillCard(node, alert);
    return node;
  }

  function fillCard(node, alert) {
    const title = el("h2", "alert-name", alert.name);
    const badge = el("span", "alert-badge" + (alert.paused ? " paused" : ""), t(alert.paused ? "myalerts.paused" : "myalerts.active"));
    badge.dataset.role = "state";
    title.appendChild(badge);
    const details = el("div", "alert-details");
    details.hidden = true;
    const actions = el("p", "alert-actions");
    actions.append(
      button(t("myalerts.edit"), "alert-secondary alert-edit", () => edit(node, alert)),
      button(t(alert.paused ? "myalerts.resume" : "myalerts.pause"), "alert-secondary alert-pause", () => togglePause(node, alert)),
      button(t("myalerts.more"), "alert-secondary alert-more", () => toggleDetails(details, alert)),
      button(t("myalerts.delete"), "alert-danger alert-delete", () => confirmDelete(node, alert, actions)),
    );
    node.replaceChildren(
      title,
      el("p", "alert-meta", t("myalerts.follows", { what: A.describe(alert.q, alert.conditions) })),
      el("p", "alert-meta", t("myalerts.schedule", { schedule: A.scheduleText(alert), channels: channelsText(alert) })),
      feedLine(alert),
      actions,
      details,
    );
  }

  function feedLine(alert) {
    const line = el("p", "alert-meta alert-feed");
    if (!alert.feed_url) {
      line.appendChild(document.createTextNode(t("myalerts.no_feed")));
      line.appendChild(button(t("myalerts.make_feed"), "alert-secondary alert-feed-key", () => renewFeed(line, alert)));
      return line;
    }
    line.appendChild(document.createTextNode(t("myalerts.feed")));
    const link = el("a", "alert-feed-link", t("myalerts.feed.link"));
    link.href = alert.feed_url;
    link.rel = "noreferrer";
    line.appendChild(link);
    line.appendChild(document.createTextNode(" "));
    line.appendChild(button(t("myalerts.feed.new"), "alert-secondary alert-feed-key", () => renewFeed(line, alert)));
    return line;
  }

  async function renewFeed(line, alert) {
    try {
      const updated = await A.api("POST", A.alertPath(alert.name, "/feed-key"));
      line.replaceWith(feedLine(updated));
    } catch (problem) {
      setState("error", t("myalerts.feed.failed", { reason: problem.message }));
    }
  }

  function edit(node, alert) {
    const form = A.alertForm(
      alert,
      (saved) => {
        fillCard(node, saved);
        if (saved.webhook_secret) node.appendChild(A.savedNote(saved, false));
        setState("ready", t("myalerts.saved", { name: saved.name }));
      },
      () => fillCard(node, alert),
    );
    node.replaceChildren(el("h2", "alert-name", alert.name), form);
    form.elements.every.focus();
  }

  async function togglePause(node, alert) {
    const verb = alert.paused ? "/resume" : "/pause";
    try {
      const updated = await A.api("POST", A.alertPath(alert.name, verb));
      node.dataset.paused = String(Boolean(updated.paused));
      fillCard(node, updated);
      setState("ready", t(updated.paused ? "myalerts.paused_one" : "myalerts.resumed_one", { name: updated.name }));
    } catch (problem) {
      setState("error", t("myalerts.change_failed", { name: alert.name, reason: problem.message }));
    }
  }

  function confirmDelete(node, alert, actions) {
    const ask = el("p", "alert-actions alert-confirm");
    ask.appendChild(el("span", null, t("myalerts.confirm_delete", { name: alert.name })));
    ask.append(
      button(t("myalerts.yes_delete"), "alert-danger alert-confirm-delete", async () => {
        try {
          await A.api("DELETE", A.alertPath(alert.name));
          node.remove();
          const left = $("alerts-list").children.length;
          setState("ready", t("myalerts.deleted", { name: alert.name }) + (left ? "" : " " + t("myalerts.none")));
        } catch (problem) {
          setState("error", t("myalerts.delete_failed", { name: alert.name, reason: problem.message }));
        }
      }),
      button(t("myalerts.keep"), "alert-secondary", () => ask.replaceWith(actions)),
    );
    actions.replaceWith(ask);
  }

  async function toggleDetails(details, alert) {
    if (!details.hidden) {
      details.hidden = true;
      return;
    }
    details.hidden = false;
    details.replaceChildren(el("p", "alert-note", t("myalerts.loading")));
    try {
      const [preview, history] = await Promise.all([
        A.api("GET", A.alertPath(alert.name, "/preview")),
        A.api("GET", A.alertPath(alert.name, "/history")),
      ]);
      details.replaceChildren(...previewBlock(preview), ...historyBlock(history));
    } catch (problem) {
      details.replaceChildren(el("p", "alert-error", t("myalerts.details_failed", { reason: problem.message })));
    }
  }

  function previewBlock(preview) {
    const heading = el("h3", null, t("myalerts.next_digest"));
    if (!preview.items) return [heading, el("p", "alert-note alert-preview-empty", t("myalerts.nothing_waiting"))];
    const waiting = preview.items === 1 ? "myalerts.waiting.one" : "myalerts.waiting.many";
    const count = el("p", "alert-note", t(waiting, { count: preview.items }));
    const text = el("pre", "alert-preview", preview.text);
    // It scrolls when long: focusable, so a keyboard can scroll it, and named for screen readers.
    text.tabIndex = 0;
    text.setAttribute("role", "region");
    text.setAttribute("aria-label", heading.textContent);
    return [heading, count, text];
  }

  function historyBlock(history) {
    const heading = el("h3", null, t("myalerts.history"));
    if (!history.length) return [heading, el("p", "alert-note alert-history-empty", t("myalerts.nothing_sent"))];
    const table = el("table", "alert-history");
    const head = el("tr");
    for (const name of ["made", "sent", "kind", "items", "channels", "status"]) {
      head.appendChild(el("th", null, t("myalerts.col." + name)));
    }
    const thead = el("thead");
    thead.appendChild(head);
    const tbody = el("tbody");
    for (const entry of history) {
      const row = el("tr");
      row.dataset.status = entry.status;
      const status = entry.status + (entry.last_error && entry.status !== "sent" ? ": " + entry.last_error : "");
      for (const value of [
        when(entry.created_at),
        when(entry.sent_at),
        entry.kind,
        entry.items,
        (entry.channels || []).map(A.channelLabel).join(", ") || "—",
        status,
      ]) {
        row.appendChild(el("td", null, value));
      }
      tbody.appendChild(row);
    }
    table.append(thead, tbody);
    return [heading, table];
  }

  function when(value) {
    if (!value) return "—";
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
  }

  // A new language: the list (or the sign-in form) is drawn again in it.
  function redraw() {
    document.title = t("myalerts.title");
    if (A.token()) load();
    else showSignIn();
  }

  function start() {
    document.title = t("myalerts.title");
    A.onLanguageChange(redraw);
    $("sign-out").addEventListener("click", () => {
      A.signOut();
      showSignIn();
    });
    if (A.token()) load();
    else showSignIn();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
