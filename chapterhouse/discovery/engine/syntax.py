"""AO3's work search syntax, parsed into a small tree.

What a reader may type in the search box (the same language AO3 accepts):

- words, ANDed together by default: ``slow burn`` finds works with both;
- ``"quoted phrases"``: the words next to each other, in order;
- ``AND`` / ``&&``, ``OR`` / ``||``, ``NOT`` and ``-word``; ``NOT`` binds
  tighter than ``AND``, which binds tighter than ``OR``; parentheses group;
- field prefixes: ``title:``, ``creators:`` (``creator:``, ``author:``),
  ``summary:``, ``notes:``, ``tags:`` (``tag:``, ``fandoms:``,
  ``characters:``, ``relationships:``, ``freeforms:`` … all search tag
  names), ``language:`` (a code such as ``en``); a prefix applies to the word,
  phrase or parenthesised group after it: ``title:(ghost OR spirit)``;
- numbers: ``words:`` (``word_count:``), ``hits:``, ``kudos:``
  (``kudos_count:``), ``comments:``, ``bookmarks:``, ``chapters:`` with
  ``>1000``, ``<100``, ``>=5``, ``<=5``, ``100-500``, ``1000`` or
  ``[100 TO 500]`` (``*`` for an open end, braces for exclusive ends);
- yes/no: ``complete:``, ``crossover:``, ``single_chapter:`` with ``true`` or
  ``false``.

The parser never raises on what a reader types: an unclosed quote or
parenthesis is closed at the end, stray operators are ignored, an unknown
``field:`` is read as ordinary words, and a value a known field cannot take
(``kudos:lots``) is left out with a notice that says so (see
``parse_with_notices``). Operators are recognised only in capitals, as on AO3:
a lower-case ``and`` is a word.

The tree is plain data; ``text.TextIndex`` turns it into an index query and
``describe`` turns it back into text a reader can check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from chapterhouse.discovery.query import parse_range

# Canonical field names, as the index knows them.
TEXT_FIELDS = ("title", "summary", "notes", "tags", "creators")
NUMBER_FIELDS = ("words", "hits", "kudos", "comments", "bookmarks", "chapters")
BOOLEAN_FIELDS = ("complete", "crossover", "single_chapter")
LANGUAGE_FIELD = "language"

#: What a reader may type before the colon, and the field it means.
FIELD_ALIASES: dict[str, str] = {
    "title": "title",
    "summary": "summary",
    "notes": "notes",
    "creators": "creators",
    "creator": "creators",
    "author": "creators",
    "authors": "creators",
    "tags": "tags",
    "tag": "tags",
    "fandoms": "tags",
    "fandom": "tags",
    "characters": "tags",
    "character": "tags",
    "relationships": "tags",
    "relationship": "tags",
    "freeforms": "tags",
    "freeform": "tags",
    "language": LANGUAGE_FIELD,
    "language_id": LANGUAGE_FIELD,
    "words": "words",
    "word_count": "words",
    "hits": "hits",
    "kudos": "kudos",
    "kudos_count": "kudos",
    "comments": "comments",
    "comments_count": "comments",
    "bookmarks": "bookmarks",
    "bookmarks_count": "bookmarks",
    "chapters": "chapters",
    "complete": "complete",
    "crossover": "crossover",
    "single_chapter": "single_chapter",
}

_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
#: Deeper parentheses than this are read as if they were not there (a
#: reader never needs them, and the parser must not run out of stack).
MAX_DEPTH = 32


# --- The tree -------------------------------------------------------------


class Node:
    """Base class of every node of a parsed query."""

    __slots__ = ()


@dataclass(frozen=True)
class Term(Node):
    """One word; ``field`` None means any text field."""

    field: str | None
    text: str


@dataclass(frozen=True)
class Phrase(Node):
    """Words next to each other, in order; ``field`` None means any text field."""

    field: str | None
    text: str


@dataclass(frozen=True)
class Range(Node):
    """An inclusive numeric range; None on a side means open."""

    field: str
    low: int | None
    high: int | None


@dataclass(frozen=True)
class Bool(Node):
    field: str
    value: bool


def _as_tuple(node: Node, children: Iterable[Node]) -> None:
    object.__setattr__(node, "children", tuple(children))


@dataclass(frozen=True)
class And(Node):
    children: tuple[Node, ...] = field(default=())

    def __post_init__(self) -> None:
        _as_tuple(self, self.children)


@dataclass(frozen=True)
class Or(Node):
    children: tuple[Node, ...] = field(default=())

    def __post_init__(self) -> None:
        _as_tuple(self, self.children)


@dataclass(frozen=True)
class Not(Node):
    node: Node


def all_of(nodes: Iterable[Node | None]) -> Node | None:
    """AND of the given nodes, flattened; None when there are none."""
    flat: list[Node] = []
    for node in nodes:
        if isinstance(node, And):
            flat.extend(node.children)
        elif node is not None:
            flat.append(node)
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else And(flat)


def any_of(nodes: Iterable[Node | None]) -> Node | None:
    """OR of the given nodes, flattened; None when there are none."""
    flat: list[Node] = []
    for node in nodes:
        if isinstance(node, Or):
            flat.extend(node.children)
        elif node is not None:
            flat.append(node)
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else Or(flat)


def negate(node: Node | None) -> Node | None:
    if node is None:
        return None
    if isinstance(node, Not):
        return node.node
    return Not(node)


# --- Reading the text into tokens ----------------------------------------

# Token kinds.
_WORD, _PHRASE, _BRACKET, _FIELD, _AND, _OR, _NOT, _OPEN, _CLOSE = range(9)
_OPERATORS = {"AND": _AND, "&&": _AND, "OR": _OR, "||": _OR, "NOT": _NOT}
_WORD_END = re.compile(r'[\s()"]')
_BRACKET_CLOSE = {"[": "]", "{": "}"}


@dataclass(frozen=True)
class _Token:
    kind: int
    text: str = ""


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    run_end = 0  # where the run of word characters around ``i`` ends
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char == "(":
            tokens.append(_Token(_OPEN))
            i += 1
        elif char == ")":
            tokens.append(_Token(_CLOSE))
            i += 1
        elif char == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            tokens.append(_Token(_PHRASE, text[i + 1 : end]))
            i = end + 1
        elif (
            char in _BRACKET_CLOSE
            and tokens
            and tokens[-1].kind == _FIELD
            and tokens[-1].text in NUMBER_FIELDS
        ):
            # ``kudos:[100 TO 500]``: read to the closing bracket (or the end).
            closer = _BRACKET_CLOSE[char]
            end = text.find(closer, i + 1)
            if end < 0:
                end = n
                tokens.append(_Token(_BRACKET, char + text[i + 1 : end]))
            else:
                tokens.append(_Token(_BRACKET, char + text[i + 1 : end] + closer))
            i = end + 1
        elif char in "-+" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] != ")":
            # ``-word`` is NOT word; ``+word`` is just the word.
            if char == "-":
                tokens.append(_Token(_NOT))
            i += 1
        else:
            if run_end <= i:  # measured once per run, however many fields it holds
                match = _WORD_END.search(text, i)
                run_end = match.start() if match else n
            end = run_end
            colon = text.find(":", i, end)
            piece = text[i:end] if colon < 0 else text[i:colon]
            known = FIELD_ALIASES.get(piece.lower()) if colon >= 0 else None
            if piece in _OPERATORS:
                tokens.append(_Token(_OPERATORS[piece]))
            elif known:
                tokens.append(_Token(_FIELD, known))
            elif piece:
                # An unknown ``foo:bar`` is the words foo and bar.
                tokens.append(_Token(_WORD, piece))
            i = end if colon < 0 else colon + 1
            # ``title: word`` (with a space) still means the title.
            if known:
                while i < n and text[i].isspace():
                    i += 1
    return tokens


# --- Parsing ----------------------------------------------------------------


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.pos = 0
        self.notices: list[str] = []

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def query(self, context: str | None) -> Node | None:
        parts: list[Node | None] = []
        while self.peek() is not None:
            if self.peek().kind == _CLOSE:  # a ")" nothing opened
                self.take()
                continue
            parts.append(self.or_expr(context, 0))
        return all_of(parts)

    def or_expr(self, context: str | None, depth: int) -> Node | None:
        alternatives = [self.and_expr(context, depth)]
        while (token := self.peek()) is not None and token.kind == _OR:
            self.take()
            alternatives.append(self.and_expr(context, depth))
        return any_of(alternatives)

    def and_expr(self, context: str | None, depth: int) -> Node | None:
        parts: list[Node | None] = []
        while (token := self.peek()) is not None and token.kind not in (_CLOSE, _OR):
            if token.kind == _AND:
                self.take()
                continue
            parts.append(self.unary(context, depth))
        return all_of(parts)

    def unary(self, context: str | None, depth: int) -> Node | None:
        negated = False
        field_name = context
        # NOTs and field prefixes in any order and number, read without
        # recursion: ``NOT title:NOT x`` is title:x.
        while (token := self.peek()) is not None and token.kind in (_NOT, _FIELD):
            self.take()
            if token.kind == _NOT:
                negated = not negated
            else:
                field_name = token.text
        node = self.primary(field_name, depth)
        return negate(node) if negated else node

    def primary(self, context: str | None, depth: int) -> Node | None:
        token = self.peek()
        if token is None or token.kind in (_CLOSE, _OR, _AND):
            return None
        self.take()
        if token.kind == _OPEN:
            if depth >= MAX_DEPTH:
                return None  # the "(" is dropped; what follows is read on
            inner = self.or_expr(context, depth + 1)
            if (after := self.peek()) is not None and after.kind == _CLOSE:
                self.take()
            return inner
        return self.value(token, context)

    def value(self, token: _Token, field_name: str | None) -> Node | None:
        text = token.text
        if field_name in NUMBER_FIELDS:
            return self.number(field_name, token)
        if field_name in BOOLEAN_FIELDS:
            flag = text.strip().lower()
            if flag in _TRUE or flag in _FALSE:
                return Bool(field_name, flag in _TRUE)
            self.notices.append(
                f"“{field_name}:{text}” was left out: {field_name} takes true or false."
            )
            return None
        if field_name == LANGUAGE_FIELD:
            code = text.strip().lower()
            return Term(LANGUAGE_FIELD, code) if _has_letters(code) else None
        if token.kind == _PHRASE:
            return Phrase(field_name, text) if _has_letters(text) else None
        return _word(field_name, text)

    def number(self, field_name: str, token: _Token) -> Node | None:
        text = token.text
        bounds = _bracket_range(text) if token.kind == _BRACKET else parse_range(text)
        if bounds is None:
            self.notices.append(
                f"“{field_name}:{text}” was left out: use a number or a range such as "
                f"{field_name}:>100, {field_name}:<100 or {field_name}:100-500."
            )
            return None
        low, high = bounds
        if low is None and high is None:
            return None
        return Range(field_name, low, high)


def _has_letters(text: str) -> bool:
    return any(char.isalnum() for char in text)


def _word(field_name: str | None, text: str) -> Node | None:
    # Words with no letter or digit ("&", "~") match nothing in any
    # index; a reader who types "enemies & lovers" means the other two.
    return Term(field_name, text) if _has_letters(text) else None


def _bracket_range(text: str) -> tuple[int | None, int | None] | None:
    """``[100 TO 500]``, ``{100 TO 500}`` (exclusive), ``[100 TO *]``."""
    opener, closer = text[0], text[-1] if len(text) > 1 else ""
    inner = text[1:-1] if closer in "]}" and closer else text[1:]
    parts = inner.replace(",", "").split()
    if len(parts) != 3 or parts[1].upper() != "TO":
        return None
    try:
        low = None if parts[0] == "*" else int(parts[0])
        high = None if parts[2] == "*" else int(parts[2])
    except ValueError:
        return None
    if low is not None and opener == "{":
        low += 1
    if high is not None and closer == "}":
        high -= 1
    return (low, high)


def parse_with_notices(text: str, *, field: str | None = None) -> tuple[Node | None, list[str]]:
    """The tree for ``text`` (None when it asks for nothing) and what was
    left out of it, in words for the reader.

    ``field`` is where words without a prefix are looked for: the search
    form's Title box is ``parse(text, field="title")``, its Creators box
    ``field="creators"`` (any alias above is accepted). A prefix the reader
    types still wins."""
    context = None
    if field is not None:
        context = FIELD_ALIASES.get(field.lower())
        if context is None:
            raise ValueError(f"not a search field: {field!r}")
    parser = _Parser(text or "")
    return parser.query(context), parser.notices


def parse(text: str, *, field: str | None = None) -> Node | None:
    """The tree for ``text``; None for empty or blank text."""
    return parse_with_notices(text, field=field)[0]


# --- Back to text -----------------------------------------------------------


def describe(node: Node | None) -> str:
    """The query in the syntax above, with every operator written out, so a
    reader sees how their words were understood: ``slow burn OR fluff`` →
    ``slow AND burn OR fluff``. ``parse(describe(node)) == node``."""
    if node is None:
        return ""
    if isinstance(node, Term):
        if node.field == LANGUAGE_FIELD and _WORD_END.search(node.text):
            return f'{node.field}:"{node.text}"'
        return f"{node.field}:{node.text}" if node.field else node.text
    if isinstance(node, Phrase):
        quoted = f'"{node.text}"'
        return f"{node.field}:{quoted}" if node.field else quoted
    if isinstance(node, Range):
        return f"{node.field}:{_describe_range(node.low, node.high)}"
    if isinstance(node, Bool):
        return f"{node.field}:{'true' if node.value else 'false'}"
    if isinstance(node, Not):
        inner = node.node
        text = describe(inner)
        return f"NOT ({text})" if isinstance(inner, And | Or) else f"NOT {text}"
    if isinstance(node, And):
        return " AND ".join(
            f"({describe(child)})" if isinstance(child, Or) else describe(child)
            for child in node.children
        )
    if isinstance(node, Or):
        return " OR ".join(
            f"({describe(child)})" if isinstance(child, Or) else describe(child)
            for child in node.children
        )
    raise TypeError(f"not a search node: {node!r}")


def _describe_range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        if 0 <= low == high:
            return str(low)
        return f"{low}-{high}" if 0 <= low < high else f"[{low} TO {high}]"
    if low is not None:
        return f">={low}" if low >= 0 else f"[{low} TO *]"
    return f"<={high}" if high >= 0 else f"[* TO {high}]"
