"""Saved queries: ``queries/<name>.rq`` files of valid SPARQL with ``#+`` YAML headers.

A header declares the title, the description and typed parameters (grlc's convention)::

    #+ title: Who controlled a place on a date
    #+ description: The controller(s) established by the latest change or observation …
    #+ params:
    #+   place: {type: place, required: true, example: al-Qaryatayn}
    #+   date: {type: date, required: true, example: 2015-12-01}

Parameters are bound as RDF terms through the engine's own binding (SEP-0007
substitution: the variable is replaced by the term in the parsed query), never pasted into
the text, so a quote or a brace in a value cannot change the query. A saved query projects
its parameters, as SEP-0007 asks. ``place`` and ``actor`` parameters take an IRI, an id or
any label or alternate name, case-insensitively. :func:`run` is the one entry point, which
``kg query`` and the web layer reach through :meth:`kg.app.Kg.run` (with the limits and the
cache of the running kg).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from kg import resolver
from kg.answers import Answer, IndexOf, ResultCache, Versioned
from kg.config import Settings
from kg.errors import ConfigError, InputError, Location, NotFound, ParameterError
from kg.store import QueryResult, RdfTerm, Store
from kg.vocab import XSD

PARAM_TYPES = ("iri", "date", "number", "integer", "string", "place", "actor", "entity")
ENTITY_CLASSES = resolver.ENTITY_CLASSES
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool = True
    default: str | None = None
    example: str | None = None
    help: str | None = None
    enum: tuple[str, ...] = ()
    required_when: tuple[tuple[str, str], ...] = ()  # (other parameter, value) that make it required


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    sparql: str
    path: Path
    index: str | None = None  # ``#+ index: periods``: the store's index of that name may answer it


def parse_query_file(text: str, name: str, path: Path) -> SavedQuery:
    """A ``.rq`` file's header and body → a :class:`SavedQuery`."""
    header = "\n".join(
        line[3:] if line.startswith("#+ ") else line[2:] for line in text.splitlines() if line.startswith("#+")
    )
    try:
        meta = YAML(typ="safe").load(header) or {}
    except YAMLError as exc:
        raise InputError(f"the #+ header is not valid YAML: {exc}", where=Location(str(path))) from None
    if not isinstance(meta, dict) or "title" not in meta:
        raise InputError("the #+ header needs at least a title", where=Location(str(path), 1, "title"))
    declared = meta.get("params") or {}
    if not isinstance(declared, dict):
        raise InputError("'params' must map each parameter name to its spec", where=Location(str(path), None, "params"))
    params = []
    for pname, spec in declared.items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise InputError(
                f"parameter {pname!r} must be a mapping such as {{type: date, example: 2015-12-01}}",
                where=Location(str(path), None, f"params.{pname}"),
            )
        ptype = spec.get("type", "string")
        if ptype not in PARAM_TYPES:
            raise InputError(
                f"parameter {pname!r} has unknown type {ptype!r} (one of {', '.join(PARAM_TYPES)})",
                where=Location(str(path), None, f"params.{pname}"),
            )
        params.append(
            Param(
                str(pname),
                ptype,
                bool(spec.get("required", "default" not in spec)),
                _text(spec.get("default")),
                _text(spec.get("example")),
                spec.get("help"),
                tuple(str(v) for v in spec.get("enum") or ()),
                _required_when(spec.get("requiredWhen"), str(pname), path),
            )
        )
    index = _text(meta.get("index"))
    description = str(meta.get("description", "")).strip()
    return SavedQuery(name, str(meta["title"]), description, tuple(params), text, path, index)


def _required_when(spec: Any, pname: str, path: Path) -> tuple[tuple[str, str], ...]:
    """``requiredWhen: {view: source}``: the parameter is required when another has that value."""
    if spec is None:
        return ()
    if not isinstance(spec, dict):
        raise InputError(
            f"parameter {pname!r}: requiredWhen must map another parameter to a value, e.g. {{view: source}}",
            where=Location(str(path), None, f"params.{pname}.requiredWhen"),
        )
    return tuple((str(k), str(v)) for k, v in spec.items())


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


Signature = tuple[tuple[Path, int, int], ...]
"""The ``.rq`` files of a folder with their modification times and sizes: what a cache keys on."""


