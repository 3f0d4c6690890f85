"""The annotation format: YAML text → checked, typed, located domain objects.

Pure: no RDF and no file system. Callers hand in the text of a file and its name; every
object keeps the :class:`~kg.errors.Location` (file, line, field) it came from, so that any
later check can say exactly where to look. The format is described in
``docs/annotation-format.md`` and by ``schemas/annotation.schema.json``.

The package reads as the way a file goes::

    model       the domain objects (AnnotationFile, Article, Entity, Event, Claim, RouteEvent,
                Casualty, Incident, Statement, Announcement, Report, …)
    tree        text → the YAML tree with its lines (read_tree), and back (dump_tree, set_key)
    locations   lines and field names in a tree; pinpoint a problem to its field's line
    schema      the JSON Schema, and check_schema: every way a tree breaks it
    reading     parse: text → tree → schema → objects (from_tree, parse_date)

The names below are the package's public face: ``from kg.annotations import parse, Entity``.
"""

from __future__ import annotations

from kg.annotations.locations import field_name, line_of, locate, path_of, pinpoint
from kg.annotations.model import (
    ENTITY_SECTIONS,
    FACT_SECTIONS,
    RELATION_KEYS,
    ROLE_KEYS,
    ROUTE_TYPES,
    SUPPORTED_SECTIONS,
    AnnotationFile,
    Announcement,
    Article,
    Casualty,
    Claim,
    Coordinates,
    DateSpec,
    Entity,
    Event,
    Evidence,
    Fact,
    Incident,
    Locator,
    Mention,
    Report,
    RouteEvent,
    Span,
    Statement,
)
from kg.annotations.reading import from_tree, parse, parse_date
from kg.annotations.schema import check_schema, schema, schema_digest
from kg.annotations.tree import dump_tree, flow_list, line_of_node, read_tree, set_key

__all__ = [
    "ENTITY_SECTIONS",
    "FACT_SECTIONS",
    "RELATION_KEYS",
    "ROLE_KEYS",
    "ROUTE_TYPES",
    "SUPPORTED_SECTIONS",
    "AnnotationFile",
    "Announcement",
    "Article",
    "Casualty",
    "Claim",
    "Coordinates",
    "DateSpec",
    "Entity",
    "Event",
    "Evidence",
    "Fact",
    "Incident",
    "Locator",
    "Mention",
    "Report",
    "RouteEvent",
    "Span",
    "Statement",
    "check_schema",
    "dump_tree",
    "field_name",
    "flow_list",
    "from_tree",
    "line_of",
    "line_of_node",
    "locate",
    "parse",
    "parse_date",
    "path_of",
    "pinpoint",
    "read_tree",
    "schema",
    "schema_digest",
    "set_key",
]
