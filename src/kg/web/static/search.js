// The search box in every page's header: each keystroke asks the reconciliation service's
// suggest endpoint (/reconcile/suggest/entity, any spelling: labels, alternate names, a prefix)
// and offers its hits; choosing one, or pressing Enter, opens the first matching /id/ page.
"use strict";
(function () {
  const form = document.getElementById("search");
  const box = document.getElementById("search-box");
  const list = document.getElementById("search-hits");
  if (!form || !box) return;
  let hits = [];
  const suggest = (text) =>
    fetch(form.action + "?prefix=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : { result: [] }))
      .then((body) => body.result || []);
  const open = (hit) => { window.location.href = "/id/" + hit.id; };
  box.addEventListener("input", () => {
    const text = box.value.trim();
    const chosen = hits.find((h) => h.name === text);
    if (chosen) return open(chosen);
    if (text.length < 2) return;
    suggest(text).then((found) => {
      hits = found;
      list.replaceChildren(...found.map((h) => {
        const option = document.createElement("option");
        option.value = h.name;
        option.label = h.description || "";
        return option;
      }));
      form.dataset.hits = String(found.length);
    });
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = box.value.trim();
    if (!text) return;
    suggest(text).then((found) => {
      if (found.length) open(found[0]);
      else {
        box.setCustomValidity("nothing in the graph is called " + text + ": try another spelling");
        box.reportValidity();
        box.addEventListener("input", () => box.setCustomValidity(""), { once: true });
      }
    });
  });
})();
