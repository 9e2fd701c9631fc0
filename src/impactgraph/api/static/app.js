// impactgraph's web page: find a component, see its neighbourhood, ask what a failure does and
// how to recover. Plain JavaScript, no framework and no third-party code; it talks only to the
// server that served it, with the session cookie and (on POST) the session's CSRF token.
// User text reaches the DOM through textContent only; pictures are the server's SVG, parsed as
// XML and cut down to SVG drawing elements before they are shown.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const XLINK_NS = "http://www.w3.org/1999/xlink";
const SVG_ELEMENTS = new Set([
  "svg", "g", "title", "desc", "a", "polygon", "polyline", "path", "ellipse", "circle",
  "rect", "line", "text", "tspan", "defs", "linearGradient", "radialGradient", "stop",
]);
const ROWS_SHOWN = 500; // longer tables are cut (the JSON download has everything)

const state = {
  csrf: "",
  pictures: {}, // kind -> the server's DiagramAnswer
  showing: null, // the kind on screen
  focus: null, // the component of the neighbourhood picture
  scenario: null, // {targets, at, duration, teams} of the last question
  impact: null, // POST /v1/impact answer
  plan: null, // POST /v1/recovery-plan answer
  explain: null, // {component, chain}
};

const $ = (id) => document.getElementById(id);

// ---- talking to the server -------------------------------------------------------------------

class Problem extends Error {}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (method !== "GET") {
    headers["X-CSRF-Token"] = state.csrf;
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
  }
  const response = await fetch(path, init);
  if (response.status === 401) {
    window.location.assign("/"); // signed out, or the key was revoked: the sign-in form
    throw new Problem("signed out");
  }
  const version = response.headers.get("Impactgraph-Model-Version");
  if (version !== null) $("version").textContent = "model version " + version;
  if (!response.ok) {
    let text = response.status + " " + response.statusText;
    try {
      const problem = await response.json();
      const items = (problem.errors || []).map((e) => e.message);
      text = [problem.detail || problem.title, ...items].filter(Boolean).join("; ");
    } catch (_) { /* not a problem document */ }
    throw new Problem(text);
  }
  return response;
}

const getJson = async (path) => (await call("GET", path)).json();
const postJson = async (path, body) => (await call("POST", path, body)).json();

function query(params) {
  const q = new URLSearchParams();
  for (const [name, value] of params) if (value !== "" && value !== null) q.append(name, value);
  return q.toString();
}

function status(text, error = false) {
  const line = $("status");
  line.textContent = text;
  line.classList.toggle("error", error);
}

async function busy(what, work) {
  status(what + "…");
  try {
    await work();
    status("");
  } catch (e) {
    if (!(e instanceof Problem && e.message === "signed out")) status(e.message, true);
  }
}

// ---- words -----------------------------------------------------------------------------------

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "∞";
  if (seconds === 0) return "0";
  const parts = [];
  let rest = seconds;
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]]) {
    const n = Math.floor(rest / size);
    if (n) parts.push(n + unit);
    rest -= n * size;
  }
  return parts.join("");
}
const moment = (s) => (s === null || s === undefined ? "∞" : "T+" + duration(s));
const money = (x) => new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }).format(x);
const orDash = (x) => (x === null || x === undefined ? "—" : String(x));

// ---- building the DOM (textContent only) ------------------------------------------------------

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function stateBadge(name) {
  return el("span", name, "state " + (name === "DOWN" ? "DOWN" : "DEGRADED"));
}

function linkButton(text, onClick) {
  const button = el("button", text, "link");
  button.type = "button";
  button.addEventListener("click", onClick);
  return button;
}

function fillTable(table, rows, more, makeRow) {
  const body = table.tBodies[0];
  body.replaceChildren(...rows.slice(0, ROWS_SHOWN).map(makeRow));
  if (more) {
    more.textContent = rows.length > ROWS_SHOWN
      ? `and ${rows.length - ROWS_SHOWN} more (download JSON for all)` : "";
  }
}

function row(...cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement("td");
    if (cell instanceof Node) td.append(cell);
    else td.textContent = orDash(cell);
    tr.append(td);
  }
  return tr;
}

// ---- the SVG, parsed and cut down ------------------------------------------------------------

