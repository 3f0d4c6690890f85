"""How terms appear on pages: kg IRIs link to their own ``/id/…`` page, others stay text.

Jinja escapes every value; nothing here builds HTML by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.formats import short
from kg.store import RdfTerm

ID_BASE = "https://w3id.org/kg/id/"


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    title: str | None = None


def local_path(iri: str) -> str | None:
    """``https://w3id.org/kg/id/place/x`` → ``/id/place/x``; None for IRIs of other sites."""
    return "/id/" + iri[len(ID_BASE) :] if iri.startswith(ID_BASE) else None


def cell(term: RdfTerm | None) -> Cell:
    if term is None:
        return Cell("")
    if term.kind == "uri":
        href = local_path(term.value)
        external = term.value if term.value.startswith(("http://", "https://")) else None
        return Cell(short(term), href or external, term.value)
    return Cell(term.value)
