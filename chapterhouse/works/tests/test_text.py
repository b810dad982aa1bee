"""Tests for the text pipeline (chapterhouse.works.text). No database, no settings."""

import re
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from chapterhouse.works.text import (
    ALLOWED_TAGS,
    TextFormat,
    html_to_html,
    markdown_to_html,
    plain_text_to_html,
    render_user_text,
    sanitize_html,
    strip_html,
    word_count,
)

# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------

SAFE_SCHEMES = {"", "http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "cite", "action", "formaction", "srcset", "xlink:href", "data"}
DANGEROUS_ELEMENTS = {
    "script", "style", "iframe", "svg", "math", "object", "embed", "form", "input",
    "button", "meta", "base", "link", "template", "noscript", "textarea", "select",
    "title", "body", "html", "head", "frame", "frameset", "video", "audio", "source",
}  # fmt: skip


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def url_scheme(value: str) -> str:
    """The scheme a browser would see: ASCII tab/newline removed, C0/space trimmed."""
    value = re.sub(r"[\t\n\r]", "", value).strip("".join(chr(c) for c in range(0x21)))
    return urlsplit(value).scheme.lower()


def assert_safe(html: str) -> None:
    """Structural safety checks on sanitised output."""
    for element in soup(html).find_all(True):
        assert element.name not in DANGEROUS_ELEMENTS, html
        assert element.name in ALLOWED_TAGS, html
        for attribute, value in element.attrs.items():
            assert not attribute.lower().startswith("on"), html
            assert attribute.lower() not in {"style", "srcset", "formaction", "action"}, html
            assert ":" not in attribute, html  # no xlink:href and friends
            if attribute in URL_ATTRIBUTES:
                assert url_scheme(value) in SAFE_SCHEMES, html
    lowered = html.lower()  # text may mention "javascript:", but no markup may open
    for needle in ("<script", "<style", "<iframe", "<svg", "<math", "<!--"):
        assert needle not in lowered, html


# ---------------------------------------------------------------------------------------
# XSS battery
# ---------------------------------------------------------------------------------------

# (input, substrings that must not appear anywhere in the output, even as text)
XSS_VECTORS = {
    # event handlers
    "img-onerror": ("<img src=x onerror=alert(1)>", ["onerror", "alert"]),
    "body-onload": ("<body onload=alert(1)>text</body>", ["onload", "alert", "<body"]),
    "a-onmouseover": ('<a onmouseover="alert(1)">hover</a>', ["onmouseover", "alert"]),
    "a-onclick-with-good-href": (
        '<a href="http://example.com" onclick="alert(1)">ok</a>',
        ["onclick", "alert"],
    ),
    "details-ontoggle": ("<details open ontoggle=alert(1)>x</details>", ["ontoggle", "alert"]),
    "video-source-onerror": (
        '<video><source onerror="alert(1)"></video>',
        ["onerror", "alert", "<video"],
    ),
    # javascript: URLs and their disguises
    "href-javascript": ('<a href="javascript:alert(1)">x</a>', ["javascript", "alert"]),
    "href-mixed-case": ('<a href="JaVaScRiPt:alert(1)">x</a>', ["javascript", "alert"]),
    "href-tab-entity": ('<a href="java&#x09;script:alert(1)">x</a>', ["script", "alert"]),
    "href-newline-entity": ('<a href="jav&#x0A;ascript:alert(1)">x</a>', ["script", "alert"]),
    "href-raw-newline": ('<a href="java\nscript:alert(1)">x</a>', ["script", "alert"]),
    "href-decimal-entity": ('<a href="&#106;avascript:alert(1)">x</a>', ["script", "alert"]),
    "href-padded-entities": (
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
        '&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',
        ["script", "alert"],
    ),
    "href-hex-entities": (
        '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;'
        'alert(1)">x</a>',
        ["script", "alert"],
    ),
    "href-named-colon": (
        '<a href="jAvAsCrIpT&colon;alert&lpar;1&rpar;">x</a>',
        ["script", "alert"],
    ),
    "href-leading-spaces": ('<a href="  javascript:alert(1)">x</a>', ["script", "alert"]),
    "href-leading-control": ('<a href="\x01javascript:alert(1)">x</a>', ["script", "alert"]),
    "href-with-rel-opener": (
        '<a href="javascript:alert(1)" rel="opener">x</a>',
        ["script", "opener"],
    ),
    "img-src-javascript": ('<img src="javascript:alert(1)">', ["script", "alert"]),
    "img-src-mixed-case": ('<IMG SRC="JaVaScRiPt:alert(1)">', ["script", "alert"]),
    "href-data-html": (
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
        ["data:", "base64"],
    ),
    "img-src-data-html": (
        '<img src="data:text/html,<script>alert(1)</script>">',
        ["data:", "alert"],
    ),
    "href-vbscript": ('<a href="vbscript:msgbox(1)">x</a>', ["vbscript", "msgbox"]),
    "blockquote-cite-javascript": (
        '<blockquote cite="javascript:alert(1)">q</blockquote>',
        ["script", "alert"],
    ),
    "q-cite-javascript": ('<q cite="javascript:alert(1)">q</q>', ["script", "alert"]),
    "srcset": (
        '<img srcset="javascript:alert(1) 1x" src="https://example.com/a.png">',
        ["srcset", "alert"],
    ),
    "xlink-href": ('<a xlink:href="javascript:alert(1)">x</a>', ["xlink", "alert"]),
    # SVG / MathML
    "svg-onload": ("<svg onload=alert(1)>", ["svg", "alert"]),
    "svg-script": ("<svg><script>alert(1)</script></svg>", ["svg", "alert"]),
    "svg-a-xlink": (
        '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
        ["svg", "xlink", "alert"],
    ),
    "math-href": ('<math href="javascript:alert(1)">x</math>', ["math", "alert"]),
    "math-mutation": (
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        ["onerror", "alert", "mglyph"],
    ),
    # CSS
    "style-block": (
        "<style>body{background:url(javascript:alert(1))}</style>after",
        ["background", "alert"],
    ),
    "style-expression": (
        '<p style="width: expression(alert(1))">x</p>',
        ["style", "expression", "alert"],
    ),
    "style-url-javascript": (
        '<div style="background:url(javascript:alert(1))">x</div>',
        ["style", "alert"],
    ),
    # frames, plugins
    "iframe-src": ('<iframe src="javascript:alert(1)"></iframe>', ["iframe", "alert"]),
    "iframe-srcdoc": (
        '<iframe srcdoc="<script>alert(1)</script>">fallback</iframe>',
        ["iframe", "alert", "fallback"],
    ),
    "object-data": ('<object data="javascript:alert(1)">x</object>', ["object", "alert"]),
    "embed-src": ('<embed src="javascript:alert(1)">', ["embed", "alert"]),
    # scripts
    "script": ("<script>alert(1)</script>", ["script", "alert"]),
    "script-src": (
        "<SCRIPT SRC=http://evil.example/xss.js></SCRIPT>",
        ["script", "evil.example"],
    ),
    "script-nested": ("<script><script>alert(1)</script></script>", ["script", "alert"]),
    # A browser parses this as a bogus "scr<script" element followed by the *text*
    # "ipt>alert(1)": no script runs. The text may stay; the element must not.
    "script-broken": ("<scr<script>ipt>alert(1)</script>", ["<script", "<scr<"]),
    "template": ("<template><script>alert(1)</script></template>", ["template", "alert"]),
    "textarea": ("<textarea><script>alert(1)</script></textarea>", ["textarea", "alert"]),
    "title": ("<title><script>alert(1)</script></title>", ["title", "alert"]),
    "noscript-mutation": (
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        ["onerror", "alert"],
    ),
    "xmp": ("<xmp><script>alert(1)</script></xmp>", ["xmp", "alert"]),
    # forms and document-level elements
    "form-action": (
        '<form action="javascript:alert(1)"><input type=submit></form>',
        ["action", "<form", "<input", "alert"],
    ),
    "button-formaction": (
        '<button formaction="javascript:alert(1)">x</button>',
        ["formaction", "<button", "alert"],
    ),
    "isindex": ("<isindex action=javascript:alert(1) type=image>", ["isindex", "alert"]),
    "meta-refresh": (
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        ["meta", "refresh", "alert"],
    ),
    "base-href": ('<base href="javascript:alert(1)//">', ["base", "alert"]),
    "link-stylesheet": (
        '<link rel="stylesheet" href="javascript:alert(1)">',
        ["link", "stylesheet", "alert"],
    ),
    # malformed markup
    "unclosed-tags": (
        '<p><b><i>unclosed <a href="javascript:alert(1)">x',
        ["script", "alert"],
    ),
    "broken-nesting": (
        "<div><p>broken</div></p><img src=x onerror=alert(1)//",
        ["onerror", "alert"],
    ),
    "unquoted-attribute-soup": (
        '<img/src="x"/onerror=alert(1)>',
        ["onerror", "alert"],
    ),
    # comments
    "comment": ("<!--<script>alert(1)</script>-->text", ["<!--", "alert"]),
    "conditional-comment": (
        "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->text",
        ["<!--", "[if", "alert"],
    ),
    "downlevel-revealed-comment": (
        "<![if !IE]><script>alert(1)</script><![endif]>text",
        ["<script", "alert"],
    ),
}


@pytest.mark.parametrize(
    ("vector", "forbidden"), XSS_VECTORS.values(), ids=list(XSS_VECTORS.keys())
)
def test_sanitize_html_neutralises_xss(vector, forbidden):
    output = sanitize_html(vector)
    assert_safe(output)
    for needle in forbidden:
        assert needle.lower() not in output.lower(), output


@pytest.mark.parametrize("vector", [v for v, _ in XSS_VECTORS.values()], ids=list(XSS_VECTORS))
def test_sanitize_html_is_idempotent_on_hostile_input(vector):
    once = sanitize_html(vector)
    assert sanitize_html(once) == once


@pytest.mark.parametrize("vector", [v for v, _ in XSS_VECTORS.values()], ids=list(XSS_VECTORS))
@pytest.mark.parametrize("text_format", list(TextFormat))
def test_every_format_is_safe_on_hostile_input(vector, text_format):
    assert_safe(render_user_text(vector, text_format=text_format))


def test_broken_script_leaves_only_inert_text():
    output = sanitize_html("<scr<script>ipt>alert(1)</script>")
    assert soup(output).find_all(True) == []
    assert "&gt;" in output  # the stray ">" is escaped text


# ---------------------------------------------------------------------------------------
# Ordinary fiction markup survives
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<p>She was <em>so</em> <strong>tired</strong>, <i>really</i> <b>tired</b>.</p>",
        "<p><u>under</u> <s>struck</s> <strike>old</strike> <del>gone</del> <ins>new</ins></p>",
        "<p>H<sub>2</sub>O and E=mc<sup>2</sup>, <small>small</small> <big>big</big></p>",
        '<p align="center">* * *</p>',
        "<blockquote><p>Quoted text.</p></blockquote>",
        "<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>",
        '<ol start="3" type="i"><li>three</li><li>four</li></ol>',
        '<ul type="square"><li>one</li></ul>',
        "<dl><dt>term</dt><dd>definition</dd></dl>",
        '<p><span class="scene-break">~</span></p>',
        "<center>centred</center>",
        "<h1>Chapter One</h1><h6>small heading</h6>",
        "<pre>  indented\n    code</pre>",
        "<p><code>x</code> <kbd>Ctrl</kbd> <samp>out</samp> <var>n</var> <tt>tt</tt></p>",
        '<p><abbr title="Archive of Our Own">AO3</abbr> <acronym>OTW</acronym></p>',
        '<p><q cite="https://example.com/">quoted</q> <cite>Book</cite> <dfn>term</dfn></p>',
        '<blockquote cite="/works/1">q</blockquote>',
        '<details open=""><summary>Spoilers</summary><p>They win.</p></details>',
        '<figure><img src="https://example.com/a.png" alt="Art"><figcaption>Art'
        "</figcaption></figure>",
        '<p dir="rtl" lang="he" title="greeting">שלום</p>',
        "<address>Somewhere</address>",
        '<p>Fish &amp; chips &lt;3 "quoted" &gt;_&lt;</p>',
    ],
)
def test_fiction_markup_survives_unchanged(html):
    assert sanitize_html(html) == html