function parseSvg(text, shown) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = doc.documentElement;
  if (doc.getElementsByTagName("parsererror").length > 0 || root.namespaceURI !== SVG_NS
      || root.localName !== "svg") {
    throw new Problem("the server's picture is not SVG");
  }
  const renamed = new Map();
  let count = 0;
  for (const node of [root, ...root.querySelectorAll("*")]) {
    if (node.namespaceURI !== SVG_NS || !SVG_ELEMENTS.has(node.localName)) {
      node.remove(); // a script, foreignObject or anything else that is not drawing
      continue;
    }
    for (const attr of [...node.attributes]) {
      const name = attr.localName.toLowerCase();
      const href = name === "href" && !attr.value.startsWith("#");
      if (name.startsWith("on") || name === "style" || href) node.removeAttributeNode(attr);
    }
    const id = node.getAttribute("id");
    if (id !== null) {
      // the component's id goes to data-id; the DOM id becomes ours, so that no component
      // id can clash with the page's own element ids
      if (node.localName === "g" && node.classList.contains("node") && shown.has(id)) {
        node.setAttribute("data-id", id);
      }
      count += 1;
      renamed.set(id, "ig-svg-" + count);
      node.setAttribute("id", "ig-svg-" + count);
    }
  }
  for (const node of root.querySelectorAll("*")) {
    for (const name of ["fill", "stroke", "clip-path"]) {
      const m = /^url\(#(.*)\)$/.exec(node.getAttribute(name) || "");
      if (m) node.setAttribute(name, renamed.has(m[1]) ? `url(#${renamed.get(m[1])})` : "none");
    }
    for (const ns of [null, XLINK_NS]) {
      const ref = node.getAttributeNS(ns, "href");
      if (ref && ref.startsWith("#")) {
        if (renamed.has(ref.slice(1))) node.setAttributeNS(ns, "href", "#" + renamed.get(ref.slice(1)));
        else node.removeAttributeNS(ns, "href");
      }
    }
  }
  return document.importNode(root, true);
}

// ---- pan and zoom: the viewBox moved by wheel, drag and keys ----------------------------------

class Viewer {
  constructor(box, onPick) {
    this.box = box;
    this.onPick = onPick;
    this.svg = null;
    this.home = null;
    this.view = null;
    this.drag = null;
    this.dragged = false;
    box.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    box.addEventListener("pointerdown", (e) => this.down(e));
    box.addEventListener("pointermove", (e) => this.move(e));
    box.addEventListener("pointerup", (e) => this.up(e));
    box.addEventListener("pointercancel", (e) => this.up(e));
    box.addEventListener("click", (e) => this.click(e));
    box.addEventListener("keydown", (e) => this.key(e));
  }

  show(svg) {
    const box = (svg.getAttribute("viewBox") || "").trim().split(/[\s,]+/).map(Number);
    this.home = box.length === 4 && box.every(Number.isFinite) ? box : [0, 0, 100, 100];
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    this.svg = svg;
    this.box.replaceChildren(svg);
    this.fit();
  }

  clear(text) {
    this.svg = null;
    this.box.replaceChildren(el("p", text, "empty"));
  }

  apply() {
    this.svg.setAttribute("viewBox", this.view.map((v) => v.toFixed(2)).join(" "));
  }

  fit() {
    if (!this.svg) return;
    this.view = this.home.slice();
    this.apply();
  }

  // SVG units per screen pixel (the picture is fitted into the box, centred)
  unit() {
    const r = this.svg.getBoundingClientRect();
    return Math.max(this.view[2] / Math.max(r.width, 1), this.view[3] / Math.max(r.height, 1));
  }

  toSvg(clientX, clientY) {
    const r = this.svg.getBoundingClientRect();
    const u = this.unit();
    const [x, y, w, h] = this.view;
    return [x + w / 2 + (clientX - r.left - r.width / 2) * u, y + h / 2 + (clientY - r.top - r.height / 2) * u];
  }

  zoom(factor, clientX, clientY) {
    if (!this.svg) return;
    const [x, y, w, h] = this.view;
    const f = Math.min(Math.max(factor, (this.home[2] / 40) / w), (this.home[2] * 4) / w);
    const [px, py] = clientX === undefined ? [x + w / 2, y + h / 2] : this.toSvg(clientX, clientY);
    this.view = [px - (px - x) * f, py - (py - y) * f, w * f, h * f];
    this.apply();
  }

  wheel(e) {
    if (!this.svg) return;
    e.preventDefault();
    const step = e.deltaMode === 1 ? e.deltaY * 30 : e.deltaY;
    this.zoom(Math.exp(Math.max(-1, Math.min(1, step * 0.002))), e.clientX, e.clientY);
  }

  down(e) {
    if (!this.svg || e.button !== 0) return;
    this.drag = { x: e.clientX, y: e.clientY, view: this.view.slice(), unit: this.unit(), id: e.pointerId };
    this.dragged = false;
  }

