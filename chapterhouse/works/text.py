"""The text pipeline: every piece of user-supplied text in the archive goes through here.

Writers submit text in one of three formats (:class:`TextFormat`): rich text (HTML),
Markdown or plain text. Whatever the format, the result is *sanitised HTML*: a
well-formed HTML fragment that contains only the elements and attributes on the
archive's allowlist, which mirrors the one Archive of Our Own (AO3) uses so that work
markup moves between the two archives unchanged.

The pipeline is::

    plain text --escape, paragraphs--------\\
    Markdown  --cmark-gfm------------------ > sanitize_html() --> stored / rendered HTML
    HTML      --paragraphs (if needed)-----/

* :func:`sanitize_html` is the single gate. It uses ``nh3`` (Python bindings for the
  Rust ``ammonia`` sanitiser, which parses with ``html5ever`` exactly as a browser
  would), so broken nesting is repaired and the output is always well-formed.
* :func:`render_user_text` dispatches on the writer's chosen format; forms and
  services should call it rather than the per-format helpers.
* :func:`strip_html` turns sanitised HTML into visible plain text (feeds, search,
  summaries) and :func:`word_count` counts words the way AO3 does.

All functions are pure: no database, no settings, no I/O. Sanitising is idempotent,
so running stored HTML through the pipeline again is always safe.

See ``docs/text-pipeline.md`` for the allowlist and the word-count rules.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import cache
from html.parser import HTMLParser

import nh3
from cmarkgfm import cmark
from cmarkgfm.cmark import Options
from django.db import models

from .text_limits import (
    HTML_MAX_DEPTH,
    MARKDOWN_MAX_DEPTH,
    RENDERED_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TextTooComplex,
    html_depth_check,
    length_check,
    markdown_check,
)

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "HTML_MAX_DEPTH",
    "MARKDOWN_MAX_DEPTH",
    "REMOVED_WITH_CONTENT",
    "TEXT_MAX_LENGTH",
    "TextFormat",
    "TextTooComplex",
    "sanitize_stored_html",
    "text_check",
    "html_to_html",
    "markdown_to_html",
    "plain_text_to_html",
    "render_ahead",
    "render_user_text",
    "texts_ahead",
    "texts_memo",
    "sanitize_html",
    "strip_html",
    "word_count",
]


class TextFormat(models.TextChoices):
    """The formats a writer may choose for a text field."""

    HTML = "html", "Rich text (HTML)"
    MARKDOWN = "markdown", "Markdown"
    PLAIN = "plain", "Plain text"


# --------------------------------------------------------------------------------------
# The allowlist (AO3's, as of its current sanitiser configuration)
# --------------------------------------------------------------------------------------

#: Elements kept in sanitised output. Anything else is unwrapped (its text is kept).
ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "acronym", "address", "b", "big", "blockquote", "br",
        "caption", "center", "cite", "code", "col", "colgroup", "dd", "del",
        "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
        "li", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small",
        "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var",
    }
)  # fmt: skip

#: Attributes allowed on every allowed element. ``class`` is further filtered token by
#: token (see :func:`_filter_classes`).
GLOBAL_ATTRIBUTES: frozenset[str] = frozenset({"align", "class", "dir", "lang", "title"})

#: Attributes allowed per element, in addition to :data:`GLOBAL_ATTRIBUTES`.
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": GLOBAL_ATTRIBUTES,
    "a": frozenset({"href", "name"}),
    "blockquote": frozenset({"cite"}),
    "col": frozenset({"span", "width"}),
    "colgroup": frozenset({"span", "width"}),
    "details": frozenset({"open"}),
    "hr": frozenset({"width"}),
    "img": frozenset({"alt", "border", "height", "src", "width"}),
    "ol": frozenset({"start", "type"}),
    "q": frozenset({"cite"}),
    "table": frozenset({"border", "summary", "width"}),
    "td": frozenset({"abbr", "axis", "colspan", "height", "rowspan", "width"}),
    "th": frozenset({"abbr", "axis", "colspan", "height", "rowspan", "scope", "width"}),
    "ul": frozenset({"type"}),
}

#: URL schemes allowed in ``href``, ``src`` and ``cite``. Relative URLs are also allowed.
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})

#: Elements removed together with everything inside them.
REMOVED_WITH_CONTENT: frozenset[str] = frozenset(
    {
        "embed", "iframe", "math", "noembed", "noframes", "noscript", "object",
        "plaintext", "script", "select", "style", "svg", "template", "textarea",
        "title", "xmp",
    }
)  # fmt: skip

#: The ``rel`` value put on every link (user-supplied ``rel`` is discarded).
LINK_REL = "nofollow"

_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
# AO3's rule for user class names: a letter, then at least one word character or dash.
_CLASS_NAME_RE = re.compile(r"[a-zA-Z][\w-]+", re.ASCII)
# Browsers delete ASCII tab and newline anywhere in a URL, and trim C0 controls/space.
_URL_IGNORED_RE = re.compile(r"[\t\n\r]")
_URL_TRIM = "".join(chr(c) for c in range(0x21))
_URL_SCHEME_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_NEWLINE_RE = re.compile(r"\r\n?")


def _filter_classes(value: str) -> str | None:
    """Keep only class names matching AO3's rule; ``None`` drops the attribute."""
    kept = [name for name in value.split() if _CLASS_NAME_RE.fullmatch(name)]
    return " ".join(kept) or None


