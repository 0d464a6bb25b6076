// auditor HTML report. No libraries, no network: everything comes from the JSON block
// #auditor-data. Package-supplied text is only ever set with textContent, never as HTML;
// links are made only from http(s) URLs the report computed.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("auditor-data").textContent);
  var LEVELS = data.meta.levels; // worst first: critical, high, medium, unknown, low, none
  var COLORS = { critical: "#8e0000", high: "#e53935", medium: "#f9a825", unknown: "#7b1fa2", low: "#00838f", none: "#2e7d32" };
  var byName = {};
  data.packages.forEach(function (p) { byName[p.name] = p; });
  var hasFocus = data.packages.some(function (p) { return p.focus; });
  var state = { everything: !hasFocus, query: "", sort: { key: "risk", dir: 1 }, selected: null };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  function order(level) { var i = LEVELS.indexOf(level); return i < 0 ? LEVELS.length : i; }
  function link(url, text) {
    if (typeof url !== "string" || !/^https?:\/\//i.test(url)) return null;
    var a = el("a", { href: url, rel: "noopener noreferrer nofollow", target: "_blank" }, text);
    return a;
  }
  function days(n) { return n === null || n === undefined ? "?" : n + " d"; }

  // -- header -----------------------------------------------------------------------
  function header() {
    var m = data.meta;
    var verdict = document.getElementById("verdict");
    verdict.textContent = m.verdict;
    verdict.className = "verdict " + m.verdict.toLowerCase();
    document.getElementById("headline").textContent = m.gate;
    document.getElementById("evidence").textContent = m.evidence;
    var counts = document.getElementById("counts");
    LEVELS.forEach(function (lv) {
      var span = el("span", { "class": "count level-" + lv });
      span.appendChild(el("span", { "class": "dot", style: "background:" + COLORS[lv] }));
      span.appendChild(document.createTextNode((m.counts[lv] || 0) + " " + lv));
      counts.appendChild(span);
    });
    // The gate's reasons and the warnings can run to hundreds of lines: folded.
    var reasons = document.getElementById("reasons");
    m.reasons.forEach(function (r) { reasons.appendChild(el("li", {}, r)); });
    document.getElementById("reasons-summary").textContent = "Why: the gate's reasons (" + m.reasons.length + ")";
    document.getElementById("reasons-box").hidden = !m.reasons.length;
    var warnings = document.getElementById("warnings");
    m.warnings.forEach(function (w) { warnings.appendChild(el("li", {}, "warning: " + w)); });
    document.getElementById("warnings-summary").textContent = "Warnings (" + m.warnings.length + ")";
    document.getElementById("warnings-box").hidden = !m.warnings.length;
  }

  // -- scope and search -------------------------------------------------------------
  function inScope(p) { return state.everything || p.attention; }
  function matches(p) { return !state.query || p.name.toLowerCase().indexOf(state.query) >= 0; }
  function scopeButton() {
    var b = document.getElementById("scope");
    var n = data.packages.length;
    b.textContent = state.everything
      ? (hasFocus ? "Show only what needs attention" : "Everything is shown (" + n + ")")
      : "Show everything (" + n + " packages)";
    b.setAttribute("aria-pressed", state.everything ? "true" : "false");
    b.disabled = !hasFocus;
    var note = document.getElementById("scope-note");
    note.textContent = state.everything
      ? "All packages."
      : "Graph: packages at medium and above and their paths to your requirements. " +
        "Table: those and the unknown ones (evidence mostly missing).";
  }

  // -- table ------------------------------------------------------------------------
  function num(v) { return typeof v === "number" ? v : null; }
  var COLUMNS = [
    { key: "name", label: "package", value: function (p) { return p.name; }, text: true },
    { key: "version", label: "version", value: function (p) { return p.version || "?"; }, text: true },
    { key: "risk", label: "risk", value: function (p) { return p.level + " " + p.risk; },
      sort: function (p) { return order(p.level) * 1000 - p.risk; } },
    { key: "group", label: "requirement", value: function (p) { return p.group; }, text: true },
    { key: "bus_factor", label: "bus factor", value: function (p) { return p.bus_factor; },
      sort: function (p) { return num(p.bus_factor_n); }, numeric: true },
    { key: "release_days", label: "last release", value: function (p) { return days(p.release_days); },
      sort: function (p) { return num(p.release_days); }, numeric: true },
    { key: "push_days", label: "last push", value: function (p) { return days(p.push_days); },
      sort: function (p) { return num(p.push_days); }, numeric: true },
    { key: "reach", label: "reach", value: function (p) { return p.reach; },
      sort: function (p) { return p.reach; }, numeric: true },
    { key: "funding", label: "funding", value: function (p) { return p.funding; }, text: true },
    { key: "reason", label: "reason", value: function (p) { return p.reason; }, text: true }
  ];

  function compare(col, dir) {
    var keyOf = col.sort || col.value;
    return function (a, b) {
      var x = keyOf(a), y = keyOf(b);
      // Unknown numbers ('?') go last whichever way the column is sorted.
      if (x === null && y !== null) return 1;
      if (y === null && x !== null) return -1;
      if (x !== null && y !== null) {
        if (col.text) { x = String(x).toLowerCase(); y = String(y).toLowerCase(); }
        if (x < y) return -dir;
        if (x > y) return dir;
      }
      return a.name < b.name ? -1 : (a.name > b.name ? 1 : 0);
    };
  }

  function sortBy(key) {
    var col = COLUMNS.filter(function (c) { return c.key === key; })[0];
    if (!col) return;
    if (state.sort.key === key) state.sort = { key: key, dir: -state.sort.dir };
    else state.sort = { key: key, dir: col.numeric ? -1 : 1 };
    renderTable();
    var th = document.querySelector('#packages th[data-key="' + key + '"]');
    if (th) th.focus();
  }

  function renderTable() {
    var table = document.getElementById("packages");
    table.textContent = "";
    var head = el("thead");
    var tr = el("tr");
    COLUMNS.forEach(function (c) {
      var th = el("th", { "data-key": c.key, scope: "col", tabindex: "0", role: "columnheader",
        title: "sort by " + c.label + " (Enter)" }, c.label);
      if (c.numeric) th.className = "numeric";
      th.setAttribute("aria-sort", state.sort.key === c.key ? (state.sort.dir > 0 ? "ascending" : "descending") : "none");
      th.addEventListener("click", function () { sortBy(c.key); });
      th.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sortBy(c.key); }
      });
      tr.appendChild(th);
    });
    head.appendChild(tr);
    table.appendChild(head);
    var col = COLUMNS.filter(function (c) { return c.key === state.sort.key; })[0];
    var rows = data.packages.filter(function (p) {
      return state.query ? matches(p) : inScope(p);
    }).sort(compare(col, state.sort.dir));
    var body = el("tbody");
    rows.forEach(function (p) {
      var row = el("tr", { "data-name": p.name, tabindex: "0", "aria-selected": p.name === state.selected ? "true" : "false" });
      COLUMNS.forEach(function (c) {
        var td = el("td", {}, c.value(p));
        if (c.key === "risk") td.className = "level " + p.level;
        if (c.numeric) td.className = "numeric";
        if (c.key === "name") td.className = "name";
        row.appendChild(td);
      });
      row.addEventListener("click", function () { select(p.name, true); });
      row.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(p.name, true); }
        else if (ev.key === "ArrowDown" && row.nextSibling) { ev.preventDefault(); row.nextSibling.focus(); }
        else if (ev.key === "ArrowUp" && row.previousSibling) { ev.preventDefault(); row.previousSibling.focus(); }
      });
      body.appendChild(row);
    });
    table.appendChild(body);
    document.getElementById("shown").textContent =
      rows.length + " of " + data.packages.length + " packages" + (state.query ? " matching \u201c" + state.query + "\u201d" : "");
  }

  // -- graph ------------------------------------------------------------------------
  var view = { x: 0, y: 0, k: 1 };
  var READABLE = 0.75;
  var viewport, svgRoot, positions = {}, nodeEls = {}, edgeEls = [];

  function graphNodes() {
    return data.packages.filter(function (p) { return state.everything || p.focus; });
  }

  function layout(nodes) {
    positions = {};
    var columns = {};
    var maxDepth = 0;
    nodes.forEach(function (p) { if (p.depth > maxDepth) maxDepth = p.depth; });
    nodes.forEach(function (p) {
      var d = p.depth >= 0 ? p.depth : maxDepth + 1;
      (columns[d] = columns[d] || []).push(p);
    });
    Object.keys(columns).forEach(function (d) {
      columns[d].sort(function (a, b) {
        return order(a.level) - order(b.level) || b.risk - a.risk || (a.name < b.name ? -1 : 1);
      });
      columns[d].forEach(function (p, i) {
        positions[p.name] = { x: 60 + Number(d) * 260, y: 30 + i * 26 };
      });
    });
  }

  function applyView() {
    viewport.setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" + view.k + ")");
  }

  function fit() {
    var box = svgRoot.getBoundingClientRect();
    var xs = [], ys = [];
    Object.keys(positions).forEach(function (n) { xs.push(positions[n].x); ys.push(positions[n].y); });
    if (!xs.length) return;
    var minX = Math.min.apply(null, xs) - 40, maxX = Math.max.apply(null, xs) + 220;
    var minY = Math.min.apply(null, ys) - 30, maxY = Math.max.apply(null, ys) + 30;
    var w = box.width || 800, h = box.height || 500;
    view.k = Math.min(1.4, Math.max(0.02, Math.min(w / (maxX - minX), h / (maxY - minY))));
    view.x = -minX * view.k;
    view.y = -minY * view.k;
    applyView();
  }

  function zoomAt(factor, cx, cy) {
    var k = Math.min(8, Math.max(0.02, view.k * factor));
    view.x = cx - (cx - view.x) * (k / view.k);
    view.y = cy - (cy - view.y) * (k / view.k);
    view.k = k;
    applyView();
  }

  function drawGraph() {
    viewport.textContent = "";
    nodeEls = {};
    edgeEls = [];
    var nodes = graphNodes();
    layout(nodes);
    var edgeLayer = svg("g", { "class": "edges" });
    var nodeLayer = svg("g", { "class": "nodes" });
    viewport.appendChild(edgeLayer);
    viewport.appendChild(nodeLayer);
    data.edges.forEach(function (e) {
      var a = positions[e[0]], b = positions[e[1]];
      if (!a || !b) return;
      var mx = (a.x + b.x) / 2;
      var path = svg("path", {
        "class": "edge",
        d: "M" + (a.x + 8) + "," + a.y + " C" + mx + "," + a.y + " " + mx + "," + b.y + " " + (b.x - 8) + "," + b.y,
        "data-from": e[0], "data-to": e[1]
      });
      edgeLayer.appendChild(path);
      edgeEls.push(path);
    });
    nodes.forEach(function (p) {
      var pos = positions[p.name];
      var g = svg("g", {
        "class": "node level-" + p.level + (p.level === "unknown" ? " unknown-heavy" : ""),
        "data-name": p.name,
        transform: "translate(" + pos.x + "," + pos.y + ")",
        tabindex: "0",
        role: "button",
        "aria-label": p.name + ": " + p.level + " " + p.risk
      });
      var circle = svg("circle", { r: p.direct ? 9 : 7, fill: COLORS[p.level] || "#999" });
      var title = svg("title", {});
      title.textContent = p.name + " " + (p.version || "?") + ": " + p.level + " " + p.risk;
      circle.appendChild(title);
      var label = svg("text", { x: 12, y: 4 });
      label.textContent = p.name;
      g.appendChild(circle);
      g.appendChild(label);
      g.addEventListener("click", function (ev) { ev.stopPropagation(); select(p.name, false); });
      g.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(p.name, false); }
      });
      nodeLayer.appendChild(g);
      nodeEls[p.name] = g;
    });
    highlight();
    fit();
    if (view.k < READABLE) {
      // Too many to fit legibly: open readable at the top left, where each column's
      // worst packages are; "fit" shows the whole graph.
      view.k = READABLE;
      view.x = 10 - 20 * READABLE;
      view.y = 10 - 10 * READABLE;
      applyView();
    }
  }

  function highlight() {
    Object.keys(nodeEls).forEach(function (n) {
      var p = byName[n];
      nodeEls[n].classList.toggle("match", !!state.query && matches(p));
      nodeEls[n].classList.toggle("dim", !!state.query && !matches(p));
      nodeEls[n].classList.toggle("selected", n === state.selected);
    });
    edgeEls.forEach(function (e) {
      var hot = e.getAttribute("data-from") === state.selected || e.getAttribute("data-to") === state.selected;
      e.classList.toggle("hot", hot);
    });
  }

  function initGraph() {
    svgRoot = document.getElementById("graph");
    viewport = svg("g", { id: "viewport" });
    svgRoot.appendChild(viewport);
    // pan: drag anywhere; zoom: wheel (around the cursor) or the buttons.
    var drag = null;
    svgRoot.addEventListener("pointerdown", function (ev) {
      if (ev.target.closest && ev.target.closest(".node")) return;
      drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y };
      svgRoot.classList.add("dragging");
      if (svgRoot.setPointerCapture) svgRoot.setPointerCapture(ev.pointerId);
    });
    svgRoot.addEventListener("pointermove", function (ev) {
      if (!drag) return;
      view.x = drag.vx + ev.clientX - drag.x;
      view.y = drag.vy + ev.clientY - drag.y;
      applyView();
    });
    function endDrag() { drag = null; svgRoot.classList.remove("dragging"); }
    svgRoot.addEventListener("pointerup", endDrag);
    svgRoot.addEventListener("pointercancel", endDrag);
    svgRoot.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var box = svgRoot.getBoundingClientRect();
      zoomAt(ev.deltaY < 0 ? 1.15 : 1 / 1.15, ev.clientX - box.left, ev.clientY - box.top);
    }, { passive: false });
    function centre() { var b = svgRoot.getBoundingClientRect(); return [b.width / 2, b.height / 2]; }
    document.getElementById("zoom-in").addEventListener("click", function () { var c = centre(); zoomAt(1.3, c[0], c[1]); });
    document.getElementById("zoom-out").addEventListener("click", function () { var c = centre(); zoomAt(1 / 1.3, c[0], c[1]); });
    document.getElementById("zoom-fit").addEventListener("click", fit);
    document.getElementById("scope").addEventListener("click", function () {
      state.everything = !state.everything;
      scopeButton();
      drawGraph();
      renderTable();
    });
    var search = document.getElementById("search");
    search.addEventListener("input", function () {
      state.query = search.value.trim().toLowerCase();
      renderTable();
      highlight();
    });
  }

  // -- evidence panel ---------------------------------------------------------------
  function section(panel, title) { panel.appendChild(el("h3", {}, title)); }

  function showPanel(p) {
    var panel = document.getElementById("panel");
    panel.textContent = "";
    panel.setAttribute("data-package", p.name);
    panel.appendChild(el("h2", {}, p.name + " " + (p.version || "?")));
    var risk = el("div", { "class": "level " + p.level },
      "risk: " + p.level + " " + p.risk + "/100" + (p.vendor_level !== "none" ? "; vendor risk " + p.vendor_level : ""));
    panel.appendChild(risk);
    panel.appendChild(el("div", { "class": "muted" }, p.place + "; reached from " + p.reach + " direct requirement(s)"));
    if (p.reason) panel.appendChild(el("p", {}, p.reason));
    var links = el("p", { "class": "links" });
    var index = link(p.index_page, "index page");
    var repo = link(p.repository, "repository");
    if (index) links.appendChild(index);
    if (index && repo) links.appendChild(document.createTextNode(" \u00b7 "));
    if (repo) links.appendChild(repo);
    if (index || repo) panel.appendChild(links);
    if (p.summary) {
      var gen = el("div", { "class": "generated", "data-generated": "true" });
      gen.appendChild(el("strong", {}, "Generated by " + p.summary.generated_by + " (not scored): "));
      gen.appendChild(document.createTextNode(p.summary.text));
      panel.appendChild(gen);
    }
    section(panel, "Findings");
    var list = el("ul", { id: "findings" });
    var shown = p.findings.filter(function (f) { return f.outcome !== "pass"; });
    if (!shown.length) list.appendChild(el("li", { "class": "muted" }, "no rule hits"));
    shown.forEach(function (f) {
      var li = el("li", { "class": "finding", "data-rule": f.rule });
      li.appendChild(el("strong", {}, "[" + (f.outcome === "hit" ? "HIT" : f.outcome) + "] " + f.rule));
      li.appendChild(document.createTextNode(" (" + f.severity + ", " + f.kind + "): " + f.summary));
      if (f.acceptance) li.appendChild(el("div", { "class": "muted" }, f.acceptance));
      var ev = el("ul");
      f.evidence.forEach(function (e) { ev.appendChild(el("li", { "class": "muted" }, e)); });
      li.appendChild(ev);
      if (f.outcome === "hit") li.appendChild(el("div", {}, "What to do: " + f.remediation));
      list.appendChild(li);
    });
    panel.appendChild(list);
    section(panel, "State");
    panel.appendChild(el("p", {}, p.state + ": " + p.state_why));
    section(panel, "Why it is here");
    var paths = el("ul");
    p.paths.forEach(function (path) { paths.appendChild(el("li", {}, path.join(" \u2192 "))); });
    if (p.origins.length) paths.appendChild(el("li", { "class": "muted" }, "required at " + p.origins.join(", ")));
    panel.appendChild(paths);
    section(panel, "Signals");
    var table = el("table");
    Object.keys(p.signals).sort().forEach(function (name) {
      var tr = el("tr");
      tr.appendChild(el("td", {}, name));
      tr.appendChild(el("td", {}, p.signals[name]));
      table.appendChild(tr);
    });
    panel.appendChild(table);
  }

  function select(name, fromTable) {
    var p = byName[name];
    if (!p) return;
    state.selected = name;
    if (!nodeEls[name] && !state.everything) {
      // Outside the risky part: bring everything into view so the package can be seen.
      state.everything = true;
      scopeButton();
      drawGraph();
    }
    highlight();
    Array.prototype.forEach.call(document.querySelectorAll("#packages tbody tr"), function (tr) {
      tr.setAttribute("aria-selected", tr.getAttribute("data-name") === name ? "true" : "false");
    });
    if (nodeEls[name] && fromTable) {
      var box = svgRoot.getBoundingClientRect();
      var pos = positions[name];
      view.x = box.width / 2 - pos.x * view.k;
      view.y = box.height / 2 - pos.y * view.k;
      applyView();
    }
    showPanel(p);
  }

  // -- self-test: report.html#selftest=PKG drives the page as a person would ----------
  function selftest() {
    var match = /^#selftest=(.+)$/.exec(window.location.hash);
    if (!match) return;
    var name = decodeURIComponent(match[1]);
    var out = el("pre", { id: "selftest-result" });
    function rowsNow() { return Array.prototype.map.call(document.querySelectorAll("#packages tbody tr"), function (r) { return r.getAttribute("data-name"); }); }
    function key(k, target) { target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true })); }
    var initial = {
      nodes: document.querySelectorAll("#graph .node").length,
      rows: rowsNow().length,
      first_by_risk: rowsNow()[0] || null
    };
    // search: type the name, as a person would
    var search = document.getElementById("search");
    search.value = name.slice(0, Math.max(3, name.length - 1));
    search.dispatchEvent(new Event("input", { bubbles: true }));
    var searched = rowsNow();
    var matched = document.querySelectorAll("#graph .node.match").length;
    search.value = "";
    search.dispatchEvent(new Event("input", { bubbles: true }));
    // select: keyboard on the table row
    var row = document.querySelector('#packages tbody tr[data-name="' + (window.CSS && CSS.escape ? CSS.escape(name) : name) + '"]');
    if (row) { row.focus(); key("Enter", row); }
    var panel = document.getElementById("panel");
    var selectedPanel = panel.getAttribute("data-package");
    // sort: click a numeric header, then the keyboard on another
    document.getElementById("scope").click();
    var all = { nodes: document.querySelectorAll("#graph .node").length, rows: rowsNow().length };
    document.querySelector('#packages th[data-key="release_days"]').click();
    var releaseDesc = Array.prototype.map.call(document.querySelectorAll("#packages tbody tr"), function (r) {
      return byName[r.getAttribute("data-name")].release_days;
    });
    var nameHeader = document.querySelector('#packages th[data-key="name"]');
    nameHeader.focus();
    key("Enter", nameHeader);
    var nameAsc = rowsNow()[0];
    nameHeader = document.querySelector('#packages th[data-key="name"]');
    key("Enter", nameHeader);
    var nameDesc = rowsNow()[0];
    var before = viewport.getAttribute("transform");
    document.getElementById("zoom-in").click();
    var zoomed = viewport.getAttribute("transform") !== before;
    document.getElementById("zoom-fit").click();
    var node = document.querySelector('#graph .node[data-name="' + (window.CSS && CSS.escape ? CSS.escape(name) : name) + '"]');
    if (node) node.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    out.textContent = JSON.stringify({
      initial: initial,
      searched: searched,
      matched_nodes: matched,
      selected_by_keyboard: selectedPanel,
      all: all,
      release_desc: releaseDesc,
      first_by_name: nameAsc,
      last_by_name: nameDesc,
      headers_focusable: Array.prototype.every.call(document.querySelectorAll("#packages th"), function (th) { return th.tabIndex === 0; }),
      zoomed: zoomed,
      clicked: node ? name : null,
      edges: document.querySelectorAll("#graph .edge").length,
      panel_package: panel.getAttribute("data-package"),
      panel_links: Array.prototype.map.call(panel.querySelectorAll(".links a"), function (a) { return a.getAttribute("href"); }),
      panel_rules: Array.prototype.map.call(panel.querySelectorAll(".finding"), function (f) { return f.getAttribute("data-rule"); })
    });
    document.body.appendChild(out);
    document.documentElement.setAttribute("data-selftest", node ? "clicked" : "not-found");
    // Leave the page as it opens, for the screenshot.
  }

  header();
  scopeButton();
  initGraph();
  drawGraph();
  renderTable();
  selftest();
})();