  move(e) {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!this.dragged && Math.hypot(dx, dy) < 4) return; // a click, so far
    if (!this.dragged) {
      this.dragged = true;
      this.box.setPointerCapture(e.pointerId);
      this.box.classList.add("dragging");
    }
    this.view = [d.view[0] - dx * d.unit, d.view[1] - dy * d.unit, d.view[2], d.view[3]];
    this.apply();
  }

  up(e) {
    if (!this.drag || this.drag.id !== e.pointerId) return;
    this.drag = null;
    this.box.classList.remove("dragging");
    if (this.box.hasPointerCapture(e.pointerId)) this.box.releasePointerCapture(e.pointerId);
  }

  click(e) {
    if (this.dragged) {
      this.dragged = false;
      return;
    }
    const node = e.target instanceof Element ? e.target.closest("[data-id]") : null;
    if (node && this.box.contains(node)) this.onPick(node.getAttribute("data-id"));
  }

  key(e) {
    if (e.key === "+" || e.key === "=") this.zoom(0.8);
    else if (e.key === "-") this.zoom(1.25);
    else if (e.key === "0") this.fit();
    else return;
    e.preventDefault();
  }
}

const viewer = new Viewer($("diagram"), (id) => pick(id));

// ---- pictures --------------------------------------------------------------------------------

const TITLES = {
  estate: () => "the estate",
  component: () => "around " + state.focus,
  impact: () => "the impact",
  timeline: () => "the impact's timeline",
  recovery: () => "the recovery plan",
};

async function loadPicture(kind, path) {
  const answer = await getJson(path);
  state.pictures[kind] = answer;
  return answer;
}

function showPicture(kind) {
  const answer = state.pictures[kind];
  if (!answer) return;
  state.showing = kind;
  for (const tab of $("tabs").querySelectorAll("button")) {
    const mine = tab.dataset.picture === kind;
    tab.setAttribute("aria-selected", String(mine));
    tab.disabled = !state.pictures[tab.dataset.picture];
  }
  viewer.show(parseSvg(answer.svg, new Set(answer.shown)));
  const notes = answer.notes.length ? " · " + answer.notes.join(" · ") : "";
  $("diagram-notes").textContent = `${TITLES[kind]()}: ${answer.shown.length} components drawn${notes}`;
  $("diagram").dataset.kind = kind;
}

function pick(id) {
  // in the neighbourhood or the estate: move there; in an answer: why is it hit
  if (state.showing === "component" || state.showing === "estate" || !state.scenario) {
    showComponent(id);
  } else {
    explain(id);
  }
}

function failParams() {
  return state.scenario ? state.scenario.specs.map((spec) => ["fail", spec]) : [];
}

function showComponent(id) {
  return busy("Drawing " + id, async () => {
    const depth = $("search-depth").value;
    const path = `/v1/diagrams/component/${encodeURIComponent(id)}?`
      + query([["format", "json"], ["depth", depth], ...failParams()]);
    await loadPicture("component", path);
    state.focus = id;
    showPicture("component");
  });
}

// ---- search ----------------------------------------------------------------------------------

function search(text) {
  return busy("Searching", async () => {
    const answer = await getJson("/v1/search?" + query([["q", text], ["limit", "50"]]));
    const list = $("search-results");
    list.replaceChildren(...answer.items.map((hit) => {
      const li = document.createElement("li");
      li.append(linkButton(hit.id, () => showComponent(hit.id)));
      li.append(el("span", [hit.kind, hit.name].filter(Boolean).join(" · "), "kind"));
      return li;
    }));
    if (!answer.items.length) list.replaceChildren(el("li", "nothing found", "muted"));
  });
}

// ---- the scenario ----------------------------------------------------------------------------

function readScenario() {
  const targets = $("failures").value.split(",").map((t) => t.trim()).filter(Boolean);
  if (!targets.length) throw new Problem("name at least one failure: an id or a selector such as kind:supplier");
  const at = $("start").value.trim();
  const length = $("duration").value.trim();
  // an id holding @ or + is named with id:"…", as --fail takes it
  const plain = (t) => !/[@+]/.test(t) || t.startsWith('id:"');
  const specs = targets.map((t) => (plain(t) ? t : "id:" + JSON.stringify(t))
    + (at ? "@" + at : "") + (length ? "+" + length : ""));
  const failures = targets.map((t) => {
    const failure = { target: plain(t) ? t : "id:" + t };
    if (at) failure.at = at;
    if (length) failure.duration = length;
    return failure;
  });
  return { targets, at, duration: length, specs, failures, teams: $("teams").value.trim() };
}

