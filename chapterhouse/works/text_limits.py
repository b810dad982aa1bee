"""Cheap checks that run on user text *before* any parser sees it.

The sanitiser (``nh3``/``html5ever``) and ``markdown-it-py`` are fast on ordinary text,
but some shapes of input make them slow: ``html5ever`` walks its stack of open
elements for every block tag, so ``<div>`` nested 20,000 deep takes seconds and
125,000 deep takes minutes. A writer never needs anything like that, so
:func:`text_limits_check` refuses such text first, in time linear in its length.

* :func:`html_depth_check` follows the HTML tokenizer (tags, attribute quoting,
  comments, raw-text elements) and a simplified tree builder (implied end tags,
  scopes, end tags that are ignored, formatting elements that the parser
  re-opens) to estimate how deep the parser's stack of open elements gets. Where
  the estimate cannot be exact it errs high: a tag it is unsure of counts as open.
* :func:`markdown_check` bounds what makes Markdown slow: container nesting
  (block quotes and lists), and runs of emphasis and bracket characters.

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

#: How deeply Markdown block quotes and lists may nest. ``markdown-it`` itself stops
#: nesting at 20 and drops what is deeper, so deeper text is refused rather than cut.
MARKDOWN_MAX_DEPTH = 20

#: How much inline markup Markdown may hold. ``markdown-it-py`` is quick on words but
#: spends about 0.1 ms on each emphasis or link character (``* _ ~ [ ]``) and a fifth of
#: that on each ``<`` and ``&``, so these are counted: 5 units for the first kind, 1 for
#: the second, so at most 10,000 emphasis or link characters.
MARKDOWN_MAX_MARKUP = 50_000


class TextTooComplex(ValidationError):
    """The text is too long or too deeply nested for the pipeline to convert."""


def length_check(text: str) -> None:
    if len(text) > TEXT_MAX_LENGTH:
        raise TextTooComplex(
            f"This text is too long to convert: the limit is {TEXT_MAX_LENGTH:,} characters."
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

# What follows "<": a comment, a bogus comment, or a start/end tag name.
_MARKUP_RE = re.compile(r"<(?:(!--)|([!?])|/(?![A-Za-z])|(/?)([A-Za-z][^\t\n\f />]*))")
# The rest of a tag after its name, as the HTML tokenizer reads it (attribute names may
# hold quotes; values are double-, single- or un-quoted). Possessive, so it never
# backtracks; no match means the tag runs to the end of the text.
_TAG_REST_RE = re.compile(
    r"(?:[\t\n\f /]++"
    r"|[^\t\n\f />][^\t\n\f />=]*+"
    r"(?>[\t\n\f ]*+=[\t\n\f ]*+(?>\"[^\"]*+\"|'[^']*+'|[^\t\n\f >\"'][^\t\n\f >]*+)?+)?+"
    r")*+>"
)
_COMMENT_END_RE = re.compile(r"--!?>")


class _Stack:
    """A model of html5ever's stack of open elements, with O(1) scope questions.

    For each open element it keeps the index of the nearest element at or below it
    that bounds each kind of scope, so "is a <p> in button scope?" is one comparison.
    Formatting elements closed by something else stay "active" (the parser re-opens
    them later), so they count towards the depth until their own end tag comes.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.names: list[str] = []
        self.keys: list[str] = []
        # Per element: nearest scope / button / list / table boundary, nearest special
        # element, nearest stopper for an <li> and for a <dd>/<dt>.
        self.marks: list[tuple[int, int, int, int, int, int, int]] = []
        self.where: dict[str, list[int]] = {}
        self.orphans: dict[str, list[str]] = {}
        self.orphan_count = 0
        self.foreign = 0

    def depth(self) -> int:
        return len(self.names) + self.orphan_count

    def top(self) -> str:
        return self.names[-1] if self.names else ""

    def push(self, name: str, key: str = "") -> None:
        i = len(self.names)
        below = self.marks[-1] if self.marks else (-1,) * 7
        special = name in _SPECIAL
        self.marks.append((
            i if name in _SCOPE else below[0],
            i if name in _BUTTON_SCOPE else below[1],
            i if name in _LIST_SCOPE else below[2],
            i if name in _TABLE_SCOPE else below[3],
            i if special else below[4],
            i if name == "li" or (special and name not in ("address", "div", "p"))
            else below[5],
            i if name in ("dd", "dt") or (special and name not in ("address", "div", "p"))
            else below[6],
        ))
        self.names.append(name)
        self.keys.append(key)
        self.where.setdefault(name, []).append(i)
        if name in _FOREIGN:
            self.foreign += 1
        if self.depth() > self.limit:
            raise _too_deep()

    def _orphan(self, name: str, key: str) -> None:
        same = self.orphans.setdefault(name, [])
        if same.count(key) < 3:  # the parser keeps at most three identical ones
            same.append(key)
            self.orphan_count += 1
            if self.depth() > self.limit:
                raise _too_deep()

    def pop_to(self, index: int, *, closed: str = "") -> None:
        """Pop every element from the top down to ``index`` (included)."""
        while len(self.names) > index:
            name = self.names.pop()
            key = self.keys.pop()
            self.marks.pop()
            self.where[name].pop()
            if name in _FOREIGN:
                self.foreign -= 1
            if name in _FORMATTING and not (name == closed and len(self.names) == index):
                self._orphan(name, key)

    def remove(self, index: int) -> None:
        """Take one element out of the middle (what the adoption agency does)."""
        rest = list(zip(self.names[index + 1:], self.keys[index + 1:], strict=True))
        self.pop_to(index, closed=self.names[index])
        # pop_to made orphans of the formatting elements above; they stay open instead.
        for name, key in rest:
            if name in _FORMATTING and key in self.orphans.get(name, ()):
                self.orphans[name].remove(key)
                self.orphan_count -= 1
            self.push(name, key)

    def topmost(self, name: str) -> int:
        found = self.where.get(name)
        return found[-1] if found else -1

    def in_scope(self, name: str, kind: int = 0) -> int:
        """Index of the topmost ``name`` if it is in the given scope, else -1."""
        index = self.topmost(name)
        if index < 0 or not self.marks or index < self.marks[-1][kind]:
            return -1
        return index

    def drop_orphan(self, name: str) -> bool:
        same = self.orphans.get(name)
        if not same:
            return False
        same.pop()
        self.orphan_count -= 1
        return True


