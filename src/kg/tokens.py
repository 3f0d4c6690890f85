"""Write tokens and their roles: configured as ``name:role:sha256hex`` entries, so no token is
stored in clear.

Pure functions. ``kg token NAME --role ROLE`` makes a new token and prints the entry to add to
``KG_TOKENS``; a request proves it holds a token by sending it as ``Authorization: Bearer …``.

A role says what its holder may do (:data:`MAY`), each role all that the one before may:

- ``submitter``: submit, and retract their own submissions;
- ``editor``: also retract anyone's;
- ``admin``: also SPARQL Update (into the graphs :mod:`kg.writes` leaves open).

An entry written before roles existed (``name:sha256hex``) is read as a **submitter**, the least
a token could do: a token never gains a power by a reading, and a refusal of one of these says
how to write the entry with its role.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from kg.errors import ConfigError

ROLES = ("submitter", "editor", "admin")
"""Each role may do all that the ones before it may."""
MAY = {"submit": "submitter", "retract own": "submitter", "retract any": "editor", "update": "admin"}
"""Each action a token may be asked for, and the least role that may do it."""
_NAME = r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}"
_ENTRY = re.compile(rf"^({_NAME}):(?:([a-z]+):)?([0-9a-f]{{64}})$")


@dataclass(frozen=True)
class Holder:
    """Who holds a token, in which role, and whether the entry named the role (or was read as
    a submitter because it comes from before roles)."""

    name: str
    role: str
    stated: bool = True

    def may(self, action: str) -> bool:
        """Whether this holder may do ``action`` (a key of :data:`MAY`)."""
        return ROLES.index(self.role) >= ROLES.index(MAY[action])


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse(spec: str) -> dict[str, Holder]:
    """``"alice:admin:<sha256>,bot:<sha256>"`` → {sha256: Holder}."""
    found: dict[str, Holder] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        match = _ENTRY.match(item)
        if match is None:
            raise ConfigError(
                f"KG_TOKENS entry {item.split(':')[0]!r}… is not name:role:sha256-hex",
                hint="make one with 'kg token NAME --role submitter|editor|admin'",
            )
        name, role, hexdigest = match.groups()
        if role is not None and role not in ROLES:
            raise ConfigError(
                f"KG_TOKENS entry {name!r} has the role {role!r}, which kg does not know",
                hint="the roles are " + ", ".join(ROLES),
            )
        found[hexdigest] = Holder(name, role or "submitter", role is not None)
    return found


def holder(spec: str, token: str | None) -> Holder | None:
    """The token's holder, or None if it is not a configured token."""
    if not token:
        return None
    given = digest(token)
    for known, who in parse(spec).items():
        if hmac.compare_digest(known, given):
            return who
    return None


def new(name: str, role: str = "submitter") -> tuple[str, str]:
    """A fresh token and the ``name:role:sha256`` entry that admits it."""
    if not re.match(rf"^{_NAME}$", name):
        raise ConfigError(f"{name!r} is not a usable token name", hint="letters, digits and . _ @ -")
    if role not in ROLES:
        raise ConfigError(f"{role!r} is not a role", hint="one of " + ", ".join(ROLES))
    token = secrets.token_urlsafe(32)
    return token, f"{name}:{role}:{digest(token)}"
