// Custos console: every page is the same static shell; this script reads
// the path, asks the JSON API with the signed-in token and draws the
// page. Plain links between pages (no client-side router): the token
// lives in this tab's sessionStorage, so it survives navigation and is
// gone when the tab closes.
"use strict";

const TOKEN_KEY = "custos-token";
// Each page draws into a fresh element inside <main>, so the listeners a
// page adds go away with it when another page (or a reload) is drawn.
const mainEl = document.getElementById("main");
let main = mainEl;
function freshRoot() {
  const d = document.createElement("div");
  mainEl.replaceChildren(d);
  main = d;
  return d;
}
const token = () => sessionStorage.getItem(TOKEN_KEY);
const SEVERITIES = ["critical", "high", "medium", "low"];
const SEV_COLOR = { critical: "var(--critical)", high: "var(--high)", medium: "var(--medium)", low: "var(--low)" };

// ---- HTML built from templates that escape every value -------------------

const SAFE = Symbol("safe");
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const raw = (s) => ({ [SAFE]: s });
function part(v) {
  if (v === null || v === undefined || v === false) return "";
  if (Array.isArray(v)) return v.map(part).join("");
  if (typeof v === "object" && SAFE in v) return v[SAFE];
  return esc(v);
}
function h(strings, ...vals) {
  let out = strings[0];
  vals.forEach((v, i) => { out += part(v) + strings[i + 1]; });
  return raw(out);
}
function put(target, tpl) {
  const node = typeof target === "string" ? document.getElementById(target) : target;
  if (node) node.innerHTML = part(tpl);
  return node;
}

const enc = encodeURIComponent;
const fmtNum = (n, d = 1) => (typeof n === "number" ? (Number.isInteger(n) ? n.toLocaleString("en") : n.toFixed(d)) : String(n ?? ""));
const fmtTime = (t) => (t ? String(t).replace("T", " ").replace(/(\.\d+)?Z$/, " UTC") : "");
const sev = (s) => h`<span class="sev ${s}">${s}</span>`;
const empLink = (e) => (e ? h`<a href="/employees/${enc(e)}">${e}</a>` : "");
const sellerLink = (s) => h`<a href="/sellers/${enc(s)}">${s}</a>`;
const caseLink = (c) => h`<a href="/cases/${enc(c)}">${c}</a>`;
const alertLink = (a, text) => h`<a href="/alerts/${enc(a)}">${text ?? a}</a>`;
const emptyState = (text) => h`<p class="empty">${text}</p>`;

function toast(text) {
  const t = document.getElementById("toast");
  t.textContent = text;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.textContent = ""; }, 6000);
}

// ---- the API --------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message, path) {
    super(message);
    this.status = status;
    this.code = code;
    this.path = path;
  }
}

async function call(path, opts = {}) {
  const headers = { Authorization: "Bearer " + (token() || "") };
  const init = { method: opts.method || "GET", headers };
  if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(opts.body);
  }
  const r = await fetch(path, init);
  if (!r.ok) {
    const b = await r.json().catch(() => ({}));
    const err = b.error || {};
    if (r.status === 401 && !opts.noSignOut) {
      sessionStorage.removeItem(TOKEN_KEY);
      signIn(err.message || "Your session ended; sign in again.");
    }
    throw new ApiError(r.status, err.code || String(r.status), err.message || r.statusText, path);
  }
  return r;
}

async function api(path, opts) {
  const r = await call(path, opts);
  const type = r.headers.get("content-type") || "";
  return type.includes("json") ? r.json() : r.text();
}

/** Fetches with the token and saves the answer as a file (a plain link
 * cannot carry the Authorization header). */
async function download(path, fallbackName) {
  const r = await call(path);
  const cd = r.headers.get("content-disposition") || "";
  const m = /filename="?([^";]+)"?/.exec(cd);
  const name = m ? m[1] : fallbackName;
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  toast(`Downloaded ${name}`);
}

/** How a failed section explains itself: a role problem, a route this
 * server does not offer, or the server's own message. */
function problem(e) {
  if (!(e instanceof ApiError)) return h`<p class="error">${String(e && e.message ? e.message : e)}</p>`;
  if (e.status === 403) return h`<p class="empty">Not for this token's role: ${e.message}.</p>`;
  if (e.status === 404 && e.code === "not_found" && /no route|not found$/i.test(e.message))
    return h`<p class="empty">This server does not offer <code>${e.path.split("?")[0]}</code>.</p>`;
  return h`<p class="error">${e.message}</p>`;
}

/** Draws a section from an async loader; shows a clear state on failure. */
async function section(id, load) {
  const node = document.getElementById(id);
  if (!node) return;
  try {
    const out = await load(node);
    if (out !== undefined) put(node, out);
  } catch (e) {
    put(node, problem(e));
  }
}

// Forms: one handler that disables the button while the request runs and
// reports the server's message next to the form.
function onSubmit(id, handler) {
  const form = document.getElementById(id);
  if (!form) return;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = form.querySelector("button[type=submit]");
    const out = form.querySelector(".form-result");
    if (button) button.disabled = true;
    if (out) put(out, "");
    try {
      await handler(new FormData(form), form);
    } catch (e) {
      if (out) put(out, problem(e)); else toast(e.message);
    } finally {
      if (button) button.disabled = false;
    }
  });
}

function onClick(root, selector, handler) {
  root.addEventListener("click", async (ev) => {
    const b = ev.target.closest(selector);
    if (!b || !root.contains(b)) return;
    ev.preventDefault();
    b.disabled = true;
    try { await handler(b); } catch (e) { toast(e.message); } finally { b.disabled = false; }
  });
}

// ---- shared data shapes ------------------------------------------------------

async function loadAlerts(query) {
  const q = new URLSearchParams({ limit: "5000" });
  for (const [k, v] of Object.entries(query || {})) if (v) q.set(k, v);
  return api("/v1/alerts?" + q.toString());
}

async function loadAlert(id) {
  try {
    return await api(`/v1/alerts/${enc(id)}`);
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 405)) throw e;
  }
  // Older servers have no single-alert route: look it up in the list.
  const all = await loadAlerts();
  const a = all.find((x) => x.id === id);
  if (!a) throw new ApiError(404, "not_found", `no alert \`${id}\``, "/v1/alerts");
  return a;
}

function isAcked(a) {
  return Boolean(a.acknowledged || a.ack || a.acked);
}

/** Daily points for the activity chart from an employee profile
 * (`activity.daily`: `{day, customers, peer_median, peer_p90}`). The own
 * baseline is the median of the 14 days before each day: causal, like the
 * detectors, so a burst does not raise its own baseline. */