def test_hr_and_br_are_kept():
    assert sanitize_html('<p>a<br />b</p><hr /><hr width="50%" align="center">') == (
        '<p>a<br>b</p><hr><hr width="50%" align="center">'
    )


def test_table_with_colspan_and_rowspan():
    html = (
        '<table border="1" summary="Cast"><caption>Cast</caption>'
        '<colgroup span="2" width="50%"><col span="1"></colgroup>'
        '<thead><tr><th scope="col" colspan="2">Who</th></tr></thead>'
        '<tbody><tr><td rowspan="2" width="10">A</td><td>B</td></tr></tbody>'
        "<tfoot><tr><td>end</td></tr></tfoot></table>"
    )
    assert sanitize_html(html) == html
    th = soup(sanitize_html(html)).find("th")
    assert th["colspan"] == "2"


def test_table_without_tbody_gets_one():
    cell = soup(sanitize_html('<table><tr><td colspan="2">x</td></tr></table>')).find("td")
    assert cell["colspan"] == "2"
    assert cell.parent.parent.name == "tbody"


def test_images_keep_their_attributes():
    html = '<img src="https://example.com/a.png" alt="A" width="100" height="50" border="0">'
    assert sanitize_html(html) == html


@pytest.mark.parametrize(
    "href",
    ["https://example.com/", "http://example.com/a?b=c&amp;d=e", "mailto:me@example.com",
     "/works/1", "chapters/2", "#note-1", "?page=2", "//example.com/x"],
)  # fmt: skip
def test_links_keep_safe_urls_and_get_nofollow(href):
    link = soup(sanitize_html(f'<a href="{href}">x</a>')).find("a")
    assert link["href"] == href.replace("&amp;", "&")
    assert link["rel"] == ["nofollow"]


