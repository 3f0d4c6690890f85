"""A cache of each article's mapped quads, beside the store, so that an unchanged article costs
a hash and a bulk load instead of a parse, a check, a mapping and a SHACL run.

An entry is one file, ``quads/<sha256 of the annotation file>.nq`` in the cache folder: a first
line of JSON with the entry's :class:`Key` (the digests of the annotation file, of its article
text, of the entity registry it was mapped against, of the ontology and of the shapes, and kg's
version), what the article counts (mentions, events, claims) and a digest of the rest, then the
article graph's N-Quads. An entry is used only if its whole key is the one of this build: any
digest that changed is a miss. It is written to a temporary file and renamed, so a crash leaves
the old entry or the new one, never half of one; an entry that cannot be read, or whose quads do
not match their digest, is a miss too (and is written again), never an error.

Only articles that were checked and found without any problem (not even a warning) are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from kg.store import Quads

FOLDER = "quads"
MANIFEST = "build-manifest.json"


@dataclass(frozen=True)
class Key:
    """What an article's quads depend on, each as a SHA-256."""

    file: str  # the annotation file, as bytes
    text: str  # its article text
    registry: str  # the entities it may refer to (kg.conformance.entity_descriptions of the build)
    ontology: str
    shapes: str
    version: str  # kg's


@dataclass(frozen=True)
class Counts:
    mentions: int = 0
    events: int = 0
    claims: int = 0


@dataclass(frozen=True)
class Entry:
    """One article's mapped quads, and what they were made from."""

    key: Key
    graph: str  # the article graph's name
    text_file: str  # the article text's file name in the corpus
    counts: Counts
    quads: Quads


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_path(cache: Path, file_digest: str) -> Path:
    return cache / FOLDER / f"{file_digest}.nq"


def read(cache: Path, file_digest: str) -> Entry | None:
    """The entry recorded for an annotation file of this digest, or None if there is none or it
    cannot be read whole (which one it is does not matter: both are a miss)."""
    try:
        header, _, body = entry_path(cache, file_digest).read_bytes().partition(b"\n")
        fields = json.loads(header)
        if fields.get("quads") != sha256(body):
            return None
        key = Key(**fields["key"])
        return Entry(key, str(fields["graph"]), str(fields["textFile"]), Counts(**fields["counts"]), Quads(body))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def write(cache: Path, entry: Entry) -> None:
    """Record an entry atomically; one that cannot be written is only a slower next build."""
    header = {
        "key": asdict(entry.key),
        "graph": entry.graph,
        "textFile": entry.text_file,
        "counts": asdict(entry.counts),
        "quads": sha256(entry.quads.nquads),
    }
    path = entry_path(cache, entry.key.file)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(json.dumps(header, sort_keys=True).encode("utf-8") + b"\n" + entry.quads.nquads)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


def prune(cache: Path, keep: Iterable[str]) -> None:
    """Remove the entries of annotation files that are no longer there (and stray temporary files)."""
    wanted = {f"{digest}.nq" for digest in keep}
    try:
        found = list((cache / FOLDER).iterdir())
    except OSError:
        return
    for path in found:
        if path.name not in wanted:
            path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- the last build


@dataclass(frozen=True)
class Manifest:
    """What the last build through the cache left in the store, so that the next one may write
    only the graphs that changed: valid only while the store's data version is the one recorded
    (any other write since, a submission or an update, makes a new version)."""

    version: str  # the store's data version (kg.store.Guarded.version) after that build
    ontology: str  # the ontology file's SHA-256
    graphs: dict[str, str]  # graph IRI → SHA-256 of its N-Quads


def read_manifest(cache: Path) -> Manifest | None:
    try:
        fields = json.loads((cache / MANIFEST).read_bytes())
        return Manifest(str(fields["version"]), str(fields["ontology"]), dict(fields["graphs"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def write_manifest(cache: Path, manifest: Manifest | None) -> None:
    """Record the last build (or, with None, that the store holds nothing the cache can vouch for)."""
    path = cache / MANIFEST
    temporary = path.with_name(f"{MANIFEST}.{os.getpid()}.tmp")
    try:
        if manifest is None:
            path.unlink(missing_ok=True)
            return
        cache.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(asdict(manifest), sort_keys=True), "utf-8")
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