function activityPoints(profile) {
  const daily = (profile.activity && profile.activity.daily) || [];
  const values = daily.map((d) => Number(d.customers ?? d.value ?? 0));
  return daily.map((d, i) => {
    const prior = values.slice(Math.max(0, i - 14), i).sort((a, b) => a - b);
    const baseline = prior.length >= 3 ? prior[Math.floor((prior.length - 1) / 2)] : undefined;
    const hi = typeof d.peer_p90 === "number" ? d.peer_p90 : undefined;
    return {
      day: d.day, value: values[i],
      lo: hi === undefined ? undefined : 0, median: d.peer_median, hi, baseline,
      flag: hi !== undefined && values[i] > hi && values[i] > (baseline ?? 0),
    };
  });
}

function activityCard(profile) {
  const pts = activityPoints(profile);
  if (!pts.length) return emptyState("No daily activity recorded for this employee.");
  const div = document.createElement("div");
  div.className = "chart";
  div.id = "activity-chart";
  const peers = profile.activity.peer_group;
  Chart.activity(div, pts, { label: "Distinct customers disclosed per day", unit: "customers", bandLabel: "peers up to the 90th percentile" });
  const note = peers ? h`<p class="muted">Peers: ${fmtNum(peers.employees)} employees with role ${peers.role || "unknown"}. Own baseline: median of the 14 days before. Red points are above both.</p>` : "";
  return h`${raw(div.outerHTML)}${note}`;
}

// Lays out an alert's `explain` object: numbers formatted, nested
// objects as nested lists, arrays of records as small tables.
function explainView(x, depth = 0) {
  if (x === null || x === undefined) return h`<span class="muted">none</span>`;
  if (typeof x === "number") return h`<span class="mono">${fmtNum(x, Math.abs(x) < 1 ? 4 : 2)}</span>`;
  if (typeof x !== "object") return h`${String(x)}`;
  if (Array.isArray(x)) {
    if (!x.length) return h`<span class="muted">none</span>`;
    if (x.every((v) => v === null || typeof v !== "object")) return h`${x.map((v, i) => h`${i ? ", " : ""}${explainView(v, depth + 1)}`)}`;
    if (x.every((v) => v && typeof v === "object" && !Array.isArray(v))) {
      const cols = [...new Set(x.flatMap((v) => Object.keys(v)))];
      return h`<div class="table-wrap"><table><thead><tr>${cols.map((c) => h`<th>${c.replace(/_/g, " ")}</th>`)}</tr></thead><tbody>${x.slice(0, 50).map((r) => h`<tr>${cols.map((c) => h`<td>${explainView(r[c], depth + 1)}</td>`)}</tr>`)}</tbody></table></div>`;
    }
  }
  const entries = Object.entries(x);
  if (!entries.length) return h`<span class="muted">none</span>`;
  return h`<dl class="kv">${entries.map(([k, v]) => h`<dt>${k.replace(/_/g, " ")}</dt><dd>${explainView(v, depth + 1)}</dd>`)}</dl>`;
}

// ---- pages ---------------------------------------------------------------------

function signIn(message) {
  freshRoot();
  document.getElementById("signout").hidden = true;
  document.title = "Sign in · Custos";
  put(main, h`<div class="card signin">
    <h1>Sign in</h1>
    <p>Paste an API token. <code>custos serve --demo</code> prints an admin token; others come from
       <code>custos token create --role analyst|investigator|dpo|admin</code>.</p>
    <form id="signin-form" class="stack">
      <label>Token <input id="token" name="token" type="password" autocomplete="off" placeholder="cst_…" required autofocus></label>
      <div><button type="submit">Sign in</button></div>
      <div class="form-result">${message ? h`<p class="error">${message}</p>` : ""}</div>
    </form></div>`);
  onSubmit("signin-form", async (data) => {
    const t = String(data.get("token") || "").trim();
    sessionStorage.setItem(TOKEN_KEY, t);
    try {
      await call("/v1/ledger/checkpoint", { noSignOut: true });
    } catch (e) {
      // A role that may not read the ledger (ingest) can still use the
      // approvals queue: only an unknown or expired token is refused here.
      if (e instanceof ApiError && e.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        throw e;
      }
    }
    route();
  });
  document.getElementById("token").focus();
}

async function overview() {
  put(main, h`<h1>Overview</h1>
  <div class="grid">
    <section class="card span-8" aria-labelledby="sev-h"><h2 id="sev-h">Alerts by severity, per day</h2><div id="sev-chart" class="chart"><p class="empty">Loading…</p></div></section>
    <section class="card span-4" aria-labelledby="ledger-h"><h2 id="ledger-h">Ledger</h2><div id="ledger-status"><p class="empty">Loading…</p></div></section>
    <section class="card span-4" aria-labelledby="risk-h"><h2 id="risk-h">Top-risk employees</h2><div id="top-risk"><p class="empty">Loading…</p></div></section>
    <section class="card span-4" aria-labelledby="cases-h"><h2 id="cases-h">Open cases</h2><div id="open-cases"><p class="empty">Loading…</p></div></section>
    <section class="card span-4" aria-labelledby="appr-h"><h2 id="appr-h">Approvals waiting</h2><div id="approvals-waiting"><p class="empty">Loading…</p></div></section>
  </div>`);
  const alerts = loadAlerts();
  await Promise.all([
    section("sev-chart", async (node) => {
      const list = await alerts;
      if (!list.length) return emptyState("No alerts yet: nothing suspicious has been detected.");
      const byDay = new Map();
      for (const a of list) {
        const d = String(a.time).slice(0, 10);
        if (!byDay.has(d)) byDay.set(d, { critical: 0, high: 0, medium: 0, low: 0 });
        byDay.get(d)[a.severity] = (byDay.get(d)[a.severity] || 0) + 1;
      }
      // Every day between the first and last alert, so gaps show as gaps.
      const sorted = [...byDay.keys()].sort();
      const days = [];
      for (let t = Date.parse(sorted[0]); t <= Date.parse(sorted[sorted.length - 1]); t += 86400000) days.push(new Date(t).toISOString().slice(0, 10));
      const shown = days.slice(-90);
      const counts = Object.fromEntries(SEVERITIES.map((s) => [s, list.filter((a) => a.severity === s).length]));
      Chart.stackedBars(node, shown, SEVERITIES.map((s) => ({ key: s, label: s, color: SEV_COLOR[s], values: shown.map((d) => (byDay.get(d) || {})[s] || 0) })), "Alerts raised per day by severity");
      const stats = document.createElement("div");
      stats.className = "stats";
      stats.innerHTML = part(h`${SEVERITIES.map((s) => h`<div class="stat"><b>${counts[s]}</b>${sev(s)}</div>`)}<div class="stat"><b>${list.filter((a) => !isAcked(a)).length}</b><span>not acknowledged</span></div><div class="stat"><a class="button secondary" href="/alerts">Open the alert queue</a></div>`);
      node.prepend(stats);
      return undefined;
    }),
    section("ledger-status", async () => ledgerSummary(await api("/v1/ledger/checkpoint"))),
    section("top-risk", async () => {
      let rows = (await api("/v1/risk?limit=10")).slice(0, 10);
      let caption = "";
      if (!rows.length) {
        // Risk decays with event time; when none is left, the employees
        // behind the strongest alerts are still the ones to look at.
        const best = new Map();
        for (const a of await alerts) if (!best.has(a.employee) || best.get(a.employee).score < a.score) best.set(a.employee, { employee: a.employee, score: a.score, reasons: [a.summary] });
        rows = [...best.values()].sort((a, b) => b.score - a.score).slice(0, 10);
        if (!rows.length) return emptyState("No employee carries risk, and there are no alerts.");
        caption = "No current risk score (it decays with time); ranked by each employee's strongest alert.";
      }
      return h`${caption ? h`<p class="muted">${caption}</p>` : ""}<table><thead><tr><th>Employee</th><th class="num">Score</th><th>Top reason</th></tr></thead><tbody>${rows.map((r) => h`<tr><td>${empLink(r.employee)}</td><td class="num">${fmtNum(r.score)}</td><td>${(r.reasons || [])[0] || ""}</td></tr>`)}</tbody></table>`;
    }),
    section("open-cases", async () => {
      const cases = (await api("/v1/cases")).filter((c) => c.status !== "closed");
      if (!cases.length) return h`${emptyState("No open cases.")}<p><a href="/alerts">Open one from an alert</a></p>`;
      return h`<table><thead><tr><th>Case</th><th>Status</th><th>Assignee</th></tr></thead><tbody>${cases.slice(0, 8).map((c) => h`<tr><td>${caseLink(c.id)}<div class="muted">${c.title || ""}</div></td><td><span class="pill">${c.status}</span></td><td>${c.assignee || h`<span class="muted">nobody</span>`}</td></tr>`)}</tbody></table><p><a href="/cases">All ${cases.length} open cases</a></p>`;
    }),
    section("approvals-waiting", async () => {
      const list = (await api("/v1/approvals")).filter((a) => a.status === "pending");
      if (!list.length) return emptyState("No approvals waiting.");
      return h`<div class="stats"><div class="stat"><b>${list.length}</b><span>waiting for a second person</span></div></div><ul>${list.slice(0, 5).map((a) => h`<li><span class="mono">${a.action}</span> on ${a.target} for ${a.requester}</li>`)}</ul><p><a href="/approvals">Decide them</a></p>`;
    }),
  ]);
}

