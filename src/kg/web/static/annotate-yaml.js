// The annotator's YAML writer and text offsets, no libraries: an annotation document (plain
// objects, arrays, strings, numbers, booleans) as block YAML in the layout of data/articles/,
// every string that could be read as anything else written double-quoted; and the conversion
// between the browser's UTF-16 string indices and the code-point offsets the format counts.
(function () {
  "use strict";
  const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~)$/i;
  const PLAIN = /^[A-Za-z][A-Za-z0-9_ .,'()\/-]*$/;

  function scalar(value) {
    if (value === null || value === undefined) return "null";
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    const s = String(value);
    if (PLAIN.test(s) && !RESERVED.test(s) && !/\s$/.test(s)) return s;
    // JSON's double-quoted string is YAML's too; escape the line breaks YAML 1.1 also knows
    return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029]/g, function (c) {
      return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
    });
  }

  function isFlow(value) {
    if (!Array.isArray(value)) return value === null || typeof value !== "object";
    return value.every(function (v) { return Array.isArray(v) ? v.every(isFlow) : isFlow(v); });
  }

  function flow(value) {
    if (!Array.isArray(value)) return scalar(value);
    return "[" + value.map(flow).join(", ") + "]";
  }

  function mapping(object, indent) {
    const pad = " ".repeat(indent);
    const lines = [];
    Object.keys(object).forEach(function (key) {
      const value = object[key];
      if (value === undefined) return;
      const head = pad + scalar(key) + ":";
      if (isFlow(value)) lines.push(head + " " + flow(value));
      else if (Array.isArray(value)) { lines.push(head); lines.push.apply(lines, sequence(value, indent)); }
      else if (!Object.keys(value).length) lines.push(head + " {}");
      else { lines.push(head); lines.push.apply(lines, mapping(value, indent + 2)); }
    });
    return lines;
  }

  function sequence(items, indent) {
    const pad = " ".repeat(indent);
    const lines = [];
    items.forEach(function (item) {
      if (isFlow(item)) { lines.push(pad + "- " + flow(item)); return; }
      const inner = Array.isArray(item) ? sequence(item, indent + 2) : mapping(item, indent + 2);
      if (!inner.length) { lines.push(pad + "- {}"); return; }
      inner[0] = pad + "- " + inner[0].trimStart();
      lines.push.apply(lines, inner);
    });
    return lines;
  }

  // Offsets: the format counts code points (Python's str); the DOM counts UTF-16 units.
  function offsets(text) {
    const toUnit = [0];
    const toPoint = new Int32Array(text.length + 1);
    let unit = 0;
    for (const ch of text) {
      for (let k = 0; k < ch.length; k++) toPoint[unit + k] = toUnit.length - 1;
      unit += ch.length;
      toUnit.push(unit);
    }
    toPoint[text.length] = toUnit.length - 1;
    return {
      unit: function (point) { return toUnit[Math.max(0, Math.min(point, toUnit.length - 1))]; },
      point: function (u) { return toPoint[Math.max(0, Math.min(u, text.length))]; },
    };
  }

  window.kgAnnotation = {
    yaml: function (doc) { return mapping(doc, 0).join("\n") + "\n"; },
    offsets: offsets,
  };
})();
