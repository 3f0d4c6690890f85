"""The storage seam's types: :class:`RdfTerm`, :class:`QueryResult`, :class:`Dataset`,
:class:`StoreInfo`, :class:`Quad` and the :class:`Store` protocol every backend provides.

They live here, not in the package's ``__init__``, so that the backends import them without
importing the package that opens them (no import cycle); :mod:`kg.store` re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from rdflib import Graph, URIRef


@dataclass(frozen=True)
class Quads:
    """Statements already in the store's own form: the N-Quads of the one named graph they are
    given with, which :meth:`Store.replace_all` loads as they are, with no rdflib graph in between
    (a build's mapped and cached articles). Written by :func:`kg.store.nquads_of`."""

    nquads: bytes

    def __len__(self) -> int:
        return self.nquads.count(b"\n")


@dataclass(frozen=True)
class RdfTerm:
    """An RDF term as the SPARQL 1.1 JSON results format describes it."""

    kind: str  # uri | literal | bnode | triple
    value: str
    datatype: str | None = None
    lang: str | None = None

    def to_json(self) -> dict[str, str]:
        out = {"type": self.kind, "value": self.value}
        if self.lang:
            out["xml:lang"] = self.lang
        elif self.datatype and self.datatype != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = self.datatype
        return out

    def n3(self) -> str:
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        if self.lang:
            return f'"{escaped}"@{self.lang}'
        if self.datatype and self.datatype != "http://www.w3.org/2001/XMLSchema#string":
            return f'"{escaped}"^^<{self.datatype}>'
        return f'"{escaped}"'


Row = Mapping[str, RdfTerm]


@dataclass(frozen=True)
class QueryResult:
    """What a query gave: rows (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE)."""

    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None
    triples: str | None = None  # N-Triples, for CONSTRUCT and DESCRIBE
    truncated: bool = False  # more rows existed than the row cap allowed
    seconds: float = 0.0

    def column(self, name: str) -> list[str | None]:
        return [row[name].value if name in row else None for row in self.rows]


@dataclass(frozen=True)
class Dataset:
    """The SPARQL dataset of one query, as the protocol's default-graph-uri / named-graph-uri
    give it; without one, the default graph is the union of all named graphs."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoreInfo:
    location: str
    quads: int
    graphs: tuple[str, ...]


@dataclass(frozen=True)
class Quad:
    """One statement of parsed RDF; ``graph`` is None for the default graph."""

    subject: RdfTerm
    predicate: RdfTerm
    object: RdfTerm
    graph: RdfTerm | None = None


@dataclass(frozen=True)
class Derived:
    """What a write's derivation adds to that write: a SPARQL Update run after the write's own
    change (empty for none), then graphs added (merging into graphs that exist)."""

    update: str = ""
    add: tuple[tuple[URIRef, Graph], ...] = ()


Derive = Callable[["Store"], Derived]
"""A derivation: given the store as it is once the write's own change is made (a view that only
answers queries, inside the write), what to change besides; made in the same atomic write."""


class Store(Protocol):
    """What kg needs of a store; the embedded and remote backends both provide it."""

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, RdfTerm] | None = None,
        *,
        timeout: float | None = None,
        max_rows: int | None = None,
        dataset: Dataset | None = None,
    ) -> QueryResult: ...

    def replace_all(
        self, graphs: Iterable[tuple[URIRef, Graph | Quads]], *, keep: Sequence[str] = (), drop: Collection[str] = ()
    ) -> None:
        """Atomically replace the whole dataset with these named graphs, but for the graphs whose
        names start with one of ``keep`` (and are not in ``drop``), which stay as they are."""

    def update(self, sparql_update: str, *, derive: Derive | None = None) -> None:
        """Apply a SPARQL Update atomically (all of it or none of it), with what ``derive`` gives."""

    def apply(
        self, add: Iterable[tuple[URIRef, Graph]] = (), drop_graphs: Iterable[str] = (), *, derive: Derive | None = None
    ) -> None:
        """Drop some named graphs and add others, and make what ``derive`` gives, atomically."""

    def exclusive(self) -> AbstractContextManager[None]:
        """Hold the store's write lock: other writers wait (up to ``KG_WRITE_WAIT``) until it is
        let go, and this one's own writes inside it go through. Re-entrant in one thread."""
        ...

    def info(self) -> StoreInfo: ...

    def export(self, fmt: str) -> bytes:
        """Every quad, as ``trig`` or ``nquads``."""

    def checksum(self) -> str:
        """A digest of every quad, to show that a failed operation changed nothing."""

    def close(self) -> None: ...