def signature(folder: Path) -> Signature:
    """The saved-query files of ``folder`` as a :data:`Signature` (changed by any edit)."""
    if not folder.is_dir():
        raise ConfigError(f"no saved-query folder at {folder}", hint="set KG_QUERIES to the queries folder")
    return tuple((path, path.stat().st_mtime_ns, path.stat().st_size) for path in sorted(folder.glob("*.rq")))


def parse_catalogue(files: Signature) -> dict[str, SavedQuery]:
    """The saved queries of these files, by name."""
    return {path.stem: parse_query_file(path.read_text("utf-8"), path.stem, path) for path, _, _ in files}


def catalogue(folder: Path) -> dict[str, SavedQuery]:
    """Every saved query in the folder, by name (:meth:`kg.app.Kg.catalogue` keeps it between calls)."""
    return parse_catalogue(signature(folder))


Catalogue = Path | Mapping[str, SavedQuery]
"""A saved-query folder, or its queries already parsed."""


def get(source: Catalogue, name: str) -> SavedQuery:
    if not _NAME.match(name):
        raise NotFound(f"no saved query called {name!r}", hint="'kg queries' lists them")
    known = catalogue(source) if isinstance(source, Path) else source
    if name not in known:
        raise NotFound(f"no saved query called {name!r}", hint="known: " + ", ".join(known))
    return known[name]


# --------------------------------------------------------------------------- binding


def bind(query: SavedQuery, values: Mapping[str, str], store: Store) -> dict[str, RdfTerm]:
    """Check and type every parameter; resolve names of places and actors to IRIs."""
    return bind_reading(query, values, store)[0]


def bind_reading(
    query: SavedQuery, values: Mapping[str, str], store: Store
) -> tuple[dict[str, RdfTerm], tuple[resolver.Reading, ...]]:
    """:func:`bind`, and how each name that only folded matching found was read."""
    unknown = set(values) - {p.name for p in query.params}
    if unknown:
        raise ParameterError(
            f"{query.name} has no parameter {', '.join(sorted(unknown))}",
            hint="its parameters: " + (", ".join(p.name for p in query.params) or "none"),
        )
    bound, readings = {}, []
    for param in query.params:
        raw = values.get(param.name, param.default)
        if raw is None or raw == "":
            _check_required_when(query, param, values)
            if param.required:
                raise ParameterError(
                    f"{query.name} needs the parameter {param.name!r} ({param.type})",
                    where=Location(field=param.name),
                    hint=f"e.g. {param.name}={param.example}" if param.example else None,
                )
            continue
        if param.type in ENTITY_CLASSES and not param.enum:
            bound[param.name], reading = resolver.read(param.name, param.type, str(raw), store)
            readings += [reading] if reading else []
        else:
            bound[param.name] = term_for(param, str(raw), store)
    return bound, tuple(readings)


def _check_required_when(query: SavedQuery, param: Param, values: Mapping[str, str]) -> None:
    """A parameter left out that another parameter's value calls for (view=source needs by)."""
    defaults = {p.name: p.default for p in query.params}
    for other, value in param.required_when:
        if values.get(other, defaults.get(other)) == value:
            raise ParameterError(
                f"{query.name} with {other}={value} needs the parameter {param.name!r} ({param.type}); "
                f"without it no reading is chosen and the answer would be empty",
                where=Location(field=param.name),
                hint=f"e.g. {other}={value} {param.name}={param.example}" if param.example else None,
            )


def term_for(param: Param, raw: str, store: Store) -> RdfTerm:
    """One parameter value as an RDF term of the declared type."""
    where = Location(field=param.name)
    if param.enum and raw not in param.enum:
        raise ParameterError(f"{param.name} must be one of {', '.join(param.enum)}, not {raw!r}", where=where)
    if param.type == "date":
        try:
            return RdfTerm("literal", date.fromisoformat(raw).isoformat(), str(XSD.date))
        except ValueError:
            raise ParameterError(f"{param.name} must be a date as YYYY-MM-DD, not {raw!r}", where=where) from None
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?[0-9]+", raw.strip()):
            raise ParameterError(f"{param.name} must be a whole number such as 50, not {raw!r}", where=where)
        return RdfTerm("literal", str(int(raw)), str(XSD.integer))
    if param.type == "number":
        if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", raw.strip()):
            raise ParameterError(f"{param.name} must be a decimal number such as 12.5, not {raw!r}", where=where)
        return RdfTerm("literal", format(Decimal(raw.strip()), "f"), str(XSD.decimal))
    if param.type == "iri":
        return RdfTerm("uri", _checked_iri(param, raw))
    if param.type in ENTITY_CLASSES:
        return resolve_entity(param, raw, store)
    return RdfTerm("literal", raw)


