"""The annotation audit table (docs/annotation-audit.md) against a real build of the seed data:
every row it says is "in graph" names annotations that exist with the kind the row gives, and its
totals and share are what its own rows add up to, so the table cannot claim more than the graph has."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg import pipeline
from kg.config import PROJECT_ROOT, Settings
from kg.store import Store
from kg.store.embedded import EmbeddedStore

from .conftest import SEED_CORPUS

AUDIT = PROJECT_ROOT / "docs" / "annotation-audit.md"
KG, KGID = "https://w3id.org/kg/ontology#", "https://w3id.org/kg/id/"
PREFIXES = (
    f"PREFIX kg: <{KG}> PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX schema: <https://schema.org/>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
STATUSES = ("in graph", "missing: kind not yet modelled", "missing: not annotated")
KIND_CLASSES = {  # the classes (or their subclasses) an annotation of each kind has
    "control event": ("Capture", "Withdrawal", "Siege", "SiegeBroken", "Assault"),
    "control state": ("ControlObservation",),
    "presence": ("PresenceObservation",),
    "distance": ("DistanceClaim",),
    "route": ("RouteEvent",),
    "casualty": ("CasualtyFigure",),
    "damage": ("CasualtyFigure",),
    "population": ("CasualtyFigure",),
    "claim": ("Statement",),
    "denial": ("Statement",),
    "planned operation": ("AnnouncedOperation",),
    "statement date": ("Statement", "AnnouncedOperation", "CitedReport"),  # what an @date of the kind names
}
NODES = ("event", "claim", "casualty", "incident", "statement", "announcement", "report")  # kgid:<form>/<stem>/<id>
DATES = ("date", "statement date")
ROLES = {
    "gaining": "kg:gainingActor",
    "losing": "kg:losingActor",
    "controller": "kg:controllingActor",
    "attacker": "kg:attackingActor",
    "defender": "kg:defendingActor",
    "present": "kg:presentActor",
    "supporting": "kg:supportingActor",
    "source": "prov:wasAttributedTo",
    "place": "kg:place",
}
ARTICLE_FIELDS = {"cites": "schema:citation", "publisher": "schema:publisher"}
ATTRIBUTION_RELATIONS = {"memberOf", "stance", "ownership"}  # ownership: "Russian-owned"
ROW = re.compile(r"^\| (\d{3})-(\d{2}) \| (.+?) \| ([a-z ]+) \| (.+?) \| (.+?) \|$")
TOTALS = re.compile(r"^Totals (\d{3}): facts (\d+), in graph (\d+), contradicting (\d+), invented (\d+)\.$")
OVERALL = re.compile(r"^Overall: facts (\d+), in graph (\d+) \((\d+\.\d)%\), contradicting (\d+), invented (\d+)\.$")


@dataclass(frozen=True)
class Row:
    """One fact of the table: its article's number, its row id, its kind, what it names, its status."""

    article: str
    id: str
    kind: str
    where: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class Table:
    """The rows and the totals the table states (per article, and overall with its share)."""

    rows: tuple[Row, ...]
    totals: dict[str, tuple[int, ...]]
    overall: tuple[float, ...]


def read_table(text: str) -> Table:
    """The rows, per-article totals and overall totals of the audit document."""
    rows, totals, overall = [], {}, ()
    for line in text.splitlines():
        if m := ROW.match(line):
            where = () if m[5] == "—" else tuple(item.strip() for item in m[5].split(","))
            rows.append(Row(m[1], f"{m[1]}-{m[2]}", m[4], where, m[6]))
        elif m := TOTALS.match(line):
            totals[m[1]] = tuple(int(n) for n in m.groups()[1:])
        elif m := OVERALL.match(line):
            overall = tuple(float(n) for n in m.groups())
    return Table(tuple(rows), totals, overall)


def stems(data: Path) -> dict[str, str]:
    """The article file stem for each three-digit article number."""
    return {path.stem[:3]: path.stem for path in (data / "articles").glob("*.yaml")}


def entity(name: str, var: str = "?e") -> str:
    """The IRIs an entity id may have (place, actor or asset), bound to ``var``."""
    return f"VALUES {var} {{ <{KGID}place/{name}> <{KGID}actor/{name}> <{KGID}asset/{name}> }}"