function parseNote(note) {
  const lines = String(note).split("\n");
  const rootB64 = lines[2] || "";
  let rootHex = "";
  try { rootHex = [...atob(rootB64)].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join(""); } catch (_) { rootHex = ""; }
  return { origin: lines[0], size: Number(lines[1]), rootB64, rootHex, text: note };
}

function ledgerSummary(note) {
  const cp = parseNote(note);
  return h`<dl class="kv"><dt>Entries</dt><dd><b>${fmtNum(cp.size)}</b></dd>
    <dt>Root hash</dt><dd class="mono">${cp.rootHex.slice(0, 16)}…</dd>
    <dt>Log</dt><dd class="mono">${cp.origin}</dd>
    <dt>Checkpoint read</dt><dd>${fmtTime(new Date().toISOString())}</dd></dl>
    <p><a href="/ledger">Verify an event</a></p>`;
}

// The alert queue: filters live in the URL, so a filtered queue can be
// bookmarked and the back button works.
async function alertQueue() {
  const params = new URLSearchParams(location.search);
  const state = {
    severity: params.get("severity") || "", detector: params.get("detector") || "", employee: params.get("employee") || "",
    status: params.get("status") || "open", sort: params.get("sort") || "severity", dir: params.get("dir") || "desc", shown: 200,
  };
  put(main, h`<h1>Alert queue <small id="queue-count"></small></h1>
  <div class="card">
    <form id="queue-filter" class="toolbar" role="search">
      <label>Severity <select name="severity"><option value="">any</option>${SEVERITIES.map((s) => h`<option ${state.severity === s ? "selected" : ""}>${s}</option>`)}</select></label>
      <label>Detector <select name="detector" id="detector-select"><option value="">any</option></select></label>
      <label>Employee <input name="employee" value="${state.employee}" placeholder="emp-… or pseudonym"></label>
      <label>Show <select name="status"><option value="open" ${state.status === "open" ? "selected" : ""}>not acknowledged</option><option value="all" ${state.status === "all" ? "selected" : ""}>all</option></select></label>
      <button type="submit">Filter</button>
    </form>
  </div>
  <div class="card" style="margin-top:1rem"><div id="queue" class="table-wrap"><p class="empty">Loading…</p></div></div>`);
  let all;
  try {
    all = await loadAlerts({ employee: state.employee });
  } catch (e) {
    put("queue", problem(e));
    return;
  }
  const detectors = [...new Set(all.map((a) => a.detector))].sort();
  put("detector-select", h`<option value="">any</option>${detectors.map((d) => h`<option ${state.detector === d ? "selected" : ""}>${d}</option>`)}`);
  const order = { critical: 4, high: 3, medium: 2, low: 1 };
  const keys = {
    severity: (a) => order[a.severity] * 1000 + a.score, score: (a) => a.score, time: (a) => a.time,
    employee: (a) => a.employee, detector: (a) => a.detector, customers: (a) => a.customers || 0,
  };
  const draw = () => {
    const rows = all.filter((a) => (!state.severity || a.severity === state.severity) && (!state.detector || a.detector === state.detector) && (state.status === "all" || !isAcked(a)));
    const key = keys[state.sort] || keys.severity;
    rows.sort((a, b) => { const x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : 0) * (state.dir === "asc" ? 1 : -1); });
    put("queue-count", `${rows.length} of ${all.length}`);
    if (!rows.length) {
      put("queue", all.length ? emptyState("No alert matches these filters.") : emptyState("No alerts yet: nothing suspicious has been detected."));
      return;
    }
    const th = (k, label, cls) => h`<th class="${cls || ""}" aria-sort="${state.sort === k ? (state.dir === "asc" ? "ascending" : "descending") : "none"}"><button type="button" class="sort" data-sort="${k}" ${state.sort === k ? raw(`data-dir="${state.dir}"`) : ""}>${label}</button></th>`;
    put("queue", h`<table id="alert-table"><thead><tr>${th("severity", "Severity")}${th("score", "Score", "num")}${th("time", "Raised")}${th("employee", "Employee")}${th("detector", "Detector")}${th("customers", "Customers", "num")}<th>Summary</th><th>Actions</th></tr></thead>
      <tbody>${rows.slice(0, state.shown).map((a) => h`<tr data-alert="${a.id}">
        <td>${sev(a.severity)}</td><td class="num">${fmtNum(a.score)}</td><td>${fmtTime(a.time)}</td><td>${empLink(a.employee)}</td>
        <td class="mono">${a.detector}</td><td class="num">${a.customers ?? ""}</td><td>${alertLink(a.id, a.summary)}</td>
        <td><div class="toolbar">${isAcked(a) ? h`<span class="pill ok">acknowledged</span>` : h`<button type="button" class="secondary" data-ack="${a.id}">Acknowledge</button>`}<button type="button" class="secondary" data-case="${a.id}">Open case</button></div></td></tr>`)}</tbody></table>
      ${rows.length > state.shown ? h`<p><button type="button" class="secondary" id="more">Show ${Math.min(200, rows.length - state.shown)} more</button></p>` : ""}`);
  };
  const sync = () => {
    const q = new URLSearchParams();
    for (const k of ["severity", "detector", "employee", "sort", "dir"]) if (state[k]) q.set(k, state[k]);
    if (state.status !== "open") q.set("status", state.status);
    history.replaceState(null, "", "/alerts" + (q.toString() ? "?" + q : ""));
  };
  draw();
  const queue = document.getElementById("queue");
  queue.addEventListener("click", (ev) => {
    const b = ev.target.closest("button.sort");
    if (b) {
      const k = b.dataset.sort;
      state.dir = state.sort === k && state.dir === "desc" ? "asc" : "desc";
      state.sort = k;
      sync(); draw();
      const again = queue.querySelector(`button.sort[data-sort="${k}"]`);
      if (again) again.focus();
    }
    if (ev.target.id === "more") { state.shown += 200; draw(); }
  });
  onClick(queue, "button[data-ack]", async (b) => {
    await ackAlert(b.dataset.ack);
    const a = all.find((x) => x.id === b.dataset.ack);
    if (a) a.acknowledged = true;
    draw();
  });
  onClick(queue, "button[data-case]", async (b) => openCaseFrom(all.find((x) => x.id === b.dataset.case)));
  const form = document.getElementById("queue-filter");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const d = new FormData(form);
    const refetch = (d.get("employee") || "") !== state.employee;
    for (const k of ["severity", "detector", "employee", "status"]) state[k] = String(d.get(k) || "");
    sync();
    if (refetch) route(); else draw();
  });
  form.addEventListener("change", (ev) => { if (ev.target.tagName === "SELECT") form.requestSubmit(); });
}