def _checked_iri(param: Param, raw: str) -> str:
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", raw):
        raise ParameterError(f"{param.name} must be an http(s) IRI, not {raw!r}", where=Location(field=param.name))
    return raw


def resolve_entity(param: Param, raw: str, store: Store) -> RdfTerm:
    """An IRI, an id (``al-qaryatayn``) or any name → the one entity it denotes (:mod:`kg.resolver`)."""
    return resolver.read(param.name, param.type, raw, store)[0]


def run(
    store: Store,
    source: Catalogue,
    name: str,
    values: Mapping[str, str],
    *,
    timeout: float | None = None,
    max_rows: int | None = None,
    cache: ResultCache | None = None,
    defaults: Mapping[str, str] | None = None,
) -> QueryResult:
    """Run saved query ``name`` with its parameters: :func:`answer`'s result."""
    return answer(
        store, source, name, values, timeout=timeout, max_rows=max_rows, cache=cache, defaults=defaults
    ).result


def answer(
    store: Store,
    source: Catalogue,
    name: str,
    values: Mapping[str, str],
    *,
    timeout: float | None = None,
    max_rows: int | None = None,
    cache: ResultCache | None = None,
    defaults: Mapping[str, str] | None = None,
    index_of: IndexOf | None = None,
) -> Answer:
    """Run saved query ``name`` with its parameters — the one function behind every face
    (through :meth:`kg.app.Kg.answer`, which gives it the limits and the cache).

    ``defaults`` (:meth:`Settings.query_defaults`, e.g. ``staleDays`` from KG_STALE_DAYS) fill
    the parameters of those names that the query declares and the caller left out. A store
    that names its version (:class:`Versioned`) has repeated requests answered from ``cache``
    until its next write. A query whose header names an index (``#+ index: periods``) is
    answered by the index ``index_of`` gives for that name, when it gives one.
    """
    query = get(source, name)
    declared = {p.name for p in query.params}
    values = {**{k: v for k, v in (defaults or {}).items() if k in declared}, **values}
    version = store.version() if cache is not None and isinstance(store, Versioned) else None
    key = (str(query.path), name, query.sparql, tuple(sorted(values.items())), max_rows)
    if version is not None and cache is not None:
        found = cache.get(version, key)
        if found is not None:
            return found
    bindings, readings = bind_reading(query, values, store)
    index = index_of(query.index) if query.index and index_of is not None else None
    rows = index.answer(name, bindings, max_rows) if index is not None else None
    if rows is None:
        rows = store.query(query.sparql, bindings, timeout=timeout, max_rows=max_rows)
    result = Answer(rows, readings)
    if version is not None and cache is not None:
        cache.put(version, key, result)
    return result


def run_whole(store: Store, settings: Settings, name: str, *, needed_for: str) -> QueryResult:
    """Run saved query ``name`` (no parameters) where every row is needed: an index or an
    export built from rows the row cap cut off would be wrong, not just shorter, so a cut result
    is refused with what to do."""
    result = run(
        store,
        settings.queries,
        name,
        {},
        timeout=settings.query_timeout,
        max_rows=settings.max_rows,
        defaults=settings.query_defaults(),
    )
    return whole(result, name, settings, needed_for=needed_for)


def whole(result: QueryResult, name: str, settings: Settings, *, needed_for: str) -> QueryResult:
    """``result`` of saved query ``name``, refused if the row cap cut it (see :func:`run_whole`)."""
    if result.truncated:
        raise ConfigError(
            f"the saved query {name} gives more than KG_MAX_ROWS={settings.max_rows} rows, so {needed_for}",
            hint="raise KG_MAX_ROWS",
        )
    return result
