"""Cheap checks that run on user text *before* any parser sees it.

The sanitiser (``nh3``/``html5ever``) is fast on ordinary text, but some shapes of
input make it slow: it walks its stack of open elements for every block tag, so
``<div>`` nested 20,000 deep takes seconds and 125,000 deep takes minutes; a long
run of characters it must escape (``&``, no-break spaces) costs the square of its
length; misnested formatting tags make it build far more elements than the text has
tags. A writer never needs any of that, so the checks here refuse such text first, in
time linear in its length.

* :func:`html_depth_check` follows the HTML tokenizer (tags, attribute quoting,
  comments, raw-text elements) and a simplified tree builder (implied end tags,
  scopes, end tags that are ignored, formatting elements that the parser
  re-opens) to estimate how deep the parser's stack of open elements gets and how
  many elements it makes. Where the estimate cannot be exact it errs high: a tag
  it is unsure of counts as open.
* :func:`markdown_check` bounds the nesting of Markdown's block quotes and lists, so
  ``>`` repeated 500,000 times is refused before it becomes 500,000 nested quotes.
  (The Markdown renderer, ``cmark-gfm``, is linear in its input; its output is checked
  again as HTML.)

Both raise :class:`TextTooComplex`, a ``ValidationError`` whose message names the
limit, so forms and services show it like any other field error.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

#: The longest text the pipeline converts, in characters. Every field's own limit is
#: lower (a chapter's is 500,000); this bound only protects the pipeline itself.
TEXT_MAX_LENGTH = 1_000_000

#: How deeply HTML elements may nest (a list in a list in a quote … counts one per level).
HTML_MAX_DEPTH = 100

#: How deeply Markdown block quotes and lists may nest (a list level makes two HTML
#: levels, ``<ul><li>``, so this keeps Markdown within :data:`HTML_MAX_DEPTH`).
MARKDOWN_MAX_DEPTH = 40

#: How many elements parsing may make (a long chapter has a few thousand paragraphs and
#: some more inline tags). Each start tag makes at most one, except that a formatting
#: tag (``<b>``, ``<i>`` …) closed in the wrong order is opened again by the parser
#: before every following paragraph, which can turn a few bytes into thousands.
HTML_MAX_ELEMENTS = 100_000


#: How many ``&``, ``<`` and no-break spaces one run of text (between elements) may
#: hold, and how many ``&`` and no-break spaces one tag's attributes may: the
#: sanitiser's time grows with the square of their number in one text node or value
#: (500,000 no-break spaces in a row took 12 s, in a ``title`` 11 s).
HTML_MAX_ESCAPES_IN_A_RUN = 20_000


class TextTooComplex(ValidationError):
    """The text is too long or too deeply nested for the pipeline to convert."""


#: The longest HTML a Markdown text may render to (markup makes text longer).
RENDERED_MAX_LENGTH = 4 * TEXT_MAX_LENGTH


def length_check(text: str, limit: int = TEXT_MAX_LENGTH) -> None:
    if len(text) > limit:
        raise TextTooComplex(
            f"This text is too long to convert: the limit is {limit:,} characters."
        )


def _too_deep() -> TextTooComplex:
    return TextTooComplex(
        f"This text nests its HTML elements too deeply: at most {HTML_MAX_DEPTH} levels "
        "(a list inside a list inside a quote… counts one level each) are allowed."
    )


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------

def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


_VOID = _names(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta "
    "param source track wbr"
)
# Start tags the parser drops in a fragment.
_IGNORED_START = _names("html head body frameset")
# Elements whose content is text, up to their own end tag.
_RAW_TEXT = _names("iframe noembed noframes noscript script style textarea title xmp")
_FORMATTING = _names("a b big code em font i nobr s small strike strong tt u")
_FOREIGN = frozenset({"svg", "math"})
# Boundaries of "has an element in scope" (foreign integration points included).
_SCOPE = _names(
    "applet caption html table td th marquee object template mi mo mn ms mtext "
    "annotation-xml foreignobject desc")
_BUTTON_SCOPE = _SCOPE | {"button"}
_LIST_SCOPE = _SCOPE | {"ol", "ul"}
_TABLE_SCOPE = frozenset({"html", "table", "template"})
_SPECIAL = _SCOPE | _VOID | _RAW_TEXT | _names(
    "address article aside blockquote body button center dd details dialog dir div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup li "
    "listing main menu nav ol p plaintext pre search section select summary tbody "
    "tfoot thead tr ul")
_HEADINGS = _names("h1 h2 h3 h4 h5 h6")
# Start tags that close an open <p> first.
_CLOSES_P = _HEADINGS | _names(
    "address article aside blockquote center details dialog dir div dl dd dt fieldset "
    "figcaption figure footer form header hgroup hr li listing main menu nav ol p pre "
    "search section summary ul xmp plaintext")
# End tags that close the element of that name when it is in scope.
_SCOPED_END = _names(
    "address article aside blockquote button center details dialog dir div dl fieldset "
    "figcaption figure footer form header hgroup listing main menu nav ol pre search "
    "section summary ul applet marquee object dd dt")
_TABLE_END = _names("table tbody tfoot thead tr td th caption colgroup")
_RUBY = frozenset({"rb", "rp", "rt", "rtc"})

# One piece of markup: a comment (ended or not), a bogus comment (<!…>, <?…>, </…>
# that is no end tag), or a start or end tag. The rest of a tag after its name follows
# the HTML tokenizer (attribute names may hold quotes; values are double-, single- or
# un-quoted) with possessive quantifiers, so it never backtracks; when it does not match,
# the tag runs to the end of the text and the parser drops it.
_MARKUP_RE = re.compile(
    r"<(?:"
    r"!--(?P<comment>>|->|.*?--!?>)?+"
    r"|(?P<bogus>[!?]|/(?![A-Za-z]))"
    r"|(?P<end>/)?+(?P<name>[A-Za-z][^\t\n\f />]*+)"
    r"(?P<rest>(?:[\t\n\f /]++"
    r"|[^\t\n\f />][^\t\n\f />=]*+"
    r"(?>[\t\n\f ]*+=[\t\n\f ]*+(?>\"[^\"]*+\"|'[^']*+'|[^\t\n\f >\"'][^\t\n\f >]*+)?+)?+"
    r")*+>)?+"
    r")",
    re.DOTALL,
)

# Per element name, which boundaries it is (bit flags); most names are none.
_SCOPE_BIT, _BUTTON_BIT, _LIST_BIT, _TABLE_BIT, _SPECIAL_BIT, _LI_BIT, _DD_BIT = (
    1 << n for n in range(7)
)
_FLAGS: dict[str, int] = {}
for _bit, _group in (
    (_SCOPE_BIT, _SCOPE), (_BUTTON_BIT, _BUTTON_SCOPE), (_LIST_BIT, _LIST_SCOPE),
    (_TABLE_BIT, _TABLE_SCOPE), (_SPECIAL_BIT, _SPECIAL),
    (_LI_BIT, (_SPECIAL - {"address", "div", "p"}) | {"li"}),
    (_DD_BIT, (_SPECIAL - {"address", "div", "p"}) | {"dd", "dt"}),
):
    for _name in _group:
        _FLAGS[_name] = _FLAGS.get(_name, 0) | _bit
_NO_MARKS = (-1,) * 7
SCOPE, BUTTON, LIST, TABLE, SPECIAL, LI_STOP, DD_STOP = range(7)


class _Stack:
    """A model of html5ever's stack of open elements, with O(1) scope questions.

    For each open element it keeps the index of the nearest element at or below it
    that bounds each kind of scope, so "is a <p> in button scope?" is one comparison.
    Formatting elements closed by something else stay "active": the parser re-opens
    them before the next text or tag, so they count towards the depth until their own
    end tag comes, and each re-opening counts towards the elements made.
    """

    def __init__(self, limit: int, max_elements: int) -> None:
        self.limit = limit
        self.max_elements = max_elements
        self.made = 0
        self.names: list[str] = []
        self.keys: list[str] = []
        self.marks: list[tuple[int, ...]] = []
        self.where: dict[str, list[int]] = {}
        self.orphans: dict[str, list[str]] = {}
        self.orphan_count = 0
        self.reopened = True
        self.foreign = 0
        self.escapes = 0  # & < and no-break spaces in the current run of text

    def top(self) -> str:
        return self.names[-1] if self.names else ""

    def mark(self, kind: int) -> int:
        return self.marks[-1][kind] if self.marks else -1

    def made_check(self, count: int = 0) -> None:
        self.made += count
        if self.made > self.max_elements:
            raise TextTooComplex(
                f"This text makes too many HTML elements: at most {self.max_elements:,} "
                "are allowed, counting the ones a browser opens again after a tag that "
                "was closed in the wrong order."
            )

    def text(self, run: str) -> None:
        """Text the parser adds to the current text node (ignored tags do not end it)."""
        self.escapes += run.count("&") + run.count("<") + run.count("\xa0")
        if self.escapes > HTML_MAX_ESCAPES_IN_A_RUN:
            raise TextTooComplex(
                f"This text has more than {HTML_MAX_ESCAPES_IN_A_RUN:,} of the characters "
                "& < and no-break space in one run of text; please split it into "
                "paragraphs."
            )

    def reopen(self) -> None:
        """Text or a start tag: the parser re-opens every active formatting element."""
        if not self.reopened:
            self.reopened = True
            self.made_check(self.orphan_count)

    def push(self, name: str, key: str = "") -> None:
        index = len(self.names)
        below = self.marks[-1] if self.marks else _NO_MARKS
        flags = _FLAGS.get(name, 0)
        if flags:
            below = (
                index if flags & _SCOPE_BIT else below[0],
                index if flags & _BUTTON_BIT else below[1],
                index if flags & _LIST_BIT else below[2],
                index if flags & _TABLE_BIT else below[3],
                index if flags & _SPECIAL_BIT else below[4],
                index if flags & _LI_BIT else below[5],
                index if flags & _DD_BIT else below[6],
            )
        self.escapes = 0
        self.marks.append(below)
        self.names.append(name)
        self.keys.append(key)
        found = self.where.get(name)
        if found is None:
            self.where[name] = [index]
        else:
            found.append(index)
        if name in _FOREIGN:
            self.foreign += 1
        self.made += 1
        if self.made > self.max_elements:
            self.made_check(0)
        if index + 1 + self.orphan_count > self.limit:
            raise _too_deep()

    def _orphan(self, name: str, key: str) -> None:
        same = self.orphans.setdefault(name, [])
        if same.count(key) < 3:  # the parser keeps at most three identical ones
            same.append(key)
            self.orphan_count += 1
            if len(self.names) + self.orphan_count > self.limit:
                raise _too_deep()

    def pop_to(self, index: int, *, closed: bool = False) -> None:
        """Pop every element from the top down to ``index`` (included); ``closed``
        when its own end tag closes the element at ``index``."""
        self.reopened = False  # re-opened formatting elements are popped too
        self.escapes = 0
        while len(self.names) > index:
            name = self.names.pop()
            key = self.keys.pop()
            self.marks.pop()
            self.where[name].pop()
            if name in _FOREIGN:
                self.foreign -= 1
            if name in _FORMATTING and not (closed and len(self.names) == index):
                self._orphan(name, key)

    def remove(self, index: int) -> None:
        """Take one element out of the middle (what the adoption agency does)."""
        rest = list(zip(self.names[index + 1:], self.keys[index + 1:], strict=True))
        del self.names[index:], self.keys[index:], self.marks[index:]
        self.where = {}
        for position, name in enumerate(self.names):
            self.where.setdefault(name, []).append(position)
        self.foreign = sum(1 for name in self.names if name in _FOREIGN)
        for name, key in rest:
            self.made -= 1  # moved, not made
            self.push(name, key)

    def topmost(self, name: str) -> int:
        found = self.where.get(name)
        return found[-1] if found else -1

    def in_scope(self, name: str, kind: int = SCOPE) -> int:
        """Index of the topmost ``name`` if it is in the given scope, else -1."""
        index = self.topmost(name)
        if index < 0 or index < self.mark(kind):
            return -1
        return index

    def drop_orphan(self, name: str) -> None:
        same = self.orphans.get(name)
        if same:
            same.pop()
            self.orphan_count -= 1


_CELLS = {"td": ("td", "th"), "th": ("td", "th"), "tr": ("tr",)}
_SECTIONS = ("tbody", "thead", "tfoot")


# Start tags that need more than a push.
_START_RULES = (
    _VOID | _IGNORED_START | _CLOSES_P | _HEADINGS | _RUBY | set(_CELLS) | set(_SECTIONS)
    | {"li", "dd", "dt", "a", "nobr", "button"}
)


def _start_tag(stack: _Stack, name: str, key: str) -> None:
    if not stack.reopened:
        stack.reopen()
    if name not in _START_RULES:
        stack.push(name, key if name in _FORMATTING else "")
        return
    if name in _VOID:
        stack.escapes = 0
        stack.made += 1
        if stack.made > stack.max_elements:
            stack.made_check()
        return
    if name in _IGNORED_START:
        return
    if name in _CLOSES_P:
        index = stack.in_scope("p", BUTTON)
        if index >= 0:
            stack.pop_to(index)
    if name == "li":
        stop = stack.mark(LI_STOP)
        if stop >= 0 and stack.names[stop] == "li":
            stack.pop_to(stop)
    elif name in ("dd", "dt"):
        stop = stack.mark(DD_STOP)
        if stop >= 0 and stack.names[stop] in ("dd", "dt"):
            stack.pop_to(stop)
    elif name in _HEADINGS and stack.top() in _HEADINGS:
        stack.pop_to(len(stack.names) - 1)
    elif name in _CELLS or name in _SECTIONS:
        index = max(stack.in_scope(other, TABLE) for other in _CELLS.get(name, _SECTIONS))
        if index >= 0:
            stack.pop_to(index)
        if name in _CELLS and stack.top() == "table":
            stack.push("tbody")  # the parser adds the row group (and row) itself
        if name in ("td", "th") and stack.top() in _SECTIONS:
            stack.push("tr")
    elif name in ("a", "nobr", "button"):
        if stack.in_scope(name) >= 0:
            _end_tag(stack, name)
    elif name in _RUBY and stack.in_scope("ruby") >= 0:
        while stack.top() in _RUBY:
            stack.pop_to(len(stack.names) - 1)
    stack.push(name, key if name in _FORMATTING else "")


def _end_tag(stack: _Stack, name: str) -> None:
    if stack.foreign:
        # Inside <svg>/<math> the rules differ; closing nothing but the root keeps the
        # estimate high. Neither has any use in a work (the sanitiser removes both).
        if name in _FOREIGN:
            index = stack.topmost(name)
            if index > stack.mark(SPECIAL):
                stack.pop_to(index)
        return
    if name == "p":
        index = stack.in_scope("p", BUTTON)
        if index < 0:  # the parser makes an empty <p> and closes it
            stack.push("p")
            index = len(stack.names) - 1
    elif name == "li":
        index = stack.in_scope("li", LIST)
    elif name in _HEADINGS:
        index = max(stack.in_scope(heading) for heading in _HEADINGS)
    elif name in _SCOPED_END:
        index = stack.in_scope(name)
    elif name in _TABLE_END:
        index = stack.in_scope(name, TABLE)
    elif name in _FORMATTING:
        index = stack.in_scope(name)
        if index < 0:
            if stack.topmost(name) < 0:
                stack.drop_orphan(name)
            return
        if stack.mark(SPECIAL) > index:
            # A block opened inside it: the parser moves the block out and keeps it.
            stack.remove(index)
            return
        stack.pop_to(index, closed=True)
        return
    elif name in _SPECIAL:
        return
    else:
        # Any other end tag closes its element only if no special element is above.
        index = stack.topmost(name)
        if index <= stack.mark(SPECIAL):
            return
    if index >= 0:
        stack.pop_to(index)


def html_depth_check(
    text: str, *, limit: int = HTML_MAX_DEPTH, max_elements: int = HTML_MAX_ELEMENTS
) -> None:
    """Raise :class:`TextTooComplex` if parsing ``text`` as HTML nests deeper than
    ``limit``, makes more than ``max_elements`` elements or holds too many characters
    the sanitiser must escape in one run of text. Linear in ``len(text)``."""
    stack = _Stack(limit, max_elements)
    search = _MARKUP_RE.search
    position = 0
    while (match := search(text, position)) is not None:
        if match.start() > position:
            stack.text(text[position:match.start()])
            if not stack.reopened:
                stack.reopen()
        position = match.end()
        comment, bogus, end, name, rest = match.groups()
        if name is None:
            stack.escapes = 0  # a comment node ends the text node
            if bogus is not None:
                close = text.find(">", position)
                if close < 0:
                    return
                position = close + 1
            elif comment is None:
                return  # the rest of the text is a comment
            continue
        if rest is None:
            return  # a tag left open at the end: the parser drops it and stops
        if len(rest) > HTML_MAX_ESCAPES_IN_A_RUN and (
            rest.count("&") + rest.count("\xa0") > HTML_MAX_ESCAPES_IN_A_RUN
        ):
            raise TextTooComplex(
                f"This text has a tag whose attributes hold more than "
                f"{HTML_MAX_ESCAPES_IN_A_RUN:,} of the characters & and no-break space."
            )
        name = name.lower()
        if end:
            _end_tag(stack, name)
        elif name == "plaintext" and not stack.foreign:
            stack.escapes = 0
            stack.text(text[position:])
            return  # everything after is text
        elif name in _RAW_TEXT and not stack.foreign:
            stack.reopen()
            found = re.compile(rf"</{re.escape(name)}[\t\n\f />]", re.IGNORECASE).search(
                text, position
            )
            stack.escapes = 0
            stack.text(text[position:found.start() if found else len(text)])
            if found is None:
                return
            position = found.start()
        else:
            _start_tag(stack, name, rest)
    stack.text(text[position:])


# --------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------

# The container markers that may open a line: block quote ">" and list items.
_THEMATIC_BREAK_RE = re.compile(r"[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")
_CONTAINER_RE = re.compile(r"[ \t]{0,3}(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]?")
_DEEP_MARKDOWN = (
    "This Markdown nests block quotes and lists too deeply: at most "
    f"{MARKDOWN_MAX_DEPTH} levels are allowed."
)


_MANY_MARKDOWN_ELEMENTS = (
    "This Markdown would make too many HTML elements: at most "
    f"{HTML_MAX_ELEMENTS:,} lines and table cells are allowed."
)


def markdown_check(text: str) -> None:
    """Raise :class:`TextTooComplex` if Markdown ``text`` nests block quotes and lists
    deeper than :data:`MARKDOWN_MAX_DEPTH`, or has so many lines and table cells that
    it could render to more than :data:`HTML_MAX_ELEMENTS` elements (each line may
    become a heading, list item or table row; each ``|`` a cell). Linear in the length
    of ``text``; a refusal here costs nothing, where rendering first would take seconds."""
    lines = text.split("\n")
    if len(lines) - lines.count("") + text.count("|") > HTML_MAX_ELEMENTS:
        raise TextTooComplex(_MANY_MARKDOWN_ELEMENTS)
    for line in lines:
        if _THEMATIC_BREAK_RE.fullmatch(line):  # "* * *": a scene break, not a list
            continue
        depth = 0
        position = 0
        while match := _CONTAINER_RE.match(line, position):
            depth += 1
            position = match.end()
            if depth > MARKDOWN_MAX_DEPTH:
                raise TextTooComplex(_DEEP_MARKDOWN)
        # A list also nests by indentation: every two spaces may open a level.
        rest = line[position:]
        marker = rest.lstrip(" \t")
        if depth + (len(rest) - len(marker)) // 2 > MARKDOWN_MAX_DEPTH and (
            _CONTAINER_RE.match(marker)
        ):
            raise TextTooComplex(_DEEP_MARKDOWN)
