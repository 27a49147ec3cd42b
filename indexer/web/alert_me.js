// "Alert me" on the search page, and what the search page and "My alerts" share (window.PolicyRadarAlerts):
// the API token kept in sessionStorage (or localStorage when "remember" is ticked) and sent only as
// "Authorization: Bearer", calls to /api/alerts, the sign-in form and the alert form.
// Everything shown is built with textContent: no data ever goes through innerHTML.
(function () {
  "use strict";

  const TOKEN_KEY = "policyradar.apiToken";
  // Search parameters (the /api/search query string) and the alert condition each one sets.
  const LIST_PARAMS = {
    place: "places",
    province: "provinces",
    company: "companies",
    topic: "topics",
    source: "sources",
    language: "languages",
    doc_type: "doc_types",
    issuer: "issuers",
  };
  const SCALAR_PARAMS = {
    min_amount: "min_amount",
    max_amount: "max_amount",
    currency: "currency",
    deadline_from: "deadline_from",
    deadline_to: "deadline_to",
  };
  const FLAG_PARAMS = { subsidy_only: "subsidy_only", open: "open_only" };
  // Search parameters an alert has no use for: paging, order, copies, the publication dates.
  const NOT_ALERT_PARAMS = new Set(["sort", "expand", "page", "size"]);
  const NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9 _.\\-]{0,79}";
  const CHANNEL_LABELS = {
    email: "Email",
    webhook: "Webhook",
    wecom: "WeCom 企业微信",
    dingtalk: "DingTalk 钉钉",
    feishu: "Feishu 飞书",
  };

  // ---------------------------------------------------------------- small helpers

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function field(labelText, input, hint) {
    const label = el("label", "alert-field");
    label.appendChild(el("span", "alert-field-label", labelText));
    label.appendChild(input);
    if (hint) label.appendChild(el("span", "alert-field-hint", hint));
    return label;
  }

  function input(name, type, value, attrs) {
    const node = el("input");
    node.name = name;
    node.type = type || "text";
    if (value !== undefined && value !== null) node.value = String(value);
    for (const [key, val] of Object.entries(attrs || {})) node.setAttribute(key, val);
    return node;
  }

  // ---------------------------------------------------------------- token

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || "";
  }

  function saveToken(value, remember) {
    signOut();
    (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, value);
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(TOKEN_KEY);
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, message, problems) {
      super(message);
      this.status = status;
      this.problems = problems || [];
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json", Authorization: "Bearer " + token() };
    const options = { method, headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    if (response.status === 204) return null;
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (!response.ok) {
      const detail = data && data.detail;
      if (Array.isArray(detail)) {
        const text = detail.map((p) => (p.loc || []).slice(1).join(".") + ": " + p.msg).join("; ");
        throw new ApiError(response.status, text, detail);
      }
      throw new ApiError(response.status, typeof detail === "string" ? detail : "HTTP " + response.status);
    }
    return data;
  }

  function alertPath(name, suffix) {
    return "api/alerts/" + encodeURIComponent(name) + (suffix || "");
  }

  // ---------------------------------------------------------------- search -> alert

  // The alert's query text and conditions from a search's query string; ``ignored`` names the
  // parameters an alert does not keep (the publication dates).
  function alertFromParams(query) {
    const params = new URLSearchParams(query || "");
    const conditions = {};
    const ignored = [];
    let q = "";
    for (const [name, value] of params) {
      if (name === "q") q = value;
      else if (LIST_PARAMS[name]) (conditions[LIST_PARAMS[name]] = conditions[LIST_PARAMS[name]] || []).push(value);
      else if (SCALAR_PARAMS[name]) conditions[SCALAR_PARAMS[name]] = name.endsWith("amount") ? Number(value) : value;
      else if (FLAG_PARAMS[name]) conditions[FLAG_PARAMS[name]] = value === "true";
      else if (!NOT_ALERT_PARAMS.has(name)) ignored.push(name);
    }
    return { q, conditions, ignored };
  }

  // "q: 算力券 · provinces: Guangdong · min amount: 1000000 CNY · subsidies only"
  function describe(q, conditions) {
    const parts = [];
    if (q) parts.push("text: " + q);
    for (const [key, value] of Object.entries(conditions || {})) {
      if (value === null || value === undefined || value === false || key === "currency") continue;
      if (Array.isArray(value) && !value.length) continue;
      const label = key.replace(/_/g, " ");
      if (value === true) parts.push(label);
      else if (key.endsWith("amount")) parts.push(label + ": " + value + " " + ((conditions.currency || "CNY")));
      else parts.push(label + ": " + (Array.isArray(value) ? value.join(", ") : value));
    }
    return parts.length ? parts.join(" · ") : "everything new";
  }

  function scheduleText(alert) {
    if (alert.every === "instant") return "instant";
    if (alert.every === "daily" || alert.every === "weekly") {
      return alert.every + " at " + alert.at + " (" + alert.timezone + ")";
    }
    return "cron " + alert.every + " (" + alert.timezone + ")";
  }

  // ---------------------------------------------------------------- forms

  // The sign-in form; ``onSignedIn`` runs once the token is accepted by /api/alerts.
  function signInForm(onSignedIn) {
    const form = el("form", "alert-signin");
    form.setAttribute("aria-label", "Sign in");
    form.appendChild(el("p", "alert-note", "Sign in with your API token to make and manage alerts."));
    const tokenInput = input("token", "password", "", { autocomplete: "off", required: "", id: "alert-token" });
    form.appendChild(field("API token", tokenInput));
    const remember = input("remember", "checkbox", undefined, { id: "alert-remember" });
    const rememberLabel = el("label", "alert-check");
    rememberLabel.appendChild(remember);
    rememberLabel.appendChild(document.createTextNode(" Remember on this device"));
    form.appendChild(rememberLabel);
    const error = el("p", "alert-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    form.appendChild(error);
    const submit = el("button", "alert-primary", "Sign in");
    submit.type = "submit";
    submit.id = "alert-signin-button";
    form.appendChild(submit);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      saveToken(tokenInput.value.trim(), remember.checked);
      tokenInput.value = "";
      let me = null;
      try {
        me = await api("GET", "api/me"); // answers 200 with user null for a wrong token
      } catch (problem) {
        signOut();
        error.textContent = "Could not sign in: " + problem.message;
        error.hidden = false;
        return;
      }
      if (!me || !me.user) {
        signOut();
        error.textContent = "That token is not valid.";
        error.hidden = false;
        return;
      }
      onSignedIn(me.user);
    });
    return form;
  }

  // The form of an alert: name, schedule, channels. ``initial`` is the alert being edited (its name
  // cannot change), or the query and conditions of a new one. ``onSaved(answer)`` runs after saving.
  function alertForm(initial, onSaved, onCancel) {
    const editing = Boolean(initial.name);
    const form = el("form", "alert-form");
    form.setAttribute("aria-label", editing ? "Edit alert " + initial.name : "New alert");
    form.appendChild(el("p", "alert-conditions", "Alert on: " + describe(initial.q, initial.conditions)));
    if (initial.ignored && initial.ignored.length) {
      form.appendChild(el("p", "alert-note", "Not part of an alert: " + initial.ignored.join(", ") + "."));
    }
    const name = input("name", "text", initial.name || "", {
      required: "",
      pattern: NAME_PATTERN,
      maxlength: "80",
      title: "Letters, digits, spaces, dots, dashes and underscores",
    });
    if (editing) name.readOnly = true;
    form.appendChild(field("Name", name, "Letters, digits, spaces, . _ -"));

    const every = el("select");
    every.name = "every";
    for (const value of ["instant", "daily", "weekly"]) {
      const option = el("option", null, value[0].toUpperCase() + value.slice(1));
      option.value = value;
      every.appendChild(option);
    }
    const current = initial.every || "daily";
    if (!["instant", "daily", "weekly"].includes(current)) {
      const option = el("option", null, "cron " + current);
      option.value = current;
      every.appendChild(option);
    }
    every.value = current;
    form.appendChild(field("Schedule", every));
    form.appendChild(field("At", input("at", "time", initial.at || "08:00", { required: "" })));
    form.appendChild(field("Time zone", input("timezone", "text", initial.timezone || "Asia/Shanghai", { required: "" })));

    const channels = el("fieldset", "alert-channels");
    channels.appendChild(el("legend", null, "Deliver to (one or more)"));
    channels.appendChild(field("Email", input("email", "text", (initial.email || []).join(", "), { placeholder: "you@example.com, …" })));
    channels.appendChild(field("Webhook URL", input("webhook_url", "url", initial.webhook_url || "")));
    channels.appendChild(field("WeCom robot URL", input("wecom_url", "url", initial.wecom_url || "", { placeholder: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…" })));
    channels.appendChild(field("DingTalk robot URL", input("dingtalk_url", "url", initial.dingtalk_url || "", { placeholder: "https://oapi.dingtalk.com/robot/send?access_token=…" })));
    const signed = (flag) => (flag ? "set; leave empty to keep it" : "if the robot signs");
    channels.appendChild(field("DingTalk signing secret", input("dingtalk_secret", "password", "", { autocomplete: "off" }), signed(initial.dingtalk_signed)));
    channels.appendChild(field("Feishu robot URL", input("feishu_url", "url", initial.feishu_url || "", { placeholder: "https://open.feishu.cn/open-apis/bot/v2/hook/…" })));
    channels.appendChild(field("Feishu signing secret", input("feishu_secret", "password", "", { autocomplete: "off" }), signed(initial.feishu_signed)));
    form.appendChild(channels);

    const error = el("p", "alert-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    form.appendChild(error);
    const actions = el("p", "alert-actions");
    const submit = el("button", "alert-primary", editing ? "Save" : "Create alert");
    submit.type = "submit";
    actions.appendChild(submit);
    if (onCancel) {
      const cancel = el("button", "alert-secondary", "Cancel");
      cancel.type = "button";
      cancel.addEventListener("click", onCancel);
      actions.appendChild(cancel);
    }
    form.appendChild(actions);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      const value = (key) => form.elements[key].value.trim();
      const body = {
        name: value("name"),
        q: initial.q || "",
        conditions: initial.conditions || {},
        every: value("every"),
        at: value("at"),
        timezone: value("timezone"),
        email: value("email") ? value("email").split(/[,\s]+/).filter(Boolean) : [],
        webhook_url: value("webhook_url") || null,
        wecom_url: value("wecom_url") || null,
        dingtalk_url: value("dingtalk_url") || null,
        dingtalk_secret: value("dingtalk_secret") || null,
        feishu_url: value("feishu_url") || null,
        feishu_secret: value("feishu_secret") || null,
        remind_days: initial.remind_days || null,
        on_change: Boolean(initial.on_change),
      };
      submit.disabled = true;
      try {
        const answer = editing
          ? await api("PUT", alertPath(initial.name), body)
          : await api("POST", "api/alerts", body);
        onSaved(answer);
      } catch (problem) {
        error.textContent = "Not saved: " + problem.message;
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }

  // What a saved alert says once: its backfilled matches, its webhook secret (shown only now).
  function savedNote(answer, linkToList) {
    const note = el("div", "alert-saved");
    note.setAttribute("role", "status");
    const caught = Number(answer.backfilled) || 0;
    note.appendChild(el("p", null, "Alert “" + answer.name + "” saved: " + caught + " match" + (caught === 1 ? "" : "es") + " from recent days."));
    if (answer.webhook_secret) {
      const secret = el("p", "alert-secret", "Webhook signing secret (shown once): ");
      secret.appendChild(el("code", null, answer.webhook_secret));
      note.appendChild(secret);
    }
    if (linkToList) {
      const link = el("a", "alert-link", "My alerts");
      link.href = "alerts";
      const line = el("p");
      line.appendChild(link);
      note.appendChild(line);
    }
    return note;
  }

  function ensureStyle() {
    if (document.querySelector('link[data-alerts-style]')) return;
    const link = el("link");
    link.rel = "stylesheet";
    link.href = "static/alerts.css";
    link.dataset.alertsStyle = "";
    document.head.appendChild(link);
  }

  window.PolicyRadarAlerts = {
    token,
    saveToken,
    signOut,
    api,
    alertPath,
    alertFromParams,
    describe,
    scheduleText,
    signInForm,
    alertForm,
    savedNote,
    el,
    CHANNEL_LABELS,
  };

  // ---------------------------------------------------------------- the search page's button

  function startAlertMe() {
    const slot = document.getElementById("alert-me-slot");
    if (!slot) return;
    ensureStyle();
    let latest = null; // the query string of the search on screen
    document.addEventListener("policyradar:results", (event) => {
      latest = event.detail && typeof event.detail.params === "string" ? event.detail.params : latest;
    });
    const currentParams = () => {
      if (latest !== null) return latest;
      return window.PolicyRadar && window.PolicyRadar.params ? window.PolicyRadar.params() : location.search.slice(1);
    };

    const button = el("button", "alert-me-button", "Alert me");
    button.type = "button";
    button.id = "alert-me";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "alert-me-panel");
    const panel = el("div", "alert-me-panel");
    panel.id = "alert-me-panel";
    panel.hidden = true;
    slot.replaceChildren(button, panel);

    const close = () => {
      panel.hidden = true;
      button.setAttribute("aria-expanded", "false");
    };
    const showForm = () => {
      const wanted = alertFromParams(currentParams());
      const form = alertForm(wanted, (answer) => panel.replaceChildren(savedNote(answer, true)), close);
      panel.replaceChildren(form);
      form.elements.name.focus();
    };
    button.addEventListener("click", () => {
      if (!panel.hidden) {
        close();
        return;
      }
      panel.hidden = false;
      button.setAttribute("aria-expanded", "true");
      if (token()) showForm();
      else panel.replaceChildren(signInForm(showForm));
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAlertMe);
  else startAlertMe();
})();