async function ackAlert(id) {
  await api(`/v1/alerts/${enc(id)}/ack`, { method: "POST", body: {} });
  toast(`Alert ${id} acknowledged`);
}

async function openCaseFrom(alert) {
  if (!alert) return;
  const c = await api("/v1/cases", { method: "POST", body: { alerts: [alert.id], employees: [alert.employee], title: `${alert.detector}: ${alert.summary}`.slice(0, 200) } });
  const id = c.id || (c.case && c.case.id);
  location.href = `/cases/${enc(id)}`;
}

async function alertPage(id) {
  put(main, h`<p class="empty">Loading alert…</p>`);
  let a;
  try { a = await loadAlert(id); } catch (e) { put(main, h`<h1>Alert</h1>${problem(e)}`); return; }
  document.title = `${a.severity} ${a.detector} · Custos`;
  put(main, h`<h1>${sev(a.severity)} ${a.detector.replace(/_/g, " ")} <small>score ${fmtNum(a.score)} · ${a.id}</small></h1>
  <div class="grid">
    <section class="card span-7" aria-labelledby="what-h"><h2 id="what-h">What happened</h2>
      <p>${a.summary}</p>
      <dl class="kv"><dt>Employee</dt><dd>${empLink(a.employee)}</dd><dt>Raised</dt><dd>${fmtTime(a.time)}</dd>
        <dt>Sellers</dt><dd>${(a.sellers || []).length ? (a.sellers || []).map((s, i) => h`${i ? ", " : ""}${sellerLink(s)}`) : h`<span class="muted">none</span>`}</dd>
        <dt>Customers</dt><dd>${a.customers ?? 0}</dd><dt>Evidence</dt><dd>${(a.evidence || []).length} events</dd>
        <dt>State</dt><dd id="ack-state">${isAcked(a) ? h`<span class="pill ok">acknowledged</span>` : h`<span class="pill warn">not acknowledged</span>`}</dd></dl>
      <div class="toolbar" style="margin-top:.8rem">${isAcked(a) ? "" : h`<button type="button" id="ack">Acknowledge</button>`}<button type="button" id="open-case">Open a case</button>
        <a class="button secondary" href="/scope?employee=${enc(a.employee)}">Breach scope of ${a.employee}</a></div>
    </section>
    <section class="card span-5" aria-labelledby="explain-h"><h2 id="explain-h">Why: the numbers</h2><div id="explain">${explainView(a.explain)}</div></section>
    <section class="card span-7" aria-labelledby="chart-h"><h2 id="chart-h">${a.employee}: daily activity against baseline and peers</h2><div id="activity"><p class="empty">Loading…</p></div></section>
    <section class="card span-5" aria-labelledby="ev-h"><h2 id="ev-h">Evidence timeline</h2><div id="evidence"><p class="empty">Loading…</p></div></section>
  </div>`);
  const ack = document.getElementById("ack");
  if (ack) ack.addEventListener("click", async () => {
    ack.disabled = true;
    try { await ackAlert(a.id); put("ack-state", h`<span class="pill ok">acknowledged</span>`); ack.remove(); } catch (e) { toast(e.message); ack.disabled = false; }
  });
  const open = document.getElementById("open-case");
  open.addEventListener("click", async () => { open.disabled = true; try { await openCaseFrom(a); } catch (e) { toast(e.message); open.disabled = false; } });
  await Promise.all([
    section("activity", async () => activityCard(await api(`/v1/employees/${enc(a.employee)}`))),
    section("evidence", async () => evidenceTimeline(a.evidence || [])),
  ]);
}

// Evidence events in ledger order, each with its position in the ledger
// and an inclusion proof checked here in the browser. Only the first few
// are looked up (each lookup is itself recorded in the ledger).
async function evidenceTimeline(ids) {
  if (!ids.length) return emptyState("This alert names no evidence events.");
  const first = ids.slice(0, 12);
  const rows = await Promise.all(first.map(async (id) => {
    try {
      const p = await api(`/v1/ledger/proof?event=${enc(id)}`);
      const ok = await verifyProof(p).catch(() => false);
      return { id, index: p.index, ok };
    } catch (e) {
      return { id, error: e.message };
    }
  }));
  rows.sort((x, y) => (x.index ?? Infinity) - (y.index ?? Infinity));
  return h`<ol class="timeline">${rows.map((r) => h`<li><span class="mono">${r.id}</span>
      ${r.error ? h`<span class="error">${r.error}</span>` : h`<span class="muted">ledger entry ${fmtNum(r.index)}</span> ${r.ok ? h`<span class="pill ok">proof verified</span>` : h`<span class="pill bad">proof failed</span>`}`}
      <a href="/ledger?event=${enc(r.id)}">details</a></li>`)}</ol>
    ${ids.length > first.length ? h`<p class="muted">${ids.length - first.length} more evidence events; the case's breach scope lists them all.</p>` : ""}`;
}

