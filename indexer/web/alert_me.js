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
  // The strings of "Alert me" and "My alerts" (alerts.js), in English and Chinese (i18n.js).
  const STRINGS = {
    en: {
      "alerts.button": "Alert me",
      "alerts.channel.email": "Email",
      "alerts.channel.webhook": "Webhook",
      "alerts.channel.wecom": "WeCom 企业微信",
      "alerts.channel.dingtalk": "DingTalk 钉钉",
      "alerts.channel.feishu": "Feishu 飞书",
      "alerts.text": "text: {q}",
      "alerts.everything": "everything new",
      "alerts.schedule.instant": "instant",
      "alerts.schedule.daily": "daily at {at} ({timezone})",
      "alerts.schedule.weekly": "weekly at {at} ({timezone})",
      "alerts.schedule.cron": "cron {every} ({timezone})",
      "alerts.every.instant": "Instant",
      "alerts.every.daily": "Daily",
      "alerts.every.weekly": "Weekly",
      "alerts.signin": "Sign in",
      "alerts.signin.note": "Sign in with your API token to make and manage alerts.",
      "alerts.signin.token": "API token",
      "alerts.signin.remember": "Remember on this device",
      "alerts.signin.failed": "Could not sign in: {reason}",
      "alerts.signin.invalid": "That token is not valid.",
      "alerts.form.new": "New alert",
      "alerts.form.edit": "Edit alert {name}",
      "alerts.form.on": "Alert on: {what}",
      "alerts.form.ignored": "Not part of an alert: {names}.",
      "alerts.form.name": "Name",
      "alerts.form.name.title": "Letters, digits, spaces, dots, dashes and underscores",
      "alerts.form.name.hint": "Letters, digits, spaces, . _ -",
      "alerts.form.schedule": "Schedule",
      "alerts.form.at": "At",
      "alerts.form.timezone": "Time zone",
      "alerts.form.deliver": "Deliver to (one or more)",
      "alerts.form.email": "Email",
      "alerts.form.webhook": "Webhook URL",
      "alerts.form.wecom": "WeCom robot URL",
      "alerts.form.dingtalk": "DingTalk robot URL",
      "alerts.form.dingtalk_secret": "DingTalk signing secret",
      "alerts.form.feishu": "Feishu robot URL",
      "alerts.form.feishu_secret": "Feishu signing secret",
      "alerts.form.secret_set": "set; leave empty to keep it",
      "alerts.form.secret_unset": "if the robot signs",
      "alerts.form.save": "Save",
      "alerts.form.create": "Create alert",
      "alerts.form.cancel": "Cancel",
      "alerts.form.not_saved": "Not saved: {reason}",
      "alerts.saved.one": "Alert “{name}” saved: {count} match from recent days.",
      "alerts.saved.many": "Alert “{name}” saved: {count} matches from recent days.",
      "alerts.saved.secret": "Webhook signing secret (shown once): ",
      "alerts.my_alerts": "My alerts",
    },
    zh: {
      "alerts.button": "订阅提醒",
      "alerts.channel.email": "邮件",
      "alerts.channel.webhook": "Webhook",
      "alerts.channel.wecom": "企业微信",
      "alerts.channel.dingtalk": "钉钉",
      "alerts.channel.feishu": "飞书",
      "alerts.text": "关键词：{q}",
      "alerts.everything": "所有新公告",
      "alerts.schedule.instant": "即时",
      "alerts.schedule.daily": "每天 {at}（{timezone}）",
      "alerts.schedule.weekly": "每周 {at}（{timezone}）",
      "alerts.schedule.cron": "cron {every}（{timezone}）",
      "alerts.every.instant": "即时",
      "alerts.every.daily": "每天",
      "alerts.every.weekly": "每周",
      "alerts.signin": "登录",
      "alerts.signin.note": "使用 API 令牌登录，即可创建和管理提醒。",
      "alerts.signin.token": "API 令牌",
      "alerts.signin.remember": "在此设备上记住",
      "alerts.signin.failed": "无法登录：{reason}",
      "alerts.signin.invalid": "该令牌无效。",
      "alerts.form.new": "新建提醒",
      "alerts.form.edit": "编辑提醒 {name}",
      "alerts.form.on": "提醒条件：{what}",
      "alerts.form.ignored": "不属于提醒条件：{names}。",
      "alerts.form.name": "名称",
      "alerts.form.name.title": "字母、数字、空格、点、连字符和下划线",
      "alerts.form.name.hint": "字母、数字、空格、. _ -",
      "alerts.form.schedule": "发送频率",
      "alerts.form.at": "时间",
      "alerts.form.timezone": "时区",
      "alerts.form.deliver": "发送到（一个或多个）",
      "alerts.form.email": "邮件",
      "alerts.form.webhook": "Webhook 地址",
      "alerts.form.wecom": "企业微信机器人地址",
      "alerts.form.dingtalk": "钉钉机器人地址",
      "alerts.form.dingtalk_secret": "钉钉加签密钥",
      "alerts.form.feishu": "飞书机器人地址",
      "alerts.form.feishu_secret": "飞书签名密钥",
      "alerts.form.secret_set": "已设置；留空则保留",
      "alerts.form.secret_unset": "机器人启用签名时填写",
      "alerts.form.save": "保存",
      "alerts.form.create": "创建提醒",
      "alerts.form.cancel": "取消",
      "alerts.form.not_saved": "未保存：{reason}",
      "alerts.saved.one": "提醒“{name}”已保存：近几天有 {count} 条匹配。",
      "alerts.saved.many": "提醒“{name}”已保存：近几天有 {count} 条匹配。",
      "alerts.saved.secret": "Webhook 签名密钥（仅显示一次）：",
      "alerts.my_alerts": "我的提醒",
    },
  };
  // The conditions' names (alert fields); English is the field name with spaces.
  const CONDITIONS_ZH = {
    places: "地区",
    provinces: "省份",
    companies: "企业",
    topics: "主题",
    sources: "来源",
    languages: "语言",
    doc_types: "文件类型",
    issuers: "发文机关",
    min_amount: "最低金额",
    max_amount: "最高金额",
    deadline_from: "截止日期自",
    deadline_to: "截止日期至",
    subsidy_only: "仅补贴",
    open_only: "正在申报",
  };
  for (const [key, text] of Object.entries(CONDITIONS_ZH)) {
    STRINGS.en["alerts.condition." + key] = key.replace(/_/g, " ");
    STRINGS.zh["alerts.condition." + key] = text;
  }
  const I18N = window.PolicyRadarI18n;
  if (I18N) I18N.register(STRINGS);

  // The text of ``key`` in the page's language (English when i18n.js is not on the page).
  function t(key, vars) {
    if (I18N) return I18N.t(key, vars);
    const text = Object.prototype.hasOwnProperty.call(STRINGS.en, key) ? STRINGS.en[key] : key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (vars && name in vars ? String(vars[name]) : whole));
  }

  function channelLabel(channel) {
    return CHANNEL_LABELS[channel] ? t("alerts.channel." + channel) : channel;
  }

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
    if (q) parts.push(t("alerts.text", { q }));
    for (const [key, value] of Object.entries(conditions || {})) {
      if (value === null || value === undefined || value === false || key === "currency") continue;
      if (Array.isArray(value) && !value.length) continue;
      const label = CONDITIONS_ZH[key] ? t("alerts.condition." + key) : key.replace(/_/g, " ");
      if (value === true) parts.push(label);
      else if (key.endsWith("amount")) parts.push(label + ": " + value + " " + ((conditions.currency || "CNY")));
      else parts.push(label + ": " + (Array.isArray(value) ? value.join(", ") : value));
    }
    return parts.length ? parts.join(" · ") : t("alerts.everything");
  }

  function scheduleText(alert) {
    if (alert.every === "instant") return t("alerts.schedule.instant");
    if (alert.every === "daily" || alert.every === "weekly") {
      return t("alerts.schedule." + alert.every, { at: alert.at, timezone: alert.timezone });
    }
    return t("alerts.schedule.cron", { every: alert.every, timezone: alert.timezone });
  }

  // ---------------------------------------------------------------- forms

  // The sign-in form; ``onSignedIn`` runs once the token is accepted by /api/alerts.
  function signInForm(onSignedIn) {
    const form = el("form", "alert-signin");
    form.setAttribute("aria-label", t("alerts.signin"));
    form.appendChild(el("p", "alert-note", t("alerts.signin.note")));
    const tokenInput = input("token", "password", "", { autocomplete: "off", required: "", id: "alert-token" });
    form.appendChild(field(t("alerts.signin.token"), tokenInput));
    const remember = input("remember", "checkbox", undefined, { id: "alert-remember" });
    const rememberLabel = el("label", "alert-check");
    rememberLabel.appendChild(remember);
    rememberLabel.appendChild(document.createTextNode(" " + t("alerts.signin.remember")));
    form.appendChild(rememberLabel);
    const error = el("p", "alert-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    form.appendChild(error);
    const submit = el("button", "alert-primary", t("alerts.signin"));
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
        error.textContent = t("alerts.signin.failed", { reason: problem.message });
        error.hidden = false;
        return;
      }
      if (!me || !me.user) {
        signOut();
        error.textContent = t("alerts.signin.invalid");
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
    form.setAttribute("aria-label", editing ? t("alerts.form.edit", { name: initial.name }) : t("alerts.form.new"));
    form.appendChild(el("p", "alert-conditions", t("alerts.form.on", { what: describe(initial.q, initial.conditions) })));
    if (initial.ignored && initial.ignored.length) {
      form.appendChild(el("p", "alert-note", t("alerts.form.ignored", { names: initial.ignored.join(", ") })));
    }
    const name = input("name", "text", initial.name || "", {
      required: "",
      pattern: NAME_PATTERN,
      maxlength: "80",
      title: t("alerts.form.name.title"),
    });
    if (editing) name.readOnly = true;
    form.appendChild(field(t("alerts.form.name"), name, t("alerts.form.name.hint")));

    const every = el("select");
    every.name = "every";
    for (const value of ["instant", "daily", "weekly"]) {
      const option = el("option", null, t("alerts.every." + value));
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
    form.appendChild(field(t("alerts.form.schedule"), every));
    form.appendChild(field(t("alerts.form.at"), input("at", "time", initial.at || "08:00", { required: "" })));
    form.appendChild(field(t("alerts.form.timezone"), input("timezone", "text", initial.timezone || "Asia/Shanghai", { required: "" })));

    const channels = el("fieldset", "alert-channels");
    channels.appendChild(el("legend", null, t("alerts.form.deliver")));
    channels.appendChild(field(t("alerts.form.email"), input("email", "text", (initial.email || []).join(", "), { placeholder: "you@example.com, …" })));
    channels.appendChild(field(t("alerts.form.webhook"), input("webhook_url", "url", initial.webhook_url || "")));
    channels.appendChild(field(t("alerts.form.wecom"), input("wecom_url", "url", initial.wecom_url || "", { placeholder: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…" })));
    channels.appendChild(field(t("alerts.form.dingtalk"), input("dingtalk_url", "url", initial.dingtalk_url || "", { placeholder: "https://oapi.dingtalk.com/robot/send?access_token=…" })));
    const signed = (flag) => t(flag ? "alerts.form.secret_set" : "alerts.form.secret_unset");
    channels.appendChild(field(t("alerts.form.dingtalk_secret"), input("dingtalk_secret", "password", "", { autocomplete: "off" }), signed(initial.dingtalk_signed)));
    channels.appendChild(field(t("alerts.form.feishu"), input("feishu_url", "url", initial.feishu_url || "", { placeholder: "https://open.feishu.cn/open-apis/bot/v2/hook/…" })));
    channels.appendChild(field(t("alerts.form.feishu_secret"), input("feishu_secret", "password", "", { autocomplete: "off" }), signed(initial.feishu_signed)));
    form.appendChild(channels);

    const error = el("p", "alert-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    form.appendChild(error);
    const actions = el("p", "alert-actions");
    const submit = el("button", "alert-primary", t(editing ? "alerts.form.save" : "alerts.form.create"));
    submit.type = "submit";
    actions.appendChild(submit);
    if (onCancel) {
      const cancel = el("button", "alert-secondary", t("alerts.form.cancel"));
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
        error.textContent = t("alerts.form.not_saved", { reason: problem.message });
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
    const saved = t(caught === 1 ? "alerts.saved.one" : "alerts.saved.many", { name: answer.name, count: caught });
    note.appendChild(el("p", null, saved));
    if (answer.webhook_secret) {
      const secret = el("p", "alert-secret", t("alerts.saved.secret"));
      secret.appendChild(el("code", null, answer.webhook_secret));
      note.appendChild(secret);
    }
    if (linkToList) {
      const link = el("a", "alert-link", t("alerts.my_alerts"));
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
    t,
    onLanguageChange: (fn) => I18N && I18N.onChange(fn),
    channelLabel,
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

    const button = el("button", "alert-me-button", t("alerts.button"));
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
    if (I18N) {
      I18N.onChange(() => {
        button.textContent = t("alerts.button");
        close(); // its form was in the other language: the next click draws it anew
      });
    }
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