def test_user_rel_is_replaced_by_nofollow():
    link = soup(sanitize_html('<a href="/x" rel="me noopener" target="_blank">x</a>')).a
    assert link["rel"] == ["nofollow"]
    assert "target" not in link.attrs


def test_named_anchor_is_kept():
    assert sanitize_html('<a name="ch1">Chapter 1</a>') == (
        '<a name="ch1" rel="nofollow">Chapter 1</a>'
    )


def test_ftp_links_are_dropped():
    # AO3 allows ftp:; this archive keeps to http, https, mailto and relative URLs.
    assert "href" not in soup(sanitize_html('<a href="ftp://example.com/f">f</a>')).a.attrs


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<p class="good-class">x</p>', '<p class="good-class">x</p>'),
        ('<p class="1bad good-class class!">x</p>', '<p class="good-class">x</p>'),
        ('<p class="1bad">x</p>', "<p>x</p>"),
        ('<p class="bad! 2bad -x">x</p>', "<p>x</p>"),
        ('<p class="">x</p>', "<p>x</p>"),
        ('<p class="x">x</p>', "<p>x</p>"),  # AO3 needs at least two characters
        ('<p class="a_b c-d  Ef9">x</p>', '<p class="a_b c-d Ef9">x</p>'),
        ('<p class="ünï">x</p>', "<p>x</p>"),  # ASCII only
        ('<p class="good\tother">x</p>', '<p class="good other">x</p>'),
    ],
)
def test_class_names_are_filtered(html, expected):
    assert sanitize_html(html) == expected


