"""The work-skin CSS sanitiser, and the skin services."""

import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.works.models import Work, WorkSkin
from chapterhouse.works.services import skins as skin_services
from chapterhouse.works.skins import clean_css, sanitize_css

from .factories import WorkFactory

# --- hostile CSS: nothing dangerous survives ------------------------------------

HOSTILE = [
    "p { width: expression(alert(1)); }",
    "p { width: EXPRESSION(alert(1)); }",
    "p { width: \\65 xpression(alert(1)); }",
    "p { background: url(javascript:alert(1)); }",
    "p { background: url('javascript:alert(1)'); }",
    "p { background: url(\\6a avascript:alert(1)); }",
    "p { background-image: url(\"jav\\61script:alert(1)\"); }",
    "p { background: url(  JaVaScRiPt:alert(1)); }",
    "p { background: url(data:image/png;base64,AAAA); }",
    "p { behavior: url(evil.htc); }",
    "p { \\62 ehavior: url(evil.htc); }",
    "p { -moz-binding: url(http://evil.example/x.xml#x); }",
    "@import url(http://evil.example/steal.css);",
    "@import 'http://evil.example/steal.css';",
    "@font-face { font-family: x; src: url(http://evil.example/x.woff); }",
    "p { position: fixed; top: 0; }",
    "p { position: sticky; }",
    "p { position: absolute; }",
    "p { display: block; position: FIXED; }",
    "@namespace svg url(http://www.w3.org/2000/svg);",
    "@keyframes spin { from { color: red } }",
    "p { color: red } </style><script>alert(1)</script>",
    "p { content: \"</style><script>alert(1)</script>\"; }",
    "p { content: \"\\3c /style>\"; }",
    "p { font-family: \"javascript:x\"; }",
    "p { background: url(http://evil.example/x.svg); }",
    "p { background: url(http://evil.example/tracker); }",
    "p { list-style-image: url(ftp://evil.example/x.png); }",
    "p { cursor: url(http://evil.example/x.png), auto; }",
    "p { margin-top: -500px; }",
    "p { background-attachment: fixed; }",
    "p { color: var(--x); }",
    # Nothing that moves a box off its place is allowed at all.
    "p { transform: translateY(-500px); }",
    "p { translate: 0 -500px; }",
    "p { scale: 50; }",
    "p { rotate: 180deg; }",
    "p { zoom: 50; }",
    "p { position: relative; top: -500px; }",
    "p { inset: -500px 0 0 0; }",
    "p { position: relative; z-index: 99999; }",
]


@pytest.mark.parametrize("css", HOSTILE)
def test_hostile_css_is_dropped(css):
    result = sanitize_css(css)
    lowered = result.lower()
    for bad in ("expression", "javascript", "behavior", "binding", "@import", "@font-face",
                "fixed", "sticky", "absolute", "<", "data:", ".svg", "tracker", "ftp:",
                "-500px", "var(", "@namespace", "@keyframes", "transform", "translate",
                "scale", "rotate", "zoom", "top:", "inset", "z-index"):
        assert bad not in lowered, (css, result)


def test_hostile_css_is_reported_to_the_creator():
    result = clean_css("@import url(x.css); p { position: fixed; behavior: url(x.htc) }")
    text = " ".join(result.dropped)
    assert "@import" in text
    assert "position: fixed" in text
    assert "behavior" in text


def test_selector_lists_cannot_escape_the_work():
    css = ("p.note, #header a, body, html body .x, ~ p, + div, #workskin ~ div, "
           "#workskin:hover + div, body.dark ~ p, html:not(.x)~p, p > { color: red }")
    result = sanitize_css(css)
    selectors = result.split("{")[0].strip().split(", ")
    assert selectors == ["#workskin p.note", "#workskin #header a", "#workskin",
                         "#workskin .x"]
    for selector in selectors:
        assert selector.startswith("#workskin")


def test_a_closing_brace_in_a_selector_cannot_start_a_new_rule():
    result = sanitize_css("p } body { position: fixed } p { color: red }")
    assert "fixed" not in result
    for line in result.splitlines():
        if line.endswith("{"):
            assert line.startswith("#workskin") or line.startswith("@media")


def test_ordinary_skin_css_is_kept_and_scoped():
    css = """
    /* a text-message style */
    #workskin .text { font-family: "Helvetica Neue", Arial, sans-serif; color: #333;
      background-color: rgba(0, 120, 255, .1); border-radius: 12px; padding: .5em 1em;
      margin: 0 0 1em auto; max-width: 70%; text-align: right; }
    p.note { font-style: italic; border-left: 3px solid #999; }
    .letter::before { content: "Dear "; }
    li:nth-child(2n+1) { background: url("https://images.example.org/paper.png") repeat; }
    body { line-height: 1.7; }
    :root { color: black !important; }
    div.box { display: flex; gap: 1em; float: left; clear: both; position: relative; }
    """
    result = sanitize_css(css)
    assert "#workskin .text {" in result
    assert 'font-family: "Helvetica Neue", Arial, sans-serif;' in result
    assert "background-color: rgba(0, 120, 255, .1);" in result
    assert "margin: 0 0 1em auto;" in result
    assert "#workskin p.note {" in result
    assert "#workskin .letter::before {" in result
    assert 'content: "Dear ";' in result
    assert 'url("https://images.example.org/paper.png")' in result
    assert "#workskin {\n  line-height: 1.7;" in result
    assert "color: black !important;" in result
    assert "display: flex;" in result and "position: relative;" in result
    assert "#workskin #workskin" not in result
    assert clean_css(css).dropped == []