async function employeePage(id) {
  put(main, h`<h1>Employee <span class="mono">${id}</span></h1><div id="emp"><p class="empty">Loading…</p></div>`);
  await section("emp", async (node) => {
    const p = await api(`/v1/employees/${enc(id)}`);
    const risk = p.risk || {};
    const score = risk.score;
    const reasons = risk.reasons || [];
    const alerts = p.alerts || [];
    const sellers = p.sellers || [];
    put(node, h`<div class="grid">
      <section class="card span-4"><h2>Profile</h2><dl class="kv">
        <dt>Id</dt><dd class="mono">${p.employee}</dd>
        ${p.pseudonym && p.pseudonym !== p.employee ? h`<dt>Pseudonym</dt><dd class="mono">${p.pseudonym}</dd>` : ""}
        ${["role", "team", "site", "status"].filter((k) => p[k] !== undefined && p[k] !== null).map((k) => h`<dt>${k[0].toUpperCase() + k.slice(1)}</dt><dd>${String(p[k])}</dd>`)}
        ${p.hired ? h`<dt>Hired</dt><dd>${fmtTime(p.hired).slice(0, 10)}</dd>` : ""}${p.left ? h`<dt>Left</dt><dd>${fmtTime(p.left).slice(0, 10)}</dd>` : ""}
        <dt>Customers seen</dt><dd>${fmtNum(p.customers_disclosed ?? 0)}</dd>
        <dt>Risk score</dt><dd><b>${score !== undefined ? fmtNum(score) : "none"}</b></dd></dl>
        ${reasons.length ? h`<h3>Reasons</h3><ul>${reasons.map((r) => h`<li>${typeof r === "string" ? r : r.summary || JSON.stringify(r)}</li>`)}</ul>` : ""}
        <div class="toolbar"><a class="button secondary" href="/scope?employee=${enc(id)}">Breach scope</a><a class="button secondary" href="/alerts?employee=${enc(id)}&status=all">Alerts</a></div></section>
      <section class="card span-8"><h2>Distinct customers disclosed per day</h2><div id="activity"></div></section>
      <section class="card span-7"><h2>Alerts</h2>${alerts.length ? h`<table><thead><tr><th>Severity</th><th class="num">Score</th><th>Raised</th><th>Summary</th></tr></thead><tbody>${alerts.map((a) => h`<tr><td>${sev(a.severity)}</td><td class="num">${fmtNum(a.score)}</td><td>${fmtTime(a.time)}</td><td>${alertLink(a.id, a.summary || a.detector)}</td></tr>`)}</tbody></table>` : emptyState("No alerts on this employee.")}</section>
      <section class="card span-5"><h2>Sellers whose customers they saw</h2>${sellers.length ? h`<table><thead><tr><th>Seller</th><th class="num">Its customers seen</th><th class="num">Events naming it</th></tr></thead><tbody>${sellers.slice(0, 20).map((s) => h`<tr><td>${sellerLink(s.seller)}</td><td class="num">${fmtNum(s.customers ?? 0)}</td><td class="num">${fmtNum(s.events ?? 0)}</td></tr>`)}</tbody></table>` : emptyState("No seller-related accesses.")}</section>
    </div>`);
    put("activity", activityCard(p));
    return undefined;
  });
}

async function sellerPage(id) {
  put(main, h`<h1>Seller <span class="mono">${id}</span></h1><div class="card"><p class="muted">Employees whose activity benefits this seller: disclosures of its customers, deletions of reviews about it, reactivations.</p><div id="seller" class="table-wrap"><p class="empty">Loading…</p></div></div>`);
  await section("seller", async () => {
    const s = await api(`/v1/sellers/${enc(id)}`);
    const rows = s.employees || [];
    const facts = h`<dl class="kv" style="margin-bottom:.8rem"><dt>Account</dt><dd>${s.status || h`<span class="muted">unknown</span>`}</dd><dt>Its customers</dt><dd>${fmtNum(s.customers ?? 0)}${s.customers_examined < s.customers ? h` <span class="muted">(first ${fmtNum(s.customers_examined)} examined)</span>` : ""}</dd></dl>`;
    if (!rows.length) return h`${facts}${emptyState("No employee activity benefits this seller.")}`;
    const cols = [["customers", "its customers seen"], ["disclosures", "disclosures"], ["review_deletions", "reviews deleted"], ["negative_review_deletions", "of them negative"], ["reactivations", "reactivations"]];
    return h`${facts}<table><thead><tr><th>Employee</th>${cols.map(([, l]) => h`<th class="num">${l}</th>`)}</tr></thead><tbody>${rows.slice(0, 200).map((r) => h`<tr><td>${empLink(r.employee)}</td>${cols.map(([k]) => h`<td class="num">${r[k] ? h`<b>${fmtNum(r[k])}</b>` : h`<span class="muted">0</span>`}</td>`)}</tr>`)}</tbody></table>
      ${rows.length > 200 ? h`<p class="muted">First 200 of ${fmtNum(rows.length)} employees, most benefit first.</p>` : ""}`;
  });
}

async function casesPage() {
  put(main, h`<h1>Cases</h1>
  <div class="grid">
    <section class="card span-8"><h2>All cases</h2><div id="cases" class="table-wrap"><p class="empty">Loading…</p></div></section>
    <section class="card span-4"><h2>Open a case</h2>
      <form id="new-case" class="stack">
        <label>Title <input name="title" required maxlength="200"></label>
        <label>Employees (comma separated) <input name="employees" placeholder="emp-…"></label>
        <label>Alerts (comma separated) <input name="alerts" placeholder="alr-…"></label>
        <div><button type="submit">Open case</button></div><div class="form-result"></div>
      </form></section>
  </div>`);
  onSubmit("new-case", async (d) => {
    const list = (k) => String(d.get(k) || "").split(",").map((s) => s.trim()).filter(Boolean);
    const c = await api("/v1/cases", { method: "POST", body: { title: d.get("title"), employees: list("employees"), alerts: list("alerts") } });
    location.href = `/cases/${enc(c.id || (c.case && c.case.id))}`;
  });
  await section("cases", async () => {
    const cases = await api("/v1/cases");
    if (!cases.length) return emptyState("No cases yet. Open one here or from an alert.");
    cases.sort((a, b) => String(b.opened).localeCompare(String(a.opened)));
    return h`<table><thead><tr><th>Case</th><th>Title</th><th>Status</th><th>Assignee</th><th>Employees</th><th class="num">Alerts</th><th>Opened</th></tr></thead><tbody>${cases.map((c) => h`<tr>
      <td>${caseLink(c.id)}</td><td>${c.title || ""}</td><td><span class="pill">${c.status}</span>${c.outcome ? h` <span class="muted">${c.outcome}</span>` : ""}</td>
      <td>${c.assignee || h`<span class="muted">nobody</span>`}</td><td>${(c.employees || []).map((e, i) => h`${i ? ", " : ""}${empLink(e)}`)}</td><td class="num">${(c.alerts || []).length}</td><td>${fmtTime(c.opened)}</td></tr>`)}</tbody></table>`;
  });
}

