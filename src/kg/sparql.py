r"""SPARQL text, looked at before any engine sees it: its form, and whether it is allowed.

A small lexer removes IRIs, strings and comments, so a keyword is only found where it really is
one (``form``, ``with_values``, ``with_limit``). Whether a query or update may run is *not*
decided that way: :func:`check_allowed` refuses ``SERVICE`` and ``LOAD`` by the structure of the
query as rdflib's SPARQL 1.1 parser reads it (a ``ServiceGraphPattern`` or ``Load`` node anywhere
in the parse tree, from which rdflib's algebra, and any engine's, is made).

Two parsers can read one text differently, and a check that reads it one way while the engine
reads it another is no check: rdflib ends a ``#`` comment at ``\n`` only, Oxigraph at ``\r`` too,
so ``# x\rSERVICE <…>`` is a comment to one and a federated query to the other; rdflib expands
``\u0053`` everywhere before parsing, Oxigraph only inside strings and IRIs; Oxigraph's keywords
need no boundary after them (``SERVICEex:a { … }`` is ``SERVICE ex:a``), rdflib's do; engines
differ on which Unicode characters are whitespace or end a line. So the rule is:

1. A text in which the letters of ``SERVICE`` and ``LOAD`` do not occur, after ``\u``/``\U``
   escapes are expanded, compatibility forms decomposed (NFKD), combining marks and invisible
   format characters removed and case folded, is allowed without parsing: no engine can read a
   keyword that is not there. (kg's saved queries are such texts, so they cost nothing here.)
2. A text that does mention them is allowed only if it is *plain* — no ``\u``/``\U`` escapes, no
   whitespace but space, tab, LF and CRLF, no other control, format or line-end
   character (``\r`` alone, ``\v``, ``\f``, ``\x85``, U+2028/2029, NBSP, U+2000–200A, U+3000,
   U+FEFF, …) — because on a plain text every SPARQL 1.1 lexer agrees where comments, strings, IRIs
   and names begin and end; and only if rdflib parses all of it and finds no SERVICE or LOAD.
3. Everything else that mentions them — not plain, or not parseable by rdflib — is refused, with
   the reason and the place. This refuses some harmless texts (``ex:download`` in a query with a
   syntax error) so as to let through only texts that read one way lexically and that the
   standard grammar reads without SERVICE or LOAD. What is left is an engine whose grammar strays
   from the standard on a text rdflib accepts — Oxigraph's unbounded keywords are the known
   straying, and the texts that use it are ones rdflib rejects — which is what the sandbox is for.

The embedded store adds a second, independent guarantee: the engine runs in a thread or process
that cannot open network sockets (:mod:`kg.store.sandbox`). ``FROM``/``FROM NAMED`` and the
protocol's ``default-graph-uri``/``named-graph-uri`` are allowed: Oxigraph reads them as names of
graphs in the store and never fetches them (a test holds it to that).
"""

from __future__ import annotations

import re
import unicodedata

from kg import sparql_help
from kg.errors import QueryError, QueryRefused

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
KEYWORD = r"(?<![\w:?$\-]){}(?![\w:\-])"
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


def strip(text: str) -> str:
    """The query with every IRI, string and comment replaced by a space."""
    return _LEXEMES.sub(" ", text)


def form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first of them that occurs as a keyword."""
    bare = strip(text)
    found = [(m.start(), word) for word in FORMS if (m := re.search(KEYWORD.format(word), bare, re.IGNORECASE))]
    return min(found)[1] if found else "SELECT"


MAX_PARSED = 100_000  # characters: a longer text that spells SERVICE or LOAD is refused unparsed
REMOTE = {"ServiceGraphPattern": "SERVICE", "Load": "LOAD"}  # parse-tree node → keyword
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_REFUSED_HINT = {
    "SERVICE": "load the data you need into the graph instead",
    "LOAD": "put the data in the update itself (INSERT DATA { … })",
}


def check_allowed(text: str, *, update: bool = False) -> None:
    """Refuse SERVICE and LOAD: no query or update ever makes kg fetch from the network.

    Raises QueryRefused (403); the rule and why it is sound are in the module docstring.
    """
    mentioned = mentions(text)
    if not mentioned:
        return
    word = mentioned[0]
    unclear = ambiguity(text)
    if unclear is not None:
        raise QueryRefused(
            f"{word} is refused: the text mentions {'/'.join(mentioned)} and has {unclear}, which SPARQL "
            "parsers read differently, so kg cannot be sure it asks no engine to fetch from the network",
            hint="use only space, tab and newline as whitespace, and write other characters inside strings",
        )
    if len(text) > MAX_PARSED:
        raise QueryRefused(
            f"{word} is refused: the text mentions {'/'.join(mentioned)} and is longer than kg checks "
            f"({len(text):,} characters; at most {MAX_PARSED:,})",
            hint="shorten the query; SERVICE and LOAD are never allowed",
        )
    # imported here: building rdflib's grammar costs ~0.3 s, which every query worker and every
    # `kg` command would pay at start though most texts never need it
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import parser as rdflib_parser

    try:
        tree = rdflib_parser.parseUpdate(text) if update else rdflib_parser.parseQuery(text)
    except (ParseBaseException, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise QueryRefused(
            f"{word} is refused: the text mentions {'/'.join(mentioned)} and kg's SPARQL 1.1 parser "
            f"cannot read it at {sparql_help.parser_place(exc, text)}, so kg cannot be sure it asks no engine to fetch",
            hint="fix the syntax error; SERVICE and LOAD are never allowed",
        ) from None
    found = remote_operation(tree)
    if found is not None:
        raise QueryRefused(
            f"{found} is refused: {'an update' if update else 'a query'} never makes kg fetch from the network",
            hint=_REFUSED_HINT[found],
        )


def mentions(text: str) -> tuple[str, ...]:
    """Which of SERVICE and LOAD the text spells anywhere, however loosely (see the docstring)."""
    if text.isascii() and "\\u" not in text and "\\U" not in text:  # the common case, 10× faster
        lowered = text.lower()
        return tuple(word for word in ("SERVICE", "LOAD") if word.lower() in lowered)
    expanded = _ESCAPE.sub(lambda m: _codepoint(m.group(1) or m.group(2)), text)
    decomposed = unicodedata.normalize("NFKD", expanded)
    letters = _NON_ASCII.sub(_visible, decomposed).casefold()
    return tuple(word for word in ("SERVICE", "LOAD") if word.casefold() in letters)


def _visible(match: re.Match[str]) -> str:
    """A non-ASCII character as it counts in a keyword: combining marks and format characters
    (U+200B, U+FEFF, …) count as nothing."""
    return "" if unicodedata.category(match.group()) in {"Mn", "Cf"} else match.group()


def _codepoint(digits: str) -> str:
    value = int(digits, 16)
    return chr(value) if value < 0x110000 else ""


def ambiguity(text: str) -> str | None:
    """What makes the text not plain, and where ("U+2028 at line 2, column 5"), or None."""
    if match := _ESCAPE.search(text):
        return f"the escape {match.group()} {_place(text, match.start())}"
    for position, char in enumerate(text):
        if char in " \t\n" or (char == "\r" and text[position + 1 : position + 2] == "\n"):
            continue
        if unicodedata.category(char)[0] in {"C", "Z"}:
            name = unicodedata.name(char, "a control character")
            return f"U+{ord(char):04X} ({name}) {_place(text, position)}"
    return None


def _place(text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    return f"at line {line}, column {position - (text.rfind(chr(10), 0, position) + 1) + 1}"


def remote_operation(tree: object) -> str | None:
    """SERVICE or LOAD if the parse tree holds such a node anywhere, else None."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name in REMOTE:
                return REMOTE[node.name]
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend(node)
    return None


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
    top = first_form(bare)
    for match in re.finditer(KEYWORD.format("SELECT"), bare, re.IGNORECASE):
        if match.start() == top:
            continue
        projected = projected_by(bare, match.end())
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
    top = first_form(bare)
    if top < 0 or bare[top : top + 6].upper() != "SELECT":
        return None
    return projected_by(bare, top + 6)


