"""The graph's places and infrastructure as Linked Places Format (LPF v1.3, GeoJSON-LD).

Linked Places is the exchange format of the World Historical Gazetteer and Pelagios: a GeoJSON
FeatureCollection whose features carry their names, types, geometry, links to other gazetteers
and time-scoped relations, readable as JSON-LD through the LPF context (referenced by its URL,
:data:`CONTEXT`, never fetched by kg). Each place or asset becomes one feature, valid against
World Historical Gazetteer's upload schemas (tests/suites/whg/):

- ``@id`` its kg IRI; ``properties.title`` its label; ``properties.fclasses`` the GeoNames
  feature classes of its kg classes (:data:`FCLASSES`; LPF v1.3 requires them);
- ``names``: label, alternate labels and the spellings the articles use (saved query ``names``),
  each spelling once, with the articles that use it as ``citations`` (with the article's
  publication ``year`` where the article's date gives one year) and their language; the title
  cites the kg entity register it comes from, so the first name always has a citation;
- ``types``: its most specific kg classes;
- ``geometry``: a GeometryCollection with its point and where the coordinates come from; with
  no geometries when the graph has no coordinates (WHG's schemas refuse ``null``; kg invents
  none);
- ``links``: ``exactMatch`` / ``closeMatch`` from the links graph;
- ``relations``: ``gvp:broaderPartitive`` for each place it lies in, and one relation per
  control period (saved query ``control-periods``, control-at's rule): ``relationType`` the IRI
  of ``kg:controllingActor``, ``relationTo`` the actor, ``when.timespans`` the period — the
  start within the event's window, the end between the first day a later change may have
  happened and the day it certainly had; a period with no later change recorded has an end
  with only ``earliest`` (open); its ``label`` names the controller, the scope and the status
  (``held`` or ``mixed``: inferred, besieged and contested periods are not exported).
  ``certainty`` is ``certain`` for a reported event, ``less-certain`` for a claim, ``uncertain``
  for a disputed one.

LPF asks each feature for a ``when`` somewhere or a citation year on a name: a feature gets one
from its control periods or its articles' dates; a place no article names and no period
scopes has neither, as kg knows no date for it (WHG's schemas accept that).

:func:`export` is the one function behind ``kg export --format lpf`` and
``GET /export/places.lpf.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from kg import queries
from kg.config import Settings
from kg.geo import wkt_point
from kg.store import QueryResult, Row, Store
from kg.vocab import KG

CONTEXT = "https://raw.githubusercontent.com/LinkedPasts/linked-places/master/linkedplaces-context-v1.1.jsonld"
CONTROL = str(KG.controllingActor)
PART_OF = "gvp:broaderPartitive"
CERTAINTY = {"Reported": "certain", "Claimed": "less-certain", "Disputed": "uncertain"}
REGISTER = {"label": "kg entity register (entities.yaml)"}
# GeoNames feature classes (A administrative, H water, L area, P populated place, R road/route,
# S site, T terrain) of kg's place and infrastructure classes, as GeoNames codes them
# (e.g. L.OILF oilfield, R.OILP oil pipeline, S.PS power station, S.CMPRF refugee camp).
FCLASSES = {
    "Settlement": "P",
    "Region": "L",
    "Terrain": "T",
    "AdministrativeUnit": "A",
    "Country": "A",
    "Highway": "R",
    "Road": "R",
    "Pipeline": "R",
    "GasField": "L",
    "OilField": "L",
    "IndustrialZone": "L",
    "PowerPlant": "S",
    "MilitaryBase": "S",
    "Depot": "S",
    "RefugeeCamp": "S",
    "BorderCrossing": "S",
    "Checkpoint": "S",
}


def export(store: Store, settings: Settings) -> bytes:
    """Every place and infrastructure asset as one LPF FeatureCollection, as UTF-8 JSON."""
    return json.dumps(collection(store, settings), ensure_ascii=False, indent=2).encode("utf-8")


def collection(store: Store, settings: Settings) -> dict[str, Any]:
    """The FeatureCollection, built from the saved queries ``entities``, ``names`` and
    ``control-periods``."""

    def run(name: str) -> QueryResult:
        return queries.run_whole(store, settings, name, needed_for="the export would be incomplete")

    entities = [row for row in run("entities").rows if row["kind"].value in {"place", "asset"}]
    labels = {row["entity"].value: row["label"].value for row in entities if "label" in row}
    spellings = _group(run("names").rows, "entity")
    periods = _group(run("control-periods").rows, "place")
    years = {row["article"].value: year for row in run("articles").rows if (year := _year(row)) is not None}
    features = [
        feature(row, spellings.get(row["entity"].value, []), periods.get(row["entity"].value, []), labels, years)
        for row in entities
    ]
    return {"type": "FeatureCollection", "@context": CONTEXT, "features": features}


def _group(rows: Iterable[Row], column: str) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row[column].value, []).append(row)
    return grouped


def _year(article: Row) -> int | None:
    """The year an article was published, if its date's earliest and latest day share one."""
    if "published" not in article:
        return None
    first = article["published"].value[:4]
    last = article["latest"].value[:4] if "latest" in article else first
    return int(first) if first == last and first.isdigit() else None