const NEXT_STATUS = { open: ["investigating"], investigating: ["confirmed", "dismissed"], confirmed: ["closed"], dismissed: ["closed"], closed: [] };
const OUTCOMES = ["access_revoked", "reassigned", "dismissed", "referred_to_law_enforcement", "no_action"];

async function casePage(id) {
  put(main, h`<p class="empty">Loading case…</p>`);
  let c;
  try { c = await api(`/v1/cases/${enc(id)}`); } catch (e) { put(main, h`<h1>Case ${id}</h1>${problem(e)}`); return; }
  document.title = `${c.id} · Custos`;
  const next = NEXT_STATUS[c.status] || [];
  const scope = c.scope;
  put(main, h`<h1>${c.title || "Case"} <small>${c.id} · <span class="pill">${c.status}</span>${c.outcome ? h` · ${c.outcome}` : ""}</small></h1>
  <div class="grid">
    <section class="card span-4"><h2>Case</h2><dl class="kv">
      <dt>Opened</dt><dd>${fmtTime(c.opened)} by ${c.opened_by}</dd><dt>Assignee</dt><dd>${c.assignee || h`<span class="muted">nobody</span>`}</dd>
      <dt>Employees</dt><dd>${(c.employees || []).length ? c.employees.map((e, i) => h`${i ? ", " : ""}${empLink(e)}`) : h`<span class="muted">none</span>`}</dd>
      <dt>Alerts</dt><dd>${(c.alerts || []).length ? c.alerts.map((a, i) => h`${i ? ", " : ""}${alertLink(a)}`) : h`<span class="muted">none</span>`}</dd>
      <dt>Aware since</dt><dd>${c.aware_at ? fmtTime(c.aware_at) : h`<span class="muted">not yet (set when confirmed)</span>`}</dd>
      ${c.closed ? h`<dt>Closed</dt><dd>${fmtTime(c.closed)}</dd>` : ""}</dl>
      <h3>Workflow</h3>
      ${next.length ? h`<form id="status-form" class="inline"><label>Move to <select name="status">${next.map((s) => h`<option>${s}</option>`)}</select></label>
        ${next.includes("closed") ? h`<label>Outcome <select name="outcome">${OUTCOMES.map((o) => h`<option>${o}</option>`)}</select></label>` : ""}
        <button type="submit">Update</button><div class="form-result"></div></form>` : emptyState("This case is closed.")}
      <form id="assign-form" class="inline" style="margin-top:.6rem"><label>Assign to <input name="to" required value="${c.assignee || ""}"></label><button type="submit" class="secondary">Assign</button><div class="form-result"></div></form>
      ${(c.employees || []).some((e) => e.startsWith("emp~")) ? h`<form id="reveal-form" class="inline" style="margin-top:.6rem"><label>Reveal a pseudonym <select name="pseudonym">${c.employees.filter((e) => e.startsWith("emp~")).map((e) => h`<option>${e}</option>`)}</select></label><button type="submit" class="secondary">Reveal</button><div class="form-result"></div></form>` : ""}
      ${(c.revealed || []).length ? h`<h3>Revealed in this case</h3><ul>${c.revealed.map((r) => h`<li><span class="mono">${r.pseudonym}</span> is ${empLink(r.employee)}</li>`)}</ul>` : ""}
    </section>
    <section class="card span-8"><h2>Breach scope</h2>
      <p class="muted">${scope ? h`Disclosures by ${(scope.employees || []).join(", ")} from ${scope.from ? fmtTime(scope.from) : "the start"} to ${scope.to ? fmtTime(scope.to) : "now"}.` : "No scope attached yet; attach one to draw the notification report from it."}</p>
      <form id="scope-form" class="inline"><label>Employees <input name="employees" required value="${(scope ? scope.employees : c.employees || []).join(",")}"></label>
        <label>From <input name="from" type="date" value="${scope && scope.from ? String(scope.from).slice(0, 10) : ""}"></label>
        <label>To <input name="to" type="date" value="${scope && scope.to ? String(scope.to).slice(0, 10) : ""}"></label>
        <button type="submit">${scope ? "Replace scope" : "Attach scope"}</button><div class="form-result"></div></form>
      <div id="case-scope" style="margin-top:.8rem">${scope ? h`<p class="empty">Loading…</p>` : ""}</div>
      <h3>Downloads</h3><div class="toolbar">
        <button type="button" class="secondary" data-dl="/v1/cases/${enc(c.id)}/report?format=md" data-name="${c.id}-breach-report.md">Report (Markdown)</button>
        <button type="button" class="secondary" data-dl="/v1/cases/${enc(c.id)}/report?format=html" data-name="${c.id}-breach-report.html">Report (HTML)</button>
        <button type="button" class="secondary" data-dl="/v1/cases/${enc(c.id)}/report?format=pdf" data-name="${c.id}-breach-report.pdf">Report (PDF)</button>
        ${scope ? h`<button type="button" class="secondary" data-dl="/v1/cases/${enc(c.id)}/scope?format=csv" data-name="${c.id}-scope.csv">Scope CSV</button>
        <button type="button" class="secondary" data-dl="/v1/cases/${enc(c.id)}/scope?format=json" data-name="${c.id}-scope.json">Scope JSON</button>
        <button type="button" class="secondary" data-dl="/v1/cases/${enc(c.id)}/scope?format=bundle" data-name="${c.id}-proof-bundle.json">Proof bundle</button>` : ""}</div>
    </section>
    <section class="card span-6"><h2>Notes</h2>
      ${(c.notes || []).length ? h`<ol class="timeline">${c.notes.map((n) => h`<li><div class="muted">${fmtTime(n.time)} · ${n.by}</div><div>${n.text}</div></li>`)}</ol>` : emptyState("No notes yet.")}
      <form id="note-form" class="stack" style="margin-top:.6rem"><label>Add a note <textarea name="text" required maxlength="8000"></textarea></label><div><button type="submit">Add note</button></div><div class="form-result"></div></form>
    </section>
    <section class="card span-6"><h2>Evidence</h2>
      ${(c.evidence || []).length ? h`<ul>${c.evidence.map((e) => h`<li><span class="mono">${e}</span> <a href="/ledger?event=${enc(e)}">proof</a></li>`)}</ul>` : emptyState("No events attached.")}
      <form id="evidence-form" class="inline"><label>Attach a ledger event <input name="event" required placeholder="event id"></label><button type="submit" class="secondary">Attach</button><div class="form-result"></div></form>
      <h3>History (every step is a ledger event)</h3>
      <ol class="timeline">${(c.history || []).map((s) => h`<li><div class="muted">${fmtTime(s.time)} · ${s.by}${s.index !== null && s.index !== undefined ? h` · entry ${fmtNum(s.index)}` : ""}</div><div><span class="mono">${s.action}</span> ${s.summary}</div></li>`)}</ol>
    </section>
  </div>`);
  const post = (path, body) => api(`/v1/cases/${enc(c.id)}/${path}`, { method: "POST", body });
  const reload = () => route();
  onSubmit("status-form", async (d) => {
    const body = { to: d.get("status") };
    if (body.status === "closed") body.outcome = d.get("outcome");
    await post("status", body); reload();
  });
  onSubmit("assign-form", async (d) => { await post("assign", { to: d.get("to") }); reload(); });
  onSubmit("note-form", async (d) => { await post("notes", { text: d.get("text") }); reload(); });
  onSubmit("evidence-form", async (d) => { await post("evidence", { event: d.get("event") }); reload(); });
  onSubmit("scope-form", async (d) => {
    const body = { employees: String(d.get("employees")).split(",").map((s) => s.trim()).filter(Boolean) };
    if (d.get("from")) body.from = d.get("from") + "T00:00:00Z";
    if (d.get("to")) body.to = d.get("to") + "T00:00:00Z";
    await post("evidence", { scope: body }); reload();
  });
  onSubmit("reveal-form", async (d, form) => {
    const r = await post("reveal", { pseudonym: String(d.get("pseudonym")).trim() });
    toast(`${r.pseudonym} is ${r.employee}; the reveal is recorded in the case`);
    reload();
  });
  onClick(main, "button[data-dl]", (b) => download(b.dataset.dl, b.dataset.name));
  if (scope) await section("case-scope", async () => scopeResult(await api(`/v1/cases/${enc(c.id)}/scope`)));
}