def _values_block(names: list[str], terms: dict[str, str]) -> str:
    variables = " ".join(f"?{n}" for n in names)
    row = " ".join(terms[n] for n in names)
    return f"VALUES ({variables}) {{ ({row}) }}"


def first_form(bare: str) -> int:
    found = [m.start() for word in FORMS if (m := re.search(KEYWORD.format(word), bare, re.IGNORECASE))]
    return min(found) if found else -1


def projected_by(bare: str, start: int) -> set[str]:
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
        where = re.compile(KEYWORD.format("WHERE"), re.IGNORECASE).search(bare, start)
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
    top = first_form(bare)
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
            if re.search(KEYWORD.format("LIMIT"), tail, re.IGNORECASE) or re.search(
                KEYWORD.format("VALUES"), tail, re.IGNORECASE
            ):
                return text
            return f"{text.rstrip()}\nLIMIT {limit}"
    return text


# --------------------------------------------------------------------------- the protocol's update dataset


def dataset_clause(text: str) -> str | None:
    """``USING`` or ``WITH`` if the update names its own dataset (outside IRIs, strings and
    comments), else None: the protocol's ``using-graph-uri``/``using-named-graph-uri`` may
    not be given with them."""
    bare = masked(text)
    found = [(m.start(), w) for w in ("USING", "WITH") if (m := re.search(KEYWORD.format(w), bare, re.IGNORECASE))]
    return min(found)[1] if found else None


def with_using(text: str, default_graphs: tuple[str, ...], named_graphs: tuple[str, ...]) -> str:
    """The update with ``USING <g>`` / ``USING NAMED <g>`` clauses before the ``WHERE`` of every
    ``DELETE``/``INSERT … WHERE`` operation: what the protocol's ``using-graph-uri`` and
    ``using-named-graph-uri`` mean (SPARQL 1.1 Protocol §2.2.3). ``DELETE WHERE { P }``, which
    cannot take them, is written as what it stands for, ``DELETE { P } USING … WHERE { P }``."""
    clauses = " ".join([f"USING <{g}>" for g in default_graphs] + [f"USING NAMED <{g}>" for g in named_graphs])
    bare = masked(text)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the text
    depth = 0
    for match in re.finditer(r"[{}]|" + KEYWORD.format("WHERE"), bare, re.IGNORECASE):
        token = match.group()
        if token in "{}":
            depth += 1 if token == "{" else -1
        elif depth == 0 and re.search(KEYWORD.format("DELETE") + r"\s*$", bare[: match.start()], re.IGNORECASE):
            opening = bare.find("{", match.end())
            closing = _closing(bare, opening)
            if opening < 0 or closing is None:
                raise QueryError("the DELETE WHERE operation has no complete { … } pattern", hint="close its braces")
            pattern = text[opening : closing + 1]
            edits.append((match.start(), closing + 1, f"{pattern} {clauses} WHERE {pattern}"))
        elif depth == 0:
            edits.append((match.start(), match.start(), f"{clauses} "))
    for start, end, replacement in reversed(edits):
        text = text[:start] + replacement + text[end:]
    return text


def _closing(bare: str, opening: int) -> int | None:
    """The position of the ``}`` that closes the ``{`` at ``opening``."""
    depth = 0
    for position in range(max(opening, 0), len(bare)):
        depth += {"{": 1, "}": -1}.get(bare[position], 0)
        if depth == 0:
            return position
    return None