def feature(
    row: Row,
    spellings: list[Row],
    periods: list[Row],
    labels: Mapping[str, str],
    years: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """One place or asset as an LPF feature; ``years`` the articles' publication years."""
    iri = row["entity"].value
    title = row["label"].value if "label" in row else iri.rsplit("/", 1)[-1]
    parents = row["parents"].value.split() if "parents" in row else []
    relations = [
        {"relationType": PART_OF, "relationTo": parent, "label": f"in {labels.get(parent, parent)}"}
        for parent in parents
    ]
    relations += [_control(period) for period in periods]
    out: dict[str, Any] = {
        "@id": iri,
        "type": "Feature",
        "properties": {"title": title, "fclasses": fclasses(row)},
        "names": names(title, spellings, years or {}),
        "types": [{"identifier": cls, "label": _class_label(row, cls)} for cls in _classes(row)],
        "geometry": _geometry(row),
        "links": [
            {"type": kind, "identifier": uri}
            for kind in ("exactMatch", "closeMatch")
            for uri in (row[kind].value.split() if kind in row else [])
        ],
    }
    if relations:
        out["relations"] = relations
    return out


def _classes(row: Row) -> list[str]:
    return row["classes"].value.split() if "classes" in row else []


def fclasses(row: Row) -> list[str]:
    """The GeoNames feature classes of the entity's kg classes, inferred ones included."""
    types = row["types"].value.split() if "types" in row else _classes(row)
    found = {FCLASSES[local] for cls in types if (local := cls.rsplit("#", 1)[-1]) in FCLASSES}
    return sorted(found)


def _class_label(row: Row, cls: str) -> str:
    if "classLabel" in row and "mainClass" in row and row["mainClass"].value == cls:
        return row["classLabel"].value
    return cls.rsplit("#", 1)[-1]


def names(title: str, spellings: list[Row], years: Mapping[str, int]) -> list[dict[str, Any]]:
    """Each spelling once — the title first, citing the entity register — with the articles
    that use it (and the year each was published, where known) and their language."""
    found: dict[str, dict[str, Any]] = {title: {"toponym": title, "citations": [dict(REGISTER)]}}
    for row in spellings:
        entry = found.setdefault(row["name"].value, {"toponym": row["name"].value})
        if "lang" in row:
            entry.setdefault("lang", row["lang"].value)
        if "source" in row:
            citation: dict[str, Any] = {"@id": row["source"].value, "label": _title(row)}
            if row["source"].value in years:
                citation["year"] = years[row["source"].value]
            if citation not in entry.setdefault("citations", []):
                entry["citations"].append(citation)
    return list(found.values())


def _title(row: Row) -> str:
    return row["sourceTitle"].value if "sourceTitle" in row else row["source"].value.rsplit("/", 1)[-1]


def _geometry(row: Row) -> dict[str, Any]:
    """The point and its source; no geometries when the graph has no (readable) coordinates."""
    point = wkt_point(row["wkt"].value) if "wkt" in row else None
    if point is None:
        return {"type": "GeometryCollection", "geometries": []}
    geometry: dict[str, Any] = {"type": "Point", "coordinates": list(point), "geo_wkt": row["wkt"].value}
    if "coordinateOrigin" in row:
        label = row["coordinateSource"].value if "coordinateSource" in row else row["coordinateOrigin"].value
        geometry["citations"] = [{"@id": row["coordinateOrigin"].value, "label": label}]
    return {"type": "GeometryCollection", "geometries": [geometry]}


def _control(period: Row) -> dict[str, Any]:
    """One control period as a time-scoped relation (the rule lives in control-periods.rq)."""
    since = period["since"].value
    until = period["until"].value if "until" in period else None
    start = {"in": since} if until == since else {"earliest": since, **({"latest": until} if until else {})}
    if "endEarliest" in period:
        first, last = period["endEarliest"].value, period["endLatest"].value if "endLatest" in period else None
        end = {"in": first} if first == last else {"earliest": first, **({"latest": last} if last else {})}
    else:
        end = {"earliest": until or since}  # open: no later change is recorded
    controller = period["controllerLabel"].value if "controllerLabel" in period else period["controller"].value
    kind = period["eventType"].value.rsplit("#", 1)[-1]
    part = " (part of it)" if period["scope"].value == "partial" else ""
    relation: dict[str, Any] = {
        "relationType": CONTROL,
        "relationTo": period["controller"].value,
        "label": f"controlled by {controller}{part}, {period['status'].value}: {kind} reported in {_title(period)}",
        "when": {"timespans": [{"start": start, "end": end}]},
        "citations": [{"@id": period["source"].value, "label": _title(period)}],
    }
    if "certainty" in period:
        relation["certainty"] = CERTAINTY.get(period["certainty"].value.rsplit("#", 1)[-1], "uncertain")
    return relation
