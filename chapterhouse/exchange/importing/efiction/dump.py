"""Reading a mysqldump-style SQL file without a database.

``read_dump(text)`` returns every table the file creates or fills, each with
its column names (from ``CREATE TABLE``) and its rows (from ``INSERT INTO …
VALUES``) as dictionaries. It understands what mysqldump, phpMyAdmin and
similar tools write:

- ``CREATE TABLE [IF NOT EXISTS] `name` (…)``: the column list; keys and
  constraints are skipped;
- ``INSERT [IGNORE] INTO `name` [(`col`, …)] VALUES (…), (…);`` and
  ``REPLACE INTO``: many rows per statement; without a column list the
  columns of the ``CREATE TABLE`` are used;
- MySQL strings in single or double quotes with backslash escapes
  (``\\' \\" \\\\ \\n \\r \\t \\0 \\b \\Z``) and doubled quotes (``''``);
  ``NULL``, ``TRUE``/``FALSE``, integers, decimals, negative numbers,
  ``0x…`` hex literals and ``_binary '…'`` charset introducers;
- comments: ``-- …``, ``# …``, ``/* … */`` and the versioned ``/*!40101 … */``
  (skipped: they hold session settings, never rows).

Every other statement (SET, LOCK TABLES, DROP TABLE, …) is ignored. A
statement we cannot read raises ``DumpError`` with its line number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..parsed import ImportProblem


class DumpError(ImportProblem):
    """The file is not a SQL dump we can read; the message says where."""


@dataclass
class Table:
    name: str
    columns: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<vcomment>/\*!.*?\*/)
  | (?P<comment>/\*.*?\*/ | --(?:[ \t][^\n]*)?(?=\n|\Z) | \#[^\n]*)
  | (?P<str>'[^'\\]*(?:(?:\\.|'')[^'\\]*)*' | "[^"\\]*(?:(?:\\.|"")[^"\\]*)*")
  | (?P<ident>`[^`]*(?:``[^`]*)*`)
  | (?P<hex>0[xX][0-9A-Fa-f]+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<word>[A-Za-z_$][\w$]*)
  | (?P<semi>;)
  | (?P<punct>.)
    """,
    re.S | re.X,
)

_ESCAPES = {
    "0": "\x00", "'": "'", '"': '"', "b": "\b", "n": "\n", "r": "\r", "t": "\t",
    "Z": "\x1a", "\\": "\\", "%": "\\%", "_": "\\_",
}
_ESCAPE_RE = re.compile(r"\\(.)", re.S)

#: Words that begin a line of a CREATE TABLE body that is not a column.
_NOT_COLUMNS = {
    "PRIMARY", "KEY", "INDEX", "UNIQUE", "CONSTRAINT", "FULLTEXT", "SPATIAL", "FOREIGN",
    "CHECK", "PERIOD",
}


def unquote_string(token: str) -> str:
    """A quoted MySQL string literal as its value."""
    quote, body = token[0], token[1:-1]
    body = body.replace(quote * 2, quote)
    return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def _identifier(kind: str, text: str) -> str:
    if kind == "ident":
        return text[1:-1].replace("``", "`")
    if kind == "str":
        return unquote_string(text)
    return text


@dataclass
class _Token:
    kind: str
    text: str
    pos: int


def _statements(text: str) -> Iterator[list[_Token]]:
    """The file's statements, each a list of tokens without spaces or comments."""
    current: list[_Token] = []
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup
        if kind in ("ws", "comment", "vcomment"):
            continue
        if kind == "semi":
            if current:
                yield current
            current = []
            continue
        current.append(_Token(kind, match.group(), match.start()))
    if current:
        yield current


