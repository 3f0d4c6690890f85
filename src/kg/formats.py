"""Query results rendered for people (a table) and programs (JSON, CSV).

JSON is the W3C SPARQL 1.1 Query Results JSON Format, with a ``kg`` member that says whether
the row cap cut the result. CSV follows the W3C SPARQL CSV format (plain values).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Collection, Mapping

from kg.errors import UsageError
from kg.store import QueryResult, RdfTerm

FORMATS = ("table", "json", "csv")


def short(term: RdfTerm | None) -> str:
    """A term as a person reads it in a table: ids and local names, bare literal values.

    ``kgid:place/al-qaryatayn`` → ``al-qaryatayn``, ``kgid:event/<article>/<id>`` → ``<id>``,
    ``kg:Capture`` → ``Capture``; other IRIs are left whole.
    """
    if term is None:
        return ""
    value = term.value
    if term.kind == "uri":
        if value.startswith(KGID_BASE):
            return value[len(KGID_BASE) :].rsplit("/", 1)[-1]
        if value.startswith(KG_BASE):
            return value[len(KG_BASE) :]
    return value


KGID_BASE = "https://w3id.org/kg/id/"
KG_BASE = "https://w3id.org/kg/ontology#"


def to_json(result: QueryResult) -> str:
    body: dict[str, object]
    if result.form == "ASK":
        body = {"head": {}, "boolean": result.boolean}
    else:
        body = {
            "head": {"vars": list(result.variables)},
            "results": {"bindings": [{k: v.to_json() for k, v in row.items()} for row in result.rows]},
        }
    body["kg"] = {"truncated": result.truncated, "rows": len(result.rows), "seconds": round(result.seconds, 4)}
    return json.dumps(body, ensure_ascii=False, indent=2)


def to_csv(result: QueryResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if result.form == "ASK":
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
        return out.getvalue()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([row[v].value if v in row else "" for v in result.variables])
    return out.getvalue()


def to_table(result: QueryResult, width: int | None = None, hide: Collection[str] = ()) -> str:
    """Aligned columns for people, cut to the terminal's width, and a line counting the rows.

    Columns named in ``hide`` (a query's echoed parameters) are left out, and so is a column
    ``x`` when a column ``xLabel`` says the same thing in words.
    """
    if result.form == "ASK":
        return "yes" if result.boolean else "no"
    if result.triples is not None:
        return result.triples
    width = width or shutil.get_terminal_size((160, 20)).columns
    shown = [v for v in result.variables if v not in hide and f"{v}Label" not in result.variables]
    cells = [[short(row.get(v)) for v in shown] for row in result.rows]
    sizes = [max([len(v), *(len(c[i]) for c in cells)]) for i, v in enumerate(shown)]
    while sizes and sum(sizes) + 2 * (len(sizes) - 1) > width and max(sizes) > 8:
        sizes[sizes.index(max(sizes))] -= 1  # narrow the widest column until the table fits

    def line(values: list[str]) -> str:
        return "  ".join(_fit(v, s) for v, s in zip(values, sizes, strict=True)).rstrip()

    lines = [line(shown), line(["-" * s for s in sizes])]
    lines += [line(c) for c in cells]
    count = f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}"
    lines.append(count + (" (cut at the row limit)" if result.truncated else ""))
    return "\n".join(lines)


def _fit(value: str, size: int) -> str:
    value = value.replace("\n", " ")
    return value.ljust(size) if len(value) <= size else value[: size - 1] + "…"


RENDERERS: Mapping[str, object] = {"table": to_table, "json": to_json, "csv": to_csv}


def render(result: QueryResult, fmt: str, hide: Collection[str] = ()) -> str:
    """The result in one of :data:`FORMATS`; ``hide`` drops echoed parameters from tables."""
    if fmt == "table":
        return to_table(result, hide=hide)
    if fmt not in RENDERERS:
        raise UsageError(f"unknown format {fmt!r}", hint="one of " + ", ".join(FORMATS))
    return RENDERERS[fmt](result)  # type: ignore[operator,no-any-return]
