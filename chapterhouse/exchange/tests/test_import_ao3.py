"""Reading AO3's HTML and EPUB downloads (``importing/ao3.py``).

The fixtures in ``data/ao3/`` are AO3-shaped files with invented works, one
per layout AO3 has used: today's files (plural labels, ``#preface`` and
``#afterword``), 2019-2025 files (chapter headings carrying only the title),
2011-era files (no wrappers, the one-shot's text straight in ``#chapters``).
The EPUBs are built here: AO3's Calibre-made books (sections split over
several pages) and the hand-built books AO3 made before 2019.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from chapterhouse.exchange.importing import ao3
from chapterhouse.exchange.importing.ao3 import NO_METADATA, parse_ao3_epub, parse_ao3_html
from chapterhouse.exchange.importing.parsed import ImportProblem, ParsedSeries
from chapterhouse.exchange.importing.services import work_import
from chapterhouse.exchange.models import ImportedWork, ImportSource

DATA = Path(__file__).parent / "data" / "ao3"


def _file(name: str) -> bytes:
    return (DATA / name).read_bytes()


def _html(name: str):
    return parse_ao3_html(_file(name))


# -- HTML: each field ---------------------------------------------------------------

def test_one_shot_reads_title_creator_and_every_tag_group():
    work = _html("oneshot.html")
    assert work.source == ImportSource.AO3_HTML
    assert work.title == "The Orchard Keeper"
    assert work.creators == ["quillon"]
    assert work.rating == "Teen And Up Audiences"
    assert work.warnings == ["Graphic Depictions Of Violence", "Major Character Death"]
    assert work.categories == ["F/M", "Gen"]
    assert work.fandoms == ["Windmere Chronicles (Video Game)"]
    assert work.relationships == ["Hester Vane/Tobiah Crane"]
    assert work.characters == ["Hester Vane", "Tobiah Crane", "The Orchard Ghost"]
    assert work.freeforms == ["Apple Harvest", "Found Family", "Bittersweet Ending"]
    assert work.language == "English"
    assert work.series == []


def test_one_shot_reads_summary_notes_end_notes_and_its_text_without_headings():
    work = _html("oneshot.html")
    assert work.summary == (
        "<p>Hester keeps the last orchard in the valley. The ghost keeps <em>her</em>.</p>"
    )
    assert work.notes == "<p>Written for the autumn prompt table.</p>"
    assert "grandmother's house" in work.endnotes
    [chapter] = work.chapters
    assert chapter.title == ""
    assert chapter.content.startswith("<p>The frost came early that year")
    assert '<strong>"I am exactly on time,"</strong>' in chapter.content
    assert "toc-heading" not in chapter.content and "Orchard Keeper" not in chapter.content
    assert "See the end" not in work.notes


def test_one_shot_reads_dates_chapter_count_and_original_address():
    work = _html("oneshot.html")
    assert work.published_on == datetime.date(2019, 1, 2)
    assert work.updated_on is None
    assert work.expected_chapters == 1
    assert work.original_url == "https://archive.example.org/works/4242"


def test_multi_chapter_work_reads_every_chapter_with_its_own_notes():
    work = _html("multichapter.html")
    assert [c.title for c in work.chapters] == ["Dead Air", "", "Sign-Off"]
    first, second, third = work.chapters
    assert first.summary == "<p>The first call.</p>"
    assert first.notes == (
        '<p>Chapter one notes, with a <a href="https://example.org/song">link</a>.</p>'
    )
    assert first.endnotes == "<p>The station is based on a real one.</p>"
    assert first.content.startswith("<p>At 3:12 the board lit up.</p>")
    assert "<blockquote>" in first.content  # the writer's own blockquote is text
    assert "Chapter Summary" not in first.content and "Dead Air" not in first.content
    assert (second.summary, second.notes, second.endnotes) == ("", "", "")
    assert "<li>Tuesday: rain</li>" in second.content
    assert third.notes == "" and third.endnotes == "<p>More soon, promise.</p>"


def test_multi_chapter_work_reads_creators_series_stats_and_work_notes():
    work = _html("multichapter.html")
    assert work.creators == ["marrow_and_ink", "Fenwick (fenlight)"]
    assert work.series == [ParsedSeries("Dispatches, Nightly", 2),
                           ParsedSeries("Copperline Ficlets", 5)]
    assert work.fandoms == ["Copperline (Podcast)", "Night Shift Radio"]
    assert work.relationships == ["Abel Marsh/Jory Pike", "Abel Marsh & Nell Oduya"]
    assert work.warnings == ["Creator Chose Not To Use Archive Warnings"]
    assert work.published_on == datetime.date(2020, 3, 14)
    assert work.updated_on == datetime.date(2020, 6, 1)
    assert work.expected_chapters is None  # "Chapters: 3/?"
    assert work.notes == ("<p>Begins after episode 12.</p>"
                          "<p>Co-written over a very long winter.</p>")
    assert work.endnotes == "<p>Come say hello on the forum.</p>"
    assert any("Radio Week 2020" in remark for remark in work.remarks)
    assert any("chapter" in r and "Fenwick" in r for r in work.remarks)


def test_anonymous_work_names_no_creator_and_reads_completed_date():
    work = _html("anonymous.html")
    assert work.creators == ["Anonymous"]
    assert work.updated_on == datetime.date(2021, 11, 2)  # "Completed:"
    assert work.expected_chapters == 2
    assert [c.title for c in work.chapters] == ["", "The Far Shore"]
    assert work.categories == [] and work.summary == ""


def test_unicode_titles_tags_names_and_text_survive():
    work = _html("unicode.html")
    assert work.title == "Über die Brücke – 橋の向こう"
    assert work.creators == ["Zoë Ångström (zoe_a)"]
    assert work.relationships == ["Mirja/夕子"]
    assert work.freeforms == ["Brücken", "雨", "Été"]
    assert work.language == "Deutsch"
    assert "「遅いよ」と夕子は言った。" in work.chapters[0].content


def test_2011_download_without_wrappers_and_with_old_labels():
    work = _html("old_style_2011.html")
    assert work.title == "Weathervane"
    assert work.creators == ["oldhand"]
    assert work.rating == "Explicit"
    # The old spelling of the "no warnings chosen" tag is read as today's.
    assert work.warnings == ["Creator Chose Not To Use Archive Warnings"]
    assert work.categories == ["Multi", "Other"]
    assert work.series == [ParsedSeries("Almanac Weather", 3)]
    assert work.published_on == datetime.date(2011, 4, 9)
    assert work.updated_on == datetime.date(2011, 5, 20)
    assert work.expected_chapters == 1  # no "Chapters:" in old one-shot stats
    [chapter] = work.chapters
    assert chapter.content.startswith("<p>The copper cockerel")
    assert "drop by the archive" not in chapter.content
    assert work.original_url == "http://archive.example.org/works/1207"


def test_2019_download_with_title_only_chapter_headings_and_archivist_byline():
    work = _html("old_chapters_2019.html")
    assert [c.title for c in work.chapters] == ["Wick", ""]
    assert work.creators == ["Ferris Wheeler"]  # "[archived by Pellmell]" is not a creator
    assert work.characters == ["Odile", "The Chandler"]
    assert work.expected_chapters == 4


def test_file_in_another_encoding_with_a_byte_order_mark_is_read():
    data = b"\xef\xbb\xbf" + _file("unicode.html")
    assert parse_ao3_html(data).title == "Über die Brücke – 橋の向こう"


# -- HTML: bad files ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"Just a few lines of plain prose.\nNo markup here at all.\n", "no HTML markup"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"PK\x03\x04\x14\x00\x00\x00", "zip archive"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_file_that_is_not_html_is_refused_saying_what_it_is(data, message):
    with pytest.raises(ImportProblem) as problem:
        parse_ao3_html(data)
    assert message in problem.value.message


def test_html_page_that_is_not_an_ao3_download_is_refused():
    page = b"<html><body><h1>My blog</h1><p>Today I baked bread.</p></body></html>"
    with pytest.raises(ImportProblem) as problem:
        parse_ao3_html(page)
    assert problem.value.message == NO_METADATA
    assert "does not look like an AO3 download" in problem.value.message


def test_ao3_download_with_no_chapter_text_is_refused():
    page = _file("oneshot.html").replace(b"<div class=\"userstuff\">", b"<div class=\"x\">")
    page = page.replace(b'id="chapters" class="userstuff"', b'id="chapters" class="userstuff">'
                        b'</div><div class="gone"')
    with pytest.raises(ImportProblem) as problem:
        parse_ao3_html(page)
    assert "no chapter text" in problem.value.message


def test_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(ao3, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ImportProblem) as problem:
        parse_ao3_html(_file("oneshot.html"))
    assert "too large" in problem.value.message and "limit" in problem.value.message
    with pytest.raises(ImportProblem):
        parse_ao3_epub(_calibre_epub())


def test_size_limit_is_twenty_megabytes():
    assert ao3.MAX_FILE_BYTES == 20 * 1024 * 1024


# -- EPUB --------------------------------------------------------------------------

CONTAINER = (
    '<?xml version="1.0"?>\n<container version="1.0" '
    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
    '<rootfile full-path="{opf}" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)


def _xhtml(body: str, title: str = "Ledger of Small Hours") -> str:
    return (
        '<?xml version=\'1.0\' encoding=\'utf-8\'?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        f"<title>{title}</title>"
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>'
        '<link href="stylesheet.css" rel="stylesheet" type="text/css"/></head>\n'
        f'<body class="calibre">{body}</body></html>'
    )


def _epub(pages: dict[str, str], *, opf_path: str, metadata: str = "",
          with_container: bool = True) -> bytes:
    opf_dir = opf_path.rpartition("/")[0]
    items, refs = [], []
    for index, name in enumerate(pages):
        href = name[len(opf_dir) + 1:] if opf_dir else name
        items.append(f'<item id="p{index}" href="{href}" media-type="application/xhtml+xml"/>')
        refs.append(f'<itemref idref="p{index}"/>')
    opf = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:opf="http://www.idpf.org/2007/opf">{metadata}</metadata>'
        '<manifest><item id="css" href="stylesheet.css" media-type="text/css"/>'
        + "".join(items) + '</manifest><spine toc="ncx">' + "".join(refs) + "</spine></package>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        if with_container:
            book.writestr("META-INF/container.xml", CONTAINER.format(opf=opf_path))
        book.writestr(opf_path, opf)
        for name, text in pages.items():
            book.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


CALIBRE_METADATA = (
    "<dc:title>Ledger of Small Hours</dc:title>"
    '<dc:creator opf:role="aut">marrow_and_ink, Fenwick (fenlight)</dc:creator>'
    "<dc:language>en</dc:language><dc:publisher>Example Archive</dc:publisher>"
    "<dc:subject>Fanworks</dc:subject><dc:subject>Mature</dc:subject>"
    '<meta name="calibre:series" content="Dispatches, Nightly"/>'
    '<meta name="calibre:series_index" content="2.0"/>'
)


def _calibre_epub() -> bytes:
    """AO3's book as Calibre makes it from the HTML download: pages split
    before each h1/h2, every page repeating the wrappers around its part,
    Calibre's own classes added, files at the top of the zip."""
    soup = BeautifulSoup(_file("multichapter.html"), "html.parser")
    preface = soup.find(id="preface")
    meta = preface.find("div", class_="meta")
    tags = meta.find("dl", class_="tags")
    tags["class"] = ["tags", "calibre3"]
    after_title = "".join(str(el) for el in meta.find("h1").find_all_next(
        lambda tag: tag.parent is meta))
    raw = _file("multichapter.html").decode()
    start = raw.index('<div id="chapters" class="userstuff">')
    end = raw.index('<div id="afterword">')
    inside = raw[start:end]
    inside = inside[inside.index(">") + 1:inside.rindex("</div>")]
    chapters = ['<div class="meta group">' + part
                for part in inside.split('<div class="meta group">')[1:]]
    # The third chapter's text runs over two pages, as Calibre splits long ones.
    third = chapters[2]
    cut = third.index("<!--/chapter content-->")
    third_a = third[:cut].replace("</p>\n</div>", "</p></div>", 1)
    pages = {
        "Ledger_of_Small_Hours_split_000.xhtml": _xhtml(
            '<div class="calibre" id="preface"><h2 class="toc-heading">Preface</h2>'
            + str(preface.find("p", class_="message")) + '<div class="meta">' + str(tags)
            + "</div></div>", "Ledger of Small Hours - marrow_and_ink - Copperline (Podcast)"),
        "Ledger_of_Small_Hours_split_001.xhtml": _xhtml(
            '<div class="calibre" id="preface"><div class="meta"><h1 class="calibre4">'
            "Ledger of Small Hours</h1>" + after_title + "</div></div>"),
        "Ledger_of_Small_Hours_split_002.xhtml": _xhtml(
            '<div class="userstuff" id="chapters">' + chapters[0] + "</div>"),
        "Ledger_of_Small_Hours_split_003.xhtml": _xhtml(
            '<div class="userstuff" id="chapters">' + chapters[1] + "</div>"),
        "Ledger_of_Small_Hours_split_004.xhtml": _xhtml(
            '<div class="userstuff" id="chapters">' + third_a + "</div>"),
        "Ledger_of_Small_Hours_split_005.xhtml": _xhtml(
            '<div class="userstuff" id="chapters"><div class="userstuff">'
            "<p>The lamp on the desk stayed on.</p></div>" + third[cut:] + "</div>"),
        "Ledger_of_Small_Hours_split_006.xhtml": _xhtml(str(soup.find(id="afterword"))),
    }
    return _epub(pages, opf_path="content.opf", metadata=CALIBRE_METADATA)


