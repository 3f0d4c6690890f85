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


# --------------------------------------------------------------------------- binding by VALUES


def masked(text: str) -> str:
    """The query with every IRI, string and comment blanked out, character for character, so
    that a position in the result is the same position in the query."""
    return _LEXEMES.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def with_values(text: str, terms: dict[str, str]) -> str:
    """The query with ``VALUES`` blocks that bind variables to terms (given in N-Triples syntax).

    This is how a remote server gets the effect of the embedded engine's substitution: the
    block goes first in the WHERE group of the query itself, and first in the WHERE group of
    every subquery that projects the variable (there, a subquery's own variable of the same name
    is another variable, untouched). A value bound at the top of a group is seen by its
    FILTERs, OPTIONALs and EXISTS; bound first in a subquery it is seen by the subquery's
    FILTERs and GROUP BY, which a block at the end of the query would not be. A query whose
    WHERE group cannot take a block (``CONSTRUCT WHERE { … }``, ``DESCRIBE`` without WHERE)
    gets one trailing ``VALUES`` clause instead.
    """
    if not terms:
        return text
    bare = masked(text)
    inserts: list[tuple[int, str]] = []
    top = _first_form(bare)
    for match in re.finditer(_KEYWORD.format("SELECT"), bare, re.IGNORECASE):
        if match.start() == top:
            continue
        projected = _projected(bare, match.end())
        names = [n for n in terms if n in projected or "*" in projected]
        opening = _where_group(bare, match.end())
        if names and opening is not None:
            inserts.append((opening + 1, _values_block(names, terms)))
    opening = _where_group(bare, top + 1, construct=bare[top : top + 9].upper() == "CONSTRUCT") if top >= 0 else None
    if opening is None:
        text = text.rstrip() + "\n" + _values_block(list(terms), terms)
    else:
        inserts.append((opening + 1, _values_block(list(terms), terms)))
    for position, block in sorted(inserts, reverse=True):
        text = f"{text[:position]} {block} {text[position:]}"
    return text


def projection(text: str) -> set[str] | None:
    """The variables the query's own SELECT projects (``{"*"}`` for ``SELECT *``); None if it
    is not a SELECT query."""
    bare = masked(text)
    top = _first_form(bare)
    if top < 0 or bare[top : top + 6].upper() != "SELECT":
        return None
    return _projected(bare, top + 6)


def _values_block(names: list[str], terms: dict[str, str]) -> str:
    variables = " ".join(f"?{n}" for n in names)
    row = " ".join(terms[n] for n in names)
    return f"VALUES ({variables}) {{ ({row}) }}"


def _first_form(bare: str) -> int:
    found = [m.start() for word in FORMS if (m := re.search(_KEYWORD.format(word), bare, re.IGNORECASE))]
    return min(found) if found else -1


def _projected(bare: str, start: int) -> set[str]:
    """The variables a SELECT clause starting at ``start`` projects (every name for ``*``)."""
    depth, end = 0, start
    for end in range(start, len(bare)):
        char = bare[end]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "{" and depth == 0:
            break
    clause = bare[start:end]
    clause = re.split(r"(?i)(?<![\w?$])(?:WHERE|FROM)(?![\w:])", clause)[0]
    if re.search(r"(?<![\w)])\*", re.sub(r"\([^()]*\)", " ", clause)):
        return {"*"}
    names, depth = set(), 0
    for token in re.finditer(r"\(|\)|(?i:\bAS\s+)?[?$](\w+)", clause):
        piece = token.group()
        if piece == "(":
            depth += 1
        elif piece == ")":
            depth -= 1
        elif depth == 0 or piece[:2].upper() == "AS":
            names.add(token.group(1))
    return names


def _where_group(bare: str, start: int, *, construct: bool = False) -> int | None:
    """The position of the ``{`` that opens the WHERE group of the query or subquery whose
    form keyword ends at ``start``; None where a VALUES block cannot go first in it."""
    depth, begin = 0, start
    if construct:  # skip the template: the group follows WHERE
        where = re.compile(_KEYWORD.format("WHERE"), re.IGNORECASE).search(bare, start)
        if where is None:
            return None
        template = bare.find("{", start)
        if template < where.start():
            begin = where.end()
        else:
            return None  # CONSTRUCT WHERE { … }: the template is the group, triples only
    for position in range(begin, len(bare)):
        char = bare[position]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "{" and depth == 0:
            return position
    return None


def with_limit(text: str, limit: int) -> str:
    """A SELECT query with ``LIMIT limit`` added when it has no LIMIT (nor a trailing VALUES
    clause) of its own, so that a server sends no more rows than kg will keep."""
    bare = masked(text)
    top = _first_form(bare)
    if top < 0 or bare[top : top + 6].upper() != "SELECT":
        return text
    opening = _where_group(bare, top + 6)
    if opening is None:
        return text
    depth = 0
    for position in range(opening, len(bare)):
        depth += {"{": 1, "}": -1}.get(bare[position], 0)
        if depth == 0:
            tail = bare[position + 1 :]
            if re.search(_KEYWORD.format("LIMIT"), tail, re.IGNORECASE) or re.search(
                _KEYWORD.format("VALUES"), tail, re.IGNORECASE
            ):
                return text
            return f"{text.rstrip()}\nLIMIT {limit}"
    return text
