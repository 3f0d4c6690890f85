// The annotator (/annotate): open a text, ask for a draft (POST /annotate/draft), review each
// proposal, add mentions and evidence by selecting words, validate live (POST /validate, the one
// validation path), download the YAML or submit it (POST /submissions). No libraries.
(function () {
  "use strict";
  const $ = function (id) { return document.getElementById(id); };
  const form = $("open-form");
  if (!form) return;
  const A = window.kgAnnotation;
  const VOCAB = JSON.parse($("annotate-vocabulary").textContent);
  const GRAPH = JSON.parse($("annotate-entities").textContent);
  const KINDS = { places: "place", actors: "actor", infrastructure: "asset" };
  const SECTIONS = ["mentions", "events", "claims", "dates", "places", "actors", "infrastructure"];
  const S = { text: "", at: null, file: "", doc: null, items: {}, byUid: {}, entities: {}, dates: [],
              selection: null, seq: 0, timer: null, next: 1 };

  // ------------------------------------------------------------------ small helpers
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else if (attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function clone(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }
  function entity(id) { return S.entities[id] || { id: id, label: id || "(none)", kind: "unknown" }; }
  function option(value, label, selected) { const o = el("option", { value: value, text: label }); o.selected = !!selected; return o; }
  function say(node, text) { node.textContent = text; }
  function fail(message, hints) {
    const box = $("annotate-problem");
    box.replaceChildren(el("p", { text: message }));
    (hints || []).forEach(function (h) { if (h) box.appendChild(el("p", { text: h })); });
    box.hidden = false;
  }
  function errorOf(data, status) {
    if (data && data.error) return { message: data.error, hints: (data.errors || []).map(function (e) { return e.hint; }) };
    return { message: "the server answered " + status, hints: [] };
  }
  function request(url, options) {
    return fetch(url, options).then(function (response) {
      return response.text().then(function (body) {
        let data = null;
        try { data = JSON.parse(body); } catch (e) { data = null; }
        return { status: response.status, ok: response.ok, data: data };
      });
    });
  }

  // ------------------------------------------------------------------ opening a text
  $("open-corpus").addEventListener("change", function () {
    if (this.value) { $("open-name").value = this.value; $("open-upload").value = ""; }
  });
  $("open-upload").addEventListener("change", function () {
    if (this.files.length) { $("open-name").value = this.files[0].name; $("open-corpus").value = ""; }
  });

  function readText() {
    const corpus = $("open-corpus").value;
    if (corpus) {
      return fetch("/annotate/texts/" + encodeURIComponent(corpus)).then(function (response) {
        if (response.ok) return response.text();
        return response.json().then(function (data) { throw new Error(errorOf(data, response.status).message); });
      });
    }
    const upload = $("open-upload").files[0];
    if (upload) return upload.text();
    return Promise.resolve($("open-paste").value);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    $("annotate-problem").hidden = true;
    say($("open-status"), "reading the text…");
    readText().then(function (text) {
      if (!text.trim()) throw new Error("there is no text: choose a corpus file, upload a .txt file or paste the text");
      const file = $("open-name").value.trim() || "pasted.txt";
      say($("open-status"), "drafting…");
      return request(form.action, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ text: text, file: file, published: $("open-published").value || null }),
      }).then(function (r) {
        if (!r.ok || !r.data || !r.data.draft) {
          const e = errorOf(r.data, r.status);
          say($("open-status"), "");
          fail("No draft: " + e.message, e.hints);
          return;
        }
        load(text, file, r.data.draft);
        say($("open-status"), "draft ready: review it below");
      });
    }).catch(function (error) { say($("open-status"), ""); fail(String(error.message || error)); });
  });

  // ------------------------------------------------------------------ the draft
  function load(text, file, doc) {
    S.text = text; S.at = A.offsets(text); S.file = file; S.doc = doc; S.items = {}; S.byUid = {};
    S.entities = {};
    GRAPH.forEach(function (e) { S.entities[e.id] = e; });
    const ents = doc.entities || {};
    Object.keys(KINDS).forEach(function (k) {
      (ents[k] || []).forEach(function (e) { S.entities[e.id] = { id: e.id, label: e.label || e.id, kind: KINDS[k], fresh: true }; });
    });
    SECTIONS.forEach(function (section) {
      const list = KINDS[section] ? ents[section] : doc[section];
      S.items[section] = (list || []).map(function (data) { return item(section, data, data.draft ? "draft" : "accepted"); });
    });
    collectDates();
    $("annotate-work").hidden = false;
    const article = doc.article || {};
    say($("text-heading"), article.title || file);
    say($("text-meta"), file + (article.published ? " · published " + dateText(article.published) : ""));
    renderAll();
    changed();
  }

  function item(section, data, status) {
    const it = { uid: "p" + S.next++, section: section, data: data, status: status };
    S.byUid[it.uid] = it;
    return it;
  }

  // the date expressions found (and those already in use), for the events' pick-lists
  function collectDates() {
    const seen = {};
    S.dates = [];
    const add = function (d, quote) {
      if (!d || typeof d !== "object") return;
      const key = JSON.stringify(d);
      if (!seen[key]) { seen[key] = true; S.dates.push({ date: d, quote: quote }); }
    };
    add((S.doc.article || {}).published, "published");
    S.items.dates.forEach(function (it) { add(it.data.date, it.data.quote); });  // kept or not, still a reading
    S.items.events.forEach(function (it) { add(it.data.date); });
  }

  function dateText(d) {
    if (!d) return "no date";
    if (d.on) return d.on;
    if (d.week) return "week of " + d.week;
    if (d.month) return d.month;
    if (d.year) return String(d.year);
    return (d.from || "…") + " – " + (d.to || "…");
  }

  // the document as it stands: rejected proposals left out, accepted ones without their draft marks
  function build() {
    const out = {};
    S.index = {};
    Object.keys(S.doc).forEach(function (key) {
      if (key === "entities") {
        out.entities = {};
        Object.keys(S.doc.entities || {}).forEach(function (k) {
          out.entities[k] = KINDS[k] ? kept(k) : clone(S.doc.entities[k]);
        });
      } else if (SECTIONS.indexOf(key) >= 0) out[key] = kept(key);
      else out[key] = clone(S.doc[key]);
    });
    ["mentions", "events"].forEach(function (k) { if (!out[k] && S.items[k].length) out[k] = kept(k); });
    return out;
  }

  function kept(section) {
    S.index[section] = [];
    return S.items[section].filter(function (it) { return it.status !== "rejected"; }).map(function (it) {
      S.index[section].push(it.uid);
      const data = clone(it.data);
      if (it.status === "accepted") { delete data.draft; delete data.candidates; }
      return data;
    });
  }

  function stem() { return S.file.replace(/\.[^.]*$/, "") || "article"; }

  // ------------------------------------------------------------------ the text, highlighted
  function locate(quote, occurrence, prefix) {
    const hits = [];
    if (!quote) return hits;
    const needle = (prefix || "") + quote;
    let at = S.text.indexOf(needle);
    while (at >= 0) { hits.push(at + (prefix || "").length); at = S.text.indexOf(needle, at + needle.length); }
    if (occurrence === "all") {
      const word = /[\p{L}\p{N}_]/u;
      return hits.filter(function (h) {
        return !word.test(S.text.charAt(h - 1) || " ") && !word.test(S.text.charAt(h + quote.length) || " ");
      });
    }
    if (typeof occurrence === "number") return hits[occurrence - 1] === undefined ? [] : [hits[occurrence - 1]];
    return hits.slice(0, 1);
  }

  function spansOf(m) {
    if (Array.isArray(m.spans) && m.spans.length) return m.spans;
    return locate(m.quote, m.occurrence, m.prefix).map(function (u) {
      return [S.at.point(u), S.at.point(u + m.quote.length)];
    });
  }

  function renderText() {
    const marks = [];
    S.items.mentions.forEach(function (it) {
      if (it.status === "rejected") return;
      spansOf(it.data).forEach(function (sp) { marks.push({ s: S.at.unit(sp[0]), e: S.at.unit(sp[1]), it: it }); });
    });
    marks.sort(function (a, b) { return a.s - b.s || b.e - a.e; });
    const box = $("article-text");
    box.replaceChildren();
    let at = 0;
    marks.forEach(function (m) {
      if (m.s < at || m.e <= m.s) return;  // nested in, or overlapping, a longer mention: shown once
      if (m.s > at) box.appendChild(document.createTextNode(S.text.slice(at, m.s)));
      const who = entity(m.it.data.entity);
      box.appendChild(el("mark", {
        class: "k-" + who.kind + (m.it.status === "draft" ? " pending" : ""), "data-uid": m.it.uid,
        title: who.label + " (" + who.kind + ")" + (m.it.status === "draft" ? ", a draft" : ""),
        text: S.text.slice(m.s, m.e),
      }));
      at = m.e;
    });
    box.appendChild(document.createTextNode(S.text.slice(at)));
  }

  $("article-text").addEventListener("click", function (event) {
    const mark = event.target.closest("mark[data-uid]");
    if (mark && document.getSelection().isCollapsed) focusItem(mark.dataset.uid);
  });

  // ------------------------------------------------------------------ proposals
  function renderAll() {
    renderText();
    renderList("mentions");
    renderList("events");
    const others = $("others-list");
    others.replaceChildren();
    ["dates", "claims", "places", "actors", "infrastructure"].forEach(function (s) {
      S.items[s].forEach(function (it) { others.appendChild(renderItem(it)); });
    });
    $("others-panel").hidden = !others.children.length;
    renderPickers();
  }

  function renderList(section) {
    const list = $(section + "-list");
    list.replaceChildren();
    S.items[section].forEach(function (it) { list.appendChild(renderItem(it)); });
    const n = S.items[section].length;
    const drafts = S.items[section].filter(function (it) { return it.status === "draft"; }).length;
    say($(section + "-count"), n + (drafts ? ", " + drafts + " to review" : ""));
  }

  function renderItem(it) {
    const li = el("li", { class: "proposal " + it.status, tabindex: "0", "data-uid": it.uid, id: "item-" + it.uid });
    const head = el("div", { class: "proposal-head" });
    summary(it).forEach(function (n) { if (n) head.append(n); });
    head.appendChild(el("span", { class: "state", text: { draft: "draft", accepted: "accepted", rejected: "rejected" }[it.status] }));
    li.appendChild(head);
    const actions = el("div", { class: "actions" }, [
      it.status === "rejected" ? null
        : el("button", { type: "button", "data-act": "accept", disabled: it.status === "accepted", text: "Accept" }),
      el("button", { type: "button", "data-act": "reject", text: it.status === "rejected" ? "Restore" : "Reject" }),
    ]);
    li.appendChild(actions);
    if (it.section === "mentions" && it.status !== "rejected") li.appendChild(relink(it));
    if (it.section === "events" && it.status !== "rejected") li.appendChild(eventEditor(it));
    return li;
  }

  function summary(it) {
    const d = it.data;
    if (it.section === "mentions") {
      const who = entity(d.entity);
      const n = spansOf(d).length;
      return [el("span", { class: "swatch k-" + who.kind }), el("q", { text: d.quote }),
              n > 1 ? el("span", { class: "hint", text: " ×" + n }) : null, " → ",
              el("strong", { text: who.label }), el("span", { class: "hint", text: " " + who.kind })].filter(Boolean);
    }
    if (it.section === "events") {
      return [el("strong", { text: (d.type || "event") + " " }), "at ", el("strong", { text: d.place ? entity(d.place).label : "no place yet" }),
              el("span", { class: "hint", text: " · " + dateText(d.date) })];
    }
    if (it.section === "dates") {
      return [el("q", { text: d.quote }), " → ", el("strong", { text: dateText(d.date) }),
              el("span", { class: "hint", text: d.date && d.date.derivation ? " " + d.date.derivation : "" })];
    }
    if (it.section === "claims") {
      return [el("strong", { text: entity(d.place).label }), " " + [d.km ? d.km + " km" : "", d.bearing || ""].join(" ") + " of ",
              el("strong", { text: entity(d.reference).label })];
    }
    return [el("span", { class: "swatch k-" + KINDS[it.section] }), "new " + KINDS[it.section] + ": ",
            el("strong", { text: d.label || d.id }), el("span", { class: "hint", text: d.type ? " " + d.type : "" })];
  }

  function entityOptions(select, current, kinds, candidates) {
    select.appendChild(option("", "choose…", !current));
    if (candidates && candidates.length) {
      const group = el("optgroup", { label: "Candidates" });
      candidates.forEach(function (c) {
        const id = typeof c === "string" ? c : (c.entity || c.id);
        group.appendChild(option(id, entity(id).label + (c.score !== undefined ? " (" + c.score + ")" : ""), false));
      });
      select.appendChild(group);
    }
    const names = { place: "Places", asset: "Assets", actor: "Actors" };
    kinds.forEach(function (kind) {
      const group = el("optgroup", { label: names[kind] });
      Object.keys(S.entities).map(function (k) { return S.entities[k]; })
        .filter(function (e) { return e.kind === kind; })
        .sort(function (a, b) { return a.label.localeCompare(b.label); })
        .forEach(function (e) { group.appendChild(option(e.id, e.label, e.id === current)); });
      select.appendChild(group);
    });
    if (current && !S.entities[current]) select.appendChild(option(current, current + " (not in the graph)", true));
  }

  function actors() {
    return Object.keys(S.entities).map(function (k) { return S.entities[k]; })
      .filter(function (e) { return e.kind === "actor"; })
      .sort(function (a, b) { return a.label.localeCompare(b.label); });
  }

  function relink(it) {
    const id = "relink-" + it.uid;
    const select = el("select", { id: id, "data-field": "entity" });
    entityOptions(select, it.data.entity, ["place", "asset", "actor"], it.data.candidates);
    return el("div", { class: "row" }, [el("label", { for: id, text: "Linked to" }), select]);
  }

  function act(it, what) {
    if (what === "accept") it.status = "accepted";
    else if (what === "reject") it.status = it.status === "rejected" ? (it.data.draft ? "draft" : "accepted") : "rejected";
    refresh(it);
  }

  function refresh(it, keepFocus) {
    const old = $("item-" + it.uid);
    const fresh = renderItem(it);
    if (old) old.replaceWith(fresh);
    if (it.section === "dates") { collectDates(); renderList("events"); }
    if (it.section === "mentions" || it.section === "events") renderList(it.section);
    renderText();
    renderPickers();
    changed();
    if (keepFocus !== false) focusItem(it.uid, keepFocus);
  }

  function focusItem(uid, selector) {
    const li = $("item-" + uid);
    if (!li) return;
    const target = (selector && li.querySelector(selector)) || li;
    li.classList.add("flash");
    setTimeout(function () { li.classList.remove("flash"); }, 1200);
    target.focus();
    li.scrollIntoView({ block: "nearest" });
  }

  function handle(event) {
    const li = event.target.closest("li.proposal");
    if (!li) return;
    const it = S.byUid[li.dataset.uid];
    const button = event.target.closest("button[data-act]");
    if (event.type === "click" && button) {
      act(it, button.dataset.act);
      focusItem(it.uid, "button[data-act=" + button.dataset.act + "]:not([disabled])");
    }
    if (event.type === "change") edit(it, event.target);
    if (event.type === "keydown" && !event.ctrlKey && !event.metaKey && !event.altKey
        && (event.target === li || event.target.tagName === "BUTTON")) {
      const key = event.key.toLowerCase();
      if (key !== "a" && key !== "r") return;
      event.preventDefault();
      act(it, key === "a" ? "accept" : "reject");
      const next = $("item-" + it.uid).nextElementSibling;
      if (next) next.focus(); else focusItem(it.uid);
    }
  }
  ["mentions-list", "events-list", "others-list"].forEach(function (id) {
    ["click", "change", "keydown"].forEach(function (type) { $(id).addEventListener(type, handle); });
  });

  // once the proposals worth keeping are accepted, the rest can go in one step
  $("reject-rest").addEventListener("click", function () {
    SECTIONS.forEach(function (section) {
      S.items[section].forEach(function (it) { if (it.status === "draft") it.status = "rejected"; });
    });
    collectDates();
    renderAll();
    changed();
  });

  // ------------------------------------------------------------------ events
  function field(it, name, label, control) {
    const id = "f-" + it.uid + "-" + name;
    control.id = id;
    control.dataset.field = name;
    return el("div", { class: "row" }, [el("label", { for: id, text: label }), control]);
  }

  function eventEditor(it) {
    const d = it.data;
    const box = el("div", { class: "event-fields" });
    const type = el("select");
    VOCAB.types.forEach(function (t) { type.appendChild(option(t, t, t === d.type)); });
    box.appendChild(field(it, "id", "Id", el("input", { type: "text", value: d.id || "" })));
    box.appendChild(field(it, "type", "Type", type));
    const place = el("select");
    entityOptions(place, d.place, ["place", "asset"]);
    box.appendChild(field(it, "place", "Place", place));
    const roles = (VOCAB.roles[d.type] || []).slice();
    ["gaining", "losing", "controller", "attacker", "defender", "present"].forEach(function (r) {
      if (roles.indexOf(r) < 0 && d[r] && d[r].length) roles.push(r);  // shown while it holds anything
    });
    roles.concat(["supporting", "source"]).forEach(function (role) {
      const select = el("select", { multiple: true, size: "3" });
      actors().forEach(function (e) { select.appendChild(option(e.id, e.label, false)); });
      Array.from(select.options).forEach(function (o) { o.selected = (d[role] || []).indexOf(o.value) >= 0; });
      box.appendChild(field(it, role, role.charAt(0).toUpperCase() + role.slice(1), select));
    });
    const date = el("select");
    date.appendChild(option("", "no date", !d.date));
    S.dates.forEach(function (x, i) {
      const words = dateText(x.date) + (x.quote ? " — “" + x.quote + "”" : x.date.derivation ? " — " + x.date.derivation : "");
      date.appendChild(option(String(i), words, JSON.stringify(x.date) === JSON.stringify(d.date)));
    });
    box.appendChild(field(it, "date", "Date", date));
    [["certainty", VOCAB.certainty], ["scope", VOCAB.scope]].forEach(function (pair) {
      const select = el("select");
      select.appendChild(option("", "not said", !d[pair[0]]));
      pair[1].forEach(function (v) { select.appendChild(option(v, v, v === d[pair[0]])); });
      box.appendChild(field(it, pair[0], pair[0].charAt(0).toUpperCase() + pair[0].slice(1), select));
    });
    box.appendChild(evidenceList(it));
    const details = el("details", { class: "event-details", open: !!it.open }, [
      el("summary", { text: "Fields and evidence" + ((d.evidence || []).length ? " (" + d.evidence.length + " spans)" : "") }), box,
    ]);
    details.addEventListener("toggle", function () { it.open = details.open; });
    return details;
  }

  function evidenceList(it) {
    const list = el("ul", { class: "evidence" });
    (it.data.evidence || []).forEach(function (ev, i) {
      const words = ev.quote || ((ev.from || "") + " … " + (ev.to || ""));
      const remove = el("button", { type: "button", class: "small", "data-evidence": String(i), text: "Remove" });
      remove.setAttribute("aria-label", "remove the evidence " + words.slice(0, 40));
      list.appendChild(el("li", {}, [el("q", { text: words }), " ", remove]));
    });
    if (!list.children.length) list.appendChild(el("li", { class: "hint", text: "no evidence yet: select its words in the text" }));
    return el("div", { class: "row evidence-row" }, [el("span", { class: "label", text: "Evidence" }), list]);
  }

  function edit(it, control) {
    const name = control.dataset.field;
    if (!name) return;
    const d = it.data;
    if (name === "entity") { d.entity = control.value; it.status = "accepted"; refresh(it, "select[data-field=entity]"); return; }
    if (control.multiple) {
      const chosen = Array.from(control.selectedOptions).map(function (o) { return o.value; });
      if (chosen.length) d[name] = chosen; else delete d[name];
    } else if (name === "date") {
      if (control.value === "") delete d.date; else d.date = clone(S.dates[Number(control.value)].date);
    } else if (control.value === "") delete d[name];
    else d[name] = control.value;
    refresh(it, "[data-field=" + name + "]");
  }

  $("events-list").addEventListener("click", function (event) {
    const button = event.target.closest("button[data-evidence]");
    if (!button) return;
    const it = S.byUid[button.closest("li.proposal").dataset.uid];
    it.data.evidence.splice(Number(button.dataset.evidence), 1);
    refresh(it);
  });

  $("new-event").addEventListener("click", function () {
    let n = S.items.events.length + 1;
    const ids = S.items.events.map(function (it) { return it.data.id; });
    while (ids.indexOf("event-" + n) >= 0) n++;
    const it = item("events", { id: "event-" + n, type: VOCAB.types[0], evidence: [] }, "accepted");
    it.open = true;
    S.items.events.push(it);
    renderList("events");
    renderPickers();
    changed();
    focusItem(it.uid, "[data-field=type]");
  });

  // ------------------------------------------------------------------ selecting words
  function renderPickers() {
    const entitySelect = $("selection-entity");
    const was = entitySelect.value;
    entitySelect.replaceChildren();
    entityOptions(entitySelect, was, ["place", "asset", "actor"]);
    const eventSelect = $("selection-event");
    const chosen = eventSelect.value;
    eventSelect.replaceChildren(option("", "choose an event…", !chosen));
    S.items.events.forEach(function (it) {
      if (it.status === "rejected") return;
      eventSelect.appendChild(option(it.uid, it.data.id + " (" + it.data.type + ")", it.uid === chosen));
    });
    enableSelection();
  }

  function enableSelection() {
    $("add-mention").disabled = !S.selection || !$("selection-entity").value;
    $("add-evidence").disabled = !S.selection || !$("selection-event").value;
  }
  $("selection-entity").addEventListener("change", enableSelection);
  $("selection-event").addEventListener("change", enableSelection);

  function forgetSelection() {
    S.selection = null;
    say($("selection-words"), "select words in the text to add a mention or evidence");
    enableSelection();
  }

  document.addEventListener("selectionchange", function () {
    const sel = document.getSelection();
    const box = $("article-text");
    if (!sel.rangeCount) { forgetSelection(); return; }
    if (!box.contains(sel.anchorNode) || !box.contains(sel.focusNode)) return;  // kept while choosing
    if (sel.isCollapsed) { forgetSelection(); return; }
    const range = sel.getRangeAt(0);
    const before = document.createRange();
    before.setStart(box, 0);
    before.setEnd(range.startContainer, range.startOffset);
    let s = before.toString().length;
    let e = s + range.toString().length;
    while (s < e && /\s/.test(S.text.charAt(s))) s++;
    while (e > s && /\s/.test(S.text.charAt(e - 1))) e--;
    if (e <= s) return;
    S.selection = { s: s, e: e, quote: S.text.slice(s, e) };
    say($("selection-words"), "“" + S.selection.quote + "”");
    enableSelection();
  });

  // the selected words as a quote, with which occurrence they are when they repeat (as kg counts)
  function located(sel) {
    const all = [];
    let at = S.text.indexOf(sel.quote);
    while (at >= 0) { all.push(at); at = S.text.indexOf(sel.quote, at + sel.quote.length); }
    const out = { quote: sel.quote };
    if (all.length > 1) out.occurrence = Math.max(1, all.indexOf(sel.s) + 1);
    return out;
  }

  $("add-mention").addEventListener("click", function () {
    const sel = S.selection;
    const m = Object.assign({ entity: $("selection-entity").value }, located(sel));
    m.spans = [[S.at.point(sel.s), S.at.point(sel.e)]];
    const it = item("mentions", m, "accepted");
    S.items.mentions.push(it);
    document.getSelection().removeAllRanges();
    forgetSelection();
    refresh(it);
  });

  $("add-evidence").addEventListener("click", function () {
    const sel = S.selection;
    const it = S.byUid[$("selection-event").value];
    const ev = located(sel);
    ev.span = [S.at.point(sel.s), S.at.point(sel.e)];
    it.data.evidence = (it.data.evidence || []).concat([ev]);
    it.open = true;
    document.getSelection().removeAllRanges();
    forgetSelection();
    refresh(it);
  });

  // ------------------------------------------------------------------ validation, live
  function changed() {
    const doc = build();
    $("yaml-preview").textContent = A.yaml(doc);
    say($("validate-status"), "checking…");
    S.seq++;  // an answer to an earlier check, still on its way, is now out of date
    clearTimeout(S.timer);
    S.timer = setTimeout(validate, 600);
  }

  function body() {
    return JSON.stringify({ annotation: A.yaml(build()), text: S.text, name: stem() + ".yaml" });
  }

  function validate() {
    const seq = S.seq;
    request("/validate", { method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" }, body: body() })
      .then(function (r) {
        if (seq !== S.seq) return;  // a newer check is on its way
        if (r.data && Array.isArray(r.data.problems)) showProblems(r.data.problems);
        else { const e = errorOf(r.data, r.status); showProblems([]); say($("validate-status"), "could not check: " + e.message); }
      })
      .catch(function (error) { if (seq === S.seq) say($("validate-status"), "could not check: " + error); });
  }

  function advice(p) {
    if (p.check === "draft" || /draft/i.test(p.message)) return "accept, re-link or reject the proposal";
    if (p.check === "reference") return "link it to an entity the graph knows (the pick-list), or reject it";
    if (p.check === "text") return "select its words in the text again: a quote must be there exactly";
    if (p.check === "schema") return "fill in the field as docs/annotation-format.md describes";
    return "change the item's fields as the message says";
  }

  function owner(fieldPath) {
    const m = /^(?:entities\.)?(mentions|events|claims|places|actors|infrastructure)\[(\d+)\]/.exec(fieldPath || "");
    return m && S.index[m[1]] ? S.index[m[1]][Number(m[2])] : null;
  }

  function showProblems(problems) {
    const list = $("problems");
    list.replaceChildren();
    const errors = problems.filter(function (p) { return p.severity === "error"; }).length;
    say($("validate-status"), errors ? errors + " problem" + (errors === 1 ? "" : "s") + ": not ready to submit"
      : "validates: ready to submit" + (problems.length ? " (" + problems.length + " remarks)" : ""));
    problems.forEach(function (p) {
      const uid = owner(p.field);
      const words = (p.field || "the file") + ": " + p.message;
      const button = el("button", { type: "button", class: "link", "data-uid": uid || undefined, text: words });
      button.disabled = !uid;
      list.appendChild(el("li", { class: p.severity }, [button, el("small", { class: "hint", text: "what to do: " + advice(p) })]));
    });
  }

  $("problems").addEventListener("click", function (event) {
    const button = event.target.closest("button[data-uid]");
    if (!button) return;
    const it = S.byUid[button.dataset.uid];
    if (it.section === "events" && !it.open) { it.open = true; refresh(it, false); }
    focusItem(it.uid);
  });

  // ------------------------------------------------------------------ saving
  $("download").addEventListener("click", function () {
    const blob = new Blob([A.yaml(build())], { type: "application/yaml" });
    const a = el("a", { href: URL.createObjectURL(blob), download: stem() + ".yaml" });
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  });

  $("submit-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const token = $("submit-token").value.trim();
    $("submit-link").hidden = true;
    say($("submit-status"), "submitting…");
    request("/submissions", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "Authorization": "Bearer " + token },
      body: body(),
    }).then(function (r) {
      if (r.ok && r.data && r.data.id) {
        say($("submit-status"), r.status === 201 ? "stored as a new submission" : "this file was already stored");
        const a = $("submit-link").querySelector("a");
        a.href = "/submissions/" + encodeURIComponent(r.data.id);
        a.textContent = "submission " + r.data.id;
        $("submit-link").hidden = false;
        return;
      }
      if (r.data && Array.isArray(r.data.problems)) showProblems(r.data.problems);
      say($("submit-status"), "not stored: " + errorOf(r.data, r.status).message);
    }).catch(function (error) { say($("submit-status"), "the request failed: " + error); });
  });
})();