def ask_for(item: str, kind: str, stem: str) -> str:
    """The ASK query that holds when ``item`` (one entry of a row's `where`) is in the graph with
    the row's kind; a ValueError names an entry of a form the table does not define."""
    if item.startswith("rel:"):
        subject, predicate, obj = item[4:].split(" ", 2)
        if predicate in ("stance", "ownership"):
            return f'ASK {{ ?e kg:{predicate} "{obj}" . {entity(subject)} }}'
        path = "kg:locatedIn+" if predicate == "locatedIn" else f"kg:{predicate}"
        return f"ASK {{ ?e {path} ?o . {entity(subject)} {entity(obj, '?o')} }}"
    if item.startswith("source:"):
        return f"ASK {{ ?e kg:sourceKind ?kind . {entity(item[7:])} }}"
    head, _, detail = item.partition("@")
    if head == "article":
        node = f"<{KGID}article/{stem}>"
        if detail == "published":
            return f"ASK {{ {node} kg:dateEarliest|kg:dateLatest ?d }}"
        field, _, actor = detail.partition("=")
        return f"ASK {{ {node} {ARTICLE_FIELDS[field]} <{KGID}actor/{actor}> }}"
    form, _, local = head.partition(":")
    if form not in NODES or not local:
        raise ValueError(f"unknown form {item!r}")
    node = f"<{KGID}{form}/{stem}/{local}>"
    classes = " ".join(f"kg:{c}" for c in KIND_CLASSES.get(kind, ()))
    typed = f"{node} a ?t . ?t rdfs:subClassOf* ?k . VALUES ?k {{ {classes} }}" if classes else f"{node} a ?t ."
    if detail == "date":  # a statement date is of a statement, announcement or report; an event's of any
        return f"ASK {{ {typed if classes else ''} {node} kg:dateEarliest|kg:dateLatest ?d }}"
    if not detail:
        return f"ASK {{ {typed} }}"
    role, _, value = detail.partition("=")
    if role == "stance":
        return f"ASK {{ {typed} {node} kg:statementStance kg:{value.capitalize()}Stance }}"
    return f"ASK {{ {typed} {node} {ROLES[role]} ?e . {entity(value)} }}"


def form_problem(row: Row) -> str | None:
    """Why the entries of an "in graph" row cannot show a fact of its kind, or None."""
    if not row.where:
        return "is 'in graph' but names nothing"
    dated = [i for i in row.where if i.endswith("@date") or i == "article@published"]
    sourced = [i for i in row.where if i.startswith("source:") or "@source=" in i]
    cited = [i for i in row.where if "@cites=" in i or "@publisher=" in i]
    relations = [i for i in row.where if i.startswith("rel:")]
    if row.kind in DATES:
        return None if len(dated) == len(row.where) else "a date row names only @date or article@published"
    if dated:
        return "names a date, but is not a date row"
    if row.kind == "relation":
        return None if len(relations) == len(row.where) else "a relation row names only rel: entries"
    if row.kind == "anonymous source":
        return None if any(i.startswith("source:") for i in row.where) else "an anonymous source row names a source:"
    if row.kind == "attribution":
        members = sum(i.split(" ")[1] in ATTRIBUTION_RELATIONS for i in relations)
        ok = len(sourced) + len(cited) + members == len(row.where)
        return None if ok else "an attribution row names only sources, citations, members or stances"
    if row.kind in KIND_CLASSES:
        nodes = [i for i in row.where if i.partition(":")[0] in NODES]
        return None if nodes else f"a {row.kind} row names an annotation ({', '.join(NODES)})"
    return f"kind {row.kind!r} has no check"


def problems(table: Table, store: Store, data: Path) -> list[str]:
    """What is wrong with the table against the graph in ``store`` (built from ``data``)."""
    found = [f"{r.id}: unknown status {r.status!r}" for r in table.rows if r.status not in STATUSES]
    names = stems(data)
    for row in (r for r in table.rows if r.status == "in graph"):
        if why := form_problem(row):
            found.append(f"{row.id}: {why}")
            continue
        for item in row.where:
            try:
                query = ask_for(item, row.kind, names[row.article])
            except (ValueError, KeyError) as error:
                found.append(f"{row.id}: {item}: {error}")
                continue
            if not store.query(PREFIXES + query).boolean:
                found.append(f"{row.id}: {item} is not in the graph as a {row.kind}")
    return found + total_problems(table)