def test_calibre_epub_reads_the_same_work_as_the_html_download():
    from_epub = parse_ao3_epub(_calibre_epub())
    from_html = _html("multichapter.html")
    assert from_epub.source == ImportSource.AO3_EPUB
    for field in ("title", "creators", "rating", "warnings", "categories", "fandoms",
                  "relationships", "characters", "freeforms", "language", "series",
                  "summary", "notes", "endnotes", "published_on", "updated_on",
                  "expected_chapters", "original_url"):
        assert getattr(from_epub, field) == getattr(from_html, field), field
    assert [c.title for c in from_epub.chapters] == ["Dead Air", "", "Sign-Off"]
    for got, want in zip(from_epub.chapters[:2], from_html.chapters[:2], strict=True):
        assert (got.summary, got.notes, got.endnotes) == (want.summary, want.notes, want.endnotes)
        assert " ".join(got.content.split()) == " ".join(want.content.split())


def test_calibre_epub_joins_a_chapter_split_over_two_pages():
    third = parse_ao3_epub(_calibre_epub()).chapters[2]
    assert "we are still on the air" in third.content
    assert third.content.index("still on the air") < third.content.index("stayed on")
    assert third.endnotes == "<p>More soon, promise.</p>"


def _old_epub() -> bytes:
    """AO3's own EPUB before 2019: OEBPS/preface, chapterN_M, afterword."""
    soup = BeautifulSoup(_file("anonymous.html"), "html.parser")
    preface = str(soup.find(id="preface").find("div", class_="meta"))
    message = str(soup.find(id="preface").find("p", class_="message"))
    groups = soup.find(id="chapters").find_all("div", class_="meta group")
    texts = soup.find(id="chapters").find_all("div", class_="userstuff", recursive=False)
    pages = {
        "OEBPS/preface.xhtml": _xhtml(message + preface, "Nine Lanterns"),
        "OEBPS/chapter1_1.xhtml": _xhtml(str(groups[0]) + str(texts[0]), "Chapter 1"),
        "OEBPS/chapter2_1.xhtml": _xhtml(str(groups[1]) + str(texts[1]), "The Far Shore"),
        "OEBPS/chapter2_2.xhtml": _xhtml(
            '<div class="userstuff"><p>And the ferry went on without them.</p></div>'),
        "OEBPS/afterword.xhtml": _xhtml(
            '<p class="message">Please drop by the archive and comment.</p>'),
    }
    metadata = ("<dc:title>Nine Lanterns</dc:title><dc:creator>Anonymous</dc:creator>"
                "<dc:language>en</dc:language>"
                '<dc:identifier opf:scheme="URI" id="etextno">'
                "https://archive.example.org/works/555</dc:identifier>")
    return _epub(pages, opf_path="OEBPS/content.opf", metadata=metadata)