def _is_safe_url(value: str) -> bool:
    """True if *value* is relative or uses an allowed scheme.

    ``ammonia`` already checks ``href`` and ``src``; this second check also covers
    ``cite`` (which ammonia does not treat as a URL) and normalises the value the way a
    browser would, so ``java<TAB>script:`` and ``  JaVaScRiPt:`` are both caught. Entity
    tricks such as ``&#106;avascript:`` are decoded by the HTML parser before we see them.
    """
    normalised = _URL_IGNORED_RE.sub("", value).strip(_URL_TRIM)
    scheme = _URL_SCHEME_RE.match(normalised)
    return scheme is None or scheme.group(1).lower() in ALLOWED_URL_SCHEMES


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    """nh3 callback run on every attribute that survived the allowlist."""
    if attribute == "class":
        return _filter_classes(value)
    if attribute in _URL_ATTRIBUTES and not _is_safe_url(value):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(REMOVED_WITH_CONTENT),
    attributes={element: set(names) for element, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_attribute_filter,
    strip_comments=True,
    link_rel=LINK_REL,
    url_schemes=set(ALLOWED_URL_SCHEMES),
)


def _normalise_input(text: str | None) -> str:
    """Make arbitrary input safe to hand to the parsers.

    ``None`` becomes ``""``, Windows/old-Mac line endings become ``\\n`` and lone UTF-16
    surrogates (which cannot be encoded as UTF-8 and would make nh3 raise) become
    U+FFFD.
    """
    if not text:
        return ""
    text = _NEWLINE_RE.sub("\n", str(text))
    return _SURROGATE_RE.sub("\ufffd", text)


def sanitize_html(html: str | None, *, max_length: int = TEXT_MAX_LENGTH) -> str:
    """Sanitise an HTML fragment to the archive's allowlist.

    Disallowed elements are unwrapped (their text stays), elements in
    :data:`REMOVED_WITH_CONTENT` disappear with their contents, comments are
    dropped, disallowed attributes and unsafe URLs are removed, ``class`` keeps only
    valid class names, and every link gets ``rel="nofollow"``. The output is
    well-formed, HTML5-serialised (``<br>``, not ``<br />``) and stripped of leading and
    trailing whitespace. ``sanitize_html(sanitize_html(x)) == sanitize_html(x)``.
    """
    return _memoised(("sanitize",), lambda text: _sanitize(text, max_length), html)


def _sanitize(html: str | None, max_length: int) -> str:
    text = _normalise_input(html)
    if not text.strip():
        return ""
    length_check(text, max_length)
    html_depth_check(text)
    return _clean(text)


def _clean(text: str) -> str:
    """Sanitise text that has passed the checks (or that the pipeline made itself)."""
    return _CLEANER.clean(text).strip()