def test_media_queries_keep_safe_rules_only():
    result = sanitize_css(
        "@media (max-width: 40em) { p { font-size: 1.2em; position: fixed } }"
        "@media url(x) { p { color: red } }"
    )
    assert result == "@media (max-width: 40em) {\n#workskin p {\n  font-size: 1.2em;\n}\n}"
    result = sanitize_css("@media screen and (min-aspect-ratio: 16/9) { ul > li { color: red } }")
    assert result == (
        "@media screen and (min-aspect-ratio: 16/9) {\n#workskin ul > li {\n  color: red;\n}\n}"
    )


def test_empty_or_unreadable_css_gives_nothing():
    assert sanitize_css("") == ""
    assert sanitize_css("   ") == ""
    assert sanitize_css("this is not css at all") == ""


@pytest.mark.parametrize("css", [
    # The review's header cover: the work pulled 420px up over the site's navigation.
    "#workskin { margin-top: calc(0px - 420px) }",
    "p { margin-left: calc(0px - 100vw) }",
    "p { margin-top: calc(10px + -1 * 50vh) }",
    "p { margin-top: min(0px, -420px) }",
    "p { margin: max(-420px, -500px) 0 0 }",
    "p { margin-top: clamp(-500px, -420px, -400px) }",
    "p { margin-top: CALC(0px - 420px) }",
    "p { text-indent: calc(0px - 999px) }",
])
def test_math_functions_cannot_hide_a_negative_margin(css):
    result = clean_css(css)
    assert result.css == ""
    assert "use a plain length" in " ".join(result.dropped)


@pytest.mark.parametrize("css", [
    "p { box-shadow: 0 0 0 100vmax rgba(0, 0, 0, .9) }",
    "p { box-shadow: 0 -500px 0 red }",
    "p { box-shadow: 2px 2px 2px 9999px red }",
    "p { outline: 9999px solid white }",
    "p { outline-width: 200px }",
    "p { outline-offset: 9999px }",
    "p { border: 9999px solid white }",
    "p { border-top-width: 30em }",
    "p { text-shadow: 0 -400px 0 red }",
    "p { text-indent: -999px }",
    "p { letter-spacing: -50px }",
    "p { word-spacing: -10em }",
    "p { margin-top: -1in }",
    "p { margin-left: 200% }",
])
def test_lengths_that_paint_over_the_page_are_dropped(css):
    result = clean_css(css)
    assert result.css == ""
    [message] = result.dropped
    assert "may be" in message or "may not use vmax" in message


def test_ordinary_borders_shadows_and_margins_are_kept():
    css = ("p { margin: 0 auto 1em 10%; padding: .5em 1em; text-indent: 2em; "
           "border: 2px solid #999; outline: thin dotted; outline-offset: 2px; "
           "box-shadow: 2px 2px 4px rgba(0, 0, 0, .5), inset 0 0 3px #000; "
           "text-shadow: 0 0 2px hsl(0, 0%, 50%); letter-spacing: .05em; "
           "width: calc(100% - 2em); outline-width: 40px }")
    result = clean_css(css)
    for kept in ("margin: 0 auto 1em 10%;", "padding: .5em 1em;", "text-indent: 2em;",
                 "border: 2px solid #999;", "outline: thin dotted;", "outline-offset: 2px;",
                 "box-shadow: 2px 2px 4px rgba(0, 0, 0, .5), inset 0 0 3px #000;",
                 "text-shadow: 0 0 2px hsl(0, 0%, 50%);", "letter-spacing: .05em;",
                 "width: calc(100% - 2em);"):
        assert kept in result.css
    # Only the 40px outline goes, and the creator is told the bound.
    assert result.dropped == [
        'Dropped "outline-width: 40px": outline-width may be from 0 to 20px (1.25em).'
    ]


@pytest.mark.parametrize("css", [
    "@media </style><img src=x> { p { color: red } }",
    "@media \\3c /style\\3e { p { color: red } }",
    "@media screen, \\3c !-- { p { color: red } }",
    "@media (width < 600px) { p { color: red } }",
    "@media <!-- { p { color: red } }",
    "@supports (color: red) </style> { p { color: red } }",
    "\\3c /style\\3e p { color: red }",
    "p\\2f style { color: red }",
    "p.\\3c \\2f style { color: red }",
    "[title=\"</style>\"] { color: red }",
    "[title=\"\\3c /style\\3e\"] { color: red }",
    "#\\3c \\/style { color: red }",
])
def test_nothing_in_a_selector_or_media_query_can_close_the_style_element(css):
    result = clean_css(css)
    assert "<" not in result.css and "\\" not in result.css
    assert result.css == ""
    assert result.dropped