def test_pre_2019_ao3_epub_with_parts_of_chapters_in_separate_pages():
    work = parse_ao3_epub(_old_epub())
    assert work.title == "Nine Lanterns" and work.creators == ["Anonymous"]
    assert work.rating == "General Audiences"
    assert work.fandoms == ["The Glass Ferry (Novels)"]
    assert [c.title for c in work.chapters] == ["", "The Far Shore"]
    assert "nobody at all" in work.chapters[1].content
    assert "ferry went on without them" in work.chapters[1].content
    assert work.expected_chapters == 2 and work.published_on == datetime.date(2021, 10, 31)
    assert work.original_url == "https://archive.example.org/works/555"


def test_epub_without_a_tag_list_falls_back_on_its_contents_file():
    body = '<div id="chapters" class="userstuff"><div class="userstuff"><p>Words.</p></div></div>'
    data = _epub({"text.xhtml": _xhtml(body, "x")}, opf_path="content.opf",
                 metadata="<dc:title>Quiet Tide</dc:title><dc:creator>Ives &amp; Ro</dc:creator>"
                          "<dc:language>fr</dc:language>"
                          "<dc:description>&lt;p&gt;A small tide.&lt;/p&gt;</dc:description>")
    work = parse_ao3_epub(data)
    assert work.title == "Quiet Tide"
    assert work.creators == ["Ives", "Ro"]
    assert work.language == "fr"
    assert work.summary == "<p>A small tide.</p>"
    assert work.chapters[0].content == "<p>Words.</p>"
    assert any("no AO3 tag list" in remark for remark in work.remarks)


