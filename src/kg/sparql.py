"""SPARQL text, looked at before any engine sees it: its form, and whether it is allowed.

Pure text functions. A small lexer removes IRIs, strings and comments first, so a keyword is
only found where it really is a keyword — ``"SERVICE"`` in a literal or ``ex:service`` in a
prefixed name does not count, ``service <…>`` in any case does.
"""

from __future__ import annotations

import re

from kg.errors import QueryRefused

_LEXEMES = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'  # long strings
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'  # short strings
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"  # IRIs
    r"|\\."  # escapes in prefixed names (ex:a\#b): their # does not start a comment
    r"|#[^\n]*",  # comments
    re.DOTALL,
)
_KEYWORD = r"(?<![\w:?$\-]){}(?![\w:\-])"
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


def strip(text: str) -> str:
    """The query with every IRI, string and comment replaced by a space."""
    return _LEXEMES.sub(" ", text)


def has_keyword(text: str, word: str) -> bool:
    return re.search(_KEYWORD.format(word), strip(text), re.IGNORECASE) is not None


def form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first of them that occurs as a keyword."""
    bare = strip(text)
    found = [(m.start(), word) for word in FORMS if (m := re.search(_KEYWORD.format(word), bare, re.IGNORECASE))]
    return min(found)[1] if found else "SELECT"


def check_allowed(text: str, *, allow_service: bool = False) -> None:
    """Refuse federated queries: no query ever makes the server fetch from the network."""
    if not allow_service and has_keyword(text, "SERVICE"):
        raise QueryRefused(
            "SERVICE (federated query) is refused: a query never makes kg fetch from the network",
            hint="load the data you need into the graph instead",
        )


def looks_like_update(text: str) -> bool:
    """Whether the text starts (after its prologue) with an update operation."""
    bare = strip(text)
    bare = re.sub(r"(?i)\b(PREFIX\s+[\w\-.]*:|BASE)\s*", " ", bare).strip()
    return bool(re.match(r"(?i)(" + "|".join(UPDATE_WORDS) + r")\b", bare))
