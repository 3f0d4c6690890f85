"""The IRIs kg writes and reads: its own ontology, its identifiers, its graphs.

``KG`` is a closed namespace (an rdflib ``DefinedNamespace`` with ``_fail = True``) holding
exactly the terms declared in ``ontology/kg.ttl``, so ``KG.Captur`` raises ``AttributeError``
instead of minting a junk IRI; ``tests/test_ontology.py`` keeps the two in step.

``KGID`` is the base of every entity, article, event, claim and annotation IRI (see
``docs/rdf-model.md`` for their shapes); ``GRAPH`` names the named graphs the build writes,
and :func:`article_graph` the graph of one article.

The standard vocabularies kg is aligned to are re-exported from rdflib (GEO, PROV, SKOS,
SDO for schema.org, DCTERMS, XSD, RDF, RDFS, OWL), plus ``OA`` for the W3C Web Annotation
vocabulary, which rdflib does not ship, so that the rest of kg imports all of them from here.

This module is layer L0: it imports rdflib and nothing from kg.
"""

import re
from typing import Final

from rdflib.namespace import DCTERMS, GEO, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD, DefinedNamespace, Namespace
from rdflib.term import URIRef

__all__ = [
    "DCTERMS",
    "GEO",
    "GRAPH",
    "KG",
    "KGID",
    "OA",
    "OWL",
    "PROV",
    "RDF",
    "RDFS",
    "SDO",
    "SKOS",
    "XSD",
    "article_graph",
]

KGID: Final = Namespace("https://w3id.org/kg/id/")
"""Base of kg's instance IRIs: ``kgid:place/<id>``, ``kgid:event/<stem>/<id>``, ..."""

OA: Final = Namespace("http://www.w3.org/ns/oa#")
"""W3C Web Annotation vocabulary (mentions and evidence spans)."""


