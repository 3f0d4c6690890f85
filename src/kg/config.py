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
    index_timeout: float = _setting(
        60.0, "KG_INDEX_TIMEOUT", "seconds the one query that reads the control periods into memory may run"
    )
    index_rows: int = _setting(
        5_000_000, "KG_INDEX_ROWS", "rows the one query that reads the control periods into memory may return (0: none)"
    )
    stale_days: int = _setting(
        90, "KG_STALE_DAYS", "days after its last confirmation a control period is stale (never certain, drawn faded)"
    )
    max_body: int = _setting(
        10_000_000, "KG_MAX_BODY", "bytes a request body may have (kg serve; refused with 413 as soon as it is passed)"
    )
    max_header: int = _setting(
        262_144, "KG_MAX_HEADER", "bytes a request's line and headers may have together (kg serve; more: 431)"
    )
    request_timeout: float = _setting(
        10.0, "KG_REQUEST_TIMEOUT", "seconds a client has to send a request's line and headers (kg serve; then 408)"
    )
    min_rate: int = _setting(
        1_000, "KG_MIN_RATE", "bytes per second a request must keep arriving at, beyond KG_REQUEST_TIMEOUT (kg serve)"
    )
    idle_timeout: int = _setting(
        30, "KG_IDLE_TIMEOUT", "seconds a kept-alive connection may wait idle for its next request (kg serve)"
    )
    connections: int = _setting(
        200, "KG_CONNECTIONS", "connections kg serve holds open at once (more wait to be accepted)"
    )
    client_connections: int = _setting(
        20, "KG_CLIENT_CONNECTIONS", "connections one client address may hold open at once (kg serve; more: 429)"
    )
    anon_body: int = _setting(
        512_000, "KG_ANON_BODY", "bytes a POST /validate or /reconcile body may have without a write token"
    )
    anon_seconds: float = _setting(
        30.0, "KG_ANON_SECONDS", "seconds a /validate or /reconcile request may take without a write token"
    )
    token_seconds: float = _setting(
        120.0, "KG_TOKEN_SECONDS", "seconds a /validate or /reconcile request may take with a write token"
    )
    heavy_requests: int = _setting(
        2, "KG_HEAVY_REQUESTS", "validations and reconciliations kg serve runs at once (as many more may wait)"
    )
    workers: int = _setting(3, "KG_WORKERS", "query worker processes of kg serve that may run long queries")
    build_workers: int = _setting(
        0, "KG_BUILD_WORKERS", "processes kg build checks and maps changed articles in (0: one per core)"
    )
    reserve_workers: int = _setting(
        1, "KG_RESERVE_WORKERS", "further query workers of kg serve kept for short queries (the reserved lane)"
    )
    short_query: float = _setting(
        1.0, "KG_SHORT_QUERY", "seconds after which a query counts as long (it may then use only KG_WORKERS)"
    )
    client_queries: int = _setting(2, "KG_CLIENT_QUERIES", "queries one client (address or token) may run at once")
    worker_memory: int = _setting(
        2048, "KG_WORKER_MEMORY", "MiB of address space a query worker may use (a query needing more ends it)"
    )
    max_statements: int = _setting(50_000, "KG_MAX_STATEMENTS", "statements one submission may add")
    max_names: int = _setting(
        500, "KG_MAX_NAMES", "names (labels, alternate names) one entity may have in a submission; the most any read"
    )
    max_literal: int = _setting(10_000, "KG_MAX_LITERAL", "characters one value (literal) of a submission may have")
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
        if self.workers < 1 or self.build_workers < 0 or self.max_body < 1 or not (0 <= self.port < 65536):
            raise ConfigError(
                "KG_WORKERS and KG_MAX_BODY must be at least 1, KG_BUILD_WORKERS 0 or more, KG_PORT from 0 to 65535"
            )
        self._check_connections()
        self._check_sharing()
        self._check_store()
        if self.stale_days < 0:
            raise ConfigError(f"KG_STALE_DAYS={self.stale_days!r} must be 0 or more", hint="e.g. KG_STALE_DAYS=90")
        if not 0 < self.index_timeout < 86_400:
            raise ConfigError(f"KG_INDEX_TIMEOUT={self.index_timeout!r} must be seconds above 0", hint="e.g. 60")
        if self.index_rows < 0:
            raise ConfigError(f"KG_INDEX_ROWS={self.index_rows!r} must be 0 (no index) or more", hint="e.g. 5000000")
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

    def _check_connections(self) -> None:
        """Every connection limit of kg serve must stay on: no zero, no unbounded wait."""
        if not (0 < self.request_timeout < 3_600) or self.min_rate < 1 or self.idle_timeout < 1:
            raise ConfigError(
                "KG_REQUEST_TIMEOUT must be from 0 to 3600 seconds (not 0), KG_MIN_RATE and KG_IDLE_TIMEOUT at least 1",
                hint="e.g. KG_REQUEST_TIMEOUT=10 KG_MIN_RATE=1000 KG_IDLE_TIMEOUT=30",
            )
        if self.max_header < 1_024 or not (1 <= self.client_connections <= self.connections):
            raise ConfigError(
                "KG_MAX_HEADER must be at least 1024, and KG_CLIENT_CONNECTIONS from 1 to KG_CONNECTIONS",
                hint="e.g. KG_MAX_HEADER=262144 KG_CONNECTIONS=200 KG_CLIENT_CONNECTIONS=20",
            )

    def _check_sharing(self) -> None:
        """The limits that keep one client from starving the others must leave room to work."""
        if not (0 < self.anon_seconds < 86_400 and 0 < self.token_seconds < 86_400):
            raise ConfigError(
                "KG_ANON_SECONDS and KG_TOKEN_SECONDS must be numbers of seconds above 0",
                hint="every validation and reconciliation needs a time limit; e.g. 30 and 120",
            )
        if self.anon_body < 1 or self.heavy_requests < 1:
            raise ConfigError("KG_ANON_BODY and KG_HEAVY_REQUESTS must be at least 1", hint="e.g. 512000 and 2")
        if self.reserve_workers < 0 or self.client_queries < 1 or self.worker_memory < 256:
            raise ConfigError(
                "KG_RESERVE_WORKERS must be 0 or more, KG_CLIENT_QUERIES at least 1, KG_WORKER_MEMORY at least 256",
                hint="e.g. KG_RESERVE_WORKERS=1 KG_CLIENT_QUERIES=2 KG_WORKER_MEMORY=2048",
            )
        if not (0 < self.short_query <= self.query_timeout):
            raise ConfigError(
                f"KG_SHORT_QUERY={self.short_query!r} must be above 0 and at most KG_QUERY_TIMEOUT",
                hint="e.g. KG_SHORT_QUERY=1",
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