def total_problems(table: Table) -> list[str]:
    """Where the stated totals or share differ from what the rows add up to."""
    found = []
    for article in sorted({r.article for r in table.rows} | set(table.totals)):
        rows = [r for r in table.rows if r.article == article]
        counted = (len(rows), sum(r.status == "in graph" for r in rows), 0, 0)
        if table.totals.get(article) != counted:
            found.append(f"{article}: totals say {table.totals.get(article)}, the rows give {counted}")
    if len(table.overall) != 5:
        return [*found, "no overall line"]
    facts, in_graph = len(table.rows), sum(r.status == "in graph" for r in table.rows)
    stated_facts, stated_in, share, contradicting, invented = table.overall
    if (stated_facts, stated_in, contradicting, invented) != (facts, in_graph, 0, 0):
        found.append(
            f"overall says {table.overall[:2]}, {contradicting:.0f}, {invented:.0f}; rows give {facts}, {in_graph}"
        )
    if 100 * in_graph / facts < share:
        found.append(f"the stated share {share}% is more than the rows' {100 * in_graph / facts:.1f}%")
    return found


def test_every_in_graph_row_is_in_the_seed_graph(seed: tuple[Settings, Store]) -> None:
    """Each "in graph" row's annotations exist in the built seed graph with the kind the row says."""
    table = read_table(AUDIT.read_text("utf-8"))
    assert len(table.rows) > 200
    assert problems(table, seed[1], seed[0].data) == []


def test_the_stated_totals_and_share_are_what_the_rows_give() -> None:
    """The per-article and overall totals, and the share "in graph", add up from the rows."""
    table = read_table(AUDIT.read_text("utf-8"))
    assert set(table.totals) == {"000", "001", "002", "003", "004"}
    assert total_problems(table) == []
    assert table.overall[3:] == (0, 0), "contradicting and invented must be 0"


def test_a_table_that_claims_more_than_its_rows_fails() -> None:
    """A table that says more is in the graph than its rows (one row fewer in the graph, the totals
    left as they were), or calls a row "in graph" without an id, is caught."""
    text = AUDIT.read_text("utf-8")
    demoted = read_table(re.sub(r"\| in graph \|\n", "| missing: not annotated |\n", text, count=1))
    facts, in_graph = len(demoted.rows), sum(r.status == "in graph" for r in demoted.rows)
    found = total_problems(demoted)  # one row fewer in the graph, the totals as they were
    assert any("totals say" in p for p in found)
    assert any(
        f"stated share {demoted.overall[2]}% is more than the rows' {100 * in_graph / facts:.1f}%" in p for p in found
    )
    promoted = Row("000", "000-99", "route", (), "in graph")  # a missing row, called "in graph"
    assert form_problem(promoted) == "is 'in graph' but names nothing"


def test_a_statement_date_names_the_date_of_a_report_or_statement(seed: tuple[Settings, Store]) -> None:
    """`report:ID@date` holds for 000's two cited reports; an event's date, or a report not in the
    graph, is no statement date."""
    stem = stems(seed[0].data)["000"]

    def holds(item: str) -> bool:
        return bool(seed[1].query(PREFIXES + ask_for(item, "statement date", stem)).boolean)

    assert holds("report:al-hadath-gas-report@date")
    assert holds("report:electricity-ministry-report@date")
    assert not holds("event:qaryatayn-captured-by-army@date")
    assert not holds("report:no-such-report@date")


def test_the_check_fails_when_an_annotated_id_is_removed(tmp_path: Path) -> None:
    """On a tmp copy of data/ without one claim the table cites, the check names that row."""
    if not SEED_CORPUS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEED_CORPUS}")
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    path = next((data / "articles").glob("000_*.yaml"))
    text = path.read_text("utf-8")
    start = text.index("  - id: tishreen-from-shaer\n")
    after = re.search(r"^(  - |\S)", text[start + 1 :], re.M)  # the next item or section
    path.write_text(text[:start] + (text[start + 1 + after.start() :] if after else ""), "utf-8")
    settings = Settings.from_env({}, data=data, corpus=SEED_CORPUS, store=str(tmp_path / "store"))
    assert pipeline.build(settings).stored
    store = EmbeddedStore.open(settings.store)
    try:
        found = problems(read_table(AUDIT.read_text("utf-8")), store, data)
    finally:
        store.close()
    assert found == ["000-45: claim:tishreen-from-shaer is not in the graph as a distance"]