def test_disallowed_attributes_are_dropped():
    output = sanitize_html('<p id="x" name="y" data-x="z" style="color:red" align="left">t</p>')
    assert output == '<p align="left">t</p>'


def test_unknown_elements_are_unwrapped_keeping_text():
    assert sanitize_html('<font color="red">hi</font> <marquee>there</marquee>') == "hi there"


def test_removed_elements_lose_their_contents():
    assert sanitize_html("a<script>var x = 1;</script><style>p{}</style>b") == "ab"


def test_broken_nesting_is_repaired():
    assert sanitize_html("<b><i>x</b></i>") == "<b><i>x</i></b>"
    assert sanitize_html("<p>unclosed <em>emphasis") == "<p>unclosed <em>emphasis</em></p>"


def test_comments_are_stripped():
    assert sanitize_html("<p>a<!-- note to self -->b</p>") == "<p>ab</p>"


@pytest.mark.parametrize("empty", [None, "", "   ", "\n\n"])
def test_empty_input_gives_empty_string(empty):
    assert sanitize_html(empty) == ""
    assert html_to_html(empty) == ""
    assert markdown_to_html(empty) == ""
    assert plain_text_to_html(empty) == ""
    assert strip_html(empty) == ""


def test_lone_surrogates_do_not_crash():
    assert sanitize_html("a\ud800b") == "a\ufffdb"


def test_less_than_three_is_text():
    assert sanitize_html("I <3 this") == "I &lt;3 this"


# ---------------------------------------------------------------------------------------
# Format converters
# ---------------------------------------------------------------------------------------


def test_plain_text_paragraphs_and_line_breaks():
    text = "First line\nsecond line\n\n\nNew paragraph.\r\n\r\nThird.\rStill third."
    assert plain_text_to_html(text) == (
        "<p>First line<br>\nsecond line</p>\n<p>New paragraph.</p>\n<p>Third.<br>\nStill third.</p>"
    )


