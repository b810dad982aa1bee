"""Property test of the work-skin sanitiser: CSS built from a hostile grammar.

Whatever goes in, what comes out must (1) never end or comment out the page's
``<style>`` element, (2) come out the same when cleaned again, and (3) never
move the work above or outside ``#workskin``: every rule is scoped under it,
nothing positions or transforms a box, and every length in a property that
moves a box or paints outside it is a plain length within its bounds.
"""

import tinycss2
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tinycss2 import ast

from chapterhouse.works.skins import (
    ALLOWED_PROPERTIES,
    BOX_MAX_PX,
    LINE_MAX_PX,
    SHADOW_MAX_PX,
    SPACING_MAX_PX,
    clean_css,
)

# --- the grammar ---------------------------------------------------------------

HOSTILE_TEXT = ["</style>", "</STYLE ", "<!--", "-->", "\\3c /style\\3e ", "\\3c !--",
                "\\2f ", "\\5c ", "\\<", "</", "<img src=x onerror=alert(1)>"]
UNITS = ["px", "PX", "em", "rem", "ex", "ch", "%", "vw", "vh", "vmin", "vmax", "dvh", "svw",
         "cqw", "in", "cm", "mm", "q", "pt", "pc", "", "deg", "fr", "x", "\\70 x"]
MATH = ["calc", "min", "max", "clamp", "CALC", "Min", "-webkit-calc", "c\\61 lc", "abs",
        "sign", "round", "var", "env"]
PROPERTIES = [
    "margin", "margin-top", "margin-left", "margin-right", "margin-bottom", "padding",
    "padding-top", "text-indent", "letter-spacing", "word-spacing", "border", "border-width",
    "border-top", "border-left-width", "outline", "outline-width", "outline-offset",
    "column-rule", "box-shadow", "text-shadow", "width", "height", "font-size",
    "line-height", "vertical-align", "top", "left", "bottom", "inset", "inset-block-start",
    "transform", "translate", "scale", "rotate", "zoom", "position", "z-index", "content",
    "color", "background", "float", "display", "m\\61 rgin-top", "MARGIN-TOP",
]

numbers = st.one_of(
    st.sampled_from(["0", "1", "2.5", ".5", "20", "21", "420", "800", "801", "9999", "1e4",
                     "1e-3", "0.0001", "100"]),
    st.integers(0, 100_000).map(str),
)
lengths = st.builds(lambda sign, number, unit: f"{sign}{number}{unit}",
                    st.sampled_from(["", "", "-", "+"]), numbers, st.sampled_from(UNITS))
escapes = st.sampled_from(["\\2d 420px", "-\\34 20px", "\\2d\\34 20px", "\\30 px"])


def _expression(inner):
    operators = st.sampled_from([" + ", " - ", " * ", " / ", "+", "-", " -"])
    return st.one_of(
        st.builds(lambda a, op, b: f"{a}{op}{b}", inner, operators, inner),
        st.builds(lambda name, args: f"{name}({', '.join(args)})",
                  st.sampled_from(MATH), st.lists(inner, min_size=1, max_size=3)),
        inner.map(lambda a: f"({a})"),
    )


expressions = st.recursive(st.one_of(lengths, escapes, numbers), _expression, max_leaves=5)
value_parts = st.one_of(
    expressions,
    st.sampled_from(["auto", "inherit", "solid", "red", "inset", "thin", "thick", "none",
                     "fixed", "absolute", "sticky", "relative", "static", "#fff",
                     "rgb(0, 0, 0)", "rgba(0,0,0,.5)", "hsl(0, 0%, 50%)", ",", "/",
                     "translateY(-500px)", "url(http://x.example/a.png)", "!important"]),
    st.sampled_from(HOSTILE_TEXT),
    st.sampled_from(HOSTILE_TEXT).map(lambda text: f'"{text}"'),
    st.sampled_from(HOSTILE_TEXT).map(lambda text: f"/*{text}*/"),
)
plain_values = st.lists(st.one_of(lengths, st.sampled_from(["auto", "solid", "red", "inset"])),
                        min_size=1, max_size=4)
