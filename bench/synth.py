"""A synthetic corpus that looks like the real one, at any size, the same for the same seed.

    python bench/synth.py --articles 1000 --out /tmp/synth [--seed 7] [--gazetteer DIR] [--no-rdf]

It writes, under OUT:

- ``data/entities.yaml``: places from a GeoNames file (the ``cities1000`` extract in
  ``../shared/gazetteer`` by default, or any dump in the same format) with their transliteration
  variants as ``altLabels``, their governorates and countries, villages around them for larger
  corpora (no coordinates: none are ever invented), infrastructure, and actors in ``partOf``
  hierarchies (army → division → brigade, FSA → brigade, SDF → YPG);
- ``corpus/*.txt``: article texts written around the events, using one spelling or another of
  each name, so every quote and offset is real;
- ``data/articles/*.yaml``: one annotation file per article in the project's own format, with
  offsets already resolved: captures and withdrawals drawn from a per-place timeline, observed
  states of control (some partial), assaults, dates of mixed precision (day, week, month, range,
  year), distance claims, and conflicting reports (another outlet a day off, a wrong controller,
  a wrong bearing);
- ``dataset.nq``: the same data as N-Quads, mapped by kg's own mapping, one graph per article
  plus the entities and the ontology, for engines that load RDF directly.

Point ``KG_DATA`` at OUT/data and ``KG_CORPUS`` at OUT/corpus to build it with ``kg build``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GAZETTEER = ROOT.parent / "shared" / "gazetteer"
FIRST_DAY, LAST_DAY = date(2012, 1, 1), date(2019, 12, 31)
BEARINGS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
COUNTRIES = {"SY": "Syria", "LB": "Lebanon", "IQ": "Iraq", "JO": "Jordan"}
OUTLETS = [
    ("syria-direct", "Syria Direct", ["SyriaDirect"]),
    ("enab-baladi", "Enab Baladi", []),
    ("sana", "SANA", ["Syrian Arab News Agency"]),
    ("reuters", "Reuters", []),
    ("al-masdar", "Al-Masdar News", ["Al Masdar"]),
    ("step-news", "Step News Agency", ["Step News"]),
    ("north-press", "North Press Agency", []),
    ("the-new-arab", "The New Arab", ["al-Araby al-Jadeed"]),
]
FILLER = [
    "Fighting continued in the surrounding countryside through the night.",
    "Residents said shelling had forced many families to leave.",
    "Aid agencies warned that roads in the area remained unsafe.",
    "The claim could not be independently verified.",
    "Local sources described heavy clashes on the outskirts.",
    "Several civilians were reported wounded in the exchange of fire.",
    "Both sides have fought over the area for months.",
    "Electricity and water supplies were cut for much of the week.",
    "A local council official said negotiations had stalled.",
    "Airstrikes were reported on nearby villages.",
]
VILLAGE_PREFIXES = ["Tall", "Khirbat", "Ayn", "Bir", "Dayr", "Kafr", "Umm", "Jabal"]


# --------------------------------------------------------------------------- the world


@dataclass
class Entity:
    id: str
    kind: str  # places | actors | infrastructure
    type: str
    label: str
    alt: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    coords: tuple[float, float] | None = None

    def names(self) -> list[str]:
        return [self.label, *self.alt]

    def as_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type, "label": self.label}
        if self.alt:
            out["altLabels"] = self.alt
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class Change:
    """One true change of control in the world the articles report on."""

    place: str
    day: date
    gaining: str
    losing: str


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def variants(name: str, ascii_name: str, alternates: Sequence[str]) -> list[str]:
    """Latin-script spellings of a name: GeoNames' own alternates plus the article forms."""
    found: list[str] = []
    base = re.sub(r"^(Al|Ar|As|Ad|An|At|Az|Ash|Ad) ", "", ascii_name)
    candidates = [ascii_name, *alternates]
    if base != ascii_name:
        candidates += [f"al-{base}", base]
    for alt in candidates:
        alt = alt.strip()
        if not alt or alt == name or alt in found or not re.fullmatch(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF' -]+", alt):
            continue
        if len(alt) > 60 or "  " in alt:
            continue
        found.append(alt)
    return found[:4]


class World:
    def __init__(self, rng: random.Random, gazetteer: Path, articles: int):
        self.rng = rng
        self.entities: dict[str, Entity] = {}
        self.places: list[Entity] = []  # where events happen
        self.with_coords: list[Entity] = []
        self.governorate_of: dict[str, str] = {}
        self._countries()
        self._places(gazetteer, articles)
        self._infrastructure()
        self._actors(articles)

    def add(self, entity: Entity) -> Entity:
        if entity.id in self.entities:
            entity.id = f"{entity.id}-{len(self.entities)}"
        self.entities[entity.id] = entity
        return entity

    def _countries(self) -> None:
        for label in COUNTRIES.values():
            self.add(Entity(slug(label), "places", "Country", label))

    def _places(self, gazetteer: Path, articles: int) -> None:
        governorates: dict[str, str] = {}
        admin = gazetteer / "geonames_admin_SY_LB_IQ_JO.tsv"
        with admin.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                country = row["geonames_code"].split(".")[0]
                if row["admin_level"] != "1" or country not in COUNTRIES:
                    continue
                aliases = [a for a in row["aliases"].split("|") if a]
                entity = self.add(
                    Entity(
                        slug(row["name"]) + "-governorate",
                        "places",
                        "AdministrativeUnit",
                        row["name"],
                        variants(row["name"], slug(row["name"]).replace("-", " ").title(), aliases),
                        {"locatedIn": [slug(COUNTRIES[country])]},
                    )
                )
                governorates[row["geonames_code"]] = entity.id
        towns = sorted(gazetteer.glob("*cities*.tsv")) or sorted(gazetteer.glob("*.txt"))
        rows = []
        for path in towns:
            with path.open(encoding="utf-8") as handle:
                rows += [line.rstrip("\n").split("\t") for line in handle if line.strip()]
        for row in rows:
            geonameid, name, ascii_name, alternates, lat, lon, country, admin1 = (
                row[0],
                row[1],
                row[2],
                row[3].split(","),
                row[4],
                row[5],
                row[8],
                row[10],
            )
            if country not in COUNTRIES or not re.fullmatch(r"\S(.*\S)?", name):
                continue
            parent = governorates.get(f"{country}.{admin1}", slug(COUNTRIES[country]))
            town = self.add(
                Entity(
                    slug(ascii_name),
                    "places",
                    "Settlement",
                    name,
                    variants(name, ascii_name, alternates),
                    {
                        "locatedIn": [parent],
                        "coordinates": {"lat": float(lat), "lon": float(lon), "source": f"geonames:{geonameid}"},
                    },
                    (float(lat), float(lon)),
                )
            )
            self.governorate_of[town.id] = parent
            self.places.append(town)
            self.with_coords.append(town)
        for i in range(max(0, articles // 8 - len(self.places))):  # villages, so places grow with the corpus
            town = self.rng.choice(self.with_coords)
            prefix = self.rng.choice(VILLAGE_PREFIXES)
            root = self.rng.choice(self.with_coords).alt[:1] or [town.label]
            label = f"{prefix} {root[0].split(' ')[-1]}"
            village = self.add(
                Entity(
                    f"{slug(label)}-{i}",
                    "places",
                    "Terrain" if prefix in {"Tall", "Jabal"} else "Settlement",
                    label,
                    [label.replace(" ", " al-", 1), label.replace("Khirbat", "Khirbet").replace("Ayn", "Ain")],
                    {"locatedIn": [self.governorate_of[town.id]], "near": [town.id]},
                )
            )
            village.alt = [a for a in dict.fromkeys(village.alt) if a != label]
            self.governorate_of[village.id] = self.governorate_of[town.id]
            self.places.append(village)

    def _infrastructure(self) -> None:
        hubs = [p for p in self.with_coords if self.governorate_of[p.id].endswith("-governorate")]
        for label, kind, alt in [
            ("M5 highway", "Highway", ["Damascus-Aleppo highway"]),
            ("M4 highway", "Highway", ["Latakia-Aleppo highway"]),
            ("M2 highway", "Highway", ["Damascus-Baghdad highway"]),
            ("M20 highway", "Highway", ["Palmyra-Deir ez-Zor road"]),
            ("Shaer gas field", "GasField", ["Shaer field", "al-Shaer gas field"]),
            ("Jazal oil field", "OilField", ["Jazal field"]),
            ("Tishreen power plant", "PowerPlant", ["Tishreen plant"]),
            ("Tabqa airbase", "MilitaryBase", ["al-Tabqa airbase", "Tabqa military airport"]),
        ]:
            ends = self.rng.sample(hubs, 2)
            extra: dict[str, Any] = {"locatedIn": [self.governorate_of[ends[0].id]]}
            if kind == "Highway":
                extra["connects"] = [e.id for e in ends]
            else:
                extra["near"] = [ends[0].id]
            self.places.append(self.add(Entity(slug(label), "infrastructure", kind, label, alt, extra)))

    def _actors(self, articles: int) -> None:
        a = self.add
        a(Entity("syrian-government", "actors", "GovernmentBody", "Syrian government", ["Damascus government"]))
        a(Entity("russian-air-force", "actors", "ForeignStateForce", "Russian air force", ["Russian warplanes"]))
        a(
            Entity(
                "syrian-arab-army",
                "actors",
                "StateForce",
                "Syrian Arab Army",
                ["Syrian army", "regime forces", "government forces"],
                {"partOf": ["syrian-government"], "supportedBy": ["russian-air-force"], "stance": "pro-regime"},
            )
        )
        a(
            Entity(
                "national-defence-forces",
                "actors",
                "StateForce",
                "National Defence Forces",
                ["NDF", "pro-government militia"],
                {"partOf": ["syrian-government"]},
            )
        )
        a(Entity("hezbollah", "actors", "NonStateArmedGroup", "Hezbollah", ["Hizbollah", "Hizballah"]))
        self.entities["syrian-arab-army"].extra["alliedWith"] = ["hezbollah"]
        a(Entity("islamic-state", "actors", "NonStateArmedGroup", "Islamic State", ["ISIS", "ISIL", "Daesh"]))
        a(Entity("jabhat-al-nusra", "actors", "NonStateArmedGroup", "Jabhat al-Nusra", ["Nusra Front", "al-Nusra"]))
        a(Entity("free-syrian-army", "actors", "Coalition", "Free Syrian Army", ["FSA", "rebels"]))
        a(
            Entity(
                "jaysh-al-islam", "actors", "NonStateArmedGroup", "Jaysh al-Islam", ["Jaish al-Islam", "Army of Islam"]
            )
        )
        a(Entity("syrian-democratic-forces", "actors", "Coalition", "Syrian Democratic Forces", ["SDF"]))
        a(
            Entity(
                "ypg",
                "actors",
                "NonStateArmedGroup",
                "People's Protection Units",
                ["YPG", "Kurdish forces"],
                {"partOf": ["syrian-democratic-forces"]},
            )
        )
        a(
            Entity(
                "sohr", "actors", "MonitoringGroup", "Syrian Observatory for Human Rights", ["SOHR", "the Observatory"]
            )
        )
        for ident, label, alt in OUTLETS:
            a(Entity(ident, "actors", "NewsOutlet", label, alt))
        self.outlets = [o[0] for o in OUTLETS]
        self.sides: dict[str, list[str]] = {
            "government": ["syrian-arab-army", "national-defence-forces"],
            "is": ["islamic-state"],
            "nusra": ["jabhat-al-nusra"],
            "rebels": ["free-syrian-army", "jaysh-al-islam"],
            "sdf": ["syrian-democratic-forces", "ypg"],
        }
        units = 12 + articles // 100
        for i in range(units):
            side = self.rng.choice(["government", "government", "rebels", "rebels", "sdf"])
            n = 4 + i
            if side == "government":
                division = self.sides["government"][0] if i % 3 else None
                unit = a(
                    Entity(
                        f"brigade-{n}",
                        "actors",
                        "ArmedGroupUnit",
                        f"{n}th Brigade",
                        [f"Brigade {n}", f"the {n}th"],
                        {"partOf": [division or "syrian-arab-army"]},
                    )
                )
            elif side == "rebels":
                root = self.rng.choice(self.with_coords).alt[:1] or ["Sham"]
                word = root[0].split(" ")[-1]
                unit = a(
                    Entity(
                        f"jaysh-{slug(word)}-{n}",
                        "actors",
                        "ArmedGroupUnit",
                        f"Jaysh {word} {n}",
                        [f"Jaish {word} {n}", f"Army of {word} {n}"],
                        {"partOf": ["free-syrian-army"]},
                    )
                )
            else:
                unit = a(
                    Entity(
                        f"ypg-battalion-{n}",
                        "actors",
                        "ArmedGroupUnit",
                        f"YPG Battalion {n}",
                        [f"Battalion {n}"],
                        {"partOf": ["ypg"]},
                    )
                )
            self.sides[side].append(unit.id)

    def entities_yaml(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {"places": [], "actors": [], "infrastructure": []}
        for entity in self.entities.values():
            out[entity.kind].append(entity.as_yaml())
        return out

    def timeline(self, changes_per_place: float) -> dict[str, list[Change]]:
        """Who holds each place over the years: a first holder, then a few changes of hands."""
        rng, found = self.rng, {}
        for place in self.places:
            side = rng.choice(list(self.sides))
            holder = rng.choice(self.sides[side])
            day = FIRST_DAY + timedelta(days=rng.randrange(200))
            changes = [Change(place.id, day, holder, "")]
            for _ in range(max(1, round(rng.expovariate(1 / changes_per_place)))):
                day += timedelta(days=rng.randrange(20, 700))
                if day > LAST_DAY - timedelta(days=30):
                    break
                side = rng.choice([s for s in self.sides if holder not in self.sides[s]])
                gaining = rng.choice(self.sides[side])
                changes.append(Change(place.id, day, gaining, holder))
                holder = gaining
            found[place.id] = changes
        return found


# --------------------------------------------------------------------------- one article


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class Writer:
    """An article's text, built sentence by sentence, remembering where each name was put."""

    def __init__(self, rng: random.Random, world: World):
        self.rng, self.world = rng, world
        self.parts: list[str] = []
        self.size = 0
        self.names: list[tuple[str, int, int]] = []  # (entity id, start, end)
        self.sentences: list[tuple[int, int]] = []

    def put(self, text: str) -> int:
        start = self.size
        self.parts.append(text)
        self.size += len(text)
        return start

    def name(self, entity_id: str, *, first: bool = False) -> str:
        """Write a spelling of an entity's name (its label or one of its variants)."""
        entity = self.world.entities[entity_id]
        spelling = entity.label if self.rng.random() < 0.6 else self.rng.choice(entity.names())
        if first:
            spelling = spelling[:1].upper() + spelling[1:]
        start = self.put(spelling)
        self.names.append((entity_id, start, start + len(spelling)))
        return spelling

    def sentence(self, *pieces: str | tuple[str]) -> tuple[int, int]:
        """Pieces are text, or (entity id,) for a name; returns the sentence's span."""
        start = self.size
        for piece in pieces:
            if isinstance(piece, tuple):
                self.name(piece[0], first=self.size == start)
            else:
                self.put(piece)
        end = self.size
        self.put(" ")
        self.sentences.append((start, end))
        return start, end

    def filler(self, n: int) -> None:
        for line in self.rng.choices(FILLER, k=n):
            self.put(line + " ")

    @property
    def text(self) -> str:
        return "".join(self.parts).rstrip() + "\n"


def exact_hits(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + len(needle))
    return found


def mention_items(text: str, names: list[tuple[str, int, int]]) -> list[dict[str, Any]]:
    """One mention per name written, located by its quote and, if it repeats, its occurrence."""
    items = []
    for entity_id, start, end in names:
        quote = text[start:end]
        hits = exact_hits(text, quote)
        if start not in hits:
            continue  # inside another match of the same words: not addressable by occurrence
        item: dict[str, Any] = {"entity": entity_id, "quote": quote}
        if len(hits) > 1:
            item["occurrence"] = hits.index(start) + 1
        item["spans"] = [[start, end]]
        items.append(item)
    return items


def evidence_item(text: str, start: int, end: int) -> dict[str, Any]:
    """An evidence locator for text[start:end]: the quote if short, else `from` … `to`."""
    whole = text[start:end]
    if len(whole) <= 120:
        hits = exact_hits(text, whole)
        item: dict[str, Any] = {"quote": whole}
        if len(hits) > 1:
            item["occurrence"] = hits.index(start) + 1
        item["span"] = [start, end]
        return item
    cut = whole.rfind(" ", 0, 60)
    opening = whole[: cut if cut > 10 else 60]
    hits = exact_hits(text, opening)
    for k in range(12, len(whole)):
        closing = whole[-k:]
        if closing != closing.strip():
            continue
        at = text.find(closing, start)
        while at >= 0 and at + len(closing) < start + len(opening):
            at = text.find(closing, at + 1)
        if at + len(closing) == end:
            break
    else:
        raise AssertionError(f"no closing words for {whole!r}")
    item = {"from": opening, "to": closing}
    if len(hits) > 1:
        item["occurrence"] = hits.index(start) + 1
    item["span"] = [start, end]
    return item


def date_spec(rng: random.Random, day: date, published: date) -> tuple[dict[str, Any], str]:
    """A date of some precision around ``day`` (never after ``published``), and how the text says it."""
    roll = rng.random()
    if roll < 0.55:
        return {"on": day.isoformat(), "basis": "text-explicit"}, f"on {long_date(day)}"
    if roll < 0.7 and published - day < timedelta(days=7) and day != published:
        derivation = f"'on {day:%A}' in an article dated {long_date(published)}"
        return {"on": day.isoformat(), "basis": "text-relative", "derivation": derivation}, f"on {day:%A}"
    if roll < 0.8:
        return {"month": f"{day:%Y-%m}", "basis": "text-explicit"}, f"in {day:%B %Y}"
    if roll < 0.87:
        first = day - timedelta(days=rng.randrange(7))
        derivation = f"'the week of {long_date(first)}'"
        return {"week": first.isoformat(), "basis": "text-explicit", "derivation": derivation}, (
            f"in the week of {long_date(first)}"
        )
    if roll < 0.96:
        first = day - timedelta(days=rng.randrange(1, 6))
        last = min(day + timedelta(days=rng.randrange(0, 4)), published)
        spec = {"from": first.isoformat(), "to": last.isoformat(), "basis": "text-explicit"}
        return spec, f"between {long_date(first)} and {long_date(last)}"
    return {"year": day.year, "basis": "text-explicit"}, f"during {day.year}"


@dataclass
class Article:
    stem: str
    text: str
    annotation: dict[str, Any]


def write_article(
    rng: random.Random,
    world: World,
    index: int,
    change: Change,
    history: dict[str, list[Change]],
) -> Article:
    """One article reporting a change of control, with an observation or two, maybe an assault
    and a distance claim; sometimes a day off, a wrong controller or a wrong bearing."""
    ents = world.entities
    published = min(change.day + timedelta(days=rng.randrange(0, 5)), LAST_DAY)
    outlet = world.outlets[index % len(world.outlets)]
    w = Writer(rng, world)
    place = ents[change.place]
    title = f"{ents[change.gaining].label} takes {place.label}"
    w.put(title + "\n\n")
    w.put(f"{long_date(published)} — ")
    events: list[dict[str, Any]] = []
    cites: list[str] = []

    # the change itself, as this outlet dates it (sometimes a day off: a conflicting report)
    day = change.day
    if rng.random() < 0.08:
        day = day - timedelta(days=1) if day == published or rng.random() < 0.5 else day + timedelta(days=1)
    spec, said = date_spec(rng, day, published)
    withdrawal = bool(change.losing) and rng.random() < 0.15
    source: list[str] = []
    if rng.random() < 0.3:
        source = ["sohr"]
        cites.append("sohr")
    if withdrawal:
        span = w.sentence((change.losing,), " withdrew from ", (change.place,), f" {said}", ".")
        event: dict[str, Any] = {"id": "withdrawal", "type": "Withdrawal", "place": change.place}
        event["losing"] = [change.losing]
        event["gaining"] = [change.gaining]
    else:
        tail: list[str | tuple[str]] = [" from ", (change.losing,)] if change.losing else []
        said_by: list[str | tuple[str]] = [", according to ", ("sohr",)] if source else []
        span = w.sentence((change.gaining,), " captured ", (change.place,), *tail, f" {said}", *said_by, ".")
        event = {"id": "capture", "type": "Capture", "place": change.place, "gaining": [change.gaining]}
        if change.losing:
            event["losing"] = [change.losing]
    if rng.random() < 0.2 and change.gaining in world.sides["government"]:
        event["supporting"] = ["russian-air-force"]
        w.sentence("The advance was backed by ", ("russian-air-force",), ".")
    event.update({"date": spec, "scope": "whole", "certainty": "claimed" if rng.random() < 0.1 else "reported"})
    if source:
        event["source"] = source
    event["trigger"] = "withdrew from" if withdrawal else "captured"
    event["evidence"] = [None]  # filled in once the text is complete
    events.append(event)
    spans_of = {"capture": span, "withdrawal": span}
    w.filler(rng.randrange(2, 6))

    # observed states of control elsewhere, on the publication day
    for n in range(rng.randrange(1, 3)):
        other = rng.choice(world.places)
        holders = [c for c in history[other.id] if c.day <= published]
        if not holders:
            continue
        holder = holders[-1].gaining
        if rng.random() < 0.04:  # a wrong controller: a conflicting report
            holder = rng.choice(rng.choice(list(world.sides.values())))
        partial = rng.random() < 0.15
        ident = f"observation-{n + 1}"
        if partial:
            span = w.sentence(
                "Parts of ", (other.id,), " remained in the hands of ", (holder,), f" as of {long_date(published)}", "."
            )
        else:
            span = w.sentence((other.id,), " remains under the control of ", (holder,), ".")
        spans_of[ident] = span
        derivation = f"present tense in an article dated {long_date(published)}"
        events.append(
            {
                "id": ident,
                "type": "ControlObservation",
                "place": other.id,
                "controller": [holder],
                "date": {"on": published.isoformat(), "basis": "text-relative", "derivation": derivation},
                "scope": "partial" if partial else "whole",
                **({"scopeNote": "parts of the town"} if partial else {}),
                "certainty": "reported",
                "trigger": "remained in the hands of" if partial else "remains under the control of",
                "evidence": [None],
            }
        )
    w.filler(rng.randrange(1, 4))

    # an assault that changed nothing
    if rng.random() < 0.3:
        attacker = rng.choice(rng.choice(list(world.sides.values())))
        if attacker != change.gaining:
            span = w.sentence(
                (attacker,), " attacked positions held by ", (change.gaining,), " near ", (change.place,), "."
            )
            spans_of["assault"] = span
            events.append(
                {
                    "id": "assault",
                    "type": "Assault",
                    "place": change.place,
                    "attacker": [attacker],
                    "defender": [change.gaining],
                    "date": {"on": published.isoformat(), "basis": "text-explicit"},
                    "certainty": "reported",
                    "evidence": [None],
                }
            )

    # a distance and bearing, sometimes wrong
    claims = []
    if place.coords and rng.random() < 0.25:
        reference = rng.choice(world.with_coords)
        if reference.id != place.id and reference.coords:
            km, bearing = distance_and_bearing(place.coords, reference.coords)
            if rng.random() < 0.15:
                bearing = BEARINGS[(BEARINGS.index(bearing) + 4) % 8]
            span = w.sentence((change.place,), f" lies about {km} km {compass(bearing)} of ", (reference.id,), ".")
            spans_of["distance"] = span
            claims.append(
                {
                    "id": "distance",
                    "type": "Distance",
                    "place": change.place,
                    "reference": reference.id,
                    "km": km,
                    "bearing": bearing,
                    "evidence": [None],
                }
            )
    w.filler(rng.randrange(2, 6))
    w.sentence("Reporting by ", (outlet,), ".")

    text = w.text
    for item in [*events, *claims]:
        start, end = spans_of[item["id"]]
        item["evidence"] = [evidence_item(text, start, end)]
    stem = f"s{index:06d}_{hashlib.sha256(text.encode()).hexdigest()[:12]}"
    article: dict[str, Any] = {
        "file": f"{stem}.txt",
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "title": title,
        "language": "en",
        "published": {"on": published.isoformat(), "basis": "text-explicit"},
        "publisher": outlet,
        "publisherDerivation": f"the article ends 'Reporting by {ents[outlet].label}'",
    }
    if cites:
        article["cites"] = sorted(set(cites))
    annotation = {"article": article, "mentions": mention_items(text, w.names), "events": events}
    if claims:
        annotation["claims"] = claims
    return Article(stem, text, annotation)


def distance_and_bearing(a: tuple[float, float], b: tuple[float, float]) -> tuple[int, str]:
    """Great-circle km (rounded to 5) from b to a, and the compass point a lies in, seen from b."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*b, *a))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    km = 2 * 6371 * math.asin(math.sqrt(h))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    degrees = (math.degrees(math.atan2(y, x)) + 360) % 360
    return max(5, round(km / 5) * 5), BEARINGS[round(degrees / 45) % 8]


def compass(bearing: str) -> str:
    words = {"N": "north", "S": "south", "E": "east", "W": "west"}
    return "-".join(words[c] for c in bearing) if len(bearing) == 2 else words[bearing]


# --------------------------------------------------------------------------- writing


def yaml_document(tree: dict[str, Any]) -> str:
    """Block style at the top, one JSON flow item per line below (JSON is YAML): compact, and
    every key quoted, so `on` stays a key and dates stay text."""
    lines = []
    for key, value in tree.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"  - {json.dumps(item, ensure_ascii=False)}" for item in value]
        else:
            lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def generate(articles: int, out: Path, *, seed: int = 7, gazetteer: Path = GAZETTEER) -> list[Article]:
    """Write the corpus under ``out``; the same arguments always give the same bytes."""
    rng = random.Random(seed)
    world = World(rng, gazetteer, articles)
    history = world.timeline(changes_per_place=3)
    changes = sorted((c for cs in history.values() for c in cs), key=lambda c: (c.day, c.place))
    data, corpus = out / "data", out / "corpus"
    (data / "articles").mkdir(parents=True, exist_ok=True)
    corpus.mkdir(parents=True, exist_ok=True)
    (data / "entities.yaml").write_text(yaml_document(world.entities_yaml()), "utf-8")
    written = []
    for index in range(articles):
        article = write_article(rng, world, index, rng.choice(changes), history)
        (corpus / article.annotation["article"]["file"]).write_text(article.text, "utf-8")
        (data / "articles" / f"{article.stem}.yaml").write_text(yaml_document(article.annotation), "utf-8")
        written.append(article)
    return written


def write_rdf(out: Path, articles: Sequence[Article]) -> int:
    """The same data as N-Quads, mapped by kg itself (no validation): returns the quad count."""
    import pyoxigraph as ox

    from kg import annotations, period_graph
    from kg.config import Settings
    from kg.mapping import map_article, map_entities
    from kg.sources import load_ontology
    from kg.store.embedded import quads_of
    from kg.vocab import GRAPH

    entities_path = out / "data" / "entities.yaml"
    shared = annotations.from_tree(json_tree(entities_path), str(entities_path))
    registry = {e.id: e for e in shared.entities}
    count = 0
    with (out / "dataset.nq").open("wb") as handle:

        def put(quads: Iterator[Any] | Sequence[Any]) -> None:
            nonlocal count
            quads = list(quads)
            count += len(quads)
            handle.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")

        put(quads_of(GRAPH.ONTOLOGY, load_ontology(Settings.from_env({}))))
        entities = map_entities([shared], registry).graph
        put(quads_of(GRAPH.ENTITIES, entities))
        graphs = [entities]
        for article in articles:
            doc = annotations.from_tree(article.annotation, article.stem)
            mapped = map_article(doc, registry, article.text)
            put(quads_of(mapped.iri, mapped.graph))
            graphs.append(mapped.graph)
        put(quads_of(GRAPH.PERIODS, period_graph.from_graphs(graphs)))  # as kg build stores them
    return count


def json_tree(path: Path) -> dict[str, Any]:
    """Read back a file written by :func:`yaml_document` without a YAML parser."""
    tree: dict[str, Any] = {}
    key = None
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("  - "):
            tree[key].append(json.loads(line[4:]))
        elif line.endswith(":"):
            key = line[:-1]
            tree[key] = []
        else:
            k, _, v = line.partition(": ")
            tree[k] = json.loads(v)
    return tree


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100, help="how many articles (default 100)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write data/, corpus/ and dataset.nq into")
    parser.add_argument("--seed", type=int, default=7, help="the random seed (default 7)")
    parser.add_argument("--gazetteer", type=Path, default=GAZETTEER, help="folder of GeoNames extracts")
    parser.add_argument("--no-rdf", action="store_true", help="skip dataset.nq")
    args = parser.parse_args(argv)
    articles = generate(args.articles, args.out, seed=args.seed, gazetteer=args.gazetteer)
    quads = 0 if args.no_rdf else write_rdf(args.out, articles)
    print(f"{len(articles)} articles, {quads:,} quads in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
