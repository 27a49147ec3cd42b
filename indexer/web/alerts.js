// "My alerts": sign in with an API token, then list, edit, pause/resume and delete your alerts, with
// each one's next digest (preview), delivery history and private feed. Uses window.PolicyRadarAlerts
// (alert_me.js); everything shown is built with textContent.
(function () {
  "use strict";

  const A = window.PolicyRadarAlerts;
  const el = A.el;
  const $ = (id) => document.getElementById(id);

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
    setState("loading", "Loading…");
    let alerts;
    try {
      alerts = await A.api("GET", "api/alerts");
    } catch (problem) {
      if (problem.status === 401) {
        A.signOut();
        showSignIn();
        return;
      }
      setState("error", "Could not load your alerts: " + problem.message);
      return;
    }
    A.api("GET", "api/me").then(
      (me) => {
        if (me && me.user) $("account-name").textContent = "Signed in as " + me.user + ".";
      },
      () => {},
    );
    const list = $("alerts-list");
    list.replaceChildren(...alerts.map(card));
    setState("ready", alerts.length ? "" : "You have no alerts yet.");
  }

  function button(text, className, onClick) {
    const node = el("button", className, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function channelsText(alert) {
    const names = (alert.channels || []).map((c) => A.CHANNEL_LABELS[c] || c);
    return names.length ? names.join(", ") : "no delivery (feed only)";
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
    const badge = el("span", "alert-badge" + (alert.paused ? " paused" : ""), alert.paused ? "Paused" : "Active");
    badge.dataset.role = "state";
    title.appendChild(badge);
    const details = el("div", "alert-details");
    details.hidden = true;
    const actions = el("p", "alert-actions");
    actions.append(
      button("Edit", "alert-secondary alert-edit", () => edit(node, alert)),
      button(alert.paused ? "Resume" : "Pause", "alert-secondary alert-pause", () => togglePause(node, alert)),
      button("Preview and history", "alert-secondary alert-more", () => toggleDetails(details, alert)),
      button("Delete", "alert-danger alert-delete", () => confirmDelete(node, alert, actions)),
    );
    node.replaceChildren(
      title,
      el("p", "alert-meta", "Follows: " + A.describe(alert.q, alert.conditions)),
      el("p", "alert-meta", "Schedule: " + A.scheduleText(alert) + " · Sent to: " + channelsText(alert)),
      feedLine(alert),
      actions,
      details,
    );
  }

  function feedLine(alert) {
    const line = el("p", "alert-meta alert-feed");
    if (!alert.feed_url) {
      line.appendChild(document.createTextNode("No private feed yet. "));
      line.appendChild(button("Make one", "alert-secondary alert-feed-key", () => renewFeed(line, alert)));
      return line;
    }
    line.appendChild(document.createTextNode("Private Atom feed (keep it to yourself): "));
    const link = el("a", "alert-feed-link", "feed");
    link.href = alert.feed_url;
    link.rel = "noreferrer";
    line.appendChild(link);
    line.appendChild(document.createTextNode(" "));
    line.appendChild(button("New feed URL", "alert-secondary alert-feed-key", () => renewFeed(line, alert)));
    return line;
  }

  async function renewFeed(line, alert) {
    try {
      const updated = await A.api("POST", A.alertPath(alert.name, "/feed-key"));
      line.replaceWith(feedLine(updated));
    } catch (problem) {
      setState("error", "Could not make a new feed URL: " + problem.message);
    }
  }

  function edit(node, alert) {
    const form = A.alertForm(
      alert,
      (saved) => {
        fillCard(node, saved);
        if (saved.webhook_secret) node.appendChild(A.savedNote(saved, false));
        setState("ready", "Saved “" + saved.name + "”.");
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
      setState("ready", (updated.paused ? "Paused" : "Resumed") + " “" + updated.name + "”.");
    } catch (problem) {
      setState("error", "Could not change “" + alert.name + "”: " + problem.message);
    }
  }

  function confirmDelete(node, alert, actions) {
    const ask = el("p", "alert-actions alert-confirm");
    ask.appendChild(el("span", null, "Delete “" + alert.name + "” for good?"));
    ask.append(
      button("Yes, delete", "alert-danger alert-confirm-delete", async () => {
        try {
          await A.api("DELETE", A.alertPath(alert.name));
          node.remove();
          const left = $("alerts-list").children.length;
          setState("ready", "Deleted “" + alert.name + "”." + (left ? "" : " You have no alerts yet."));
        } catch (problem) {
          setState("error", "Could not delete “" + alert.name + "”: " + problem.message);
        }
      }),
      button("Keep it", "alert-secondary", () => ask.replaceWith(actions)),
    );
    actions.replaceWith(ask);
  }

  async function toggleDetails(details, alert) {
    if (!details.hidden) {
      details.hidden = true;
      return;
    }
    details.hidden = false;
    details.replaceChildren(el("p", "alert-note", "Loading…"));
    try {
      const [preview, history] = await Promise.all([
        A.api("GET", A.alertPath(alert.name, "/preview")),
        A.api("GET", A.alertPath(alert.name, "/history")),
      ]);
      details.replaceChildren(...previewBlock(preview), ...historyBlock(history));
    } catch (problem) {
      details.replaceChildren(el("p", "alert-error", "Could not load: " + problem.message));
    }
  }

  function previewBlock(preview) {
    const heading = el("h3", null, "Next digest");
    if (!preview.items) return [heading, el("p", "alert-note alert-preview-empty", "Nothing new waiting yet.")];
    const count = el("p", "alert-note", preview.items + " item" + (preview.items === 1 ? "" : "s") + " waiting:");
    return [heading, count, el("pre", "alert-preview", preview.text)];
  }

  function historyBlock(history) {
    const heading = el("h3", null, "Delivery history");
    if (!history.length) return [heading, el("p", "alert-note alert-history-empty", "Nothing sent yet.")];
    const table = el("table", "alert-history");
    const head = el("tr");
    for (const name of ["Made", "Sent", "Kind", "Items", "Channels", "Status"]) head.appendChild(el("th", null, name));
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
        (entry.channels || []).map((c) => A.CHANNEL_LABELS[c] || c).join(", ") || "—",
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

  function start() {
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