def _start_tag(stack: _Stack, name: str, key: str) -> None:
    if name in _VOID or name in _IGNORED_START:
        return
    if name in _CLOSES_P:
        index = stack.in_scope("p", 1)
        if index >= 0:
            stack.pop_to(index)
    if name == "li" or name in ("dd", "dt"):
        stop = stack.marks[-1][5 if name == "li" else 6] if stack.marks else -1
        if stop >= 0 and stack.names[stop] in ("li",) + (("dd", "dt") if name != "li" else ()):
            stack.pop_to(stop)
    elif name in _HEADINGS and stack.top() in _HEADINGS:
        stack.pop_to(len(stack.names) - 1)
    elif name in ("td", "th", "tr", "tbody", "thead", "tfoot"):
        group = {"td": ("td", "th"), "th": ("td", "th"), "tr": ("tr",)}.get(
            name, ("tbody", "thead", "tfoot")
        )
        index = max(stack.in_scope(other, 3) for other in group)
        if index >= 0:
            stack.pop_to(index)
        if name in ("td", "th", "tr") and stack.top() == "table":
            stack.push("tbody")  # the parser adds the row group (and row) itself
        if name in ("td", "th") and stack.top() in ("tbody", "thead", "tfoot"):
            stack.push("tr")
    elif name in ("a", "nobr", "button"):
        index = stack.in_scope(name)
        if index >= 0:
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
            if index > stack.marks[-1][4]:
                stack.pop_to(index)
        return
    if name == "p":
        index = stack.in_scope("p", 1)
        if index < 0:  # the parser makes an empty <p> and closes it
            stack.push("p")
            index = len(stack.names) - 1
    elif name == "li":
        index = stack.in_scope("li", 2)
    elif name in _HEADINGS:
        index = max(stack.in_scope(heading) for heading in _HEADINGS)
    elif name in _SCOPED_END:
        index = stack.in_scope(name)
    elif name in _TABLE_END:
        index = stack.in_scope(name, 3)
    elif name in _FORMATTING:
        index = stack.in_scope(name)
        if index < 0:
            if stack.topmost(name) < 0:
                stack.drop_orphan(name)
            return
        if stack.marks[-1][4] > index:
            # A block opened inside it: the parser moves the block out and keeps it.
            stack.remove(index)
            return
        stack.pop_to(index, closed=name)
        return
    elif name in _SPECIAL:
        return
    else:
        # Any other end tag closes its element only if no special element is above.
        index = stack.topmost(name)
        if index <= stack.marks[-1][4] if stack.marks else True:
            return
    if index >= 0:
        stack.pop_to(index)