@pytest.mark.parametrize("css", [
    "p { color: " + "(" * 20_000 + " }",
    "p " + "{" * 20_000,
    "@media " + "(" * 20_000 + " { p { color: red } }",
    "p" + "[" * 20_000 + " { color: red }",
    "p { width: " + "calc(" * 4_000 + "1px" + ")" * 4_000 + " }",
    "p" + ":not(" * 9_000 + "{ color: red }",
])
def test_deep_nesting_is_refused_quickly_with_the_limit_named(css):
    start = time.process_time()
    result = clean_css(css)
    elapsed = time.process_time() - start
    assert result.css == ""
    assert result.dropped == [
        "The CSS nests brackets ({, ( or [) more than 20 deep (at line 1); "
        "work skins may nest at most 20."
    ]
    assert elapsed < 1.0


# --- services ---------------------------------------------------------------


def test_skin_create_keeps_raw_and_clean_css(user):
    skin, dropped = skin_services.skin_create(
        user=user, title="Texts", description="Phone messages",
        css="p { color: red; position: fixed }",
    )
    assert skin.css == "p { color: red; position: fixed }"
    assert skin.clean_css == "#workskin p {\n  color: red;\n}"
    assert any("position: fixed" in d for d in dropped)


def test_skin_titles_are_unique_per_owner(user, other_user):
    skin_services.skin_create(user=user, title="Texts", css="")
    with pytest.raises(ValidationError) as error:
        skin_services.skin_create(user=user, title="  texts ", css="")
    assert "already have a skin" in str(error.value)
    skin_services.skin_create(user=other_user, title="Texts", css="")


def test_only_the_owner_may_change_or_delete_a_skin(user, other_user):
    skin, _ = skin_services.skin_create(user=user, title="Texts", css="p { color: red }")
    with pytest.raises(PermissionDenied):
        skin_services.skin_update(user=other_user, skin=skin, title="Mine", css="")
    with pytest.raises(PermissionDenied):
        skin_services.skin_delete(user=other_user, skin=skin)
    skin_services.skin_update(user=user, skin=skin, title="Texts", css="p { color: blue }")
    skin.refresh_from_db()
    assert "blue" in skin.clean_css


def test_deleting_a_skin_leaves_its_works_unstyled(user):
    skin, _ = skin_services.skin_create(user=user, title="Texts", css="p { color: red }")
    work = WorkFactory(creator=user, skin=skin)
    skin_services.skin_delete(user=user, skin=skin)
    assert Work.objects.get(pk=work.pk).skin is None


def test_overlong_css_is_refused_with_its_length(user):
    with pytest.raises(ValidationError) as error:
        skin_services.skin_create(user=user, title="Big", css="p{color:red}" * 5000)
    assert "60,000" in str(error.value)


def test_deeply_nested_css_is_refused_naming_the_limit(user):
    with pytest.raises(ValidationError) as error:
        skin_services.skin_create(user=user, title="Deep", css="p { color: " + "(" * 20_000)
    assert "more than 20 deep" in str(error.value)
    assert not skin_services.skins_of(user=user).exists()
    # Nesting within the limit is read; brackets in quoted text and comments do not count.
    value = "calc(" * 8 + "1px" + ")" * 8
    css = (f"@media (min-width: 1px) {{ p {{ width: {value} }} }} "
           f'p {{ content: "{"(" * 100}" }} /* {"{" * 100} */')
    skin, _ = skin_services.skin_create(user=user, title="Deep", css=css)
    assert skin.clean_css == (
        f"@media (min-width: 1px) {{\n#workskin p {{\n  width: {value};\n}}\n}}\n\n"
        f'#workskin p {{\n  content: "{"(" * 100}";\n}}'
    )


def test_skins_saved_under_older_rules_are_cleaned_again(user):
    skin, _ = skin_services.skin_create(user=user, title="Old", css="")
    # What the sanitiser used to keep for this CSS.
    old_css = "@media </style><img src=x> { p { color: red } } p { margin-top: calc(0px - 420px) }"
    WorkSkin.objects.filter(pk=skin.pk).update(
        css=old_css,
        clean_css="@media </style><img src=x> {\n#workskin p {\n  color: red;\n}\n}\n\n"
        "#workskin p {\n  margin-top: calc(0px - 420px);\n}",
    )
    fine, _ = skin_services.skin_create(user=user, title="Fine", css="p { color: red }")
    assert skin_services.skins_recleaned() == 1
    skin.refresh_from_db()
    assert skin.clean_css == "" and skin.css == old_css
    fine.refresh_from_db()
    assert fine.clean_css == "#workskin p {\n  color: red;\n}"