def test_plain_text_escapes_markup():
    output = plain_text_to_html("<script>alert(1)</script> & <b>not bold</b>")
    assert soup(output).find_all(True) == [soup(output).p]
    assert soup(output).get_text() == "<script>alert(1)</script> & <b>not bold</b>"


def test_plain_text_blank_lines_with_whitespace_separate_paragraphs():
    assert plain_text_to_html("one\n   \ntwo") == "<p>one</p>\n<p>two</p>"


def test_markdown_emphasis_links_and_paragraphs():
    output = markdown_to_html("*One* **two** ~~three~~\n\n[link](https://example.com)")
    assert output == (
        "<p><em>One</em> <strong>two</strong> <del>three</del></p>\n"
        '<p><a href="https://example.com" rel="nofollow">link</a></p>'
    )


def test_markdown_tables_keep_alignment():
    output = markdown_to_html("| a | b |\n|:--|--:|\n| 1 | 2 |")
    table = soup(output).table
    assert [th["align"] for th in table.find_all("th")] == ["left", "right"]
    assert [td.get_text() for td in table.find_all("td")] == ["1", "2"]
    assert "style" not in output


def test_markdown_raw_script_is_removed_but_safe_html_kept():
    output = markdown_to_html("Hello <em>there</em>\n\n<script>alert(1)</script>\n\nbye")
    assert "alert" not in output
    assert "<em>there</em>" in output
    assert soup(output).find("script") is None


