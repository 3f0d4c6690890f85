"""Linking the graph's places to gazetteers: propose, decide, record, measure.

- :func:`contexts` gathers what the annotation files say about each place and asset: every
  spelling (label, alternate labels, the words of its mentions), the countries and governorate
  its ``locatedIn`` chain reaches, the coordinates of places it is near or mentioned with.
- :func:`link` asks each source for candidates, scores them (:mod:`kg.gazetteer.matching`)
  and decides: ``auto`` at or above :data:`AUTO` with a clear lead over the runner-up,
  ``pending`` review at or above :data:`REVIEW`, otherwise the place stays unlinked. It writes
  the decisions into the review file (:mod:`kg.decisions`) without touching human ones.
- :func:`evaluate` measures precision and recall against a gold file of spellings.

``kg link`` and any web route call these; the build reads only the review file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kg import decisions
from kg.annotations import AnnotationFile, Entity
from kg.config import Settings
from kg.decisions import Decision, Proposal
from kg.errors import InputError, Location
from kg.gazetteer import Source, default_source, open_sources
from kg.gazetteer.admin import admin1_code, country_code
from kg.gazetteer.matching import Context, Point, Scored, rank
from kg.sources import data_files, links_file, load, read_links, read_text, registry

METHOD = "kg.linking name+context 1"
AUTO = 0.9  # at or above, with MARGIN over the runner-up: skos:exactMatch without review
REVIEW = 0.8  # at or above: skos:closeMatch, pending review; below: no link
MARGIN = 0.05
LINKED_KINDS = ("place", "asset")


# --------------------------------------------------------------------------- the graph's places


@dataclass(frozen=True)
class Places:
    """The places and assets of the annotation files, with their contexts."""

    entities: Mapping[str, Entity]
    contexts: Mapping[str, Context]
    countries: frozenset[str]  # ISO codes of the graph's countries


def read_places(settings: Settings) -> Places:
    """The places of ``KG_DATA``, read as the build reads them (problems are the build's business)."""
    sources, _problems = load(data_files(settings), settings.corpus)
    return places_of([s.doc for s in sources])


def places_of(docs: Sequence[AnnotationFile]) -> Places:
    known = registry(docs)
    spellings: dict[str, dict[str, None]] = defaultdict(dict)
    together: dict[str, set[str]] = defaultdict(set)  # entity -> entities mentioned in the same article
    for entity in known.values():
        spellings[entity.id].update(dict.fromkeys([entity.label, *entity.alt_labels]))
    for doc in docs:
        ids = {m.entity for m in doc.mentions}
        for mention in doc.mentions:
            spellings[mention.entity][mention.locator.quote] = None
            together[mention.entity] |= ids
    near: dict[str, set[str]] = defaultdict(set)
    for entity in known.values():
        for other in entity.relations.get("near", ()):
            near[entity.id].add(other)
            near[other].add(entity.id)
    iso = {e.id: country_code(spellings[e.id]) for e in known.values() if e.type == "Country"}
    units = {e.id: admin1_code(spellings[e.id]) for e in known.values() if e.type == "AdministrativeUnit"}
    graph_countries = frozenset(code for code in iso.values() if code)

    def point(entity_id: str) -> Point | None:
        c = known[entity_id].coordinates if entity_id in known else None
        return (c.lat, c.lon) if c else None

    found = {}
    for entity in known.values():
        if entity.kind not in LINKED_KINDS:
            continue
        chain = _chain(entity.id, known)
        admin1 = frozenset(code for e in chain if (code := units.get(e)))
        countries = frozenset(code for e in chain if (code := iso.get(e))) | {a.split(".")[0] for a in admin1}
        found[entity.id] = Context(
            entity=entity.id,
            type=entity.type,
            spellings=tuple(spellings[entity.id]),
            countries=countries or graph_countries,
            countries_known=bool(countries),
            admin1=admin1,
            near=tuple(p for e in sorted(near[entity.id]) if (p := point(e))),
            nearby=tuple(p for e in sorted(together[entity.id] - {entity.id}) if (p := point(e))),
        )
    return Places(known, found, graph_countries)


def _chain(entity_id: str, known: Mapping[str, Entity]) -> list[str]:
    """The entity and every place its ``locatedIn`` reaches, transitively."""
    seen, todo = [entity_id], [entity_id]
    while todo:
        current = known.get(todo.pop())
        for parent in current.relations.get("locatedIn", ()) if current else ():
            if parent not in seen:
                seen.append(parent)
                todo.append(parent)
    return seen


# --------------------------------------------------------------------------- deciding


@dataclass(frozen=True)
class Outcome:
    """What linking found for one place in one source."""

    entity: str
    label: str
    source: str
    status: str | None  # auto | pending | accepted (a person's, kept) | None: unlinked
    best: Scored | None = None
    runner_up: Scored | None = None
    decision: Decision | None = None  # the link written (or kept)


def candidates(source: Source, context: Context, limit: int = 25) -> list[Scored]:
    """The source's candidates for a place, scored against it, best first.

    The search stays within the place's countries, or the graph's when its own are not known;
    a graph that names no real country gets no candidates (kg does not search the world for
    namesakes of a place it cannot situate).
    """
    found = []
    for country in sorted(context.countries):
        found += source.candidates(list(context.variants), country=country, limit=limit)
    return rank(context, found)


def decide(source: Source, context: Context, label: str, rejected: Iterable[str] = (), today: str = "") -> Outcome:
    """Score the candidates and decide: auto, pending, or no link."""
    scored = [s for s in candidates(source, context) if s.candidate.id not in set(rejected)]
    best = scored[0] if scored else None
    runner_up = scored[1] if len(scored) > 1 else None
    if best is None or best.score < REVIEW:
        return Outcome(context.entity, label, source.name, None, best, runner_up)
    margin = round(best.score - runner_up.score, 3) if runner_up else 1.0
    status = "auto" if best.score >= AUTO and margin >= MARGIN else "pending"
    c = best.candidate
    features = {**best.features, "margin": margin}
    if runner_up:
        features["runner_up"] = f"{runner_up.candidate.source}:{runner_up.candidate.id} {runner_up.candidate.name}"
    decision = Decision(
        entity=context.entity,
        source=c.source,
        id=c.id,
        uri=c.uri,
        status=status,
        name=c.name,
        score=best.score,
        features=features,
        method=METHOD,
        gazetteer=c.version or source.version,
        lat=c.lat,
        lon=c.lon,
        who=decisions.MACHINE,
        when=today or None,
    )
    return Outcome(context.entity, label, source.name, status, best, runner_up, decision)


@dataclass(frozen=True)
class LinkReport:
    """What ``kg link`` found and wrote."""

    outcomes: tuple[Outcome, ...]
    path: str
    written: bool
    sources: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()  # links in the file the sources did not propose again, kept as they were
    changed: tuple[str, ...] = ()  # machine links that now point elsewhere
    added: tuple[str, ...] = ()  # links for places that had none

    def count(self, status: str | None) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def unlinked(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status is None)

    @property
    def pending(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "pending")


def read_decisions(settings: Settings, known: Mapping[str, Entity]) -> tuple[str, list[Decision]]:
    """The review file's text and decisions (none if it does not exist yet); problems stop here."""
    path = links_file(settings)
    text = read_text(path) if path.is_file() else ""
    found, problems = read_links(settings, known)
    if problems:
        first = problems[0]
        raise InputError(
            f"{first.message} ({len(problems)} problem(s) in the review file)",
            where=first.where,
            hint="fix the review file, then run kg link again",
        )
    return text, found


def link(
    settings: Settings,
    source_names: Sequence[str] = (),
    *,
    write: bool = True,
    sources: Sequence[Source] | None = None,
) -> LinkReport:
    """Link every place and asset of ``KG_DATA``; write the review file unless ``write`` is off."""
    opened = list(sources) if sources is not None else open_sources(settings, source_names)
    places = read_places(settings)
    text, existing = read_decisions(settings, places.entities)
    today = datetime.now(UTC).date().isoformat()
    outcomes, proposals = [], []
    for source in opened:
        for entity_id, context in places.contexts.items():
            mine = [d for d in existing if d.entity == entity_id and d.source == source.name]
            label = places.entities[entity_id].label
            kept = next((d for d in mine if d.status == "accepted"), None)
            if kept is not None:
                outcomes.append(Outcome(entity_id, label, source.name, "accepted", decision=kept))
                continue
            rejected = [d.id for d in mine if d.status == "rejected"]
            outcome = decide(source, context, label, rejected, today)
            outcomes.append(outcome)
            proposals.append(Proposal(entity_id, source.name, outcome.decision))
    path = links_file(settings)
    merged = decisions.merge(text, str(path), proposals)
    if write and merged.text != text:
        path.write_text(merged.text, "utf-8")
    return LinkReport(
        tuple(outcomes), str(path), write, tuple(s.name for s in opened), merged.kept, merged.changed, merged.added
    )


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class GoldRow:
    """One line of a gold file: a spelling, the GeoNames id it names (None: must stay unlinked)."""

    surface: str
    id: str | None
    entity: str | None
    where: Location


def read_gold(path: Path) -> list[GoldRow]:
    """``surface<TAB>geonameid[<TAB>entity]`` lines; ``#`` comments; an empty id means unlinkable."""
    rows = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        where = Location(str(path), number)
        if len(cols) not in (2, 3) or not cols[0].strip() or (cols[1] and not cols[1].isdigit()):
            raise InputError(
                "expected surface<TAB>geonameid[<TAB>entity id], with an empty geonameid for a place that must "
                "stay unlinked",
                where=where,
            )
        entity = cols[2].strip() if len(cols) == 3 and cols[2].strip() else None
        rows.append(GoldRow(cols[0], cols[1] or None, entity, where))
    if not rows:
        raise InputError("the gold file has no rows", where=Location(str(path)))
    return rows


@dataclass(frozen=True)
class Evaluation:
    """Precision and recall of one source's links against a gold file."""

    source: str
    version: str
    rows: int
    linkable: int  # gold rows whose place the source contains
    correct: int
    wrong: int  # links to another place, or links of places the source does not contain
    wrong_unlinkable: int  # of which: links made for places that must stay unlinked
    pending: int  # rows whose best candidate awaits review (not counted as links)
    mistakes: tuple[str, ...] = field(default=())

    @property
    def precision(self) -> float:
        made = self.correct + self.wrong
        return self.correct / made if made else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.linkable if self.linkable else 1.0


def evaluate(
    settings: Settings, gold: Path, source_names: Sequence[str] = (), places: Places | None = None
) -> list[Evaluation]:
    """Link each gold spelling on its own (with its place's context) and compare with the gold ids.

    A row's place is the entity column, or the place whose spellings include the surface; a
    surface the graph does not know is linked with the graph's countries as its only context.
    A gold id the source does not contain counts as "must stay unlinked" for that source.
    """
    rows = read_gold(gold)
    names = list(source_names) or [default_source(settings)]
    opened = open_sources(settings, names)
    places = places or read_places(settings)
    return [_evaluate(name, source, rows, places) for name, source in zip(names, opened, strict=True)]


def _context_for(row: GoldRow, places: Places) -> Context:
    entity = row.entity or next(
        (eid for eid, c in places.contexts.items() if row.surface.casefold() in {s.casefold() for s in c.spellings}),
        None,
    )
    if entity is not None and entity not in places.contexts:
        raise InputError(f"no place or asset {entity!r} in the annotation files", where=row.where)
    base = places.contexts.get(entity) if entity else None
    if base is None:
        return Context(f"({row.surface})", "Place", (row.surface,), places.countries, False)
    return Context(base.entity, base.type, (row.surface,), *_rest(base))


def _rest(c: Context) -> tuple:  # type: ignore[type-arg]
    return (c.countries, c.countries_known, c.admin1, c.near, c.nearby)


def _evaluate(name: str, source: Source, rows: Sequence[GoldRow], places: Places) -> Evaluation:
    lookup = getattr(source, "get", None)
    linkable = correct = wrong = wrong_unlinkable = pending = 0
    mistakes = []
    for row in rows:
        contained = row.id is not None and (lookup is None or lookup(row.id) is not None)
        outcome = decide(source, _context_for(row, places), row.surface)
        made = outcome.decision.id if outcome.status == "auto" and outcome.decision else None
        linkable += contained
        pending += outcome.status == "pending"
        if made is not None and contained and made == row.id:
            correct += 1
        elif made is not None:
            wrong += 1
            wrong_unlinkable += not contained
            mistakes.append(f"{row.where}: {row.surface!r} linked to {made}, gold {row.id or 'unlinked'}")
        elif contained:
            best = outcome.best.candidate.id if outcome.best else None
            mistakes.append(f"{row.where}: {row.surface!r} not linked (gold {row.id}, best {best})")
    return Evaluation(
        name, source.version, len(rows), linkable, correct, wrong, wrong_unlinkable, pending, tuple(mistakes)
    )
