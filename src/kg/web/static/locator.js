// The small locator map on a place's page: the country outlines the /map page uses (served
// locally) in the same equirectangular frame, with a dot where the place lies. No libraries
// beyond topojson-client.
"use strict";
(function () {
  const svg = document.getElementById("locator");
  if (!svg) return;
  const NS = "http://www.w3.org/2000/svg";
  const WEST = 34, EAST = 45, SOUTH = 29, NORTH = 38, WIDTH = 1100, HEIGHT = 900;
  const x = (lon) => ((lon - WEST) / (EAST - WEST)) * WIDTH;
  const y = (lat) => ((NORTH - lat) / (NORTH - SOUTH)) * HEIGHT;
  const el = (name, attrs) => {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return svg.appendChild(node);
  };
  const ring = (coords) => coords.map(([lon, lat], i) => (i ? "L" : "M") + x(lon).toFixed(1) + "," + y(lat).toFixed(1)).join("") + "Z";
  fetch(svg.dataset.countries).then((r) => r.json()).then((topology) => {
    for (const f of topojson.feature(topology, topology.objects.countries).features) {
      const polys = f.geometry ? (f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates) : [];
      if (!polys.some((p) => p[0].some(([lon, lat]) => lon > WEST - 5 && lon < EAST + 5 && lat > SOUTH - 5 && lat < NORTH + 5))) continue;
      el("path", { d: polys.map((p) => p.map(ring).join("")).join(""), class: "country" + (f.properties.name === "Syria" ? " syria" : "") });
    }
    el("circle", { class: "here", cx: x(+svg.dataset.lon), cy: y(+svg.dataset.lat), r: 22 });
    svg.dataset.ready = "true";
  });
})();