declarations = st.builds(
    lambda name, parts, important: f"{name}: {' '.join(parts)}{important}",
    st.sampled_from(PROPERTIES),
    st.one_of(plain_values, st.lists(value_parts, min_size=1, max_size=5)),
    st.sampled_from(["", " !important"]),
)
roots = st.sampled_from(["body", "html", ":root", "#workskin", "#workskin:hover", "body.dark",
                         "html:not(.x)", ":root:focus-within", "html body", "body::before"])
ordinary_parts = st.sampled_from(["p", ".note", "#x", "a:hover", "*", "li:nth-child(2n+1)",
                                  ":not(.x)", "[title=x]", "::before", "div.a"])
hostile_parts = st.sampled_from(['[title="</style>"]', "[href^='http://']", "\\3c /style\\3e ",
                                 "p\\2f x", ".\\3c ", "#\\3c", "</style>", "<!--", "-->", "~ p",
                                 "+ div"])
combinators = st.sampled_from([" ", " > ", " + ", " ~ ", "", "~", "+", ">"])
complex_selectors = st.builds(
    lambda first, rest: first + "".join(combinator + part for combinator, part in rest),
    st.one_of(roots, roots, ordinary_parts, hostile_parts),
    st.lists(st.tuples(combinators, st.one_of(ordinary_parts, ordinary_parts, hostile_parts)),
             max_size=2),
)
selectors = st.lists(complex_selectors, min_size=1, max_size=3).map(", ".join)
rules = st.builds(lambda selector, body: f"{selector} {{ {'; '.join(body)} }}",
                  selectors, st.lists(declarations, min_size=1, max_size=3))
preludes = st.lists(
    st.one_of(st.sampled_from(["screen", "and", "print", "(max-width: 40em)",
                               "(min-aspect-ratio: 16/9)", "(width < 600px)", "(width >= 1px)",
                               ",", "not", "(color: red)", "x"]),
              st.sampled_from(HOSTILE_TEXT),
              st.sampled_from(HOSTILE_TEXT).map(lambda text: f'"{text}"')),
    min_size=1, max_size=4,
).map(" ".join)
at_rules = st.one_of(
    st.builds(lambda name, prelude, inner: f"@{name} {prelude} {{ {' '.join(inner)} }}",
              st.sampled_from(["media", "MEDIA", "supports", "m\\65 dia", "font-face", "page"]),
              preludes, st.lists(rules, max_size=2)),
    st.builds(lambda prelude: f"@import {prelude};", preludes),
)
stylesheets = st.lists(st.one_of(rules, rules, at_rules), min_size=1, max_size=4).flatmap(
    lambda blocks: st.lists(st.sampled_from([" ", "\n", "/* c */", "<!--", "-->", "}", ";"]),
                            min_size=len(blocks), max_size=len(blocks)).map(
        lambda gaps: "".join(block + gap for block, gap in zip(blocks, gaps, strict=True))
    )
)

# --- what must hold --------------------------------------------------------------

PX_PER_UNIT = {"px": 1, "pt": 4 / 3, "pc": 16, "in": 96, "cm": 96 / 2.54, "mm": 96 / 25.4,
               "q": 96 / 101.6, "em": 16, "rem": 16, "ex": 16, "ch": 16}
MARGINS = {"margin", "margin-top", "margin-right", "margin-bottom", "margin-left", "padding",
           "padding-top", "padding-right", "padding-bottom", "padding-left", "text-indent"}
SPACING = {"letter-spacing", "word-spacing"}
LINES = {"border", "border-top", "border-right", "border-bottom", "border-left", "border-width",
         "border-top-width", "border-right-width", "border-bottom-width", "border-left-width",
         "outline", "outline-width", "outline-offset", "column-rule"}
SHADOWS = {"box-shadow", "text-shadow"}
SCOPED = ("#workskin ", "#workskin.", "#workskin:", "#workskin[", "#workskin#", "#workskin >",
          "#workskin>")
