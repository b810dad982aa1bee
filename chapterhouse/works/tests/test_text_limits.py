"""Text the pipeline refuses before parsing: too deeply nested, too many elements, too
long. Hostile inputs are refused quickly; ordinary deep-ish text still converts."""

import time

import nh3
import pytest

from chapterhouse.works.text import (
    HTML_MAX_DEPTH,
    MARKDOWN_MAX_DEPTH,
    TextTooComplex,
    render_user_text,
    sanitize_html,
    strip_html,
)
from chapterhouse.works.text_limits import html_depth_check

LIMIT = 500_000  # a chapter's length limit


def refused(text: str, text_format: str = "html") -> tuple[str, float]:
    """The message the pipeline refuses ``text`` with, and how long it took."""
    started = time.process_time()
    with pytest.raises(TextTooComplex) as caught:
        render_user_text(text, text_format=text_format)
    return " ".join(caught.value.messages), time.process_time() - started


@pytest.mark.parametrize("tag", ["ul", "div", "blockquote", "span", "b"])
def test_nesting_at_the_length_limit_is_refused_quickly_naming_the_limit(tag):
    text = f"<{tag}>" * (LIMIT // (len(tag) + 2))
    message, seconds = refused(text)
    assert f"at most {HTML_MAX_DEPTH} levels" in message
    assert seconds < 1


def test_markdown_quotes_nested_at_the_length_limit_are_refused_quickly():
    message, seconds = refused(">" * LIMIT, "markdown")
    assert f"at most {MARKDOWN_MAX_DEPTH} levels" in message
    assert seconds < 1


def test_raw_html_nested_inside_markdown_is_refused():
    message, _ = refused("Hello\n\n" + "<div>" * 5_000 + "\n\nbye", "markdown")
    assert f"at most {HTML_MAX_DEPTH} levels" in message


def test_formatting_tags_reopened_before_every_paragraph_are_refused_quickly():
    # 95 differently classed <b> left open, then many paragraphs: the parser opens the 95
    # again inside each one (500 kB became 112 MB of HTML and a minute of work).
    opened = "".join(f'<p><b class="c{n}">' for n in range(95))
    text = opened + "</p><p>x" * ((LIMIT - len(opened)) // 8)
    message, seconds = refused(text)
    assert "too many HTML elements" in message and "100,000" in message
    assert seconds < 1


@pytest.mark.parametrize("hidden", [
    '<div title="</div>">',          # an end tag inside an attribute value
    "<div><!-- </div> -->",          # … inside a comment
    "<div><style></div></style>",    # … inside raw text
    "<span><div></span>",            # an end tag the parser ignores
    "<b><div></b>",                  # a block the adoption agency keeps open
    "<div><table><td></div>",        # an end tag outside its scope
])
def test_end_tags_the_parser_does_not_honour_do_not_hide_nesting(hidden):
    message, _ = refused(hidden * 200)
    assert f"at most {HTML_MAX_DEPTH} levels" in message


def _real_depth(html: str) -> int:
    """How deep the sanitiser's own parse of ``html`` nests (every tag kept)."""
    out = nh3.clean(html, tags={"b", "div", "p", "span", "ul", "li", "table", "tbody", "tr",
                                "td", "i", "a"}, attributes={}, link_rel=None)
    depth = deepest = 0
    for piece in out.split("<")[1:]:
        depth += -1 if piece.startswith("/") else 1
        deepest = max(deepest, depth)
    return deepest


@pytest.mark.parametrize("text", [
    "<p>a" * 300,                                  # paragraphs never closed
    "<ul>" + "<li>a" * 300 + "</ul>",              # list items never closed
    "<table>" + "<tr><td>a" * 300 + "</table>",    # cells and rows never closed
    "<p><b>x</p>" * 300,                           # the same tag re-opened: three at most
    "<a href=x>y" * 300,                           # a link closes the one before
    "<div></div>" * 300,
])
def test_ordinary_html_is_measured_as_the_parser_nests_it(text):
    html_depth_check(text)  # not refused
    assert _real_depth(text) < 10


def test_legitimate_deep_lists_and_quotes_still_convert():
    text = "<blockquote>" * 20 + "<ul><li>" * 30 + "deep" + "</li></ul>" * 30
    html = render_user_text(text, text_format="html")
    assert html.count("<ul>") == 30 and "deep" in strip_html(html)
    markdown = "".join("  " * level + "- item\n" for level in range(15))
    assert render_user_text(markdown, text_format="markdown").count("<ul>") == 15


def test_scene_breaks_are_not_taken_for_nested_lists():
    text = "One.\n\n" + "* " * 30 + "\n\nTwo."
    assert "<hr" in render_user_text(text, text_format="markdown")


def test_text_longer_than_the_pipeline_takes_is_refused():
    with pytest.raises(TextTooComplex, match="1,000,000 characters"):
        sanitize_html("a" * 1_000_001)


@pytest.mark.parametrize(("text", "text_format"), [
    ("x" + "\xa0" * (LIMIT - 1), "html"),       # no-break spaces: 12 s before
    ("&" * LIMIT, "plain"),                      # escaped to &amp;: 5 s before
    ("&" * LIMIT, "markdown"),
    ("&&&&&</x>" * (LIMIT // 9), "html"),        # ignored end tags do not end the run
])
def test_a_run_of_text_the_sanitiser_must_escape_is_refused_quickly(text, text_format):
    message, seconds = refused(text, text_format)
    assert "more than 20,000 of the characters & < and no-break space" in message
    assert seconds < 1


@pytest.mark.parametrize("char", ["&", "\xa0"])
def test_an_attribute_the_sanitiser_must_escape_at_length_is_refused_quickly(char):
    message, seconds = refused(f'<a title="{char * (LIMIT - 20)}">y</a>')
    assert "attributes hold more than 20,000 of the characters & and no-break space" in message
    assert seconds < 1


def test_many_escaped_characters_spread_over_paragraphs_still_convert():
    text = ("<p>" + "Tom &amp; Jerry&nbsp;" * 900 + "</p>") * 20
    assert render_user_text(text, text_format="html").count("&amp;") == 18_000


def test_stored_text_past_the_limits_reads_as_its_words_instead_of_failing():
    """Text saved before the limits existed: pages, feeds, downloads and the search
    index read it back as escaped paragraphs of its visible words."""
    from chapterhouse.works.text import sanitize_stored_html

    deep = "<div>" * 3000 + "<p>Salt &amp; <b>tide</b></p><p>Second</p>" + "</div>" * 3000
    with pytest.raises(TextTooComplex):
        sanitize_html(deep)

    assert strip_html(deep).split() == ["Salt", "&", "tide", "Second"]
    assert sanitize_stored_html(deep) == "<p>Salt &amp; tide</p>\n<p>Second</p>"
    assert sanitize_stored_html("<p>fine <em>text</em></p>") == "<p>fine <em>text</em></p>"


@pytest.mark.parametrize(
    "text",
    ["#\n" * 250_000, "a\n-\n" * 125_000, "|a|\n|-|\n" + "|b|\n" * 120_000, "- a\n" * 125_000],
    ids=["headings", "setext-headings", "table-rows", "list-items"],
)
def test_markdown_with_more_lines_than_elements_allowed_is_refused_before_rendering(text):
    message, seconds = refused(text, "markdown")
    assert "too many HTML elements" in message
    assert seconds < 0.5
