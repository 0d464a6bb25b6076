// auditor HTML report. No libraries, no network: everything comes from the JSON block
// #auditor-data. Package-supplied text is only ever set with textContent, never as HTML.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var LEVELS = ["none", "unknown", "low", "medium", "high", "critical"];
  var COLORS = { none: "#2e7d32", unknown: "#757575", low: "#00838f", medium: "#f9a825", high: "#e53935", critical: "#8e0000" };
  var data = JSON.parse(document.getElementById("auditor-data").textContent);
  var byName = {};
  data.packages.forEach(function (p) { byName[p.name] = p; });

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
  function rank(level) { return LEVELS.indexOf(level); }

  // -- header -----------------------------------------------------------------------
  function header() {
    var m = data.meta;
    var verdict = document.getElementById("verdict");
    verdict.textContent = m.verdict;
    verdict.className = "verdict " + m.verdict.toLowerCase();
    document.getElementById("headline").textContent = m.headline;
    var counts = document.getElementById("counts");
    LEVELS.slice().reverse().forEach(function (lv) {
      var span = el("span");
      var dot = el("span", { "class": "dot", style: "background:" + COLORS[lv] });
      span.appendChild(dot);
      span.appendChild(document.createTextNode(m.counts[lv] + " " + lv));
      counts.appendChild(span);
    });
    var reasons = document.getElementById("reasons");
    m.reasons.forEach(function (r) { reasons.appendChild(el("li", {}, r)); });
    var warnings = document.getElementById("warnings");
    m.warnings.forEach(function (w) { warnings.appendChild(el("li", {}, "warning: " + w)); });
  }

  // -- table ------------------------------------------------------------------------
  var COLUMNS = [
    { key: "name", label: "package", value: function (p) { return p.name; } },
    { key: "version", label: "version", value: function (p) { return p.version || "?"; } },
    { key: "risk", label: "risk", value: function (p) { return p.level + " " + p.risk; },
      sort: function (p) { return rank(p.level) * 1000 + p.risk; } },
    { key: "categories", label: "category", value: function (p) { return p.categories.join(", ") || "-"; } },
    { key: "bus_factor", label: "bus factor", value: function (p) { return p.bus_factor; } },
    { key: "activity", label: "last activity", value: function (p) { return p.activity; } },
    { key: "funding", label: "funding", value: function (p) { return p.funding; } },
    { key: "reach", label: "reach", value: function (p) { return p.reach; }, sort: function (p) { return p.reach; } },
    { key: "place", label: "in graph", value: function (p) { return p.place; },
      sort: function (p) { return p.direct ? -1 : p.depth; } },
    { key: "reason", label: "reason", value: function (p) { return p.reason; } }
  ];
  var sortState = { key: "risk", dir: -1 };

  function renderTable() {
    var table = document.getElementById("packages");
    table.textContent = "";
    var head = el("thead");
    var tr = el("tr");
    COLUMNS.forEach(function (c) {
      var th = el("th", { "data-key": c.key, scope: "col" }, c.label);
      if (sortState.key === c.key) th.setAttribute("aria-sort", sortState.dir > 0 ? "ascending" : "descending");
      th.addEventListener("click", function () {
        sortState = { key: c.key, dir: sortState.key === c.key ? -sortState.dir : (c.sort ? -1 : 1) };
        renderTable();
      });
      tr.appendChild(th);
    });
    head.appendChild(tr);
    table.appendChild(head);
    var col = COLUMNS.filter(function (c) { return c.key === sortState.key; })[0];
    var keyOf = col.sort || col.value;
    var rows = data.packages.slice().sort(function (a, b) {
      var x = keyOf(a), y = keyOf(b);
      if (x < y) return -sortState.dir;
      if (x > y) return sortState.dir;
      return a.name < b.name ? -1 : (a.name > b.name ? 1 : 0);
    });
    var body = el("tbody");
    rows.forEach(function (p) {
      var row = el("tr", { "data-name": p.name });
      COLUMNS.forEach(function (c) {
        var td = el("td", {}, c.value(p));
        if (c.key === "risk") td.className = "level " + p.level;
        row.appendChild(td);
      });
      row.addEventListener("click", function () { select(p.name, true); });
      body.appendChild(row);
    });
    table.appendChild(body);
  }

  // -- graph ------------------------------------------------------------------------
  var view = { x: 0, y: 0, k: 1 };
  var viewport, svgRoot, positions = {}, nodeEls = {}, edgeEls = [];

  function layout() {
    var columns = {};
    var maxDepth = 0;
    data.packages.forEach(function (p) { if (p.depth > maxDepth) maxDepth = p.depth; });
    data.packages.forEach(function (p) {
      var d = p.depth >= 0 ? p.depth : maxDepth + 1;
      (columns[d] = columns[d] || []).push(p);
    });
    Object.keys(columns).forEach(function (d) {
      columns[d].sort(function (a, b) {
        return rank(b.level) - rank(a.level) || b.risk - a.risk || (a.name < b.name ? -1 : 1);
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
    view.k = Math.min(2, Math.max(0.02, Math.min(w / (maxX - minX), h / (maxY - minY))));
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

  function renderGraph() {
    svgRoot = document.getElementById("graph");
    viewport = svg("g", { id: "viewport" });
    svgRoot.appendChild(viewport);
    layout();
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
    data.packages.forEach(function (p) {
      var pos = positions[p.name];
      var g = svg("g", {
        "class": "node level-" + p.level + (p.unknown_heavy ? " unknown-heavy" : ""),
        "data-name": p.name,
        transform: "translate(" + pos.x + "," + pos.y + ")",
        tabindex: "0",
        role: "button"
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
      g.addEventListener("keydown", function (ev) { if (ev.key === "Enter") select(p.name, false); });
      nodeLayer.appendChild(g);
      nodeEls[p.name] = g;
    });

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
    fit();
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
    if (p.repository) {
      section(panel, "Repository");
      panel.appendChild(el("p", {}, p.repository));
    }
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
    Object.keys(nodeEls).forEach(function (n) { nodeEls[n].classList.remove("selected"); });
    edgeEls.forEach(function (e) {
      var hot = e.getAttribute("data-from") === name || e.getAttribute("data-to") === name;
      e.classList.toggle("hot", hot);
    });
    if (nodeEls[name]) {
      nodeEls[name].classList.add("selected");
      if (fromTable) {
        var box = svgRoot.getBoundingClientRect();
        var pos = positions[name];
        view.x = box.width / 2 - pos.x * view.k;
        view.y = box.height / 2 - pos.y * view.k;
        applyView();
      }
    }
    showPanel(p);
  }

  // -- self-test: report.html#selftest=PKG clicks PKG's node on load -----------------
  function selftest() {
    var match = /^#selftest=(.+)$/.exec(window.location.hash);
    if (!match) return;
    var name = decodeURIComponent(match[1]);
    var node = document.querySelector('#graph .node[data-name="' + (window.CSS && CSS.escape ? CSS.escape(name) : name) + '"]');
    var out = el("pre", { id: "selftest-result" });
    if (node) node.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    var panel = document.getElementById("panel");
    // Exercise sorting and zooming the way a person would: by clicking.
    function firstRow() { var r = document.querySelector("#packages tbody tr"); return r && r.getAttribute("data-name"); }
    function sortBy(key) { document.querySelector('#packages th[data-key="' + key + '"]').click(); }
    var riskFirst = firstRow();
    sortBy("name");
    var nameAsc = firstRow();
    sortBy("name");
    var nameDesc = firstRow();
    var before = viewport.getAttribute("transform");
    document.getElementById("zoom-in").click();
    var zoomed = viewport.getAttribute("transform") !== before;
    document.getElementById("zoom-fit").click();
    out.textContent = JSON.stringify({
      first_by_risk: riskFirst,
      first_by_name: nameAsc,
      last_by_name: nameDesc,
      zoomed: zoomed,
      clicked: node ? name : null,
      nodes: document.querySelectorAll("#graph .node").length,
      edges: document.querySelectorAll("#graph .edge").length,
      rows: document.querySelectorAll("#packages tbody tr").length,
      panel_package: panel.getAttribute("data-package"),
      panel_rules: Array.prototype.map.call(panel.querySelectorAll(".finding"), function (f) { return f.getAttribute("data-rule"); })
    });
    document.body.appendChild(out);
    document.documentElement.setAttribute("data-selftest", node ? "clicked" : "not-found");
  }

  header();
  renderTable();
  renderGraph();
  selftest();
})();