NEVER = {"top", "left", "right", "bottom", "inset", "transform", "translate", "scale", "rotate",
         "zoom", "z-index"}


def _lengths_in_bounds(name, tokens):
    low, high = (
        (0, BOX_MAX_PX) if name in MARGINS else (0, SPACING_MAX_PX) if name in SPACING
        else (0, LINE_MAX_PX) if name in LINES else (-SHADOW_MAX_PX, SHADOW_MAX_PX)
    )
    for token in tokens:
        if isinstance(token, ast.FunctionBlock):
            assert token.lower_name in {"rgb", "rgba", "hsl", "hsla"}, (name, token.name)
        elif isinstance(token, ast.PercentageToken):
            assert name in MARGINS and 0 <= token.value <= 100, (name, token.value)
        elif isinstance(token, ast.DimensionToken):
            assert token.lower_unit in PX_PER_UNIT, (name, token.unit)
            assert low <= token.value * PX_PER_UNIT[token.lower_unit] <= high, (name, token)
        elif isinstance(token, ast.NumberToken):
            assert low <= token.value <= high, (name, token.value)
        else:
            # An empty comment is how CSS keeps two tokens apart when nothing
            # else does ("0px+0px" is written back as "0px/**/+0px"): inert.
            assert isinstance(
                token, ast.WhitespaceToken | ast.IdentToken | ast.HashToken | ast.Comment
            ) or (isinstance(token, ast.LiteralToken) and token.value == ","), (name, token)


def _combinator_after_the_work(selector):
    """What follows ``#workskin`` and its own compound (``:hover``, ``.x``, ``:not(…)``)."""
    rest, depth, index = selector.removeprefix("#workskin"), 0, 0
    while index < len(rest) and (depth or rest[index] not in " >+~"):
        depth += {"(": 1, ")": -1}.get(rest[index], 0)
        index += 1
    return rest[index:].lstrip()[:1]


def _check_rule(rule):
    for selector in tinycss2.serialize(rule.prelude).split(","):
        selector = selector.strip()
        # The work itself, or something in it; never a sibling (~, +) of it.
        assert selector == "#workskin" or selector.startswith(SCOPED), selector
        assert _combinator_after_the_work(selector) not in ("+", "~"), selector
    for item in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True):
        assert isinstance(item, ast.Declaration), item
        name = item.lower_name
        assert name in ALLOWED_PROPERTIES and name not in NEVER, name
        words = {t.lower_value for t in item.value if isinstance(t, ast.IdentToken)}
        if name == "position":
            assert words <= {"static", "relative", "inherit", "initial", "unset"}, words
        if name in MARGINS | SPACING | LINES | SHADOWS:
            _lengths_in_bounds(name, item.value)


def _check(output):
    # Nothing can end the <style> element or start an HTML comment: no "<" at all.
    assert "<" not in output
    assert "</style" not in output.lower() and "<!--" not in output
    assert clean_css(output).css == output, "cleaning again changed the CSS"
    for rule in tinycss2.parse_stylesheet(output, skip_whitespace=True):
        if isinstance(rule, ast.AtRule):
            assert rule.lower_at_keyword == "media", rule.at_keyword
            for inner in tinycss2.parse_rule_list(rule.content, skip_whitespace=True):
                assert isinstance(inner, ast.QualifiedRule), inner
                _check_rule(inner)
        else:
            assert isinstance(rule, ast.QualifiedRule), rule
            _check_rule(rule)


FAST = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FAST
@given(stylesheets)
def test_no_generated_skin_escapes_the_work_or_the_style_element(css):
    _check(clean_css(css).css)


@FAST
@given(st.lists(declarations, min_size=1, max_size=6))
# Found by this test: an escaped word that reads as "-420px" beside a number.
@example(["margin: 0px \\2d 420px+1"])
# Two lengths with no space between them are written back with an empty
# comment between them, which moves nothing.
@example(["margin: 0px+0px"])
def test_no_generated_declaration_moves_the_work(body):
    output = clean_css("#workskin { " + "; ".join(body) + " }").css
    _check(output)