class KG(DefinedNamespace):
    """kg's ontology: territorial control in the Syrian conflict (``ontology/kg.ttl``)."""

    _fail = True
    _NS = Namespace("https://w3id.org/kg/ontology#")

    # Places (all geo:Feature)
    Place: URIRef  # a named location: settlement, region, terrain, administrative unit, country
    Settlement: URIRef  # a city, town or village
    Region: URIRef  # an informally bounded named area (Qalamoun mountains)
    Terrain: URIRef  # a hill, valley or other natural landmark
    AdministrativeUnit: URIRef  # a governorate, district or other administrative division
    Country: URIRef  # a sovereign state's territory

    # Infrastructure (all geo:Feature)
    Infrastructure: URIRef  # a built asset whose control matters
    Highway: URIRef  # a numbered inter-city highway (M2, M5)
    Road: URIRef  # a road that is not a numbered highway
    Pipeline: URIRef  # an oil or gas pipeline
    GasField: URIRef  # a natural-gas field (Shaer)
    OilField: URIRef  # an oil field
    PowerPlant: URIRef  # an electricity generating station (Tishreen)
    MilitaryBase: URIRef  # a base, airbase or garrison (al-Hamrat)
    Depot: URIRef  # a store of weapons, ammunition or supplies (Mheen)
    RefugeeCamp: URIRef  # a camp for refugees or displaced people (Rukban)
    IndustrialZone: URIRef  # an industrial city or zone (Adra)
    BorderCrossing: URIRef  # an official crossing on an international border
    Checkpoint: URIRef  # a manned checkpoint on a road

    # Actors (all prov:Agent)
    Actor: URIRef  # anyone who fights over, holds or reports on territory
    StateForce: URIRef  # the Syrian state's forces (Syrian Arab Army)
    ForeignStateForce: URIRef  # another state's forces (Russian air force)
    NonStateArmedGroup: URIRef  # an armed organisation that is not a state's (Islamic State)
    ArmedGroupUnit: URIRef  # a brigade or unit within a larger group or force
    Coalition: URIRef  # an alliance or umbrella of groups or states
    NewsOutlet: URIRef  # a publisher of news (Syria Direct)
    MonitoringGroup: URIRef  # an organisation monitoring the conflict (SOHR)
    Person: URIRef  # an individual: spokesman, commander, activist
    GovernmentBody: URIRef  # a government or one of its civilian institutions

    # Articles
    Article: URIRef  # a news article of the corpus (schema:NewsArticle, prov:Entity)

    # Events: each as one source reports it (prov:Entity)
    ControlEvent: URIRef  # anything establishing who controls a place or asset at a time
    ChangeOfControl: URIRef  # control passes from a losing to a gaining actor
    Capture: URIRef  # the gaining actor takes the place by force
    Withdrawal: URIRef  # the losing actor leaves the place
    Siege: URIRef  # the place is encircled or cut off
    SiegeBroken: URIRef  # a siege is broken or lifted
    Assault: URIRef  # an attack that did not change control
    ControlObservation: URIRef  # an actor is said to hold the place, without a change
    PresenceObservation: URIRef  # an actor is said to be present, without control
    ContestedPlace: URIRef  # inferred: the place of some change of control

    # Claims
    DistanceClaim: URIRef  # a distance and/or bearing between two places as an article states it

    # Annotations (oa:Annotation)
    Mention: URIRef  # an article span naming an entity
    Evidence: URIRef  # an article span supporting an event or claim

    # Vocabularies: classes, their SKOS concept schemes and their members
    DatePrecision: URIRef  # how precisely a date is known
    DatePrecisionScheme: URIRef  # SKOS scheme of DatePrecision
    DayPrecision: URIRef  # known to the day
    WeekPrecision: URIRef  # known to a seven-day week
    MonthPrecision: URIRef  # known to the month
    YearPrecision: URIRef  # known to the year
    RangePrecision: URIRef  # within an explicit, possibly open, range
    DateBasis: URIRef  # how a date was obtained
    DateBasisScheme: URIRef  # SKOS scheme of DateBasis
    TextExplicit: URIRef  # the text states the full date
    TextRelative: URIRef  # worked out from a relative expression and the article's date
    CrossArticle: URIRef  # worked out with another article of the corpus
    External: URIRef  # from outside the corpus
    Scope: URIRef  # whole or part of a place or asset
    ScopeScheme: URIRef  # SKOS scheme of Scope
    WholeScope: URIRef  # the whole place or asset
    PartialScope: URIRef  # only part of it (see scopeNote)
    Certainty: URIRef  # how the source presents a statement
    CertaintyScheme: URIRef  # SKOS scheme of Certainty
    Reported: URIRef  # reported as fact
    Claimed: URIRef  # one party's claim, not endorsed
    Disputed: URIRef  # reported as contested
    Bearing: URIRef  # one of eight compass points
    BearingScheme: URIRef  # SKOS scheme of Bearing
    North: URIRef  # 0 degrees
    NorthEast: URIRef  # 45 degrees
    East: URIRef  # 90 degrees
    SouthEast: URIRef  # 135 degrees
    South: URIRef  # 180 degrees
    SouthWest: URIRef  # 225 degrees
    West: URIRef  # 270 degrees
    NorthWest: URIRef  # 315 degrees

    # Properties: geography and infrastructure
    locatedIn: URIRef  # feature -> the place it lies in (transitive)
    contains: URIRef  # place -> a feature lying in it (inverse of locatedIn; inferred)
    near: URIRef  # feature <-> a feature close to it (symmetric)
    connects: URIRef  # infrastructure -> a feature it links
    supplies: URIRef  # infrastructure -> a feature it supplies
    coordinateSource: URIRef  # geometry -> where its coordinates were copied from

    # Properties: actors
    partOf: URIRef  # actor -> the larger actor it belongs to (transitive)
    hasPart: URIRef  # actor -> a smaller actor belonging to it (inverse of partOf; inferred)
    side: URIRef  # actor -> an actor on whose side it fights (partOf or alliedWith, transitive; inferred)
    alliedWith: URIRef  # actor <-> an ally (symmetric)
    supportedBy: URIRef  # actor -> an actor backing it
    memberOf: URIRef  # person -> the organisation they belong to
    stance: URIRef  # actor -> its alignment, as the text describes it
    ownership: URIRef  # actor -> who owns it (an outlet), as the text describes it

    # Properties: articles
    fileName: URIRef  # article -> file name in the corpus folder
    sha256: URIRef  # article -> SHA-256 of the file's bytes
    charCount: URIRef  # article -> length in Unicode code points

    # Submissions
    Submission: URIRef  # an accepted, stored submission (its own named graph)
    Retraction: URIRef  # the withdrawal of a submission, with who, when and why
    submissionGraph: URIRef  # submission -> the named graph holding its statements
    inputSha256: URIRef  # submission -> SHA-256 of one input
    toolVersion: URIRef  # submission -> kg version that accepted it
    validationReport: URIRef  # submission -> SHACL report (Turtle)
    tripleCount: URIRef  # submission -> number of statements stored
    retractedBy: URIRef  # submission -> its retraction
    inputName: URIRef  # submission -> the name its input was sent under
    inputFormat: URIRef  # submission -> "annotation" or the RDF format key of its input
    inputData: URIRef  # submission -> the input as sent (xsd:base64Binary)
    inputText: URIRef  # submission -> the article text sent with an annotation file (xsd:base64Binary)
    setAsideReport: URIRef  # submission -> why the last rebuild set it aside (it no longer conforms)
    setAsideStatements: URIRef  # submission -> its statements (N-Triples) while it is set aside
    inputsDigest: URIRef  # build -> SHA-256 of everything the build read (kg build --if-changed)
    publisherDerivation: URIRef  # article -> how the text shows its publisher

    # Properties: dates of events and articles
    dateEarliest: URIRef  # first possible day (xsd:date)
    dateLatest: URIRef  # last possible day (xsd:date)
    datePrecision: URIRef  # -> a DatePrecision
    dateBasis: URIRef  # -> a DateBasis
    dateDerivation: URIRef  # how the date was worked out
    dateExpression: URIRef  # what the text says of the date ("on Sunday")
    dateReference: URIRef  # -> the article or event a relative date counts from
    dateCitation: URIRef  # where a date from outside the text comes from

    # Properties: control events
    place: URIRef  # event or claim -> the place or asset it is about
    involvedActor: URIRef  # event -> any actor taking part
    gainingActor: URIRef  # event -> the actor gaining control
    losingActor: URIRef  # event -> the actor losing control
    controllingActor: URIRef  # observation -> the actor holding the place
    attackingActor: URIRef  # assault or siege -> attacker or besieger
    defendingActor: URIRef  # assault or siege -> defender or besieged
    presentActor: URIRef  # presence observation -> the actor present
    supportingActor: URIRef  # event -> an actor supporting a side
    scope: URIRef  # event -> a Scope
    scopeNote: URIRef  # event -> which part, in the article's words
    certainty: URIRef  # event or claim -> a Certainty
    trigger: URIRef  # event -> the phrase expressing it
    evidence: URIRef  # event or claim -> its Evidence annotation

    # Properties: distance and bearing claims
    referencePlace: URIRef  # claim -> the place measured from
    distanceKm: URIRef  # claim -> stated distance in km
    bearing: URIRef  # claim -> a Bearing
    degrees: URIRef  # bearing -> its angle clockwise from north

    # Gazetteer links (the links graph)
    GazetteerLink: URIRef  # the record of one link of a place to a gazetteer entry
    LinkStatus: URIRef  # where a link stands in review
    LinkStatusScheme: URIRef  # SKOS scheme of LinkStatus
    AutoLink: URIRef  # made by kg link above the threshold (exactMatch)
    AcceptedLink: URIRef  # accepted by a person (exactMatch)
    PendingLink: URIRef  # awaiting review (closeMatch)
    RejectedLink: URIRef  # rejected by a person (no link)
    linkSubject: URIRef  # link -> the place or asset
    linkTarget: URIRef  # link -> the gazetteer entry
    linkStatus: URIRef  # link -> a LinkStatus
    linkScore: URIRef  # link -> score in [0, 1]
    linkFeatures: URIRef  # link -> the features behind the score (JSON)
    linkMethod: URIRef  # link -> how it was found
    gazetteerVersion: URIRef  # link -> the gazetteer data it was made against
    decidedBy: URIRef  # link -> who decided its status
    decidedOn: URIRef  # link -> when
    fromLink: URIRef  # geometry -> the link its coordinates were taken from

    # Control periods (the periods graph, derived by kg.periods)
    ControlPeriod: URIRef  # one report's stretch of control of one place by one actor
    ControlStatus: URIRef  # how the actor controls the place in a period
    ControlStatusScheme: URIRef  # SKOS scheme of ControlStatus
    Held: URIRef  # held (whole or partial scope)
    Contested: URIRef  # held by the defender of an assault, attackers fighting for it
    Besieged: URIRef  # kept by the besieged through a siege
    Mixed: URIRef  # shared with actors of other sides
    InDispute: URIRef  # sources disagree on who or when
    Inferred: URIRef  # the losing side of the first known change held it before
    periodOf: URIRef  # period -> the place or asset
    controlledBy: URIRef  # period -> the actor in control
    controlStatus: URIRef  # period -> a ControlStatus
    basis: URIRef  # period -> Claimed or Reported
    ownClaim: URIRef  # period -> true when the controller's own side says so
    periodScope: URIRef  # period -> a Scope
    startUnknown: URIRef  # period -> true when nothing says when it began
    startEarliest: URIRef  # period -> first possible day of its start
    startLatest: URIRef  # period -> last day of its start window
    certainFrom: URIRef  # period -> first day it may be certain
    endEarliest: URIRef  # period -> first day its end may have happened
    endLatest: URIRef  # period -> first day it has certainly ended
    endReported: URIRef  # period -> first day a source says it ended, when others say later
    disputedFrom: URIRef  # period -> first day sources disagree on it
    disputedUntil: URIRef  # period -> first day they no longer do
    confirmedOn: URIRef  # period -> a day a report confirms it
    otherActor: URIRef  # period -> besieger, attacker, co-holder or rival
    claimant: URIRef  # period -> who says so (attribution, publisher)

    # Reported facts beyond control (issue #15): figures, incidents, statements, announcements,
    # cited reports
    ReportedFact: URIRef  # reported fact
    CasualtyFigure: URIRef  # casualty figure
    Incident: URIRef  # incident
    Shootdown: URIRef  # shoot-down
    Bombing: URIRef  # bombing
    Airstrike: URIRef  # airstrike
    Proclamation: URIRef  # a caliphate or state proclaimed
    Milestone: URIRef  # a dated point in a longer course of events (a war's sixth year)
    Statement: URIRef  # statement
    AnnouncedOperation: URIRef  # announced operation
    AnonymousSource: URIRef  # unnamed source
    CitedReport: URIRef  # a report or statement an article cites, with its publisher and date
    CountedKind: URIRef  # counted
    CountedKindScheme: URIRef  # counted scheme
    Killed: URIRef  # killed
    Wounded: URIRef  # wounded
    KilledOrWounded: URIRef  # casualties
    TakenCaptive: URIRef  # captured
    Destroyed: URIRef  # destroyed
    Damaged: URIRef  # damaged
    Displaced: URIRef  # displaced
    Trapped: URIRef  # trapped
    CountUnit: URIRef  # count unit
    CountUnitScheme: URIRef  # count unit scheme
    PeopleUnit: URIRef  # people
    PercentUnit: URIRef  # percent
    PositionsUnit: URIRef  # positions
    BuildingsUnit: URIRef  # buildings
    AircraftUnit: URIRef  # aircraft
    VehiclesUnit: URIRef  # vehicles
    Stance: URIRef  # stance
    StanceScheme: URIRef  # stance scheme
    ClaimsStance: URIRef  # claims
    ConfirmsStance: URIRef  # confirms
    DeniesStance: URIRef  # denies
    DoubtsStance: URIRef  # doubts: will not say it happened, or holds, without denying it
    OperationStatus: URIRef  # operation status
    OperationStatusScheme: URIRef  # operation status scheme
    AnnouncedStatus: URIRef  # announced
    PlannedStatus: URIRef  # planned
    AnticipatedStatus: URIRef  # anticipated
    SourceKind: URIRef  # source kind
    SourceKindScheme: URIRef  # source kind scheme
    CommanderSource: URIRef  # commander
    SpokesmanSource: URIRef  # spokesman
    OfficialSource: URIRef  # official
    MilitarySource: URIRef  # military source
    ActivistSource: URIRef  # activist
    ObserverSource: URIRef  # observer
    UnspecifiedSource: URIRef  # unspecified source
    figureOf: URIRef  # figure of
    counted: URIRef  # counted
    countUnit: URIRef  # count unit
    bestEstimate: URIRef  # best estimate
    lowEstimate: URIRef  # low estimate
    highEstimate: URIRef  # high estimate
    estimateWords: URIRef  # estimate words
    countedWho: URIRef  # counted who
    countedSide: URIRef  # counted side
    civilian: URIRef  # civilian
    causedBy: URIRef  # caused by
    incidentBy: URIRef  # incident by
    incidentTarget: URIRef  # incident target
    incidentName: URIRef  # what the incident is, in the text's words
    statementAbout: URIRef  # statement about
    statementStance: URIRef  # statement stance
    operationStatus: URIRef  # operation status
    operationName: URIRef  # operation name
    operationActor: URIRef  # operation actor
    operationAgainst: URIRef  # operation against
    operationAim: URIRef  # what an operation is to achieve, in the text's words
    sourceKind: URIRef  # source kind
    reportAbout: URIRef  # cited report -> what it reports, in the annotator's words
    quotedBy: URIRef  # quoted by
    # Routes and supply lines (issue #15)
    Route: URIRef  # an unnamed way between places (routeFrom -> routeTo)
    RouteEvent: URIRef  # a route or supply line cut, opened, secured or used (a ControlEvent)
    RouteCut: URIRef  # cut, severed or closed
    RouteOpened: URIRef  # opened
    RouteSecured: URIRef  # secured
    RouteUsed: URIRef  # reported in use, or open to use, with no change said
    routeFrom: URIRef  # route -> a place it starts from
    routeTo: URIRef  # route -> a place it leads to
    routeVia: URIRef  # route -> a place it runs through
    routeActor: URIRef  # route event -> who cut, opened or secured it
    routeUser: URIRef  # route event -> whose route or supply line it is
    throughEvent: URIRef  # route event -> the event that did it

    # Completeness (issue #15)
    locatedInUnknown: URIRef  # place or asset -> why no container is known