def test_epub_that_is_not_an_ao3_download_is_refused():
    data = _epub({"ch1.xhtml": _xhtml("<h1>Some novel</h1><p>It was a dark night.</p>", "x")},
                 opf_path="content.opf", metadata="<dc:title>Some novel</dc:title>")
    with pytest.raises(ImportProblem) as problem:
        parse_ao3_epub(data)
    assert problem.value.message == NO_METADATA


def test_corrupt_zip_is_refused():
    with pytest.raises(ImportProblem) as problem:
        parse_ao3_epub(_calibre_epub()[:300])
    assert "not a zip archive, or the archive is damaged" in problem.value.message
    with pytest.raises(ImportProblem):
        parse_ao3_epub(b"<html>not a zip</html>")


def test_epub_without_container_xml_is_refused():
    data = _epub({"a.xhtml": _xhtml("<p>x</p>")}, opf_path="content.opf", with_container=False)
    with pytest.raises(ImportProblem) as problem:
        parse_ao3_epub(data)
    assert "META-INF/container.xml" in problem.value.message


def test_epub_whose_contents_file_is_missing_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("META-INF/container.xml", CONTAINER.format(opf="OEBPS/content.opf"))
    with pytest.raises(ImportProblem) as problem:
        parse_ao3_epub(buffer.getvalue())
    assert "OEBPS/content.opf" in problem.value.message