/** Totals and the first records of a breach scope answer. */
function scopeResult(s) {
  const records = s.records || (Array.isArray(s) ? s : []);
  const t = s.totals || { customers: records.length, accesses: records.reduce((x, r) => x + (r.accesses || 0), 0) };
  if (!records.length) return emptyState("No customer records were disclosed to these employees in this window.");
  return h`<div class="stats"><div class="stat"><b>${fmtNum(t.customers)}</b><span>customers affected</span></div><div class="stat"><b>${fmtNum(t.accesses)}</b><span>accesses</span></div>
      ${(t.by_field || []).slice(0, 6).map((f) => h`<div class="stat"><b>${fmtNum(f.customers)}</b><span>${f.field}</span></div>`)}</div>
    <div class="table-wrap"><table id="scope-table"><thead><tr><th>Customer</th><th>Fields</th><th>First</th><th>Last</th><th class="num">Accesses</th><th>Purposes</th></tr></thead><tbody>
    ${records.slice(0, 200).map((r) => h`<tr><td class="mono">${r.customer}</td><td>${(r.fields || []).join(", ")}</td><td>${fmtTime(r.first)}</td><td>${fmtTime(r.last)}</td><td class="num">${r.accesses}</td><td>${(r.purposes || []).slice(0, 3).join("; ")}</td></tr>`)}
    </tbody></table></div>${records.length > 200 ? h`<p class="muted">First 200 of ${fmtNum(records.length)} customers; the downloads hold them all.</p>` : ""}`;
}

async function scopePage() {
  const params = new URLSearchParams(location.search);
  const employee = params.get("employee") || "", from = params.get("from") || "", to = params.get("to") || "";
  put(main, h`<h1>Breach scope</h1>
  <div class="card"><p class="muted">Every customer whose records an employee was shown in a window, with the data categories, times, purposes and the ledger events that prove it.</p>
    <form id="scope-query" class="inline"><label>Employee <input name="employee" required value="${employee}" placeholder="emp-…"></label>
      <label>From <input name="from" type="date" value="${from}"></label><label>To <input name="to" type="date" value="${to}"></label>
      <button type="submit">Run scope</button></form></div>
  <div class="card" style="margin-top:1rem"><div id="scope-out">${employee ? h`<p class="empty">Loading…</p>` : emptyState("Name an employee to run a scope.")}</div></div>`);
  const form = document.getElementById("scope-query");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) q.set(k, String(v));
    history.pushState(null, "", "/scope?" + q);
    route();
  });
  if (!employee) return;
  const q = new URLSearchParams({ employee });
  if (from) q.set("from", from + "T00:00:00Z");
  if (to) q.set("to", to + "T00:00:00Z");
  await section("scope-out", async () => {
    const s = await api("/v1/scope?" + q);
    const base = "/v1/scope?" + q;
    return h`<div class="toolbar" style="margin-bottom:.8rem">
        <button type="button" class="secondary" data-dl="${base}&format=csv" data-name="scope-${employee}.csv">Download CSV</button>
        <button type="button" class="secondary" data-dl="${base}&format=json" data-name="scope-${employee}.json">Download JSON</button>
        <button type="button" class="secondary" data-dl="${base}&format=bundle" data-name="scope-${employee}-proof-bundle.json">Download proof bundle</button></div>${scopeResult(s)}`;
  });
  onClick(main, "button[data-dl]", (b) => download(b.dataset.dl, b.dataset.name));
}

// ---- ledger: inclusion proofs checked in the browser (RFC 6962) ----------------

const hexToBytes = (hex) => new Uint8Array((hex.match(/../g) || []).map((b) => parseInt(b, 16)));
const bytesToHex = (b) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