function showImpact() {
  return busy("Working out the impact", async () => {
    const started = performance.now();
    const scenario = readScenario();
    const fail = scenario.specs.map((spec) => ["fail", spec]);
    const [impact, picture] = await Promise.all([
      postJson("/v1/impact", { failures: scenario.failures }),
      loadPicture("impact", "/v1/diagrams/impact?" + query([["format", "json"], ...fail])),
    ]);
    state.scenario = scenario;
    state.impact = impact;
    state.explain = null;
    $("explain-section").hidden = true;
    renderImpact(impact);
    showPicture(picture.kind);
    document.documentElement.dataset.impactMs = String(Math.round(performance.now() - started));
    await loadPicture("timeline", "/v1/diagrams/timeline?" + query([["format", "json"], ...fail]));
    showPicture("impact"); // enables the timeline tab
  });
}

function renderImpact(impact) {
  const s = impact.summary;
  $("impact-summary").textContent = `${s.down} DOWN, ${s.degraded} DEGRADED; `
    + `${s.business_services.length} business services hit; money lost within the horizon `
    + `(${duration(impact.scenario.horizon)}): ${money(s.money_lost)}.`;
  fillTable($("services"), s.business_services, null, (b) => {
    const tr = row(linkButton(b.id, () => explain(b.id)), b.tier, stateBadge(b.worst),
      moment(b.onset), duration(b.down_seconds), b.rto === null ? "—" : duration(b.rto),
      money(b.money_lost));
    tr.lastChild.className = "num";
    return tr;
  });
  const rows = Object.entries(impact.timelines).map(([id, spans]) => ({ id, spans }));
  fillTable($("impacted"), rows, $("impacted-more"), ({ id, spans }) => {
    const first = spans[0];
    const worst = spans.some((i) => i.state === "DOWN") ? "DOWN" : "DEGRADED";
    const cause = first.cause.rule + (first.cause.via ? " via " + first.cause.via : "");
    const tr = row(linkButton(id, () => explain(id)), stateBadge(worst), moment(first.from),
      moment(spans[spans.length - 1].to), cause);
    tr.dataset.id = id;
    return tr;
  });
  $("impact-section").hidden = false;
}

function explain(id) {
  if (!state.scenario) return Promise.resolve();
  return busy("Explaining " + id, async () => {
    const path = `/v1/components/${encodeURIComponent(id)}/explain?`
      + query(state.scenario.specs.map((spec) => ["fail", spec]));
    const answer = await getJson(path);
    state.explain = { component: id, chain: answer.chain };
    $("explain-title").textContent = "Why " + id + " is hit";
    $("explain-chain").replaceChildren(...answer.chain.map((hop) => {
      const li = el("li");
      li.append(linkButton(hop.component, () => showComponent(hop.component)), " ",
        stateBadge(hop.state), ` ${moment(hop.from)} – ${moment(hop.to)}`);
      const why = hop.rule === "failed" ? " — failed (a root of the scenario)"
        : ` — ${hop.rule}${hop.via ? " via " + hop.via : ""}`
          + (hop.type ? ` (${hop.type})` : "") + (hop.tolerance ? `, tolerance ${duration(hop.tolerance)}` : "");
      li.append(el("span", why, "muted"));
      return li;
    }));
    $("explain-section").hidden = false;
  });
}

// ---- the recovery plan -----------------------------------------------------------------------

function showPlan() {
  return busy("Planning the recovery", async () => {
    const scenario = readScenario();
    const params = [["format", "json"], ...scenario.specs.map((spec) => ["fail", spec]),
      ["teams", scenario.teams]];
    const body = { failures: scenario.failures };
    if (scenario.teams) body.teams = scenario.teams;
    const [plan] = await Promise.all([
      postJson("/v1/recovery-plan", body),
      loadPicture("recovery", "/v1/diagrams/recovery?" + query(params)),
    ]);
    state.scenario = scenario;
    state.plan = plan;
    renderPlan(plan);
    showPicture("recovery");
  });
}