def html_depth_check(text: str, *, limit: int = HTML_MAX_DEPTH) -> None:
    """Raise :class:`TextTooComplex` if parsing ``text`` as HTML nests deeper than
    ``limit``. Runs in time linear in ``len(text)``."""
    stack = _Stack(limit)
    end = len(text)
    position = text.find("<")
    while 0 <= position < end:
        match = _MARKUP_RE.match(text, position)
        if match is None:
            position = text.find("<", position + 1)
            continue
        comment, bogus, closing, name = match.groups()
        after = match.end()
        if comment:
            if text.startswith(">", after) or text.startswith("->", after):
                position = text.find("<", after)
                continue
            found = _COMMENT_END_RE.search(text, after)
            if found is None:
                return  # the rest of the text is a comment
            position = text.find("<", found.end())
            continue
        if name is None:  # <!…>, <?…> or </…> that is no end tag: a bogus comment
            if text.startswith("</>", position):
                position = text.find("<", position + 3)
                continue
            close = text.find(">", after)
            if close < 0:
                return
            position = text.find("<", close + 1)
            continue
        rest = _TAG_REST_RE.match(text, after)
        if rest is None:
            return  # a tag left open at the end: the parser drops it and stops
        name = name.lower()
        position = rest.end()
        if closing:
            _end_tag(stack, name)
        elif name == "plaintext" and not stack.foreign:
            return  # everything after is text
        elif name in _RAW_TEXT and not stack.foreign:
            found = re.compile(rf"</{re.escape(name)}[\t\n\f />]", re.IGNORECASE).search(
                text, position
            )
            if found is None:
                return
            position = found.start()
            continue
        else:
            _start_tag(stack, name, text[after:position])
        position = text.find("<", position)


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


def markdown_check(text: str) -> None:
    """Raise :class:`TextTooComplex` if Markdown ``text`` nests block quotes and lists
    deeper than :data:`MARKDOWN_MAX_DEPTH`, or holds more inline markup than
    :data:`MARKDOWN_MAX_MARKUP` allows. Linear in the length of ``text``."""
    markup = 5 * sum(text.count(char) for char in "*_~[]") + text.count("<") + text.count("&")
    if markup > MARKDOWN_MAX_MARKUP:
        raise TextTooComplex(
            "This Markdown has too much inline markup to convert: at most "
            f"{MARKDOWN_MAX_MARKUP // 5:,} emphasis or link characters (* _ ~ [ ]) are "
            "allowed, and each HTML tag or entity (< &) counts a fifth of one. Plain "
            "text or HTML has no such limit."
        )
    for line in text.split("\n"):
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
