"""The reported facts of an article → RDF: casualty figures, incidents, statements that claim,
confirm or deny them, announced operations, the reports the article cites, and the kinds of
unnamed sources (issue #15).

Called by :func:`kg.mapping.map_article` with its writer; the shapes written are described in
``docs/rdf-model.md`` ("Reported facts"). None of these is a ``kg:ControlEvent``: the control
queries and the periods never read them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.annotations import (
    AnnotationFile,
    Announcement,
    Casualty,
    DateSpec,
    Entity,
    Fact,
    Incident,
    Report,
    Span,
    Statement,
)
from kg.errors import Location
from kg.vocab import KG, KGID, OA, PROV, RDF, SDO, XSD

COUNTED = {
    "killed": KG.Killed,
    "wounded": KG.Wounded,
    "casualties": KG.KilledOrWounded,
    "captured": KG.TakenCaptive,
    "destroyed": KG.Destroyed,
    "damaged": KG.Damaged,
    "displaced": KG.Displaced,
    "trapped": KG.Trapped,
}
UNITS = {
    "people": KG.PeopleUnit,
    "percent": KG.PercentUnit,
    "positions": KG.PositionsUnit,
    "buildings": KG.BuildingsUnit,
    "aircraft": KG.AircraftUnit,
    "vehicles": KG.VehiclesUnit,
}
STANCES = {
    "claims": KG.ClaimsStance,
    "confirms": KG.ConfirmsStance,
    "denies": KG.DeniesStance,
    "doubts": KG.DoubtsStance,
}
STATUSES = {"announced": KG.AnnouncedStatus, "planned": KG.PlannedStatus, "anticipated": KG.AnticipatedStatus}
SOURCE_KINDS = {
    "commander": KG.CommanderSource,
    "spokesman": KG.SpokesmanSource,
    "official": KG.OfficialSource,
    "military": KG.MilitarySource,
    "activist": KG.ActivistSource,
    "observer": KG.ObserverSource,
    "unspecified": KG.UnspecifiedSource,
}
PATHS = {
    Casualty: "casualty",
    Incident: "incident",
    Statement: "statement",
    Announcement: "announcement",
    Report: "report",
}


class Writer(Protocol):
    """What of :class:`kg.mapping._Writer` these functions use."""

    origins: dict[Node, Location]

    def add(self, s: Node, p: Node, o: Node | None) -> None: ...
    def ref(self, entity_id: str) -> URIRef: ...
    def date(self, s: URIRef, spec: DateSpec) -> None: ...
    def target(self, annotation: URIRef, article: URIRef, span: Span, text: str | None, where: Location) -> None: ...


def fact_iri(stem: str, item: Fact) -> URIRef:
    """``kgid:casualty/<stem>/<id>``, ``kgid:incident/…``, ``kgid:statement/…``, ``kgid:announcement/…``,
    ``kgid:report/…``."""
    return KGID[f"{PATHS[type(item)]}/{stem}/{item.id}"]


def map_facts(w: Writer, a: URIRef, stem: str, doc: AnnotationFile, text: str | None) -> None:
    """Every reported fact of one article's file, and the kinds of the sources it introduces."""
    incidents = {i.id for i in doc.incidents}

    def about(ref: str) -> URIRef:
        return KGID[f"{'incident' if ref in incidents else 'event'}/{stem}/{ref}"]

    for entity in doc.entities:
        anonymous_source(w, entity)
    for figure in doc.casualties:
        _casualty(w, _fact(w, a, stem, figure, KG.CasualtyFigure, text), figure, about)
    for incident in doc.incidents:
        _incident(w, _fact(w, a, stem, incident, KG[incident.type], text), incident)
    for statement in doc.statements:
        s = _fact(w, a, stem, statement, KG.Statement, text)
        w.add(s, KG.statementAbout, about(statement.about))
        w.add(s, KG.statementStance, STANCES[statement.stance])
        w.date(s, statement.stated)
    for announcement in doc.announcements:
        _announcement(w, _fact(w, a, stem, announcement, KG.AnnouncedOperation, text), announcement)
    for report in doc.reports:
        _report(w, a, _fact(w, a, stem, report, KG.CitedReport, text), report)


