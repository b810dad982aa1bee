"""The HTML and plain-text downloads, made from a document."""

import datetime
import re
from html.parser import HTMLParser

from bs4 import BeautifulSoup
from lxml import html as lxml_html

from chapterhouse.exchange.downloads import html, text
from chapterhouse.exchange.downloads.document import (
    DownloadChapter,
    DownloadDocument,
    SeriesPart,
    TagGroup,
)

SITE = "https://archive.example"


def _chapter(position, title="", **texts):
    return DownloadChapter(
        position=position,
        title=title,
        heading=f"Chapter {position}: {title}" if title else f"Chapter {position}",
        summary_html=texts.get("summary", ""),
        notes_html=texts.get("notes", ""),
        endnotes_html=texts.get("endnotes", ""),
        content_html=texts.get("content", f"<p>Text of chapter {position}.</p><p>More.</p>"),
        published_on=datetime.date(2024, 3, position),
        word_count=6,
    )


def _doc(**changes) -> DownloadDocument:
    fields = dict(
        work_id=7,
        title="Tidewater & Letters",
        creators=("Gull", "Harbourmaster (mireille)"),
        creator_urls=(
            f"{SITE}/users/gull/pseuds/Gull", f"{SITE}/users/mireille/pseuds/Harbourmaster",
        ),
        url=f"{SITE}/works/7",
        site_name="Lantern Archive",
        site_url=SITE,
        language_code="en",
        language_name="English",
        tag_groups=(
            TagGroup("Rating", ("Teen And Up Audiences",), (f"{SITE}/tags/Teen/works",)),
            TagGroup(
                "Category", ("F/M", "Gen"), (f"{SITE}/tags/F*s*M/works", f"{SITE}/tags/Gen/works")
            ),
            TagGroup("Fandom", ("Lighthouse Keepers",), (f"{SITE}/tags/LK/works",)),
            TagGroup("Additional Tags", ("Epistolary",), (f"{SITE}/tags/Epistolary/works",)),
        ),
        series=(SeriesPart("Tides", 2, f"{SITE}/series/3"),),
        summary_html="<p>Two keepers write <em>letters</em>.</p>",
        notes_html="<p>Work notes.</p>",
        endnotes_html="<p>Work end notes.</p>",
        chapters=(
            _chapter(1, "Fog", summary="<p>S1</p>", notes="<p>N1</p>", endnotes="<p>E1</p>"),
            _chapter(2),
        ),
        published_on=datetime.date(2024, 3, 1),
        updated_on=datetime.date(2024, 3, 2),
        complete=False,
        chapters_display="2/3",
        word_count=4000,
        restricted=False,
        revised_at=None,
        updated_at=datetime.datetime(2024, 3, 2, tzinfo=datetime.UTC),
    )
    fields.update(changes)
    return DownloadDocument(**fields)


def _soup(doc) -> BeautifulSoup:
    return BeautifulSoup(html.render(doc).decode("utf-8"), "html.parser")


def _dl(soup) -> dict[str, str]:
    dl = soup.select_one("#preface div.meta dl.tags")
    return {
        dt.get_text(strip=True): " ".join(dt.find_next_sibling("dd").get_text(" ").split())
        for dt in dl.find_all("dt")
    }


def test_html_follows_ao3_download_layout():
    soup = _soup(_doc())

    body = [child.get("id") for child in soup.body.find_all("div", recursive=False)]
    assert body == ["preface", "chapters", "afterword"]
    assert soup.select_one("div#chapters")["class"] == ["userstuff"]
    message = soup.select_one("#preface p.message")
    assert message.b.get_text() == "Tidewater & Letters"
    assert "Posted originally on the Lantern Archive at" in " ".join(message.get_text().split())
    assert message.find_all("a")[1]["href"] == f"{SITE}/works/7"
    assert soup.select_one("#preface h1").get_text() == "Tidewater & Letters"
    assert soup.title.get_text().startswith("Tidewater & Letters")