_GRAPH_BASE: Final = "https://w3id.org/kg/graph/"

# A file stem becomes an IRI path segment: no IRI delimiters, spaces or controls.
_STEM: Final = re.compile(r"[^\s/?#<>\"{}|\\^`%\[\]]+")


def article_graph(stem: str) -> URIRef:
    """The named graph of one article, ``https://w3id.org/kg/graph/article/<stem>``.

    ``stem`` is the article's file name without its extension, such as
    ``000_d0ca17a74fd2c527``; a ``ValueError`` says so if it cannot be one IRI segment.
    """
    if not _STEM.fullmatch(stem) or stem in {".", ".."}:
        raise ValueError(
            f"article stem {stem!r} cannot be used in a graph IRI: use the file name without "
            "its extension, with no spaces, '/', '?', '#' or other IRI delimiters"
        )
    return URIRef(f"{_GRAPH_BASE}article/{stem}")


class GRAPH:
    """The named graphs ``kg build`` writes; queries see their union."""

    ONTOLOGY: Final = URIRef(f"{_GRAPH_BASE}ontology")  # ontology/kg.ttl
    ENTITIES: Final = URIRef(f"{_GRAPH_BASE}entities")  # shared places, actors, infrastructure
    LINKS: Final = URIRef(f"{_GRAPH_BASE}links")  # gazetteer links (skos:exactMatch/closeMatch)
    SUBMISSIONS: Final = URIRef(f"{_GRAPH_BASE}submissions")  # who submitted what, when; retractions
    INFERRED: Final = URIRef(f"{_GRAPH_BASE}inferred")  # what `kg build --reason` inferred (kg.reasoning)
    SET_ASIDE: Final = URIRef(f"{_GRAPH_BASE}set-aside")  # submissions the last rebuild set aside, and why
    BUILD: Final = URIRef(f"{_GRAPH_BASE}build")  # the digest of the last build's inputs
    PERIODS: Final = URIRef(f"{_GRAPH_BASE}periods")  # control periods derived from the events (kg.periods)
    SUBMISSION_BASE: Final = f"{_GRAPH_BASE}submission/"  # + id: one accepted submission's statements
    article_graph = staticmethod(article_graph)  # one article's graph: GRAPH.article_graph(stem)

    def __init__(self) -> None:
        raise TypeError("GRAPH is a set of constants and may not be instantiated")
