"""Wikidata as a gazetteer: places whose label or alias is one of the spellings, by SPARQL.

A SPARQL endpoint matches labels exactly — ``"Qaryatayn"@en`` is not ``"Al-Qaryatayn"@en`` — and
cannot be asked to fold transliterations. So :func:`variants` writes out, for each spelling, the
forms Wikidata's editors tend to use: with and without the article (``al-``, ``Al-``, ``Al ``
and its assimilated form, ``Ad Dumayr``), capitalised, without diacritics, with the usual
alternatives of the final vowels (``-ayn`` / ``-ain``, ``-ah`` / ``-a`` / ``-eh``). One query asks
for items with any of them as ``rdfs:label`` or ``skos:altLabel`` (in English or Wikidata's
language-independent ``mul`` for Latin script, in Arabic for Arabic script), restricted to a
country by ``wdt:P17``/``wdt:P297`` when one is given, and fetches each item's names, GeoNames ID
(P1566), coordinates (P625), country code (P17 → P297) and instance-of (P31). The candidates
come back ordered by :func:`kg.names.best` against the spellings; scoring them against an entity
is :mod:`kg.linking`'s job.

The endpoint is the setting ``KG_WIKIDATA``. A request has a time limit; an endpoint that cannot
be reached, is too slow or answers with something other than SPARQL JSON results raises
:class:`~kg.errors.GazetteerError` with the endpoint and what to do.
"""

from __future__ import annotations

import json
import math
import re
import urllib.error
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from rdflib import Literal
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from kg import __version__
from kg.errors import ConfigError, GazetteerError, UsageError
from kg.gazetteer import WIKIDATA_URI, Candidate
from kg.geo import wkt_point
from kg.names import ARTICLES, best, plain

ENTITY = "http://www.wikidata.org/entity/"
LATIN_LANGUAGES = ("en", "mul")
MAX_VARIANTS = 40
MAX_ITEMS = 200
# Letters the article assimilates to ("ad-Dumayr", "ash-Sham", "ar-Raqqa"), longest first.
SUN_LETTERS = ("th", "dh", "sh", "t", "d", "r", "z", "s", "n")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f]")
_SEPARATOR = re.compile(r"[\s\-]+")
_ENDINGS = (("ayn", "ain"), ("ain", "ayn"), ("ein", "ayn"), ("ah", "a"), ("eh", "ah"), ("a", "ah"))