def test_html_metadata_lines():
    soup = _soup(_doc())

    meta = _dl(soup)
    assert list(meta) == [
        "Rating:", "Categories:", "Fandom:", "Additional Tags:", "Language:", "Series:", "Stats:",
    ]
    assert meta["Categories:"] == "F/M , Gen"
    assert meta["Series:"] == "Part 2 of Tides"
    assert meta["Stats:"] == "Published: 2024-03-01 Updated: 2024-03-02 Words: 4,000 Chapters: 2/3"
    links = soup.select("dl.tags dd a")
    assert links[1]["href"] == f"{SITE}/tags/F*s*M/works" and links[1].get_text() == "F/M"


def test_html_stats_say_completed_or_leave_out_an_unchanged_date():
    done = _dl(_soup(_doc(complete=True, chapters_display="2/2")))["Stats:"]
    same_day = _dl(_soup(_doc(updated_on=datetime.date(2024, 3, 1))))["Stats:"]

    assert "Completed: 2024-03-02" in done
    assert same_day == "Published: 2024-03-01 Words: 4,000 Chapters: 2/3"


def test_html_byline_summary_and_notes():
    soup = _soup(_doc())

    byline = soup.select_one("#preface div.byline")
    assert " ".join(byline.get_text().split()) == "by Gull, Harbourmaster (mireille)"
    assert [a["rel"] for a in byline.find_all("a")] == [["author"], ["author"]]
    labels = [p.get_text() for p in soup.select("#preface div.meta > p")]
    assert labels == ["Summary", "Notes"]
    quotes = soup.select("#preface div.meta > blockquote.userstuff")
    assert quotes[0].decode_contents() == "<p>Two keepers write <em>letters</em>.</p>"
    assert quotes[1].decode_contents() == "<p>Work notes.</p>"
    assert soup.select_one("#preface .endnote-link a")["href"] == "#endnotes"


def test_html_chapters_keep_headings_notes_and_dates():
    soup = _soup(_doc())

    groups = soup.select("#chapters > div.meta.group")
    assert [g.h2.get_text() for g in groups] == ["Chapter 1: Fog", "Chapter 2"]
    assert [g["data-published"] for g in groups] == ["2024-03-01", "2024-03-02"]
    first = groups[0]
    assert [p.get_text() for p in first.find_all("p", recursive=False)] == [
        "Chapter Summary", "Chapter Notes",
    ]
    assert [q.decode_contents() for q in first.select("blockquote.userstuff")] == [
        "<p>S1</p>", "<p>N1</p>",
    ]
    texts = soup.select("#chapters > div.userstuff")
    assert "Text of chapter 2." in texts[1].get_text()
    end = soup.select_one("#chapters > div.meta#endnotes1")
    assert end.p.get_text() == "Chapter End Notes"
    assert end.blockquote.decode_contents() == "<p>E1</p>"
    assert soup.select_one("#endnotes2") is None


def test_html_afterword_has_end_notes_series_and_an_invitation():
    soup = _soup(_doc())

    after = soup.select_one("#afterword")
    assert after.select_one("#endnotes p").get_text() == "End Notes"
    assert after.select_one("#endnotes blockquote").decode_contents() == "<p>Work end notes.</p>"
    series = after.select_one("#series li")
    assert series.get_text() == "Part 2 of Tides" and series.a["href"] == f"{SITE}/series/3"
    invite = after.find_all("p", class_="message")[-1]
    assert "comment" in invite.get_text() and invite.a["href"] == f"{SITE}/works/7"


def test_one_shot_html_has_no_chapter_heading():
    soup = _soup(_doc(chapters=(_chapter(1),), chapters_display="1/1"))

    assert soup.select("#chapters h2") == []
    assert [d["class"] for d in soup.select("#chapters > div")] == [["userstuff"]]
    assert "Text of chapter 1." in soup.select_one("#chapters > div.userstuff").get_text()