@pytest.mark.parametrize(
    "markdown",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "![x](javascript:alert(1))",
        "<javascript:alert(1)>",
        "[x]: javascript:alert(1)\n\n[x]",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_markdown_dangerous_links_are_not_links(markdown):
    output = markdown_to_html(markdown)
    assert_safe(output)
    assert soup(output).find("a", href=True) is None
    assert soup(output).find("img", src=True) is None


def test_html_field_with_plain_text_gets_paragraphs():
    text = "Hello <em>there</em>,\nfriend.\n\n\nSecond paragraph."
    assert html_to_html(text) == ("<p>Hello <em>there</em>,<br>friend.</p><p>Second paragraph.</p>")


def test_html_field_paragraph_break_inside_inline_element_is_repaired():
    assert html_to_html("<em>one\n\ntwo</em>") == "<p><em>one</em></p><p><em>two</em></p>"


def test_html_field_with_block_elements_is_left_alone():
    html = "<p>One\ntwo</p>\n\n<p>Three</p>"
    assert html_to_html(html) == html


def test_html_field_without_newlines_is_only_sanitised():
    assert html_to_html("just <b>one</b> line") == "just <b>one</b> line"


def test_html_field_newlines_inside_attributes_are_not_touched():
    output = html_to_html('<abbr title="a\nb">x</abbr>\n\ny')
    assert output == '<p><abbr title="a\nb">x</abbr></p><p>y</p>'


def test_text_format_choices():
    assert TextFormat.choices == [
        ("html", "Rich text (HTML)"),
        ("markdown", "Markdown"),
        ("plain", "Plain text"),
    ]


@pytest.mark.parametrize(
    ("text_format", "expected"),
    [
        (TextFormat.HTML, "<p><b>x</b></p><p>y</p>"),
        ("html", "<p><b>x</b></p><p>y</p>"),
        (TextFormat.MARKDOWN, "<p><b>x</b></p>\n<p>y</p>"),
        ("plain", "<p>&lt;b&gt;x&lt;/b&gt;</p>\n<p>y</p>"),
    ],
)
def test_render_user_text_dispatches(text_format, expected):
    assert render_user_text("<b>x</b>\n\ny", text_format=text_format) == expected


@pytest.mark.parametrize("text_format", ["rtf", "", None, "HTML"])
def test_render_user_text_rejects_unknown_formats(text_format):
    with pytest.raises(ValueError, match="Unknown text format"):
        render_user_text("x", text_format=text_format)


# ---------------------------------------------------------------------------------------
# Visible text
# ---------------------------------------------------------------------------------------


def test_strip_html_gives_visible_text():
    html = (
        "<h1>Title</h1>\n<p>Hello&nbsp;<em>wor</em>ld &amp; all</p>\n"
        "<p>Line<br>break</p><ul><li>a</li>\n<li>b</li></ul>"
        '<p><img src="/x.png" alt="not visible">after</p>'
    )
    assert strip_html(html) == "Title\n\nHello world & all\n\nLine\nbreak\n\na\nb\n\nafter"


def test_strip_html_drops_removed_content():
    assert strip_html("<p>a<script>alert(1)</script>b</p><style>p{}</style>") == "ab"


def test_strip_html_output_is_not_html_escaped():
    assert strip_html("<p>1 &lt; 2 &amp;&amp; 3 &gt; 2</p>") == "1 < 2 && 3 > 2"


# ---------------------------------------------------------------------------------------
# Word counts
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English prose
        ("one two three four", 4),
        ("one\ntwo\nthree\nfour", 4),
        ("It was a dark and stormy night; the rain fell in torrents.", 12),
        ("\"Hey Bob,\" said Alice, 'Yay?!?'", 5),
        # contractions and hyphens join
        ("don't do that", 3),
        ("I’m sure you’d’ve known", 4),
        ("a well-known arm-rest", 3),
        ("state-of-the-art", 1),
        # but dashes and other punctuation separate
        ("one--two", 2),
        ("one — two – three", 3),
        ("one—two—three", 3),
        ("one/two|three,four", 4),
        ("one - two ' three", 3),
        # lone punctuation is no word
        ("* * *", 0),
        ("~~~~~~~~", 0),
        ("________", 0),
        # numbers
        ("42 is the answer", 4),
        ("1,000 people and 3.14 pies", 5),
        ("in 2024, chapter 3", 4),
        # letters with diacritics, other alphabets, combining marks
        ("zwölf naïve fiancés", 3),
        ("e\u0301te\u0301 cafe\u0301", 2),
        ("Привет, мир", 2),
        ("हिन्दी भाषा", 2),
        # Chinese, Japanese and Thai count characters
        ("一个简单的例子", 7),
        ("一个简单の栗子", 7),
        ("ひらがな", 4),
        ("カタカナ", 4),
        ("ﾊﾝｶｸ", 4),
        ("ラーメン", 4),
        ("漢字とかな。", 5),
        ("ジョン・スミス", 6),
        ("สวัสดี", 6),
        # mixed
        ("Hello 世界", 3),
        ("“嘿Bob,” Alice说，‘啊？！？’", 5),
        ("嘿|bob|说", 3),
        # empty
        ("", 0),
        (None, 0),
        ("   \n ", 0),
    ],
)
def test_word_count(text, expected):
    assert word_count(text) == expected
    assert word_count(text, is_html=False) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p align='center'> one </p> <i> two </i> <s> three </s>", 3),
        ("<p>one</p>two<br/>three", 3),
        ("<p>one</p> <p>  </p> <p>two</p>", 2),
        ("<p>one</p><p>**********</p><p>two</p>", 2),
        ("<ul><li>one</li><li>two</li></ul><table><tr><td>three</td><td>four</td></tr>", 4),
        ("<p>un<em>believ</em>able</p>", 1),  # inline markup does not split words
        ("<p>Fish &amp; chips&nbsp;&mdash;&nbsp;tonight</p>", 3),
        ("<p>AT&amp;T</p>", 2),
        ('<p title="not counted">one <img alt="not counted" src="/a.png"> two</p>', 2),
        ("<p>one<script>two three</script></p><style>four</style>", 1),
        ("<!-- not counted --><p>one</p>", 1),
        ("<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>", 2),
        ("<p>Hello</p><p>世界</p>", 3),
    ],
)
def test_word_count_html(html, expected):
    assert word_count(html) == expected


def test_word_count_plain_text_does_not_parse_tags():
    assert word_count("<p>one</p>", is_html=False) == 3  # "p", "one", "p"
    assert word_count("<p>one</p>") == 1


@pytest.mark.parametrize("separator", ["—", "--", ",", "/", "|"])
def test_word_count_separators_split_words(separator):
    assert word_count(f"one{separator}two{separator}three") == 3


@pytest.mark.parametrize("lone", ["—", "--", "-", "!", "?", ".", ",", "/", '"', "'", "|"])
def test_word_count_lone_punctuation_is_not_a_word(lone):
    assert word_count(f"one {lone} two {lone} three") == 3


@pytest.mark.parametrize("line", ["*", "~", "!?", "-", "~*", "~!", "|"])
def test_word_count_punctuation_lines_are_not_words(line):
    assert word_count(f"<p>one</p> <p>{line * 10}</p> <p>two</p>") == 2


def test_word_count_soft_hyphen_and_zero_width_joiners_join():
    assert word_count("hyphen\u00adated zero\u200dwidth non\u200cjoiner") == 3
