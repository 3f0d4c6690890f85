"""What kg knows to look for in a new text: every spelling of every entity in the store, and
the gazetteer's alternate names of the places linked to it."""

from __future__ import annotations

import re

from kg.config import Settings
from kg.drafting.mentions import Spelling
from kg.errors import KgError
from kg.gazetteer import Candidate, open_source
from kg.store import Store
from kg.vocab import KGID

# Entities by the path of their IRIs (…/id/place/…, …/id/asset/…, …/id/actor/…): as fast as a
# lookup, where a class path (a/rdfs:subClassOf*) costs a join per name.
SPELLINGS = """
PREFIX kg:   <https://w3id.org/kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa:   <http://www.w3.org/ns/oa#>
SELECT ?entity ?name ?source (COUNT(?mention) AS ?uses) WHERE {
  { ?entity rdfs:label ?name BIND ("label" AS ?source) }
  UNION { ?entity skos:altLabel ?name BIND ("altLabel" AS ?source) }
  UNION { ?mention a kg:Mention ; oa:hasBody ?entity ; oa:hasTarget/oa:hasSelector/oa:exact ?name
          BIND ("mention" AS ?source) }
  FILTER (REGEX(STR(?entity), "^https://w3id[.]org/kg/id/(place|asset|actor)/"))
} GROUP BY ?entity ?name ?source
"""

LINKS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?entity ?match WHERE {
  ?entity skos:exactMatch ?match FILTER (STRSTARTS(STR(?match), "https://sws.geonames.org/"))
}
"""

_LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF'’ʿʾ\- ]{4,}$")


def spellings(settings: Settings, store: Store) -> list[Spelling]:
    """Every name of every entity the store holds, and the linked places' gazetteer names."""
    rows = store.query(SPELLINGS, timeout=settings.query_timeout, max_rows=settings.index_rows).rows
    found, kind_of = [], {}
    for row in rows:
        iri = row["entity"].value
        entity, kind = _id(iri), iri[len(KGID) :].split("/", 1)[0]
        kind_of[entity] = kind
        found.append(Spelling(entity, kind, row["name"].value, row["source"].value, int(row["uses"].value)))
    return found + _gazetteer_names(settings, store, kind_of)


def _gazetteer_names(settings: Settings, store: Store, kind_of: dict[str, str]) -> list[Spelling]:
    rows = store.query(LINKS, timeout=settings.query_timeout, max_rows=settings.index_rows).rows
    if not rows:
        return []
    try:
        source = open_source(settings, "geonames" if settings.gazetteer.is_file() else "bundled")
    except KgError:
        return []
    get = getattr(source, "get", None)
    out = []
    for row in rows:
        entity = _id(row["entity"].value)
        row_of: Candidate | None = get(row["match"].value.rstrip("/").rsplit("/", 1)[-1]) if get else None
        if row_of is None or entity not in kind_of:
            continue
        out += [Spelling(entity, kind_of[entity], n, "gazetteer") for n in row_of.names if _LATIN.match(n)]
    return out


def _id(iri: str) -> str:
    """An entity's id from its IRI (``…/id/place/al-qaryatayn`` → ``al-qaryatayn``)."""
    return iri[len(KGID) :].rsplit("/", 1)[-1] if iri.startswith(str(KGID)) else iri