QUERY = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?item ?field ?value WHERE {
  {
    SELECT DISTINCT ?item WHERE {
      VALUES ?needle { %(needles)s }
      ?item rdfs:label|skos:altLabel ?needle .
      %(country)s
    } LIMIT %(max_items)d
  }
  { ?item rdfs:label ?value . BIND ("label" AS ?field) FILTER (LANG(?value) IN (%(languages)s)) }
  UNION { ?item skos:altLabel ?value . BIND ("alias" AS ?field) FILTER (LANG(?value) IN (%(languages)s)) }
  UNION { ?item wdt:P1566 ?value . BIND ("geonames" AS ?field) }
  UNION { ?item wdt:P625 ?value . BIND ("coordinates" AS ?field) }
  UNION { ?item wdt:P17/wdt:P297 ?value . BIND ("country" AS ?field) }
  UNION { ?item wdt:P31 ?value . BIND ("kind" AS ?field) }
}"""


class WikidataSource:
    """Wikidata's SPARQL endpoint (or a copy of it) as a :class:`~kg.gazetteer.Source`."""

    name = "wikidata"

    def __init__(self, endpoint: str, *, timeout: float = 10.0):
        if not endpoint.startswith(("http://", "https://")):
            raise ConfigError(f"the Wikidata endpoint {endpoint!r} is not an http(s) URL", hint="check KG_WIKIDATA")
        self.endpoint = endpoint
        self.timeout = timeout
        self.version = f"{endpoint} {date.today().isoformat()}"

    def candidates(self, spellings: Sequence[str], *, country: str | None = None, limit: int = 25) -> list[Candidate]:
        """Items labelled with any variant of ``spellings`` (in ``country``, an ISO 3166-1 code),
        best first."""
        needles = variants(spellings)
        if not needles:
            return []
        self.version = f"{self.endpoint} {date.today().isoformat()}"
        rows = self._select(query_text(needles, country))
        found = candidates_from(rows, self.version, country)
        names = [s for s in spellings if s.strip()]
        # best name first; among equals, an item with a GeoNames ID, then the older (smaller) Q-id
        found.sort(key=lambda c: (-_score(c, names), c.geonames_id is None, len(c.id), c.id))
        return found[:limit]

    def _select(self, sparql: str) -> list[dict[str, Any]]:
        client = SPARQLWrapper(self.endpoint, agent=f"kg/{__version__} (gazetteer linking; https://w3id.org/kg)")
        client.setMethod(POST)
        client.setReturnFormat(JSON)
        client.setTimeout(max(1, math.ceil(self.timeout)))
        client.setQuery(sparql)
        where = f"the Wikidata endpoint {self.endpoint}"
        try:
            response = client.query()
            try:
                content_type = response.info().get("content-type", "")
                body = response.response.read()
            finally:
                response.response.close()
        except (TimeoutError, urllib.error.URLError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(exc, TimeoutError) or isinstance(reason, TimeoutError):
                raise GazetteerError(
                    f"{where} did not answer within {self.timeout:g} s",
                    hint="try again later, or a smaller request; KG_WIKIDATA names the endpoint",
                ) from None
            if isinstance(exc, urllib.error.HTTPError):
                raise GazetteerError(f"{where} answered HTTP {exc.code} {exc.reason}", hint=_advice(exc.code)) from None
            raise GazetteerError(f"cannot reach {where}: {reason}", hint="check KG_WIKIDATA and the network") from None
        except SPARQLWrapperException as exc:
            raise GazetteerError(f"{where} refused the query: {_first_line(exc)}", hint=_advice(None)) from None
        return _bindings(body, content_type, where)


def _advice(status: int | None) -> str:
    if status == 429:
        return "the endpoint limits how often it may be asked: wait a minute and try again"
    if status is not None and status >= 500:
        return "the endpoint is failing or overloaded: try again later"
    return "check that KG_WIKIDATA is a SPARQL endpoint (such as https://query.wikidata.org/sparql)"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def _bindings(body: bytes, content_type: str, where: str) -> list[dict[str, Any]]:
    shown = content_type.split(";")[0] or "no content type"
    try:
        data = json.loads(body.decode("utf-8"))
        rows = data["results"]["bindings"]
        if not isinstance(rows, list):
            raise TypeError
        return rows  # type: ignore[no-any-return]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise GazetteerError(
            f"{where} answered with {shown}, not SPARQL JSON results ({len(body)} bytes)",
            hint="check that KG_WIKIDATA is the URL of a SPARQL query endpoint",
        ) from None


def _score(candidate: Candidate, spellings: Sequence[str]) -> float:
    return max(best(spelling, candidate.names)[0] for spelling in spellings)


# --------------------------------------------------------------------------- the query


def query_text(needles: Sequence[str], country: str | None = None) -> str:
    """The SPARQL sent for these spellings; every spelling is written as an escaped literal."""
    literals = []
    for needle in needles:
        languages = ("ar",) if _ARABIC.search(needle) else LATIN_LANGUAGES
        literals += [Literal(needle, lang=language).n3() for language in languages]
    restriction = ""
    if country:
        code = country.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise UsageError(f"country must be an ISO 3166-1 alpha-2 code such as SY, not {country!r}")
        restriction = f'?item wdt:P17/wdt:P297 "{code}" .'
    return QUERY % {
        "needles": " ".join(literals),
        "country": restriction,
        "max_items": MAX_ITEMS,
        "languages": ", ".join(f'"{language}"' for language in (*LATIN_LANGUAGES, "ar")),
    }


