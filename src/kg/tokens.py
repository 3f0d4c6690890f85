"""Write tokens: configured as ``name:sha256hex`` pairs, so no token is stored in clear.

Pure functions. ``kg token NAME`` makes a new token and prints the pair to add to
``KG_TOKENS``; a request proves it holds a token by sending it as ``Authorization: Bearer …``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from kg.errors import ConfigError

_PAIR = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.@-]{0,63}):([0-9a-f]{64})$")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse(spec: str) -> dict[str, str]:
    """``"alice:<sha256>,bot:<sha256>"`` → {sha256: name}."""
    found: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        match = _PAIR.match(item)
        if match is None:
            raise ConfigError(
                f"KG_TOKENS entry {item.split(':')[0]!r}… is not name:sha256-hex",
                hint="make one with 'kg token NAME'",
            )
        found[match.group(2)] = match.group(1)
    return found


def holder(spec: str, token: str | None) -> str | None:
    """The name of the token's holder, or None if it is not a configured token."""
    if not token:
        return None
    given = digest(token)
    for known, name in parse(spec).items():
        if hmac.compare_digest(known, given):
            return name
    return None


def new(name: str) -> tuple[str, str]:
    """A fresh token and the ``name:sha256`` entry that admits it."""
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$", name):
        raise ConfigError(f"{name!r} is not a usable token name", hint="letters, digits and . _ @ -")
    token = secrets.token_urlsafe(32)
    return token, f"{name}:{digest(token)}"