def text_check(text: str | None, *, text_format: str = "html") -> None:
    """Raise :class:`TextTooComplex` if *text* is too long or too deeply nested to
    convert. Linear in the length of *text*; every converter calls it first, so services
    may call it early to refuse bad text before they open a transaction."""
    text = _normalise_input(text)
    length_check(text)
    if TextFormat(text_format) == TextFormat.MARKDOWN:
        markdown_check(text)
    # In Markdown, raw HTML passes through; plain text is escaped and cannot nest, but
    # counting its "<" costs nothing and keeps one rule.
    if TextFormat(text_format) != TextFormat.PLAIN:
        html_depth_check(text)


# --------------------------------------------------------------------------------------
# Format converters
# --------------------------------------------------------------------------------------

_BLANK_LINES_RE = re.compile(r"\n\s*\n")


def plain_text_to_html(text: str | None) -> str:
    """Convert plain text to sanitised HTML.

    The text is HTML-escaped (so ``<script>`` shows up literally), blank lines separate
    paragraphs (``<p>``) and single newlines become line breaks (``<br>``).
    """
    text = _normalise_input(text).strip()
    length_check(text)
    # Checked as HTML too: a paragraph of 500,000 "&" is as slow to sanitise as typed.
    return sanitize_html(_escaped_paragraphs(text), max_length=RENDERED_MAX_LENGTH)


def _escaped_paragraphs(text: str) -> str:
    """Plain text as escaped ``<p>`` paragraphs, blank lines between them."""
    paragraphs = []
    for block in _BLANK_LINES_RE.split(text):
        lines = [html_lib.escape(line.strip(), quote=False) for line in block.split("\n")]
        if any(lines):
            paragraphs.append("<p>" + "<br />\n".join(lines) + "</p>")
    return "\n".join(paragraphs)


def sanitize_stored_html(html: str | None) -> str:
    """Sanitise HTML read back from the database, for a page, feed or download.

    Text saved since the pipeline's limits came in always passes them. Text saved
    before them (or written by something other than the pipeline) may not; rather than
    fail the page, it is shown as its visible text in plain paragraphs."""
    try:
        return sanitize_html(html)
    except TextTooComplex:
        return _escaped_paragraphs(strip_html(html).strip())


#: cmark-gfm options: raw HTML is kept (the sanitiser deals with it), and only ``~~``
#: (not a single ``~``) strikes through, as in the CommonMark strikethrough extension.
_CMARK_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE
_CMARK_EXTENSIONS = ["table", "strikethrough"]


def markdown_to_html(text: str | None) -> str:
    """Render Markdown (CommonMark + tables + strikethrough) to sanitised HTML.

    The renderer is ``cmark-gfm`` (GitHub's C implementation), which works in time
    linear in the text. Raw HTML inside the Markdown is allowed and goes through
    :func:`sanitize_html` like everything else. As in CommonMark, a single newline is a
    soft break (a space); use a blank line for a new paragraph, or end a line with two
    spaces or ``\\`` for ``<br>``.
    """
    text = _normalise_input(text)
    if not text.strip():
        return ""
    text_check(text, text_format=TextFormat.MARKDOWN)
    rendered = cmark.markdown_to_html_with_extensions(
        text, options=_CMARK_OPTIONS, extensions=_CMARK_EXTENSIONS
    )
    # Rendering makes the text longer (markup, a link reused by reference) and its raw
    # HTML nests like any other HTML, so the result is checked again.
    return sanitize_html(rendered, max_length=RENDERED_MAX_LENGTH)


