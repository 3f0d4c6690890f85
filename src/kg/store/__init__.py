"""The storage seam: one :class:`Store` protocol, and the backends behind it.

``open_store(settings)`` picks the backend from ``KG_STORE``: a folder is the embedded
Oxigraph store (:mod:`kg.store.embedded`), an ``http(s)://`` URL a SPARQL 1.1 server
(:mod:`kg.store.remote`), and gives it behind :class:`~kg.store.policy.Guarded`, the one place
where SERVICE and LOAD are refused and default limits applied, whichever backend it is. Every
backend answers queries with the same :class:`QueryResult`, whose terms are plain
:class:`RdfTerm` values, so nothing above this layer knows which engine it talks to.

The package is sealed: only modules under ``kg/store/`` import pyoxigraph (tests/test_layers.py
says so). What kg needs of RDF syntaxes elsewhere is here: :func:`parse_rdf` reads a document
into :class:`Quad` values of kg terms, :func:`translate_rdf` rewrites one syntax in another, and
:data:`RDF_SYNTAXES` names the syntaxes (``turtle``, ``ntriples``, ``jsonld``, ``trig``,
``nquads``, ``rdfxml``).

Modules::

    base.py      the types and the Store protocol (no backend)
    oxigraph.py  terms, quads, RDF syntaxes, export, checksum, one query on an open pyoxigraph store
    policy.py    Guarded: refusals, default time limit and row cap, for any backend
    embedded.py  pyoxigraph on disk (or in memory); pool.py, sandbox.py: how its queries run
    remote.py    any SPARQL 1.1 server; transport.py (HTTP), results.py (its answers)
"""

from __future__ import annotations

from typing import Any

from kg.config import Settings
from kg.store.base import Dataset, Derive, Derived, Quad, Quads, QueryResult, RdfTerm, Row, Store, StoreInfo
from kg.store.oxigraph import SYNTAXES, graph_of, nquads_of, parse_rdf, statements_of, translate_rdf
from kg.store.policy import Guarded, Limits

RDF_SYNTAXES = tuple(SYNTAXES)
"""The RDF syntaxes :func:`parse_rdf` and :func:`translate_rdf` know, by kg's names."""

__all__ = [
    "RDF_SYNTAXES",
    "Dataset",
    "Derive",
    "Derived",
    "Guarded",
    "Limits",
    "Quad",
    "Quads",
    "QueryResult",
    "RdfTerm",
    "Row",
    "Store",
    "StoreInfo",
    "graph_of",
    "nquads_of",
    "open_store",
    "parse_rdf",
    "statements_of",
    "translate_rdf",
]


def open_store(settings: Settings, *, create: bool = False, **options: Any) -> Guarded:
    """The store ``KG_STORE`` names: the embedded one for a folder, a remote one for a URL,
    behind the refusals of :class:`~kg.store.policy.Guarded` (limits are the caller's: see Kg)."""
    if settings.store_is_remote:
        from kg.store.remote import RemoteStore

        return Guarded(RemoteStore.open(settings))
    from kg.store.embedded import EmbeddedStore

    options.setdefault("write_wait", settings.write_wait)
    if options.get("pool_size"):
        from kg.store.clients import Fairness

        options.setdefault(
            "pool",
            {"reserve": settings.reserve_workers, "fairness": Fairness.of(settings), "memory": settings.worker_memory},
        )
    return Guarded(EmbeddedStore.open(settings.store, create=create, **options))