// SHA-256 in script: crypto.subtle exists only in secure contexts, and a
// console reached over plain http on a LAN address is not one.
function sha256(data) {
  const K = new Uint32Array([0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  const H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const len = data.length, padded = new Uint8Array(((len + 9 + 63) >> 6) << 6);
  padded.set(data); padded[len] = 0x80;
  const dv = new DataView(padded.buffer);
  dv.setUint32(padded.length - 8, Math.floor(len / 0x20000000)); dv.setUint32(padded.length - 4, (len << 3) >>> 0);
  const W = new Uint32Array(64), rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) W[i] = dv.getUint32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(W[i - 15], 7) ^ rotr(W[i - 15], 18) ^ (W[i - 15] >>> 3), s1 = rotr(W[i - 2], 17) ^ rotr(W[i - 2], 19) ^ (W[i - 2] >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = H;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + W[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += hh;
  }
  const out = new Uint8Array(32), ov = new DataView(out.buffer);
  H.forEach((v, i) => ov.setUint32(4 * i, v));
  return out;
}

function nodeHash(l, r) {
  const buf = new Uint8Array(65);
  buf[0] = 1; buf.set(l, 1); buf.set(r, 33);
  return sha256(buf);
}

/** RFC 9162 §2.1.3.2: recomputes the root from a leaf hash and its audit
 * path, and compares it with the root in the proof's signed checkpoint. */
async function verifyProof(p) {
  let fn = p.index, sn = p.tree_size - 1;
  if (fn > sn) return false;
  let r = hexToBytes(p.leaf_hash);
  for (const hex of p.proof) {
    const sib = hexToBytes(hex);
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(sib, r);
      while (fn % 2 === 0 && fn !== 0) { fn >>= 1; sn >>= 1; }
    } else {
      r = nodeHash(r, sib);
    }
    fn >>= 1; sn >>= 1;
  }
  const cp = parseNote(p.checkpoint);
  return sn === 0 && cp.size === p.tree_size && bytesToHex(r) === cp.rootHex;
}

async function ledgerPage() {
  const ev = new URLSearchParams(location.search).get("event") || "";
  put(main, h`<h1>Ledger</h1><div class="grid">
    <section class="card span-5"><h2>Latest signed checkpoint</h2><div id="cp"><p class="empty">Loading…</p></div></section>
    <section class="card span-7"><h2>Verify that an event is in the ledger</h2>
      <form id="proof-form" class="inline"><label>Event id <input name="event" required value="${ev}" placeholder="event id"></label><button type="submit">Verify in the browser</button></form>
      <div id="proof-out" style="margin-top:.8rem">${ev ? "" : emptyState("The server sends an inclusion proof; this page recomputes the Merkle root from it and compares it with the signed checkpoint.")}</div></section></div>`);
  const form = document.getElementById("proof-form");
  const check = async (id) => section("proof-out", async () => {
    const p = await api(`/v1/ledger/proof?event=${enc(id)}`);
    const ok = await verifyProof(p);
    return h`<p id="proof-verdict" class="${ok ? "ok" : "error"}"><b>${ok ? "Verified" : "Not verified"}</b>: event <span class="mono">${p.event_id}</span> is entry ${fmtNum(p.index)} of ${fmtNum(p.tree_size)}; ${ok ? "its audit path leads to the root of the signed checkpoint." : "its audit path does not lead to the checkpoint's root."}</p>
      <dl class="kv"><dt>Leaf hash</dt><dd class="mono">${p.leaf_hash}</dd><dt>Audit path</dt><dd class="mono">${p.proof.length} hashes</dd></dl>
      <p class="muted">The checkpoint's signature is checked against the log's public key by <code>custos verify</code> or any C2SP note verifier.</p>`;
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const id = String(new FormData(form).get("event")).trim();
    history.replaceState(null, "", "/ledger?event=" + enc(id));
    check(id);
  });
  await Promise.all([
    section("cp", async () => {
      const cp = parseNote(await api("/v1/ledger/checkpoint"));
      return h`<dl class="kv"><dt>Log</dt><dd class="mono">${cp.origin}</dd><dt>Entries</dt><dd><b>${fmtNum(cp.size)}</b></dd><dt>Root hash</dt><dd class="mono">${cp.rootHex}</dd><dt>Read at</dt><dd>${fmtTime(new Date().toISOString())}</dd></dl><h3>Signed note</h3><pre>${cp.text}</pre>`;
    }),
    ev ? check(ev) : null,
  ]);
}

async function approvalsPage() {
  put(main, h`<h1>Guard approvals</h1><div class="card"><p class="muted">Actions the guard held for a second person (four eyes). Approve or deny on behalf of an employee who may approve; the guard checks that they may.</p>
    <form id="approver-form" class="inline"><label>Approver (employee id) <input id="approver" required placeholder="emp-…"></label><label>Reason <input id="approve-reason" placeholder="why"></label></form>
    <div id="approvals" class="table-wrap" style="margin-top:.8rem"><p class="empty">Loading…</p></div></div>`);
  document.getElementById("approver-form").addEventListener("submit", (e) => e.preventDefault());
  const draw = async () => section("approvals", async () => {
    const list = await api("/v1/approvals");
    if (!list.length) return emptyState("No approvals waiting.");
    return h`<table><thead><tr><th>Request</th><th>Requester</th><th>Action</th><th>Target</th><th>Created</th><th>Expires</th><th>Status</th><th>Decide</th></tr></thead><tbody>${list.map((a) => h`<tr>
      <td class="mono">${a.id}</td><td>${empLink(a.requester)}</td><td class="mono">${a.action}</td><td class="mono">${a.target}</td><td>${fmtTime(a.created)}</td><td>${fmtTime(a.expires)}</td><td><span class="pill">${a.status}</span></td>
      <td>${a.status === "pending" ? h`<div class="toolbar"><button type="button" data-settle="grant" data-id="${a.id}">Approve</button><button type="button" class="secondary" data-settle="deny" data-id="${a.id}">Deny</button></div>` : ""}</td></tr>`)}</tbody></table>`;
  });
  onClick(main, "button[data-settle]", async (b) => {
    const approver = document.getElementById("approver");
    if (!approver.value.trim()) { approver.focus(); toast("Name the approving employee first."); return; }
    const r = await api(`/v1/approvals/${enc(b.dataset.id)}/${b.dataset.settle}`, { method: "POST", body: { approver: { type: "employee", id: approver.value.trim() }, reason: document.getElementById("approve-reason").value || null } });
    toast(`${r.id}: ${r.status}`);
    await draw();
  });
  await draw();
}

// ---- routing -------------------------------------------------------------------

const PAGES = [
  [/^\/$/, overview, "/"],
  [/^\/alerts$/, alertQueue, "/alerts"],
  [/^\/alerts\/([^/]+)$/, alertPage, "/alerts"],
  [/^\/employees\/([^/]+)$/, employeePage, null],
  [/^\/sellers\/([^/]+)$/, sellerPage, null],
  [/^\/cases$/, casesPage, "/cases"],
  [/^\/cases\/([^/]+)$/, casePage, "/cases"],
  [/^\/scope$/, scopePage, "/scope"],
  [/^\/ledger$/, ledgerPage, "/ledger"],
  [/^\/approvals$/, approvalsPage, "/approvals"],
];

async function route() {
  if (!token()) { signIn(); return; }
  document.getElementById("signout").hidden = false;
  const path = location.pathname.replace(/\/+$/, "") || "/";
  for (const [re, page, nav] of PAGES) {
    const m = re.exec(path);
    if (!m) continue;
    for (const a of document.querySelectorAll("#nav a")) {
      if (a.getAttribute("href") === nav) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
    const title = (nav || path).replace(/^\//, "") || "overview";
    document.title = `${title[0].toUpperCase()}${title.slice(1)} · Custos`;
    freshRoot();
    await page(...m.slice(1).map(decodeURIComponent));
    return;
  }
  freshRoot();
  put(main, h`<h1>Not found</h1><p>The console has no page <code>${path}</code>. <a href="/">Overview</a></p>`);
}

document.getElementById("signout").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  location.href = "/";
});
window.addEventListener("popstate", route);
route();
