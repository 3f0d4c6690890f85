// The /map page: draws the region from Natural Earth outlines (world-atlas TopoJSON, served
// locally) in an equirectangular projection, and the places from control-map.geojson, coloured
// by the controller's side on the chosen date. The URL holds the state: ?date=…&place=….
"use strict";
(function () {
  const svg = document.getElementById("map");
  if (!svg) return;
  const NS = "http://www.w3.org/2000/svg";
  const WEST = 34, EAST = 45, SOUTH = 29, NORTH = 38, WIDTH = 1100, HEIGHT = 900;
  const PALETTE = ["#d1495b", "#2e86ab", "#3b8b3b", "#edae49", "#7b4b94", "#00798c", "#8c564b", "#e377c2"];
  const KNOWN = { "Islamic State": "#3a3a3a", "Syrian government": "#d1495b" };
  const dates = (svg.dataset.dates || "").split(" ").filter(Boolean);
  const slider = document.getElementById("map-slider");
  const input = document.getElementById("map-date");
  const status = document.getElementById("map-status");
  const colours = {};
  let places = {};      // place IRI -> {label, lon, lat}
  let selected = null;
  const unplaced = {};  // place IRI -> label, for what has no point and nothing to anchor it
  const point = (wkt) => {
    const m = /POINT\s*\(\s*([-\d.]+)\s+([-\d.]+)\s*\)/.exec(wkt || "");
    return m ? [Number(m[1]), Number(m[2])] : null;
  };

  const x = (lon) => ((lon - WEST) / (EAST - WEST)) * WIDTH;
  const y = (lat) => ((NORTH - lat) / (NORTH - SOUTH)) * HEIGHT;
  const el = (name, attrs, parent) => {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  };
  const html = (tag, text, parent) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  };
  // a side keeps its colour; a new side takes the first palette colour no side has yet
  const colour = (side) => {
    if (!(side in colours)) {
      const taken = new Set([...Object.values(colours), ...Object.values(KNOWN)]);
      const free = PALETTE.filter((c) => !taken.has(c));
      colours[side] = KNOWN[side] || free[0] || PALETTE[Object.keys(colours).length % PALETTE.length];
    }
    return colours[side];
  };
  const getJSON = (url) => fetch(url, { headers: { Accept: "application/json" } }).then((r) => r.json());
  const bindings = (body) => body.results.bindings.map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v.value])));
  const local = (iri) => (iri || "").split(/[/#]/).pop();

  function ring(coords) {
    return coords.map(([lon, lat], i) => (i ? "L" : "M") + x(lon).toFixed(1) + "," + y(lat).toFixed(1)).join("") + "Z";
  }

  function drawCountries(topology) {
    const countries = topojson.feature(topology, topology.objects.countries);
    const layer = el("g", { class: "countries" }, svg);
    const names = document.createElementNS(NS, "g");
    names.setAttribute("class", "country-names");
    for (const f of countries.features) {
      const polys = f.geometry ? (f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates) : [];
      const near = polys.some((p) => p[0].some(([lon, lat]) => lon > WEST - 5 && lon < EAST + 5 && lat > SOUTH - 5 && lat < NORTH + 5));
      if (!near) continue;
      const d = polys.map((p) => p.map(ring).join("")).join("");
      const path = el("path", { d, class: "country" + (f.properties.name === "Syria" ? " syria" : "") }, layer);
      el("title", {}, path).textContent = f.properties.name;
      const at = labelPoint(polys);
      if (at) el("text", { class: "country-name", x: x(at[0]).toFixed(1), y: y(at[1]).toFixed(1), "text-anchor": "middle" }, names).textContent = f.properties.name;
    }
    svg.appendChild(names);  // above every outline, below the places
  }

  // the part of a ring inside the view (Sutherland–Hodgman, one edge of the view at a time)
  function clip(ring) {
    const edges = [[0, WEST, 1], [0, EAST, -1], [1, SOUTH, 1], [1, NORTH, -1]];
    let out = ring;
    for (const [axis, bound, sign] of edges) {
      const inside = (p) => sign * (p[axis] - bound) >= 0;
      const cut = (a, b) => { const t = (bound - a[axis]) / (b[axis] - a[axis]); return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]; };
      const next = [];
      out.forEach((p, i) => {
        const prev = out[(i + out.length - 1) % out.length];
        if (inside(p)) { if (!inside(prev)) next.push(cut(prev, p)); next.push(p); }
        else if (inside(prev)) next.push(cut(prev, p));
      });
      out = next;
      if (!out.length) break;
    }
    return out;
  }

  // where a country's name goes: the centroid of its largest piece in view, if that piece is big
  // enough to hold a name (in square degrees)
  function labelPoint(polys) {
    let best = null;
    for (const p of polys) {
      const ring = clip(p[0]);
      let a = 0, cx = 0, cy = 0;
      ring.forEach((q, i) => {
        const r = ring[(i + 1) % ring.length];
        const k = q[0] * r[1] - r[0] * q[1];
        a += k; cx += (q[0] + r[0]) * k; cy += (q[1] + r[1]) * k;
      });
      if (Math.abs(a / 2) > 0.8 && (!best || Math.abs(a) > best.a)) best = { a: Math.abs(a), at: [cx / (3 * a), cy / (3 * a)] };
    }
    return best && best.at;
  }

  // places with coordinates that no control report speaks to, for orientation: grey, unclickable
  function drawReference(rows) {
    const layer = el("g", { class: "reference" }, svg);
    const seen = new Set();
    for (const r of rows) {
      const at = point(r.wkt);
      if (!at || places[r.entity] || unplaced[r.entity] || seen.has(r.entity)) continue;
      seen.add(r.entity);
      const g = el("g", { class: "town", "data-place": r.entity, "data-label": r.label || local(r.entity) }, layer);
      el("circle", { cx: x(at[0]), cy: y(at[1]), r: 4 }, g);
      el("text", { class: "name", x: x(at[0]) + 7, y: y(at[1]) + 5 }, g).textContent = r.label || local(r.entity);
      el("title", {}, g).textContent = (r.label || local(r.entity)) + ": no report of who held it";
    }
  }

  function currentDate() {
    return input.value || dates[dates.length - 1];
  }

  function saveState() {
    const params = new URLSearchParams();
    params.set("date", currentDate());
    if (selected) params.set("place", selected);
    history.replaceState(null, "", "?" + params.toString());
  }

  function summarise(rows) {
    const byPlace = {};
    for (const p of rows) {
      const entry = (byPlace[p.place] = byPlace[p.place] || { whole: new Set(), partial: new Set(), sides: new Set(), certain: false, disputed: false, fresh: false });
      const name = p.controllerLabel || local(p.controller);
      (p.scope === "partial" ? entry.partial : entry.whole).add(name);
      entry.sides.add(p.sideLabel || name);
      if (p.certain === "true") entry.certain = true;
      if (p.disputed === "true") entry.disputed = true;
      if (p.stale !== "true") entry.fresh = true;
      (entry.statuses = entry.statuses || new Set()).add(p.status);
      if (p.basis === "claimed") entry.statuses.add("claimed");
      if (p.stale === "true") entry.statuses.add("stale");
    }
    // the answer is uncertain, not a row: no report is certain, or the reports name different
    // controllers (two that agree, one of them certain, make a certain answer)
    for (const entry of Object.values(byPlace)) entry.uncertain = !entry.certain || entry.whole.size + entry.partial.size > 1;
    return byPlace;
  }

  function drawPlaces(byPlace) {
    const old = svg.querySelector("g.places");
    if (old) old.remove();
    const layer = el("g", { class: "places" }, svg);
    status.replaceChildren();
    const order = Object.keys(places).sort((a, b) => places[a].label.localeCompare(places[b].label));
    for (const iri of order) {
      const place = places[iri];
      const known = byPlace[iri];
      const classes = ["place"];
      let fill = "#fff";
      let text = "unknown";
      if (!known) classes.push("unknown");
      else {
        const sides = [...known.sides];
        fill = colour(sides[0]);
        if (known.uncertain) classes.push("uncertain");
        if (known.disputed) classes.push("disputed");
        if (!known.fresh) classes.push("stale");
        if (!known.whole.size) classes.push("partial");
        const parts = [...known.whole];
        if (known.partial.size) parts.push("partly " + [...known.partial].join(", "));
        const named = new Set([...known.whole, ...known.partial]);
        const others = sides.filter((side) => !named.has(side));
        text = parts.join("; ") + (others.length ? " (" + others.join(", ") + ")" : "");
      }
      if (iri === selected) classes.push("selected");
      const g = el("g", { class: classes.join(" "), "data-place": iri, "data-label": place.label, "data-control": text }, layer);
      el("circle", { cx: x(place.lon), cy: y(place.lat), r: 7, fill }, g);
      if (known && known.disputed) el("text", { class: "badge", x: x(place.lon) + 7, y: y(place.lat) - 6 }, g).textContent = "!";
      if (place.anchor) classes.push("anchored");
      g.setAttribute("class", classes.join(" "));
      el("text", { class: "name", x: x(place.lon) + 9, y: y(place.lat) + 4 }, g).textContent = place.label;
      el("title", {}, g).textContent = place.label + (place.anchor ? " (drawn " + place.anchor + ")" : "") + ": " + text;
      g.addEventListener("click", () => select(iri));
      const li = html("li", undefined, status);
      li.dataset.place = iri;
      html("strong", place.label, li);
      if (place.anchor) html("span", " drawn " + place.anchor, li).className = "anchor";
      li.append(": " + text);
      const flags = known ? [known.uncertain ? "uncertain" : "", known.disputed ? "disputed" : "", known.fresh ? "" : "stale"].filter(Boolean) : [];
      if (flags.length) html("span", flags.join(", "), li).className = "flags";
      li.addEventListener("click", () => select(iri));
    }
    declutter();
    drawLegend(byPlace);
  }

  // labels that would overlap: a place's name moves to the left of its dot, or below or above; a
  // reference town's too, or gives way (its dot and tooltip stay); then a country's name moves
  // up, down or sideways, or gives way
  function declutter() {
    const taken = [];
    const box = (t) => { const b = t.getBBox(); return [b.x - 2, b.y - 1, b.x + b.width + 2, b.y + b.height + 1]; };
    const free = (b) => b[0] >= 0 && b[2] <= WIDTH && b[1] >= 0 && b[3] <= HEIGHT && !taken.some((o) => b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]);
    const place = (t, moves) => {
      if (!t.dataset.x) Object.assign(t.dataset, { x: t.getAttribute("x"), y: t.getAttribute("y"), anchor: t.getAttribute("text-anchor") || "start" });
      const x0 = Number(t.dataset.x), y0 = Number(t.dataset.y), anchor = t.dataset.anchor;
      for (const [dx, dy, a] of moves) {
        t.setAttribute("x", x0 + dx); t.setAttribute("y", y0 + dy); t.setAttribute("text-anchor", a || anchor);
        const b = box(t);
        if (free(b)) { taken.push(b); t.removeAttribute("visibility"); return; }
      }
      t.setAttribute("x", x0); t.setAttribute("y", y0); t.setAttribute("text-anchor", anchor);
      return false;
    };
    for (const c of svg.querySelectorAll("g.places circle")) taken.push([c.cx.baseVal.value - 7, c.cy.baseVal.value - 7, c.cx.baseVal.value + 7, c.cy.baseVal.value + 7]);
    for (const t of svg.querySelectorAll("g.places text.name")) {
      if (place(t, [[0, 0], [-20, 0, "end"], [-9, 22, "middle"], [-9, -16, "middle"]]) === false) taken.push(box(t));
    }
    for (const t of svg.querySelectorAll(".reference text.name")) {
      if (place(t, [[0, 0], [-14, 0, "end"], [-7, 20, "middle"], [-7, -14, "middle"]]) === false) t.setAttribute("visibility", "hidden");
    }
    for (const t of svg.querySelectorAll(".country-names text")) {
      if (place(t, [[0, 0], [0, 32], [0, -32], [0, 64], [0, -64], [40, 0], [-40, 0]]) === false) t.setAttribute("visibility", "hidden");
    }
  }

  function drawUnplaced(byPlace) {
    const box = document.getElementById("map-unplaced");
    const list = box.querySelector("ul");
    list.replaceChildren();
    const shown = Object.keys(unplaced).filter((iri) => byPlace[iri]).sort((a, b) => unplaced[a].localeCompare(unplaced[b]));
    for (const iri of shown) {
      const li = html("li", undefined, list);
      li.dataset.place = iri;
      li.appendChild(link(idPath(iri), unplaced[iri]));
      const known = byPlace[iri];
      li.append(": " + [...known.whole, ...[...known.partial].map((p) => "partly " + p)].join("; "));
    }
    box.hidden = !shown.length;
  }

  // the legend: what the colours and marks mean, then every status word of control with what it
  // means and the places that have it on the date shown (a word no place has is greyed)
  const STATUSES = [
    ["held", "the actor holds the place (whole, or part of it)"],
    ["contested", "its holder defends it against an assault"],
    ["besieged", "its holder keeps it inside a siege"],
    ["mixed", "shared by actors of different sides"],
    ["disputed", "sources disagree on who or on when: every reading is listed, none certain"],
    ["inferred", "the side a later capture took it from: start unknown, never certain"],
    ["claimed", "a party's own claim, not a third party's report"],
    ["stale", "not confirmed for a long time: still the last known holder, never certain"],
  ];

  function drawLegend(byPlace) {
    const legend = document.getElementById("map-legend");
    legend.replaceChildren();
    const item = (cls, label, bg) => {
      const li = html("li", undefined, legend);
      const sw = html("span", undefined, li);
      sw.className = "swatch " + cls;
      if (bg) sw.style.background = bg;
      li.append(label);
    };
    for (const [side, c] of Object.entries(colours)) item("", side, c);
    item("unknown", "unknown: nothing in the graph speaks to it");
    item("uncertain", "uncertain: no report is sure of who held it on the date, or reports name different controllers", "#ccc");
    item("partial", "partial control only", "#ccc");
    item("disputed", "disputed: sources name different controllers or dates (!)", "#ccc");
    item("stale", "stale: not confirmed for a long time", "#ccc");
    const words = document.getElementById("map-statuses");
    if (!words) return;
    words.replaceChildren();
    for (const [name, meaning] of STATUSES) {
      const having = Object.keys(byPlace || {})
        .filter((iri) => byPlace[iri].statuses.has(name))
        .map((iri) => (places[iri] || { label: unplaced[iri] || local(iri) }).label)
        .sort((a, b) => a.localeCompare(b));
      const row = html("div", undefined, words);
      row.dataset.status = name;
      row.className = having.length ? "here" : "absent";
      html("dt", name, row);
      const named = having.length > 6 ? having.slice(0, 5).join(", ") + " and " + (having.length - 5) + " more" : having.join(", ");
      html("dd", meaning + (having.length ? " — on this date: " + named : ""), row);
    }
  }

  // the answers already asked for, by date (a promise each), so that going back over dates
  // draws at once without asking again; at most ANSWERS of them, the oldest dropped first
  const ANSWERS = 400;
  const answers = new Map();
  function rowsOn(date) {
    if (!answers.has(date)) {
      const asked = getJSON("/queries/control-map.json?date=" + encodeURIComponent(date)).then(bindings);
      asked.catch(() => answers.delete(date));
      answers.set(date, asked);
      if (answers.size > ANSWERS) answers.delete(answers.keys().next().value);
    }
    return answers.get(date);
  }

  // while the slider is dragged, ask for the date it rests on, not for every step it passes
  const SETTLE_MS = 120;
  let settling = null;
  function showSoon() {
    clearTimeout(settling);
    const date = currentDate();
    document.getElementById("map-heading").textContent = "Control on " + date;
    if (answers.has(date)) return show();
    settling = setTimeout(show, SETTLE_MS);
  }

  function show() {
    const date = currentDate();
    document.getElementById("map-heading").textContent = "Control on " + date;
    saveState();
    return rowsOn(date)
      .then((rows) => {
        if (date !== currentDate()) return;  // a later choice overtook this one
        const byPlace = summarise(rows);
        drawPlaces(byPlace);
        drawUnplaced(byPlace);
        status.dataset.date = date;
      });
  }

  function table(columns, rows, parent) {
    const t = html("table", undefined, parent);
    const head = html("tr", undefined, html("thead", undefined, t));
    for (const c of columns) html("th", c, head);
    const body = html("tbody", undefined, t);
    for (const row of rows) {
      const tr = html("tr", undefined, body);
      for (const cell of row) {
        const td = html("td", undefined, tr);
        if (cell instanceof Node) td.appendChild(cell);
        else td.textContent = cell || "";
      }
    }
    return t;
  }

  // a link; a long id in its text may break after an underscore (and nowhere else); a value that
  // is not a path on this site or an http(s) URL (javascript:, data:, …) gives no href at all
  function link(href, text) {
    const a = document.createElement("a");
    const safe = safeHref(href);
    if (safe) a.href = safe;
    String(text).split(/(?<=_)/).forEach((part, i) => {
      if (i) a.appendChild(document.createElement("wbr"));
      a.append(part);
    });
    return a;
  }

  function idPath(iri) {
    return iri.replace("https://w3id.org/kg/id/", "/id/");
  }

  // an href only from a path on this site or an http(s) URL: null for anything else
  function safeHref(value) {
    try {
      const url = new URL(String(value), location.origin);
      return url.protocol === "http:" || url.protocol === "https:" ? String(value) : null;
    } catch (e) {
      return null;
    }
  }

  function select(iri) {
    selected = iri;
    saveState();
    for (const g of svg.querySelectorAll("g.place")) g.classList.toggle("selected", g.dataset.place === iri);
    const section = document.getElementById("map-history");
    section.hidden = false;
    document.getElementById("history-title").textContent = (places[iri] || { label: local(iri) }).label;
    const history = document.getElementById("history-link");
    if (safeHref(idPath(iri))) history.href = safeHref(idPath(iri));
    else history.removeAttribute("href");
    const events = document.getElementById("history-events");
    const conflicts = document.getElementById("history-conflicts");
    events.replaceChildren(html("p", "loading…"));
    conflicts.replaceChildren();
    const q = encodeURIComponent(iri);
    getJSON("/queries/conflicting-reports.json?place=" + q).then((body) => {
      const rows = bindings(body);
      if (!rows.length) return;
      html("h3", "Where the sources disagree", conflicts);
      table(["kind", "one source says", "another says"], rows.map((r) => [
        r.kind,
        Object.assign(html("span", r.valueA + " — "), {}).appendChild(link(idPath(r.sourceA), local(r.sourceA))).parentNode,
        Object.assign(html("span", r.valueB + " — "), {}).appendChild(link(idPath(r.sourceB), local(r.sourceB))).parentNode,
      ]), conflicts).id = "history-conflict-table";
    });
    getJSON("/queries/place-history.json?place=" + q).then((body) => {
      const rows = bindings(body);
      events.replaceChildren();
      html("h3", "Events, by source", events);
      const t = table(["date", "event", "who", "source", "evidence"], rows.map((r) => {
        const when = r.earliest === r.latest ? r.earliest : (r.earliest || "…") + " / " + (r.latest || "…");
        const who = [r.gaining && "gaining: " + r.gaining, r.losing && "losing: " + r.losing, r.others].filter(Boolean).join("; ");
        const evidence = document.createElement("div");
        evidence.dataset.event = r.event;
        return [when, link(idPath(r.event), local(r.eventType) + (r.at !== iri ? " at " + local(r.at) : "")), who, link(idPath(r.source), local(r.source)), evidence];
      }), events);
      t.id = "history-table";
      for (const cell of t.querySelectorAll("div[data-event]")) {
        getJSON("/queries/evidence.json?item=" + encodeURIComponent(cell.dataset.event)).then((ev) => {
          for (const e of bindings(ev)) if (e.exact) html("blockquote", "“" + e.exact + "”" + (e.saidByLabel ? " — " + e.saidByLabel : ""), cell);
        });
      }
    });
  }

  function setIndex(i) {
    slider.value = String(i);
    input.value = dates[i];
  }

  function nearestIndex(date) {
    let found = 0;
    dates.forEach((d, i) => { if (d <= date) found = i; });
    return found;
  }

  const ticks = document.getElementById("map-ticks");
  dates.forEach((d, i) => { const o = document.createElement("option"); o.value = String(i); o.label = d; ticks.appendChild(o); });
  const params = new URLSearchParams(location.search);
  const asked = params.get("date");
  const valid = asked && /^\d{4}-\d{2}-\d{2}$/.test(asked) && !isNaN(Date.parse(asked));
  if (asked && !valid) {
    const problem = document.getElementById("map-problem");
    problem.textContent = "?date=" + asked + " is not a date: give one as YYYY-MM-DD (e.g. ?date=2016-04-10). Showing the latest date instead.";
    problem.hidden = false;
  }
  input.value = (valid && asked) || dates[dates.length - 1] || "";
  slider.value = String(nearestIndex(input.value));
  slider.addEventListener("input", () => { setIndex(Number(slider.value)); showSoon(); });
  input.addEventListener("change", () => { slider.value = String(nearestIndex(input.value)); show(); });

  Promise.all([
    fetch(svg.dataset.countries).then((r) => r.json()),
    getJSON("/queries/control-map.json?date=2100-01-01"),
    getJSON("/queries/map-anchors.json"),
    getJSON("/queries/entities.json?kind=place"),
  ]).then(([topology, everything, anchors, entities]) => {
    drawCountries(topology);
    const anchorOf = {};
    for (const a of bindings(anchors)) if (a.wkt && a.area !== "true" && !anchorOf[a.entity]) anchorOf[a.entity] = a;
    for (const row of bindings(everything)) {
      const label = row.placeLabel || local(row.place);
      const own = point(row.wkt);
      const anchor = anchorOf[row.place];
      if (own) places[row.place] = { label, lon: own[0], lat: own[1] };
      else if (anchor) {
        const [lon, lat] = point(anchor.wkt);
        // a little below and right of its anchor, so the anchor's own mark stays visible
        places[row.place] = { label, lon: lon + 0.12, lat: lat - 0.12, anchor: "at " + (anchor.relation === "near" ? "nearby " : "") + (anchor.anchorLabel || local(anchor.anchor)) };
      } else unplaced[row.place] = label;
    }
    drawReference(bindings(entities));
    return show();
  }).then(() => {
    svg.dataset.ready = "true";
    const place = params.get("place");
    if (place && (Object.hasOwn(places, place) || Object.hasOwn(unplaced, place))) select(place);
    else if (place) {
      const problem = document.getElementById("map-problem");
      problem.textContent = "?place=" + place + " is not a place on this map: give a place's IRI (e.g. ?place=https://w3id.org/kg/id/place/al-qaryatayn).";
      problem.hidden = false;
    }
  });
})();
