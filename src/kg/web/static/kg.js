// The SPARQL editor on the home page: runs the query through /sparql (the same endpoint any
// SPARQL client uses) and shows the rows, with kg IRIs linked to their pages. No libraries.
(function () {
  "use strict";
  const form = document.getElementById("sparql-form");
  if (!form) return;
  const query = document.getElementById("query");
  const results = document.getElementById("results");
  const status = document.getElementById("status");
  const examples = JSON.parse(document.getElementById("examples").textContent);
  const prefixes = JSON.parse(document.getElementById("prefixes").textContent);
  const ID = "https://w3id.org/kg/id/";

  document.getElementById("example").addEventListener("change", function (event) {
    if (examples[event.target.value]) query.value = prefixes + "\n\n" + examples[event.target.value];
  });

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri" && (term.value.startsWith(ID) || /^https?:\/\//i.test(term.value))) {
      const a = document.createElement("a");  // only kg's own ids and http(s) IRIs become links
      a.href = term.value.startsWith(ID) ? "/id/" + term.value.slice(ID.length) : term.value;
      a.textContent = term.value.startsWith(ID) ? term.value.slice(ID.length) : term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;  // text, never HTML
    }
    return td;
  }

  function show(data) {
    results.replaceChildren();
    if (typeof data.boolean === "boolean") { results.textContent = data.boolean ? "yes" : "no"; return; }
    const table = document.createElement("table");
    table.id = "sparql-results";
    const head = table.createTHead().insertRow();
    data.head.vars.forEach(function (v) { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); });
    const body = table.createTBody();
    data.results.bindings.forEach(function (b) {
      const tr = body.insertRow();
      data.head.vars.forEach(function (v) { tr.appendChild(cell(b[v])); });
    });
    results.appendChild(table);
    const n = data.results.bindings.length;
    status.textContent = n + " row" + (n === 1 ? "" : "s") + (data.kg && data.kg.truncated ? ", cut at the row limit" : "");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    status.textContent = "running…";
    fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json" },
      body: query.value,
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { results.replaceChildren(); status.textContent = data.error || ("error " + response.status); return; }
        show(data);
      });
    }).catch(function (error) { status.textContent = "the request failed: " + error; });
  });
})();