def anonymous_source(w: Writer, entity: Entity) -> None:
    """An unnamed source's kind (its ``quotedBy`` and ``memberOf`` are relations, written as such)."""
    if entity.source_kind:
        w.add(w.ref(entity.id), KG.sourceKind, SOURCE_KINDS[entity.source_kind])


def _fact(w: Writer, a: URIRef, stem: str, item: Fact, kind: URIRef, text: str | None) -> URIRef:
    """The fact's node: its class, its article, its sources and its evidence spans."""
    s = fact_iri(stem, item)
    w.origins[s] = item.where
    w.add(s, RDF.type, kind)
    w.add(s, PROV.wasDerivedFrom, a)
    for source in getattr(item, "sources", ()):
        w.add(s, PROV.wasAttributedTo, w.ref(source))
    _evidence(w, a, s, stem, item, text)
    return s


def _evidence(w: Writer, a: URIRef, s: URIRef, stem: str, item: Fact, text: str | None) -> None:
    for n, evidence in enumerate(item.evidence, start=1):
        if evidence.span is None:
            continue
        e = KGID[f"evidence/{stem}/{PATHS[type(item)]}/{item.id}/{n}"]
        w.origins[e] = evidence.where
        w.add(s, KG.evidence, e)
        w.add(e, RDF.type, KG.Evidence)
        w.add(e, OA.motivatedBy, OA.describing)
        w.add(e, OA.hasBody, s)
        w.target(e, a, evidence.span, text, evidence.where)


def _count(value: int | None) -> Literal | None:
    return Literal(value, datatype=XSD.nonNegativeInteger) if value is not None else None


def _casualty(w: Writer, s: URIRef, figure: Casualty, about: Callable[[str], URIRef]) -> None:
    w.add(s, KG.figureOf, about(figure.event) if figure.event else None)
    w.add(s, KG.place, w.ref(figure.place) if figure.place else None)
    if figure.date:
        w.date(s, figure.date)
    w.add(s, KG.counted, COUNTED[figure.counted])
    w.add(s, KG.countUnit, UNITS[figure.unit])
    w.add(s, KG.bestEstimate, _count(figure.best))
    w.add(s, KG.lowEstimate, _count(figure.low))
    w.add(s, KG.highEstimate, _count(figure.high))
    w.add(s, KG.estimateWords, Literal(figure.words) if figure.words else None)
    w.add(s, KG.countedWho, Literal(figure.who) if figure.who else None)
    w.add(s, KG.countedSide, w.ref(figure.side) if figure.side else None)
    w.add(s, KG.civilian, Literal(True) if figure.civilian else None)
    for actor in figure.by:
        w.add(s, KG.causedBy, w.ref(actor))


def _incident(w: Writer, s: URIRef, incident: Incident) -> None:
    w.add(s, KG.place, w.ref(incident.place))
    w.add(s, KG.incidentName, Literal(incident.name) if incident.name else None)
    w.date(s, incident.date)
    for actor in incident.by:
        w.add(s, KG.incidentBy, w.ref(actor))
    for actor in incident.target:
        w.add(s, KG.incidentTarget, w.ref(actor))


def _announcement(w: Writer, s: URIRef, announcement: Announcement) -> None:
    w.add(s, KG.operationStatus, STATUSES[announcement.status])
    w.add(s, KG.operationName, Literal(announcement.name) if announcement.name else None)
    for place in announcement.places:
        w.add(s, KG.place, w.ref(place))
    w.add(s, KG.operationAim, Literal(announcement.aim) if announcement.aim else None)
    w.date(s, announcement.stated)
    for actor in announcement.actors:
        w.add(s, KG.operationActor, w.ref(actor))
    for actor in announcement.against:
        w.add(s, KG.operationAgainst, w.ref(actor))


def _report(w: Writer, a: URIRef, s: URIRef, report: Report) -> None:
    """A cited report: the article cites it (``schema:citation``, as it cites actors), its
    publishers and authors are schema.org's, and its date is the date of the report."""
    w.add(a, SDO.citation, s)
    for actor in report.publishers:
        w.add(s, SDO.publisher, w.ref(actor))
    for actor in report.authors:
        w.add(s, SDO.author, w.ref(actor))
    w.date(s, report.published)
    w.add(s, KG.reportAbout, Literal(report.about) if report.about else None)
