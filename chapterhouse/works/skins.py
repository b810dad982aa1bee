"""The work-skin CSS sanitiser: creator CSS in, safe CSS scoped under ``#workskin`` out.

Nothing a creator types reaches a page unless it passes here. The rules are an
allowlist: a declaration is kept only when its property is on the list below
and every part of its value is something we understand and know to be
harmless; a selector is kept only when it is made of ordinary selector parts
and can be put under ``#workskin`` without reaching anything outside the work.
Everything else is dropped, and :func:`clean_css` says what it dropped so the
skin form can tell the creator. See docs/work-skins.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import tinycss2
from tinycss2 import ast

SCOPE = "#workskin"
#: A skin's CSS as typed, at most (AO3 allows about this much).
CSS_MAX_LENGTH = 50_000
#: Brackets (``{``, ``(``, ``[``) open at once, at most. Real skins need a handful;
#: checked before parsing so that hostile nesting costs one linear scan.
CSS_MAX_NESTING = 20

#: Properties a work skin may set.
ALLOWED_PROPERTIES: frozenset[str] = frozenset(
    {
        # typography
        "font", "font-family", "font-size", "font-style", "font-variant", "font-weight",
        "font-stretch", "line-height", "letter-spacing", "word-spacing", "text-align",
        "text-align-last", "text-decoration", "text-decoration-color", "text-decoration-line",
        "text-decoration-style", "text-indent", "text-transform", "text-shadow",
        "text-overflow", "white-space", "word-break", "word-wrap", "overflow-wrap", "hyphens",
        "vertical-align", "direction", "font-variant-caps", "font-kerning",
        # colour and background
        "color", "opacity", "background", "background-color", "background-image",
        "background-position", "background-repeat", "background-size", "background-attachment",
        "background-clip", "background-origin",
        # borders and outlines
        "border", "border-top", "border-right", "border-bottom", "border-left",
        "border-color", "border-style", "border-width",
        "border-top-color", "border-right-color", "border-bottom-color", "border-left-color",
        "border-top-style", "border-right-style", "border-bottom-style", "border-left-style",
        "border-top-width", "border-right-width", "border-bottom-width", "border-left-width",
        "border-radius", "border-top-left-radius", "border-top-right-radius",
        "border-bottom-left-radius", "border-bottom-right-radius",
        "border-collapse", "border-spacing", "outline", "outline-color", "outline-style",
        "outline-width", "outline-offset", "box-shadow",
        # the box
        "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
        "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
        "width", "height", "min-width", "max-width", "min-height", "max-height",
        "box-sizing", "overflow", "overflow-x", "overflow-y",
        # layout
        "display", "float", "clear", "position", "visibility",
        "flex", "flex-direction", "flex-wrap", "flex-flow", "flex-grow", "flex-shrink",
        "flex-basis", "justify-content", "align-items", "align-content", "align-self", "order",
        "gap", "row-gap", "column-gap", "grid-template-columns", "grid-template-rows",
        "grid-column", "grid-row",
        "columns", "column-count", "column-width", "column-rule",
        # lists and tables
        "list-style", "list-style-type", "list-style-position", "list-style-image",
        "table-layout", "caption-side", "empty-cells",
        # generated text
        "content", "quotes", "counter-reset", "counter-increment",
        "cursor",
    }
)  # fmt: skip

#: Properties whose value may hold an image ``url()``.
URL_PROPERTIES = frozenset({"background", "background-image", "list-style", "list-style-image"})
#: Properties whose value may hold a quoted string.
STRING_PROPERTIES = frozenset({"content", "quotes", "font", "font-family"})

# --- lengths that move a box or paint outside it ----------------------------
#
# In these properties a length could pull the work over the site's header
# (a negative margin or indent), or paint far outside the box (a huge shadow,
# outline or border). Their values may hold only plain lengths within the
# bounds below, keywords and colours: no calc(), min(), max() or clamp(),
# whose sign a reader cannot see, and no viewport units, which have no bound.
# Font-relative units are counted at 16px to the em.

#: Margins, padding and text-indent: from 0 to this many px (50em), or 0–100%.
BOX_MAX_PX = 800
#: letter-spacing and word-spacing: from 0 to this many px (2em).
SPACING_MAX_PX = 32
#: Border, outline and column-rule widths and outline-offset: 0 to this many px.
LINE_MAX_PX = 20
#: box-shadow and text-shadow offsets, blur and spread: within ± this many px.
SHADOW_MAX_PX = 20

#: px per unit. Font-relative units are counted at a 16px em.
LENGTH_UNITS_PX: dict[str, float] = {
    "px": 1, "pt": 4 / 3, "pc": 16, "in": 96, "cm": 96 / 2.54, "mm": 96 / 25.4,
    "q": 96 / 101.6, "em": 16, "rem": 16, "ex": 16, "ch": 16,
}
#: Functions allowed in a bounded property: colours only.
COLOUR_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla"})


@dataclass(frozen=True)
class LengthBounds:
    """The lengths a property may take, in px; ``percent``: 0–100% too."""

    low: float
    high: float
    percent: bool = False


_BOX = LengthBounds(0, BOX_MAX_PX, percent=True)
_LINE = LengthBounds(0, LINE_MAX_PX)
#: Properties whose lengths are bounded, and how.
BOUNDED_LENGTHS: dict[str, LengthBounds] = {
    **dict.fromkeys(
        ["margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
         "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
         "text-indent"], _BOX),
    **dict.fromkeys(["letter-spacing", "word-spacing"], LengthBounds(0, SPACING_MAX_PX)),
    **dict.fromkeys(
        ["border", "border-top", "border-right", "border-bottom", "border-left",
         "border-width", "border-top-width", "border-right-width", "border-bottom-width",
         "border-left-width", "outline", "outline-width", "outline-offset", "column-rule"],
        _LINE),
    **dict.fromkeys(["box-shadow", "text-shadow"],
                    LengthBounds(-SHADOW_MAX_PX, SHADOW_MAX_PX)),
}  # fmt: skip
#: Properties whose keywords are limited to a list.
KEYWORDS: dict[str, frozenset[str]] = {
    "position": frozenset({"static", "relative"}),
    "display": frozenset(
        {"none", "block", "inline", "inline-block", "flex", "inline-flex", "grid",
         "inline-grid", "flow-root", "list-item", "contents", "table", "inline-table",
         "table-row", "table-cell", "table-caption", "table-column", "table-row-group",
         "table-header-group", "table-footer-group", "table-column-group", "ruby"}
    ),
    "background-attachment": frozenset({"scroll", "local"}),
}

#: Functions a value may call (``url`` is checked on its own).
ALLOWED_FUNCTIONS = frozenset(
    {"rgb", "rgba", "hsl", "hsla", "calc", "min", "max", "clamp", "linear-gradient",
     "radial-gradient", "repeating-linear-gradient", "repeating-radial-gradient",
     "counter", "counters", "repeat", "minmax"}
)
VALUE_LITERALS = frozenset({",", "/", "+", "-", "*", "%"})
#: Words that have no business in a skin, however they are spelled or escaped.
FORBIDDEN_WORDS = ("expression", "javascript", "vbscript", "behavior", "behaviour", "binding",
                   "-moz-", "data:")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")

PSEUDO_CLASSES = frozenset(
    {"first-child", "last-child", "only-child", "first-of-type", "last-of-type",
     "only-of-type", "empty", "hover", "focus", "focus-within", "focus-visible", "active",
     "link", "visited", "target", "checked", "disabled", "enabled", "first-line",
     "first-letter", "before", "after", "marker", "selection", "placeholder", "open",
     "root"}
)
PSEUDO_FUNCTIONS = frozenset(
    {"not", "is", "where", "nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type",
     "lang"}
)
SELECTOR_LITERALS = frozenset({".", ">", "+", "~", "*", ":"})
ATTRIBUTE_LITERALS = frozenset({"=", "~=", "|=", "^=", "$=", "*=", "|"})
#: ``<`` is left out: the range syntax ``width < 600px`` has ``min-width`` and
#: ``max-width`` to say the same, and no ``<`` ever reaches the page.
MEDIA_LITERALS = frozenset({",", ":", "/", ">", "=", ">="})
#: Characters a selector or at-rule prelude may not hold inside a word, quoted
#: text or escape: with them, ``\3c /style\3e`` would serialise to ``\</style\>``.
PRELUDE_FORBIDDEN_CHARACTERS = frozenset("<>/\\")

_SPACE = re.compile(r"\s+")
#: A keyword in a bounded length (``auto``, ``solid``, ``thin``, ``red``): letters
#: and hyphens only, so an escaped word such as ``\2d 420px`` never stands beside a length.
_PLAIN_WORD = re.compile(r"-?[a-z][a-z-]*", re.IGNORECASE)


@dataclass
class CleanedCss:
    """The result: ``css`` to store as ``clean_css``; ``dropped`` says what went."""

    css: str
    dropped: list[str] = field(default_factory=list)


def clean_css(source: str | None) -> CleanedCss:
    """Sanitise and scope ``source``. Never raises on bad CSS: it is dropped."""
    result = CleanedCss(css="")
    if not source or not source.strip():
        return result
    problem = input_problem(source)
    if problem:
        result.dropped.append(problem)
        return result
    rules = tinycss2.parse_stylesheet(source, skip_comments=True, skip_whitespace=True)
    blocks = []
    for rule in rules:
        if isinstance(rule, ast.QualifiedRule):
            text = _qualified_rule(rule, result.dropped)
        elif isinstance(rule, ast.AtRule):
            text = _at_rule(rule, result.dropped)
        else:  # ParseError
            result.dropped.append(f"Skipped CSS that could not be read (line {rule.source_line}).")
            text = ""
        # The checks above keep "<" out; this is the last guard that nothing
        # can end the page's <style> element (</style) or open a comment (<!--).
        if "<" in text:
            result.dropped.append(f"Dropped a rule at line {rule.source_line}: it holds \"<\".")
            text = ""
        if text:
            blocks.append(text)
    result.css = "\n\n".join(blocks)
    return result


def sanitize_css(source: str | None) -> str:
    """Just the clean CSS (see :func:`clean_css`)."""
    return clean_css(source).css


# --- bounds on the input ----------------------------------------------------

_CLOSERS = {"{": "}", "(": ")", "[": "]"}


def input_problem(source: str) -> str | None:
    """Why ``source`` is too long or nested too deeply to read, or None.

    Checked before parsing, in one pass over the text, so that no input can cost
    more than that pass or make the parser recurse without bound.
    """
    if len(source) > CSS_MAX_LENGTH:
        return (f"The CSS can be at most {CSS_MAX_LENGTH:,} characters long "
                f"(this has {len(source):,}).")
    line = _too_deep_at(source)
    if line is not None:
        return (f"The CSS nests brackets ({{, ( or [) more than {CSS_MAX_NESTING} deep "
                f"(at line {line}); work skins may nest at most {CSS_MAX_NESTING}.")
    return None


def _too_deep_at(source: str) -> int | None:
    """The line where brackets first open more than CSS_MAX_NESTING deep, or None.

    Brackets are matched the way the CSS tokenizer matches them: a closer only
    closes the innermost open bracket of its own kind. Brackets in comments and
    quoted text do not count; one in ``url(…)`` does, which can only overcount.
    """
    stack: list[str] = []
    index, end = 0, len(source)
    while index < end:
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == "/" and source.startswith("*", index + 1):
            close = source.find("*/", index + 2)
            index = end if close < 0 else close + 2
            continue
        if char in "\"'":
            index += 1
            while index < end and source[index] not in (char, "\n"):
                index += 2 if source[index] == "\\" else 1
        elif char in _CLOSERS:
            stack.append(_CLOSERS[char])
            if len(stack) > CSS_MAX_NESTING:
                return source.count("\n", 0, index) + 1
        elif stack and char == stack[-1]:
            stack.pop()
        index += 1
    return None


# --- rules ----------------------------------------------------------------


def _short(text: str, limit: int = 60) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _qualified_rule(rule: ast.QualifiedRule, dropped: list[str]) -> str:
    selectors = []
    for part in _split(rule.prelude, ","):
        scoped = _scoped_selector(part)
        if scoped is None:
            dropped.append(
                f'Dropped the selector "{_short(tinycss2.serialize(part))}": only ordinary '
                "selectors inside the work are allowed."
            )
        else:
            selectors.append(scoped)
    if not selectors:
        return ""
    declarations = _declarations(rule.content, dropped)
    if not declarations:
        return ""
    body = "\n".join(f"  {line}" for line in declarations)
    return f"{', '.join(selectors)} {{\n{body}\n}}"


def _at_rule(rule: ast.AtRule, dropped: list[str]) -> str:
    name = rule.lower_at_keyword
    if name != "media" or rule.content is None:
        dropped.append(f"Dropped the @{name} rule: work skins may only use @media.")
        return ""
    if _hostile(rule.prelude) or not _media_query_ok(rule.prelude):
        dropped.append(
            f'Dropped "@media {_short(tinycss2.serialize(rule.prelude))}": the media query '
            "is not one we understand."
        )
        return ""
    inner = []
    for child in tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                          skip_whitespace=True):
        if isinstance(child, ast.QualifiedRule):
            text = _qualified_rule(child, dropped)
            if text:
                inner.append(text)
        elif isinstance(child, ast.AtRule):
            dropped.append(f"Dropped the @{child.lower_at_keyword} rule inside @media.")
    if not inner:
        return ""
    query = _SPACE.sub(" ", tinycss2.serialize(rule.prelude)).strip()
    return f"@media {query} {{\n" + "\n\n".join(inner) + "\n}"


def _media_query_ok(tokens) -> bool:
    for token in tokens:
        if isinstance(token, ast.WhitespaceToken | ast.IdentToken | ast.NumberToken
                      | ast.DimensionToken | ast.PercentageToken):
            if isinstance(token, ast.IdentToken) and _forbidden(token.lower_value):
                return False
            continue
        if isinstance(token, ast.LiteralToken) and token.value in MEDIA_LITERALS:
            continue
        if isinstance(token, ast.ParenthesesBlock) and _media_query_ok(token.content):
            continue
        return False
    return True


def _hostile(tokens) -> bool:
    """Whether a selector or at-rule prelude holds ``<``, or holds ``>``, ``/`` or
    ``\\`` anywhere but as an operator of its own (inside a word, quoted text, an
    escape that decodes to one of them)."""
    for token in tokens:
        if isinstance(token, ast.LiteralToken):
            if "<" in token.value:
                return True
            continue
        if isinstance(token, ast.FunctionBlock):
            texts = [token.name]
        elif isinstance(token, ast.DimensionToken):
            texts = [token.unit]
        elif isinstance(token, ast.IdentToken | ast.HashToken | ast.StringToken
                        | ast.URLToken | ast.AtKeywordToken):
            texts = [token.value]
        else:
            texts = []
        if any(PRELUDE_FORBIDDEN_CHARACTERS.intersection(text) for text in texts):
            return True
        inner = getattr(token, "content", None) or getattr(token, "arguments", None)
        if inner and _hostile(inner):
            return True
    return False


# --- selectors ------------------------------------------------------------


def _split(tokens, separator: str) -> list[list]:
    parts: list[list] = [[]]
    for token in tokens:
        if isinstance(token, ast.LiteralToken) and token.value == separator:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _strip_ws(tokens: list) -> list:
    tokens = list(tokens)
    while tokens and isinstance(tokens[0], ast.WhitespaceToken):
        tokens.pop(0)
    while tokens and isinstance(tokens[-1], ast.WhitespaceToken):
        tokens.pop()
    return tokens


def _is_literal(token, *values: str) -> bool:
    return isinstance(token, ast.LiteralToken) and token.value in values


def _selector_tokens_ok(tokens, *, in_function: bool = False) -> bool:
    """Only ordinary selector parts; pseudo-classes from the list. Inside a
    pseudo-class function (``:not(…)``, ``:nth-child(2n+1)``) numbers and
    commas may appear too."""
    previous_colon = False
    for token in tokens:
        if isinstance(token, ast.WhitespaceToken | ast.HashToken):
            ok = not previous_colon
        elif isinstance(token, ast.IdentToken):
            ok = (token.lower_value in PSEUDO_CLASSES) if previous_colon else True
        elif isinstance(token, ast.NumberToken | ast.DimensionToken):
            ok = in_function and not previous_colon
        elif isinstance(token, ast.LiteralToken):
            ok = token.value in SELECTOR_LITERALS or (in_function and token.value in ",-")
            if previous_colon and token.value != ":":
                ok = False
        elif isinstance(token, ast.SquareBracketsBlock):
            ok = not previous_colon and all(
                isinstance(t, ast.WhitespaceToken | ast.IdentToken | ast.StringToken)
                or _is_literal(t, *ATTRIBUTE_LITERALS)
                for t in token.content
            )
        elif isinstance(token, ast.FunctionBlock):
            ok = (
                previous_colon
                and token.lower_name in PSEUDO_FUNCTIONS
                and _selector_tokens_ok(token.arguments, in_function=True)
            )
        else:
            ok = False
        if not ok:
            return False
        previous_colon = _is_literal(token, ":")
    return not previous_colon


def _scoped_selector(tokens) -> str | None:
    """``p.note`` → ``#workskin p.note``; ``body``/``html``/``:root``/``#workskin``
    at the start stand for the work itself. None when the selector is not allowed."""
    tokens = _strip_ws(tokens)
    if not tokens or _hostile(tokens) or not _selector_tokens_ok(tokens):
        return None
    rooted = False
    while tokens and _is_root_word(tokens):
        tokens = tokens[2:] if _is_literal(tokens[0], ":") else tokens[1:]
        rooted = True
        # ``html body``: the next root word follows a space.
        if (len(tokens) > 1 and isinstance(tokens[0], ast.WhitespaceToken)
                and _is_root_word(tokens[1:])):
            tokens = tokens[1:]
    rest = _strip_ws(tokens)
    # A sibling combinator after the work (``body + div``, ``#workskin:hover ~ p``)
    # would select things beside it, not in it; one last selects nothing.
    if rest and (_is_literal(rest[0], "+", "~") or _is_literal(rest[-1], "+", "~", ">")
                 or rooted and _beside_the_work(tokens)):
        return None
    if not rest:
        text = SCOPE
    elif rooted:
        text = SCOPE + _SPACE.sub(" ", tinycss2.serialize(tokens)).rstrip()
    else:
        text = f"{SCOPE} " + _SPACE.sub(" ", tinycss2.serialize(rest)).strip()
    return None if "<" in text else text


def _beside_the_work(tokens) -> bool:
    """Whether the first combinator after the work's own compound selector (what
    follows a root word: ``:hover``, ``.dark``) is ``+`` or ``~``."""
    after_space = False
    for token in tokens:
        if _is_literal(token, "+", "~"):
            return True
        if _is_literal(token, ">"):
            return False
        if isinstance(token, ast.WhitespaceToken):
            after_space = True
        elif after_space:
            return False  # a descendant combinator
    return False


def _is_root_word(tokens) -> bool:
    first = tokens[0]
    if isinstance(first, ast.IdentToken) and first.lower_value in ("body", "html"):
        return True
    if isinstance(first, ast.HashToken) and first.value == SCOPE[1:]:
        return True
    return (_is_literal(first, ":") and len(tokens) > 1
            and isinstance(tokens[1], ast.IdentToken) and tokens[1].lower_value == "root")


# --- declarations ---------------------------------------------------------


def _declarations(content, dropped: list[str]) -> list[str]:
    kept = []
    for item in tinycss2.parse_blocks_contents(content, skip_comments=True,
                                               skip_whitespace=True):
        if isinstance(item, ast.Declaration):
            value = _strip_ws(item.value)
            shown = f"{item.name}: {_short(tinycss2.serialize(value), 40)}"
            name = item.lower_name
            if name not in ALLOWED_PROPERTIES:
                dropped.append(f'Dropped "{shown}": the property {name} is not allowed.')
                continue
            problem = _value_problem(name, value)
            if problem is None and name in BOUNDED_LENGTHS:
                problem = _length_problem(name, value)
            if problem:
                dropped.append(f'Dropped "{shown}": {problem}')
                continue
            text = _SPACE.sub(" ", tinycss2.serialize(value)).strip()
            if not text or "<" in text:
                dropped.append(f'Dropped "{shown}": the value is empty or not allowed.')
                continue
            kept.append(f"{name}: {text}{' !important' if item.important else ''};")
        elif isinstance(item, ast.QualifiedRule | ast.AtRule):
            dropped.append("Dropped a rule nested inside another rule.")
        else:
            dropped.append(f"Skipped CSS that could not be read (line {item.source_line}).")
    return kept


def _forbidden(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in FORBIDDEN_WORDS)


def _value_problem(name: str, tokens, *, depth: int = 0) -> str | None:
    """Why this value may not be kept, or None when it is fine."""
    if depth > 8:
        return "the value is nested too deeply."
    for token in tokens:
        if isinstance(token, ast.WhitespaceToken):
            continue
        if isinstance(token, ast.IdentToken):
            if _forbidden(token.lower_value):
                return f"{token.value} is not allowed."
            allowed = KEYWORDS.get(name)
            if allowed is not None and token.lower_value not in allowed | {"inherit", "initial",
                                                                            "unset"}:
                return f"{name}: {token.value} is not allowed in work skins."
            continue
        if isinstance(token, ast.NumberToken | ast.PercentageToken | ast.DimensionToken):
            continue
        if isinstance(token, ast.HashToken):
            continue
        if isinstance(token, ast.StringToken):
            if name not in STRING_PROPERTIES:
                return f"quoted text is not allowed in {name}."
            if _forbidden(token.value) or "<" in token.value:
                return "the quoted text is not allowed."
            continue
        if isinstance(token, ast.LiteralToken):
            if token.value in VALUE_LITERALS:
                continue
            return f'"{token.value}" is not allowed in a value.'
        if isinstance(token, ast.URLToken):
            problem = _url_problem(name, token.value)
            if problem:
                return problem
            continue
        if isinstance(token, ast.FunctionBlock):
            if token.lower_name == "url":
                strings = [t for t in token.arguments if not isinstance(t, ast.WhitespaceToken)]
                if len(strings) != 1 or not isinstance(strings[0], ast.StringToken):
                    return "url() must hold one address."
                problem = _url_problem(name, strings[0].value)
                if problem:
                    return problem
                continue
            if token.lower_name not in ALLOWED_FUNCTIONS:
                return f"the function {token.name}() is not allowed."
            problem = _value_problem(name, token.arguments, depth=depth + 1)
            if problem:
                return problem
            continue
        if isinstance(token, ast.ParenthesesBlock):
            problem = _value_problem(name, token.content, depth=depth + 1)
            if problem:
                return problem
            continue
        return "the value is not allowed."
    return None


def _length_problem(name: str, tokens) -> str | None:
    """Why a value of a property in BOUNDED_LENGTHS is out of bounds, or None.

    Only plain lengths, keywords, colours and commas are read; anything else
    (calc() and its kin, brackets) is refused, so every length is seen as is.
    """
    bounds = BOUNDED_LENGTHS[name]
    for token in tokens:
        if isinstance(token, ast.IdentToken) and not _PLAIN_WORD.fullmatch(token.value):
            return (f"{name} takes plain words, lengths and colours; "
                    f"{_short(token.value)} is not one.")
        if isinstance(token, ast.WhitespaceToken | ast.IdentToken | ast.HashToken):
            continue
        if _is_literal(token, ","):
            continue
        if isinstance(token, ast.FunctionBlock) and token.lower_name in COLOUR_FUNCTIONS:
            continue
        if isinstance(token, ast.FunctionBlock):
            return (f"{token.name}() is not allowed in {name}; use a plain length "
                    "(it could move the work over the page).")
        if isinstance(token, ast.PercentageToken):
            if not bounds.percent:
                return f"percentages are not allowed in {name}."
            if not 0 <= token.value <= 100:
                return f"{name} may be from 0% to 100%."
            continue
        if isinstance(token, ast.NumberToken | ast.DimensionToken):
            unit = token.lower_unit if isinstance(token, ast.DimensionToken) else "px"
            per_px = LENGTH_UNITS_PX.get(unit)
            if per_px is None:
                return (f"{name} may not use {unit}; use px, em, rem, ex, ch, pt, pc, "
                        "in, cm, mm or q.")
            length = token.value * per_px
            if length < bounds.low or length > bounds.high:
                return f"{name} {_bounds_words(bounds)}."
            continue
        return f"{name} takes only lengths, keywords and colours here."
    return None


def _bounds_words(bounds: LengthBounds) -> str:
    def em(px: float) -> str:
        return f"{px:g}px ({px / 16:g}em)"

    if bounds.low == 0:
        text = f"may be from 0 to {em(bounds.high)}"
    elif bounds.low == -bounds.high:
        text = f"may be at most {em(bounds.high)} either way"
    else:
        text = f"may be from {em(bounds.low)} to {em(bounds.high)}"
    return text + (", or 0% to 100%" if bounds.percent else "")


def _url_problem(name: str, address: str) -> str | None:
    if name not in URL_PROPERTIES:
        return f"images are not allowed in {name}."
    # Browsers ignore control characters and surrounding spaces in addresses.
    address = re.sub(r"[\x00-\x20\x7f]", "", address)
    try:
        parts = urlsplit(address)
    except ValueError:
        return "the image address is not a valid address."
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "images must be http or https addresses."
    if not parts.path.lower().endswith(IMAGE_EXTENSIONS):
        return "images must be PNG, JPEG, GIF or WebP files (.png, .jpg, .jpeg, .gif, .webp)."
    if _forbidden(address):
        return "the image address is not allowed."
    return None