def test_one_shot_with_its_own_chapter_notes_keeps_them():
    only = _chapter(1, "Only", notes="<p>Chapter-only note.</p>")
    soup = _soup(_doc(chapters=(only,), chapters_display="1/1"))

    assert soup.select_one("#chapters h2.heading").get_text() == "Chapter 1: Only"
    assert "Chapter-only note." in soup.select_one("#chapters div.meta.group").get_text()


def test_anonymous_html_has_no_author_link():
    soup = _soup(_doc(creators=("Anonymous",), creator_urls=(), anonymous=True))

    assert " ".join(soup.select_one("div.byline").get_text().split()) == "by Anonymous"
    assert soup.select("a[rel=author]") == []
    assert "/users/" not in html.render(_doc(creators=("Anonymous",), creator_urls=())).decode()


def test_html_escapes_titles_and_is_self_contained():
    doc = _doc(title='<img src=x onerror="boom()">Tide', chapters=(_chapter(1, "<b>x</b>"),))
    raw = html.render(doc).decode()

    assert "<img src=x" not in raw and "&lt;img" in raw
    assert "<b>x</b>" not in raw
    tree = lxml_html.document_fromstring(raw)
    assert tree.xpath("//link") == [] and tree.xpath("//script") == []
    assert tree.xpath("//style")
    assert not re.search(r'(src|href)="(?!https://archive\.example|#)', raw)


VOID = {"br", "hr", "img", "meta", "link", "col", "wbr", "input", "source"}


class _Balance(HTMLParser):
    """Every element closed, in order (void elements aside)."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def _balance(raw: str) -> list[str]:
    checker = _Balance()
    checker.feed(raw)
    checker.close()
    return checker.errors + [f"<{tag}> left open" for tag in checker.stack]


def test_html_is_well_formed():
    assert _balance("<div><p>broken</div>")  # the checker notices broken markup
    messy = _chapter(1, "x", notes="<p>ok</p>", content="<p>fine <em>text</em></p>")
    for doc in (_doc(), _doc(chapters=(_chapter(1),)), _doc(chapters=(messy,), series=())):
        raw = html.render(doc).decode()
        assert _balance(raw) == []
        assert raw.startswith("<!DOCTYPE html>")


def test_text_has_preface_chapters_and_afterword_in_order():
    out = text.render(_doc()).decode("utf-8")

    order = [
        "Tidewater & Letters\nPosted originally on the Lantern Archive at https://archive.example/works/7.",
        "Rating: Teen And Up Audiences",
        "Categories: F/M, Gen",
        "Series: Part 2 of Tides",
        "Stats: Published: 2024-03-01 Updated: 2024-03-02 Words: 4,000 Chapters: 2/3",
        "by Gull, Harbourmaster (mireille)",
        "Summary\n\n    Two keepers write letters.",
        "Notes\n\n    Work notes.",
        "Chapter 1: Fog",
        "Chapter Summary\n\n    S1",
        "Chapter Notes\n\n    N1",
        "Text of chapter 1.\n\nMore.",
        "Chapter End Notes\n\n    E1",
        "Chapter 2\n",
        "Text of chapter 2.",
        "Afterword",
        "End Notes\n\n    Work end notes.",
        "https://archive.example/series/3",
    ]
    positions = [out.index(piece) for piece in order]
    assert positions == sorted(positions)
    assert "<p>" not in out and "<em>" not in out
    assert out.endswith("https://archive.example/works/7.\n")


def test_text_keeps_unicode_and_decodes_entities():
    doc = _doc(chapters=(_chapter(1, content="<p>Ça &amp; “quotes” — 灯台</p>"),))

    assert "Ça & “quotes” — 灯台" in text.render(doc).decode("utf-8")


def test_text_one_shot_has_no_heading():
    out = text.render(_doc(chapters=(_chapter(1),), chapters_display="1/1")).decode()

    assert "Chapter 1" not in out
    assert "Text of chapter 1." in out