function renderPlan(plan) {
  const t = plan.totals;
  $("plan-totals").textContent = `${plan.steps.length} steps, all back by ${moment(t.makespan)}; `
    + `${t.breaches} RTO breaches (${duration(t.breach_seconds)} late in all); `
    + `money lost ${money(t.money_lost)}.`;
  $("plan-warnings").replaceChildren(...plan.warnings.map((w) => el("li", w)));
  const late = plan.business_services.filter((s) => s.breach);
  $("breaches").replaceChildren(...late.map((s) => {
    const li = el("li");
    li.append(linkButton(s.id, () => explain(s.id)),
      ` late ${duration(s.breach)}: RTO ${duration(s.rto)}, up at ${moment(s.up_at)}`);
    li.append(el("span", "critical chain: " + s.critical_chain.join(" → "), "path"));
    return li;
  }));
  if (!late.length) $("breaches").replaceChildren(el("li", "every RTO is met", "muted"));
  const waves = new Map();
  for (const step of plan.steps) {
    const wave = waves.get(step.wave) || { start: step.start, finish: step.finish, ids: [] };
    wave.start = Math.min(wave.start, step.start);
    wave.finish = Math.max(wave.finish, step.finish);
    wave.ids.push(step.component);
    waves.set(step.wave, wave);
  }
  $("waves").replaceChildren(...[...waves.entries()].sort((a, b) => a[0] - b[0]).map(([, w]) => {
    const shown = w.ids.slice(0, 40).join(", ") + (w.ids.length > 40 ? ` and ${w.ids.length - 40} more` : "");
    return el("li", `${moment(w.start)} – ${moment(w.finish)}: ${shown}`);
  }));
  fillTable($("steps"), plan.steps, $("steps-more"), (s) => row(
    linkButton(s.component, () => showComponent(s.component)), s.action, moment(s.start),
    moment(s.finish), s.team, s.wave, s.deadline === null ? "—" : moment(s.deadline),
    s.slack === null ? "—" : duration(s.slack)));
  $("plan-section").hidden = false;
}

// ---- downloads -------------------------------------------------------------------------------

function download(name, type, data) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = el("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function downloadSvg() {
  const answer = state.pictures[state.showing];
  if (!answer) return status("no picture on screen", true);
  download(`${state.showing}.svg`, "image/svg+xml", answer.svg);
}

function downloadRunbook() {
  return busy("Writing the runbook", async () => {
    const scenario = readScenario();
    const params = [...scenario.specs.map((spec) => ["fail", spec]), ["teams", scenario.teams]];
    const text = await (await call("GET", "/v1/runbook?" + query(params))).text();
    download("runbook.md", "text/markdown", text);
  });
}

function downloadJson() {
  const picture = state.pictures[state.showing];
  const document_ = {
    scenario: state.scenario && { failures: state.scenario.failures, teams: state.scenario.teams || null },
    picture: picture ? { kind: picture.kind, shown: picture.shown, notes: picture.notes } : null,
    focus: state.focus,
    impact: state.impact,
    recovery_plan: state.plan,
    explain: state.explain,
  };
  download("impactgraph.json", "application/json", JSON.stringify(document_, null, 2) + "\n");
}

// ---- start -----------------------------------------------------------------------------------

function on(id, event, handler) {
  $(id).addEventListener(event, (e) => {
    e.preventDefault();
    handler(e);
  });
}

on("search-form", "submit", () => {
  const text = $("search-q").value.trim();
  if (text) search(text);
});
on("scenario-form", "submit", () => showImpact());
on("plan-form", "submit", () => showPlan());
on("zoom-in", "click", () => viewer.zoom(0.8));
on("zoom-out", "click", () => viewer.zoom(1.25));
on("zoom-fit", "click", () => viewer.fit());
on("download-svg", "click", downloadSvg);
on("download-md", "click", downloadRunbook);
on("download-json", "click", downloadJson);
on("tabs", "click", (e) => {
  const tab = e.target instanceof Element ? e.target.closest("button[data-picture]") : null;
  if (tab && !tab.disabled) showPicture(tab.dataset.picture);
});
on("sign-out", "click", async () => {
  try {
    await call("POST", "/logout");
  } finally {
    window.location.assign("/");
  }
});

(async function start() {
  try {
    const session = await getJson("/session");
    state.csrf = session.csrf_token;
    $("who").textContent = `${session.key_name || session.key_id} · ${session.role}`;
  } catch (e) {
    if (!(e instanceof Problem && e.message === "signed out")) status(e.message, true);
    return;
  }
  const page = document.documentElement.dataset;
  page.ready = "true";
  page.readyMs = String(Math.round(performance.now()));
  viewer.clear("Find a component, or name what fails.");
  await busy("Drawing the estate", async () => {
    await loadPicture("estate", "/v1/diagrams/estate?format=json");
    if (!state.showing) showPicture("estate");
    page.estateMs = String(Math.round(performance.now()));
  });
})();