def test_epub_pages_are_read_without_fetching_or_expanding_entities():
    page = (
        '<?xml version="1.0"?>\n<!DOCTYPE html [<!ENTITY boom SYSTEM "file:///etc/passwd">]>'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><dl class="tags"><dt>Fandom:</dt>'
        "<dd>F</dd></dl><h1>T &boom;</h1>"
        '<div class="userstuff"><p>Text &boom;</p></div></body></html>'
    )
    work = parse_ao3_epub(_epub({"p.xhtml": page}, opf_path="content.opf"))
    assert "root:" not in work.title and "root:" not in work.chapters[0].content


# -- Importing what was read --------------------------------------------------------

@pytest.mark.django_db
def test_imported_multi_chapter_work_shows_its_tags_and_chapters(user, client):
    work = work_import(actor=user, parsed=_html("multichapter.html"))
    response = client.get(f"/works/{work.pk}?view_full_work=true&view_adult=true")
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    shown = page.get_text(" ", strip=True)
    for name in ("Mature", "Copperline (Podcast)", "Abel Marsh/Jory Pike", "Slow Burn",
                 "Ledger of Small Hours", "Dead Air", "Sign-Off", "At 3:12 the board lit up.",
                 "Dispatches, Nightly"):
        assert name in shown, name
    assert work.chapters_display == "3/?"
    assert work.published_on == datetime.date(2020, 3, 14)
    record = ImportedWork.objects.get(work=work)
    assert record.original_creators == "marrow_and_ink, Fenwick (fenlight)"
    assert record.original_url == "https://archive.example.org/works/9001"
    assert record.source == ImportSource.AO3_HTML


@pytest.mark.django_db
def test_imported_epub_and_old_html_become_posted_works(user, client):
    from_epub = work_import(actor=user, parsed=parse_ao3_epub(_old_epub()))
    old = work_import(actor=user, parsed=_html("old_style_2011.html"))
    unicode_work = work_import(actor=user, parsed=_html("unicode.html"))
    assert from_epub.posted and from_epub.chapters_display == "2/2"
    assert old.language == "en" and unicode_work.language == "de"
    assert {t.name for t in old.tags.all()} >= {
        "Explicit", "Creator Chose Not To Use Archive Warnings", "Multi", "Other",
        "Tinker's Almanac", "Clockwork",
    }
    response = client.get(f"/works/{unicode_work.pk}?view_adult=true")
    assert "「遅いよ」と夕子は言った。" in response.content.decode()
