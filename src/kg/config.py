"""Settings, declared once: a default and a help line per field, read from ``KG_*``.

This is the only module that reads the environment. Everything else receives a
:class:`Settings` explicitly; the CLI overrides fields with its flags.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kg.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _default(path: str) -> Path:
    return PROJECT_ROOT / path


def _setting(default: Any, env: str, help: str, *, secret: bool = False) -> Any:
    return field(default=default, repr=not secret, metadata={"env": env, "help": help})


@dataclass(frozen=True)
class Settings:
    """Everything kg can be told, with its default."""

    store: str = _setting(
        str(_default("var/store")),
        "KG_STORE",
        "folder of the embedded store, or an http(s):// SPARQL endpoint",
    )
    store_update: str = _setting(
        "",
        "KG_STORE_UPDATE",
        "SPARQL Update endpoint of a remote store (by default KG_STORE, a final /query read as /update)",
    )
    store_gsp: str = _setting(
        "",
        "KG_STORE_GSP",
        "Graph Store Protocol endpoint of a remote store (by default …/query read as …/store; 'none': load by Update)",
    )
    store_auth: str = _setting(
        "",
        "KG_STORE_AUTH",
        "Authorization header sent to a remote store, e.g. 'Basic dXNlcjpwdw==' (never logged)",
        secret=True,
    )
    store_timeout: float = _setting(60.0, "KG_STORE_TIMEOUT", "seconds a write to a remote store may take")
    write_wait: float = _setting(
        60.0, "KG_WRITE_WAIT", "seconds a write waits for another one (e.g. a running kg build) before it gives up"
    )
    store_retries: int = _setting(2, "KG_STORE_RETRIES", "retries of a remote read after a failed connection")
    store_batch: int = _setting(50_000, "KG_STORE_BATCH", "triples per request when loading a remote store")
    corpus: Path = _setting(
        PROJECT_ROOT.parent / "shared" / "corpus", "KG_CORPUS", "folder of the article texts (*.txt)"
    )
    data: Path = _setting(_default("data"), "KG_DATA", "folder of annotation files (entities.yaml, articles/*.yaml)")
    queries: Path = _setting(_default("queries"), "KG_QUERIES", "folder of saved queries (*.rq)")
    shapes: Path = _setting(_default("shapes"), "KG_SHAPES", "folder of SHACL shapes (*.ttl)")
    ontology: Path = _setting(_default("ontology/kg.ttl"), "KG_ONTOLOGY", "the OWL ontology (Turtle)")
    gazetteer: Path = _setting(
        _default("var/gazetteer.sqlite"),
        "KG_GAZETTEER",
        "the GeoNames index 'kg gazetteer import' writes; 'kg link' uses it when it exists",
    )
    tokens: str = _setting(
        "", "KG_TOKENS", "write tokens as name:sha256-of-token pairs, comma-separated ('kg token NAME' makes one)"
    )
    query_timeout: float = _setting(5.0, "KG_QUERY_TIMEOUT", "seconds a query may run")
    max_rows: int = _setting(10_000, "KG_MAX_ROWS", "rows a query may return")
    stale_days: int = _setting(
        90, "KG_STALE_DAYS", "days after its last confirmation a control period is stale (never certain, drawn faded)"
    )
    max_statements: int = _setting(50_000, "KG_MAX_STATEMENTS", "statements one submission may add")
    max_names: int = _setting(
        500, "KG_MAX_NAMES", "names (labels, alternate names) one entity may have in a submission; the most any read"
    )
    max_literal: int = _setting(10_000, "KG_MAX_LITERAL", "characters one value (literal) of a submission may have")
    max_body: int = _setting(10_000_000, "KG_MAX_BODY", "bytes a request body may have (kg serve)")
    workers: int = _setting(3, "KG_WORKERS", "query worker processes of kg serve")
    host: str = _setting("127.0.0.1", "KG_HOST", "address kg serve listens on")
    port: int = _setting(8000, "KG_PORT", "port kg serve listens on (0: any free port)")
    wikidata_endpoint: str = _setting(
        "https://query.wikidata.org/sparql", "KG_WIKIDATA", "Wikidata's SPARQL endpoint, for linking places to Wikidata"
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``KG_*`` variables, then explicit overrides (CLI flags)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f.metadata["env"])
            if raw is not None and raw != "":
                values[f.name] = _convert(f.name, f.metadata["env"], raw, f.default)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = replace(cls(), **values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse limits that would switch a safeguard off."""
        if not (0 < self.query_timeout < 86_400):
            raise ConfigError(
                f"KG_QUERY_TIMEOUT={self.query_timeout!r} must be a number of seconds above 0",
                hint="every query needs a time limit; e.g. KG_QUERY_TIMEOUT=5",
            )
        if self.workers < 1 or self.max_body < 1 or not (0 <= self.port < 65536):
            raise ConfigError("KG_WORKERS and KG_MAX_BODY must be at least 1, KG_PORT from 0 to 65535")
        self._check_store()
        if self.stale_days < 0:
            raise ConfigError(f"KG_STALE_DAYS={self.stale_days!r} must be 0 or more", hint="e.g. KG_STALE_DAYS=90")
        for env, value in {
            "KG_MAX_STATEMENTS": self.max_statements,
            "KG_MAX_NAMES": self.max_names,
            "KG_MAX_LITERAL": self.max_literal,
        }.items():
            if value < 1:
                raise ConfigError(f"{env}={value!r} must be at least 1", hint="every submission needs a bound")
        if self.max_rows < 1:
            raise ConfigError(f"KG_MAX_ROWS={self.max_rows!r} must be at least 1", hint="e.g. KG_MAX_ROWS=10000")
        if not self.wikidata_endpoint.startswith(("http://", "https://")):
            raise ConfigError(
                f"KG_WIKIDATA={self.wikidata_endpoint!r} must be an http(s) URL of a SPARQL endpoint",
                hint="e.g. KG_WIKIDATA=https://query.wikidata.org/sparql",
            )

    def _check_store(self) -> None:
        """A remote store needs well-formed endpoint URLs and sane limits; a folder needs none of them."""
        remote_only = {"KG_STORE_UPDATE": self.store_update, "KG_STORE_GSP": self.store_gsp}
        if not self.store_is_remote:
            given = [env for env, value in {**remote_only, "KG_STORE_AUTH": self.store_auth}.items() if value]
            if given:
                verb = "apply" if len(given) > 1 else "applies"
                raise ConfigError(
                    f"{', '.join(given)} {verb} only to a remote store, but KG_STORE={self.store!r} is a folder",
                    hint="set KG_STORE to the server's SPARQL endpoint (http://…), or unset them",
                )
            return
        for env, value in {"KG_STORE": self.store, **remote_only}.items():
            if value and not (env == "KG_STORE_GSP" and value == "none") and not _is_url(value):
                raise ConfigError(
                    f"{env}={value!r} is not an http(s) URL with a host",
                    hint="e.g. http://127.0.0.1:7878/query (Oxigraph) or http://127.0.0.1:3030/ds/query (Fuseki)",
                )
        if urlsplit(self.store).username is not None:
            raise ConfigError(
                "KG_STORE must not carry a user name or password (user:password@host)",
                hint="give the credentials as KG_STORE_AUTH, e.g. KG_STORE_AUTH='Basic <base64 of user:password>'",
            )
        if not (0 < self.store_timeout < 86_400):
            raise ConfigError(
                f"KG_STORE_TIMEOUT={self.store_timeout!r} must be a number of seconds above 0",
                hint="every request to the store needs a time limit; e.g. KG_STORE_TIMEOUT=60",
            )
        if not (0 <= self.store_retries <= 10):
            raise ConfigError(f"KG_STORE_RETRIES={self.store_retries!r} must be from 0 to 10", hint="e.g. 2")
        if self.store_batch < 1:
            raise ConfigError(f"KG_STORE_BATCH={self.store_batch!r} must be at least 1", hint="e.g. 50000")
        if "\n" in self.store_auth or "\r" in self.store_auth:
            raise ConfigError("KG_STORE_AUTH must be one line (the value of an Authorization header)")

    def query_defaults(self) -> dict[str, str]:
        """Saved-query parameters whose default is a setting (``staleDays``: KG_STALE_DAYS,
        ``maxNames``: KG_MAX_NAMES)."""
        return {"staleDays": str(self.stale_days), "maxNames": str(self.max_names)}

    @property
    def store_is_remote(self) -> bool:
        return self.store.startswith(("http:", "https:"))

    @staticmethod
    def describe() -> list[tuple[str, str, str]]:
        """(variable, default, help) for every setting, for ``kg --help`` and the README."""
        return [(f.metadata["env"], str(f.default), f.metadata["help"]) for f in fields(Settings)]


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and not any(c.isspace() for c in value)


def _convert(name: str, env: str, raw: str, default: Any) -> Any:
    try:
        if isinstance(default, Path):
            return Path(raw).expanduser()
        if isinstance(default, bool):
            return raw.lower() in {"1", "true", "yes"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        kind = type(default).__name__
        raise ConfigError(f"{env}={raw!r} is not a valid {kind}", hint=f"set {env} to a {kind} or unset it") from None
    return raw