#: Block-level elements on the allowlist. Their presence means the writer laid out the
#: text with HTML themselves, so :func:`html_to_html` leaves newlines alone.
BLOCK_TAGS: frozenset[str] = frozenset(
    {
        "address", "blockquote", "caption", "center", "col", "colgroup", "dd",
        "details", "div", "dl", "dt", "figcaption", "figure", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "summary", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip

_BLOCK_TAG_RE = re.compile(rf"<(?:{'|'.join(sorted(BLOCK_TAGS))})[\s/>]")
# A tag in nh3's output: attribute values are always double-quoted and contain no '"'.
_TAG_RE = re.compile(r'(<[^>"]*(?:"[^"]*"[^>"]*)*>)')
_EMPTY_PARAGRAPH_RE = re.compile(r"<p>\s*</p>")


def _add_paragraphs(clean_html: str) -> str:
    """Wrap sanitised, block-free HTML into paragraphs.

    Only text between tags is touched: a run of blank lines closes one paragraph and
    opens the next, any other newline becomes ``<br />``. Paragraph breaks that fall
    inside an inline element (``<em>a\\n\\nb</em>``) are repaired by the sanitiser's
    parser into ``<p><em>a</em></p><p><em>b</em></p>``.
    """
    pieces = []
    for index, piece in enumerate(_TAG_RE.split(clean_html)):
        if index % 2 == 0:  # text between tags
            piece = _BLANK_LINES_RE.sub("</p><p>", piece).replace("\n", "<br />")
        pieces.append(piece)
    return "<p>" + "".join(pieces) + "</p>"


def html_to_html(text: str | None) -> str:
    """Sanitise HTML typed into the rich-text field, adding paragraphs if it has none.

    Writers often paste plain text into the HTML field. AO3 then makes the paragraphs
    for them, and so do we, in a deliberately simple way: if the sanitised HTML contains
    *no block-level element at all* (no ``<p>``, ``<div>``, ``<blockquote>``, list,
    table, heading, ``<hr>`` …) but does contain a newline, blank lines become paragraph
    breaks and single newlines become ``<br>``. HTML that uses any block element is
    taken to be laid out already and is only sanitised.
    """
    cleaned = sanitize_html(text)
    if "\n" not in cleaned or _BLOCK_TAG_RE.search(cleaned):
        return cleaned
    return _EMPTY_PARAGRAPH_RE.sub("", _clean(_add_paragraphs(cleaned))).strip()


_CONVERTERS = {
    TextFormat.HTML: html_to_html,
    TextFormat.MARKDOWN: markdown_to_html,
    TextFormat.PLAIN: plain_text_to_html,
}


def render_user_text(text: str | None, *, text_format: str) -> str:
    """Convert *text* written in *text_format* to sanitised HTML.

    *text_format* is a :class:`TextFormat` member or its value (``"html"``,
    ``"markdown"``, ``"plain"``); anything else raises :class:`ValueError`.
    """
    try:
        text_format = TextFormat(text_format)
        converter = _CONVERTERS[text_format]
    except ValueError:
        raise ValueError(f"Unknown text format: {text_format!r}") from None
    return _memoised(("render", text_format.value), converter, text)


# Results computed ahead of time, while a texts_ahead() block is open.
_AHEAD: ContextVar[dict | None] = ContextVar("texts_ahead", default=None)


def _memoised(kind: tuple, function, text):
    """``function(text)``, remembered in the open :func:`texts_ahead` block, if any."""
    memo = _AHEAD.get()
    if memo is None:
        return function(text)
    key = (kind, text or "")
    if key not in memo:
        memo[key] = function(text)
    return memo[key]


def render_ahead(memo: dict, texts) -> dict:
    """Render ``(text, text_format)`` pairs into ``memo`` now, with their visible text
    and word counts; see :func:`texts_ahead`. Texts the pipeline refuses are left out
    (rendering them again raises the error where it can be reported)."""
    with texts_ahead(memo):
        for text, text_format in texts:
            with suppress(TextTooComplex):
                html = render_user_text(text, text_format=text_format)
                memo[(("sanitize",), html)] = html  # sanitising is idempotent
                word_count(html)
    return memo


def texts_memo() -> dict:
    """The memo of the open :func:`texts_ahead` block, or a new one when none is open
    (so a service called inside another's block reuses the outer work)."""
    memo = _AHEAD.get()
    return {} if memo is None else memo


@contextmanager
def texts_ahead(memo: dict):
    """Inside the block, the pipeline remembers what it computes in ``memo`` and
    answers from it when asked again. A service renders its texts with
    :func:`render_ahead` before its transaction opens, then opens the transaction inside
    ``texts_ahead(memo)``: the same calls made in the transaction cost nothing."""
    token = _AHEAD.set(memo)
    try:
        yield memo
    finally:
        _AHEAD.reset(token)


# --------------------------------------------------------------------------------------
# Visible text and word counts
# --------------------------------------------------------------------------------------

# Elements whose boundaries start a new paragraph / a new line / a new word in the
# visible text. Other (inline) elements do not separate words: "<i>dis</i>like" is one.
_PARAGRAPH_BREAK_TAGS = frozenset(
    {
        "address", "blockquote", "center", "details", "div", "dl", "figure",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol", "p", "pre", "table", "ul",
    }
)  # fmt: skip
_LINE_BREAK_TAGS = frozenset({"caption", "dd", "dt", "figcaption", "li", "summary", "tr"})
_SPACE_TAGS = frozenset({"img", "td", "th"})
_NO_BREAK, _SPACE, _LINE_BREAK, _PARAGRAPH_BREAK = range(4)
_SEPARATORS = {_SPACE: " ", _LINE_BREAK: "\n", _PARAGRAPH_BREAK: "\n\n"}
_HTML_WHITESPACE_RE = re.compile(r"[ \t\n\r\f]+")


def _break_after(tag: str) -> int:
    """How strongly the start or end of *tag* separates the text around it."""
    if tag in _PARAGRAPH_BREAK_TAGS:
        return _PARAGRAPH_BREAK
    if tag in _LINE_BREAK_TAGS:
        return _LINE_BREAK
    if tag in _SPACE_TAGS:
        return _SPACE
    return _NO_BREAK


class _TextExtractor(HTMLParser):
    """Collects the visible text of a sanitised fragment, decoding entities.

    Adjacent element boundaries merge into the strongest one (``</li><li>`` is one line
    break, ``</p><p>`` one blank line); each ``<br>`` is a line break of its own.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._pending = _NO_BREAK
        self._pre_depth = 0

    def _emit(self, text: str) -> None:
        if self._pending and self.parts:
            self.parts.append(_SEPARATORS[self._pending])
        self._pending = _NO_BREAK
        self.parts.append(text)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "br":
            self._emit("\n")
            return
        self._pending = max(self._pending, _break_after(tag))
        if tag == "pre":
            self._pre_depth += 1

    def handle_endtag(self, tag: str) -> None:
        self._pending = max(self._pending, _break_after(tag))
        if tag == "pre" and self._pre_depth:
            self._pre_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._pre_depth:
            data = _HTML_WHITESPACE_RE.sub(" ", data)
            if data == " ":  # whitespace between elements: at most a space
                self._pending = max(self._pending, _SPACE)
                return
        if data:
            self._emit(data)

    def text(self) -> str:
        """The collected text, each line trimmed and its runs of spaces collapsed."""
        lines = (" ".join(line.split()) for line in "".join(self.parts).split("\n"))
        return "\n".join(lines).strip()


def strip_html(html: str | None) -> str:
    """Return the visible text of *html* (sanitised first) as plain text.

    Entities are decoded; block elements and ``<br>`` become line breaks (paragraphs are
    separated by a blank line); runs of spaces collapse; ``alt`` text is not included.
    The result is plain text, **not** HTML: escape it before putting it in a page.
    """
    return _memoised(("strip",), _strip_html, html)


def _strip_html(html: str | None) -> str:
    try:
        clean = sanitize_html(html)
    except TextTooComplex:
        # Stored text saved before the pipeline's limits: its visible text is read by
        # the tokenizer alone, which is linear (building the tree is what costs). It
        # was sanitised when it was saved, so it holds no script to leak as text.
        clean = _normalise_input(html)[:RENDERED_MAX_LENGTH]
    if not clean:
        return ""
    extractor = _TextExtractor()
    extractor.feed(clean)
    extractor.close()
    return extractor.text()


# Scripts written without spaces between words, where every character counts as one
# word (AO3's CHARACTER_COUNT_SCRIPTS). Ranges follow the Unicode Script property for the
# letters; punctuation that merely lives in these blocks (。、・) is not counted.
_CHARACTER_COUNT_RANGES = (
    # Han: radicals, iteration/number marks, CJK Unified Ideographs (+ Ext. A–I),
    # CJK Compatibility Ideographs (+ Supplement).
    "\u2e80-\u2e99\u2e9b-\u2ef3\u2f00-\u2fd5\u3005\u3007\u3021-\u3029\u3038-\u303b"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufa6d\ufa70-\ufad9"
    "\U00020000-\U0002fa1f\U00030000-\U000323af"
    # Hiragana (incl. ゝゞゟ and historic kana).
    "\u3041-\u3096\u309d-\u309f\U0001b001-\U0001b11f\U0001b150-\U0001b152"
    # Katakana (incl. the ー length mark), phonetic extensions, halfwidth forms.
    "\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f"
    "\U0001b000\U0001b120-\U0001b122\U0001b164-\U0001b167"
    # Thai letters, vowel signs, tone marks and digits.
    "\u0e01-\u0e3a\u0e40-\u0e5b"
)
_CHARACTER_COUNT_RE = re.compile(f"[{_CHARACTER_COUNT_RANGES}]")

# Characters that join the pieces of a word ("don't", "well-known", soft hyphens and
# zero-width (non-)joiners) are deleted before counting, as AO3 does.
_WORD_JOINERS_RE = re.compile("['\u2018\u2019\u201b\uff07\\-\u2010\u2011\u00ad\u200c\u200d]")
# A double hyphen is a dash and separates words ("one--two" is two words).
_DOUBLE_HYPHEN = "--"
# Digit groups stay one number: "1,000" and "3.14" are one word each.
_DIGIT_GROUP_RE = re.compile(r"(?<=\d)[.,](?=\d)")


@cache
def _marks_table() -> dict[int, None]:
    """A ``str.translate`` table that deletes combining marks (built lazily, once).

    Python's ``\\w`` does not include marks, so "हिन्दी" would split at its vowel signs.
    A mark always belongs to the letter before it, so deleting marks joins the word.
    Marks inside the character-count scripts (Thai vowel signs) are kept: AO3 counts
    them as characters. Marks only exist in planes 0, 1 and 14.
    """
    table: dict[int, None] = {}
    for plane in (range(0x20000), range(0xE0000, 0xE1000)):
        for codepoint in plane:
            char = chr(codepoint)
            if unicodedata.category(char).startswith("M") and not _CHARACTER_COUNT_RE.match(char):
                table[codepoint] = None
    return table


# One counted character, or one run of word characters (letters, digits, "_") that
# contains at least one letter or digit, so "_____" scene breaks are not words.
_WORD_RE = re.compile(
    rf"[{_CHARACTER_COUNT_RANGES}]"
    rf"|_*[^\W_{_CHARACTER_COUNT_RANGES}][^\W{_CHARACTER_COUNT_RANGES}]*"
)


def _count_words(text: str) -> int:
    """Count words in plain text (see :func:`word_count` for the rules)."""
    text = unicodedata.normalize("NFC", text).replace(_DOUBLE_HYPHEN, " ")
    text = text.translate(_marks_table())
    text = _WORD_JOINERS_RE.sub("", _DIGIT_GROUP_RE.sub("", text))
    return sum(1 for _ in _WORD_RE.finditer(text))


def word_count(text: str | None, *, is_html: bool = True) -> int:
    """Count the words in *text* following AO3's rules.

    * HTML (the default) is sanitised and reduced to its visible text first
      (:func:`strip_html`): tags are not words, entities are decoded, and only block
      elements, ``<br>``, table cells, images and ruby annotations separate words.
    * Every Han, Hiragana, Katakana and Thai character is one word.
    * Everything else counts by runs of letters, digits and combining marks. Apostrophes
      and hyphens join ("don't", "well-known" = 1 word), but ``--`` separates; other
      punctuation separates ("one/two" = 2); lone punctuation (``***``, ``~~~``) is not
      a word; digit groups stay together ("1,000" = 1).

    So ``word_count("Hello 世界")`` is 3.
    """
    if not text:
        return 0
    if is_html:
        return _memoised(("words",), lambda html: _count_words(strip_html(html)), text)
    return _count_words(_normalise_input(text))


#: Characters XML 1.0 cannot hold (C0 controls but tab, newline and return;
#: unpaired surrogates; U+FFFE and U+FFFF). Old imports carry such bytes.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value) -> str:
    """``value`` as text that any XML document (feeds, EPUB) can hold."""
    return _NOT_XML.sub("", "" if value is None else str(value))