def variants(spellings: Iterable[str]) -> list[str]:
    """The spellings as Wikidata may label them, each once, the given ones first (at most
    :data:`MAX_VARIANTS`): ``al-Qaryatayn`` → ``Al-Qaryatayn``, ``Qaryatayn``, ``Al Qaryatayn``,
    …; ``Aḑ Ḑumayr`` → ``Ad Dumayr``, ``Dumayr``, …"""
    out: dict[str, None] = {}
    given = [s.strip() for s in spellings if s and s.strip()]
    for spelling in given:
        out[spelling] = None
    for spelling in given:
        if _ARABIC.search(spelling):
            continue
        for form in (spelling, plain(spelling)):
            for body in _bodies(form):
                for written in _with_articles(body):
                    out[written] = None
    return list(out)[:MAX_VARIANTS]


def _bodies(spelling: str) -> list[str]:
    """The name without a leading article, capitalised, and with its other usual endings."""
    words = [w for w in _SEPARATOR.split(spelling) if w]
    if len(words) > 1 and plain(words[0]).casefold() in ARTICLES:
        words = words[1:]
    body = " ".join(words)
    if not body:
        return []
    body = body[0].upper() + body[1:]
    bodies = [body]
    for old, new in _ENDINGS:
        if body.casefold().endswith(old) and len(body) > len(old) + 2:
            bodies.append(body[: -len(old)] + new)
    return bodies


def _with_articles(body: str) -> list[str]:
    lower = body.casefold()
    sun = next((letters for letters in SUN_LETTERS if lower.startswith(letters)), None)
    articles = ["al"] + ([f"a{sun}"] if sun else [])
    forms = [body]
    for article in articles:
        capital = article.capitalize()
        forms += [f"{article}-{body}", f"{capital}-{body}", f"{capital} {body}"]
    return forms


# --------------------------------------------------------------------------- the answer


def candidates_from(rows: Iterable[dict[str, Any]], version: str, country: str | None = None) -> list[Candidate]:
    """SPARQL JSON rows of (item, field, value) → one :class:`Candidate` per item."""
    items: dict[str, dict[str, list[tuple[str, str | None]]]] = {}
    for row in rows:
        try:
            item, field, value = row["item"]["value"], row["field"]["value"], row["value"]
        except (KeyError, TypeError):
            continue
        if not item.startswith(ENTITY):
            continue
        items.setdefault(item, {}).setdefault(field, []).append((value.get("value", ""), value.get("xml:lang")))
    return [_candidate(item, fields, version, country) for item, fields in items.items()]


def _candidate(
    item: str, fields: dict[str, list[tuple[str, str | None]]], version: str, country: str | None
) -> Candidate:
    qid = item[len(ENTITY) :]
    labels = sorted(fields.get("label", []), key=lambda pair: (_language_rank(pair[1]), pair[0]))
    aliases = sorted(value for value, _ in fields.get("alias", []))
    every = list(dict.fromkeys([value for value, _ in labels] + aliases))
    name = every[0] if every else qid
    lon_lat = next((wkt_point(v) for v, _ in sorted(fields.get("coordinates", [])) if wkt_point(v)), None)
    codes = sorted({v.upper() for v, _ in fields.get("country", [])})
    wanted = country.strip().upper() if country else None
    geonames = sorted(v for v, _ in fields.get("geonames", []))
    return Candidate(
        source="wikidata",
        id=qid,
        uri=WIKIDATA_URI.format(qid),
        name=name,
        alternate_names=tuple(every[1:]),
        lat=lon_lat[1] if lon_lat else None,
        lon=lon_lat[0] if lon_lat else None,
        country=wanted if wanted in codes else (codes[0] if codes else None),
        geonames_id=geonames[0] if geonames else None,
        kinds=tuple(sorted({v for v, _ in fields.get("kind", [])})),
        version=version,
    )


def _language_rank(language: str | None) -> int:
    order = (*LATIN_LANGUAGES, "ar")
    return order.index(language) if language in order else len(order)