class _Reader:
    """Walks one statement's tokens."""

    def __init__(self, tokens: list[_Token], text: str):
        self.tokens = tokens
        self.index = 0
        self.text = text

    def error(self, message: str) -> DumpError:
        token = self.tokens[min(self.index, len(self.tokens) - 1)]
        line = self.text.count("\n", 0, token.pos) + 1
        return DumpError(f"Line {line} of the SQL file: {message}.")

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise self.error("the statement ends too early")
        self.index += 1
        return token

    def word_is(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "word" and token.text.upper() in words

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text.upper() != text:
            raise self.error(f"expected {text!r}, found {token.text[:40]!r}")

    def name(self) -> str:
        token = self.take()
        if token.kind not in ("ident", "word", "str"):
            raise self.error(f"expected a name, found {token.text[:40]!r}")
        name = _identifier(token.kind, token.text)
        # `database`.`table`: keep the table.
        nxt = self.peek()
        if nxt is not None and nxt.text == ".":
            self.take()
            return self.name()
        return name

    def skip_group(self) -> None:
        """Skip a parenthesised group, the opening bracket already taken."""
        depth = 1
        while depth:
            token = self.take()
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1

    def value(self):
        token = self.take()
        kind, text = token.kind, token.text
        if kind == "str":
            return unquote_string(text)
        if kind == "num":
            return _number(text)
        if kind == "hex":
            return bytes.fromhex(text[2:].rjust(len(text[2:]) + len(text[2:]) % 2, "0"))
        if kind == "punct" and text in "-+":
            nxt = self.take()
            if nxt.kind != "num":
                raise self.error(f"expected a number after {text!r}")
            number = _number(nxt.text)
            return -number if text == "-" else number
        if kind == "word":
            upper = text.upper()
            if upper == "NULL":
                return None
            if upper == "TRUE":
                return 1
            if upper == "FALSE":
                return 0
            if upper.startswith("_"):  # a charset introducer: _binary '…', _utf8mb4 '…'
                return self.value()
        raise self.error(f"cannot read the value {text[:40]!r}")


def _number(text: str):
    if re.fullmatch(r"\d+", text):
        return int(text)
    return float(text)


def _create_table(reader: _Reader) -> Table:
    reader.expect("CREATE")
    while reader.word_is("TEMPORARY", "OR", "REPLACE"):
        reader.take()
    reader.expect("TABLE")
    if reader.word_is("IF"):
        reader.take()
        reader.expect("NOT")
        reader.expect("EXISTS")
    table = Table(reader.name())
    token = reader.peek()
    if token is None or token.text != "(":
        return table  # CREATE TABLE … LIKE / AS SELECT: no column list here
    reader.take()
    start_of_part = True
    depth = 1
    while depth:
        token = reader.take()
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif token.text == "," and depth == 1:
            start_of_part = True
            continue
        elif start_of_part and depth == 1 and (
            token.kind == "ident"
            or (token.kind == "word" and token.text.upper() not in _NOT_COLUMNS)
        ):
            table.columns.append(_identifier(token.kind, token.text))
        start_of_part = False
    return table


def _insert(reader: _Reader, tables: dict[str, Table], wanted) -> None:
    reader.take()  # INSERT or REPLACE
    while reader.word_is("LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE"):
        reader.take()
    if reader.word_is("INTO"):
        reader.take()
    name = reader.name()
    if wanted is not None and not wanted(name):
        return
    table = tables.setdefault(name, Table(name))
    columns = table.columns
    token = reader.peek()
    if token is not None and token.text == "(":
        reader.take()
        columns = []
        while True:
            columns.append(reader.name())
            token = reader.take()
            if token.text == ")":
                break
            if token.text != ",":
                raise reader.error("expected ',' or ')' in the column list")
        if not table.columns:
            table.columns = list(columns)
    if not reader.word_is("VALUES", "VALUE"):
        return  # INSERT … SELECT or … SET: not something a dump writes rows with
    reader.take()
    while True:
        reader.expect("(")
        values = []
        token = reader.peek()
        if token is not None and token.text == ")":
            reader.take()
        else:
            while True:
                values.append(reader.value())
                token = reader.take()
                if token.text == ")":
                    break
                if token.text != ",":
                    raise reader.error(f"expected ',' or ')' between values, found "
                                       f"{token.text[:40]!r}")
        if not columns:
            raise reader.error(f"rows for `{name}` come before its CREATE TABLE and name "
                               "no columns")
        if len(values) != len(columns):
            raise reader.error(
                f"a row of `{name}` has {len(values)} values for {len(columns)} columns"
            )
        table.rows.append(dict(zip(columns, values, strict=True)))
        token = reader.peek()
        if token is None or token.text != ",":
            break
        reader.take()


def decode_dump(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_dump(text: str, *, wanted=None) -> dict[str, Table]:
    """Every table in the dump ``text`` by name. ``wanted(name)`` (optional)
    says which tables' rows to keep; the others are skipped quickly."""
    tables: dict[str, Table] = {}
    for tokens in _statements(text):
        first = tokens[0]
        if first.kind != "word":
            continue
        verb = first.text.upper()
        reader = _Reader(tokens, text)
        if verb == "CREATE" and any(
            t.kind == "word" and t.text.upper() == "TABLE" for t in tokens[1:4]
        ):
            created = _create_table(reader)
            existing = tables.get(created.name)
            if existing is None:
                tables[created.name] = created
            elif not existing.columns:
                existing.columns = created.columns
        elif verb in ("INSERT", "REPLACE"):
            _insert(reader, tables, wanted)
    return tables
